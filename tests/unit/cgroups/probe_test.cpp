// Host layout from mountinfo and /proc/self/cgroup text.
#include <gtest/gtest.h>

#include "cgroups/internal.hpp"

using namespace moat::cgroups;
using namespace moat::cgroups::detail;

TEST(Probe, HybridAsOnOurMachines) {
    const char* text =
        "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime shared:9 - cgroup cgroup rw,pids\n"
        "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
        "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
    auto h = parse_mountinfo(text);
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(h->layout, Layout::hybrid);
    EXPECT_EQ(h->root, "/sys/fs/cgroup");
    EXPECT_EQ(h->unified_mount, "/sys/fs/cgroup/unified");
    EXPECT_EQ(h->v1_mounts.size(), 3u);  // name=systemd is not a controller
    EXPECT_EQ(h->v1_mounts.at("pids"), "/sys/fs/cgroup/pids");
}

TEST(Probe, PureV2) {
    auto h = parse_mountinfo("25 20 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->layout, Layout::v2);
    EXPECT_TRUE(h->v1_mounts.empty());
    EXPECT_EQ(hierarchies(*h).size(), 1u);
    EXPECT_TRUE(hierarchies(*h)[0].v2);
}

TEST(Probe, PureV1WithCoMountedControllers) {
    auto h = parse_mountinfo(
        "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        "32 30 0:29 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->layout, Layout::v1);
    auto hs = hierarchies(*h);
    ASSERT_EQ(hs.size(), 2u);
    EXPECT_EQ(hs[0].key, "cpu,cpuacct");
    EXPECT_EQ(hs[1].key, "net_cls,net_prio");
}

TEST(Probe, NothingMountedIsAnError) {
    EXPECT_FALSE(parse_mountinfo("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"));
}

TEST(Probe, ProcSelfCgroup) {
    auto self = parse_proc_cgroup(
        "9:name=systemd:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/x\n0::/u\n");
    EXPECT_EQ(self.at("memory"), "/process_api/abc");
    EXPECT_EQ(self.at("cpu"), "/x");
    EXPECT_EQ(self.at("cpuacct"), "/x");
    EXPECT_EQ(self.at("unified"), "/u");
    EXPECT_FALSE(self.contains("name=systemd"));
}

TEST(Probe, ThisHost) {
    auto h = probe_host();
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_FALSE(h->v1_mounts.empty() && h->unified_mount.empty());
}
