// Bad input: exit status 1, a message that says what is wrong, and nothing
// left behind (no state dir, no cgroup, no mount).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "moat_test.hpp"

namespace fs = std::filesystem;

namespace moat::test {
namespace {

class Errors : public MoatTest {
protected:
    // create must fail with status 1 and a message containing `needle`,
    // leaving nothing.
    void expect_refused(const Bundle& b, const std::string& needle) {
        auto id = new_id();
        auto r = moat({"create", "--bundle", b.path(), id});
        EXPECT_EQ(r.status, 1) << r;
        EXPECT_TRUE(contains(r.err, needle)) << "message should mention " << needle << ": " << r;
        EXPECT_EQ(moat({"state", id}).status, 1);
        EXPECT_TRUE(no_leaks(b, id));
    }
};

TEST_F(Errors, MissingConfigJsonIsNamed) {
    Bundle b;  // never written
    expect_refused(b, "config.json");
}

TEST_F(Errors, MalformedJsonIsRefused) {
    Bundle b;
    std::ofstream(b.config_path()) << R"({"ociVersion": "1.0.2", "process": {"args": ["sh"]) )";
    auto id = new_id();
    auto r = moat({"create", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "config.json")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Errors, WrongTypeNamesTheJsonPath) {
    Bundle b;
    b.write();
    auto text = slurp(b.config_path());
    auto at = text.find("\"args\"");
    ASSERT_NE(at, std::string::npos) << text;
    auto open = text.find('[', at), close = text.find(']', open);
    text.replace(open, close - open + 1, "\"sh -c true\"");
    std::ofstream(b.config_path()) << text;
    expect_refused(b, "process.args");
}

TEST_F(Errors, MissingRootfs) {
    Bundle b;
    b.spec().root.path = "no-such-rootfs";
    b.write();
    expect_refused(b, "no-such-rootfs");
}

TEST_F(Errors, StartOfAnUnknownId) {
    auto r = moat({"start", "no-such-id"});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "no-such-id")) << r;
}

TEST_F(Errors, KillOfAnUnknownId) {
    auto r = moat({"kill", "no-such-id", "KILL"});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "no-such-id")) << r;
}

TEST_F(Errors, DeleteOfAnUnknownId) {
    auto r = moat({"delete", "no-such-id"});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "no-such-id")) << r;
}

TEST_F(Errors, StateOfAnUnknownId) {
    auto r = moat({"state", "no-such-id"});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "no-such-id")) << r;
}

TEST_F(Errors, UnsafeIdIsRefused) {
    Bundle b;
    b.spec().process.args = {"true"};
    b.write();
    auto parent = fs::path(state_root()).parent_path();
    std::string escape = "moat-escape-" + std::to_string(::getpid());
    for (const std::string& id : std::vector<std::string>{"../" + escape, "a/b", ".", ".."}) {
        auto r = moat({"create", "--bundle", b.path(), id});
        EXPECT_EQ(r.status, 1) << r;
        EXPECT_FALSE(r.err.empty()) << r;
    }
    EXPECT_FALSE(fs::exists(parent / escape)) << "an id escaped the state root";
    EXPECT_TRUE(fs::is_empty(state_root())) << "something was left in the state root";
    EXPECT_TRUE(no_leaks(b, escape));
    // The runner deleting "../x" later must not touch anything either.
    auto r = moat({"delete", "--force", "../" + escape});
    EXPECT_EQ(r.status, 1) << r;
}

TEST_F(Errors, MissingCommandNamesIt) {
    Bundle b;
    b.spec().process.args = {"/nope"};
    b.write();
    auto id = new_id();
    auto r = moat({"run", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "exec: \"/nope\"")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Errors, MissingCommandOnPathNamesIt) {
    Bundle b;
    b.spec().process.args = {"no-such-tool"};
    b.write();
    auto id = new_id();
    auto r = moat({"run", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "no-such-tool")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

// Found but not runnable: the execve itself fails after start. The process
// exits 127 as a shell's would, and the reason is said, not swallowed.
TEST_F(Errors, ExecThatFailsAfterStartSaysWhy) {
    Bundle b;
    b.write_file("/bin/noshebang", "echo hi\n", 0755);
    fs::copy_file("/bin/ls", b.rootfs() + "/bin/dynls");  // its loader is not in the image
    for (auto [cmd, why] : {std::pair{"/bin/noshebang", "exec format error"},
                            std::pair{"/bin/dynls", "interpreter or dynamic loader is missing"}}) {
        b.spec().process.args = {cmd};
        b.write();
        auto id = new_id();
        auto r = moat({"run", "--bundle", b.path(), id});
        EXPECT_EQ(r.status, 127) << r;
        EXPECT_TRUE(contains(r.err, std::string("exec: \"") + cmd + "\"") && contains(r.err, why)) << r;
        EXPECT_TRUE(no_leaks(b, id));
    }
    b.spec().process.args = {"sleep", "30"};
    b.write();
    auto id = new_id();
    ASSERT_EQ(moat({"run", "--detach", "--bundle", b.path(), id}).status, 0);
    auto e = moat({"exec", id, "/bin/noshebang"});
    EXPECT_EQ(e.status, 1) << e;
    EXPECT_TRUE(contains(e.err, "exec format error")) << e;
    EXPECT_EQ(moat({"delete", "--force", id}).status, 0);
    EXPECT_TRUE(no_leaks(b, id));
}

// A config that never ends (a symlink to /dev/zero) is refused at a bound,
// not read until memory runs out.
TEST_F(Errors, EndlessConfigIsRefused) {
    Bundle b;
    b.write();
    std::filesystem::remove(b.config_path());
    std::filesystem::create_symlink("/dev/zero", b.config_path());
    auto id = new_id();
    auto r = moat({"run", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "config.json") && contains(r.err, "larger than")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Errors, FailingPrestartHookFailsCreate) {
    TempDir policy("moat-policy");
    std::ofstream(policy / "policy.json") << R"({"mode": "audit"})";
    Bundle b;
    b.spec().process.args = {"true"};
    spec::Hook h;
    h.path = "/bin/false";
    b.spec().hooks.prestart = {h};
    b.write();
    auto id = new_id();
    auto r = moat({"--policy", policy / "policy.json", "create", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "prestart")) << r;
    EXPECT_EQ(moat({"state", id}).status, 1);
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Errors, JsonLogHasTheErrorLine) {
    TempDir dir("moat-log");
    auto log = dir / "moat.log";
    Bundle b;  // no config.json
    auto id = new_id();
    auto r = moat({"--log", log, "--log-format", "json", "create", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    auto text = slurp(log);
    std::string last;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) last = line;
    ASSERT_FALSE(last.empty()) << "nothing logged to " << log;
    EXPECT_EQ(last.front(), '{') << last;
    EXPECT_EQ(last.back(), '}') << last;
    EXPECT_TRUE(contains(last, "\"level\":\"error\"") || contains(last, "\"level\": \"error\"")) << last;
    EXPECT_TRUE(contains(last, "\"msg\"")) << last;
    EXPECT_TRUE(contains(last, "config.json")) << last;
    EXPECT_TRUE(contains(last, "\"time\"")) << last;
    EXPECT_TRUE(no_leaks(b, id));
}

}  // namespace
}  // namespace moat::test
