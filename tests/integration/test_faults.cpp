// Faults: moat killed (SIGKILL) at every syscall of `create`, and while the
// init waits in the handshake; a full or read-only state directory; a rootfs
// that vanishes between create and start; an init that dies before start;
// concurrent kill and delete --force; hooks that hang. Each ends with the
// same check: after delete (--force), no state, mount, cgroup or process of
// the container is left. Faults.Summary prints the figures.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "moat_test.hpp"
#include "spec/json.hpp"

extern char** environ;

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace moat::test {
namespace {

// The battery's figures, printed by Faults.Summary.
struct Figures {
    int injected = 0;   // faults injected (each a create killed or failed on purpose)
    int survived = 0;   // ... after which delete left nothing
    int leaks = 0;      // things found left behind
};
Figures& figures() {
    static Figures f;
    return f;
}

spec::Hook hook(const std::string& script, std::optional<int> timeout = {}) {
    spec::Hook h;
    h.path = "/bin/sh";
    h.args = {"sh", "-c", script};
    h.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
    h.timeout = timeout;
    return h;
}

// Start a program in the background (output discarded); the caller waits.
pid_t spawn(const std::vector<std::string>& argv) {
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    for (int fd : {0, 1, 2}) posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("spawn " + argv[0] + ": " + strerror(rc));
    return pid;
}

bool wait_for_file(const std::string& path, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (fs::exists(path)) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

class Faults : public MoatTest {
protected:
    // Everything of id (state, mounts of the bundle, cgroups, processes
    // naming the id or one of extra) — counted into the figures.
    std::vector<std::string> leftovers(const Bundle& b, const std::string& id,
                                       const std::string& root = {},
                                       std::vector<std::string> extra = {}) {
        auto found = find_leaks(root.empty() ? state_root() : root, b.path(), id);
        extra.push_back(id);
        extra.push_back(b.path());
        for (auto& p : find_processes(extra)) found.push_back(p);
        return found;
    }

    // One injected fault: nothing may be left after it.
    ::testing::AssertionResult survived(const Bundle& b, const std::string& id, const std::string& root = {},
                                        std::vector<std::string> extra = {}) {
        ++figures().injected;
        auto found = leftovers(b, id, root, std::move(extra));
        figures().leaks += static_cast<int>(found.size());
        if (found.empty()) {
            ++figures().survived;
            return ::testing::AssertionSuccess();
        }
        auto failure = ::testing::AssertionFailure() << "container " << id << " left:";
        for (auto& l : found) failure << "\n  " << l;
        return failure;
    }

    std::string status_of(const std::string& id) {
        auto r = moat({"state", id});
        if (r.status != 0) return "<state failed: " + r.err + ">";
        auto doc = json::Document::parse(r.out, "state");
        if (!doc) return "<bad state JSON>";
        auto s = doc->root().get("status");
        return s && s->string() ? *s->string() : "<no status>";
    }

    void hanging_hook(const std::string& kind);

    pid_t pid_of(const std::string& id) {
        auto r = moat({"state", id});
        auto doc = json::Document::parse(r.out, "state");
        if (!doc) return -1;
        auto p = doc->root().get("pid");
        return p && p->int64() ? static_cast<pid_t>(*p->int64()) : -1;
    }
};

// The syscalls the moat process itself makes during one `create`, in order
// (strace without -f traces the parent only).
std::vector<std::string> syscalls_in(const std::string& trace) {
    std::vector<std::string> out;
    std::ifstream in(trace);
    for (std::string line; std::getline(in, line);) {
        auto paren = line.find('(');
        if (paren == std::string::npos || paren == 0 || line.starts_with("---") || line.starts_with("+++")) continue;
        auto name = line.substr(0, paren);
        if (name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) continue;
        out.push_back(name);
    }
    return out;
}

// strace's inject counts invocations per syscall, so "the Nth syscall" is
// "invocation k of its name": inject=NAME:signal=KILL:when=k delivers SIGKILL
// to moat as it enters exactly that call. MOAT_FAULT_STEP=S tries every Sth
// syscall only (for slow builds such as the sanitizer one).
TEST_F(Faults, KilledAtEverySyscallOfCreateLeavesNothingAfterDeleteForce) {
    if (run({"strace", "-V"}).status != 0) GTEST_SKIP() << "strace is not installed (scripts/install-deps)";
    Bundle b;
    b.spec().process.args = {"true"};
    b.write();
    TempDir tmp("moat-faults");
    const std::string trace = tmp / "trace";
    auto first = new_id();
    // LeakSanitizer (the sanitizer build) cannot run under ptrace.
    RunOptions opts;
    opts.timeout = 20s;
    opts.env = {"ASAN_OPTIONS=detect_leaks=0"};
    auto r = run({"strace", "-qq", "-o", trace, moat_binary(), "--root", state_root(), "create", "--bundle",
                  b.path(), first},
                 opts);
    ASSERT_EQ(r.status, 0) << r;
    ASSERT_EQ(moat({"delete", "--force", first}).status, 0);
    ASSERT_TRUE(survived(b, first));
    auto calls = syscalls_in(trace);
    ASSERT_GT(calls.size(), 100u) << "the trace of create looks too short to be real: " << trace;

    int step = 1;
    if (const char* s = getenv("MOAT_FAULT_STEP"); s && std::atoi(s) > 1) step = std::atoi(s);
    std::map<std::string, int> seen;
    int killed = 0, tried = 0;
    std::map<std::string, int> killed_in;  // by syscall name, for the report
    std::vector<std::string> failures;
    auto t0 = std::chrono::steady_clock::now();
    for (size_t i = 0; i < calls.size(); ++i) {
        const std::string& name = calls[i];
        int k = ++seen[name];
        if (i % step != 0) continue;
        ++tried;
        // Not new_id(): the ids are deleted here, and TearDown would repeat
        // hundreds of deletes.
        auto id = unique_id();
        std::string where = "syscall " + std::to_string(i + 1) + " (" + name + " #" + std::to_string(k) + ")";
        auto c = run({"strace", "-qq", "-o", "/dev/null", "-e", "trace=" + name, "-e",
                      "inject=" + name + ":signal=KILL:when=" + std::to_string(k), moat_binary(), "--root",
                      state_root(), "create", "--bundle", b.path(), id},
                     opts);
        bool was_killed = c.signal == SIGKILL || c.status == 128 + SIGKILL;
        if (was_killed) {
            ++killed;
            ++killed_in[name];
        } else if (c.status != 0) {
            failures.push_back(where + ": create neither finished nor was killed:" + ::testing::PrintToString(c));
        }
        auto d = moat({"delete", "--force", id});
        if (d.status != 0) failures.push_back(where + ": delete --force failed:" + ::testing::PrintToString(d));
        remove_filed_receipt(id);
        if (auto s = survived(b, id); !s) failures.push_back(where + ": " + s.message());
    }
    auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "create makes " << calls.size() << " syscalls; killed at " << killed << " of " << tried
              << " tried; " << failures.size() << " failures; " << took << " s\n";
    RecordProperty("create_syscalls", static_cast<int>(calls.size()));
    RecordProperty("kills", killed);
    for (auto& f : failures) ADD_FAILURE() << f;
    // The syscall sequence can shift slightly between runs, but almost every
    // injection must hit a live create.
    EXPECT_GE(killed, tried * 9 / 10) << "most injections did not kill moat: is the sweep real?";
}

// The init is alive and waits in the handshake (a createContainer hook runs
// inside it) when moat is killed: it must die with moat, and delete --force
// must remove the state and the cgroup.
TEST_F(Faults, KilledWhileInitWaitsInTheHandshake) {
    TempDir tmp("moat-faults");
    const std::string marker = tmp / "in-hook";
    Bundle b;
    b.spec().process.args = {"true"};
    b.spec().hooks.create_container = {hook("touch " + marker + "; exec sleep 60")};
    b.write();
    auto id = new_id();
    pid_t pid = spawn({moat_binary(), "--root", state_root(), "create", "--bundle", b.path(), id});
    bool reached = wait_for_file(marker, 20s);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ASSERT_TRUE(reached) << "the createContainer hook never ran";
    auto d = moat({"delete", "--force", id});
    EXPECT_EQ(d.status, 0) << d;
    // The init's pid namespace ends with it, so nothing of it may remain.
    for (int i = 0; i < 100 && !leftovers(b, id).empty(); ++i) std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(survived(b, id));
}

// Same, while moat itself runs a prestart hook and the init waits for it:
// the hook is moat's child, outside the container's cgroup.
TEST_F(Faults, KilledWhileRunningAPrestartHook) {
    TempDir tmp("moat-faults");
    const std::string marker = tmp / "in-hook";
    Bundle b;
    b.spec().process.args = {"true"};
    fs::create_symlink("/bin/sleep", tmp / "sleep");  // so its command line names tmp
    b.spec().hooks.prestart = {hook("touch " + marker + "; exec " + tmp / "sleep" + " 60")};
    b.write();
    auto id = new_id();
    pid_t pid = spawn({moat_binary(), "--root", state_root(), "create", "--bundle", b.path(), id});
    bool reached = wait_for_file(marker, 20s);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ASSERT_TRUE(reached) << "the prestart hook never ran";
    auto d = moat({"delete", "--force", id});
    EXPECT_EQ(d.status, 0) << d;
    for (int i = 0; i < 100 && !leftovers(b, id, {}, {tmp.path()}).empty(); ++i) std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(survived(b, id, {}, {tmp.path()}));
}

// A small tmpfs as --root, for the full and read-only state directories.
class StateMount {
public:
    explicit StateMount(const std::string& options) : dir_("moat-faults-root") {
        if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) != 0)
            throw std::runtime_error("mount tmpfs on " + dir_.path() + ": " + strerror(errno));
    }
    ~StateMount() { ::umount2(dir_.path().c_str(), MNT_DETACH); }
    const std::string& path() const { return dir_.path(); }
    std::vector<std::string> entries() const {
        std::vector<std::string> out;
        for (auto& e : fs::directory_iterator(path())) out.push_back(e.path().filename().string());
        return out;
    }

private:
    TempDir dir_;
};

TEST_F(Faults, FullStateDirectory) {
    StateMount root("size=64k,nr_inodes=64,mode=0755");
    // Fill the data blocks, then the inodes.
    run({"sh", "-c", "cat /dev/zero > " + root.path() + "/fill"});
    for (int i = 0; i < 64; ++i) std::ofstream(root.path() + "/inode-" + std::to_string(i));
    auto before = root.entries();
    Bundle b;
    b.spec().process.args = {"true"};
    b.write();
    auto id = new_id();
    auto r = run({moat_binary(), "--root", root.path(), "create", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "No space left on device")) << r;
    EXPECT_TRUE(contains(r.err, root.path())) << "the message should name the state directory" << r;
    EXPECT_EQ(root.entries(), before);
    EXPECT_TRUE(survived(b, id, root.path()));
}

// Room for the state directory but not for its files: create fails later,
// after the cgroup exists, and must still undo everything.
TEST_F(Faults, StateDirectoryFullOfData) {
    StateMount root("size=64k,mode=0755");
    run({"sh", "-c", "cat /dev/zero > " + root.path() + "/fill"});
    auto before = root.entries();
    Bundle b;
    b.spec().process.args = {"true"};
    b.write();
    auto id = new_id();
    auto r = run({moat_binary(), "--root", root.path(), "create", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "No space left on device")) << r;
    EXPECT_EQ(root.entries(), before);
    EXPECT_TRUE(survived(b, id, root.path()));
}

TEST_F(Faults, ReadOnlyStateDirectory) {
    StateMount root("size=1m,mode=0755");
    ASSERT_EQ(::mount(nullptr, root.path().c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), 0) << strerror(errno);
    Bundle b;
    b.spec().process.args = {"true"};
    b.write();
    auto id = new_id();
    auto r = run({moat_binary(), "--root", root.path(), "create", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "Read-only file system")) << r;
    EXPECT_TRUE(contains(r.err, root.path())) << "the message should name the state directory" << r;
    EXPECT_TRUE(root.entries().empty());
    EXPECT_TRUE(survived(b, id, root.path()));
}

// The rootfs is a mount on the host (as an engine's overlay is) and is
// unmounted after create: the container keeps its own view and runs.
TEST_F(Faults, RootfsUnmountedBetweenCreateAndStart) {
    Bundle b;
    b.spec().process.args = {"sleep", "30"};
    b.write();
    ASSERT_EQ(::mount(b.rootfs().c_str(), b.rootfs().c_str(), nullptr, MS_BIND, nullptr), 0) << strerror(errno);
    auto id = new_id();
    auto c = moat({"create", "--bundle", b.path(), id});
    ASSERT_EQ(c.status, 0) << c;
    ASSERT_EQ(::umount2(b.rootfs().c_str(), MNT_DETACH), 0) << strerror(errno);
    auto s = moat({"start", id});
    EXPECT_EQ(s.status, 0) << s;
    EXPECT_EQ(status_of(id), "running");
    auto d = moat({"delete", "--force", id});
    EXPECT_EQ(d.status, 0) << d;
    EXPECT_TRUE(survived(b, id));
}

// The rootfs directory is removed after create: start must not hang or
// crash; either it says clearly what is wrong, or the container stops (its
// program is gone); delete cleans up either way.
TEST_F(Faults, RootfsRemovedBetweenCreateAndStart) {
    Bundle b;
    b.spec().process.args = {"sleep", "30"};
    b.write();
    auto id = new_id();
    auto c = moat({"create", "--bundle", b.path(), id});
    ASSERT_EQ(c.status, 0) << c;
    fs::remove_all(b.rootfs());
    auto s = moat({"start", id});
    std::cout << "start after the rootfs was removed: status " << s.status << " " << s.err << "\n";
    EXPECT_FALSE(s.timed_out) << s;
    EXPECT_TRUE(s.status == 0 || s.status == 1) << s;
    if (s.status == 1) EXPECT_TRUE(contains(s.err, "rootfs")) << "the message should name the rootfs" << s;
    std::string st;
    for (int i = 0; i < 100 && (st = status_of(id)) != "stopped"; ++i) std::this_thread::sleep_for(20ms);
    if (s.status == 0) EXPECT_EQ(st, "stopped") << "the program is gone, so nothing can be running";
    auto d = moat({"delete", "--force", id});
    EXPECT_EQ(d.status, 0) << d;
    EXPECT_TRUE(survived(b, id));
}

TEST_F(Faults, InitKilledBeforeStart) {
    Bundle b;
    b.spec().process.args = {"true"};
    b.write();
    auto id = new_id();
    auto c = moat({"create", "--bundle", b.path(), id});
    ASSERT_EQ(c.status, 0) << c;
    pid_t pid = pid_of(id);
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, SIGKILL), 0) << strerror(errno);
    for (int i = 0; i < 100 && status_of(id) != "stopped"; ++i) std::this_thread::sleep_for(20ms);
    EXPECT_EQ(status_of(id), "stopped");
    auto s = moat({"start", id});
    EXPECT_EQ(s.status, 1) << s;
    EXPECT_TRUE(contains(s.err, id) && (contains(s.err, "exited") || contains(s.err, "stopped"))) << s;
    auto d = moat({"delete", id});  // stopped: no --force needed
    EXPECT_EQ(d.status, 0) << d;
    EXPECT_TRUE(survived(b, id));
}

// 8 processes at once, half `kill ID KILL`, half `delete --force ID`.
// Every delete succeeds (the container is gone either way); a kill either
// succeeds or says the container is not running / does not exist; no moat
// crashes; nothing is left.
TEST_F(Faults, ConcurrentKillAndDeleteForce) {
    Bundle b;
    b.spec().process.args = {"sleep", "60"};
    b.write();
    for (int round = 0; round < 5; ++round) {
        auto id = new_id();
        auto c = moat({"create", "--bundle", b.path(), id});
        ASSERT_EQ(c.status, 0) << c;
        if (round % 2 == 0) ASSERT_EQ(moat({"start", id}).status, 0);  // odd rounds: still created
        std::vector<RunResult> results(8);
        std::vector<std::thread> threads;
        for (int i = 0; i < 8; ++i)
            threads.emplace_back([&, i] {
                results[i] = i % 2 ? moat({"kill", id, "KILL"}) : moat({"delete", "--force", id});
            });
        for (auto& t : threads) t.join();
        for (int i = 0; i < 8; ++i) {
            auto& r = results[i];
            EXPECT_FALSE(r.timed_out) << r;
            EXPECT_EQ(r.signal, 0) << "moat crashed" << r;
            if (i % 2 == 0) {
                EXPECT_EQ(r.status, 0) << "round " << round << r;
            } else {
                EXPECT_TRUE(r.status == 0 || (r.status == 1 && (contains(r.err, "not running") ||
                                                                contains(r.err, "does not exist") ||
                                                                contains(r.err, "being created"))))
                    << "round " << round << r;
            }
        }
        EXPECT_TRUE(survived(b, id));
    }
}

// A hook that never ends: its timeout fires, create fails naming the hook,
// and neither the hook (nor what it started) nor the container is left.
void Faults::hanging_hook(const std::string& kind) {
    TempDir tmp("moat-faults-hook");
    Bundle b;
    b.spec().process.args = {"true"};
    // A child of the hook too ("; true" keeps sh from exec'ing sleep): the
    // timeout must not leave it behind. Its path names it.
    fs::create_symlink("/bin/sleep", tmp / "sleep");
    auto h = hook(tmp / "sleep" + " 60; true", 1);
    if (kind == "prestart") b.spec().hooks.prestart = {h};
    if (kind == "createRuntime") b.spec().hooks.create_runtime = {h};
    if (kind == "createContainer") b.spec().hooks.create_container = {h};
    b.write();
    auto id = new_id();
    auto t0 = std::chrono::steady_clock::now();
    auto r = moat({"create", "--bundle", b.path(), id});
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_LT(took, 15s) << "the 1 s hook timeout did not fire";
    EXPECT_TRUE(contains(r.err, kind + " hook /bin/sh") && contains(r.err, "timed out")) << r;
    EXPECT_EQ(moat({"state", id}).status, 1);
    for (int i = 0; i < 100 && !leftovers(b, id, {}, {tmp.path()}).empty(); ++i) std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(survived(b, id, {}, {tmp.path()}));
}

TEST_F(Faults, HangingPrestartHookTimesOut) { hanging_hook("prestart"); }
TEST_F(Faults, HangingCreateRuntimeHookTimesOut) { hanging_hook("createRuntime"); }
TEST_F(Faults, HangingCreateContainerHookTimesOut) { hanging_hook("createContainer"); }

// A suite of its own, declared after Faults, so it runs after it.
class FaultsZ : public MoatTest {};
TEST_F(FaultsZ, Summary) {
    auto& f = figures();
    std::cout << "faults injected: " << f.injected << ", survived (nothing left): " << f.survived
              << ", leaks found: " << f.leaks << "\n";
    RecordProperty("faults_injected", f.injected);
    RecordProperty("faults_survived", f.survived);
    RecordProperty("leaks_found", f.leaks);
    EXPECT_EQ(f.leaks, 0);
}

}  // namespace
}  // namespace moat::test
