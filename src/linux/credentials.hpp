// The container process's identity: groups, gid, uid and umask.
#pragma once

#include "moat/spec.hpp"

namespace moat::linux {

// setgroups(additionalGids), setresgid, setresuid, umask — in that order,
// because after setresuid the process may no longer change its groups.
// `allow_setgroups` is false in a user namespace whose setgroups is denied.
Status set_credentials(const spec::User& user, bool allow_setgroups);

}  // namespace moat::linux
