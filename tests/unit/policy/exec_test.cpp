// harden_process(): an exec never gains what its container was denied.
#include "fixtures.hpp"

namespace moat::policy::test {
namespace {

spec::Process greedy() {
    spec::Process p;
    p.args = {"sh"};
    std::vector<std::string> all = {"CAP_CHOWN", "CAP_SYS_ADMIN"};
    p.capabilities = spec::Capabilities{all, all, all, all, all};
    p.env = {"PATH=/bin", "GITHUB_TOKEN=ghp_secret"};
    p.rlimits = {{"RLIMIT_NOFILE", 65536, 65536}};
    p.oom_score_adj = -1000;
    return p;
}

TEST(Exec, GainsNothing) {
    Policy p;
    auto container = harden(permissive(), p);
    ASSERT_TRUE(container);
    auto h = harden_process(greedy(), container->spec, p);
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_TRUE(h->process.capabilities->empty());
    EXPECT_TRUE(h->process.no_new_privileges);
    EXPECT_EQ(h->process.env, std::vector<std::string>{"PATH=/bin"});
    EXPECT_EQ(h->process.oom_score_adj, 1000);
    EXPECT_EQ(h->process.rlimits[0].hard, 1024u);
    EXPECT_TRUE(find(h->adjustments, "capabilities.bounding"));
    EXPECT_TRUE(find(h->adjustments, "noNewPrivileges"));
    EXPECT_EQ(find(h->adjustments, "env")->old_value, "GITHUB_TOKEN=<redacted>");
}

TEST(Exec, BoundedByTheContainerNotJustThePolicy) {
    Policy p;
    p.capabilities = {"CAP_CHOWN", "CAP_SYS_ADMIN"};
    auto s = permissive();
    s.process.capabilities = spec::Capabilities{{"CAP_CHOWN"}, {"CAP_CHOWN"}, {}, {"CAP_CHOWN"}, {}};
    auto container = harden(s, p);
    ASSERT_TRUE(container) << container.error().message;
    auto h = harden_process(greedy(), container->spec, p);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->process.capabilities->bounding, std::vector<std::string>{"CAP_CHOWN"});
    EXPECT_EQ(h->process.capabilities->ambient, std::vector<std::string>{"CAP_CHOWN"});
}

TEST(Exec, RefuseModeNamesFields) {
    Policy p;
    p.mode = Mode::refuse;
    auto h = harden_process(greedy(), example_spec(p), p);
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("capabilities.bounding"), std::string::npos) << h.error().message;
    EXPECT_NE(h.error().message.find("oomScoreAdj"), std::string::npos);
    EXPECT_EQ(h.error().message.find("ghp_secret"), std::string::npos);
}

TEST(Exec, AuditChangesNothing) {
    Policy p;
    p.mode = Mode::audit;
    auto in = greedy();
    auto h = harden_process(in, example_spec(p), p);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->process.env, in.env);
    EXPECT_FALSE(h->adjustments.empty());
}

}  // namespace
}  // namespace moat::policy::test
