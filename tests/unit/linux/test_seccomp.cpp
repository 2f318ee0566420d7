// Seccomp: both filters compile, and installed in a forked child they deny
// what the profile promises and nothing ordinary programs need.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include "linux/fd.hpp"
#include "linux/seccomp.hpp"

using namespace moat;
using namespace moat::linux;

namespace {

// Run `fn` in a forked child. Returns what it reported ("" when every check
// held), plus a note if it did not exit with status 0.
std::string in_child(const std::function<std::string()>& fn) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return "pipe failed";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[0]);
        std::string r = fn();
        (void)!::write(p[1], r.data(), r.size());
        ::_exit(0);
    }
    ::close(p[1]);
    std::string out = read_fd(p[0]).value_or("read failed");
    ::close(p[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    if (WIFSIGNALED(st)) out += "child killed by signal " + std::to_string(WTERMSIG(st));
    else if (WEXITSTATUS(st) != 0) out += "child exit " + std::to_string(WEXITSTATUS(st));
    return out;
}

// "" when `rc` is a failure with `err`, else a description.
std::string expect_errno(const char* what, long rc, int err) {
    if (rc == -1 && errno == err) return "";
    return std::string(what) + ": rc " + std::to_string(rc) + " errno " + strerrorname_np(errno) +
           ", wanted " + strerrorname_np(err) + "\n";
}
std::string expect_ok(const char* what, long rc) {
    if (rc >= 0) return "";
    return std::string(what) + ": failed with " + strerrorname_np(errno) + "\n";
}
#define ERRNO_IS(expr, err) expect_errno(#expr, (expr), err)
#define SUCCEEDS(expr) expect_ok(#expr, (expr))

// A private mount namespace first: if a filter were broken, the mount calls
// below must not touch the host.
std::string isolate() {
    if (::unshare(CLONE_NEWNS) != 0) return "unshare(CLONE_NEWNS) failed\n";
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        return "make / private failed\n";
    return "";
}

std::string install(const SeccompProgram& prog) {
    if (std::string r = isolate(); !r.empty()) return r;
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return "no_new_privs failed\n";
    int rc = install_filter(prog);
    return rc < 0 ? std::string("install_filter: ") + strerror(-rc) + "\n" : "";
}

spec::SeccompSyscall rule(std::vector<std::string> names, std::string action,
                          std::optional<uint32_t> errno_ret = std::nullopt) {
    spec::SeccompSyscall s;
    s.names = std::move(names);
    s.action = std::move(action);
    s.errno_ret = errno_ret;
    return s;
}

long clone_with(unsigned long flags) {
    // Raw clone: on x86-64 the flags are the first argument.
    long rc = ::syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (rc == 0) ::_exit(0);
    if (rc > 0) ::waitpid(static_cast<pid_t>(rc), nullptr, 0);
    return rc;
}

}  // namespace

TEST(Seccomp, MoatFilterCompiles) {
    auto prog = compile_moat_filter();
    ASSERT_TRUE(prog) << prog.error().message;
    EXPECT_GT(prog->code.size(), 20u);
    EXPECT_EQ(prog->flags, 0u);
}

// create installs the program compiled at build time; the tests below check
// the one compiled now. They must be the same instructions.
TEST(Seccomp, EmbeddedMoatFilterIsTheCompiledOne) {
    auto now = compile_moat_filter();
    auto embedded = moat_filter();
    ASSERT_TRUE(now) << now.error().message;
    ASSERT_TRUE(embedded) << embedded.error().message;
    ASSERT_EQ(embedded->code.size(), now->code.size());
    EXPECT_EQ(std::memcmp(embedded->code.data(), now->code.data(), now->code.size() * sizeof(sock_filter)), 0);
    EXPECT_EQ(embedded->flags, now->flags);
}

TEST(Seccomp, MoatFilterDeniesTheDangerousSyscalls) {
    auto prog = compile_moat_filter();
    ASSERT_TRUE(prog) << prog.error().message;
    std::string out = in_child([&] {
        std::string r = install(*prog);
        if (!r.empty()) return r;
        r += ERRNO_IS(::mount("none", "/mnt", "tmpfs", 0, nullptr), EPERM);
        r += ERRNO_IS(::umount2("/nonexistent-moat", 0), EPERM);  // ENOENT without the filter
        r += ERRNO_IS(::syscall(SYS_fsopen, "tmpfs", 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_open_tree, AT_FDCWD, "/", 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_pivot_root, "/", "/"), EPERM);
        r += ERRNO_IS(::unshare(CLONE_NEWNS), EPERM);
        r += ERRNO_IS(::unshare(CLONE_NEWUSER), EPERM);
        r += ERRNO_IS(::setns(0, 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_keyctl, 0 /*KEYCTL_GET_KEYRING_ID*/, -3, 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_add_key, "user", "k", "v", 1, -3), EPERM);
        r += ERRNO_IS(::syscall(SYS_bpf, 0, nullptr, 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_perf_event_open, nullptr, 0, -1, -1, 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_userfaultfd, 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_io_uring_setup, 8, nullptr), EPERM);
        r += ERRNO_IS(::syscall(SYS_ptrace, 16 /*PTRACE_ATTACH*/, 1, 0, 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_kcmp, ::getpid(), ::getpid(), 0 /*KCMP_FILE*/, 0, 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_process_vm_readv, 1, nullptr, 0, nullptr, 0, 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_open_by_handle_at, AT_FDCWD, nullptr, 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_kexec_load, 0, 0, nullptr, 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_init_module, nullptr, 0, ""), EPERM);
        r += ERRNO_IS(::syscall(467 /*open_tree_attr*/, AT_FDCWD, "/", 0, nullptr, 0), EPERM);
        r += ERRNO_IS(::socket(AF_PACKET, SOCK_RAW, 0), EPERM);
        r += ERRNO_IS(::socket(AF_NETLINK, SOCK_RAW, 9 /*NETLINK_AUDIT*/), EPERM);
        r += ERRNO_IS(::socket(AF_BLUETOOTH, SOCK_STREAM, 0), EPERM);
        r += ERRNO_IS(::socket(AF_VSOCK, SOCK_STREAM, 0), EPERM);
        r += ERRNO_IS(::syscall(SYS_socket, (1ul << 32) | AF_PACKET, SOCK_RAW, 0), EPERM);
        r += ERRNO_IS(clone_with(CLONE_NEWUSER), EPERM);
        r += ERRNO_IS(clone_with(CLONE_NEWNET), EPERM);
        r += ERRNO_IS(clone_with(CLONE_NEWNS | CLONE_NEWPID), EPERM);
        r += ERRNO_IS(::syscall(SYS_clone3, nullptr, 0), ENOSYS);
        r += ERRNO_IS(::personality(ADDR_NO_RANDOMIZE), EPERM);
        r += ERRNO_IS(::personality(READ_IMPLIES_EXEC), EPERM);
        // TIOCSTI on a pipe: ENOTTY without the filter, EPERM with it; the
        // upper half of the request is ignored by the kernel, so by us too.
        int pp[2];
        if (::pipe2(pp, O_CLOEXEC) != 0) return r + "pipe failed\n";
        char c = 'x';
        r += ERRNO_IS(::ioctl(pp[0], TIOCSTI, &c), EPERM);
        r += ERRNO_IS(::syscall(SYS_ioctl, pp[0], (1ul << 32) | TIOCSTI, &c), EPERM);
        r += ERRNO_IS(::ioctl(pp[0], TIOCLINUX, &c), EPERM);
        r += ERRNO_IS(::ioctl(pp[0], TIOCGWINSZ, &c), ENOTTY);  // other ioctls untouched
        return r;
    });
    EXPECT_EQ(out, "");
}

TEST(Seccomp, MoatFilterLeavesOrdinaryProgramsAlone) {
    auto prog = compile_moat_filter();
    ASSERT_TRUE(prog) << prog.error().message;
    char dir[] = "/tmp/moat-seccomp-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    std::string file = std::string(dir) + "/f";
    std::string out = in_child([&] {
        std::string r = install(*prog);
        if (!r.empty()) return r;
        pid_t pid = ::fork();
        if (pid == 0) ::_exit(7);
        int st = 0;
        if (pid < 0 || ::waitpid(pid, &st, 0) != pid || WEXITSTATUS(st) != 7) r += "fork failed\n";
        // pthread_create tries clone3 first and falls back to clone on ENOSYS.
        bool ran = false;
        std::thread([&] { ran = true; }).join();
        if (!ran) r += "thread did not run\n";
        for (auto [fam, type, proto] : {std::tuple{AF_INET, SOCK_STREAM, 0},
                                        {AF_INET6, SOCK_DGRAM, 0},
                                        {AF_UNIX, SOCK_STREAM, 0},
                                        {AF_NETLINK, SOCK_RAW, 0 /*NETLINK_ROUTE*/}}) {
            int s = ::socket(fam, type | SOCK_CLOEXEC, proto);
            r += expect_ok(("socket family " + std::to_string(fam)).c_str(), s);
            if (s >= 0) ::close(s);
        }
        int sv[2];
        r += SUCCEEDS(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        int fd = ::open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        r += SUCCEEDS(fd);
        r += SUCCEEDS(::write(fd, "abc", 3));
        char buf[3];
        r += SUCCEEDS(::pread(fd, buf, 3, 0));
        r += SUCCEEDS(::personality(0xffffffff));
        r += SUCCEEDS(::personality(PER_LINUX));
        r += SUCCEEDS(clone_with(0));  // clone without namespace flags
        return r;
    });
    EXPECT_EQ(out, "");
    ::unlink(file.c_str());
    ::rmdir(dir);
}

TEST(Seccomp, MoatFilterKillsOtherAbis) {
    auto prog = compile_moat_filter();
    ASSERT_TRUE(prog) << prog.error().message;
    // An x32 syscall number (bit 30) must not be a way around the rules.
    std::string out = in_child([&] {
        std::string r = install(*prog);
        if (!r.empty()) return r;
        ::syscall(0x40000000 | SYS_mount, "none", "/mnt", "tmpfs", 0, nullptr);
        return std::string("x32 syscall returned\n");
    });
    EXPECT_EQ(out, "child killed by signal " + std::to_string(SIGSYS));
}

TEST(Seccomp, SpecFilterErrnoIsHonoured) {
    spec::Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    s.syscalls = {rule({"getcwd", "no_such_syscall_anywhere"}, "SCMP_ACT_ERRNO", 42)};
    auto prog = compile_spec_filter(s);
    ASSERT_TRUE(prog) << prog.error().message;
    std::string out = in_child([&] {
        std::string r = install(*prog);
        char buf[256];
        errno = 0;
        if (::getcwd(buf, sizeof buf) != nullptr || errno != 42)
            r += std::string("getcwd: errno ") + strerror(errno) + "\n";
        r += SUCCEEDS(::getpid());
        return r;
    });
    EXPECT_EQ(out, "");
}

TEST(Seccomp, SpecFilterArgumentConditions) {
    spec::Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    auto deny6 = rule({"socket"}, "SCMP_ACT_ERRNO", EACCES);
    deny6.args = {{0, AF_INET6, 0, "SCMP_CMP_EQ"}};
    // Two comparisons on one argument become two rules (OR), as in runc.
    auto deny_either = rule({"socketpair"}, "SCMP_ACT_ERRNO", EXDEV);
    deny_either.args = {{0, AF_UNIX, 0, "SCMP_CMP_EQ"}, {0, AF_INET, 0, "SCMP_CMP_EQ"}};
    auto masked = rule({"umask"}, "SCMP_ACT_ERRNO", EBADE);
    masked.args = {{0, 0700, 0200, "SCMP_CMP_MASKED_EQ"}};
    s.syscalls = {deny6, deny_either, masked};
    auto prog = compile_spec_filter(s);
    ASSERT_TRUE(prog) << prog.error().message;
    std::string out = in_child([&] {
        std::string r = install(*prog);
        r += ERRNO_IS(::socket(AF_INET6, SOCK_STREAM, 0), EACCES);
        r += SUCCEEDS(::socket(AF_INET, SOCK_STREAM, 0));
        int sv[2];
        r += ERRNO_IS(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), EXDEV);
        r += ERRNO_IS(::socketpair(AF_INET, SOCK_STREAM, 0, sv), EXDEV);
        r += ERRNO_IS(::syscall(SYS_umask, 0222), EBADE);  // 0222 & 0700 == 0200
        r += SUCCEEDS(::syscall(SYS_umask, 0022));
        return r;
    });
    EXPECT_EQ(out, "");
}

TEST(Seccomp, SpecFilterCannotUndoMoatsDenials) {
    auto moat_prog = compile_moat_filter();
    ASSERT_TRUE(moat_prog) << moat_prog.error().message;
    spec::Seccomp s;
    s.default_action = "SCMP_ACT_ERRNO";
    s.default_errno_ret = ENOTSUP;
    // What the sandboxed code needs to exit and report, plus the escapes
    // (sigaltstack: the sanitizers' runtime checks it, in the asan suites).
    s.syscalls = {rule({"mount", "unshare", "keyctl", "write", "exit_group", "exit", "getpid",
                        "seccomp", "prctl", "brk", "mmap", "munmap", "mprotect", "madvise",
                        "futex", "sigaltstack"},
                       "SCMP_ACT_ALLOW")};
    auto spec_prog = compile_spec_filter(s);
    ASSERT_TRUE(spec_prog) << spec_prog.error().message;
    for (bool moat_first : {true, false}) {
        std::string out = in_child([&] {
            std::string r = install(moat_first ? *moat_prog : *spec_prog);
            int rc = install_filter(moat_first ? *spec_prog : *moat_prog);
            if (rc < 0) return r + "second install: " + strerror(-rc) + "\n";
            r += ERRNO_IS(::mount("none", "/mnt", "tmpfs", 0, nullptr), EPERM);
            r += ERRNO_IS(::unshare(CLONE_NEWNET), EPERM);
            r += ERRNO_IS(::syscall(SYS_keyctl, 0, -3, 0), EPERM);
            r += ERRNO_IS(::syscall(SYS_getppid), ENOTSUP);  // the spec's default still applies
            r += SUCCEEDS(::syscall(SYS_getpid));
            return r;
        });
        EXPECT_EQ(out, "") << (moat_first ? "moat first" : "spec first");
    }
}

TEST(Seccomp, SyscallsNewerThanADenyByDefaultProfileAnswerEnosys) {
    spec::Seccomp s;
    s.default_action = "SCMP_ACT_ERRNO";  // EPERM
    // An "old" allow list: the newest syscall it names is seccomp (317 on
    // x86-64); clone3 (435) and faccessat2 (439) came later.
    s.syscalls = {rule({"write", "exit_group", "exit", "brk", "mmap", "munmap", "mprotect",
                        "madvise", "futex", "getpid", "prctl", "seccomp", "sigaltstack"},
                       "SCMP_ACT_ALLOW"),
                  rule({"getcwd"}, "SCMP_ACT_ERRNO", EXDEV)};
    auto prog = compile_spec_filter(s);
    ASSERT_TRUE(prog) << prog.error().message;
    std::string out = in_child([&] {
        std::string r = install(*prog);
        r += SUCCEEDS(::syscall(SYS_getpid));
        r += ERRNO_IS(::syscall(SYS_getppid), EPERM);                // older, not named: default
        r += ERRNO_IS(::syscall(SYS_getcwd, nullptr, 0), EXDEV);     // named rule
        r += ERRNO_IS(::syscall(SYS_clone3, nullptr, 0), ENOSYS);    // newer than the profile
        r += ERRNO_IS(::syscall(SYS_faccessat2, AT_FDCWD, "/", 0, 0), ENOSYS);
        return r;
    });
    EXPECT_EQ(out, "");
}

TEST(Seccomp, SpecErrorsNameTheJsonPath) {
    spec::Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    s.syscalls = {rule({"read"}, "SCMP_ACT_ERRNO"), rule({"write"}, "SCMP_ACT_LOG"),
                  rule({"open"}, "SCMP_ACT_TRAP"), rule({"close"}, "SCMP_ACT_FOO")};
    auto r = compile_spec_filter(s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "linux.seccomp.syscalls[3].action: unknown action SCMP_ACT_FOO");

    s.syscalls.pop_back();
    s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"};
    r = compile_spec_filter(s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "linux.seccomp.architectures[1]: unknown architecture SCMP_ARCH_Z80");

    s.architectures = {};
    s.syscalls[1].args = {{0, 1, 0, "SCMP_CMP_EQ"}, {1, 2, 0, "SCMP_CMP_ALMOST"}};
    r = compile_spec_filter(s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "linux.seccomp.syscalls[1].args[1].op: unknown operator SCMP_CMP_ALMOST");

    s.syscalls[1].args = {{6, 1, 0, "SCMP_CMP_EQ"}};
    r = compile_spec_filter(s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "linux.seccomp.syscalls[1].args[0].index: 6 is not 0-5");

    s.syscalls[1].args = {};
    s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS"};
    r = compile_spec_filter(s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "linux.seccomp.flags[1]: unknown flag SECCOMP_FILTER_FLAG_BOGUS");

    s.flags = {};
    s.default_action = "SCMP_ACT_KILLL";
    r = compile_spec_filter(s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "linux.seccomp.defaultAction: unknown action SCMP_ACT_KILLL");

    s.default_action = "SCMP_ACT_NOTIFY";
    r = compile_spec_filter(s);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("linux.seccomp.defaultAction"), std::string::npos);

    s.default_action = "SCMP_ACT_ALLOW";
    s.syscalls = {rule({"getppid"}, "SCMP_ACT_NOTIFY")};
    r = compile_spec_filter(s);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message,
              "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
}

TEST(Seccomp, FlagsAreCarried) {
    spec::Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    s.flags = {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"};
    auto r = compile_spec_filter(s);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->flags, unsigned(SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
    EXPECT_FALSE(seccomp_notify_needed(s));
}

TEST(Seccomp, NotifyListenerReachesTheAgent) {
    char dir[] = "/tmp/moat-agent-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    std::string sock_path = std::string(dir) + "/agent.sock";

    spec::Seccomp s;
    s.default_action = "SCMP_ACT_ALLOW";
    s.listener_path = sock_path;
    s.listener_metadata = "meta-data";
    s.syscalls = {rule({"getppid"}, "SCMP_ACT_NOTIFY")};
    ASSERT_TRUE(seccomp_notify_needed(s));
    auto prog = compile_spec_filter(s);
    ASSERT_TRUE(prog) << prog.error().message;
    EXPECT_TRUE(prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);

    UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, sock_path.c_str());
    ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener.get(), 1), 0);

    std::string out = in_child([&] {
        std::string r;
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return std::string("no_new_privs\n");
        int rc = install_filter(*prog);
        if (rc <= 0) return "install: " + std::to_string(rc) + "\n";
        auto sent = send_listener_fd(sock_path, rc, ::getpid(), R"({"id":"c1"})", "meta-data");
        if (!sent) r += sent.error().message + "\n";
        return r;
    });
    EXPECT_EQ(out, "");

    UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    ASSERT_TRUE(conn);
    char buf[4096] = {};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    iovec iov{buf, sizeof buf - 1};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(conn.get(), &mh, MSG_CMSG_CLOEXEC);
    ASSERT_GT(n, 0);
    std::string msg(buf, static_cast<size_t>(n));
    EXPECT_NE(msg.find(R"("fds":["seccompFd"])"), std::string::npos) << msg;
    EXPECT_NE(msg.find(R"("metadata":"meta-data")"), std::string::npos) << msg;
    EXPECT_NE(msg.find(R"("state":{"id":"c1"})"), std::string::npos) << msg;
    cmsghdr* cm = CMSG_FIRSTHDR(&mh);
    ASSERT_NE(cm, nullptr);
    ASSERT_EQ(cm->cmsg_type, SCM_RIGHTS);
    int got;
    std::memcpy(&got, CMSG_DATA(cm), sizeof got);
    UniqueFd notify(got);
    char target[128] = {};
    ASSERT_GT(::readlink(("/proc/self/fd/" + std::to_string(got)).c_str(), target, sizeof target - 1), 0);
    EXPECT_STREQ(target, "anon_inode:seccomp notify");
    ::unlink(sock_path.c_str());
    ::rmdir(dir);
}
