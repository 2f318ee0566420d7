// The policy modes with issue 4's permissive config: refuse rejects it naming
// every violation and leaves nothing behind; audit runs it unchanged and the
// receipt lists what enforce would have changed. Also: a malformed policy is
// an error, never "no policy".
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "moat_test.hpp"
#include "spec/json.hpp"

namespace fs = std::filesystem;

namespace moat::test {
namespace {

constexpr const char* kSecret = "AKIAmoatModesSecret0123456789";

// net_path: the host's network namespace by path. /proc/1/ns/net by default;
// a run that really joins it (audit) uses this process's, which is the same
// host namespace but one this machine lets us open (pid 1 here refuses).
// held_only: only the capabilities this test process holds in its bounding set
// (this machine withholds CAP_SYS_RESOURCE from everything, so a run that is
// really granted "all" of them, as in audit mode, cannot get that one).
uint64_t held_bounding_set() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("CapBnd:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
    return ~0ull;
}

void make_permissive(Bundle& b, std::vector<std::string> args, std::string net_path = "/proc/1/ns/net",
                     bool held_only = false) {
    static const std::vector<std::string> caps = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};
    auto& s = b.spec();
    s.process.args = std::move(args);
    spec::Capabilities c;
    std::vector<std::string> wanted;
    uint64_t held = held_only ? held_bounding_set() : ~0ull;
    for (size_t i = 0; i < caps.size(); ++i)  // caps[i] is capability number i
        if (held & (1ull << i)) wanted.push_back(caps[i]);
    c.bounding = c.effective = c.inheritable = c.permitted = c.ambient = wanted;
    s.process.capabilities = c;
    s.process.no_new_privileges = false;
    s.process.env.push_back(std::string("AWS_SECRET_ACCESS_KEY=") + kSecret);
    s.root.readonly = false;
    s.linux.seccomp.reset();
    for (auto& ns : s.linux.namespaces)
        if (ns.type == "network") ns.path = net_path;
    spec::Device kmsg;
    kmsg.type = "c";
    kmsg.path = "/dev/kmsg";
    kmsg.major = 1;
    kmsg.minor = 11;
    spec::Device mem = kmsg;
    mem.path = "/dev/mem";
    mem.minor = 1;
    s.linux.devices = {kmsg, mem};
    // As `docker run --privileged` does: every device allowed in the device cgroup.
    spec::DeviceCgroup all;
    all.allow = true;
    all.access = "rwm";
    if (!s.linux.resources) s.linux.resources = spec::Resources{};
    s.linux.resources->devices = {all};
    spec::Mount scratch;
    scratch.destination = "/scratch";
    scratch.type = "tmpfs";
    scratch.source = "tmpfs";
    scratch.options = {"rw", "mode=1777", "size=16m"};
    s.mounts.push_back(scratch);
    fs::create_directories(b.rootfs() + "/scratch");
    b.write();
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

std::string line_starting(const std::string& out, const std::string& prefix) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) return line;
    return "";
}

class PolicyModes : public MoatTest {
protected:
    void SetUp() override {
        MoatTest::SetUp();
        if (IsSkipped()) return;
        dir_.emplace("moat-modes");
        fs::create_directories(*dir_ / "receipts");
    }

    std::string policy(const std::string& members) {
        std::string path = *dir_ / ("policy-" + std::to_string(++policies_) + ".json");
        std::ofstream(path) << "{\"receipts\": \"" << (*dir_ / "receipts") << "\""
                            << (members.empty() ? "" : ", ") << members << "}\n";
        return path;
    }

    RunResult pmoat(const std::string& policy_path, std::vector<std::string> args) {
        args.insert(args.begin(), {"--policy", policy_path});
        return moat(std::move(args));
    }

    std::optional<TempDir> dir_;
    int policies_ = 0;
};

TEST_F(PolicyModes, RefuseRejectsThePermissiveConfigNamingEveryViolation) {
    Bundle b;
    make_permissive(b, {"true"});
    auto refuse = policy(R"("name": "strict", "mode": "refuse")");
    auto id = new_id();

    auto r = pmoat(refuse, {"create", "--bundle", b.path(), id});

    EXPECT_EQ(r.status, 1) << r;
    for (auto field : {"root.readonly", "process.capabilities.bounding", "process.capabilities.effective",
                       "process.capabilities.ambient", "process.noNewPrivileges", "linux.namespaces",
                       "linux.devices[0]", "linux.devices[1]", "process.env"})
        EXPECT_TRUE(contains(r.err, field)) << "the refusal does not name " << field << r;
    EXPECT_TRUE(contains(r.err, "strict")) << "names the policy" << r;
    EXPECT_FALSE(contains(r.err + r.out, kSecret)) << "the secret leaked into a message" << r;
    EXPECT_NE(pmoat(refuse, {"state", id}).status, 0) << "the refused container exists";
    EXPECT_TRUE(fs::is_empty(*dir_ / "receipts"));
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(PolicyModes, RefuseAlsoRejectsRun) {
    Bundle b;
    make_permissive(b, {"true"});
    auto id = new_id();

    auto r = pmoat(policy(R"("mode": "refuse")"), {"run", "--bundle", b.path(), id});

    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "root.readonly")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(PolicyModes, RefuseAcceptsAConfigThatNeedsNoChange) {
    TempDir spec_dir("moat-spec");
    auto refuse = policy(R"("mode": "refuse")");
    ASSERT_EQ(pmoat(refuse, {"spec", "--bundle", spec_dir.path()}).status, 0);
    auto parsed = spec::load_config(spec_dir / "config.json");
    ASSERT_TRUE(parsed) << parsed.error().message;
    Bundle b;
    b.spec() = *parsed;
    b.spec().process.terminal = false;
    b.spec().process.args = {"echo", "accepted"};
    b.spec().root.path = "rootfs";
    b.write();
    auto id = new_id();

    auto r = pmoat(refuse, {"run", "--bundle", b.path(), id});

    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out, "accepted\n") << r;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(PolicyModes, AuditRunsUnchangedAndTheReceiptListsTheChanges) {
    Bundle b({.probe = true});
    make_permissive(b, {"sh", "-c", "moat-probe status; moat-probe write /audit-root-file; moat-probe env AWS_SECRET_ACCESS_KEY"},
                    "/proc/" + std::to_string(::getpid()) + "/ns/net", /*held_only=*/true);
    auto audit = policy(R"("name": "watcher", "mode": "audit")");
    auto id = new_id();

    auto r = pmoat(audit, {"run", "--bundle", b.path(), id});

    ASSERT_EQ(r.status, 0) << r;
    std::string st = line_starting(r.out, "status:");
    ASSERT_FALSE(st.empty()) << r;
    EXPECT_FALSE(contains(st, "CapEff=0000000000000000")) << "audit mode dropped capabilities: " << st;
    EXPECT_TRUE(contains(st, "NoNewPrivs=0")) << st;
    EXPECT_EQ(line_starting(r.out, "write /audit-root-file:"), "write /audit-root-file: ok") << r;
    EXPECT_TRUE(fs::exists(b.rootfs() + "/audit-root-file"));
    EXPECT_EQ(line_starting(r.out, "env AWS_SECRET_ACCESS_KEY:"),
              std::string("env AWS_SECRET_ACCESS_KEY: =") + kSecret) << r;

    auto rec = pmoat(audit, {"receipt", id});
    ASSERT_EQ(rec.status, 0) << rec;
    auto doc = json::Document::parse(rec.out, "receipt");
    ASSERT_TRUE(doc) << rec;
    auto root = doc->root();
    auto pol = root.get("policy");
    ASSERT_TRUE(pol) << rec;
    EXPECT_EQ(pol->get("mode")->string().value_or(""), "audit") << rec;
    EXPECT_EQ(pol->get("name")->string().value_or(""), "watcher") << rec;
    auto adjustments = root.get("adjustments");
    ASSERT_TRUE(adjustments) << rec;
    auto list = adjustments->array();
    ASSERT_TRUE(list) << rec;
    std::string fields;
    for (auto& a : *list)
        if (auto f = a.get("field")) fields += f->string().value_or("") + " ";
    for (auto field : {"root.readonly", "process.capabilities.effective", "process.noNewPrivileges",
                       "linux.namespaces", "linux.devices", "process.env"})
        EXPECT_TRUE(contains(fields, field)) << field << " missing from the audit receipt: " << rec;
    EXPECT_FALSE(contains(rec.out, kSecret)) << "the receipt recorded the secret" << rec;
    EXPECT_TRUE(no_leaks(b, id));
}

TEST_F(PolicyModes, MalformedPolicyIsAnErrorNamingTheField) {
    Bundle b;
    b.spec().process.args = {"true"};
    b.write();
    auto bad = policy(R"("resources": {"memory": true})");
    auto id = new_id();

    auto r = pmoat(bad, {"run", "--bundle", b.path(), id});

    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "resources.memory")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

}  // namespace
}  // namespace moat::test
