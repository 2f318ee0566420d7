// The module on this machine's real cgroupfs (root only; skipped elsewhere).
// Every cgroup made here has "moat-test" in its name and is removed again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cgroups/internal.hpp"

using namespace moat;
using namespace moat::cgroups;
using ::testing::Contains;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    auto s = ss.str();
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// A forked child that waits on a pipe, touches some memory once it is in
// the cgroup, reports back, then sleeps until killed.
struct Child {
    pid_t pid = -1;
    int go = -1, ready = -1;

    static Child start() {
        int to_child[2], from_child[2];
        if (::pipe2(to_child, O_CLOEXEC) < 0 || ::pipe2(from_child, O_CLOEXEC) < 0) std::abort();
        Child c;
        c.pid = ::fork();
        if (c.pid == 0) {
            char b;
            if (::read(to_child[0], &b, 1) != 1) ::_exit(1);
            // Charged to the cgroup we were moved into.
            size_t len = 8 << 20;
            void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) ::_exit(2);
            std::memset(p, 1, len);
            if (::write(from_child[1], "r", 1) != 1) ::_exit(3);
            for (;;) ::pause();
        }
        ::close(to_child[0]);
        ::close(from_child[1]);
        c.go = to_child[1];
        c.ready = from_child[0];
        return c;
    }
    bool release() {
        char b = 'g';
        if (::write(go, &b, 1) != 1) return false;
        return ::read(ready, &b, 1) == 1;
    }
    void reap() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            pid = -1;
        }
        if (go >= 0) ::close(go);
        if (ready >= 0) ::close(ready);
        go = ready = -1;
    }
    ~Child() { reap(); }
};

// Put back the cgroup2 root's subtree_control as it was before a test.
struct SubtreeRestore {
    std::string file, before;
    explicit SubtreeRestore(const std::string& mount)
        : file(mount + "/cgroup.subtree_control"), before(slurp(file)) {}
    ~SubtreeRestore() {
        auto now = detail::split(slurp(file), ' ');
        auto was = detail::split(before, ' ');
        for (auto& c : now)
            if (!c.empty() && std::find(was.begin(), was.end(), c) == was.end())
                (void)detail::write_file(file, "-" + c);
    }
};

char proc_state(pid_t pid) {
    auto stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}

}  // namespace

TEST(RealHost, V1LifecycleWithAChild) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    auto host = probe_host();
    ASSERT_TRUE(host) << host.error().message;
    for (auto c : {"memory", "pids", "cpu", "freezer"})
        if (!host->v1_mounts.contains(c)) GTEST_SKIP() << "no v1 " << c << " controller here";
    std::optional<SubtreeRestore> restore;
    if (!host->unified_mount.empty()) restore.emplace(host->unified_mount);

    std::string id = "moat-test-" + std::to_string(::getpid());
    Placement where{id, id, false};  // relative: under this process's own cgroups
    auto dirs = detail::resolve(*host, where);
    ASSERT_TRUE(dirs) << dirs.error().message;
    auto m = open(*host, where);
    ASSERT_TRUE(m) << m.error().message;
    auto& mgr = *m;
    struct Cleanup {
        Manager& mgr;
        ~Cleanup() { (void)mgr.kill_all(SIGKILL); (void)mgr.destroy(); }
    } cleanup{*mgr};

    auto made = mgr->create();
    ASSERT_TRUE(made) << made.error().message;
    auto dir = [&](const std::string& ctrl) {
        for (auto& h : detail::hierarchies(*host))
            if (std::find(h.controllers.begin(), h.controllers.end(), ctrl) != h.controllers.end())
                return h.mount + dirs->at(h.key);
        return std::string();
    };
    ASSERT_TRUE(std::filesystem::is_directory(dir("memory")));
    // A relative path sits under our own memory cgroup, which is not the root here.
    EXPECT_EQ(dirs->at("memory"), detail::join_path(host->self["memory"], id));

    spec::Resources r;
    r.memory.emplace().limit = 64 << 20;
    r.pids.emplace().limit = 32;
    r.cpu.emplace().quota = 50000;
    r.cpu->period = 100000;
    r.cpu->shares = 512;
    auto applied = mgr->apply(r);
    ASSERT_TRUE(applied) << applied.error().message;
    EXPECT_EQ(slurp(dir("memory") + "/memory.limit_in_bytes"), "67108864");
    EXPECT_EQ(slurp(dir("pids") + "/pids.max"), "32");
    EXPECT_EQ(slurp(dir("cpu") + "/cpu.cfs_quota_us"), "50000");
    EXPECT_EQ(slurp(dir("cpu") + "/cpu.cfs_period_us"), "100000");
    EXPECT_EQ(slurp(dir("cpu") + "/cpu.shares"), "512");

    // Raising memory past the current memory+swap only works memsw first.
    if (std::filesystem::exists(dir("memory") + "/memory.memsw.limit_in_bytes")) {
        spec::Resources small, big;
        small.memory.emplace().limit = 32 << 20;
        small.memory->swap = 32 << 20;
        big.memory.emplace().limit = 64 << 20;
        big.memory->swap = 128 << 20;
        auto s1 = mgr->apply(small);
        ASSERT_TRUE(s1) << s1.error().message;
        auto s2 = mgr->apply(big);
        ASSERT_TRUE(s2) << s2.error().message;
        EXPECT_EQ(slurp(dir("memory") + "/memory.limit_in_bytes"), "67108864");
        EXPECT_EQ(slurp(dir("memory") + "/memory.memsw.limit_in_bytes"), "134217728");
    }
    // blkio weight (BFQ's file on this kernel) and, on a hybrid host, hugetlb
    // through the cgroup2 mount.
    if (host->v1_mounts.contains("blkio")) {
        spec::Resources b;
        b.block_io.emplace().weight = 300;
        auto s = mgr->apply(b);
        ASSERT_TRUE(s) << s.error().message;
        auto weight_file = std::filesystem::exists(dir("blkio") + "/blkio.weight") ? "/blkio.weight" : "/blkio.bfq.weight";
        EXPECT_THAT(slurp(dir("blkio") + weight_file), ::testing::HasSubstr("300"));
    }
    if (host->layout == Layout::hybrid && !host->v1_mounts.contains("hugetlb") &&
        std::filesystem::exists("/sys/kernel/mm/hugepages/hugepages-2048kB")) {
        spec::Resources h;
        h.hugepage_limits.push_back({"2MB", 4 << 20});
        auto s = mgr->apply(h);
        ASSERT_TRUE(s) << s.error().message;
        EXPECT_EQ(slurp(host->unified_mount + dirs->at("unified") + "/hugetlb.2MB.max"), "4194304");
    }

    Child child = Child::start();
    ASSERT_GT(child.pid, 0);
    auto added = mgr->add_process(child.pid);
    ASSERT_TRUE(added) << added.error().message;
    ASSERT_TRUE(child.release());
    auto procs = mgr->processes();
    ASSERT_TRUE(procs) << procs.error().message;
    EXPECT_EQ(*procs, std::vector<pid_t>{child.pid});
    EXPECT_EQ(slurp(dir("pids") + "/cgroup.procs"), std::to_string(child.pid));

    auto frozen = mgr->freeze();
    ASSERT_TRUE(frozen) << frozen.error().message;
    EXPECT_EQ(slurp(dir("freezer") + "/freezer.state"), "FROZEN");
    EXPECT_TRUE(*mgr->frozen());
    EXPECT_EQ(proc_state(child.pid), 'D');  // frozen tasks read as uninterruptible
    ASSERT_TRUE(mgr->thaw());
    EXPECT_EQ(slurp(dir("freezer") + "/freezer.state"), "THAWED");
    EXPECT_FALSE(*mgr->frozen());
    // A thawed task may be on a CPU for a moment before it sleeps again.
    char state = proc_state(child.pid);
    for (int i = 0; i < 100 && state != 'S'; ++i) {
        ::usleep(10000);
        state = proc_state(child.pid);
    }
    EXPECT_EQ(state, 'S');

    auto stats = mgr->stats();
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_GE(stats->memory.usage, 8u << 20);  // the child's 8 MiB
    EXPECT_EQ(stats->memory.limit, 64u << 20);
    EXPECT_EQ(stats->pids.current, 1u);
    EXPECT_EQ(stats->pids.limit, 32u);
    auto usage = usage_from(*stats);
    EXPECT_GE(usage.peak_memory, 8u << 20);

    auto killed = mgr->kill_all(SIGKILL);
    ASSERT_TRUE(killed) << killed.error().message;
    int status = 0;
    ASSERT_EQ(::waitpid(child.pid, &status, 0), child.pid);
    child.pid = -1;
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    auto gone = mgr->destroy();
    ASSERT_TRUE(gone) << gone.error().message;
    for (auto& h : detail::hierarchies(*host))
        EXPECT_FALSE(std::filesystem::exists(h.mount + dirs->at(h.key))) << h.key;
}

TEST(RealHost, KillAllStopsAForkingTree) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    auto host = probe_host();
    ASSERT_TRUE(host) << host.error().message;
    if (!host->v1_mounts.contains("freezer") && host->unified_mount.empty()) GTEST_SKIP() << "no freezer";
    std::optional<SubtreeRestore> restore;
    if (!host->unified_mount.empty()) restore.emplace(host->unified_mount);
    std::string id = "moat-test-tree-" + std::to_string(::getpid());
    auto m = open(*host, Placement{id, id, false});
    ASSERT_TRUE(m) << m.error().message;
    auto& mgr = *m;
    ASSERT_TRUE(mgr->create());
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    pid_t leader = ::fork();
    if (leader == 0) {
        char b;
        if (::read(go[0], &b, 1) != 1) ::_exit(1);
        // Keep forking children that keep forking, up to a bound.
        for (int i = 0; i < 20; ++i)
            if (::fork() == 0) {
                for (int j = 0; j < 3; ++j) (void)::fork();
                for (;;) ::pause();
            }
        for (;;) ::pause();
    }
    ASSERT_TRUE(mgr->add_process(leader));
    ASSERT_EQ(::write(go[1], "g", 1), 1);
    ::close(go[0]);
    ::close(go[1]);
    for (int i = 0; i < 200; ++i) {  // until the tree has grown
        auto p = mgr->processes();
        if (p && p->size() > 100) break;
        ::usleep(10000);
    }
    auto before = mgr->processes();
    ASSERT_TRUE(before);
    EXPECT_GT(before->size(), 20u);
    // SIGTERM takes the freeze-signal-thaw path even where cgroup.kill exists.
    auto s = mgr->kill_all(SIGTERM);
    ASSERT_TRUE(s) << s.error().message;
    ::waitpid(leader, nullptr, 0);
    std::vector<pid_t> left;
    for (int i = 0; i < 200; ++i) {
        auto p = mgr->processes();
        ASSERT_TRUE(p);
        left = *p;
        if (left.empty()) break;
        ::usleep(10000);
    }
    EXPECT_TRUE(left.empty()) << left.size() << " processes survived";
    if (!left.empty()) (void)mgr->kill_all(SIGKILL);
    auto d = mgr->destroy();
    EXPECT_TRUE(d) << d.error().message;
}

namespace {

// Opens the device nodes and reports through the exit status: bit 0 set if
// /dev/null opened, bit 1 if /dev/zero did, bit 2 if /dev/full did; 64 + errno
// mismatch if a refusal was not EPERM.
int probe_devices() {
    int result = 0;
    const char* nodes[] = {"/dev/null", "/dev/zero", "/dev/full"};
    for (int i = 0; i < 3; ++i) {
        int fd = ::open(nodes[i], O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            result |= 1 << i;
            ::close(fd);
        } else if (errno != EPERM) {
            return 64;
        }
    }
    return result;
}

// Runs probe_devices() in a child moved into the manager's cgroup first.
int probe_in(Manager& mgr) {
    int go[2];
    if (::pipe(go) != 0) return -1;
    pid_t pid = ::fork();
    if (pid == 0) {
        char b;
        if (::read(go[0], &b, 1) != 1) ::_exit(99);
        ::_exit(probe_devices());
    }
    auto added = mgr.add_process(pid);
    EXPECT_TRUE(added) << added.error().message;
    (void)!::write(go[1], "g", 1);
    ::close(go[0]);
    ::close(go[1]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

uint32_t attached_programs(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    uint32_t ids[16];
    bpf_attr q{};
    q.query.target_fd = static_cast<uint32_t>(fd);
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = reinterpret_cast<uint64_t>(ids);
    q.query.prog_cnt = 16;
    long rc = ::syscall(SYS_bpf, BPF_PROG_QUERY, &q, sizeof q);
    ::close(fd);
    return rc == 0 ? q.query.prog_cnt : 0;
}

}  // namespace

TEST(RealHost, V2DeviceFilterIsEnforcedByTheKernel) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    auto probed = probe_host();
    ASSERT_TRUE(probed) << probed.error().message;
    if (probed->unified_mount.empty()) GTEST_SKIP() << "no cgroup2 mount";
    // Treat the cgroup2 mount as a pure v2 host, so devices go to eBPF.
    Host host;
    host.layout = Layout::v2;
    host.root = host.unified_mount = probed->unified_mount;
    SubtreeRestore restore(host.unified_mount);
    std::string path = "/moat-test-bpf-" + std::to_string(::getpid());
    auto m = open(host, Placement{"x", path, false});
    ASSERT_TRUE(m) << m.error().message;
    auto& mgr = *m;
    struct Cleanup {
        Manager& mgr;
        ~Cleanup() { (void)mgr.kill_all(SIGKILL); (void)mgr.destroy(); }
    } cleanup{*mgr};
    ASSERT_TRUE(mgr->create());
    const std::string dir = host.unified_mount + path;

    spec::Resources deny_null;
    deny_null.devices.push_back({false, "c", 1, 3, "rwm"});
    auto s = mgr->apply(deny_null);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(attached_programs(dir), 1u);
    EXPECT_EQ(probe_in(*mgr), 0b110);  // null refused with EPERM; zero and full open

    // `update` with a whitelist replaces the program rather than stacking.
    spec::Resources whitelist;
    whitelist.devices.push_back({false, std::nullopt, std::nullopt, std::nullopt, "rwm"});
    whitelist.devices.push_back({true, "c", 1, 3, "rwm"});
    whitelist.devices.push_back({true, "c", 1, 5, "rwm"});
    s = mgr->apply(whitelist);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(attached_programs(dir), 1u);
    EXPECT_EQ(probe_in(*mgr), 0b011);  // full refused now

    auto d = mgr->destroy();
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_FALSE(std::filesystem::exists(dir));
}
