// The container process's identity: groups, gid, uid and umask.
#pragma once

#include <string>

#include "moat/spec.hpp"

namespace moat::linux {

// setgroups(additionalGids), setresgid, setresuid, umask — in that order,
// because after setresuid the process may no longer change its groups.
// `allow_setgroups` is false in a user namespace whose setgroups is denied.
Status set_credentials(const spec::User& user, bool allow_setgroups);

}  // namespace moat::linux

namespace moat::linux {

// `exec --user`: "uid[:gid]" numerically, or "name[:group]" looked up in the
// container's /etc/passwd and /etc/group (call after entering its mount
// namespace). A name that is not there is an error naming it. Without a group
// the user's primary group (or `base`'s gid for a bare uid) is used.
Result<spec::User> lookup_user(const std::string& user, const spec::User& base);

}  // namespace moat::linux
