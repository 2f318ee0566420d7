// `moat spec`'s config needs no adjustment under the policy that made it.
#include "fixtures.hpp"

namespace moat::policy::test {
namespace {

void expect_clean(const Policy& p) {
    auto h = harden(example_spec(p), p);
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_TRUE(h->adjustments.empty()) << format_adjustments(h->adjustments);
}

TEST(ExampleSpec, BuiltInProfileNeedsNoAdjustment) { expect_clean(builtin()); }

TEST(ExampleSpec, OtherPoliciesNeedNoAdjustment) {
    Policy none;
    none.network.mode = NetworkMode::none;
    expect_clean(none);
    Policy host;
    host.network.mode = NetworkMode::host;
    expect_clean(host);
    Policy allow;
    allow.network.mode = NetworkMode::allowlist;
    expect_clean(allow);
    Policy big;
    big.resources.memory = big.resources.memory_max = 4ll << 30;
    big.rlimits.push_back({"RLIMIT_NPROC", 100});
    big.capabilities = {"CAP_CHOWN"};
    big.readonly_root = false;
    big.sys_readonly = false;
    big.tmp.size = 1 << 20;
    expect_clean(big);
    // Found by fuzz-policy: a policy that forbids the optional mount kinds.
    Policy few;
    few.mount_types = {"proc", "tmpfs", "devpts"};
    expect_clean(few);
}

TEST(ExampleSpec, LooksLikeRuncs) {
    auto s = example_spec(builtin());
    EXPECT_EQ(s.process.args, std::vector<std::string>{"sh"});
    EXPECT_TRUE(s.process.terminal);
    EXPECT_EQ(s.process.cwd, "/");
    EXPECT_TRUE(s.process.env[0].starts_with("PATH="));
    EXPECT_EQ(s.root.path, "rootfs");
    EXPECT_TRUE(s.root.readonly);
    EXPECT_EQ(s.hostname, "moat");
    for (auto [dest, type] : std::vector<std::pair<const char*, const char*>>{
             {"/proc", "proc"}, {"/dev", "tmpfs"}, {"/dev/pts", "devpts"}, {"/dev/shm", "tmpfs"},
             {"/dev/mqueue", "mqueue"}, {"/sys", "sysfs"}, {"/tmp", "tmpfs"}}) {
        auto m = mount_at(s, dest);
        ASSERT_TRUE(m) << dest;
        EXPECT_EQ(m->type, type) << dest;
    }
    EXPECT_TRUE(has(mount_at(s, "/sys")->options, "ro"));
}

}  // namespace
}  // namespace moat::policy::test
