// Value conversions and the checks that refuse impossible values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgroups/internal.hpp"

using namespace moat;
using namespace moat::cgroups::detail;
using ::testing::HasSubstr;

TEST(Convert, SharesToWeight) {
    EXPECT_EQ(shares_to_weight(0), 0u);
    EXPECT_EQ(shares_to_weight(2), 1u);
    EXPECT_EQ(shares_to_weight(1024), 39u);  // 1 + (1022 * 9999) / 262142
    EXPECT_EQ(shares_to_weight(262144), 10000u);
    EXPECT_EQ(shares_to_weight(1), 1u);            // clamped, no underflow
    EXPECT_EQ(shares_to_weight(1u << 30), 10000u);  // clamped
}

TEST(Convert, BlkioWeightToIoWeight) {
    EXPECT_EQ(blkio_weight_to_io_weight(10), 1u);
    EXPECT_EQ(blkio_weight_to_io_weight(1000), 10000u);
    EXPECT_EQ(blkio_weight_to_io_weight(500), 4950u);
}

TEST(Convert, SwapIsMemoryPlusSwapOnOci) {
    EXPECT_EQ(*swap_v2(512, 1024).value(), "512");
    EXPECT_EQ(*swap_v2(512, 512).value(), "0");  // no swap on top
    EXPECT_EQ(*swap_v2(512, -1).value(), "max");
    EXPECT_FALSE(swap_v2(512, 0).value().has_value());
    auto less = swap_v2(1024, 512);
    ASSERT_FALSE(less);
    EXPECT_THAT(less.error().message, HasSubstr("linux.resources.memory.swap"));
    EXPECT_FALSE(swap_v2(std::nullopt, 1024));
    EXPECT_FALSE(swap_v2(-1, 1024));
}

TEST(Convert, CpuMax) {
    EXPECT_EQ(cpu_max(50000, 100000), "50000 100000");
    EXPECT_EQ(cpu_max(-1, 100000), "max 100000");
    EXPECT_EQ(cpu_max(std::nullopt, 250000), "max 250000");
    EXPECT_EQ(cpu_max(20000, std::nullopt), "20000");
    EXPECT_EQ(cpu_max(std::nullopt, std::nullopt), std::nullopt);
}

TEST(Convert, DeviceRuleV1) {
    spec::DeviceCgroup all;
    EXPECT_EQ(device_rule_v1(all), "a *:* rwm");
    spec::DeviceCgroup null{true, "c", 1, 3, "rw"};
    EXPECT_EQ(device_rule_v1(null), "c 1:3 rw");
    spec::DeviceCgroup wild{true, "b", 8, std::nullopt, "r"};
    EXPECT_EQ(device_rule_v1(wild), "b 8:* r");
}

TEST(Validate, NegativeValuesNameTheField) {
    struct Case { std::function<void(spec::Resources&)> set; const char* field; };
    std::vector<Case> cases = {
        {[](auto& r) { r.memory.emplace().limit = -2; }, "linux.resources.memory.limit"},
        {[](auto& r) { r.memory.emplace().reservation = -5; }, "linux.resources.memory.reservation"},
        {[](auto& r) { r.memory.emplace().swap = -7; }, "linux.resources.memory.swap"},
        {[](auto& r) { r.memory.emplace().swappiness = 101; }, "linux.resources.memory.swappiness"},
        {[](auto& r) { r.cpu.emplace().quota = -100; }, "linux.resources.cpu.quota"},
        {[](auto& r) { r.cpu.emplace().idle = 2; }, "linux.resources.cpu.idle"},
        {[](auto& r) { r.cpu.emplace().cpus = "0-1\n"; }, "linux.resources.cpu.cpus"},
        {[](auto& r) { r.block_io.emplace().weight = 5; }, "linux.resources.blockIO.weight"},
        {[](auto& r) { r.block_io.emplace().throttle_read_bps_device.push_back({-1, 0, 10}); },
         "linux.resources.blockIO.throttleReadBpsDevice[0].major"},
        {[](auto& r) { r.block_io.emplace().weight_device.push_back({8, -3, 100, std::nullopt}); },
         "linux.resources.blockIO.weightDevice[0].minor"},
        {[](auto& r) { r.hugepage_limits.push_back({"2XB", 1}); }, "linux.resources.hugepageLimits[0].pageSize"},
        {[](auto& r) { r.hugepage_limits.push_back({"../2MB", 1}); }, "linux.resources.hugepageLimits[0].pageSize"},
        {[](auto& r) { r.devices.push_back({true, "x", 1, 3, "rwm"}); }, "linux.resources.devices[0].type"},
        {[](auto& r) { r.devices.push_back({true, "c", -4, 3, "rwm"}); }, "linux.resources.devices[0].major"},
        {[](auto& r) { r.devices.push_back({true, "c", 1, 3, "rwx"}); }, "linux.resources.devices[0].access"},
        {[](auto& r) { r.network.emplace().priorities.push_back({"eth0 1\nlo", 1}); },
         "linux.resources.network.priorities[0].name"},
        {[](auto& r) { r.unified["../memory.max"] = "1"; }, "linux.resources.unified[\"../memory.max\"]"},
        {[](auto& r) { r.unified["a/b"] = "1"; }, "linux.resources.unified[\"a/b\"]"},
        {[](auto& r) { r.unified["cgroup.procs"] = "1"; }, "linux.resources.unified[\"cgroup.procs\"]"},
    };
    for (auto& c : cases) {
        spec::Resources r;
        c.set(r);
        auto s = validate(r);
        ASSERT_FALSE(s) << c.field;
        EXPECT_THAT(s.error().message, HasSubstr(c.field));
    }
}

TEST(Validate, AcceptsOrdinaryValues) {
    spec::Resources r;
    r.memory.emplace().limit = -1;
    r.memory->swap = -1;
    r.cpu.emplace().quota = -1;
    r.cpu->cpus = "0-1,3";
    r.block_io.emplace().weight = 500;
    r.hugepage_limits.push_back({"2MB", 1 << 21});
    r.hugepage_limits.push_back({"1GB", 0});
    r.devices.push_back({false, std::nullopt, std::nullopt, std::nullopt, "rwm"});
    r.devices.push_back({true, "c", 1, 3, "rw"});
    r.unified["memory.high"] = "1G";
    auto s = validate(r);
    EXPECT_TRUE(s) << s.error().message;
}
