// `moat spec`: runc's example config shape (sh on a terminal, the standard
// mounts), already inside the policy, so harden() has nothing to change.
#include <algorithm>

#include "record.hpp"

namespace moat::policy {

spec::Spec example_spec(const Policy& p) {
    spec::Spec s;
    s.has_process = true;
    auto& proc = s.process;
    proc.terminal = true;
    proc.args = {"sh"};
    proc.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    proc.cwd = "/";
    proc.no_new_privileges = p.no_new_privileges;
    proc.capabilities.emplace();  // the policy's capabilities are a ceiling, not a gift
    for (auto& r : p.rlimits) proc.rlimits.push_back({r.type, r.max, r.max});
    proc.oom_score_adj = p.oom_score_adj;

    s.root = {"rootfs", p.readonly_root};
    s.hostname = "moat";

    std::string tmp_mode;
    {
        char buf[16];
        std::snprintf(buf, sizeof buf, "mode=%o", p.tmp.mode);
        tmp_mode = buf;
    }
    std::vector<std::string> tmp_opts = p.tmp.options;
    tmp_opts.push_back(tmp_mode);
    tmp_opts.push_back("size=" + std::to_string(p.tmp.size));
    const char* ro = p.sys_readonly ? "ro" : "rw";
    s.mounts = {
        make_mount("/proc", "proc", "proc", {}),
        make_mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        make_mount("/dev/pts", "devpts", "devpts",
         {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
        make_mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        make_mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        make_mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", ro}),
        make_mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", ro}),
        make_mount("/tmp", "tmpfs", "tmpfs", tmp_opts),
    };
    // A policy may forbid the optional kinds (mqueue, sysfs, cgroup).
    std::erase_if(s.mounts, [&](const spec::Mount& m) {
        return std::find(p.mount_types.begin(), p.mount_types.end(), m.type) == p.mount_types.end();
    });

    for (auto& type : p.namespaces)
        if (type != "network") s.linux.namespaces.push_back({type, ""});
    if (p.network.mode == NetworkMode::none || p.network.mode == NetworkMode::loopback ||
        p.network.mode == NetworkMode::allowlist)
        s.linux.namespaces.push_back({"network", ""});

    auto& r = s.linux.resources.emplace();
    r.memory.emplace();
    r.memory->limit = r.memory->swap = p.resources.memory;
    r.pids = spec::Pids{p.resources.pids};
    r.cpu.emplace();
    r.cpu->quota = p.resources.cpu_quota;
    r.cpu->period = p.resources.cpu_period;
    r.devices = device_cgroup_rules({}, p);

    s.linux.masked_paths = p.masked_paths;
    s.linux.readonly_paths = p.readonly_paths;
    return s;
}

}  // namespace moat::policy
