// parse_resources: the document `update --resources FILE` reads.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "moat/spec.hpp"

namespace moat::spec {
namespace {

TEST(ParseResources, AsRuncUpdateTakesIt) {
    auto r = parse_resources(R"({
        "memory": {"limit": 268435456, "reservation": 0, "swap": 268435456},
        "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": ""},
        "blockIO": {"weight": 100},
        "pids": {"limit": 128}
    })");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(r->memory);
    EXPECT_EQ(r->memory->limit, 268435456);
    EXPECT_EQ(r->memory->reservation, 0);
    EXPECT_FALSE(r->memory->kernel);
    EXPECT_EQ(r->cpu->shares, 512u);
    EXPECT_EQ(r->cpu->quota, 50000);
    EXPECT_EQ(r->cpu->mems, "");
    EXPECT_FALSE(r->cpu->burst);
    EXPECT_EQ(r->block_io->weight, 100);
    EXPECT_EQ(r->pids, (Pids{128}));
    EXPECT_FALSE(r->network);
    EXPECT_TRUE(r->devices.empty());
}

TEST(ParseResources, OnlyWhatWasGiven) {
    // `update` must change only what the file names: everything else stays absent.
    auto r = parse_resources(R"({"pids": {"limit": -1}})");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->pids, (Pids{-1}));
    EXPECT_FALSE(r->memory);
    EXPECT_FALSE(r->cpu);
    EXPECT_FALSE(r->block_io);
    EXPECT_TRUE(r->unified.empty());
}

TEST(ParseResources, Empty) {
    auto r = parse_resources("{}");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(*r, Resources{});
}

TEST(ParseResources, UnlimitedMemoryIsMinusOne) {
    auto r = parse_resources(R"({"memory": {"limit": -1, "swap": -1}})");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->memory->limit, -1);
    EXPECT_EQ(r->memory->swap, -1);
}

TEST(ParseResources, ErrorsNameThePathInTheDocument) {
    struct {
        const char* text;
        const char* message;
    } cases[] = {
        {R"({"memory": {"limit": "512M"}})", "memory.limit: expected integer, got string"},
        {R"({"cpu": {"shares": -2}})", "cpu.shares: -2 is out of range for uint64"},
        {R"({"cpu": {"cpus": 1}})", "cpu.cpus: expected string, got integer"},
        {R"({"pids": {"limit": 1.5}})", "pids.limit: expected integer, got number"},
        {R"({"pids": 5})", "pids: expected object, got integer"},
        {R"({"blockIO": {"throttleReadBpsDevice": [{"major": 8, "minor": 0}]}})",
         "blockIO.throttleReadBpsDevice[0].rate: required"},
        {R"({"hugepageLimits": [{"limit": 1}]})", "hugepageLimits[0].pageSize: required"},
        {R"({"network": {"priorities": [{"name": "eth0", "priority": -1}]}})",
         "network.priorities[0].priority: -1 is out of range for uint32"},
        {R"({"rdma": {"mlx5_1": {"hcaHandles": "3"}}})",
         "rdma.mlx5_1.hcaHandles: expected integer, got string"},
        {R"({"unified": {"memory.max": 5}})", "unified[\"memory.max\"]: expected string, got integer"},
        {R"({"devices": [{"allow": "yes"}]})", "devices[0].allow: expected boolean, got string"},
        {"[]", "expected object, got array"},
    };
    for (auto& c : cases) {
        auto r = parse_resources(c.text);
        ASSERT_FALSE(r) << c.text;
        EXPECT_EQ(r.error().message, c.message) << c.text;
    }
}

TEST(ParseResources, InvalidJsonIsNamedResources) {
    auto r = parse_resources("{\"memory\": ");
    ASSERT_FALSE(r);
    EXPECT_TRUE(r.error().message.starts_with("resources: invalid JSON: ")) << r.error().message;
}

TEST(ResourcesToJson, MatchesTheConfigSection) {
    auto spec = parse_config(test::read_fixture("rich.json"));
    ASSERT_TRUE(spec) << spec.error().message;
    const Resources& r = *spec->linux.resources;
    auto again = parse_resources(to_json(r));
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, r);
    auto doc = json::Document::parse(test::read_fixture("rich.json"));
    ASSERT_TRUE(doc);
    EXPECT_EQ(test::canonical(to_json(r, true)),
              test::canonical(doc->root().get("linux")->get("resources")->raw()));
}

TEST(ResourcesToJson, CompactForm) {
    Resources r;
    r.memory = Memory{};
    r.memory->limit = 1024;
    r.memory->swappiness = 0;
    r.unified["memory.high"] = "1M";
    EXPECT_EQ(to_json(r), R"({"memory":{"limit":1024,"swappiness":0},"unified":{"memory.high":"1M"}})");
}

}  // namespace
}  // namespace moat::spec
