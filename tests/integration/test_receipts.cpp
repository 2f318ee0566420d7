// Receipts and the wall-clock limit: after `run` and after `delete`, the
// receipt says what ran (bundle, config hash, args), under which policy, what
// the policy changed, when, how it ended and what it used; it is kept after
// delete and appended to the audit log. run.moat.timeout kills the container
// in run mode and, through the watchdog, in create/start mode.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "moat_test.hpp"
#include "spec/json.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace moat::test {
namespace {

// sha256sum's hex digest of a host file.
std::string sha256_of(const std::string& path) {
    auto r = run({"sha256sum", path});
    return r.out.substr(0, r.out.find(' '));
}

std::string str(const json::Value& v, std::string_view key) {
    auto m = v.get(key);
    if (!m) return "<absent>";
    auto s = m->string();
    return s ? *s : "<not a string>";
}

class Receipts : public MoatTest {
protected:
    void SetUp() override {
        MoatTest::SetUp();
        if (IsSkipped()) return;
        files_.emplace("moat-receipts");
        receipts_ = files_->receipts();
        policy_ = policy(R"("name": "receipt-test")");
    }

    std::string policy(const std::string& members) { return files_->write(members); }

    RunResult pmoat(std::vector<std::string> args, const std::string& policy_path = {}) {
        args.insert(args.begin(), {"--policy", policy_path.empty() ? policy_ : policy_path});
        return moat(std::move(args));
    }

    // `moat receipt ID`, parsed; fails the test when it cannot be had.
    std::optional<json::Document> receipt(const std::string& id) {
        auto r = pmoat({"receipt", id});
        EXPECT_EQ(r.status, 0) << r;
        auto doc = json::Document::parse(r.out, "receipt");
        EXPECT_TRUE(doc) << r;
        if (!doc) return std::nullopt;
        return std::move(*doc);
    }

    std::string status(const std::string& id) {
        auto r = pmoat({"state", id});
        if (r.status != 0) return "<state failed>";
        auto doc = json::Document::parse(r.out, "state");
        return doc ? str(doc->root(), "status") : "<bad state>";
    }

    std::optional<PolicyFiles> files_;
    std::string receipts_, policy_;
};

TEST_F(Receipts, RunWritesACompleteReceipt) {
    Bundle b;
    b.spec().process.args = {"sh", "-c", "head -c 4000000 /dev/zero > /tmp/f; exit 3"};
    b.spec().process.capabilities = spec::Capabilities{};
    b.spec().process.capabilities->effective = {"CAP_SYS_ADMIN"};  // something to adjust
    b.write();
    auto id = new_id();

    auto r = pmoat({"run", "--bundle", b.path(), id});
    ASSERT_EQ(r.status, 3) << r;

    EXPECT_TRUE(fs::exists(receipts_ + "/" + id + ".json")) << "not filed in the receipts directory";
    auto doc = receipt(id);
    ASSERT_TRUE(doc);
    auto root = doc->root();
    EXPECT_EQ(str(root, "id"), id);
    EXPECT_EQ(str(root, "bundle"), fs::canonical(b.path()).string());
    EXPECT_EQ(str(root, "configSha256"), sha256_of(b.config_path()));
    auto args = root.get("args");
    ASSERT_TRUE(args);
    EXPECT_EQ(args->strings().value_or(std::vector<std::string>{}), b.spec().process.args);
    auto pol = root.get("policy");
    ASSERT_TRUE(pol);
    EXPECT_EQ(str(*pol, "name"), "receipt-test");
    EXPECT_EQ(str(*pol, "mode"), "enforce");
    EXPECT_EQ(str(*pol, "sha256"), sha256_of(policy_));
    auto adjustments = root.get("adjustments");
    ASSERT_TRUE(adjustments);
    EXPECT_FALSE(adjustments->array().value_or(std::vector<json::Value>{}).empty());
    EXPECT_TRUE(contains(adjustments->raw(), "process.capabilities.effective")) << adjustments->raw();
    EXPECT_NE(str(root, "created"), "<absent>");
    EXPECT_NE(str(root, "started"), "<absent>");
    EXPECT_NE(str(root, "ended"), "<absent>");
    EXPECT_LE(str(root, "created"), str(root, "started"));  // RFC 3339 in UTC sorts as text
    EXPECT_LE(str(root, "started"), str(root, "ended"));
    auto code = root.get("exitCode");
    ASSERT_TRUE(code);
    EXPECT_EQ(code->int64().value_or(-1), 3);
    auto timed_out = root.get("timedOut");
    ASSERT_TRUE(timed_out);
    EXPECT_FALSE(timed_out->boolean().value_or(true));
    auto usage = root.get("usage");
    ASSERT_TRUE(usage) << "no usage in the receipt";
    auto peak = usage->get("peakMemoryBytes");
    ASSERT_TRUE(peak);
    EXPECT_GT(peak->uint64().value_or(0), 4000000u) << "the 4 MB written to /tmp count as memory";
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Receipts, ReceiptIsKeptAfterDelete) {
    Bundle b;
    b.spec().process.args = {"sh", "-c", "exit 5"};
    b.write();
    auto id = new_id();

    ASSERT_EQ(pmoat({"create", "--bundle", b.path(), id}).status, 0);
    ASSERT_EQ(pmoat({"start", id}).status, 0);
    for (int i = 0; i < 100 && status(id) != "stopped"; ++i) std::this_thread::sleep_for(100ms);
    ASSERT_EQ(status(id), "stopped");
    ASSERT_EQ(pmoat({"delete", id}).status, 0);
    EXPECT_TRUE(no_leaks(b, id));

    EXPECT_TRUE(fs::exists(receipts_ + "/" + id + ".json"));
    auto doc = receipt(id);
    ASSERT_TRUE(doc);
    auto root = doc->root();
    EXPECT_EQ(str(root, "id"), id);
    EXPECT_NE(str(root, "started"), "<absent>");
    EXPECT_NE(str(root, "ended"), "<absent>");
    auto usage = root.get("usage");
    ASSERT_TRUE(usage) << "delete read no figures from the cgroup";
    auto peak = usage->get("peakMemoryBytes");
    ASSERT_TRUE(peak);
    EXPECT_GT(peak->uint64().value_or(0), 0u);
}

TEST_F(Receipts, AuditLogGetsOneLinePerContainer) {
    std::string log = files_->path("audit.log");
    auto with_log = policy("\"auditLog\": \"" + log + "\"");
    Bundle b;
    b.spec().process.args = {"true"};
    b.write();
    auto first = new_id(), second = new_id();

    ASSERT_EQ(pmoat({"run", "--bundle", b.path(), first}, with_log).status, 0);
    ASSERT_EQ(pmoat({"run", "--bundle", b.path(), second}, with_log).status, 0);

    std::istringstream in(slurp(log));
    std::vector<std::string> ids;
    for (std::string line; std::getline(in, line);) {
        auto doc = json::Document::parse(line, "audit log line");
        ASSERT_TRUE(doc) << line;
        ids.push_back(str(doc->root(), "id"));
    }
    EXPECT_EQ(ids, (std::vector<std::string>{first, second}));
}

TEST_F(Receipts, UnknownIdFails) {
    auto r = pmoat({"receipt", "no-such-container-ever"});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "no-such-container-ever")) << r;
    EXPECT_TRUE(r.out.empty()) << r;
}

// ---- the wall-clock limit ----

TEST_F(Receipts, TimeoutAnnotationKillsARun) {
    Bundle b;
    b.spec().process.args = {"sleep", "100"};
    b.spec().annotations["run.moat.timeout"] = "1s";
    b.write();
    auto id = new_id();

    auto t0 = std::chrono::steady_clock::now();
    auto r = pmoat({"run", "--bundle", b.path(), id});
    auto took = std::chrono::steady_clock::now() - t0;

    EXPECT_EQ(r.status, 137) << r;
    EXPECT_GE(took, 900ms);
    EXPECT_LT(took, 8s) << "the 1 s limit took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
    auto doc = receipt(id);
    ASSERT_TRUE(doc);
    auto timed_out = doc->root().get("timedOut");
    ASSERT_TRUE(timed_out);
    EXPECT_TRUE(timed_out->boolean().value_or(false)) << doc->root().raw();
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Receipts, TimeoutAnnotationKillsACreatedAndStartedContainer) {
    Bundle b;
    b.spec().process.args = {"sleep", "100"};
    b.spec().annotations["run.moat.timeout"] = "1s";
    b.write();
    auto id = new_id();

    ASSERT_EQ(pmoat({"create", "--bundle", b.path(), id}).status, 0);
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(pmoat({"start", id}).status, 0);
    while (status(id) == "running" && std::chrono::steady_clock::now() - t0 < 10s)
        std::this_thread::sleep_for(100ms);
    auto took = std::chrono::steady_clock::now() - t0;

    EXPECT_EQ(status(id), "stopped");
    EXPECT_LT(took, 6s) << "the watchdog took "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
    ASSERT_EQ(pmoat({"delete", "--force", id}).status, 0);
    EXPECT_TRUE(no_leaks(b, id));
    auto doc = receipt(id);
    ASSERT_TRUE(doc);
    auto timed_out = doc->root().get("timedOut");
    ASSERT_TRUE(timed_out);
    EXPECT_TRUE(timed_out->boolean().value_or(false)) << doc->root().raw();
}

TEST_F(Receipts, TimeoutBeyondThePolicyMaximumIsRefused) {
    Bundle b;
    b.spec().process.args = {"true"};
    b.spec().annotations["run.moat.timeout"] = "1h";
    b.write();
    auto id = new_id();

    auto r = pmoat({"create", "--bundle", b.path(), id}, policy(R"("timeoutMax": "1m")"));

    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "run.moat.timeout")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

}  // namespace
}  // namespace moat::test
