// Landlock: in a forked child, writes are confined to the allowed paths while
// reads, pipes, ptys, /dev/null and POSIX semaphores keep working; signals and
// TCP connect are scoped as asked.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <string>

#include "linux/fd.hpp"
#include "linux/landlock.hpp"
#include "linux/netlink.hpp"

using namespace moat;
using namespace moat::linux;

namespace {

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
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) out += "child failed\n";
    return out;
}

std::string check(bool ok, const std::string& what) {
    return ok ? "" : what + " (" + std::strerror(errno) + ")\n";
}

// Write "x" to path (created if need be); 0 or errno.
int try_write(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return errno;
    int rc = ::write(fd, "x", 1) == 1 ? 0 : errno;
    ::close(fd);
    return rc;
}

std::string restrict_to(const LandlockRules& rules) {
    auto rs = prepare_ruleset(rules);
    if (!rs) return rs.error().message + "\n";
    if (!rs->present()) return "landlock absent\n";
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return "no_new_privs failed\n";
    int rc = enforce_ruleset(rs->fd.get());
    return rc == 0 ? "" : std::string("enforce: ") + std::strerror(-rc) + "\n";
}

struct TempDir {
    std::string path;
    explicit TempDir(std::string base = "/tmp") {
        std::string t = base + "/moat-landlock-XXXXXX";
        path = ::mkdtemp(t.data());
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

}  // namespace

TEST(Landlock, AbiIsReported) {
    // This project's machines run kernel 6.x with Landlock ABI 7.
    EXPECT_GE(landlock_abi(), 6);
}

TEST(Landlock, WritesOnlyWhereAllowed) {
    TempDir allowed, elsewhere;
    ASSERT_EQ(try_write(elsewhere.path + "/existing"), 0);
    LandlockRules rules;
    rules.writable_paths = {allowed.path, "/dev/null"};
    std::string out = in_child([&] {
        std::string r = restrict_to(rules);
        if (!r.empty()) return r;
        r += check(try_write(allowed.path + "/new") == 0, "write in the allowed dir");
        r += check(::mkdir((allowed.path + "/sub").c_str(), 0755) == 0, "mkdir in the allowed dir");
        r += check(try_write(allowed.path + "/sub/deeper") == 0, "write beneath the allowed dir");
        r += check(try_write(elsewhere.path + "/new") == EACCES, "create elsewhere is EACCES");
        r += check(try_write(elsewhere.path + "/existing") == EACCES, "write elsewhere is EACCES");
        r += check(::truncate((elsewhere.path + "/existing").c_str(), 0) != 0 && errno == EACCES,
                   "truncate elsewhere is EACCES");
        r += check(::mkdir((elsewhere.path + "/d").c_str(), 0755) != 0 && errno == EACCES,
                   "mkdir elsewhere is EACCES");
        r += check(::unlink((elsewhere.path + "/existing").c_str()) != 0 && errno == EACCES,
                   "unlink elsewhere is EACCES");
        r += check(::rename((allowed.path + "/new").c_str(), (elsewhere.path + "/moved").c_str()) != 0,
                   "rename out of the allowed dir is refused");
        r += check(read_file(elsewhere.path + "/existing").has_value(), "read elsewhere works");
        r += check(try_write("/dev/null") == 0, "write /dev/null");
        return r;
    });
    EXPECT_EQ(out, "");
}

TEST(Landlock, StdoutReopenedThroughProcWorksForPipesAndPtys) {
    TempDir unlisted("/var/tmp");  // /tmp itself is one of the standard paths
    LandlockRules rules;
    rules.writable_paths = standard_writable_paths();
    std::string out = in_child([&] {
        int p[2];
        if (::pipe2(p, 0) != 0) return std::string("pipe failed\n");
        // A pty opened before the ruleset, as a console would be.
        int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0)
            return std::string("no pty\n");
        std::string pts = ::ptsname(master);
        int slave = ::open(pts.c_str(), O_RDWR | O_NOCTTY);
        std::string r = restrict_to(rules);
        if (!r.empty()) return r;
        // `echo x > /dev/stdout` with stdout a pipe: reopen via /proc/self/fd.
        ::dup2(p[1], 1);
        int fd = ::open("/proc/self/fd/1", O_WRONLY | O_CLOEXEC);
        r += check(fd >= 0 && ::write(fd, "y", 1) == 1, "write to a pipe through /proc/self/fd/1");
        char c = 0;
        r += check(::read(p[0], &c, 1) == 1 && c == 'y', "the byte came through the pipe");
        // The same with stdout a pty, and opening the pts by name.
        ::dup2(slave, 1);
        fd = ::open("/proc/self/fd/1", O_WRONLY | O_CLOEXEC);
        r += check(fd >= 0 && ::write(fd, "z", 1) == 1, "write to a pty through /proc/self/fd/1");
        fd = ::open(pts.c_str(), O_WRONLY | O_CLOEXEC);
        r += check(fd >= 0, "open " + pts + " for writing");
        // POSIX semaphores live in /dev/shm (Python multiprocessing uses them).
        std::string name = "/moat-landlock-" + std::to_string(::getpid());
        sem_t* sem = ::sem_open(name.c_str(), O_CREAT | O_EXCL, 0600, 1);
        r += check(sem != SEM_FAILED, "sem_open in /dev/shm");
        if (sem != SEM_FAILED) ::sem_unlink(name.c_str());
        // And outside the standard paths nothing is writable.
        r += check(try_write(unlisted.path + "/f") == EACCES, "write to an unlisted dir is EACCES");
        return r;
    });
    EXPECT_EQ(out, "");
}

TEST(Landlock, PythonMultiprocessingKeepsWorking) {
    if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
    LandlockRules rules;
    rules.writable_paths = standard_writable_paths();
    std::string out = in_child([&] {
        std::string r = restrict_to(rules);
        if (!r.empty()) return r;
        pid_t pid = ::fork();
        if (pid == 0) {
            int devnull = ::open("/dev/null", O_WRONLY);
            ::dup2(devnull, 1);
            ::dup2(devnull, 2);
            ::execl("/usr/bin/python3", "python3", "-c",
                    "import multiprocessing as m\n"
                    "l = m.Lock()\n"
                    "q = m.Queue(); q.put(1); assert q.get() == 1\n"
                    "p = m.Process(target=print); p.start(); p.join(); assert p.exitcode == 0\n",
                    nullptr);
            ::_exit(127);
        }
        int st = 0;
        ::waitpid(pid, &st, 0);
        return check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                     "python multiprocessing exit " + std::to_string(WEXITSTATUS(st)));
    });
    EXPECT_EQ(out, "");
}

TEST(Landlock, MissingPathsAreSkipped) {
    LandlockRules rules;
    rules.writable_paths = {"/nonexistent-moat/dir", "/tmp"};
    auto rs = prepare_ruleset(rules);
    ASSERT_TRUE(rs) << rs.error().message;
    ASSERT_TRUE(rs->present());
    EXPECT_EQ(rs->skipped_paths, std::vector<std::string>{"/nonexistent-moat/dir"});
    EXPECT_NE(rs->handled_fs, 0u);
    EXPECT_EQ(rs->handled_net, 0u);  // no ports named: TCP not restricted
    EXPECT_NE(rs->scoped, 0u);
}

TEST(Landlock, SignalsAreScopedToTheSandbox) {
    pid_t outsider = ::fork();
    if (outsider == 0) {
        ::pause();
        ::_exit(0);
    }
    ASSERT_GT(outsider, 0);
    LandlockRules rules;
    rules.writable_paths = {"/dev/null"};
    std::string out = in_child([&] {
        std::string r = restrict_to(rules);
        if (!r.empty()) return r;
        r += check(::kill(outsider, SIGTERM) != 0 && errno == EPERM, "kill outside is EPERM");
        pid_t inner = ::fork();
        if (inner == 0) {
            ::pause();
            ::_exit(0);
        }
        r += check(::kill(inner, SIGKILL) == 0, "kill inside the sandbox works");
        ::waitpid(inner, nullptr, 0);
        return r;
    });
    EXPECT_EQ(out, "");
    EXPECT_EQ(::kill(outsider, 0), 0) << "the outsider survived";
    ::kill(outsider, SIGKILL);
    ::waitpid(outsider, nullptr, 0);
}

TEST(Landlock, TcpConnectLimitedToNamedPorts) {
    std::string out = in_child([&] {
        // A private network namespace with lo up; the listeners live there.
        if (::unshare(CLONE_NEWNET) != 0) return std::string("unshare failed\n");
        if (auto up = bring_up_loopback(); !up) return up.error().message + "\n";
        auto listen_on = [](uint16_t& port) {
            int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            socklen_t len = sizeof a;
            ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
            ::listen(s, 4);
            ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
            port = ntohs(a.sin_port);
            return s;
        };
        uint16_t ok_port = 0, other_port = 0;
        listen_on(ok_port);
        listen_on(other_port);
        LandlockRules rules;
        rules.writable_paths = {"/dev/null"};
        rules.tcp_connect_ports = {ok_port};
        std::string r = restrict_to(rules);
        if (!r.empty()) return r;
        auto connect_to = [](uint16_t port) {
            int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            a.sin_port = htons(port);
            int rc = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
            ::close(s);
            return rc;
        };
        r += check(connect_to(ok_port) == 0, "connect to the named port");
        r += check(connect_to(other_port) == EACCES, "connect to another port is EACCES");
        // A grandchild under a further ruleset that restricts with no ports.
        pid_t pid = ::fork();
        if (pid == 0) {
            LandlockRules none;
            none.restrict_tcp_connect = true;
            std::string rr = restrict_to(none);
            ::_exit(rr.empty() && connect_to(ok_port) == EACCES ? 0 : 1);
        }
        int st = 0;
        ::waitpid(pid, &st, 0);
        r += check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "restricted with no ports: no TCP connect");
        return r;
    });
    EXPECT_EQ(out, "");
}

TEST(Landlock, EnforceWithoutRulesetIsANoOp) {
    EXPECT_EQ(enforce_ruleset(-1), 0);
}
