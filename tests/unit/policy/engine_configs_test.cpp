// Configs as the engines write them, read by the spec parser: what harden()
// does to them, and that its output survives a round trip unchanged.
#include "fixtures.hpp"

#ifndef MOAT_POLICY_TEST_DATA
#define MOAT_POLICY_TEST_DATA "tests/data/policy"
#endif

namespace moat::policy::test {
namespace {

spec::Spec load(const char* name) {
    auto s = spec::load_config(std::string(MOAT_POLICY_TEST_DATA "/") + name);
    EXPECT_TRUE(s) << s.error().message;
    return s ? *s : spec::Spec{};
}

TEST(EngineConfigs, PodmanRunsHardened) {
    auto h = harden(load("podman-config.json"), builtin());
    ASSERT_TRUE(h) << h.error().message;
    auto& s = h->spec;
    EXPECT_TRUE(s.root.readonly);
    EXPECT_TRUE(has(mount_at(s, "/etc/hosts")->options, "ro"));
    EXPECT_TRUE(has(mount_at(s, "/run/.containerenv")->options, "ro"));
    EXPECT_FALSE(has(mount_at(s, "/dev/shm")->options, "ro"));
    EXPECT_TRUE(s.process.capabilities->empty());
    EXPECT_TRUE(s.linux.find_namespace("cgroup"));
    EXPECT_TRUE(mount_at(s, "/tmp"));
    for (auto& a : h->adjustments) EXPECT_FALSE(a.refused) << a.field;
}

TEST(EngineConfigs, HardenedConfigSurvivesARoundTrip) {
    auto h = harden(load("docker-privileged.json"), builtin());
    ASSERT_TRUE(h) << h.error().message;
    auto again = spec::parse_config(spec::to_json(h->spec));
    ASSERT_TRUE(again) << again.error().message;
    auto h2 = harden(*again, builtin());
    ASSERT_TRUE(h2);
    EXPECT_TRUE(h2->adjustments.empty()) << format_adjustments(h2->adjustments);
}

TEST(EngineConfigs, DockerPrivilegedHostNetwork) {
    auto h = harden(load("docker-privileged.json"), builtin());
    ASSERT_TRUE(h) << h.error().message;
    auto& s = h->spec;
    EXPECT_EQ(s.linux.find_namespace("network")->path, "");
    EXPECT_EQ(s.linux.resources->memory->limit, 512ll << 20);
    EXPECT_EQ(s.linux.resources->memory->swap, 512ll << 20);
    EXPECT_EQ(s.linux.resources->cpu->quota, 100000);
    EXPECT_EQ(s.linux.devices.size(), 1u);
    EXPECT_FALSE(s.linux.resources->devices[0].allow);
    EXPECT_TRUE(has(mount_at(s, "/sys")->options, "ro"));
    EXPECT_TRUE(has(mount_at(s, "/sys/fs/cgroup")->options, "ro"));
    EXPECT_TRUE(has(mount_at(s, "/work")->options, "ro"));
    EXPECT_EQ(s.process.oom_score_adj, 1000);
    for (auto& e : s.process.env) {
        EXPECT_FALSE(e.starts_with("AWS_")) << e;
        EXPECT_FALSE(e.starts_with("GITHUB_TOKEN")) << e;
    }
    std::string table = format_adjustments(h->adjustments);
    EXPECT_EQ(table.find("wJalrXUtnFEMI"), std::string::npos);
    EXPECT_EQ(table.find("ghp_abc"), std::string::npos);
}

TEST(EngineConfigs, DockerSocketBindRefusedNamingIt) {
    auto s = load("docker-privileged.json");
    s.mounts.push_back(mount("/var/run/docker.sock", "bind", "/var/run/docker.sock", {"rbind", "rprivate"}));
    auto h = harden(s, builtin());
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("/var/run/docker.sock is a container engine socket"), std::string::npos)
        << h.error().message;
}

TEST(EngineConfigs, DockerPrivilegedRefusedListsEveryField) {
    Policy p;
    p.mode = Mode::refuse;
    auto h = harden(load("docker-privileged.json"), p);
    ASSERT_FALSE(h);
    for (auto field : {"root.readonly", "linux.namespaces[1].path", "process.capabilities.bounding",
                       "linux.resources.memory.limit", "linux.devices[0]", "process.env",
                       "process.noNewPrivileges", "process.oomScoreAdj", "mounts[3].options"})
        EXPECT_NE(h.error().message.find(std::string(field) + ":"), std::string::npos) << field;
}

}  // namespace
}  // namespace moat::policy::test
