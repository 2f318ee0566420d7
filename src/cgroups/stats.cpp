// Stats in runc's shape (`events --stats`, receipts), from whichever
// controllers serve the cgroup. A counter whose file this kernel lacks stays 0.
#include <unistd.h>

#include <filesystem>

#include "cgroups/internal.hpp"

namespace moat::cgroups::detail {

namespace {

uint64_t u64(const std::string& dir, const char* file, uint64_t when_max = UINT64_MAX) {
    auto v = read_u64(join_path(dir, file));
    if (!v) return 0;
    return v->value_or(when_max);
}

std::map<std::string, uint64_t> keyed(const std::string& dir, const char* file) {
    return read_keyed(join_path(dir, file)).value_or(std::map<std::string, uint64_t>{});
}

uint64_t num(std::string_view s) { return parse_u64(s).value_or(0); }

uint64_t get(const std::map<std::string, uint64_t>& m, const char* key) {
    auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
}

void cpu_v1(const std::string& cpuacct, const std::string* cpu, Stats& s) {
    s.cpu.total = u64(cpuacct, "cpuacct.usage", 0);
    if (auto per = read_file(join_path(cpuacct, "cpuacct.usage_percpu")))
        for (auto& v : split(trim(*per), ' '))
            if (!v.empty()) s.cpu.percpu.push_back(num(v));
    // cpuacct.stat counts clock ticks.
    auto ticks = keyed(cpuacct, "cpuacct.stat");
    uint64_t ns_per_tick = 1'000'000'000ull / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
    s.cpu.user = get(ticks, "user") * ns_per_tick;
    s.cpu.kernel = get(ticks, "system") * ns_per_tick;
    if (cpu) {
        auto st = keyed(*cpu, "cpu.stat");
        s.cpu.periods = get(st, "nr_periods");
        s.cpu.throttled_periods = get(st, "nr_throttled");
        s.cpu.throttled_time = get(st, "throttled_time");
    }
}

void cpu_v2(const std::string& dir, Stats& s) {
    auto st = keyed(dir, "cpu.stat");
    s.cpu.total = get(st, "usage_usec") * 1000;
    s.cpu.user = get(st, "user_usec") * 1000;
    s.cpu.kernel = get(st, "system_usec") * 1000;
    s.cpu.periods = get(st, "nr_periods");
    s.cpu.throttled_periods = get(st, "nr_throttled");
    s.cpu.throttled_time = get(st, "throttled_usec") * 1000;
}

void memory_v1(const std::string& dir, Stats& s) {
    s.memory.usage = u64(dir, "memory.usage_in_bytes");
    s.memory.max_usage = u64(dir, "memory.max_usage_in_bytes");
    s.memory.failcnt = u64(dir, "memory.failcnt");
    s.memory.limit = u64(dir, "memory.limit_in_bytes");
    s.memory.swap_usage = u64(dir, "memory.memsw.usage_in_bytes");
    s.memory.swap_limit = u64(dir, "memory.memsw.limit_in_bytes");
    s.memory.kernel_usage = u64(dir, "memory.kmem.usage_in_bytes");
    s.memory.oom_kill = get(keyed(dir, "memory.oom_control"), "oom_kill");
    s.memory.raw = keyed(dir, "memory.stat");
}

void memory_v2(const std::string& dir, Stats& s) {
    s.memory.usage = u64(dir, "memory.current");
    s.memory.max_usage = u64(dir, "memory.peak");  // kernels since 5.19
    s.memory.limit = u64(dir, "memory.max");
    s.memory.swap_usage = u64(dir, "memory.swap.current");
    s.memory.swap_limit = u64(dir, "memory.swap.max");
    auto events = keyed(dir, "memory.events");
    s.memory.failcnt = get(events, "max");
    s.memory.oom_kill = get(events, "oom_kill");
    s.memory.raw = keyed(dir, "memory.stat");
    s.memory.kernel_usage = get(s.memory.raw, "kernel");
}

void pids_stats(const std::string& dir, Stats& s) {
    s.pids.current = u64(dir, "pids.current");
    s.pids.limit = u64(dir, "pids.max", 0);  // runc reports "max" as 0
    s.pids.peak = u64(dir, "pids.peak");
}

std::vector<Stats::Entry> blkio_v1_file(const std::string& path) {
    // "8:0 Read 4096" … "Total 8192"
    std::vector<Stats::Entry> out;
    auto text = read_file(path);
    if (!text) return out;
    for (auto& line : split(*text, '\n')) {
        auto f = split(line, ' ');
        if (f.size() != 3) continue;
        auto dev = split(f[0], ':');
        if (dev.size() != 2) continue;
        out.push_back({num(dev[0]), num(dev[1]), f[1], num(f[2])});
    }
    return out;
}

void io_v2(const std::string& dir, Stats& s) {
    // "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0"
    auto text = read_file(join_path(dir, "io.stat"));
    if (!text) return;
    for (auto& line : split(*text, '\n')) {
        auto f = split(line, ' ');
        if (f.empty()) continue;
        auto dev = split(f[0], ':');
        if (dev.size() != 2) continue;
        uint64_t major = num(dev[0]), minor = num(dev[1]);
        for (size_t i = 1; i < f.size(); ++i) {
            auto eq = f[i].find('=');
            if (eq == std::string::npos) continue;
            auto key = f[i].substr(0, eq);
            uint64_t v = num(f[i].substr(eq + 1));
            if (key == "rbytes") s.blkio.io_service_bytes_recursive.push_back({major, minor, "Read", v});
            if (key == "wbytes") s.blkio.io_service_bytes_recursive.push_back({major, minor, "Write", v});
            if (key == "rios") s.blkio.io_serviced_recursive.push_back({major, minor, "Read", v});
            if (key == "wios") s.blkio.io_serviced_recursive.push_back({major, minor, "Write", v});
        }
    }
}

void hugetlb_stats(const std::string& dir, bool v2, Stats& s) {
    // Page sizes are whatever hugetlb.<size>.* files the kernel made.
    std::error_code ec;
    const std::string usage_suffix = v2 ? ".current" : ".usage_in_bytes";
    for (auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        auto name = entry.path().filename().string();
        if (name.rfind("hugetlb.", 0) != 0 || name.size() <= usage_suffix.size() ||
            name.compare(name.size() - usage_suffix.size(), usage_suffix.size(), usage_suffix) != 0)
            continue;
        auto size = name.substr(8, name.size() - 8 - usage_suffix.size());
        if (size.find('.') != std::string::npos) continue;  // hugetlb.2MB.rsvd.*
        uint64_t max = v2 ? 0 : u64(dir, ("hugetlb." + size + ".max_usage_in_bytes").c_str());
        s.hugetlb[size] = {u64(dir, name.c_str()), max};
    }
}

}  // namespace

Result<Stats> read_stats(const Cgroup& cg) {
    bool any = false;
    for (auto& p : cg.places) any = any || exists(p.dir);
    if (!any)
        return fail("stats: the cgroup " + (cg.places.empty() ? std::string("?") : cg.places.front().inner) +
                        " does not exist",
                    ENOENT);
    Stats s;
    if (auto acct = cg.find("cpuacct", "")) {
        auto cpu = cg.find("cpu", "");
        cpu_v1(acct->dir, cpu ? &cpu->dir : nullptr, s);
    } else if (auto* u = cg.unified()) {
        cpu_v2(u->dir, s);  // cpu.stat's usage lines exist without the cpu controller
    }
    if (auto t = cg.find("memory", "memory")) t->v2 ? memory_v2(t->dir, s) : memory_v1(t->dir, s);
    if (auto t = cg.find("pids", "pids")) pids_stats(t->dir, s);
    if (auto t = cg.find("blkio", "io")) {
        if (t->v2) {
            io_v2(t->dir, s);
        } else {
            s.blkio.io_service_bytes_recursive =
                blkio_v1_file(join_path(t->dir, "blkio.throttle.io_service_bytes_recursive"));
            s.blkio.io_serviced_recursive = blkio_v1_file(join_path(t->dir, "blkio.throttle.io_serviced_recursive"));
        }
    }
    if (auto t = cg.find("hugetlb", "hugetlb")) hugetlb_stats(t->dir, t->v2, s);
    return s;
}

}  // namespace moat::cgroups::detail

namespace moat::cgroups {

Usage usage_from(const Stats& s) {
    Usage u;
    u.peak_memory = s.memory.max_usage ? s.memory.max_usage : s.memory.usage;
    u.cpu_user_ns = s.cpu.user;
    u.cpu_system_ns = s.cpu.kernel;
    u.peak_pids = s.pids.peak ? s.pids.peak : s.pids.current;
    u.oom_kills = s.memory.oom_kill;
    return u;
}

}  // namespace moat::cgroups
