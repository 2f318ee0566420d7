// OCI mount options -> mount(2) flags, propagation and data string. Pure.
#pragma once

#include <string>
#include <vector>

#include "moat/error.hpp"

namespace moat::linux {

struct MountOptions {
    unsigned long flags = 0;        // MS_* applied at mount time
    unsigned long clear = 0;        // flags the options explicitly cleared (rw, suid, dev…)
    unsigned long propagation = 0;  // MS_PRIVATE/MS_SHARED/... (| MS_REC), applied after
    bool bind = false;
    bool recursive = false;         // rbind
    unsigned long recursive_set = 0;    // rro, rnosuid… (mount_setattr MOUNT_ATTR_*)
    unsigned long recursive_clear = 0;  // rrw, rsuid…
    std::string data;               // options the filesystem interprets (size=, mode=…)
};

// Unknown options that look like flags are passed to the filesystem as data,
// as runc does; only malformed input is an error.
Result<MountOptions> parse_mount_options(const std::vector<std::string>& options);

// Mount flags of a propagation name ("rslave" -> MS_SLAVE|MS_REC); 0 if unknown.
unsigned long propagation_flags(const std::string& name);

}  // namespace moat::linux
