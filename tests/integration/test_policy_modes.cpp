// The policy modes with issue 4's permissive config: refuse rejects it naming
// every violation and leaves nothing behind; audit runs it unchanged and the
// receipt lists what enforce would have changed. Also: a malformed policy is
// an error, never "no policy".
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "moat_test.hpp"
#include "spec/json.hpp"

namespace fs = std::filesystem;

namespace moat::test {
namespace {


class PolicyModes : public MoatTest {
protected:
    void SetUp() override {
        MoatTest::SetUp();
        if (IsSkipped()) return;
        files_.emplace("moat-modes");
    }

    std::string policy(const std::string& members) { return files_->write(members); }

    RunResult pmoat(const std::string& policy_path, std::vector<std::string> args) {
        args.insert(args.begin(), {"--policy", policy_path});
        return moat(std::move(args));
    }

    std::optional<PolicyFiles> files_;
};

TEST_F(PolicyModes, RefuseRejectsThePermissiveConfigNamingEveryViolation) {
    Bundle b;
    make_permissive(b, {"true"});
    auto refuse = policy(R"("name": "strict", "mode": "refuse")");
    auto id = new_id();

    auto r = pmoat(refuse, {"create", "--bundle", b.path(), id});

    EXPECT_EQ(r.status, 1) << r;
    for (auto field : {"root.readonly", "process.capabilities.bounding", "process.capabilities.effective",
                       "process.capabilities.ambient", "process.noNewPrivileges", "linux.namespaces",
                       "linux.devices[0]", "linux.devices[1]", "process.env"})
        EXPECT_TRUE(contains(r.err, field)) << "the refusal does not name " << field << r;
    EXPECT_TRUE(contains(r.err, "strict")) << "names the policy" << r;
    EXPECT_FALSE(contains(r.err + r.out, kPermissiveSecret)) << "the secret leaked into a message" << r;
    EXPECT_NE(pmoat(refuse, {"state", id}).status, 0) << "the refused container exists";
    EXPECT_TRUE(fs::is_empty(files_->receipts()));
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(PolicyModes, RefuseAlsoRejectsRun) {
    Bundle b;
    make_permissive(b, {"true"});
    auto id = new_id();

    auto r = pmoat(policy(R"("mode": "refuse")"), {"run", "--bundle", b.path(), id});

    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "root.readonly")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(PolicyModes, RefuseAcceptsAConfigThatNeedsNoChange) {
    TempDir spec_dir("moat-spec");
    auto refuse = policy(R"("mode": "refuse")");
    ASSERT_EQ(pmoat(refuse, {"spec", "--bundle", spec_dir.path()}).status, 0);
    auto parsed = spec::load_config(spec_dir / "config.json");
    ASSERT_TRUE(parsed) << parsed.error().message;
    Bundle b;
    b.spec() = *parsed;
    b.spec().process.terminal = false;
    b.spec().process.args = {"echo", "accepted"};
    b.spec().root.path = "rootfs";
    b.write();
    auto id = new_id();

    auto r = pmoat(refuse, {"run", "--bundle", b.path(), id});

    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "accepted\n") << r;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(PolicyModes, AuditRunsUnchangedAndTheReceiptListsTheChanges) {
    Bundle b({.probe = true});
    make_permissive(b, {"sh", "-c", "moat-probe status; moat-probe write /audit-root-file; moat-probe env AWS_SECRET_ACCESS_KEY"},
                    {.net_path = "/proc/" + std::to_string(::getpid()) + "/ns/net", .held_caps_only = true});
    auto audit = policy(R"("name": "watcher", "mode": "audit")");
    auto id = new_id();

    auto r = pmoat(audit, {"run", "--bundle", b.path(), id});

    ASSERT_EQ(r.status, 0) << r;
    std::string st = line_starting(r.out, "status:");
    ASSERT_FALSE(st.empty()) << r;
    EXPECT_FALSE(contains(st, "CapEff=0000000000000000")) << "audit mode dropped capabilities: " << st;
    EXPECT_TRUE(contains(st, "NoNewPrivs=0")) << st;
    EXPECT_EQ(line_starting(r.out, "write /audit-root-file:"), "write /audit-root-file: ok") << r;
    EXPECT_TRUE(fs::exists(b.rootfs() + "/audit-root-file"));
    EXPECT_EQ(line_starting(r.out, "env AWS_SECRET_ACCESS_KEY:"),
              std::string("env AWS_SECRET_ACCESS_KEY: =") + kPermissiveSecret) << r;

    auto rec = pmoat(audit, {"receipt", id});
    ASSERT_EQ(rec.status, 0) << rec;
    auto doc = json::Document::parse(rec.out, "receipt");
    ASSERT_TRUE(doc) << rec;
    auto root = doc->root();
    auto pol = root.get("policy");
    ASSERT_TRUE(pol) << rec;
    EXPECT_EQ(pol->get("mode")->string().value_or(""), "audit") << rec;
    EXPECT_EQ(pol->get("name")->string().value_or(""), "watcher") << rec;
    auto adjustments = root.get("adjustments");
    ASSERT_TRUE(adjustments) << rec;
    auto list = adjustments->array();
    ASSERT_TRUE(list) << rec;
    std::string fields;
    for (auto& a : *list)
        if (auto f = a.get("field")) fields += f->string().value_or("") + " ";
    for (auto field : {"root.readonly", "process.capabilities.effective", "process.noNewPrivileges",
                       "linux.namespaces", "linux.devices", "process.env"})
        EXPECT_TRUE(contains(fields, field)) << field << " missing from the audit receipt: " << rec;
    EXPECT_FALSE(contains(rec.out, kPermissiveSecret)) << "the receipt recorded the secret" << rec;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(PolicyModes, MalformedPolicyIsAnErrorNamingTheField) {
    Bundle b;
    b.spec().process.args = {"true"};
    b.write();
    auto bad = policy(R"("resources": {"memory": true})");
    auto id = new_id();

    auto r = pmoat(bad, {"run", "--bundle", b.path(), id});

    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "resources.memory")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

}  // namespace
}  // namespace moat::test
