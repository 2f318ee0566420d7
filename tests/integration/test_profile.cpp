// Issue 4's acceptance test: a deliberately permissive config (every capability
// in every set, no seccomp, a writable root, the host's network namespace,
// /dev/kmsg and /dev/mem, an AWS secret, a writable tmpfs at /scratch) runs
// under the default enforce policy as a sandbox, checked from inside the
// container with the probe and from the host through the cgroup files. Also:
// an engine socket bind is refused, `moat check` reports without changing
// anything, and Landlock leaves the ordinary things working.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "moat_test.hpp"
#include "spec/json.hpp"

namespace fs = std::filesystem;

namespace moat::test {
namespace {


// "KEY=value" from the probe's status line.
std::string status_field(const std::string& status_line, const std::string& key) {
    std::istringstream in(status_line);
    for (std::string w; in >> w;)
        if (w.rfind(key + "=", 0) == 0) return w.substr(key.size() + 1);
    return "<missing " + key + ">";
}

class Profile : public MoatTest {
protected:
    void SetUp() override {
        MoatTest::SetUp();
        if (IsSkipped()) return;
        files_.emplace("moat-profile");
        policy_ = policy(R"("name": "profile-test")");
    }

    // A policy file with the receipts kept in this test's directory.
    std::string policy(const std::string& members) { return files_->write(members); }

    RunResult pmoat(std::vector<std::string> args, const std::string& policy_path = {}) {
        args.insert(args.begin(), {"--policy", policy_path.empty() ? policy_ : policy_path});
        return moat(std::move(args));
    }

    // The container's init pid, from `moat state`.
    int state_pid(const std::string& id) {
        auto r = pmoat({"state", id});
        EXPECT_EQ(r.status, 0) << r;
        auto doc = json::Document::parse(r.out, "state");
        if (!doc) return -1;
        auto pid = doc->root().get("pid");
        if (!pid) return -1;
        auto v = pid->int64();
        return v ? static_cast<int>(*v) : -1;
    }

    std::optional<PolicyFiles> files_;
    std::string policy_;
};

// The cgroup v1 directory of `pid` for `controller`, from /proc/PID/cgroup.
std::string cgroup_dir(int pid, const std::string& controller) {
    std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/cgroup"));
    for (std::string line; std::getline(in, line);) {
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string controllers = "," + line.substr(a + 1, b - a - 1) + ",";
        if (contains(controllers, "," + controller + ","))
            return "/sys/fs/cgroup/" + controller + line.substr(b + 1);
        if (controllers == ",," && fs::exists("/sys/fs/cgroup/cgroup.controllers"))
            return "/sys/fs/cgroup" + line.substr(b + 1);  // cgroup v2
    }
    return "";
}

// ---- the acceptance test, enforce mode ----

TEST_F(Profile, PermissiveConfigRunsAsASandboxFromInside) {
    Bundle b({.probe = true});
    make_permissive(b, {"sh", "-c",
                        "moat-probe write /moat-root-file;"
                        "moat-probe write /scratch/x;"
                        "grep -E ' /(scratch|tmp) ' /proc/mounts; stat -c 'tmpmode %a' /tmp;"
                        "moat-probe status;"
                        "moat-probe syscall mount unshare-ns unshare-net ptrace keyctl bpf io_uring_setup tiocsti;"
                        "moat-probe ifaces;"
                        "moat-probe routes;"
                        "moat-probe read /dev/kmsg; moat-probe read /dev/mem;"
                        "moat-probe env AWS_SECRET_ACCESS_KEY;"
                        "env"});
    auto id = new_id();

    auto r = pmoat({"run", "--bundle", b.path(), id});

    ASSERT_EQ(r.status, 0) << r;
    const std::string& o = r.out;
    // Read-only root, although the config says readonly false.
    EXPECT_EQ(line_starting(o, "write /moat-root-file:"), "write /moat-root-file: EROFS") << r;
    EXPECT_FALSE(fs::exists(b.rootfs() + "/moat-root-file"));
    // /scratch is a writable tmpfs as far as the mount goes; Landlock refuses the write.
    std::string scratch = line_starting(o, "tmpfs /scratch ");
    EXPECT_TRUE(contains(scratch, " rw,") || contains(scratch, " rw ")) << "the /scratch mount should stay rw: " << r;
    EXPECT_EQ(line_starting(o, "write /scratch/x:"), "write /scratch/x: EACCES") << r;
    // /tmp: tmpfs of 100 MiB, 1777, nosuid, nodev.
    std::string tmp = line_starting(o, "tmpfs /tmp ");
    EXPECT_TRUE(contains(tmp, "size=102400k")) << "/tmp line: " << tmp << r;
    EXPECT_TRUE(contains(tmp, "nosuid")) << tmp;
    EXPECT_TRUE(contains(tmp, "nodev")) << tmp;
    EXPECT_EQ(line_starting(o, "tmpmode"), "tmpmode 1777") << r;
    // Privileges.
    std::string st = line_starting(o, "status:");
    ASSERT_FALSE(st.empty()) << r;
    EXPECT_EQ(status_field(st, "NoNewPrivs"), "1") << st;
    EXPECT_EQ(status_field(st, "Seccomp"), "2") << st;
    for (auto set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
        EXPECT_EQ(status_field(st, set), "0000000000000000") << set << " in " << st;
    // Denied system calls (TIOCSTI: EPERM from seccomp, before any tty check).
    for (auto call : {"mount", "unshare-ns", "unshare-net", "ptrace", "keyctl", "bpf", "io_uring_setup", "tiocsti"})
        EXPECT_EQ(line_starting(o, std::string(call) + ":"), std::string(call) + ": EPERM") << r;
    // Network: only lo, no route anywhere but lo (passive).
    EXPECT_EQ(line_starting(o, "ifaces:"), "ifaces: lo") << r;
    std::string routes = line_starting(o, "routes:");
    EXPECT_TRUE(contains(routes, "ipv4=0 ")) << routes;
    EXPECT_TRUE(contains(routes, "ipv4_non_lo=0 ")) << routes;
    EXPECT_TRUE(contains(routes, "ipv6_non_lo=0")) << routes;
    // Devices beyond the standard ones are gone.
    EXPECT_EQ(line_starting(o, "read /dev/kmsg:"), "read /dev/kmsg: ENOENT") << r;
    EXPECT_EQ(line_starting(o, "read /dev/mem:"), "read /dev/mem: ENOENT") << r;
    // The secret is gone, and nothing printed it.
    EXPECT_EQ(line_starting(o, "env AWS_SECRET_ACCESS_KEY:"), "env AWS_SECRET_ACCESS_KEY: unset") << r;
    EXPECT_FALSE(contains(o + r.err, kPermissiveSecret)) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Profile, PermissiveConfigGetsTheMemoryAndPidsLimits) {
    Bundle b;
    make_permissive(b, {"sleep", "100"});
    auto id = new_id();
    auto r = pmoat({"run", "--detach", "--bundle", b.path(), id});
    ASSERT_EQ(r.status, 0) << r;
    int pid = state_pid(id);
    ASSERT_GT(pid, 0);

    std::string mem = cgroup_dir(pid, "memory"), pids = cgroup_dir(pid, "pids");
    ASSERT_FALSE(mem.empty()) << slurp("/proc/" + std::to_string(pid) + "/cgroup");
    ASSERT_FALSE(pids.empty());
    if (fs::exists(mem + "/memory.limit_in_bytes")) {  // cgroup v1
        EXPECT_EQ(trimmed(slurp(mem + "/memory.limit_in_bytes")), "536870912") << mem;
        if (fs::exists(mem + "/memory.memsw.limit_in_bytes"))  // no swap on top
            EXPECT_EQ(trimmed(slurp(mem + "/memory.memsw.limit_in_bytes")), "536870912") << mem;
    } else {
        EXPECT_EQ(trimmed(slurp(mem + "/memory.max")), "536870912") << mem;
    }
    EXPECT_EQ(trimmed(slurp(pids + "/pids.max")), "256") << pids;

    EXPECT_EQ(pmoat({"delete", "--force", id}).status, 0);
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(Profile, ForkBombStopsAtThePidsLimit) {
    Bundle b;
    // Each background sleep is a process; the shell dies when fork fails.
    make_permissive(b, {"sh", "-c", "i=0; while [ $i -lt 600 ]; do sleep 1000 & i=$((i+1)); echo $i; done"});
    auto id = new_id();

    auto r = pmoat({"run", "--bundle", b.path(), id});

    std::istringstream in(r.out);
    int last = 0;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) last = std::atoi(line.c_str());
    EXPECT_NE(r.status, 0) << "the loop should have been stopped by a failed fork" << r;
    EXPECT_GT(last, 100) << r;
    EXPECT_LT(last, 256) << "more processes than pids.max 256" << r;
    EXPECT_TRUE(contains(r.err, "fork")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

// ---- engine sockets ----

// A unix socket at `path` for the length of a test, when none exists there.
class DummySocket {
public:
    explicit DummySocket(std::string path) : path_(std::move(path)) {
        struct stat st {};
        if (::lstat(path_.c_str(), &st) == 0) return;  // a real one: leave it alone
        fs::create_directories(fs::path(path_).parent_path());
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path_.c_str());
        if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) created_ = true;
    }
    ~DummySocket() {
        if (created_) ::unlink(path_.c_str());
        if (fd_ >= 0) ::close(fd_);
    }
    DummySocket(const DummySocket&) = delete;
    DummySocket& operator=(const DummySocket&) = delete;

private:
    std::string path_;
    int fd_ = -1;
    bool created_ = false;
};

TEST_F(Profile, EngineSocketBindIsRefusedNamingIt) {
    DummySocket sock("/var/run/docker.sock");
    ASSERT_TRUE(fs::exists("/var/run/docker.sock"));
    Bundle b;
    make_permissive(b, {"true"});
    spec::Mount bind;
    bind.destination = "/var/run/docker.sock";
    bind.type = "bind";
    bind.source = "/var/run/docker.sock";
    bind.options = {"rbind", "rw"};
    b.spec().mounts.push_back(bind);
    b.write();
    auto id = new_id();

    auto r = pmoat({"create", "--bundle", b.path(), id});

    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "docker.sock")) << r;
    EXPECT_NE(pmoat({"state", id}).status, 0) << "the refused container exists";
    EXPECT_TRUE(no_leaks(b, id));
}

// ---- moat check ----

TEST_F(Profile, CheckPrintsTheAdjustmentsAndChangesNothing) {
    Bundle b;
    make_permissive(b, {"true"});
    std::string before = slurp(b.config_path());

    auto table = pmoat({"check", "--bundle", b.path()});
    auto js = pmoat({"check", "--bundle", b.path(), "--format", "json"});

    EXPECT_EQ(table.status, 0) << table;
    for (auto field : {"root.readonly", "process.capabilities.effective", "process.noNewPrivileges",
                       "linux.namespaces", "linux.devices", "process.env"})
        EXPECT_TRUE(contains(table.out, field)) << field << table;
    EXPECT_FALSE(contains(table.out + table.err, kPermissiveSecret)) << table;

    ASSERT_EQ(js.status, 0) << js;
    auto doc = json::Document::parse(js.out, "check output");
    ASSERT_TRUE(doc) << doc.error().message << js;
    auto adjustments = doc->root().get("adjustments");
    ASSERT_TRUE(adjustments) << js;
    auto list = adjustments->array();
    ASSERT_TRUE(list) << js;
    std::vector<std::string> fields;
    for (auto& a : *list)
        if (auto f = a.get("field"))
            if (auto s = f->string()) fields.push_back(*s);
    for (auto field : {"root.readonly", "process.capabilities.bounding", "process.noNewPrivileges"})
        EXPECT_NE(std::find(fields.begin(), fields.end(), field), fields.end()) << field << js;
    EXPECT_FALSE(contains(js.out, kPermissiveSecret)) << js;

    EXPECT_EQ(slurp(b.config_path()), before) << "check rewrote config.json";
    EXPECT_TRUE(fs::is_empty(state_root())) << "check created state";
    EXPECT_TRUE(fs::is_empty(files_->receipts())) << "check wrote a receipt";
}

TEST_F(Profile, CheckExitsNonZeroInRefuseMode) {
    Bundle b;
    make_permissive(b, {"true"});
    auto refuse = policy(R"("mode": "refuse")");

    auto r = pmoat({"check", "--bundle", b.path()}, refuse);

    EXPECT_NE(r.status, 0) << r;
    EXPECT_TRUE(contains(r.err, "root.readonly")) << r;
}

TEST_F(Profile, SpecOutputNeedsNoAdjustment) {
    TempDir dir("moat-spec");
    auto s = pmoat({"spec", "--bundle", dir.path()});
    ASSERT_EQ(s.status, 0) << s;
    ASSERT_TRUE(fs::exists(dir / "config.json"));

    auto table = pmoat({"check", "--bundle", dir.path()});
    auto js = pmoat({"check", "--bundle", dir.path(), "--format", "json"});
    auto refuse = pmoat({"check", "--bundle", dir.path()}, policy(R"("mode": "refuse")"));

    EXPECT_EQ(table.status, 0) << table;
    EXPECT_TRUE(contains(table.out, "no adjustments")) << table;
    ASSERT_EQ(js.status, 0) << js;
    auto doc = json::Document::parse(js.out, "check output");
    ASSERT_TRUE(doc) << js;
    auto adjustments = doc->root().get("adjustments");
    ASSERT_TRUE(adjustments) << js;
    auto list = adjustments->array();
    ASSERT_TRUE(list) << js;
    EXPECT_TRUE(list->empty()) << js;
    EXPECT_EQ(refuse.status, 0) << "refuse mode finds something to refuse in moat spec's output" << refuse;
}

// ---- Landlock leaves ordinary things working ----

TEST_F(Profile, LandlockKeepsOrdinaryWritesWorking) {
    Bundle b;
    b.spec().process.args = {
        "sh", "-c",
        "echo out > /dev/stdout && echo err > /dev/stderr && "
        "echo tmp > /tmp/f && cat /tmp/f && "
        "echo shm > /dev/shm/f && cat /dev/shm/f && "
        "echo gone > /dev/null && cat /dev/null && echo null-ok"};
    b.write();
    auto id = new_id();

    auto r = pmoat({"run", "--bundle", b.path(), id});

    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "out\ntmp\nshm\nnull-ok\n") << r;
    EXPECT_TRUE(contains(r.err, "err")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

}  // namespace
}  // namespace moat::test
