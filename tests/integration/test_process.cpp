// The container's process: args, env, cwd, user, umask, the five capability
// sets, rlimits, noNewPrivileges, oomScoreAdj, seccomp from the spec,
// --preserve-fds; and the escape classes: no moat fd in the container, cwd
// inside the rootfs, moat's binary not writable through /proc/<init>/exe.
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "moat_test.hpp"

namespace fs = std::filesystem;

namespace moat::test {
namespace {

// The line of a probe's output that starts with prefix ("" if none).
std::string line_of(const std::string& out, const std::string& prefix) {
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(prefix, 0) == 0) return line;
    return "";
}

// "KEY=VALUE" out of a probe status line.
std::string field(const std::string& status_line, const std::string& key) {
    auto at = status_line.find(" " + key + "=");
    if (at == std::string::npos) return "";
    at += key.size() + 2;
    return status_line.substr(at, status_line.find(' ', at) - at);
}

class Process : public MoatTest {
protected:
    std::string policy_file() {
        if (!policy_) {
            policy_.emplace("moat-policy");
            std::ofstream(*policy_ / "policy.json") << R"({"mode": "audit"})";
        }
        return *policy_ / "policy.json";
    }
    RunResult audit(std::vector<std::string> args) {
        args.insert(args.begin(), {"--policy", policy_file()});
        return moat(std::move(args));
    }
    // Run b with its current spec (written first) to completion.
    RunResult go(Bundle& b, bool audited) {
        b.write();
        auto id = new_id();
        auto r = audited ? audit({"run", "--bundle", b.path(), id}) : moat({"run", "--bundle", b.path(), id});
        EXPECT_TRUE(no_leaks(b, id));
        return r;
    }
    std::optional<TempDir> policy_;
};

TEST_F(Process, ArgsArePassedExactly) {
    Bundle b;
    b.spec().process.args = {"sh", "-c", "printf '%s|' \"$@\"", "zero", "a", "b c", "", "$HOME"};
    auto r = go(b, false);
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "a|b c||$HOME|") << r;
}

TEST_F(Process, EnvIsExactlyTheConfigs) {
    Bundle b;
    b.spec().process.args = {"env"};
    b.spec().process.env = {"PATH=/bin", "GREETING=hello world", "EMPTY="};
    auto r = go(b, false);
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "GREETING=hello world\n")) << r;
    EXPECT_TRUE(contains(r.out, "EMPTY=\n")) << r;
    EXPECT_TRUE(contains(r.out, "PATH=/bin\n")) << r;
    // Nothing of the test's own environment leaks in.
    EXPECT_FALSE(contains(r.out, "GTEST")) << r;
    std::istringstream lines(r.out);
    int n = 0;
    for (std::string line; std::getline(lines, line);) n += !line.empty();
    EXPECT_LE(n, 4) << "unexpected variables: " << r;
}

TEST_F(Process, CwdIsTheConfigsAndInsideTheRootfs) {
    Bundle b({.probe = true});
    b.write_file("/srv/work/marker", "here\n");
    b.spec().process.args = {"sh", "-c", "moat-probe cwd; cat marker"};
    b.spec().process.cwd = "/srv/work";
    auto r = go(b, false);
    ASSERT_EQ(r.status, 0) << r;
    // getcwd says "(unreachable)" for a directory outside the process's root.
    EXPECT_EQ(r.out, "cwd: /srv/work\nhere\n") << r;
}

TEST_F(Process, UserUidGidAndAdditionalGids) {
    Bundle b({.probe = true});
    b.spec().process.args = {"sh", "-c", "moat-probe uid; moat-probe gid; moat-probe groups"};
    b.spec().process.user.uid = 1234;
    b.spec().process.user.gid = 2345;
    b.spec().process.user.additional_gids = {3001, 3002};
    auto r = go(b, false);
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "uid: ruid=1234 euid=1234 suid=1234\n")) << r;
    EXPECT_TRUE(contains(r.out, "gid: rgid=2345 egid=2345 sgid=2345\n")) << r;
    auto groups = line_of(r.out, "groups:");
    EXPECT_TRUE(contains(groups, " 3001") && contains(groups, " 3002")) << r;
    EXPECT_FALSE(contains(groups, " 0")) << "root's group kept: " << r;
}

TEST_F(Process, Umask) {
    Bundle b;
    b.spec().process.args = {"sh", "-c", "umask; touch /tmp/f; stat -c %a /tmp/f"};
    b.spec().process.user.umask = 027;
    auto r = go(b, false);
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "0027\n640\n") << r;
}

TEST_F(Process, AllFiveCapabilitySets) {
    // A non-root user keeps exactly what the config says across exec: the
    // bounding and inheritable sets as given, the ambient set, and (from the
    // ambient set, as the kernel computes for a file without capabilities)
    // permitted and effective.
    Bundle b({.probe = true});
    b.spec().process.args = {"moat-probe", "status"};
    b.spec().process.user.uid = 1000;
    b.spec().process.user.gid = 1000;
    spec::Capabilities caps;
    caps.bounding = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    caps.permitted = {"CAP_KILL", "CAP_NET_BIND_SERVICE"};
    caps.effective = {"CAP_KILL", "CAP_NET_BIND_SERVICE"};
    caps.inheritable = {"CAP_KILL", "CAP_NET_BIND_SERVICE"};
    caps.ambient = {"CAP_NET_BIND_SERVICE"};
    b.spec().process.capabilities = caps;
    auto r = go(b, true);
    ASSERT_EQ(r.status, 0) << r;
    auto s = line_of(r.out, "status:");
    EXPECT_EQ(field(s, "CapBnd"), "0000000000000421") << s;  // CHOWN(0) KILL(5) NET_BIND_SERVICE(10)
    EXPECT_EQ(field(s, "CapInh"), "0000000000000420") << s;
    EXPECT_EQ(field(s, "CapAmb"), "0000000000000400") << s;
    EXPECT_EQ(field(s, "CapPrm"), "0000000000000400") << s;
    EXPECT_EQ(field(s, "CapEff"), "0000000000000400") << s;
}

TEST_F(Process, RootGetsItsBoundingSetAndNoMore) {
    Bundle b({.probe = true});
    b.spec().process.args = {"moat-probe", "status"};
    spec::Capabilities caps;
    caps.bounding = caps.permitted = caps.effective = {"CAP_CHOWN", "CAP_KILL"};
    b.spec().process.capabilities = caps;
    auto r = go(b, true);
    ASSERT_EQ(r.status, 0) << r;
    auto s = line_of(r.out, "status:");
    EXPECT_EQ(field(s, "CapBnd"), "0000000000000021") << s;
    EXPECT_EQ(field(s, "CapEff"), "0000000000000021") << s;
    EXPECT_EQ(field(s, "CapPrm"), "0000000000000021") << s;
    EXPECT_EQ(field(s, "CapInh"), "0000000000000000") << s;
    EXPECT_EQ(field(s, "CapAmb"), "0000000000000000") << s;
}

TEST_F(Process, DefaultProfileDropsEveryCapability) {
    Bundle b({.probe = true});
    b.spec().process.args = {"moat-probe", "status"};
    spec::Capabilities caps;
    caps.bounding = caps.permitted = caps.effective = {"CAP_SYS_ADMIN", "CAP_NET_ADMIN"};
    b.spec().process.capabilities = caps;
    auto r = go(b, false);
    ASSERT_EQ(r.status, 0) << r;
    auto s = line_of(r.out, "status:");
    for (auto set : {"CapBnd", "CapEff", "CapPrm", "CapInh", "CapAmb"})
        EXPECT_EQ(field(s, set), "0000000000000000") << set << ": " << s;
}

TEST_F(Process, RlimitNofile) {
    Bundle b({.probe = true});
    b.spec().process.args = {"moat-probe", "rlimit", "NOFILE"};
    b.spec().process.rlimits = {spec::Rlimit{.type = "RLIMIT_NOFILE", .hard = 768, .soft = 512}};
    auto r = go(b, false);
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "rlimit NOFILE: soft=512 hard=768\n") << r;
}

TEST_F(Process, RlimitAboveTheHostHardLimitFailsNamingIt) {
    rlimit host{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &host), 0);
    if (host.rlim_max == RLIM_INFINITY) GTEST_SKIP() << "no hard NOFILE limit on this host";
    // With CAP_SYS_RESOURCE the raise would be allowed: nothing to test.
    auto status = slurp("/proc/self/status");
    auto at = status.find("CapEff:");
    unsigned long long eff = std::stoull(status.substr(at + 7), nullptr, 16);
    if (eff & (1ull << 24)) GTEST_SKIP() << "this host's root has CAP_SYS_RESOURCE";
    Bundle b;
    b.spec().process.args = {"true"};
    uint64_t above = host.rlim_max + 1000;
    b.spec().process.rlimits = {spec::Rlimit{.type = "RLIMIT_NOFILE", .hard = above, .soft = above}};
    b.write();
    auto id = new_id();
    auto r = audit({"run", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "RLIMIT_NOFILE")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Process, NoNewPrivilegesFollowsTheConfig) {
    Bundle b({.probe = true});
    b.spec().process.args = {"moat-probe", "status"};
    b.spec().process.no_new_privileges = true;
    auto on = go(b, true);
    b.spec().process.no_new_privileges = false;
    auto off = go(b, true);
    ASSERT_EQ(on.status, 0) << on;
    ASSERT_EQ(off.status, 0) << off;
    EXPECT_EQ(field(line_of(on.out, "status:"), "NoNewPrivs"), "1") << on;
    EXPECT_EQ(field(line_of(off.out, "status:"), "NoNewPrivs"), "0") << off;
}

TEST_F(Process, OomScoreAdj) {
    Bundle b;
    b.spec().process.args = {"cat", "/proc/self/oom_score_adj"};
    b.spec().process.oom_score_adj = 432;
    auto r = go(b, true);
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "432\n") << r;
}

spec::Seccomp deny_mkdir() {
    spec::Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    spec::SeccompSyscall sc;
    sc.names = {"mkdir", "mkdirat"};
    sc.action = "SCMP_ACT_ERRNO";
    sc.errno_ret = 1;  // EPERM
    s.syscalls = {sc};
    return s;
}

TEST_F(Process, SeccompFromTheSpecDeniesMkdir) {
    Bundle b({.probe = true});
    b.spec().process.args = {"sh", "-c",
                             "mkdir /tmp/d 2>&1; echo mkdir=$?; touch /tmp/f && echo touch-ok; moat-probe status"};
    b.spec().linux.seccomp = deny_mkdir();
    auto r = go(b, true);
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "Operation not permitted")) << r;
    EXPECT_TRUE(contains(r.out, "mkdir=1")) << r;
    EXPECT_TRUE(contains(r.out, "touch-ok")) << r;
    // Audit mode: the spec's filter alone.
    EXPECT_EQ(field(line_of(r.out, "status:"), "Seccomp_filters"), "1") << r;
}

TEST_F(Process, SeccompFromTheSpecStacksOnTheDefaultProfile) {
    Bundle b({.probe = true});
    b.spec().process.args = {"sh", "-c",
                             "mkdir /tmp/d 2>&1; echo mkdir=$?; moat-probe syscall unshare-ns; moat-probe status"};
    b.spec().linux.seccomp = deny_mkdir();
    auto r = go(b, false);
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "mkdir=1")) << "the spec's filter is missing: " << r;
    EXPECT_TRUE(contains(r.out, "unshare-ns: EPERM")) << "moat's filter is missing: " << r;
    EXPECT_EQ(field(line_of(r.out, "status:"), "Seccomp_filters"), "2") << r;
}

TEST_F(Process, SeccompArgumentRules) {
    // socket(AF_INET, ...) denied by an argument rule; socket(AF_UNIX, ...) allowed.
    Bundle b({.probe = true});
    b.spec().process.args = {"moat-probe", "syscall", "socket-inet", "socket-unix"};
    spec::Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    s.architectures = {"SCMP_ARCH_X86_64"};
    spec::SeccompSyscall sc;
    sc.names = {"socket"};
    sc.action = "SCMP_ACT_ERRNO";
    sc.errno_ret = 13;  // EACCES, to tell it from anything moat would do
    sc.args = {spec::SeccompArg{.index = 0, .value = 2 /*AF_INET*/, .value_two = 0, .op = "SCMP_CMP_EQ"}};
    s.syscalls = {sc};
    b.spec().linux.seccomp = s;
    auto r = go(b, true);
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "socket-inet: EACCES")) << r;
    EXPECT_TRUE(contains(r.out, "socket-unix: ok")) << r;
}

TEST_F(Process, PreserveFdsPassesFdThree) {
    TempDir dir("moat-preserve");
    std::ofstream(dir / "shared.txt") << "through-fd-3\n";
    Bundle b({.probe = true});
    b.spec().process.args = {"sh", "-c", "cat <&3; moat-probe fds"};
    b.write();
    auto id = new_id();
    auto r = run({"sh", "-c",
                  "exec 3<\"$0\"; exec \"$1\" --root \"$2\" run --preserve-fds 1 --bundle \"$3\" \"$4\"",
                  dir / "shared.txt", moat_binary(), state_root(), b.path(), id});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "through-fd-3\n")) << r;
    auto fds = line_of(r.out, "fds:");
    EXPECT_TRUE(contains(fds, " 3=") && contains(fds, "shared.txt")) << r;
    EXPECT_FALSE(contains(fds, " 4=")) << "more than the preserved fd: " << r;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Process, NoMoatFdReachesTheContainer) {
    Bundle b({.probe = true});
    b.spec().process.args = {"moat-probe", "fds"};
    // Even when moat itself was handed an extra fd.
    auto id = new_id();
    b.write();
    auto r = run({"sh", "-c", "exec 3</etc/hostname 7</dev/null; exec \"$0\" --root \"$1\" run --bundle \"$2\" \"$3\"",
                  moat_binary(), state_root(), b.path(), id});
    ASSERT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "fds:\n") << r;
    auto plain = go(b, false);
    ASSERT_EQ(plain.status, 0) << plain;
    EXPECT_EQ(plain.out, "fds:\n") << plain;
}

TEST_F(Process, MoatBinaryIsNotWritableThroughTheWaitingInit) {
    // Between create and start, pid 1 of the container is moat itself: a
    // process exec'd into the container must not get its binary for writing.
    auto sha = [] { return run({"sha256sum", moat_binary()}).out; };
    auto before = sha();
    Bundle b({.probe = true});
    b.spec().process.args = {"moat-probe", "exe-write", "1"};
    b.write();
    auto id = new_id();
    ASSERT_EQ(moat({"create", "--bundle", b.path(), id}).status, 0);
    auto r = moat({"exec", id, "moat-probe", "exe-write", "1"});
    EXPECT_EQ(r.status, 0) << r;
    auto line = line_of(r.out, "exe-write 1:");
    EXPECT_FALSE(line.empty()) << r;
    EXPECT_FALSE(contains(line, ": ok")) << r;
    // And the started container's own attempt.
    ASSERT_EQ(moat({"start", id}).status, 0);
    moat({"delete", "--force", id});
    EXPECT_EQ(sha(), before) << "moat's binary changed";
}

}  // namespace
}  // namespace moat::test
