// `events`: the container's resource use in runc's JSON shape (containerd
// parses `events --stats`), and the streaming form that repeats it every
// interval and reports OOM kills as they happen, until the container stops.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "runtime/container.hpp"
#include "spec/json.hpp"

namespace moat::runtime {

namespace {

using Clock = std::chrono::steady_clock;

void memory_entry(json::Writer& w, std::string_view name, uint64_t usage, uint64_t max, uint64_t limit,
                  uint64_t failcnt) {
    w.key(name).begin_object();
    w.field("limit", limit).field("usage", usage).field("max", max).field("failcnt", failcnt);
    w.end_object();
}

void blkio_entries(json::Writer& w, std::string_view name, const std::vector<cgroups::Stats::Entry>& entries) {
    w.key(name).begin_array();
    for (auto& e : entries) {
        w.begin_object();
        w.field("major", e.major).field("minor", e.minor).field("op", e.op).field("value", e.value);
        w.end_object();
    }
    w.end_array();
}

uint64_t raw_or_zero(const cgroups::Stats& s, const char* key) {
    auto it = s.memory.raw.find(key);
    return it == s.memory.raw.end() ? 0 : it->second;
}

// runc's types.Stats (libcontainer/cgroups → runc/types/events.go).
std::string stats_json(const std::string& id, const cgroups::Stats& s) {
    json::Writer w;
    w.begin_object().field("type", "stats").field("id", id).key("data").begin_object();

    w.key("cpu").begin_object();
    w.key("usage").begin_object();
    w.field("total", s.cpu.total);
    w.key("percpu").begin_array();
    for (auto v : s.cpu.percpu) w.value(v);
    w.end_array();
    w.field("kernel", s.cpu.kernel).field("user", s.cpu.user);
    w.end_object();
    w.key("throttling").begin_object();
    w.field("periods", s.cpu.periods)
        .field("throttled_periods", s.cpu.throttled_periods)
        .field("throttled_time", s.cpu.throttled_time);
    w.end_object();
    w.end_object();

    w.key("memory").begin_object();
    // v1 names page cache "cache", v2 "file".
    w.field("cache", s.memory.raw.count("cache") ? raw_or_zero(s, "cache") : raw_or_zero(s, "file"));
    memory_entry(w, "usage", s.memory.usage, s.memory.max_usage, s.memory.limit, s.memory.failcnt);
    memory_entry(w, "swap", s.memory.swap_usage, 0, s.memory.swap_limit, 0);
    memory_entry(w, "kernel", s.memory.kernel_usage, 0, 0, 0);
    w.key("raw").begin_object();
    for (auto& [k, v] : s.memory.raw) w.field(k, v);
    w.end_object();
    w.end_object();

    w.key("pids").begin_object().field("current", s.pids.current).field("limit", s.pids.limit).end_object();

    w.key("blkio").begin_object();
    blkio_entries(w, "ioServiceBytesRecursive", s.blkio.io_service_bytes_recursive);
    blkio_entries(w, "ioServicedRecursive", s.blkio.io_serviced_recursive);
    w.end_object();

    w.key("hugetlb").begin_object();
    for (auto& [size, use] : s.hugetlb) {
        w.key(size).begin_object();
        w.field("usage", use.first).field("max", use.second).field("failcnt", uint64_t{0});
        w.end_object();
    }
    w.end_object();

    w.end_object().end_object();
    return w.str();
}

std::string oom_json(const std::string& id) {
    json::Writer w;
    w.begin_object().field("type", "oom").field("id", id).end_object();
    return w.str();
}

// The live container's cgroup; a stopped one is an error naming it.
Result<std::unique_ptr<cgroups::Manager>> live_cgroup(const StateStore& store, const std::string& id) {
    auto c = MOAT_TRY(load_container(store, id));
    if (c.status == "stopped")
        return fail("cannot get events of container \"" + id + "\": it is stopped", ESRCH);
    return context(container_cgroup(c.record), "events " + id);
}

}  // namespace

Result<std::string> stats_event(const Global& g, const std::string& id) {
    StateStore store(g.root);
    auto cg = MOAT_TRY(live_cgroup(store, id));
    auto s = MOAT_TRY(context(cg->stats(), "events " + id));
    return stats_json(id, s);
}

Status events(const Global& g, const std::string& id, const EventsOptions& o,
              const std::function<bool(const std::string&)>& emit) {
    if (o.interval_ms <= 0) return fail("events: --interval must be positive", EINVAL);
    StateStore store(g.root);
    auto cg = MOAT_TRY(live_cgroup(store, id));
    auto first = MOAT_TRY(context(cg->stats(), "events " + id));
    uint64_t ooms = first.memory.oom_kill;

    // OOM kills are looked for more often than stats are reported, so that an
    // OOM is reported promptly (and before the stream ends when it killed init).
    auto poll = std::chrono::milliseconds(std::min<long>(o.interval_ms, 200));
    auto interval = std::chrono::milliseconds(o.interval_ms);
    auto next_stats = Clock::now() + interval;
    for (;;) {
        std::this_thread::sleep_for(poll);
        auto s = cg->stats();
        if (!s) return {};  // the cgroup went away with the container
        if (s->memory.oom_kill > ooms) {
            ooms = s->memory.oom_kill;
            if (!emit(oom_json(id))) return {};
        }
        auto c = load_container(store, id);
        if (!c || c->status == "stopped") return {};
        if (Clock::now() >= next_stats) {
            next_stats += interval;
            if (!emit(stats_json(id, *s))) return {};
        }
    }
}

}  // namespace moat::runtime
