// Mounting one OCI mount entry inside a container root, and the kernel-view
// protections (masked and read-only paths). Targets are always resolved
// within the root first and then named by their fd ("/proc/self/fd/N"), so a
// symlink in the image cannot redirect a mount onto the host.
#pragma once

#include <string>
#include <vector>

#include "linux/fd.hpp"
#include "moat/cgroups.hpp"
#include "moat/spec.hpp"

namespace moat::linux {

struct MountContext {
    int root_fd = -1;          // the container's rootfs directory
    int dev_null_fd = -1;      // the host's /dev/null (O_PATH), the source for masks
    bool in_user_ns = false;   // device nodes must be bind-mounted, not made
    const cgroups::Host* cgroup_host = nullptr;  // for mounts of type "cgroup"
};

// Mount `m` (source already made absolute by the caller) inside the root.
Status mount_entry(const MountContext& ctx, const spec::Mount& m);

// Hide a path: a read-only empty tmpfs over a directory, the host's /dev/null
// over anything else. A masked path that is a symlink is refused, not followed;
// a missing one is skipped.
Status mask_path(const MountContext& ctx, const std::string& path);

// Bind a path onto itself read-only (missing: skipped; symlink: refused).
Status make_path_readonly(const MountContext& ctx, const std::string& path);

// Remount the bind mount that `fd` names with `flags` added (MS_RDONLY…),
// keeping the flags the kernel locks (nosuid, nodev… of the source mount).
Status remount_bind(int fd, unsigned long flags, const std::string& what);

}  // namespace moat::linux
