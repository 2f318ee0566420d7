#include "linux/rlimits.hpp"

#include <cerrno>

namespace moat::linux {

namespace {

struct Name {
    const char* name;
    int resource;
};

constexpr Name kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

std::string limit_text(rlim_t v) { return v == RLIM_INFINITY ? "unlimited" : std::to_string(v); }

}  // namespace

Result<std::vector<RlimitValue>> parse_rlimits(const std::vector<spec::Rlimit>& rlimits) {
    std::vector<RlimitValue> out;
    for (size_t i = 0; i < rlimits.size(); ++i) {
        auto& r = rlimits[i];
        const std::string where = "process.rlimits[" + std::to_string(i) + "]";
        int resource = -1;
        for (auto& n : kRlimits)
            if (r.type == n.name) resource = n.resource;
        if (resource < 0) return fail(where + ".type: unknown rlimit \"" + r.type + "\"");
        if (r.soft > r.hard)
            return fail(where + ": soft limit " + std::to_string(r.soft) + " exceeds hard limit " +
                        std::to_string(r.hard));
        RlimitValue v;
        v.resource = resource;
        v.value.rlim_cur = r.soft;
        v.value.rlim_max = r.hard;
        v.name = r.type;
        out.push_back(std::move(v));
    }
    return out;
}

Status apply_rlimits(const std::vector<RlimitValue>& rlimits) {
    for (auto& r : rlimits) {
        if (::setrlimit(r.resource, &r.value) == 0) continue;
        int err = errno;
        struct rlimit cur {};
        ::getrlimit(r.resource, &cur);
        std::string msg = "set " + r.name + " to " + limit_text(r.value.rlim_cur) + ":" +
                          limit_text(r.value.rlim_max);
        if (err == EPERM && r.value.rlim_max > cur.rlim_max)
            msg += " (the hard limit here is " + limit_text(cur.rlim_max) +
                   " and raising it needs CAP_SYS_RESOURCE)";
        return sys_fail(msg, err);
    }
    return {};
}

}  // namespace moat::linux
