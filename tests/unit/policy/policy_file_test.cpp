// The policy file: every knob read, strictness with errors naming the path.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "moat/policy.hpp"

#ifndef MOAT_POLICY_TEST_DATA
#define MOAT_POLICY_TEST_DATA "tests/data/policy"
#endif

namespace moat::policy {
namespace {

TEST(PolicyFile, EmptyObjectIsTheBuiltInProfile) {
    auto p = parse_policy("{}");
    ASSERT_TRUE(p) << p.error().message;
    Policy d;
    EXPECT_EQ(p->name, "default");
    EXPECT_EQ(p->mode, Mode::enforce);
    EXPECT_EQ(p->masked_paths, d.masked_paths);
    EXPECT_EQ(p->resources.memory, 512ll << 20);
    EXPECT_EQ(p->rlimits, d.rlimits);
    EXPECT_EQ(p->network.mode, NetworkMode::loopback);
    EXPECT_FALSE(p->timeout);
}

TEST(PolicyFile, FullExampleFile) {
    std::ifstream in(MOAT_POLICY_TEST_DATA "/full.json");
    std::stringstream text;
    text << in.rdbuf();
    auto p = parse_policy(text.str());
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->name, "ci-sandbox");
    EXPECT_EQ(p->mode, Mode::refuse);
    EXPECT_FALSE(p->readonly_root);
    EXPECT_EQ(p->tmp.size, 256ull << 20);
    EXPECT_EQ(p->tmp.size_max, 1ull << 30);
    EXPECT_EQ(p->tmp.mode, 01777u);
    EXPECT_EQ(p->capabilities, std::vector<std::string>{"CAP_NET_BIND_SERVICE"});
    EXPECT_EQ(p->network.mode, NetworkMode::allowlist);
    ASSERT_EQ(p->network.allowlist.allow.size(), 2u);
    EXPECT_EQ(p->network.allowlist.allow[1].port_last, 8100);
    EXPECT_EQ(p->network.allowlist.dns->str(), "10.0.0.2");
    ASSERT_EQ(p->network.allowlists.count("pypi"), 1u);
    EXPECT_EQ(p->resources.memory, 1ll << 30);
    EXPECT_EQ(p->resources.memory_max, 4ll << 30);
    EXPECT_EQ(p->resources.pids, 512);
    EXPECT_EQ(p->resources.cpu_quota, 200000);
    EXPECT_EQ(p->resources.cpus_max_milli, 4000u);
    EXPECT_EQ(p->rlimits, (std::vector<RlimitPolicy>{{"RLIMIT_CORE", 0}, {"RLIMIT_NOFILE", 4096}}));
    EXPECT_EQ(p->oom_score_adj, 500);
    ASSERT_EQ(p->devices.size(), 8u);  // standard seven + the GPU
    EXPECT_EQ(p->devices.back().path, "/dev/nvidia0");
    EXPECT_FALSE(p->devices.back().minor);
    EXPECT_EQ(p->binds.writable, (std::vector<std::string>{"/dev/shm", "/output"}));
    EXPECT_EQ(p->secret_env, std::vector<std::string>{"*_TOKEN"});
    EXPECT_FALSE(p->landlock);
    EXPECT_EQ(p->timeout, std::chrono::seconds(30));
    EXPECT_EQ(p->timeout_max, std::chrono::hours(1));
    EXPECT_EQ(p->annotations, std::vector<std::string>{"run.moat.timeout"});
    EXPECT_EQ(p->receipts_dir, "/srv/receipts");
    EXPECT_EQ(p->audit_log, "/var/log/moat.jsonl");
}

void expect_error(std::string_view json, std::string_view words) {
    auto p = parse_policy(json);
    ASSERT_FALSE(p) << json;
    EXPECT_NE(p.error().message.find(words), std::string::npos) << p.error().message;
}

// The essential kinds cannot be left out (fuzz-policy's {"mountTypes": ["pid"]}).
TEST(PolicyFile, MountTypesKeepTheEssentialKinds) {
    expect_error(R"({"mountTypes": ["pid"]})", "mountTypes: must include \"proc\"");
    expect_error(R"({"mountTypes": ["proc", "tmpfs"]})", "mountTypes: must include \"devpts\"");
    EXPECT_TRUE(parse_policy(R"({"mountTypes": ["proc", "tmpfs", "devpts"]})"));
}

TEST(PolicyFile, ErrorsNameThePath) {
    expect_error(R"({"nmae": "x"})", "policy: nmae: unknown key");
    expect_error(R"({"resources": {"memroy": 1}})", "resources.memroy: unknown key");
    expect_error(R"({"readonlyRoot": "yes"})", "readonlyRoot: expected");
    expect_error(R"({"resources": {"memory": true}})", "resources.memory: expected size");
    expect_error(R"({"resources": {"memory": "lots"}})", "resources.memory: size");
    expect_error(R"({"resources": {"pids": 0}})", "resources.pids: must be positive");
    expect_error(R"({"resources": {"memory": "1G", "memoryMax": "512M"}})", "exceeds resources.memoryMax");
    expect_error(R"({"mode": "lenient"})", "mode: unknown mode \"lenient\"");
    expect_error(R"({"network": {"mode": "allowlist", "allow": ["10.0.0.0/8", "pypi.org:443"]}})",
                 "network.allow[1]: allow entry \"pypi.org:443\"");
    expect_error(R"({"network": {"mode": "allowlist", "allow": ["10.0.0.1:0"]}})", "out of range");
    expect_error(R"({"network": {"mode": "allowlist", "dns": "dns.google"}})", "network.dns:");
    expect_error(R"({"network": {"allow": ["10.0.0.0/8"]}})", "need \"mode\": \"allowlist\"");
    expect_error(R"({"network": {"allowlists": {"x": {"allow": ["10.0.0.0/40"]}}}})",
                 "network.allowlists.x.allow[0]");
    expect_error(R"({"capabilities": ["CAP_SYS_ADMIN", "CAP_BOGUS"]})", "capabilities[1]: unknown capability");
    expect_error(R"({"namespaces": ["pid", "user"]})", "namespaces[1]: unknown namespace");
    expect_error(R"({"rlimits": {"RLIMIT_FOO": 1}})", "rlimits.RLIMIT_FOO: unknown rlimit");
    expect_error(R"({"rlimits": {"RLIMIT_CORE": -1}})", "rlimits.RLIMIT_CORE");
    expect_error(R"({"oomScoreAdj": 2000})", "oomScoreAdj: must be -1000..1000");
    expect_error(R"({"maskedPaths": ["proc/kcore"]})", "maskedPaths[0]: \"proc/kcore\" is not an absolute path");
    expect_error(R"({"devices": [{"path": "/dev/nvidia0"}]})", "devices[0]: missing \"major\"");
    expect_error(R"({"devices": [{"path": "/etc/x", "major": 1}]})", "devices[0].path: must be under /dev/");
    expect_error(R"({"seccomp": false})", "seccomp: moat's seccomp filter cannot be turned off");
    expect_error(R"({"timeout": "forever"})", "timeout: duration");
    expect_error(R"({"timeout": "2h", "timeoutMax": "1h"})", "exceeds timeoutMax");
    expect_error(R"({"annotations": ["run.moat.everything"]})", "annotations[0]: unknown annotation");
    expect_error(R"({"tmp": {"mode": "rwx"}})", "tmp.mode: expected an octal mode");
    expect_error("{\"name\": \"" + std::string(257, 'n') + "\"}", "name: 257 bytes; at most 256");
    // Found by fuzz-policy: "rbind" made the profile's own /tmp a bind mount.
    expect_error(R"({"tmp": {"options": ["nosuid", "rbind"]}})", "tmp.options[1]: \"rbind\"");
    expect_error(R"({"tmp": {"options": ["size=1G"]}})", "tmp.options[0]");
    EXPECT_TRUE(parse_policy(R"({"tmp": {"options": ["nosuid", "nodev", "noexec"]}})"));
    expect_error(R"({"binds": {"writable": ["data"]}})", "binds.writable[0]");
    expect_error(R"({"receipts": "receipts"})", "receipts: must be an absolute path");
    expect_error(R"({"mountTypes": "tmpfs"})", "mountTypes: expected");
}

TEST(PolicyFile, MalformedIsAnErrorNeverNoPolicy) {
    expect_error("", "policy");
    expect_error("{", "invalid JSON");
    expect_error("[]", "expected object");
    expect_error("null", "expected object");
    expect_error(R"({"name": "a", "name": "b"})", "name");
}

TEST(PolicyFile, MaximaFollowRaisedDefaults) {
    auto p = parse_policy(R"({"resources": {"memory": "1G", "pids": 1000, "cpus": 2}, "tmp": {"size": "1G"}})");
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->resources.memory_max, 1ll << 30);
    EXPECT_EQ(p->resources.pids_max, 1000);
    EXPECT_EQ(p->resources.cpus_max_milli, 2000u);
    EXPECT_EQ(p->resources.cpu_quota, 200000);
    EXPECT_EQ(p->tmp.size_max, 1ull << 30);
}

}  // namespace
}  // namespace moat::policy
