// OCI hooks: each of the six kinds runs, with the container's state on its
// stdin; a failing createRuntime hook fails create and leaves nothing; a hook
// timeout is enforced.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "moat_test.hpp"

namespace fs = std::filesystem;

namespace moat::test {
namespace {

using namespace std::chrono_literals;

// A hook running the host's sh (or the container's, for startContainer) with a script.
spec::Hook hook(const std::string& script, std::optional<int> timeout = {}) {
    spec::Hook h;
    h.path = "/bin/sh";
    h.args = {"sh", "-c", script};
    h.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
    h.timeout = timeout;
    return h;
}

class Hooks : public MoatTest {
protected:
    RunResult audit(std::vector<std::string> args) {
        if (!policy_) {
            policy_.emplace("moat-policy");
            std::ofstream(*policy_ / "policy.json") << R"({"mode": "audit"})";
        }
        args.insert(args.begin(), {"--policy", *policy_ / "policy.json"});
        return moat(std::move(args));
    }

    // Run a bundle whose `kind` hooks write the state they got to a file;
    // the state seen by the hook, parsed.
    std::optional<spec::State> state_seen_by(const std::string& kind,
                                             std::vector<spec::Hook> spec::Hooks::*member,
                                             bool inside = false) {
        TempDir out("moat-hook-out");
        Bundle b;
        b.spec().process.args = {"sh", "-c", "echo main-ran"};
        // startContainer runs in the container, after pivot_root: its marker
        // goes to the (writable, audit mode) rootfs.
        std::string file = inside ? "/hook-" + kind + ".json" : out / (kind + ".json");
        (b.spec().hooks.*member).push_back(hook("cat > " + file));
        b.write();
        id_ = new_id();
        auto r = audit({"run", "--bundle", b.path(), id_});
        EXPECT_EQ(r.status, 0) << r;
        EXPECT_EQ(r.out, "main-ran\n") << r;
        EXPECT_TRUE(no_leaks(b, id_));
        auto text = slurp(inside ? b.rootfs() + file : file);
        auto s = spec::parse_state(text);
        EXPECT_TRUE(s) << kind << " hook got: \"" << text << "\"";
        if (!s) return std::nullopt;
        EXPECT_EQ(s->id, id_) << text;
        EXPECT_EQ(fs::canonical(s->bundle), fs::canonical(b.path())) << text;
        return *s;
    }

    std::string id_;
    std::optional<TempDir> policy_;
};

TEST_F(Hooks, PrestartRunsWithTheState) {
    auto s = state_seen_by("prestart", &spec::Hooks::prestart);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->status == "creating" || s->status == "created") << s->status;
    EXPECT_GT(s->pid, 0);
}

TEST_F(Hooks, CreateRuntimeRunsWithTheState) {
    auto s = state_seen_by("createRuntime", &spec::Hooks::create_runtime);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->status, "creating");
    EXPECT_GT(s->pid, 0);
}

TEST_F(Hooks, CreateContainerRunsWithTheState) {
    auto s = state_seen_by("createContainer", &spec::Hooks::create_container);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->status, "creating");
}

TEST_F(Hooks, StartContainerRunsInsideTheContainer) {
    auto s = state_seen_by("startContainer", &spec::Hooks::start_container, /*inside=*/true);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->status == "created" || s->status == "creating" || s->status == "running") << s->status;
}

TEST_F(Hooks, PoststartRunsWithRunningState) {
    auto s = state_seen_by("poststart", &spec::Hooks::poststart);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->status, "running");
    EXPECT_GT(s->pid, 0);
}

TEST_F(Hooks, PoststopRunsWithStoppedState) {
    auto s = state_seen_by("poststop", &spec::Hooks::poststop);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->status, "stopped");
}

TEST_F(Hooks, RunInOrder) {
    TempDir out("moat-hook-out");
    auto log = out / "order";
    Bundle b;
    b.spec().process.args = {"true"};
    auto& h = b.spec().hooks;
    h.prestart = {hook("echo prestart >> " + log)};
    h.create_runtime = {hook("echo createRuntime >> " + log)};
    h.create_container = {hook("echo createContainer >> " + log)};
    h.poststart = {hook("echo poststart >> " + log)};
    h.poststop = {hook("echo poststop >> " + log)};
    b.write();
    auto id = new_id();
    auto r = audit({"run", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(slurp(log), "prestart\ncreateRuntime\ncreateContainer\npoststart\npoststop\n");
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Hooks, FailingCreateRuntimeHookFailsCreateAndLeavesNothing) {
    Bundle b;
    b.spec().process.args = {"true"};
    b.spec().hooks.create_runtime = {hook("exit 3")};
    b.write();
    auto id = new_id();
    auto r = audit({"create", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "createRuntime")) << r;
    EXPECT_EQ(moat({"state", id}).status, 1);
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Hooks, HookTimeoutIsEnforced) {
    Bundle b;
    b.spec().process.args = {"true"};
    b.spec().hooks.prestart = {hook("sleep 60", 1)};
    b.write();
    auto id = new_id();
    auto t0 = std::chrono::steady_clock::now();
    auto r = audit({"create", "--bundle", b.path(), id});
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_FALSE(r.timed_out) << r;
    EXPECT_LT(took, 20s) << "the 1 s timeout was not enforced";
    EXPECT_TRUE(contains(r.err, "timed out")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

}  // namespace
}  // namespace moat::test
