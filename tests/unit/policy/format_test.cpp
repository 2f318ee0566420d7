// The table `moat check` prints and the JSON receipts store.
#include "fixtures.hpp"
#include "spec/json.hpp"

namespace moat::policy::test {
namespace {

TEST(Format, TableHasHeaderAndOneLinePerAdjustment) {
    auto h = harden(permissive(), builtin());
    ASSERT_TRUE(h);
    auto table = format_adjustments(h->adjustments);
    EXPECT_TRUE(table.starts_with("FIELD"));
    EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), static_cast<long>(h->adjustments.size() + 1));
    EXPECT_NE(table.find("root.readonly"), std::string::npos);
    EXPECT_NE(table.find("false → true"), std::string::npos);
    EXPECT_NE(table.find("readonly-root"), std::string::npos);
    EXPECT_EQ(table.find("hunter2"), std::string::npos);
}

TEST(Format, EmptyTableSaysSo) {
    EXPECT_NE(format_adjustments({}).find("no adjustments"), std::string::npos);
}

TEST(Format, AdjustmentsJsonRoundTrips) {
    std::vector<Adjustment> list = {{"root.readonly", "false", "true", "readonly-root", false, {}},
                                    {"mounts[1].source", "/run/docker.sock", "(refused)", "dangerous-bind",
                                     true, "a container engine socket"}};
    json::Writer w;
    adjustments_to_json(w, list);
    auto doc = json::Document::parse(w.str());
    ASSERT_TRUE(doc) << doc.error().message;
    auto items = doc->root().array();
    ASSERT_TRUE(items);
    ASSERT_EQ(items->size(), 2u);
    EXPECT_EQ(*(*items)[0].get("field")->string(), "root.readonly");
    EXPECT_EQ(*(*items)[0].get("old")->string(), "false");
    EXPECT_EQ(*(*items)[0].get("new")->string(), "true");
    EXPECT_EQ(*(*items)[0].get("rule")->string(), "readonly-root");
    EXPECT_FALSE((*items)[0].get("refused"));
    EXPECT_TRUE(*(*items)[1].get("refused")->boolean());
    EXPECT_EQ(*(*items)[1].get("reason")->string(), "a container engine socket");
}

TEST(Format, PolicyAndEnforcementJson) {
    Policy p;
    p.timeout = std::chrono::seconds(30);
    json::Writer w;
    policy_to_json(w, p);
    auto doc = json::Document::parse(w.str());
    ASSERT_TRUE(doc) << w.str();
    auto root = doc->root();
    EXPECT_EQ(*root.get("name")->string(), "default");
    EXPECT_EQ(*root.get("mode")->string(), "enforce");
    EXPECT_EQ(*root.get("resources")->get("memory")->int64(), 512ll << 20);
    EXPECT_EQ(*root.get("timeout")->string(), "30s");
    EXPECT_EQ(*root.get("network")->get("mode")->string(), "loopback");

    auto h = harden(permissive(), p);
    ASSERT_TRUE(h);
    json::Writer e;
    enforcement_to_json(e, h->enforcement);
    auto edoc = json::Document::parse(e.str());
    ASSERT_TRUE(edoc) << e.str();
    EXPECT_TRUE(*edoc->root().get("seccomp")->boolean());
    EXPECT_TRUE(*edoc->root().get("loopbackUp")->boolean());
    EXPECT_EQ(*edoc->root().get("timeout")->string(), "30s");
}

}  // namespace
}  // namespace moat::policy::test
