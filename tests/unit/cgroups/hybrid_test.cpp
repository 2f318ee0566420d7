// Hybrid hosts: v1 controllers through v1 files, a controller only in the
// cgroup2 mount (hugetlb on our machines) through v2 files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgroups/internal.hpp"
#include "fake_cgroupfs.hpp"

using namespace moat;
using namespace moat::cgroups;
using moat::cgroups::testing::FakeCgroupfs;
using ::testing::HasSubstr;

namespace {

class Hybrid : public ::testing::Test {
protected:
    void SetUp() override {
        host = fs.hybrid({"memory", "pids", "cpu", "cpuacct", "freezer", "devices"}, {"hugetlb"});
        fs.touch("memory/x/c1", {"memory.limit_in_bytes", "cgroup.procs"});
        fs.touch("pids/x/c1", {"pids.max", "cgroup.procs"});
        fs.touch("devices/x/c1", {"devices.allow", "devices.deny", "cgroup.procs"});
        fs.touch("freezer/x/c1", {"freezer.state", "cgroup.procs"});
        fs.touch("cpu/x/c1", {"cgroup.procs"});
        fs.touch("cpuacct/x/c1", {"cgroup.procs"});
        fs.write("unified/x/c1/cgroup.controllers", "hugetlb\n");
        fs.touch("unified/x/c1", {"hugetlb.2MB.max", "cgroup.procs", "cgroup.freeze"});
        auto m = open(host, Placement{"c1", "/x/c1", false});
        ASSERT_TRUE(m) << m.error().message;
        mgr = std::move(*m);
        auto c = mgr->create();
        ASSERT_TRUE(c) << c.error().message;
    }
    FakeCgroupfs fs;
    Host host;
    std::unique_ptr<Manager> mgr;
};

}  // namespace

TEST_F(Hybrid, CreateCoversBothKindsOfHierarchy) {
    EXPECT_TRUE(fs.exists("cpu/x/c1"));
    EXPECT_TRUE(fs.exists("unified/x/c1"));
    EXPECT_EQ(fs.read("unified/cgroup.subtree_control"), "+hugetlb");
    EXPECT_EQ(mgr->path(), "/x/c1");
}

TEST_F(Hybrid, EachControllerGoesWhereItIsMounted) {
    spec::Resources r;
    r.memory.emplace().limit = 1 << 30;
    r.pids.emplace().limit = 64;
    r.hugepage_limits.push_back({"2MB", 1 << 21});
    r.devices.push_back({false, std::nullopt, std::nullopt, std::nullopt, "rwm"});
    auto s = mgr->apply(r);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(fs.read("memory/x/c1/memory.limit_in_bytes"), "1073741824");
    EXPECT_EQ(fs.read("pids/x/c1/pids.max"), "64");
    EXPECT_EQ(fs.read("unified/x/c1/hugetlb.2MB.max"), "2097152");  // v2 file, not hugetlb.*.limit_in_bytes
    EXPECT_EQ(fs.read("devices/x/c1/devices.deny"), "a *:* rwm");  // v1 devices, no eBPF
}

TEST_F(Hybrid, UnifiedKeysGoToTheCgroup2Mount) {
    spec::Resources ok;
    ok.unified["hugetlb.2MB.max"] = "0";
    ASSERT_TRUE(mgr->apply(ok));
    EXPECT_EQ(fs.read("unified/x/c1/hugetlb.2MB.max"), "0");
    // memory is a v1 controller here: the cgroup2 mount has no memory.max.
    spec::Resources bad;
    bad.unified["memory.max"] = "1";
    auto s = mgr->apply(bad);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("linux.resources.unified[\"memory.max\"]"));
}

TEST_F(Hybrid, ControllersInNeitherAreErrors) {
    spec::Resources r;
    r.block_io.emplace().weight = 100;
    auto s = mgr->apply(r);
    ASSERT_FALSE(s);
    EXPECT_THAT(s.error().message, HasSubstr("linux.resources.blockIO.weight"));
    EXPECT_THAT(s.error().message, HasSubstr("blkio"));
}

TEST_F(Hybrid, FreezerIsTheV1One) {
    ASSERT_TRUE(mgr->freeze());
    EXPECT_EQ(fs.read("freezer/x/c1/freezer.state"), "FROZEN");
    EXPECT_EQ(fs.read("unified/x/c1/cgroup.freeze"), "");
    ASSERT_TRUE(mgr->thaw());
}

TEST_F(Hybrid, AddProcessJoinsTheCgroup2HierarchyToo) {
    ASSERT_TRUE(mgr->add_process(31337));
    EXPECT_EQ(fs.read("unified/x/c1/cgroup.procs"), "31337");
    EXPECT_EQ(fs.read("memory/x/c1/cgroup.procs"), "31337");
}
