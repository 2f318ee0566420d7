// The v1 back end on a fake cgroupfs: directories, files and values written,
// errors for missing controllers and files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "cgroups/internal.hpp"
#include "fake_cgroupfs.hpp"

using namespace moat;
using namespace moat::cgroups;
using moat::cgroups::testing::FakeCgroupfs;
using ::testing::HasSubstr;

namespace {

class V1 : public ::testing::Test {
protected:
    void SetUp() override {
        host = fs.v1({"memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "devices", "freezer", "hugetlb",
                      "net_cls"});
        fs.write("cpuset/cpuset.cpus", "0-1\n");
        fs.write("cpuset/cpuset.mems", "0\n");
        // What the kernel would make along with the directories.
        fs.touch("cpuset/moat", {"cpuset.cpus", "cpuset.mems"});
        fs.touch("cpuset/moat/c1", {"cpuset.cpus", "cpuset.mems", "cgroup.procs"});
        fs.touch("memory/moat/c1", {"memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes",
                                    "memory.swappiness", "memory.oom_control", "cgroup.procs"});
        fs.touch("cpu/moat/c1", {"cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.rt_period_us",
                                 "cpu.rt_runtime_us", "cpu.idle", "cgroup.procs"});
        fs.touch("pids/moat/c1", {"pids.max", "cgroup.procs"});
        fs.touch("blkio/moat/c1", {"blkio.weight", "blkio.weight_device", "blkio.throttle.read_bps_device",
                                   "blkio.throttle.write_iops_device", "cgroup.procs"});
        fs.touch("devices/moat/c1", {"devices.allow", "devices.deny", "cgroup.procs"});
        fs.touch("freezer/moat/c1", {"freezer.state", "cgroup.procs"});
        fs.touch("hugetlb/moat/c1", {"hugetlb.2MB.limit_in_bytes", "cgroup.procs"});
        fs.touch("net_cls/moat/c1", {"net_cls.classid", "cgroup.procs"});
        fs.touch("cpuacct/moat/c1", {"cgroup.procs"});
        auto m = open(host, Placement{"c1", "", false});
        ASSERT_TRUE(m) << m.error().message;
        mgr = std::move(*m);
        auto c = mgr->create();
        ASSERT_TRUE(c) << c.error().message;
    }
    std::string file(const std::string& rel) { return fs.read(rel); }

    FakeCgroupfs fs;
    Host host;
    std::unique_ptr<Manager> mgr;
};

}  // namespace

TEST_F(V1, CreateMakesEveryHierarchyAndSeedsCpuset) {
    for (auto c : {"memory", "cpu", "cpuacct", "cpuset", "pids", "blkio", "devices", "freezer", "hugetlb", "net_cls"})
        EXPECT_TRUE(fs.exists(std::string(c) + "/moat/c1")) << c;
    EXPECT_EQ(file("cpuset/moat/cpuset.cpus"), "0-1");
    EXPECT_EQ(file("cpuset/moat/c1/cpuset.cpus"), "0-1");
    EXPECT_EQ(file("cpuset/moat/c1/cpuset.mems"), "0");
    EXPECT_TRUE(mgr->create());  // idempotent
}

TEST_F(V1, Memory) {
    spec::Resources r;
    auto& m = r.memory.emplace();
    m.limit = 512 << 20;
    m.swap = 1024 << 20;
    m.reservation = 256 << 20;
    m.kernel = 1 << 20;  // no memory.kmem.limit_in_bytes here: skipped
    m.swappiness = 10;
    m.disable_oom_killer = true;
    auto s = mgr->apply(r);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(file("memory/moat/c1/memory.limit_in_bytes"), "536870912");
    EXPECT_EQ(file("memory/moat/c1/memory.memsw.limit_in_bytes"), "1073741824");  // OCI swap is memory+swap
    EXPECT_EQ(file("memory/moat/c1/memory.soft_limit_in_bytes"), "268435456");
    EXPECT_EQ(file("memory/moat/c1/memory.swappiness"), "10");
    EXPECT_EQ(file("memory/moat/c1/memory.oom_control"), "1");
    EXPECT_FALSE(fs.exists("memory/moat/c1/memory.kmem.limit_in_bytes"));
}

TEST_F(V1, SwapWithoutSwapAccountingIsAnError) {
    std::filesystem::remove(fs.path("memory/moat/c1/memory.memsw.limit_in_bytes"));
    spec::Resources r;
    r.memory.emplace().limit = 100;
    r.memory->swap = 200;
    auto s = mgr->apply(r);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("linux.resources.memory.swap"));
    EXPECT_THAT(s.error().message, HasSubstr("memory.memsw.limit_in_bytes"));
}

TEST_F(V1, Cpu) {
    spec::Resources r;
    auto& c = r.cpu.emplace();
    c.shares = 512;
    c.quota = 50000;
    c.period = 100000;
    c.realtime_period = 1000000;
    c.realtime_runtime = 950000;
    c.idle = 1;
    c.cpus = "1";
    c.mems = "0";
    auto s = mgr->apply(r);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(file("cpu/moat/c1/cpu.shares"), "512");
    EXPECT_EQ(file("cpu/moat/c1/cpu.cfs_quota_us"), "50000");
    EXPECT_EQ(file("cpu/moat/c1/cpu.cfs_period_us"), "100000");
    EXPECT_EQ(file("cpu/moat/c1/cpu.rt_period_us"), "1000000");
    EXPECT_EQ(file("cpu/moat/c1/cpu.rt_runtime_us"), "950000");
    EXPECT_EQ(file("cpu/moat/c1/cpu.idle"), "1");
    EXPECT_EQ(file("cpuset/moat/c1/cpuset.cpus"), "1");
    EXPECT_EQ(file("cpuset/moat/c1/cpuset.mems"), "0");
}

TEST_F(V1, BurstWithoutKernelSupportNamesTheField) {
    spec::Resources r;
    r.cpu.emplace().burst = 1000;
    auto s = mgr->apply(r);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("linux.resources.cpu.burst"));
    EXPECT_THAT(s.error().message, HasSubstr("cpu.cfs_burst_us"));
}

TEST_F(V1, PidsBlkioHugetlbNetwork) {
    spec::Resources r;
    r.pids.emplace().limit = 256;
    auto& b = r.block_io.emplace();
    b.weight = 500;
    b.weight_device.push_back({8, 16, 200, std::nullopt});
    b.throttle_read_bps_device.push_back({8, 0, 1048576});
    b.throttle_write_iops_device.push_back({8, 0, 100});
    r.hugepage_limits.push_back({"2MB", 4 << 21});
    r.network.emplace().class_id = 0x100001;
    auto s = mgr->apply(r);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(file("pids/moat/c1/pids.max"), "256");
    EXPECT_EQ(file("blkio/moat/c1/blkio.weight"), "500");
    EXPECT_EQ(file("blkio/moat/c1/blkio.weight_device"), "8:16 200");
    EXPECT_EQ(file("blkio/moat/c1/blkio.throttle.read_bps_device"), "8:0 1048576");
    EXPECT_EQ(file("blkio/moat/c1/blkio.throttle.write_iops_device"), "8:0 100");
    EXPECT_EQ(file("hugetlb/moat/c1/hugetlb.2MB.limit_in_bytes"), "8388608");
    EXPECT_EQ(file("net_cls/moat/c1/net_cls.classid"), "1048577");

    spec::Resources unlimited;
    unlimited.pids.emplace().limit = 0;
    ASSERT_TRUE(mgr->apply(unlimited));
    EXPECT_EQ(file("pids/moat/c1/pids.max"), "max");
}

TEST_F(V1, UnknownPageSizeNamesTheField) {
    spec::Resources r;
    r.hugepage_limits.push_back({"1GB", 1 << 30});
    auto s = mgr->apply(r);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("linux.resources.hugepageLimits[0]"));
    EXPECT_THAT(s.error().message, HasSubstr("1GB"));
}

TEST_F(V1, Devices) {
    spec::Resources r;
    r.devices.push_back({false, std::nullopt, std::nullopt, std::nullopt, "rwm"});
    r.devices.push_back({true, "c", 1, 5, "rwm"});
    auto s = mgr->apply(r);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(file("devices/moat/c1/devices.deny"), "a *:* rwm");
    EXPECT_EQ(file("devices/moat/c1/devices.allow"), "c 1:5 rwm");
}

TEST_F(V1, MissingControllersNameFieldAndController) {
    spec::Resources r;
    r.network.emplace().priorities.push_back({"eth0", 5});
    auto s = mgr->apply(r);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message,
              "linux.resources.network.priorities: the net_prio controller is not available on this host");

    spec::Resources u;
    u.unified["memory.high"] = "1";
    s = mgr->apply(u);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("linux.resources.unified"));

    spec::Resources rd;
    rd.rdma["mlx5_0"].hca_handles = 3;
    s = mgr->apply(rd);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("the rdma controller"));
}

TEST(V1Host, MissingControllerOnlyMattersWhenSet) {
    FakeCgroupfs fs;
    Host host = fs.v1({"memory"});
    auto m = open(host, Placement{"c1", "", false});
    ASSERT_TRUE(m);
    spec::Resources r;
    r.cpu.emplace();                 // present but empty: nothing to do
    r.network.emplace();
    EXPECT_TRUE((*m)->apply(r));
    r.pids.emplace().limit = 10;
    auto s = (*m)->apply(r);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "linux.resources.pids.limit: the pids controller is not available on this host");
    spec::Resources c;
    c.network.emplace().class_id = 7;
    s = (*m)->apply(c);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message,
              "linux.resources.network.classID: the net_cls controller is not available on this host");
}

TEST_F(V1, BadValuesAreRefusedBeforeAnyWrite) {
    spec::Resources r;
    r.pids.emplace().limit = 5;
    r.memory.emplace().limit = -3;
    auto s = mgr->apply(r);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("linux.resources.memory.limit"));
    EXPECT_EQ(file("pids/moat/c1/pids.max"), "");
}

TEST_F(V1, AddProcessWritesEveryHierarchy) {
    ASSERT_TRUE(mgr->add_process(4242));
    for (auto c : {"memory", "cpu", "cpuset", "pids", "freezer", "devices"})
        EXPECT_EQ(file(std::string(c) + "/moat/c1/cgroup.procs"), "4242") << c;
}

TEST_F(V1, FreezeThroughFreezerState) {
    ASSERT_TRUE(mgr->freeze());
    EXPECT_EQ(file("freezer/moat/c1/freezer.state"), "FROZEN");
    EXPECT_TRUE(*mgr->frozen());
    ASSERT_TRUE(mgr->thaw());
    EXPECT_EQ(file("freezer/moat/c1/freezer.state"), "THAWED");
    EXPECT_FALSE(*mgr->frozen());
}

TEST_F(V1, ProcessesIsTheUnionOverHierarchiesAndSubgroups) {
    fs.write("memory/moat/c1/cgroup.procs", "12\n7\n");
    fs.write("pids/moat/c1/cgroup.procs", "7\n30\n");
    fs.write("pids/moat/c1/inner/cgroup.procs", "99\n");
    auto p = mgr->processes();
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(*p, (std::vector<pid_t>{7, 12, 30, 99}));
}

TEST(V1Host, DestroyRemovesTheContainerDirsDeepestFirstAndKeepsBusyParents) {
    FakeCgroupfs fs;
    Host host = fs.v1({"memory", "pids"});
    auto m = open(host, Placement{"c1", "", false});
    ASSERT_TRUE(m);
    ASSERT_TRUE((*m)->create());
    fs.mkdir("memory/moat/c1/nested/deeper");
    fs.mkdir("memory/moat/other");  // another container still lives under memory/moat
    ASSERT_TRUE(fs.exists("pids/moat/c1"));
    auto s = (*m)->destroy();
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_FALSE(fs.exists("memory/moat/c1"));
    EXPECT_FALSE(fs.exists("pids/moat/c1"));
    EXPECT_TRUE(fs.exists("memory/moat"));   // in use: kept
    EXPECT_FALSE(fs.exists("pids/moat"));    // empty default parent: removed
    EXPECT_TRUE((*m)->destroy());  // already gone
    // and the stored path reopens the same cgroup
    auto again = reopen(host, (*m)->path());
    ASSERT_TRUE(again);
    EXPECT_EQ((*again)->path(), "/moat/c1");
}

TEST(V1Host, FailedCreateRemovesWhatItMade) {
    FakeCgroupfs fs;
    Host host = fs.v1({"memory", "cpuset"});  // the cpuset root has no cpus/mems to copy
    auto m = open(host, Placement{"c1", "", false});
    ASSERT_TRUE(m);
    auto s = (*m)->create();
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("cpuset"));
    EXPECT_FALSE(fs.exists("memory/moat/c1"));
    EXPECT_FALSE(fs.exists("cpuset/moat/c1"));
}

TEST(V1Host, KillAllOnAGoneCgroupIsANoOp) {
    FakeCgroupfs fs;
    Host host = fs.v1({"memory", "freezer"});
    auto m = reopen(host, "/moat/gone");
    ASSERT_TRUE(m);
    EXPECT_TRUE((*m)->kill_all(SIGKILL));
}
