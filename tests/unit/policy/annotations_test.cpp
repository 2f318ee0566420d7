// run.moat.* annotations: relaxations within the policy's maxima, refusals
// naming the annotation and the maximum beyond them.
#include "fixtures.hpp"

namespace moat::policy::test {
namespace {

constexpr int64_t MiB = 1 << 20;

Policy generous() {
    Policy p;
    p.resources.memory_max = 2048 * MiB;
    p.resources.pids_max = 1024;
    p.resources.cpus_max_milli = 4000;
    p.timeout = std::chrono::seconds(30);
    p.timeout_max = std::chrono::minutes(10);
    p.tmp.size_max = 1ull << 30;
    p.binds.writable_on_request = {"/output"};
    p.network.allowlists["pypi"].allow = {*parse_egress_rule("10.9.0.0/16:443/tcp")};
    return p;
}

Result<Hardened> with(std::map<std::string, std::string> annotations, const Policy& p) {
    auto s = example_spec(p);
    s.annotations = std::move(annotations);
    return harden(s, p);
}

TEST(Annotations, WithinMaximaApplied) {
    auto p = generous();
    auto s = example_spec(p);
    // Annotations raise ceilings; a config that states less keeps it, so
    // this one states nothing.
    s.linux.resources.reset();
    std::erase_if(s.mounts, [](auto& m) { return m.destination == "/tmp"; });
    s.mounts.push_back(mount("/output", "bind", "/srv/out", {"rbind", "rw"}));
    s.annotations = {{"run.moat.memory", "1G"},   {"run.moat.pids", "1000"},
                     {"run.moat.cpus", "2.5"},    {"run.moat.timeout", "5m"},
                     {"run.moat.tmpsize", "512M"}, {"run.moat.writable", "/output"},
                     {"run.moat.network", "pypi"}, {"other.annotation", "kept"}};
    auto h = harden(s, p);
    ASSERT_TRUE(h) << h.error().message;
    auto& r = *h->spec.linux.resources;
    EXPECT_EQ(r.memory->limit, 1024 * MiB);
    EXPECT_EQ(r.memory->swap, 1024 * MiB);
    EXPECT_EQ(r.pids->limit, 1000);
    EXPECT_EQ(r.cpu->quota, 250000);
    EXPECT_TRUE(has(mount_at(h->spec, "/tmp")->options, "size=536870912"));
    EXPECT_FALSE(has(mount_at(h->spec, "/output")->options, "ro"));
    EXPECT_TRUE(has(h->enforcement.landlock.writable, "/output"));
    EXPECT_EQ(h->enforcement.timeout, std::chrono::minutes(5));
    EXPECT_EQ(h->enforcement.network, NetworkMode::allowlist);
    ASSERT_TRUE(h->enforcement.egress);
    EXPECT_EQ(h->enforcement.egress_name, "pypi");
    EXPECT_EQ(h->spec.annotations.at("other.annotation"), "kept");
}

void expect_refused(const std::string& key, const std::string& value, const Policy& p,
                    std::vector<std::string> words) {
    auto h = with({{key, value}}, p);
    ASSERT_FALSE(h) << key << "=" << value;
    EXPECT_NE(h.error().message.find(key), std::string::npos) << h.error().message;
    for (auto& w : words) EXPECT_NE(h.error().message.find(w), std::string::npos) << h.error().message;
}

TEST(Annotations, BeyondMaximaRefusedNamingTheMaximum) {
    auto p = generous();
    expect_refused("run.moat.memory", "4G", p, {"4GiB", "maximum 2GiB"});
    expect_refused("run.moat.pids", "5000", p, {"maximum 1024"});
    expect_refused("run.moat.cpus", "8", p, {"maximum 4"});
    expect_refused("run.moat.timeout", "1h", p, {"maximum 10m"});
    expect_refused("run.moat.tmpsize", "2G", p, {"maximum 1GiB"});
    expect_refused("run.moat.writable", "/etc", p, {"/etc", "writableOnRequest"});
    expect_refused("run.moat.network", "internet", p, {"no allowlist named \"internet\"", "pypi"});
    expect_refused("run.moat.network", "host", p, {"host network"});
}

TEST(Annotations, BuiltInProfileAllowsNoRelaxation) {
    Policy p;
    expect_refused("run.moat.memory", "1G", p, {"maximum 512MiB"});
    // asking for less is fine
    auto h = with({{"run.moat.memory", "128M"}, {"run.moat.pids", "16"}}, p);
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(h->spec.linux.resources->memory->limit, 128 * MiB);
    EXPECT_EQ(h->spec.linux.resources->pids->limit, 16);
}

TEST(Annotations, ConfigBelowTheRaisedCeilingKept) {
    auto h = with({{"run.moat.memory", "1G"}}, generous());
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(h->spec.linux.resources->memory->limit, 512 * MiB);
    EXPECT_TRUE(h->adjustments.empty());
}

TEST(Annotations, TimeoutWithoutPolicyTimeoutOnlyTightens) {
    Policy p;
    auto h = with({{"run.moat.timeout", "30s"}}, p);
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(h->enforcement.timeout, std::chrono::seconds(30));
}

TEST(Annotations, MalformedValuesRefused) {
    auto p = generous();
    expect_refused("run.moat.memory", "lots", p, {"not a number"});
    expect_refused("run.moat.pids", "-3", p, {"positive integer"});
    expect_refused("run.moat.cpus", "two", p, {"not a number"});
    expect_refused("run.moat.timeout", "10 days", p, {"unit"});
}

TEST(Annotations, NotPermittedOrUnknownRefused) {
    auto p = generous();
    p.annotations = {"run.moat.timeout"};
    expect_refused("run.moat.memory", "1G", p, {"not permitted by policy \"default\""});
    expect_refused("run.moat.memroy", "1G", p, {"unknown moat annotation"});
}

TEST(Annotations, AuditRecordsRefusalAndChangesNothing) {
    auto p = generous();
    p.mode = Mode::audit;
    auto h = with({{"run.moat.memory", "64G"}}, p);
    ASSERT_TRUE(h) << h.error().message;
    ASSERT_EQ(h->adjustments.size(), 1u);
    EXPECT_TRUE(h->adjustments[0].refused);
    EXPECT_EQ(h->adjustments[0].field, "annotations[run.moat.memory]");
    EXPECT_EQ(h->spec.linux.resources->memory->limit, 512 * MiB);
}

TEST(Annotations, NetworkCanBeTightened) {
    auto h = with({{"run.moat.network", "none"}}, builtin());
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(h->enforcement.network, NetworkMode::none);
    EXPECT_FALSE(h->enforcement.loopback_up);
}

TEST(Annotations, HostNetworkWhenPolicyAllows) {
    Policy p;
    p.network.allow_host = true;
    auto h = with({{"run.moat.network", "host"}}, p);
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(h->enforcement.network, NetworkMode::host);
}

}  // namespace
}  // namespace moat::policy::test
