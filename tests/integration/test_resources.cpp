// What the limits do, with real containers: a memory bomb is OOM-killed at its
// limit, a fork bomb stops at the pids limit, a CPU hog gets its quota and no
// more, a paused container makes no progress; and update, ps and events
// report and change what the kernel really has.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "moat/cgroups.hpp"
#include "moat_test.hpp"
#include "spec/json.hpp"

namespace moat::test {
namespace {

using namespace std::chrono_literals;

// A "key value" line of a cgroup file (memory.oom_control, pids.events).
int64_t keyed_value(const std::string& text, const std::string& key) {
    std::istringstream in(text);
    for (std::string k; in >> k;) {
        int64_t v = 0;
        if (!(in >> v)) break;
        if (k == key) return v;
    }
    return -1;
}

class Resources : public MoatTest {
protected:
    // A busybox bundle running `sh -c script` with the given resources.
    std::unique_ptr<Bundle> bundle(const std::string& script, const spec::Resources& r = {}) {
        auto b = std::make_unique<Bundle>();
        b->spec().process.args = {"sh", "-c", script};
        b->spec().linux.resources = r;
        b->write();
        return b;
    }

    // run --detach; the container is running when this returns.
    std::string start(const Bundle& b) {
        auto id = new_id();
        auto r = moat({"run", "--detach", "--bundle", b.path(), id});
        EXPECT_EQ(r.status, 0) << r;
        return id;
    }

    spec::State state(const std::string& id) {
        auto r = moat({"state", id});
        EXPECT_EQ(r.status, 0) << r;
        auto s = spec::parse_state(r.out);
        EXPECT_TRUE(s) << r.out;
        return s ? *s : spec::State{};
    }

    bool wait_stopped(const std::string& id, std::chrono::milliseconds limit = 30s) {
        for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
            if (state(id).status == "stopped") return true;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    // The directory of `controller` for process `pid`, from /proc/PID/cgroup and
    // the host's mounts (v1 controller, else the cgroup2 mount).
    static std::string cgroup_dir(int pid, const std::string& controller) {
        auto host = cgroups::probe_host();
        if (!host) return {};
        std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/cgroup"));
        std::string unified;
        for (std::string line; std::getline(in, line);) {
            auto a = line.find(':'), b = line.find(':', a + 1);
            if (a == std::string::npos || b == std::string::npos) continue;
            auto controllers = "," + line.substr(a + 1, b - a - 1) + ",";
            auto path = line.substr(b + 1);
            if (controllers == ",,") unified = path;
            if (controllers.find("," + controller + ",") != std::string::npos && host->v1_mounts.count(controller))
                return host->v1_mounts.at(controller) + path;
        }
        if (!unified.empty() && !host->unified_mount.empty()) return host->unified_mount + unified;
        return {};
    }

    static bool v1(const std::string& dir, const std::string& file) {
        return access((dir + "/" + file).c_str(), F_OK) == 0;
    }

    // A file in the container's /tmp, read through its init's root.
    static std::string container_file(int pid, const std::string& path) {
        return slurp("/proc/" + std::to_string(pid) + "/root" + path);
    }
};

spec::Resources memory_limit(int64_t bytes) {
    spec::Resources r;
    r.memory.emplace();
    r.memory->limit = r.memory->swap = bytes;
    return r;
}

TEST_F(Resources, MemoryBombIsOomKilledAtItsLimit) {
    // The bomb waits for /tmp/go so that `events` is watching before it starts.
    auto b = bundle(
        "while [ ! -e /tmp/go ]; do sleep 0.05; done;"
        " sh -c 'x=a; while :; do x=$x$x; done'; echo $? > /tmp/rc; sleep 1000",
        memory_limit(64 << 20));
    auto id = start(*b);
    int pid = state(id).pid;
    ASSERT_GT(pid, 0);
    auto memdir = cgroup_dir(pid, "memory");
    ASSERT_FALSE(memdir.empty());
    bool is_v1 = v1(memdir, "memory.limit_in_bytes");
    EXPECT_EQ(trimmed(slurp(memdir + (is_v1 ? "/memory.limit_in_bytes" : "/memory.max"))),
              std::to_string(64 << 20));

    RunResult events;
    std::thread watcher([&] {
        RunOptions o;
        o.timeout = 60s;
        events = moat({"events", "--interval", "1s", id}, o);
    });
    std::this_thread::sleep_for(500ms);
    { std::ofstream(("/proc/" + std::to_string(pid) + "/root/tmp/go")) << "1"; }

    std::string rc;
    for (int i = 0; i < 600 && rc.empty(); ++i) {
        std::this_thread::sleep_for(50ms);
        rc = trimmed(container_file(pid, "/tmp/rc"));
    }
    EXPECT_EQ(rc, "137") << "the bomb should die of SIGKILL (128+9)";
    auto oom = slurp(memdir + (is_v1 ? "/memory.oom_control" : "/memory.events"));
    EXPECT_GE(keyed_value(oom, "oom_kill"), 1) << oom;

    // Give the stream a tick to report, then end the container (and the stream).
    std::this_thread::sleep_for(1500ms);
    auto del = moat({"delete", "--force", id});
    watcher.join();
    EXPECT_EQ(del.status, 0) << del;
    EXPECT_FALSE(events.timed_out) << events;
    EXPECT_NE(events.out.find("{\"type\":\"oom\",\"id\":\"" + id + "\"}"), std::string::npos) << events;
    EXPECT_NE(events.out.find("\"type\":\"stats\""), std::string::npos) << events;

    // The host is fine: it still runs programs.
    EXPECT_EQ(run({"true"}).status, 0);
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Resources, ForegroundMemoryBombExitsWith137) {
    auto b = bundle("x=a; while :; do x=$x$x; done", memory_limit(64 << 20));
    auto id = new_id();
    RunOptions o;
    o.timeout = 60s;
    auto r = moat({"run", "--bundle", b->path(), id}, o);
    EXPECT_EQ(r.status, 137) << r;
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Resources, ForkBombStopsAtThePidsLimit) {
    spec::Resources r;
    r.pids = spec::Pids{32};
    auto b = bundle("f() { f | f & }; f; sleep 1000", r);
    auto id = start(*b);
    int pid = state(id).pid;
    ASSERT_GT(pid, 0);
    auto dir = cgroup_dir(pid, "pids");
    ASSERT_FALSE(dir.empty());
    EXPECT_EQ(trimmed(slurp(dir + "/pids.max")), "32");

    int64_t highest = 0;
    for (auto end = std::chrono::steady_clock::now() + 2s; std::chrono::steady_clock::now() < end;) {
        highest = std::max<int64_t>(highest, std::stoll("0" + trimmed(slurp(dir + "/pids.current"))));
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_LE(highest, 32);
    EXPECT_GE(highest, 24) << "the bomb should have pressed against the limit";
    EXPECT_GE(keyed_value(slurp(dir + "/pids.events"), "max"), 1) << "forks should have been refused";

    auto del = moat({"delete", "--force", id});
    EXPECT_EQ(del.status, 0) << del;
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Resources, CpuHogGetsNoMoreThanItsQuota) {
    spec::Resources r;
    r.cpu.emplace();
    r.cpu->quota = 20000;
    r.cpu->period = 100000;
    auto b = bundle("while :; do :; done", r);
    auto id = start(*b);
    int pid = state(id).pid;
    ASSERT_GT(pid, 0);
    auto dir = cgroup_dir(pid, "cpuacct");
    ASSERT_FALSE(dir.empty());
    ASSERT_TRUE(v1(dir, "cpuacct.usage")) << "this test reads cgroup v1 cpuacct";

    auto t0 = std::chrono::steady_clock::now();
    auto u0 = std::stoull(slurp(dir + "/cpuacct.usage"));
    std::this_thread::sleep_for(2s);
    auto u1 = std::stoull(slurp(dir + "/cpuacct.usage"));
    auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0);
    double share = static_cast<double>(u1 - u0) / static_cast<double>(elapsed.count());
    EXPECT_LE(share, 0.30) << "a 20% quota";
    EXPECT_GE(share, 0.05) << "the hog should have run";

    EXPECT_EQ(moat({"delete", "--force", id}).status, 0);
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Resources, PausedContainerMakesNoProgress) {
    auto b = bundle("i=0; while :; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.02; done");
    auto id = start(*b);
    int pid = state(id).pid;
    ASSERT_GT(pid, 0);
    auto counter = [&] {
        for (int i = 0; i < 100; ++i) {
            auto text = trimmed(container_file(pid, "/tmp/counter"));
            if (!text.empty()) return std::stoll(text);
            std::this_thread::sleep_for(5ms);
        }
        return -1ll;
    };
    std::this_thread::sleep_for(300ms);
    ASSERT_GT(counter(), 0);

    auto p = moat({"pause", id});
    ASSERT_EQ(p.status, 0) << p;
    EXPECT_EQ(state(id).status, "paused");
    auto frozen_at = counter();
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(counter(), frozen_at) << "a paused container ran";
    EXPECT_EQ(moat({"pause", id}).status, 1) << "pausing twice is an error";

    auto res = moat({"resume", id});
    ASSERT_EQ(res.status, 0) << res;
    EXPECT_EQ(state(id).status, "running");
    std::this_thread::sleep_for(500ms);
    EXPECT_GT(counter(), frozen_at) << "a resumed container did not run";
    EXPECT_EQ(moat({"resume", id}).status, 1) << "resuming a running container is an error";

    EXPECT_EQ(moat({"delete", "--force", id}).status, 0);
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Resources, PausedContainerCanBeForceDeleted) {
    auto b = bundle("sleep 1000");
    auto id = start(*b);
    ASSERT_EQ(moat({"pause", id}).status, 0);
    auto del = moat({"delete", "--force", id});
    EXPECT_EQ(del.status, 0) << del;
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Resources, UpdateChangesTheLimitsOfARunningContainer) {
    spec::Resources r = memory_limit(64 << 20);
    r.pids = spec::Pids{40};
    auto b = bundle("sleep 1000", r);
    auto id = start(*b);
    int pid = state(id).pid;
    auto memdir = cgroup_dir(pid, "memory");
    auto pidsdir = cgroup_dir(pid, "pids");
    ASSERT_FALSE(memdir.empty());
    bool is_v1 = v1(memdir, "memory.limit_in_bytes");
    auto limit_file = memdir + (is_v1 ? "/memory.limit_in_bytes" : "/memory.max");
    ASSERT_EQ(trimmed(slurp(limit_file)), std::to_string(64 << 20));

    auto u = moat({"update", "--memory", "100m", "--pids-limit", "50", id});
    ASSERT_EQ(u.status, 0) << u;
    EXPECT_EQ(trimmed(slurp(limit_file)), std::to_string(100 << 20));
    EXPECT_EQ(trimmed(slurp(pidsdir + "/pids.max")), "50");

    // The JSON form, from stdin, as containerd sends it.
    auto j = moat({"update", "--resources", "-", id}, std::string(R"({"memory":{"limit":83886080},"pids":{"limit":45}})"));
    ASSERT_EQ(j.status, 0) << j;
    EXPECT_EQ(trimmed(slurp(limit_file)), "83886080");
    EXPECT_EQ(trimmed(slurp(pidsdir + "/pids.max")), "45");

    // Zeros are what engines send for fields nobody asked to change: they
    // change nothing (a 0-byte memory limit or a lifted pids limit would).
    auto z = moat({"update", "--resources", "-", id},
                  std::string(R"({"memory":{"limit":0,"swap":0},"pids":{"limit":0},"cpu":{"shares":0,"quota":0,"period":0}})"));
    ASSERT_EQ(z.status, 0) << z;
    EXPECT_EQ(trimmed(slurp(limit_file)), "83886080");
    EXPECT_EQ(trimmed(slurp(pidsdir + "/pids.max")), "45");

    // Later reads agree: the stats report the new limit.
    auto st = moat({"events", "--stats", id});
    ASSERT_EQ(st.status, 0) << st;
    EXPECT_NE(st.out.find("\"limit\":83886080"), std::string::npos) << st;
    EXPECT_NE(st.out.find("\"limit\":45"), std::string::npos) << st;

    // The policy's ceiling (512 MiB by default) holds for updates too.
    auto over = moat({"update", "--memory", "4g", id});
    EXPECT_EQ(over.status, 1) << over;
    EXPECT_NE(over.err.find("--memory"), std::string::npos) << over;
    EXPECT_EQ(trimmed(slurp(limit_file)), "83886080");

    EXPECT_EQ(moat({"delete", "--force", id}).status, 0);
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Resources, PsListsTheContainersPids) {
    auto b = bundle("sleep 1000 & sleep 1000");
    auto id = start(*b);
    int pid = state(id).pid;

    auto r = moat({"ps", "--format", "json", id});
    ASSERT_EQ(r.status, 0) << r;
    auto doc = json::Document::parse(r.out);
    ASSERT_TRUE(doc) << r.out;
    auto pids = doc->root().array();
    ASSERT_TRUE(pids) << r.out;
    std::vector<int64_t> got;
    for (auto& v : *pids) got.push_back(v.int64().value_or(-1));
    EXPECT_EQ(got.size(), 2u) << r.out;
    EXPECT_NE(std::find(got.begin(), got.end(), pid), got.end()) << r.out;
    for (auto p : got) EXPECT_EQ(cgroup_dir(static_cast<int>(p), "pids"), cgroup_dir(pid, "pids"));

    auto t = moat({"ps", id});
    ASSERT_EQ(t.status, 0) << t;
    EXPECT_NE(t.out.find("PID"), std::string::npos) << t;
    EXPECT_NE(t.out.find(" " + std::to_string(pid) + " "), std::string::npos) << t;
    EXPECT_EQ(std::count(t.out.begin(), t.out.end(), '\n'), 3) << "header and two processes: " << t;

    EXPECT_EQ(moat({"delete", "--force", id}).status, 0);
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Resources, EventsStatsReportUsage) {
    auto b = bundle("sleep 1000");
    auto id = start(*b);

    auto r = moat({"events", "--stats", id});
    ASSERT_EQ(r.status, 0) << r;
    auto doc = json::Document::parse(r.out);
    ASSERT_TRUE(doc) << r.out;
    auto root = doc->root();
    EXPECT_EQ(root.get("type")->string().value_or(""), "stats");
    EXPECT_EQ(root.get("id")->string().value_or(""), id);
    auto data = root.get("data");
    ASSERT_TRUE(data) << r.out;
    auto usage = data->get("memory")->get("usage")->get("usage")->uint64();
    ASSERT_TRUE(usage) << r.out;
    EXPECT_GT(*usage, 0u) << r.out;
    auto current = data->get("pids")->get("current")->uint64();
    ASSERT_TRUE(current) << r.out;
    EXPECT_GE(*current, 1u) << r.out;
    EXPECT_TRUE(data->get("cpu")->get("usage")->get("total")) << r.out;
    EXPECT_TRUE(data->get("blkio")) << r.out;
    EXPECT_TRUE(data->get("hugetlb")) << r.out;

    EXPECT_EQ(moat({"delete", "--force", id}).status, 0);
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Resources, BadInputIsRefusedNamingIt) {
    auto b = bundle("sleep 1000", memory_limit(64 << 20));
    auto id = start(*b);
    int pid = state(id).pid;
    auto memdir = cgroup_dir(pid, "memory");
    auto before = slurp(memdir + "/memory.limit_in_bytes");

    for (auto [flag, value] : {std::pair{"--memory", "-1"}, std::pair{"--memory", "lots"},
                               std::pair{"--pids-limit", "x"}, std::pair{"--cpu-quota", "-5"},
                               std::pair{"--blkio-weight", "5"}}) {
        auto r = moat({"update", flag, value, id});
        EXPECT_EQ(r.status, 1) << r;
        EXPECT_NE(r.err.find(flag), std::string::npos) << r;
    }
    EXPECT_EQ(slurp(memdir + "/memory.limit_in_bytes"), before);

    auto bad_json = moat({"update", "--resources", "-", id}, std::string(R"({"memory":{"limit":"big"}})"));
    EXPECT_EQ(bad_json.status, 1) << bad_json;
    EXPECT_NE(bad_json.err.find("memory.limit"), std::string::npos) << bad_json;

    for (auto cmd : {"update", "pause", "resume", "ps", "events"}) {
        std::vector<std::string> args = {cmd};
        if (std::string(cmd) == "update") args.insert(args.end(), {"--memory", "100m"});
        if (std::string(cmd) == "events") args.push_back("--stats");
        args.push_back("no-such-container");
        auto r = moat(args);
        EXPECT_EQ(r.status, 1) << r;
        EXPECT_NE(r.err.find("no-such-container"), std::string::npos) << r;
    }
    EXPECT_EQ(moat({"delete", "--force", id}).status, 0);

    // A stopped container cannot be paused or updated.
    auto done = bundle("true");
    auto stopped = start(*done);
    ASSERT_TRUE(wait_stopped(stopped));
    for (std::vector<std::string> args : {std::vector<std::string>{"pause", stopped},
                                          std::vector<std::string>{"update", "--memory", "100m", stopped},
                                          std::vector<std::string>{"events", "--stats", stopped}}) {
        auto r = moat(args);
        EXPECT_EQ(r.status, 1) << r;
        EXPECT_NE(r.err.find("stopped"), std::string::npos) << r;
    }
    EXPECT_EQ(moat({"delete", stopped}).status, 0);
    EXPECT_TRUE(no_leaks(*b, id));
    EXPECT_TRUE(no_leaks(*done, stopped));
}

}  // namespace
}  // namespace moat::test
