// The container lifecycle (create, start, state, kill, delete, run, list) and
// the namespaces a container gets, checked against real containers. runc's
// behaviour is the reference where the OCI spec leaves room.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "moat_test.hpp"

namespace fs = std::filesystem;

namespace moat::test {
namespace {

using namespace std::chrono_literals;

class Core : public MoatTest {
protected:
    // moat with a policy file {"mode": "audit"}: plain OCI behaviour.
    RunResult audit(std::vector<std::string> args) {
        if (!policy_) {
            policy_.emplace("moat-policy");
            std::ofstream(*policy_ / "policy.json") << R"({"mode": "audit"})";
        }
        args.insert(args.begin(), {"--policy", *policy_ / "policy.json"});
        return moat(std::move(args));
    }

    spec::State state(const std::string& id) {
        auto r = moat({"state", id});
        EXPECT_EQ(r.status, 0) << r;
        auto s = spec::parse_state(r.out);
        EXPECT_TRUE(s) << r.out;
        return s ? *s : spec::State{};
    }

    bool wait_status(const std::string& id, const std::string& status,
                     std::chrono::milliseconds limit = 20s) {
        for (auto end = std::chrono::steady_clock::now() + limit;
             std::chrono::steady_clock::now() < end;) {
            auto r = moat({"state", id});
            if (r.status == 0) {
                auto s = spec::parse_state(r.out);
                if (s && s->status == status) return true;
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    // A bundle whose process is `sh -c script`.
    std::unique_ptr<Bundle> bundle(const std::string& script, bool probe = false) {
        auto b = std::make_unique<Bundle>(Bundle::Options{.probe = probe});
        b->spec().process.args = {"sh", "-c", script};
        b->write();
        return b;
    }

    std::string detach(const Bundle& b) {
        auto id = new_id();
        auto r = moat({"run", "--detach", "--bundle", b.path(), id});
        EXPECT_EQ(r.status, 0) << r;
        return id;
    }

    std::optional<TempDir> policy_;
};

// ---- lifecycle ----

TEST_F(Core, CreateLeavesCreatedWithPidOfAWaitingInit) {
    auto b = bundle("echo should-not-run-before-start");
    auto id = new_id();
    auto r = moat({"create", "--bundle", b->path(), id});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_FALSE(contains(r.out, "should-not-run")) << r;

    auto s = state(id);
    EXPECT_EQ(s.status, "created");
    ASSERT_GT(s.pid, 0);
    EXPECT_TRUE(fs::exists("/proc/" + std::to_string(s.pid))) << "init pid " << s.pid << " is not alive";
}

TEST_F(Core, StartMakesTheContainerRunning) {
    auto b = bundle("sleep 30");
    auto id = new_id();
    ASSERT_EQ(moat({"create", "--bundle", b->path(), id}).status, 0);
    auto r = moat({"start", id});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_TRUE(wait_status(id, "running", 5s)) << "state after start is " << state(id).status;
    // The init became the container's process: its command line is sleep's.
    auto pid = state(id).pid;
    EXPECT_TRUE(contains(slurp("/proc/" + std::to_string(pid) + "/cmdline"), "sleep"))
        << "cmdline of " << pid << ": " << slurp("/proc/" + std::to_string(pid) + "/cmdline");
}

TEST_F(Core, StateJsonHasTheOciFields) {
    auto b = bundle("sleep 30");
    auto id = new_id();
    ASSERT_EQ(moat({"create", "--bundle", b->path(), id}).status, 0);
    auto r = moat({"state", id});
    ASSERT_EQ(r.status, 0) << r;
    for (auto key : {"\"ociVersion\"", "\"id\"", "\"status\"", "\"pid\"", "\"bundle\""})
        EXPECT_TRUE(contains(r.out, key)) << "state lacks " << key << ": " << r.out;
    auto s = spec::parse_state(r.out);
    ASSERT_TRUE(s) << r.out;
    EXPECT_EQ(s->id, id);
    EXPECT_EQ(s->status, "created");
    EXPECT_GT(s->pid, 0);
    EXPECT_EQ(fs::canonical(s->bundle), fs::canonical(b->path()));
    EXPECT_FALSE(s->oci_version.empty());
}

TEST_F(Core, KillByNameTermReachesTheHandler) {
    // pid 1 of a pid namespace only gets signals it has a handler for: the
    // container stops only if TERM really arrived.
    auto b = bundle("trap 'exit 0' TERM; while :; do sleep 0.1; done");
    auto id = detach(*b);
    ASSERT_TRUE(wait_status(id, "running", 5s));
    std::this_thread::sleep_for(200ms);  // the trap is installed
    auto r = moat({"kill", id, "TERM"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_TRUE(wait_status(id, "stopped", 10s)) << "still " << state(id).status;
}

TEST_F(Core, KillByNumberNine) {
    auto b = bundle("sleep 60");
    auto id = detach(*b);
    ASSERT_TRUE(wait_status(id, "running", 5s));
    auto r = moat({"kill", id, "9"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_TRUE(wait_status(id, "stopped", 10s)) << "still " << state(id).status;
}

TEST_F(Core, KillBySigkillName) {
    auto b = bundle("sleep 60");
    auto id = detach(*b);
    ASSERT_TRUE(wait_status(id, "running", 5s));
    auto r = moat({"kill", id, "SIGKILL"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_TRUE(wait_status(id, "stopped", 10s)) << "still " << state(id).status;
}

TEST_F(Core, KillWorksOnACreatedContainer) {
    auto b = bundle("echo never-started");
    auto id = new_id();
    ASSERT_EQ(moat({"create", "--bundle", b->path(), id}).status, 0);
    auto r = moat({"kill", id, "KILL"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_TRUE(wait_status(id, "stopped", 10s)) << "still " << state(id).status;
    // A stopped container cannot be started; delete then removes it.
    auto started = moat({"start", id});
    EXPECT_EQ(started.status, 1) << started;
    EXPECT_FALSE(contains(started.out, "never-started")) << started;
    EXPECT_EQ(moat({"delete", id}).status, 0);
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Core, StartTwiceFails) {
    auto b = bundle("sleep 30");
    auto id = new_id();
    ASSERT_EQ(moat({"create", "--bundle", b->path(), id}).status, 0);
    ASSERT_EQ(moat({"start", id}).status, 0);
    auto r = moat({"start", id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_FALSE(r.err.empty()) << r;
    EXPECT_EQ(state(id).status, "running");
}

TEST_F(Core, KillAllReachesASecondProcess) {
    // init (sh, no TERM handler) ignores TERM; its child sleep does not. Plain
    // kill changes nothing; kill --all ends the sleep, so sh's wait returns.
    auto b = bundle("sleep 1000 & wait");
    auto id = detach(*b);
    ASSERT_TRUE(wait_status(id, "running", 5s));
    auto pid = state(id).pid;
    auto children = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children";
    for (int i = 0; i < 100 && trimmed(slurp(children)).empty(); ++i) std::this_thread::sleep_for(50ms);
    ASSERT_FALSE(trimmed(slurp(children)).empty()) << "the second process never started";

    ASSERT_EQ(moat({"kill", id, "TERM"}).status, 0);
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(state(id).status, "running") << "TERM to init alone should not stop it";

    auto r = moat({"kill", "--all", id, "TERM"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_TRUE(wait_status(id, "stopped", 10s)) << "kill --all did not reach the sleep";
}

TEST_F(Core, DeleteRemovesStateDirAndCgroup) {
    auto b = bundle("sleep 30");
    auto id = new_id();
    ASSERT_EQ(moat({"create", "--bundle", b->path(), id}).status, 0);
    auto pid = state(id).pid;
    EXPECT_TRUE(fs::exists(state_root() + "/" + id)) << "no state dir " << state_root() << "/" << id;
    // The container's memory cgroup, as the host sees it.
    std::string memcg;
    std::istringstream lines(slurp("/proc/" + std::to_string(pid) + "/cgroup"));
    for (std::string line; std::getline(lines, line);) {
        auto a = line.find(':'), c = line.find(':', a + 1);
        if (line.substr(a + 1, c - a - 1) == "memory") memcg = "/sys/fs/cgroup/memory" + line.substr(c + 1);
    }
    ASSERT_FALSE(memcg.empty()) << slurp("/proc/" + std::to_string(pid) + "/cgroup");
    EXPECT_TRUE(fs::exists(memcg)) << memcg;
    EXPECT_TRUE(contains(memcg, id)) << "cgroup path does not name the container: " << memcg;

    auto r = moat({"delete", id});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_FALSE(fs::exists(state_root() + "/" + id));
    EXPECT_FALSE(fs::exists(memcg)) << "cgroup left: " << memcg;
    // Gone, or a zombie waiting for whoever inherited it to reap it.
    auto proc_status = "/proc/" + std::to_string(pid) + "/status";
    for (int i = 0; i < 40 && fs::exists(proc_status) && !contains(slurp(proc_status), "State:\tZ"); ++i)
        std::this_thread::sleep_for(50ms);
    EXPECT_TRUE(!fs::exists(proc_status) || contains(slurp(proc_status), "State:\tZ"))
        << "init still alive: " << slurp(proc_status);
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Core, DeleteRunningNeedsForce) {
    auto b = bundle("sleep 60");
    auto id = detach(*b);
    ASSERT_TRUE(wait_status(id, "running", 5s));
    auto r = moat({"delete", id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_FALSE(r.err.empty()) << r;
    EXPECT_EQ(state(id).status, "running");

    r = moat({"delete", "--force", id});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(moat({"state", id}).status, 1);
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Core, RunForegroundReturnsTheExitCode) {
    auto b = bundle("exit 3");
    auto id = new_id();
    auto r = moat({"run", "--bundle", b->path(), id});
    EXPECT_EQ(r.status, 3) << r;
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Core, RunForegroundKilledReturns128PlusSignal) {
    auto b = bundle("sleep 60");
    auto id = new_id();
    RunResult r;
    std::thread runner([&] { r = moat({"run", "--bundle", b->path(), id}); });
    bool running = wait_status(id, "running", 10s);
    if (running) EXPECT_EQ(moat({"kill", id, "KILL"}).status, 0);
    else moat({"delete", "--force", id});
    runner.join();
    ASSERT_TRUE(running) << r;
    EXPECT_EQ(r.status, 128 + SIGKILL) << r;
    EXPECT_TRUE(no_leaks(*b, id));
}

TEST_F(Core, RunDetachReturnsWithTheContainerRunning) {
    auto b = bundle("sleep 60");
    auto id = new_id();
    auto t0 = std::chrono::steady_clock::now();
    auto r = moat({"run", "--detach", "--bundle", b->path(), id});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s);
    auto s = state(id);
    EXPECT_EQ(s.status, "running");
    EXPECT_TRUE(fs::exists("/proc/" + std::to_string(s.pid)));
}

TEST_F(Core, ListShowsTheContainerInEveryFormat) {
    auto b = bundle("sleep 60");
    auto id = detach(*b);
    auto pid = std::to_string(state(id).pid);

    auto table = moat({"list"});
    EXPECT_EQ(table.status, 0) << table;
    EXPECT_TRUE(contains(table.out, "ID")) << table;
    std::string row;
    std::istringstream lines(table.out);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(id, 0) == 0) row = line;
    EXPECT_TRUE(contains(row, pid) && contains(row, "running")) << table;

    auto json = moat({"list", "--format", "json"});
    EXPECT_EQ(json.status, 0) << json;
    EXPECT_TRUE(contains(json.out, "\"" + id + "\"")) << json;
    EXPECT_TRUE(contains(json.out, "\"running\"")) << json;
    EXPECT_EQ(json.out.find_first_not_of(" \n"), json.out.find('[')) << "not a JSON array: " << json;

    auto quiet = moat({"list", "-q"});
    EXPECT_EQ(quiet.status, 0) << quiet;
    EXPECT_EQ(quiet.out, id + "\n") << quiet;
}

TEST_F(Core, ConcurrentCreatesOfOneIdExactlyOneWins) {
    auto b1 = bundle("sleep 30");
    auto b2 = bundle("sleep 30");
    auto id = new_id();
    RunResult r1, r2;
    std::thread t1([&] { r1 = moat({"create", "--bundle", b1->path(), id}); });
    std::thread t2([&] { r2 = moat({"create", "--bundle", b2->path(), id}); });
    t1.join();
    t2.join();
    EXPECT_EQ((r1.status == 0) + (r2.status == 0), 1) << r1 << "\n" << r2;
    auto& loser = r1.status == 0 ? r2 : r1;
    EXPECT_EQ(loser.status, 1) << loser;
    EXPECT_TRUE(contains(loser.err, "already exists")) << loser;
    // The winner's container is intact and usable.
    EXPECT_EQ(state(id).status, "created");
    auto& winner_bundle = r1.status == 0 ? *b1 : *b2;
    EXPECT_EQ(fs::canonical(state(id).bundle), fs::canonical(winner_bundle.path()));
    auto& loser_bundle = r1.status == 0 ? *b2 : *b1;
    EXPECT_TRUE(find_leaks("/nonexistent", loser_bundle.path(), "no-such-id").empty())
        << "the loser left mounts of its bundle";
}

TEST_F(Core, PidFileHoldsTheInitPid) {
    auto b = bundle("sleep 30");
    auto id = new_id();
    TempDir dir("moat-pidfile");
    auto pidfile = dir / "init.pid";
    auto r = moat({"create", "--pid-file", pidfile, "--bundle", b->path(), id});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_EQ(trimmed(slurp(pidfile)), std::to_string(state(id).pid));
}

TEST_F(Core, StateOfAnUnknownIdFails) {
    auto r = moat({"state", "no-such-container"});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "no-such-container")) << r;
}

// ---- namespaces ----

std::string host_ns(const std::string& name) {
    return fs::read_symlink("/proc/self/ns/" + name).string();
}

TEST_F(Core, InitIsPidOneOfItsOwnPidNamespace) {
    auto b = bundle("echo pid=$$; readlink /proc/self/ns/pid");
    auto r = moat({"run", "--bundle", b->path(), new_id()});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "pid=1\n")) << r;
    EXPECT_FALSE(contains(r.out, host_ns("pid"))) << r;
}

TEST_F(Core, EachNamespaceIsNew) {
    auto b = bundle("for n in uts ipc mnt net cgroup; do echo $n=$(readlink /proc/self/ns/$n); done");
    spec::Namespace cg;
    cg.type = "cgroup";
    b->spec().linux.namespaces.push_back(cg);
    b->write();
    auto r = moat({"run", "--bundle", b->path(), new_id()});
    ASSERT_EQ(r.status, 0) << r;
    for (auto n : {"uts", "ipc", "mnt", "net", "cgroup"}) {
        std::string line = std::string(n) + "=" + n + ":[";
        EXPECT_TRUE(contains(r.out, line)) << n << " missing: " << r;
        EXPECT_FALSE(contains(r.out, std::string(n) + "=" + host_ns(n) + "\n"))
            << n << " namespace is the host's: " << r;
    }
}

TEST_F(Core, UtsNamespaceHasTheConfiguredHostname) {
    auto b = bundle("hostname");
    b->spec().hostname = "core-uts-test";
    b->write();
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    auto r = moat({"run", "--bundle", b->path(), new_id()});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "core-uts-test\n") << r;
    char after[256] = {};
    ::gethostname(after, sizeof after - 1);
    EXPECT_STREQ(host, after) << "the host's hostname changed";
}

TEST_F(Core, NetworkNamespaceHasOnlyLoopback) {
    auto b = bundle("cat /proc/net/dev");
    auto r = moat({"run", "--bundle", b->path(), new_id()});
    ASSERT_EQ(r.status, 0) << r;
    std::istringstream lines(r.out);
    std::vector<std::string> ifaces;
    for (std::string line; std::getline(lines, line);) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        auto name = line.substr(0, colon);
        name.erase(0, name.find_first_not_of(' '));
        ifaces.push_back(name);
    }
    EXPECT_EQ(ifaces, std::vector<std::string>{"lo"}) << r;
}

TEST_F(Core, JoinsANetworkNamespaceByPath) {
    std::string ns = "moat-core-" + std::to_string(::getpid());
    ASSERT_EQ(run({"ip", "netns", "add", ns}).status, 0);
    struct Cleanup {
        std::string ns;
        ~Cleanup() { run({"ip", "netns", "del", ns}); }
    } cleanup{ns};
    // This kernel has no dummy driver; a veth pair with both ends in the
    // namespace serves as well (no traffic leaves the namespace).
    auto add = run({"ip", "-n", ns, "link", "add", "d0", "type", "veth", "peer", "name", "d1"});
    ASSERT_EQ(add.status, 0) << add;

    auto b = bundle("cat /proc/net/dev; readlink /proc/self/ns/net");
    for (auto& n : b->spec().linux.namespaces)
        if (n.type == "network") n.path = "/var/run/netns/" + ns;
    b->write();
    auto r = audit({"run", "--bundle", b->path(), new_id()});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "d0:")) << "the joined namespace's d0 interface is missing: " << r;
    struct stat st {};
    ASSERT_EQ(::stat(("/var/run/netns/" + ns).c_str(), &st), 0);
    EXPECT_TRUE(contains(r.out, "net:[" + std::to_string(st.st_ino) + "]")) << r;
}

TEST_F(Core, UserNamespaceMapsRootToAHostRange) {
    auto b = bundle("id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map");
    spec::Namespace user;
    user.type = "user";
    b->spec().linux.namespaces.push_back(user);
    spec::IdMapping m;
    m.container_id = 0;
    m.host_id = 100000;
    m.size = 65536;
    b->spec().linux.uid_mappings = {m};
    b->spec().linux.gid_mappings = {m};
    b->write();
    // The mapped root (host uid 100000) must reach the rootfs, as with runc.
    fs::permissions(b->path(), static_cast<fs::perms>(0755));
    auto r = audit({"run", "--bundle", b->path(), new_id()});
    ASSERT_EQ(r.status, 0) << r;
    std::istringstream in(r.out);
    std::string uid, gid, line;
    std::getline(in, uid);
    std::getline(in, gid);
    EXPECT_EQ(uid, "0") << r;
    EXPECT_EQ(gid, "0") << r;
    int maps = 0;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        long inside = -1, outside = -1, size = -1;
        f >> inside >> outside >> size;
        EXPECT_EQ(inside, 0) << line;
        EXPECT_EQ(outside, 100000) << line;
        EXPECT_EQ(size, 65536) << line;
        ++maps;
    }
    EXPECT_EQ(maps, 2) << r;
}

TEST_F(Core, TimeNamespaceOffsetsTheBootClock) {
    if (!fs::exists("/proc/self/ns/time")) GTEST_SKIP() << "kernel without time namespaces";
    auto b = bundle("cat /proc/uptime; readlink /proc/self/ns/time");
    spec::Namespace t;
    t.type = "time";
    b->spec().linux.namespaces.push_back(t);
    b->spec().linux.time_offsets["boottime"] = spec::TimeOffset{.secs = 10'000'000, .nanosecs = 0};
    b->spec().linux.time_offsets["monotonic"] = spec::TimeOffset{.secs = 10'000'000, .nanosecs = 0};
    b->write();
    auto r = audit({"run", "--bundle", b->path(), new_id()});
    ASSERT_EQ(r.status, 0) << r;
    double uptime = std::atof(r.out.c_str());
    EXPECT_GT(uptime, 10'000'000.0) << r;
    EXPECT_FALSE(contains(r.out, host_ns("time"))) << r;
}

}  // namespace
}  // namespace moat::test
