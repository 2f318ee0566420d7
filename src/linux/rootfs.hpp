// The container's filesystem view, built in the child's new mount namespace:
//   1. "/" made rslave (or rootfsPropagation) so nothing leaks to the host,
//   2. the rootfs bound onto itself (pivot_root needs a mount point),
//   3. every spec mount, in order, then devices and /dev symlinks,
//   4. sysctls, masked and read-only paths, the root made read-only,
//   5. pivot_root (or, with --no-pivot, MS_MOVE + chroot).
// Steps 1-4 and 5 are separate calls so that hooks can run in between.
#pragma once

#include <string>
#include <vector>

#include "linux/fd.hpp"
#include "moat/cgroups.hpp"
#include "moat/spec.hpp"

namespace moat::linux {

struct RootfsPlan {
    std::string rootfs;                   // absolute host path
    bool readonly = false;
    std::string propagation;              // rootfsPropagation; empty = rslave
    std::vector<spec::Mount> mounts;      // sources already absolute
    std::vector<spec::Device> devices;    // spec devices (defaults are added when /dev is a tmpfs)
    std::vector<std::string> masked_paths, readonly_paths;
    std::map<std::string, std::string> sysctl;
    bool no_pivot = false;
    bool in_user_ns = false;
    cgroups::Host cgroup_host;
};

// Steps 1-4. Runs in the child, in its new mount namespace.
Status prepare_rootfs(const RootfsPlan& plan);

// Step 5, then applies rootfsPropagation to the new "/".
Status enter_rootfs(const RootfsPlan& plan);

// Write linux.sysctl through the host's /proc/sys (the namespaced keys are
// resolved against the calling task's namespaces).
Status apply_sysctl(const std::map<std::string, std::string>& sysctl);

}  // namespace moat::linux
