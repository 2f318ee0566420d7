#include "linux/credentials.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <vector>

#include "linux/fd.hpp"

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

namespace moat::linux {

namespace {

std::optional<uint32_t> number(const std::string& s) {
    if (s.empty() || s.size() > 10) return std::nullopt;
    for (char c : s)
        if (c < '0' || c > '9') return std::nullopt;
    uint64_t v = std::stoull(s);
    if (v > 0xffffffffu) return std::nullopt;
    return static_cast<uint32_t>(v);
}

// Find the line of a passwd/group file whose first field is `name`; its fields.
std::optional<std::vector<std::string>> find_entry(const std::string& file, const std::string& name) {
    auto text = read_file(file);
    if (!text) return std::nullopt;
    size_t pos = 0;
    while (pos < text->size()) {
        size_t end = text->find('\n', pos);
        if (end == std::string::npos) end = text->size();
        std::string line = text->substr(pos, end - pos);
        pos = end + 1;
        std::vector<std::string> fields;
        size_t i = 0;
        while (true) {
            size_t j = line.find(':', i);
            fields.push_back(line.substr(i, j == std::string::npos ? std::string::npos : j - i));
            if (j == std::string::npos) break;
            i = j + 1;
        }
        if (fields.size() >= 3 && fields[0] == name) return fields;
    }
    return std::nullopt;
}

}  // namespace

Result<spec::User> lookup_user(const std::string& text, const spec::User& base) {
    spec::User u = base;
    u.additional_gids.clear();
    std::string user = text, group;
    if (auto colon = text.find(':'); colon != std::string::npos) {
        user = text.substr(0, colon);
        group = text.substr(colon + 1);
    }
    if (auto uid = number(user)) {
        u.uid = *uid;
    } else {
        auto entry = find_entry("/etc/passwd", user);
        if (!entry || entry->size() < 4)
            return fail("--user " + text + ": no user \"" + user + "\" in the container's /etc/passwd", ENOENT);
        auto pw_uid = number((*entry)[2]);
        auto pw_gid = number((*entry)[3]);
        if (!pw_uid || !pw_gid) return fail("--user " + text + ": malformed /etc/passwd entry", EINVAL);
        u.uid = *pw_uid;
        u.gid = *pw_gid;
    }
    if (!group.empty()) {
        if (auto gid = number(group)) {
            u.gid = *gid;
        } else {
            auto entry = find_entry("/etc/group", group);
            auto gr_gid = entry ? number((*entry)[2]) : std::nullopt;
            if (!gr_gid) return fail("--user " + text + ": no group \"" + group + "\" in the container's /etc/group", ENOENT);
            u.gid = *gr_gid;
        }
    }
    return u;
}

}  // namespace moat::linux
