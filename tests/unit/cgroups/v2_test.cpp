// The v2 back end on a fake cgroupfs: controller enabling, converted values,
// unified keys, errors.
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

class V2 : public ::testing::Test {
protected:
    void SetUp() override {
        host = fs.v2({"cpuset", "cpu", "io", "memory", "hugetlb", "pids"});
        fs.write("unified/moat/cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
        fs.write("unified/moat/cgroup.subtree_control", "cpu\n");  // one already on
        fs.write("unified/moat/c1/cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
        fs.touch("unified/moat/c1",
                 {"cgroup.procs", "cgroup.kill", "memory.max", "memory.swap.max", "memory.low", "memory.high",
                  "cpu.weight", "cpu.max", "cpu.max.burst", "cpu.idle", "cpuset.cpus", "cpuset.mems", "pids.max",
                  "io.weight", "io.max", "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max"});
        auto m = open(host, Placement{"c1", "", false});
        ASSERT_TRUE(m) << m.error().message;
        mgr = std::move(*m);
        auto c = mgr->create();
        ASSERT_TRUE(c) << c.error().message;
    }
    std::string file(const std::string& rel) { return fs.read("unified/moat/c1/" + rel); }

    FakeCgroupfs fs;
    Host host;
    std::unique_ptr<Manager> mgr;
};

}  // namespace

TEST_F(V2, CreateEnablesControllersInEveryParent) {
    EXPECT_EQ(fs.read("unified/cgroup.subtree_control"), "+cpuset +cpu +io +memory +hugetlb +pids");
    // Only those not yet enabled are asked for.
    EXPECT_EQ(fs.read("unified/moat/cgroup.subtree_control"), "+cpuset +io +memory +hugetlb +pids");
    // The leaf enables nothing: it will hold processes.
    EXPECT_FALSE(fs.exists("unified/moat/c1/cgroup.subtree_control"));
}

TEST_F(V2, MemoryConvertsSwap) {
    spec::Resources r;
    auto& m = r.memory.emplace();
    m.limit = 512 << 20;
    m.swap = 768 << 20;
    m.reservation = 128 << 20;
    m.swappiness = 50;  // no v2 file; left alone as runc does
    auto s = mgr->apply(r);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(file("memory.max"), "536870912");
    EXPECT_EQ(file("memory.swap.max"), "268435456");  // swap - limit
    EXPECT_EQ(file("memory.low"), "134217728");

    spec::Resources unlimited;
    unlimited.memory.emplace().limit = -1;
    unlimited.memory->swap = -1;
    ASSERT_TRUE(mgr->apply(unlimited));
    EXPECT_EQ(file("memory.max"), "max");
    EXPECT_EQ(file("memory.swap.max"), "max");
}

TEST_F(V2, Cpu) {
    spec::Resources r;
    auto& c = r.cpu.emplace();
    c.shares = 1024;
    c.quota = 50000;
    c.period = 100000;
    c.burst = 2000;
    c.idle = 0;
    c.cpus = "0";
    c.mems = "0";
    auto s = mgr->apply(r);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(file("cpu.weight"), "39");
    EXPECT_EQ(file("cpu.max"), "50000 100000");
    EXPECT_EQ(file("cpu.max.burst"), "2000");
    EXPECT_EQ(file("cpu.idle"), "0");
    EXPECT_EQ(file("cpuset.cpus"), "0");
    EXPECT_EQ(file("cpuset.mems"), "0");

    spec::Resources unlimited;
    unlimited.cpu.emplace().quota = -1;
    ASSERT_TRUE(mgr->apply(unlimited));
    EXPECT_EQ(file("cpu.max"), "max");
}

TEST_F(V2, RealtimeIsRefused) {
    spec::Resources r;
    r.cpu.emplace().realtime_runtime = 1000;
    auto s = mgr->apply(r);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("linux.resources.cpu.realtimeRuntime"));
}

TEST_F(V2, PidsIoHugetlb) {
    spec::Resources r;
    r.pids.emplace().limit = 256;
    auto& b = r.block_io.emplace();
    b.weight = 500;
    b.throttle_read_bps_device.push_back({8, 0, 1048576});
    r.hugepage_limits.push_back({"2MB", 2 << 21});
    auto s = mgr->apply(r);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(file("pids.max"), "256");
    EXPECT_EQ(file("io.weight"), "default 4950");
    EXPECT_EQ(file("io.max"), "8:0 rbps=1048576");
    EXPECT_EQ(file("hugetlb.2MB.max"), "4194304");
    EXPECT_EQ(file("hugetlb.2MB.rsvd.max"), "4194304");

    spec::Resources off;
    off.block_io.emplace().throttle_write_iops_device.push_back({8, 0, 0});
    ASSERT_TRUE(mgr->apply(off));
    EXPECT_EQ(file("io.max"), "8:0 wiops=max");
}

TEST_F(V2, BfqWeightUsesTheBlkioScale) {
    fs.write("unified/moat/c1/io.bfq.weight", "");
    spec::Resources r;
    r.block_io.emplace().weight = 500;
    r.block_io->weight_device.push_back({8, 0, 300, std::nullopt});
    ASSERT_TRUE(mgr->apply(r));
    EXPECT_EQ(file("io.bfq.weight"), "8:0 300");  // the last write; the default went first
    spec::Resources d;
    d.block_io.emplace().weight = 700;
    ASSERT_TRUE(mgr->apply(d));
    EXPECT_EQ(file("io.bfq.weight"), "default 700");
}

TEST_F(V2, UnifiedKeys) {
    spec::Resources r;
    r.unified["memory.high"] = "1073741824";
    auto s = mgr->apply(r);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(file("memory.high"), "1073741824");

    spec::Resources unknown;
    unknown.unified["memory.nope"] = "1";
    s = mgr->apply(unknown);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("linux.resources.unified[\"memory.nope\"]"));
    EXPECT_FALSE(fs.exists("unified/moat/c1/memory.nope"));

    for (auto key : {"../cgroup.procs", "x/memory.max", ".."}) {
        spec::Resources bad;
        bad.unified[key] = "1";
        s = mgr->apply(bad);
        ASSERT_FALSE(s) << key;
        EXPECT_THAT(s.error().message, HasSubstr("linux.resources.unified")) << key;
    }
}

TEST_F(V2, ControllerNotEnabledForTheCgroup) {
    fs.write("unified/moat/c1/cgroup.controllers", "memory pids\n");
    spec::Resources r;
    r.block_io.emplace().weight = 100;
    auto s = mgr->apply(r);
    ASSERT_FALSE(s);
    // The host has io (the mount's cgroup.controllers lists it); this cgroup does not.
    EXPECT_THAT(s.error().message,
                HasSubstr("linux.resources.blockIO.weight: the blkio (io) controller is not enabled for "));
    spec::Resources rd;
    rd.rdma["mlx5_0"].hca_objects = 10;
    s = mgr->apply(rd);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "linux.resources.rdma: the rdma controller is not available on this host");
    spec::Resources n;
    n.network.emplace().class_id = 1;
    s = mgr->apply(n);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message,
              "linux.resources.network.classID: the net_cls controller is not available on this host");
}

TEST_F(V2, DevicesGoToAnEbpfProgram) {
    // A temporary directory is not a cgroup, so the kernel refuses the
    // attach; the error still names the field. (The real attach is tested
    // in real_host_test.)
    spec::Resources r;
    r.devices.push_back({false, "c", 1, 3, "rwm"});
    auto s = mgr->apply(r);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("linux.resources.devices"));
}

TEST_F(V2, KillAllUsesCgroupKill) {
    auto s = mgr->kill_all(SIGKILL);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(file("cgroup.kill"), "1");
}

TEST_F(V2, FreezeThroughCgroupFreeze) {
    fs.write("unified/moat/c1/cgroup.freeze", "");
    fs.write("unified/moat/c1/cgroup.events", "populated 1\nfrozen 1\n");  // as the kernel reports once frozen
    ASSERT_TRUE(mgr->freeze());
    EXPECT_EQ(file("cgroup.freeze"), "1");
    EXPECT_TRUE(*mgr->frozen());
    fs.write("unified/moat/c1/cgroup.events", "populated 1\nfrozen 0\n");
    ASSERT_TRUE(mgr->thaw());
    EXPECT_EQ(file("cgroup.freeze"), "0");
    EXPECT_FALSE(*mgr->frozen());
}

TEST_F(V2, AddProcess) {
    ASSERT_TRUE(mgr->add_process(77));
    EXPECT_EQ(file("cgroup.procs"), "77");
}

TEST_F(V2, CheckBeforeUpdateRefusesALimitBelowUsage) {
    fs.write("unified/moat/c1/memory.current", "1000000\n");
    spec::Resources r;
    r.memory.emplace().limit = 500000;
    r.memory->check_before_update = true;
    auto s = mgr->apply(r);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("linux.resources.memory.limit"));
    EXPECT_THAT(s.error().message, HasSubstr("checkBeforeUpdate"));
    EXPECT_EQ(file("memory.max"), "");
    r.memory->limit = 2000000;
    ASSERT_TRUE(mgr->apply(r));
    EXPECT_EQ(file("memory.max"), "2000000");
}
