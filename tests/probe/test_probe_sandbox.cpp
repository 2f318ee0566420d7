// The child-side security sequence, end to end without a container: a forked
// child follows the order the container's init uses (lo up, Landlock ruleset
// prepared, bounding set dropped, setuid with keep-caps, capsets, no_new_privs,
// Landlock enforced, moat's seccomp filter installed) and execs moat-probe,
// whose printed lines must match the profile. Also checks the probe's output
// format, which the integration tests depend on.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "linux/capabilities.hpp"
#include "linux/fd.hpp"
#include "linux/landlock.hpp"
#include "linux/netlink.hpp"
#include "linux/seccomp.hpp"

using namespace moat;
using namespace moat::linux;

namespace {

struct Sandbox {
    SeccompProgram filter;
    CapSets caps;
    LandlockRules rules;
    std::string abstract_listener;  // made in the child's netns before confinement
};

// Fork, confine, exec `probe args...`; return its stdout (or a failure note).
std::string run_confined(const Sandbox& sb, const std::string& probe,
                         const std::vector<std::string>& args) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return "pipe failed";
    pid_t pid = ::fork();
    if (pid == 0) {
        auto die = [&](const char* step) {
            dprintf(p[1], "step failed: %s: %s\n", step, strerror(errno));
            ::_exit(1);
        };
        if (::unshare(CLONE_NEWNS | CLONE_NEWNET) != 0) die("unshare");
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) die("private /");
        if (!bring_up_loopback()) die("lo up");
        if (!sb.abstract_listener.empty()) {
            // Not CLOEXEC: the probe inherits it, which keeps the listener alive.
            int l = ::socket(AF_UNIX, SOCK_STREAM, 0);
            sockaddr_un a{};
            a.sun_family = AF_UNIX;
            std::memcpy(a.sun_path + 1, sb.abstract_listener.data(), sb.abstract_listener.size());
            auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 +
                                              sb.abstract_listener.size());
            if (::bind(l, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(l, 1) != 0)
                die("abstract listener");
        }
        auto ruleset = prepare_ruleset(sb.rules);  // after pivot_root in a real container
        if (!ruleset) die("landlock prepare");
        if (int rc = drop_bounding_set(sb.caps); rc < 0) { errno = -rc; die("bounding"); }
        if (int rc = set_keep_caps(true); rc < 0) { errno = -rc; die("keepcaps"); }
        if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
            ::setresuid(65534, 65534, 65534) != 0)
            die("setresuid");
        if (int rc = set_keep_caps(false); rc < 0) { errno = -rc; die("keepcaps off"); }
        if (int rc = apply_capabilities(sb.caps); rc < 0) { errno = -rc; die("capset"); }
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("no_new_privs");
        if (int rc = enforce_ruleset(ruleset->fd.get()); rc < 0) { errno = -rc; die("landlock"); }
        if (int rc = install_filter(sb.filter); rc < 0) { errno = -rc; die("seccomp"); }
        // From here on, nothing but exec: no allocation under the filter.
        ::dup2(p[1], 1);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(probe.c_str()));
        for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(probe.c_str(), argv.data());
        die("exec");
    }
    ::close(p[1]);
    std::string out = read_fd(p[0]).value_or("read failed");
    ::close(p[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        out += "probe exit status " + std::to_string(st) + "\n";
    return out;
}

// "name: value" lines to a map.
std::map<std::string, std::string> lines(const std::string& text) {
    std::map<std::string, std::string> m;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto colon = line.find(": ");
        if (colon != std::string::npos) m[line.substr(0, colon)] = line.substr(colon + 2);
    }
    return m;
}

class ProbeSandbox : public ::testing::Test {
protected:
    void SetUp() override {
        const char* built = std::getenv("MOAT_PROBE");
        ASSERT_NE(built, nullptr) << "MOAT_PROBE must name the moat-probe binary";
        // A copy that uid 65534 can execute, and a directory it cannot write.
        char t[] = "/tmp/moat-probe-test-XXXXXX";
        ASSERT_NE(::mkdtemp(t), nullptr);
        dir_ = t;
        ::chmod(dir_.c_str(), 0755);
        probe_ = dir_ + "/moat-probe";
        std::filesystem::copy_file(built, probe_);
        ::chmod(probe_.c_str(), 0755);

        auto filter = compile_moat_filter();
        ASSERT_TRUE(filter) << filter.error().message;
        auto caps = parse_capabilities(spec::Capabilities{});
        ASSERT_TRUE(caps) << caps.error().message;
        sb_.filter = std::move(*filter);
        sb_.caps = *caps;
        sb_.rules.writable_paths = standard_writable_paths();
    }
    void TearDown() override {
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }
    std::string dir_, probe_;
    Sandbox sb_;
};

}  // namespace

TEST_F(ProbeSandbox, EscapeSyscallsAreRefused) {
    std::string out = run_confined(sb_, probe_, {"syscall", "all"});
    auto m = lines(out);
    const std::map<std::string, std::string> want = {
        {"mount", "EPERM"},           {"umount2", "EPERM"},
        {"pivot_root", "EPERM"},      {"unshare-user", "EPERM"},
        {"unshare-net", "EPERM"},     {"unshare-ns", "EPERM"},
        {"setns", "EPERM"},           {"ptrace", "EPERM"},
        {"keyctl", "EPERM"},          {"add_key", "EPERM"},
        {"bpf", "EPERM"},             {"perf_event_open", "EPERM"},
        {"userfaultfd", "EPERM"},     {"io_uring_setup", "EPERM"},
        {"open_by_handle_at", "EPERM"}, {"kexec_load", "EPERM"},
        {"init_module", "EPERM"},     {"clone-newns", "EPERM"},
        {"clone-newuser", "EPERM"},   {"clone", "ok"},
        {"clone3", "ENOSYS"},         {"socket-inet", "ok"},
        {"socket-unix", "ok"},        {"socket-raw", "EPERM"},
        {"socket-packet", "EPERM"},   {"socket-netlink-route", "ok"},
        {"socket-netlink-audit", "EPERM"}, {"tiocsti", "EPERM"},
        {"personality", "EPERM"},     {"mknod", "EPERM"},
        {"chroot", "EPERM"},          {"syslog", "EPERM"},
    };
    for (auto& [name, result] : want) EXPECT_EQ(m[name], result) << name << "\n" << out;
}

TEST_F(ProbeSandbox, StatusNetworkAndFiles) {
    std::string out = run_confined(
        sb_, probe_,
        {"status"});
    EXPECT_EQ(lines(out)["status"],
              "NoNewPrivs=1 Seccomp=2 Seccomp_filters=1 CapInh=0000000000000000 "
              "CapPrm=0000000000000000 CapEff=0000000000000000 CapBnd=0000000000000000 "
              "CapAmb=0000000000000000")
        << out;
    EXPECT_EQ(lines(run_confined(sb_, probe_, {"tcp-loop"}))["tcp-loop"], "ok");
    EXPECT_EQ(lines(run_confined(sb_, probe_, {"uid"}))["uid"], "ruid=65534 euid=65534 suid=65534");
    EXPECT_EQ(lines(run_confined(sb_, probe_, {"write", "/dev/null"}))["write /dev/null"], "ok");
    std::string in_tmp = dir_ + "-w";  // under /tmp, a standard writable path
    EXPECT_EQ(lines(run_confined(sb_, probe_, {"write", in_tmp}))["write " + in_tmp], "ok");
    ::unlink(in_tmp.c_str());
    // /var/tmp is world-writable, so only Landlock stands in the way.
    EXPECT_EQ(lines(run_confined(sb_, probe_, {"write", "/var/tmp/moat-probe-x"}))
                  ["write /var/tmp/moat-probe-x"],
              "EACCES");
    EXPECT_EQ(lines(run_confined(sb_, probe_, {"read", "/etc/passwd"}))["read /etc/passwd"], "ok");
    auto ifaces = lines(run_confined(sb_, probe_, {"routes"}))["routes"];
    EXPECT_NE(ifaces.find("ipv4_non_lo=0 ipv6_non_lo=0"), std::string::npos) << ifaces;
}

TEST_F(ProbeSandbox, SignalsAndAbstractSocketsStayInside) {
    // An outsider process and an abstract socket made outside the sandbox.
    pid_t outsider = ::fork();
    if (outsider == 0) {
        ::pause();
        ::_exit(0);
    }
    std::string pid = std::to_string(outsider);
    EXPECT_EQ(lines(run_confined(sb_, probe_, {"signal", pid}))["signal " + pid], "EPERM");
    ::kill(outsider, SIGKILL);
    ::waitpid(outsider, nullptr, 0);

    // An abstract socket bound before Landlock is enforced belongs to no
    // domain, like one on the host: scoped, the probe cannot reach it.
    sb_.abstract_listener = "moat-probe-test";
    EXPECT_EQ(lines(run_confined(sb_, probe_, {"unix-abstract", "moat-probe-test"}))
                  ["unix-abstract moat-probe-test"],
              "EPERM");
    sb_.rules.scope_abstract_unix = false;  // the control
    EXPECT_EQ(lines(run_confined(sb_, probe_, {"unix-abstract", "moat-probe-test"}))
                  ["unix-abstract moat-probe-test"],
              "ok");
}

TEST(Probe, MisuseExitsTwo) {
    const char* probe = std::getenv("MOAT_PROBE");
    ASSERT_NE(probe, nullptr);
    std::string cmd = std::string(probe) + " no-such-command 2>/dev/null";
    int st = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(st), 2);
    cmd = std::string(probe) + " syscall no-such-check >/dev/null";
    st = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(st), 2);
}
