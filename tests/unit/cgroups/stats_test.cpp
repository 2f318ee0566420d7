// Stats from v1 and v2 files into runc's shape, and the receipt's summary.
#include <gtest/gtest.h>
#include <unistd.h>

#include "cgroups/internal.hpp"
#include "fake_cgroupfs.hpp"

using namespace moat;
using namespace moat::cgroups;
using moat::cgroups::testing::FakeCgroupfs;

TEST(Stats, V1Files) {
    FakeCgroupfs fs;
    Host host = fs.v1({"cpu", "cpuacct", "memory", "pids", "blkio", "hugetlb"});
    fs.write("cpuacct/c/cpuacct.usage", "5000000000\n");
    fs.write("cpuacct/c/cpuacct.usage_percpu", "3000000000 2000000000 \n");
    fs.write("cpuacct/c/cpuacct.stat", "user 300\nsystem 100\n");
    fs.write("cpu/c/cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 12345\n");
    fs.write("memory/c/memory.usage_in_bytes", "1048576\n");
    fs.write("memory/c/memory.max_usage_in_bytes", "4194304\n");
    fs.write("memory/c/memory.failcnt", "3\n");
    fs.write("memory/c/memory.limit_in_bytes", "9223372036854771712\n");
    fs.write("memory/c/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    fs.write("memory/c/memory.stat", "cache 4096\nrss 8192\n");
    fs.write("pids/c/pids.current", "5\n");
    fs.write("pids/c/pids.max", "max\n");
    fs.write("blkio/c/blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 512\nTotal 4608\n");
    fs.write("hugetlb/c/hugetlb.2MB.usage_in_bytes", "2097152\n");
    fs.write("hugetlb/c/hugetlb.2MB.max_usage_in_bytes", "4194304\n");
    fs.write("hugetlb/c/hugetlb.2MB.rsvd.usage_in_bytes", "0\n");
    auto m = reopen(host, "/c");
    ASSERT_TRUE(m);
    auto s = (*m)->stats();
    ASSERT_TRUE(s) << s.error().message;
    uint64_t tick = 1'000'000'000ull / static_cast<uint64_t>(sysconf(_SC_CLK_TCK));
    EXPECT_EQ(s->cpu.total, 5000000000u);
    EXPECT_EQ(s->cpu.percpu, (std::vector<uint64_t>{3000000000u, 2000000000u}));
    EXPECT_EQ(s->cpu.user, 300 * tick);
    EXPECT_EQ(s->cpu.kernel, 100 * tick);
    EXPECT_EQ(s->cpu.throttled_periods, 4u);
    EXPECT_EQ(s->cpu.throttled_time, 12345u);
    EXPECT_EQ(s->memory.usage, 1048576u);
    EXPECT_EQ(s->memory.max_usage, 4194304u);
    EXPECT_EQ(s->memory.failcnt, 3u);
    EXPECT_EQ(s->memory.oom_kill, 2u);
    EXPECT_EQ(s->memory.raw.at("rss"), 8192u);
    EXPECT_EQ(s->pids.current, 5u);
    EXPECT_EQ(s->pids.limit, 0u);  // "max"
    ASSERT_EQ(s->blkio.io_service_bytes_recursive.size(), 2u);
    EXPECT_EQ(s->blkio.io_service_bytes_recursive[1].op, "Write");
    EXPECT_EQ(s->blkio.io_service_bytes_recursive[1].value, 512u);
    ASSERT_EQ(s->hugetlb.size(), 1u);
    EXPECT_EQ(s->hugetlb.at("2MB"), (std::pair<uint64_t, uint64_t>{2097152, 4194304}));

    auto u = usage_from(*s);
    EXPECT_EQ(u.peak_memory, 4194304u);
    EXPECT_EQ(u.cpu_user_ns, 300 * tick);
    EXPECT_EQ(u.cpu_system_ns, 100 * tick);
    EXPECT_EQ(u.peak_pids, 5u);  // no pids.peak here: current
    EXPECT_EQ(u.oom_kills, 2u);
}

TEST(Stats, V2Files) {
    FakeCgroupfs fs;
    Host host = fs.v2({"cpu", "memory", "pids", "io", "hugetlb"});
    fs.write("unified/c/cgroup.controllers", "cpu memory pids io hugetlb\n");
    fs.write("unified/c/cpu.stat", "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 7\n"
                                   "nr_throttled 1\nthrottled_usec 30\n");
    fs.write("unified/c/memory.current", "1000\n");
    fs.write("unified/c/memory.peak", "5000\n");
    fs.write("unified/c/memory.max", "max\n");
    fs.write("unified/c/memory.events", "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n");
    fs.write("unified/c/memory.stat", "anon 4096\nkernel 128\n");
    fs.write("unified/c/pids.current", "3\n");
    fs.write("unified/c/pids.max", "256\n");
    fs.write("unified/c/pids.peak", "40\n");
    fs.write("unified/c/io.stat", "8:0 rbytes=100 wbytes=200 rios=3 wios=4 dbytes=0 dios=0\n");
    fs.write("unified/c/hugetlb.2MB.current", "0\n");
    auto m = reopen(host, "/c");
    ASSERT_TRUE(m);
    auto s = (*m)->stats();
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->cpu.total, 2000000u);
    EXPECT_EQ(s->cpu.user, 1500000u);
    EXPECT_EQ(s->cpu.kernel, 500000u);
    EXPECT_EQ(s->cpu.throttled_time, 30000u);
    EXPECT_EQ(s->memory.usage, 1000u);
    EXPECT_EQ(s->memory.max_usage, 5000u);
    EXPECT_EQ(s->memory.limit, UINT64_MAX);
    EXPECT_EQ(s->memory.failcnt, 9u);
    EXPECT_EQ(s->memory.oom_kill, 1u);
    EXPECT_EQ(s->memory.kernel_usage, 128u);
    EXPECT_EQ(s->pids.limit, 256u);
    EXPECT_EQ(s->pids.peak, 40u);
    ASSERT_EQ(s->blkio.io_serviced_recursive.size(), 2u);
    EXPECT_EQ(s->blkio.io_serviced_recursive[0].op, "Read");
    EXPECT_EQ(s->blkio.io_serviced_recursive[0].value, 3u);
    EXPECT_EQ(s->blkio.io_service_bytes_recursive[1].value, 200u);
    EXPECT_TRUE(s->hugetlb.contains("2MB"));

    auto u = usage_from(*s);
    EXPECT_EQ(u.peak_memory, 5000u);
    EXPECT_EQ(u.peak_pids, 40u);
    EXPECT_EQ(u.oom_kills, 1u);
}

TEST(Stats, MissingCgroupIsAnError) {
    FakeCgroupfs fs;
    Host host = fs.v1({"memory"});
    auto m = reopen(host, "/gone");
    ASSERT_TRUE(m);
    EXPECT_FALSE((*m)->stats());
    EXPECT_FALSE((*m)->processes());
}
