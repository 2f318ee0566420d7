// Placement: cgroupsPath forms, escapes, systemd names, the stored path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cgroups/internal.hpp"
#include "fake_cgroupfs.hpp"

using namespace moat::cgroups;
using namespace moat::cgroups::detail;
using ::testing::HasSubstr;

namespace {

Host v1_host() {
    Host h;
    h.layout = Layout::v1;
    h.v1_mounts = {{"memory", "/sys/fs/cgroup/memory"}, {"cpu", "/sys/fs/cgroup/cpu,cpuacct"},
                   {"cpuacct", "/sys/fs/cgroup/cpu,cpuacct"}, {"pids", "/sys/fs/cgroup/pids"}};
    return h;
}

Host hybrid_host() {
    Host h = v1_host();
    h.layout = Layout::hybrid;
    h.unified_mount = "/sys/fs/cgroup/unified";
    return h;
}

}  // namespace

TEST(Normalize, CleansAndRefusesClimbing) {
    EXPECT_EQ(normalize("/a/./b/../c/"), "/a/c");
    EXPECT_EQ(normalize("a//b"), "/a/b");
    EXPECT_EQ(normalize("/"), "/");
    EXPECT_EQ(normalize("/a/.."), "/");
    EXPECT_EQ(normalize("/.."), std::nullopt);
    EXPECT_EQ(normalize("../x"), std::nullopt);
    EXPECT_EQ(normalize("/a/../../etc"), std::nullopt);
}

TEST(Slice, ExpandsNestedSlices) {
    EXPECT_EQ(*expand_slice("system.slice"), "/system.slice");
    EXPECT_EQ(*expand_slice("a-b.slice"), "/a.slice/a-b.slice");
    EXPECT_EQ(*expand_slice("a-b-c.slice"), "/a.slice/a-b.slice/a-b-c.slice");
    EXPECT_EQ(*expand_slice("-.slice"), "/");
    EXPECT_FALSE(expand_slice("system"));
    EXPECT_FALSE(expand_slice("a--b.slice"));
    EXPECT_FALSE(expand_slice("-a.slice"));
    EXPECT_FALSE(expand_slice("a/b.slice"));
}

TEST(Systemd, MapsUnitsOntoCgroupfs) {
    EXPECT_EQ(*systemd_path("system.slice:docker:abc", "abc"), "/system.slice/docker-abc.scope");
    EXPECT_EQ(*systemd_path(":docker:abc", "abc"), "/system.slice/docker-abc.scope");
    EXPECT_EQ(*systemd_path("machine-pod1.slice:crio:c1", "c1"), "/machine.slice/machine-pod1.slice/crio-c1.scope");
    EXPECT_EQ(*systemd_path("user.slice:moat:x", "x"), "/user.slice/moat-x.scope");
    // A slice as the name is used as is, under its parent.
    EXPECT_EQ(*systemd_path("system.slice::sub.slice", "x"), "/system.slice/sub.slice");
    EXPECT_EQ(*systemd_path("system.slice::abc", "abc"), "/system.slice/abc.scope");
    auto bad = systemd_path("/moat/abc", "abc");
    ASSERT_FALSE(bad);
    EXPECT_THAT(bad.error().message, HasSubstr("linux.cgroupsPath"));
    EXPECT_THAT(bad.error().message, HasSubstr("slice:prefix:name"));
    auto escape = systemd_path("system.slice:x:..", "abc");
    EXPECT_FALSE(escape);
}

TEST(Resolve, EmptyPathDefaultsToMoatId) {
    auto r = resolve(v1_host(), Placement{"c1", "", false});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->size(), 3u);  // memory, cpu+cpuacct (co-mounted), pids
    EXPECT_EQ(r->at("memory"), "/moat/c1");
    EXPECT_EQ(r->at("cpu,cpuacct"), "/moat/c1");
    EXPECT_FALSE(resolve(v1_host(), Placement{"../x", "", false}));
}

TEST(Resolve, AbsoluteIsUnderEveryRoot) {
    auto r = resolve(hybrid_host(), Placement{"c1", "/a/./b/../c1", false});
    ASSERT_TRUE(r) << r.error().message;
    for (auto& [k, v] : *r) EXPECT_EQ(v, "/a/c1") << k;
    EXPECT_TRUE(r->contains("unified"));
    EXPECT_EQ(encode_paths(*r), "/a/c1");
}

TEST(Resolve, EscapesAreErrorsNamingTheField) {
    for (auto p : {"../..", "/../etc", "/a/../../b", "x/../../y"}) {
        auto r = resolve(v1_host(), Placement{"c1", p, false});
        ASSERT_FALSE(r) << p;
        EXPECT_THAT(r.error().message, HasSubstr("linux.cgroupsPath")) << p;
        EXPECT_THAT(r.error().message, HasSubstr("escapes")) << p;
    }
    auto root = resolve(v1_host(), Placement{"c1", "/a/..", false});
    ASSERT_FALSE(root);
    EXPECT_THAT(root.error().message, HasSubstr("root cgroup"));
}

TEST(Resolve, RelativeIsUnderMoatsOwnCgroupPerHierarchy) {
    Host h = hybrid_host();
    h.self = {{"memory", "/process_api/abc"}, {"cpu", "/"}, {"cpuacct", "/"}, {"pids", "/user.slice"},
              {"unified", "/u"}};
    auto r = resolve(h, Placement{"c1", "moat-test/c1", false});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->at("memory"), "/process_api/abc/moat-test/c1");
    EXPECT_EQ(r->at("cpu,cpuacct"), "/moat-test/c1");
    EXPECT_EQ(r->at("pids"), "/user.slice/moat-test/c1");
    EXPECT_EQ(r->at("unified"), "/u/moat-test/c1");
    // Different per hierarchy: path() spells each out, and reopen reads it back.
    auto text = encode_paths(*r);
    EXPECT_THAT(text, HasSubstr("memory=/process_api/abc/moat-test/c1"));
    auto back = decode_paths(h, text);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, *r);
}

TEST(Resolve, SystemdPlacement) {
    auto r = resolve(v1_host(), Placement{"abc", "system.slice:docker:abc", true});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->at("memory"), "/system.slice/docker-abc.scope");
    auto def = resolve(v1_host(), Placement{"abc", "", true});
    ASSERT_TRUE(def);
    EXPECT_EQ(def->at("pids"), "/system.slice/moat-abc.scope");
    // Without --systemd-cgroup the same text is just a relative directory name.
    auto plain = resolve(v1_host(), Placement{"abc", "system.slice:docker:abc", false});
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->at("memory"), "/system.slice:docker:abc");
}

TEST(Reopen, RefusesPathsThatAreNotAContainersCgroup) {
    EXPECT_FALSE(decode_paths(v1_host(), "/"));
    EXPECT_FALSE(decode_paths(v1_host(), "/../x"));
    EXPECT_FALSE(decode_paths(v1_host(), "relative"));
    EXPECT_FALSE(decode_paths(v1_host(), "bogus=/a"));  // names no hierarchy here
    auto m = reopen(v1_host(), "/moat/c1");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ((*m)->path(), "/moat/c1");
}

TEST(Open, PathIsWhatReopenTakes) {
    auto m = open(hybrid_host(), Placement{"c9", "", false});
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ((*m)->path(), "/moat/c9");
}

TEST(Reopen, APathWithAnEqualsSignIsStillOnePath) {
    auto m = open(v1_host(), Placement{"c1", "/a=b/c1", false});
    ASSERT_TRUE(m);
    auto again = reopen(v1_host(), (*m)->path());
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ((*again)->path(), "/a=b/c1");
}
