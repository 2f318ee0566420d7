#include "linux/credentials.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

namespace moat::linux {

Status set_credentials(const spec::User& user, bool allow_setgroups) {
    if (allow_setgroups) {
        std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
        if (::setgroups(groups.size(), groups.data()) < 0)
            return sys_fail("process.user.additionalGids: setgroups");
    }
    if (::setresgid(user.gid, user.gid, user.gid) < 0)
        return sys_fail("process.user.gid: setgid " + std::to_string(user.gid));
    if (::setresuid(user.uid, user.uid, user.uid) < 0)
        return sys_fail("process.user.uid: setuid " + std::to_string(user.uid));
    ::umask(static_cast<mode_t>(user.umask.value_or(022) & 0777));  // runc's default
    return {};
}

}  // namespace moat::linux
