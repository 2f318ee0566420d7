// Process capabilities: parsed in the parent (libcap names -> bitmasks),
// applied in the child with plain prctl(2)/capset(2) calls that do not allocate.
//
// Call order in the child (runc's finalizeNamespace), while still root:
//   1. drop_bounding_set(caps)        PR_CAPBSET_DROP needs CAP_SETPCAP, so
//                                     before anything lowers the effective set
//   2. set_keep_caps(true)            permitted survives setresuid(0 -> uid)
//   3. setgroups / setresgid / setresuid   (the caller's, users and groups)
//   4. set_keep_caps(false)
//   5. apply_capabilities(caps)       capset(effective, permitted, inheritable),
//                                     then the ambient set (cleared, then raised)
//   6. prctl(PR_SET_NO_NEW_PRIVS), landlock, seccomp, exec
// Ambient capabilities are only kept across exec when also permitted and
// inheritable (the kernel's rule), and they are what a non-root user keeps.
#pragma once

#include <cstdint>
#include <string>

#include "moat/error.hpp"
#include "moat/spec.hpp"

namespace moat::linux {

struct CapSets {
    uint64_t bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
    int last_cap = 0;  // highest capability the running kernel knows (cap_last_cap)
};

// Names like "CAP_SYS_ADMIN" (case-insensitive, as libcap reads them). An
// unknown name is an error naming its JSON path
// ("process.capabilities.bounding[2]: unknown capability CAP_FOO"); a name
// libcap knows but the running kernel lacks is skipped.
Result<CapSets> parse_capabilities(const spec::Capabilities& caps);

// The highest capability number the running kernel supports.
int last_capability();

// Child side; each returns 0 or -errno and does not allocate.
int drop_bounding_set(const CapSets& caps) noexcept;
int set_keep_caps(bool keep) noexcept;
int apply_capabilities(const CapSets& caps) noexcept;

}  // namespace moat::linux
