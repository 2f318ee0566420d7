// exec (issue 5) into a running busybox container: plain and with a pty
// (received over a console socket written here), detached with a pid file,
// environment/cwd/user overrides, --process FILE; the exec'd process shares
// the container's namespaces and cgroup and gets the hardened limits; bad
// input fails cleanly and leaves the container running.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "moat_test.hpp"
#include "spec/json.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace moat::test {
namespace {

std::string status_field(const std::string& status_line, const std::string& key) {
    std::istringstream in(status_line);
    for (std::string w; in >> w;)
        if (w.rfind(key + "=", 0) == 0) return w.substr(key.size() + 1);
    return "<missing " + key + ">";
}

std::string link(const std::string& path) {
    std::error_code ec;
    auto target = fs::read_symlink(path, ec);
    return ec ? "<" + ec.message() + ">" : target.string();
}

// A console socket: listens on a path, accepts one connection, receives the
// pty master over SCM_RIGHTS and reads it until the slave side closes.
class ConsoleReceiver {
public:
    explicit ConsoleReceiver(const std::string& path) : path_(path) {
        listen_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
        if (listen_ < 0 || ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(listen_, 1) != 0)
            throw std::runtime_error("console socket " + path + ": " + std::strerror(errno));
        result_ = std::async(std::launch::async, [this] { return serve(); });
    }
    ~ConsoleReceiver() {
        stop_ = true;
        if (result_.valid()) result_.wait();
        if (listen_ >= 0) ::close(listen_);
        ::unlink(path_.c_str());
    }

    // What came through the master, or an error description; waits at most `limit`.
    std::string output(std::chrono::milliseconds limit = 10s) {
        if (result_.wait_for(limit) != std::future_status::ready) {
            stop_ = true;
            result_.wait();
            return "<timed out: " + partial_ + ">";
        }
        return result_.get();
    }
    bool got_master() const { return got_master_; }

private:
    bool wait_readable(int fd) {
        while (!stop_) {
            pollfd p{fd, POLLIN, 0};
            int rc = ::poll(&p, 1, 100);
            if (rc > 0) return true;
            if (rc < 0 && errno != EINTR) return false;
        }
        return false;
    }

    std::string serve() {
        if (!wait_readable(listen_)) return "<no connection>";
        int conn = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0) return "<accept failed>";
        char data[256];
        iovec iov{data, sizeof data};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        if (!wait_readable(conn) || ::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0) {
            ::close(conn);
            return "<recvmsg failed>";
        }
        ::close(conn);
        int master = -1;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                std::memcpy(&master, CMSG_DATA(c), sizeof master);
        if (master < 0) return "<no fd in the message>";
        got_master_ = true;
        for (;;) {
            if (!wait_readable(master)) break;
            char buf[4096];
            ssize_t n = ::read(master, buf, sizeof buf);
            if (n > 0) {
                partial_.append(buf, static_cast<size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            break;  // EIO: every slave fd closed
        }
        ::close(master);
        return partial_;
    }

    std::string path_;
    int listen_ = -1;
    std::atomic<bool> stop_{false};
    std::atomic<bool> got_master_{false};
    std::string partial_;
    std::future<std::string> result_;
};

class Exec : public MoatTest {
protected:
    void SetUp() override {
        MoatTest::SetUp();
        if (IsSkipped()) return;
        dir_.emplace("moat-exec");
        policy_ = *dir_ / "policy.json";
        std::ofstream(policy_) << "{\"name\": \"exec-test\", \"receipts\": \"" << (*dir_ / "receipts") << "\"}\n";
        bundle_ = std::make_unique<Bundle>(Bundle::Options{.probe = true});
        bundle_->write_file("/etc/passwd",
                            "root:x:0:0:root:/root:/bin/sh\n"
                            "worker:x:1000:1000:worker:/tmp:/bin/sh\n"
                            "nobody:x:65534:65534:nobody:/:/bin/false\n");
        bundle_->write_file("/etc/group", "root:x:0:\ntty:x:5:\nworker:x:1000:\nnogroup:x:65534:\n");
        bundle_->spec().process.args = {"sleep", "1000"};
        bundle_->spec().process.env.push_back("FROM_CONFIG=yes");
        bundle_->write();
        id_ = new_id();
        auto r = pmoat({"run", "--detach", "--bundle", bundle_->path(), id_});
        ASSERT_EQ(r.status, 0) << r;
        init_pid_ = state_pid(id_);
        ASSERT_GT(init_pid_, 0);
    }

    void TearDown() override {
        if (bundle_ && !id_.empty()) {
            pmoat({"delete", "--force", id_});
            EXPECT_TRUE(no_leaks(*bundle_, id_));
        }
        MoatTest::TearDown();
    }

    RunResult pmoat(std::vector<std::string> args) {
        args.insert(args.begin(), {"--policy", policy_});
        return moat(std::move(args));
    }

    std::string state_field(const std::string& id, const std::string& key) {
        auto r = pmoat({"state", id});
        if (r.status != 0) return "<state failed>";
        auto doc = json::Document::parse(r.out, "state");
        if (!doc) return "<bad state>";
        auto v = doc->root().get(key);
        if (!v) return "<absent>";
        if (v->is_string()) return v->string().value_or("");
        return std::to_string(v->int64().value_or(-1));
    }
    int state_pid(const std::string& id) { return std::atoi(state_field(id, "pid").c_str()); }

    // The container is still running and its init is the same process.
    ::testing::AssertionResult untouched() {
        auto status = state_field(id_, "status");
        if (status != "running") return ::testing::AssertionFailure() << "container is " << status;
        if (state_pid(id_) != init_pid_) return ::testing::AssertionFailure() << "init pid changed";
        auto r = pmoat({"exec", id_, "echo", "alive"});
        if (r.status != 0 || r.out != "alive\n") return ::testing::AssertionFailure() << "exec after:" << r;
        return ::testing::AssertionSuccess();
    }

    std::optional<TempDir> dir_;
    std::string policy_;
    std::unique_ptr<Bundle> bundle_;
    std::string id_;
    int init_pid_ = -1;
};

TEST_F(Exec, RunsACommandWithoutATty) {
    auto r = pmoat({"exec", id_, "sh", "-c", "echo out; echo err >&2; test -t 0 || echo no-tty; echo $FROM_CONFIG"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "out\nno-tty\nyes\n") << r;
    EXPECT_TRUE(contains(r.err, "err")) << r;
}

TEST_F(Exec, StdinIsPassedThrough) {
    auto r = moat({"--policy", policy_, "exec", id_, "cat"}, std::string("through the pipe\n"));
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "through the pipe\n") << r;
}

TEST_F(Exec, ReturnsTheExitStatus) {
    EXPECT_EQ(pmoat({"exec", id_, "sh", "-c", "exit 7"}).status, 7);
    EXPECT_EQ(pmoat({"exec", id_, "false"}).status, 1);
    auto killed = pmoat({"exec", id_, "sh", "-c", "kill -9 $$"});
    EXPECT_EQ(killed.status, 137) << killed;
}

TEST_F(Exec, TtyMasterArrivesOverTheConsoleSocket) {
    std::string sock = *dir_ / "console.sock";
    ConsoleReceiver console(sock);

    auto r = pmoat({"exec", "--tty", "--console-socket", sock, id_, "sh", "-c",
                    "test -t 0 && test -t 1 && echo stdin-and-stdout-are-a-tty; exit 4"});
    std::string out = console.output();

    EXPECT_EQ(r.status, 4) << r;
    EXPECT_TRUE(console.got_master()) << r;
    EXPECT_TRUE(contains(out, "stdin-and-stdout-are-a-tty")) << "through the master: " << out << r;
}

TEST_F(Exec, TtyWithoutConsoleSocketIsRefused) {
    auto r = pmoat({"exec", "--tty", id_, "true"});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "console-socket")) << r;
    EXPECT_TRUE(untouched());
}

TEST_F(Exec, DetachWritesThePidFileAndJoinsTheCgroup) {
    std::string pid_file = *dir_ / "exec.pid";
    auto t0 = std::chrono::steady_clock::now();
    auto r = pmoat({"exec", "--detach", "--pid-file", pid_file, id_, "sleep", "300"});
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s) << "--detach waited for the process";
    ASSERT_EQ(r.status, 0) << r;
    int pid = std::atoi(slurp(pid_file).c_str());
    ASSERT_GT(pid, 0) << slurp(pid_file);
    std::string proc = "/proc/" + std::to_string(pid);
    std::string init = "/proc/" + std::to_string(init_pid_);
    ASSERT_TRUE(fs::exists(proc)) << "the detached process is not running";
    EXPECT_TRUE(contains(slurp(proc + "/cmdline"), "sleep")) << slurp(proc + "/cmdline");
    EXPECT_EQ(slurp(proc + "/cgroup"), slurp(init + "/cgroup"));
    for (auto ns : {"pid", "net", "mnt", "ipc", "uts", "cgroup"})
        EXPECT_EQ(link(proc + "/ns/" + ns), link(init + "/ns/" + ns)) << ns;
}

TEST_F(Exec, SharesTheInitsNamespaces) {
    auto r = pmoat({"exec", id_, "sh", "-c",
                    "for n in pid net mnt ipc uts; do echo $n $(readlink /proc/self/ns/$n); done"});
    ASSERT_EQ(r.status, 0) << r;
    std::string init = "/proc/" + std::to_string(init_pid_);
    for (auto ns : {"pid", "net", "mnt", "ipc", "uts"})
        EXPECT_EQ(line_starting(r.out, std::string(ns) + " "), std::string(ns) + " " + link(init + "/ns/" + ns)) << r;
    // In the container's pid namespace: its init is pid 1 there.
    auto ps = pmoat({"exec", id_, "cat", "/proc/1/cmdline"});
    EXPECT_TRUE(contains(ps.out, "sleep")) << ps;
}

TEST_F(Exec, EnvAndCwdOverrides) {
    auto r = pmoat({"exec", "--env", "FOO=bar", "--env", "FROM_CONFIG=overridden", "--cwd", "/tmp", id_,
                    "sh", "-c", "echo $FOO $FROM_CONFIG; pwd"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "bar overridden\n/tmp\n") << r;
}

TEST_F(Exec, UserByIdsAndByName) {
    auto ids = pmoat({"exec", "--user", "1000:1000", id_, "sh", "-c", "moat-probe uid; moat-probe gid"});
    EXPECT_EQ(ids.status, 0) << ids;
    EXPECT_EQ(line_starting(ids.out, "uid:"), "uid: ruid=1000 euid=1000 suid=1000") << ids;
    EXPECT_EQ(line_starting(ids.out, "gid:"), "gid: rgid=1000 egid=1000 sgid=1000") << ids;

    auto named = pmoat({"exec", "--user", "nobody", id_, "sh", "-c", "moat-probe uid; moat-probe gid"});
    EXPECT_EQ(named.status, 0) << named;
    EXPECT_EQ(line_starting(named.out, "uid:"), "uid: ruid=65534 euid=65534 suid=65534") << named;
    EXPECT_EQ(line_starting(named.out, "gid:"), "gid: rgid=65534 egid=65534 sgid=65534") << named;

    auto worker = pmoat({"exec", "--user", "worker", id_, "moat-probe", "uid"});
    EXPECT_EQ(trimmed(worker.out), "uid: ruid=1000 euid=1000 suid=1000") << worker;
}

TEST_F(Exec, ProcessFile) {
    std::string path = *dir_ / "process.json";
    std::ofstream(path) << R"({
        "terminal": false,
        "user": {"uid": 1000, "gid": 1000},
        "args": ["sh", "-c", "echo from-process $GREETING; pwd; moat-probe uid; exit 9"],
        "env": ["PATH=/bin", "GREETING=hello"],
        "cwd": "/tmp"
    })";

    auto r = pmoat({"exec", "--process", path, id_});

    EXPECT_EQ(r.status, 9) << r;
    EXPECT_TRUE(contains(r.out, "from-process hello\n/tmp\n")) << r;
    EXPECT_EQ(line_starting(r.out, "uid:"), "uid: ruid=1000 euid=1000 suid=1000") << r;
}

TEST_F(Exec, HardenedLimitsApplyEvenWhenCapabilitiesAreAskedFor) {
    auto r = pmoat({"exec", "--cap", "CAP_SYS_ADMIN", "--cap", "CAP_NET_ADMIN", id_, "sh", "-c",
                    "moat-probe status; moat-probe write /exec-root-file; moat-probe write /tmp/ok;"
                    "moat-probe syscall mount unshare-net ptrace"});
    EXPECT_EQ(r.status, 0) << r;
    std::string st = line_starting(r.out, "status:");
    ASSERT_FALSE(st.empty()) << r;
    for (auto set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
        EXPECT_EQ(status_field(st, set), "0000000000000000") << set << " in " << st;
    EXPECT_EQ(status_field(st, "Seccomp"), "2") << st;
    EXPECT_EQ(status_field(st, "NoNewPrivs"), "1") << st;
    EXPECT_EQ(line_starting(r.out, "write /exec-root-file:"), "write /exec-root-file: EROFS") << r;
    EXPECT_EQ(line_starting(r.out, "write /tmp/ok:"), "write /tmp/ok: ok") << r;
    for (auto call : {"mount", "unshare-net", "ptrace"})
        EXPECT_EQ(line_starting(r.out, std::string(call) + ":"), std::string(call) + ": EPERM") << r;
}

// ---- bad input ----

TEST_F(Exec, IntoAStoppedContainerFails) {
    Bundle b;
    b.spec().process.args = {"true"};
    b.write();
    auto id = new_id();
    ASSERT_EQ(pmoat({"run", "--detach", "--bundle", b.path(), id}).status, 0);
    for (int i = 0; i < 100 && state_field(id, "status") != "stopped"; ++i) std::this_thread::sleep_for(100ms);
    ASSERT_EQ(state_field(id, "status"), "stopped");

    auto r = pmoat({"exec", id, "true"});

    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "stopped")) << r;
    EXPECT_EQ(state_field(id, "status"), "stopped");
    EXPECT_EQ(pmoat({"delete", id}).status, 0);
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Exec, IntoAnUnknownContainerFails) {
    auto r = pmoat({"exec", "no-such-container-here", "true"});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "no-such-container-here")) << r;
}

TEST_F(Exec, UnparsableProcessFileNamesTheJsonPath) {
    std::string path = *dir_ / "bad-process.json";
    std::ofstream(path) << R"({"args": ["sh"], "cwd": "/", "user": {"uid": "root"}})";

    auto r = pmoat({"exec", "--process", path, id_});

    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "user.uid")) << r;
    EXPECT_TRUE(untouched());
}

TEST_F(Exec, ProcessFileThatIsNotJsonFails) {
    std::string path = *dir_ / "garbage.json";
    std::ofstream(path) << "{\"args\": [\"sh\",";

    auto r = pmoat({"exec", "--process", path, id_});

    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "garbage.json")) << r;
    EXPECT_TRUE(untouched());
}

TEST_F(Exec, MissingCommandFails) {
    auto r = pmoat({"exec", id_, "/bin/no-such-program"});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "no-such-program")) << r;
    EXPECT_TRUE(untouched());
}

TEST_F(Exec, UnknownUserNameFails) {
    auto r = pmoat({"exec", "--user", "nosuchuser", id_, "true"});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "nosuchuser")) << r;
    EXPECT_TRUE(untouched());
}

}  // namespace
}  // namespace moat::test
