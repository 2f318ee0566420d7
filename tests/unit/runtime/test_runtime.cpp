// Pure and filesystem-only pieces of the runtime: ids, signals, the state
// store, the handshake channel, receipts.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <thread>

#include "moat/receipt.hpp"
#include "moat/runtime.hpp"
#include "runtime/handshake.hpp"
#include "runtime/launch.hpp"
#include "runtime/log.hpp"
#include "runtime/state_store.hpp"

using namespace moat;
using namespace moat::runtime;
namespace fs = std::filesystem;

TEST(ContainerId, SafeNamesOnly) {
    EXPECT_TRUE(validate_id("abc-1.2_3+x"));
    for (const char* bad : {"", ".", "..", "../x", "a/b", "-x", "a b", "x\n"}) {
        auto r = validate_id(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find("invalid container id"), std::string::npos);
    }
    EXPECT_FALSE(validate_id(std::string(1025, 'a')));
}

// The clock read in UTC, as RFC 3339 with nanoseconds: the same second as
// gmtime_r says (read before and after, so a second boundary cannot fail it).
TEST(Clock, Rfc3339InUtc) {
    auto utc = [] {
        time_t t = ::time(nullptr);
        struct tm tm {};
        ::gmtime_r(&t, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
        return std::string(buf);
    };
    std::string before = utc(), now = now_rfc3339(), after = utc();
    ASSERT_EQ(now.size(), 30u) << now;
    EXPECT_TRUE(now.substr(0, 19) == before || now.substr(0, 19) == after) << now << " vs " << before;
    EXPECT_EQ(now[19], '.');
    EXPECT_EQ(now.find_first_not_of("0123456789", 20), 29u) << now;
    EXPECT_EQ(now.back(), 'Z');
}

TEST(Signals, NamesAndNumbers) {
    EXPECT_EQ(*parse_signal("KILL"), SIGKILL);
    EXPECT_EQ(*parse_signal("SIGTERM"), SIGTERM);
    EXPECT_EQ(*parse_signal("term"), SIGTERM);
    EXPECT_EQ(*parse_signal("9"), 9);
    EXPECT_EQ(*parse_signal("RTMIN+1"), SIGRTMIN + 1);
    EXPECT_FALSE(parse_signal("NOPE"));
    EXPECT_FALSE(parse_signal("0"));
    EXPECT_FALSE(parse_signal("999"));
}

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/moat-store-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        root_ = tmpl;
    }
    void TearDown() override { fs::remove_all(root_); }
    std::string root_;
};

TEST_F(StoreTest, ClaimIsExclusive) {
    StateStore store(root_ + "/state");
    ASSERT_TRUE(store.claim("c1"));
    auto again = store.claim("c1");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message, "container \"c1\" already exists");
}

TEST_F(StoreTest, ConcurrentClaimsHaveOneWinner) {
    StateStore store(root_);
    std::atomic<int> wins{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            if (store.claim("race")) ++wins;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(wins.load(), 1);
}

TEST_F(StoreTest, RecordRoundTripAndUnknownId) {
    StateStore store(root_);
    ASSERT_TRUE(store.claim("c2"));
    auto half = store.load("c2");
    ASSERT_FALSE(half);
    EXPECT_NE(half.error().message.find("still being created"), std::string::npos);
    Record r;
    r.id = "c2";
    r.bundle = "/b";
    r.pid = 42;
    r.start_time = 7;
    r.cgroup_path = "/moat/c2";
    r.annotations["k"] = "v";
    r.timeout_ms = 1500;
    ASSERT_TRUE(store.save(r));
    auto back = store.load("c2");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->pid, 42);
    EXPECT_EQ(back->start_time, 7u);
    EXPECT_EQ(back->cgroup_path, "/moat/c2");
    EXPECT_EQ(back->annotations.at("k"), "v");
    EXPECT_EQ(back->timeout_ms, 1500);
    auto none = store.load("nope");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().message, "container \"nope\" does not exist");
    ASSERT_TRUE(store.remove("c2"));
    EXPECT_FALSE(fs::exists(root_ + "/c2"));
}

TEST_F(StoreTest, AtomicWriteLeavesNoTemporary) {
    ASSERT_TRUE(write_atomic(root_ + "/f", "one"));
    ASSERT_TRUE(write_atomic(root_ + "/f", "two"));
    int files = 0;
    for (auto& e : fs::directory_iterator(root_)) (void)e, ++files;
    EXPECT_EQ(files, 1);
}

TEST(Handshake, StepsErrorsAndOrder) {
    auto pair = Channel::make_pair();
    ASSERT_TRUE(pair);
    auto& [parent, child] = *pair;
    ASSERT_TRUE(child.send(Step::ready, "payload"));
    auto m = parent.receive(Step::ready);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->payload, "payload");
    // An out-of-order step is a protocol error, not silently accepted.
    ASSERT_TRUE(child.send(Step::hooks));
    auto wrong = parent.receive(Step::ready);
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message.find("protocol error"), std::string::npos);
    // The child's error arrives as the parent's error, errno included.
    ASSERT_TRUE(child.send(Step::error, "mount proc: Operation not permitted", EPERM));
    auto err = parent.receive(Step::ready);
    ASSERT_FALSE(err);
    EXPECT_EQ(err.error().code, EPERM);
    EXPECT_EQ(err.error().message, "mount proc: Operation not permitted");
    child.close();
    auto eof = parent.receive(Step::ready);
    ASSERT_FALSE(eof);
    EXPECT_EQ(eof.error().message, "container init exited before ready");
}

// --policy naming a missing file, or one that never ends: an error naming
// it, never "no policy".
TEST(ActivePolicy, MissingOrEndlessPolicyFileIsAnError) {
    runtime::Global g;
    g.policy_path = "/nonexistent/moat/policy.json";
    auto p = runtime::load_active_policy(g);
    ASSERT_FALSE(p);
    EXPECT_NE(p.error().message.find("/nonexistent/moat/policy.json"), std::string::npos);
    EXPECT_EQ(p.error().code, ENOENT);

    g.policy_path = "/dev/zero";
    auto z = runtime::load_active_policy(g);
    ASSERT_FALSE(z);
    EXPECT_EQ(z.error().code, EFBIG) << z.error().message;
    EXPECT_NE(z.error().message.find("/dev/zero"), std::string::npos) << z.error().message;
}

TEST(Receipt, Sha256KnownVectors) {
    EXPECT_EQ(receipt::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(receipt::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(receipt::sha256_hex(std::string(1000, 'a')),
              "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST(Receipt, JsonRoundTrip) {
    receipt::Receipt r;
    r.id = "x";
    r.args = {"sh", "-c", "true"};
    r.adjustments_json = R"([{"field":"root.readonly","old":"false","new":"true","rule":"readonly-root"}])";
    r.exit_code = 137;
    r.signal = 9;
    r.timed_out = true;
    r.usage = moat::cgroups::Usage{1024, 2, 3, 4, 1};
    auto back = receipt::parse(receipt::to_json(r));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->args, r.args);
    EXPECT_EQ(*back->exit_code, 137);
    EXPECT_TRUE(back->timed_out);
    EXPECT_EQ(back->usage->peak_memory, 1024u);
    EXPECT_EQ(back->usage->oom_kills, 1u);
    EXPECT_NE(back->adjustments_json.find("readonly-root"), std::string::npos);
}

// The egress counters survive finish_receipt's parse-and-rewrite.
TEST(Receipt, EgressRoundTrip) {
    receipt::Receipt r;
    r.id = "x";
    r.egress_allowlist = "mirror";
    r.egress_dropped = receipt::EgressDrops{3, 180, 1, 80};
    auto back = receipt::parse(receipt::to_json(r));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->egress_allowlist, "mirror");
    ASSERT_TRUE(back->egress_dropped);
    EXPECT_EQ(*back->egress_dropped, *r.egress_dropped);

    receipt::Receipt unread;
    unread.egress_allowlist = "policy";
    unread.egress_note = "drop counters unavailable: gone";
    auto back2 = receipt::parse(receipt::to_json(unread));
    ASSERT_TRUE(back2) << back2.error().message;
    EXPECT_FALSE(back2->egress_dropped);
    EXPECT_EQ(back2->egress_note, unread.egress_note);

    receipt::Receipt none;
    EXPECT_EQ(receipt::to_json(none).find("egress"), std::string::npos) << "no allowlist, no egress key";
}
