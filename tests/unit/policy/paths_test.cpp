// Lexical paths, globs, units, and the bind-source verdict: engine sockets
// and host trees refused, the files engines prepare per container allowed.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "policy/paths.hpp"
#include "policy/units.hpp"

namespace moat::policy {
namespace {

using paths::glob_match;
using paths::normalize;

TEST(Paths, Normalize) {
    EXPECT_EQ(normalize("/a//b/./c/../d/"), "/a/b/d");
    EXPECT_EQ(normalize("/../.."), "/");
    EXPECT_EQ(normalize("/var/lib/docker/containers/x/../../../../../etc"), "/etc");
    EXPECT_EQ(normalize("a/../b"), "b");
    EXPECT_EQ(normalize("../x"), "../x");
    EXPECT_EQ(normalize("/tmp/"), "/tmp");
}

TEST(Paths, SameOrUnder) {
    EXPECT_TRUE(paths::same_or_under("/tmp", "/tmp"));
    EXPECT_TRUE(paths::same_or_under("/tmp/x", "/tmp"));
    EXPECT_FALSE(paths::same_or_under("/tmpx", "/tmp"));
    EXPECT_TRUE(paths::same_or_under("/anything", "/"));
}

TEST(Glob, EnvPatterns) {
    EXPECT_TRUE(glob_match("GITHUB_TOKEN", "*_TOKEN"));
    EXPECT_TRUE(glob_match("github_token", "*_TOKEN"));
    EXPECT_FALSE(glob_match("TOKEN", "*_TOKEN"));
    EXPECT_TRUE(glob_match("AWS_SECRET_ACCESS_KEY", "*SECRET_ACCESS_KEY*"));
    EXPECT_TRUE(glob_match("MY_SECRET", "*_SECRET*"));
    EXPECT_TRUE(glob_match("A_SECRET_B", "*_SECRET*"));
    EXPECT_FALSE(glob_match("SECRETARY", "*_SECRET*"));
    EXPECT_TRUE(glob_match("ab", "a?"));
    EXPECT_FALSE(glob_match("abc", "a?"));
    EXPECT_TRUE(glob_match("anything", "*"));
    EXPECT_FALSE(glob_match("Ab", "ab", false));
}

TEST(Units, Sizes) {
    EXPECT_EQ(*units::parse_size("512M"), 512ull << 20);
    EXPECT_EQ(*units::parse_size("512MiB"), 512ull << 20);
    EXPECT_EQ(*units::parse_size("1G"), 1ull << 30);
    EXPECT_EQ(*units::parse_size("1gi"), 1ull << 30);
    EXPECT_EQ(*units::parse_size("65536k"), 65536ull << 10);
    EXPECT_EQ(*units::parse_size("1500"), 1500u);
    EXPECT_FALSE(units::parse_size("12X"));
    EXPECT_FALSE(units::parse_size("M"));
    EXPECT_FALSE(units::parse_size("99999999999999999999T"));
    EXPECT_FALSE(units::parse_size("17179869184T"));  // overflows 64 bits
    EXPECT_EQ(units::format_size(512ull << 20), "512MiB");
    EXPECT_EQ(units::format_size(1500), "1500B");
}

TEST(Units, Durations) {
    EXPECT_EQ(units::parse_duration("30s")->count(), 30000);
    EXPECT_EQ(units::parse_duration("30")->count(), 30000);
    EXPECT_EQ(units::parse_duration("250ms")->count(), 250);
    EXPECT_EQ(units::parse_duration("5m")->count(), 300000);
    EXPECT_EQ(units::parse_duration("1h")->count(), 3600000);
    EXPECT_FALSE(units::parse_duration("0s"));
    EXPECT_FALSE(units::parse_duration("10d"));
    EXPECT_EQ(units::format_duration(std::chrono::milliseconds(30000)), "30s");
    EXPECT_EQ(units::format_duration(std::chrono::milliseconds(90000)), "90s");
}

TEST(Units, Cpus) {
    EXPECT_EQ(*units::parse_cpus("1"), 1000u);
    EXPECT_EQ(*units::parse_cpus("1.5"), 1500u);
    EXPECT_EQ(*units::parse_cpus("0.25"), 250u);
    EXPECT_FALSE(units::parse_cpus("0"));
    EXPECT_FALSE(units::parse_cpus("1.2345"));
    EXPECT_FALSE(units::parse_cpus("-1"));
    EXPECT_FALSE(units::parse_cpus("1,5"));
    EXPECT_EQ(units::format_cpus(1500), "1.5");
    EXPECT_EQ(units::format_cpus(2000), "2");
}

bool refused(std::string_view source) { return refused_bind_source(source, test::builtin()).has_value(); }

TEST(BindSources, EngineSocketsRefusedNamingThem) {
    for (auto s : {"/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
                   "/run/podman/podman.sock", "/var/run/crio/crio.sock", "/run/containerd",
                   "/run/containerd/s/abcdef"}) {
        auto why = refused_bind_source(s, test::builtin());
        ASSERT_TRUE(why) << s;
        EXPECT_NE(why->find(s), std::string::npos) << *why;
    }
    EXPECT_NE(refused_bind_source("/var/run/docker.sock", test::builtin())->find("container engine socket"),
              std::string::npos);
}

TEST(BindSources, SystemDirectoriesAndTheirAncestorsRefused) {
    for (auto s : {"/", "/etc", "/root", "/home", "/proc", "/sys", "/dev", "/boot", "/var/run", "/run",
                   "/var/lib/docker", "/var/lib/containerd", "/var/lib/containers", "/var", "/var/lib",
                   "/etc/", "//etc", "/usr/../etc", "/var/lib/docker/containers/x/../../../../../etc"})
        EXPECT_TRUE(refused(s)) << s;
    auto why = refused_bind_source("/var", test::builtin());
    EXPECT_NE(why->find("/var/run"), std::string::npos) << *why;  // names what it would expose
}

TEST(BindSources, KernelInterfacesAndCredentialsRefusedBelow) {
    for (auto s : {"/proc/1/root", "/sys/fs/cgroup", "/dev/sda", "/etc/shadow", "/etc/ssh/ssh_host_rsa_key",
                   "/root/.ssh", "/root/.aws/credentials", "/var/lib/kubelet/pki/kubelet.crt",
                   "/var/lib/docker/overlay2/abc/diff", "/var/lib/docker/containers",
                   "/var/lib/docker/containers/abc", "/run/moat/state.json"})
        EXPECT_TRUE(refused(s)) << s;
}

TEST(BindSources, EngineFilesForTheContainerAllowed) {
    const std::string id = "0123456789abcdef";
    for (auto s : std::vector<std::string>{"/var/lib/docker/containers/" + id + "/hosts",
                   "/var/lib/docker/containers/" + id + "/hostname",
                   "/var/lib/docker/containers/" + id + "/resolv.conf",
                   "/var/lib/docker/containers/" + id + "/mounts/shm",
                   "/var/lib/docker/volumes/data/_data",
                   "/var/lib/docker/volumes/data/_data/sub",
                   "/var/lib/containers/storage/overlay-containers/" + id + "/userdata/hosts",
                   "/run/containers/storage/overlay-containers/" + id + "/userdata/resolv.conf",
                   "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/" + id + "/hosts",
                   "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/" + id + "/shm",
                   "/var/lib/kubelet/pods/uid/volumes/kubernetes.io~empty-dir/x"})
        EXPECT_FALSE(refused(s)) << s << ": " << *refused_bind_source(s, test::builtin());
}

TEST(BindSources, OrdinaryHostPathsAllowed) {
    for (auto s : {"/srv/data", "/home/me/project", "/etc/passwd", "/usr", "/opt/models", "/run/foo",
                   "relative/dir"})
        EXPECT_FALSE(refused(s)) << s;
    EXPECT_TRUE(refused("../../etc"));
}

TEST(BindSources, PolicyCanExtendTheLists) {
    Policy p;
    p.binds.refused_trees.push_back("/srv/secrets");
    EXPECT_TRUE(refused_bind_source("/srv/secrets/key", p));
    EXPECT_TRUE(refused_bind_source("/srv", p));  // an ancestor exposes it
    EXPECT_FALSE(refused_bind_source("/srv/data", p));
}

}  // namespace
}  // namespace moat::policy
