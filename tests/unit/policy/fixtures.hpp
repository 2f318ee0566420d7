// Configs shared by the policy tests: a deliberately permissive one (what a
// `docker run --privileged --network host` config looks like) and helpers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "moat/policy.hpp"

namespace moat::policy::test {

inline spec::Mount mount(std::string dest, std::string type, std::string source,
                         std::vector<std::string> options) {
    spec::Mount m;
    m.destination = std::move(dest);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

inline spec::Device device(std::string path, std::string type, int64_t major, int64_t minor) {
    spec::Device d;
    d.path = std::move(path);
    d.type = std::move(type);
    d.major = major;
    d.minor = minor;
    return d;
}

// All capabilities, no seccomp, writable root, the host's network namespace
// by path, extra devices, a secret in the environment, an extra tmpfs at
// /scratch, a read-write bind.
inline spec::Spec permissive() {
    spec::Spec s;
    s.has_process = true;
    s.process.args = {"sh"};
    s.process.env = {"PATH=/bin", "AWS_SECRET_ACCESS_KEY=hunter2", "HOME=/root"};
    std::vector<std::string> all = {"CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SYS_ADMIN"};
    s.process.capabilities = spec::Capabilities{all, all, all, all, all};
    s.root.path = "rootfs";
    s.root.readonly = false;
    s.mounts = {mount("/proc", "proc", "proc", {}),
                mount("/dev", "tmpfs", "tmpfs", {"nosuid", "mode=755"}),
                mount("/sys", "sysfs", "sysfs", {"nosuid", "rw"}),
                mount("/scratch", "tmpfs", "tmpfs", {"rw"}),
                mount("/data", "bind", "/srv/data", {"rbind", "rw"})};
    s.linux.namespaces = {{"pid", ""}, {"mount", ""}, {"network", "/proc/1/ns/net"}};
    s.linux.devices = {device("/dev/sda", "b", 8, 0), device("/dev/null", "c", 1, 3),
                       device("/dev/kmsg", "c", 1, 11)};
    return s;
}

// The built-in profile, named: a Policy{} temporary trips GCC 12's
// -Wmaybe-uninitialized on std::map's destructor.
inline const Policy& builtin() {
    static const Policy p;
    return p;
}

inline std::vector<std::string> fields(const std::vector<Adjustment>& list) {
    std::vector<std::string> out;
    for (auto& a : list) out.push_back(a.field);
    return out;
}

inline const Adjustment* find(const std::vector<Adjustment>& list, std::string_view field) {
    for (auto& a : list)
        if (a.field == field) return &a;
    return nullptr;
}

inline bool has(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

inline const spec::Mount* mount_at(const spec::Spec& s, std::string_view dest) {
    for (auto& m : s.mounts)
        if (m.destination == dest) return &m;
    return nullptr;
}

}  // namespace moat::policy::test
