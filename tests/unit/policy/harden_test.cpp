// harden() row by row on the permissive config, the modes, and purity.
#include "fixtures.hpp"

namespace moat::policy::test {
namespace {

constexpr int64_t MiB = 1 << 20;

Hardened enforce(const spec::Spec& s, const Policy& p) {
    auto h = harden(s, p);
    EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().message);
    return h ? *h : Hardened{};
}

Hardened enforce(const spec::Spec& s) { return enforce(s, builtin()); }

TEST(Harden, PermissiveConfigGetsEveryRowInOrder) {
    auto h = enforce(permissive());
    std::vector<std::string> want = {
        "root.readonly",
        "mounts[5]",  // /tmp added at the end
        "mounts[4].options",
        "linux.maskedPaths",
        "linux.readonlyPaths",
        "mounts[2].options",  // /sys
        "linux.namespaces[3]",  // ipc
        "linux.namespaces[4]",  // uts
        "linux.namespaces[5]",  // cgroup
        "linux.namespaces[2].path",
        "linux.resources.memory.limit",
        "linux.resources.memory.swap",
        "linux.resources.pids.limit",
        "linux.resources.cpu.quota",
        "linux.resources.cpu.period",
        "linux.devices[0]",
        "linux.devices[2]",
        "linux.resources.devices",
        "process.noNewPrivileges",
        "process.capabilities.bounding",
        "process.capabilities.effective",
        "process.capabilities.inheritable",
        "process.capabilities.permitted",
        "process.capabilities.ambient",
        "process.rlimits[0]",
        "process.rlimits[1]",
        "process.oomScoreAdj",
        "process.env",
    };
    EXPECT_EQ(fields(h.adjustments), want);
    for (auto& a : h.adjustments) {
        EXPECT_FALSE(a.refused) << a.field;
        EXPECT_FALSE(a.rule.empty()) << a.field;
        EXPECT_NE(a.old_value, a.new_value) << a.field;
    }
}

TEST(Harden, ReadonlyRoot) {
    auto h = enforce(permissive());
    EXPECT_TRUE(h.spec.root.readonly);
    auto a = find(h.adjustments, "root.readonly");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->old_value, "false");
    EXPECT_EQ(a->new_value, "true");
    EXPECT_EQ(a->rule, "readonly-root");
}

TEST(Harden, TmpTmpfsAdded) {
    auto h = enforce(permissive());
    auto m = mount_at(h.spec, "/tmp");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, "tmpfs");
    EXPECT_EQ(m->options, (std::vector<std::string>{"nosuid", "nodev", "mode=1777", "size=104857600"}));
    EXPECT_EQ(find(h.adjustments, "mounts[5]")->old_value, "(absent)");
}

TEST(Harden, TmpBindReplacedAndDuplicatesRemoved) {
    auto s = permissive();
    s.mounts.push_back(mount("/tmp", "bind", "/var/tmp/x", {"rbind", "rw"}));
    s.mounts.push_back(mount("/tmp/", "tmpfs", "tmpfs", {"size=10g"}));
    auto h = enforce(s);
    int count = 0;
    for (auto& m : h.spec.mounts)
        if (m.destination == "/tmp" || m.destination == "/tmp/") {
            ++count;
            EXPECT_EQ(m.type, "tmpfs");
            EXPECT_TRUE(has(m.options, "size=104857600"));
        }
    EXPECT_EQ(count, 1);
    EXPECT_EQ(find(h.adjustments, "mounts[6]")->new_value, "(removed: /tmp is the profile's tmpfs)");
}

TEST(Harden, TmpInsertedBeforeMountsUnderIt) {
    auto s = permissive();
    s.mounts.push_back(mount("/tmp/.X11-unix", "bind", "/srv/x11", {"rbind"}));
    auto h = enforce(s);
    auto tmp = std::find_if(h.spec.mounts.begin(), h.spec.mounts.end(), [](auto& m) { return m.destination == "/tmp"; });
    auto x11 = std::find_if(h.spec.mounts.begin(), h.spec.mounts.end(), [](auto& m) { return m.destination == "/tmp/.X11-unix"; });
    ASSERT_NE(tmp, h.spec.mounts.end());
    EXPECT_LT(tmp, x11);
}

TEST(Harden, StricterTmpIsKept) {
    auto s = permissive();
    s.mounts.push_back(mount("/tmp", "tmpfs", "tmpfs", {"nosuid", "nodev", "noexec", "mode=1777", "size=10m"}));
    auto h = enforce(s);
    EXPECT_FALSE(find(h.adjustments, "mounts[5]"));
    EXPECT_TRUE(has(mount_at(h.spec, "/tmp")->options, "noexec"));
}

TEST(Harden, ScratchTmpfsIsLeftToLandlock) {
    auto h = enforce(permissive());
    auto m = mount_at(h.spec, "/scratch");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->options, std::vector<std::string>{"rw"});
    EXPECT_FALSE(has(h.enforcement.landlock.writable, "/scratch"));
}

TEST(Harden, BindMadeReadonly) {
    auto h = enforce(permissive());
    auto a = find(h.adjustments, "mounts[4].options");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->old_value, "[rbind, rw]");
    EXPECT_EQ(a->new_value, "[rbind, ro]");
    EXPECT_EQ(a->rule, "readonly-binds");
}

TEST(Harden, BindOnWritableListStaysWritable) {
    Policy p;
    p.binds.writable.push_back("/data");
    auto h = enforce(permissive(), p);
    EXPECT_FALSE(find(h.adjustments, "mounts[4].options"));
    EXPECT_TRUE(has(h.enforcement.landlock.writable, "/data"));
}

TEST(Harden, BindByOptionIsABind) {
    auto s = permissive();
    s.mounts[4].type = "none";
    s.mounts[4].options = {"bind"};
    auto h = enforce(s);
    EXPECT_EQ(mount_at(h.spec, "/data")->options, (std::vector<std::string>{"bind", "ro"}));
}

TEST(Harden, HostFilesystemMountRefused) {
    auto s = permissive();
    s.mounts.push_back(mount("/mnt", "ext4", "/dev/sda1", {"rw"}));
    auto h = harden(s, builtin());
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("mounts[5].type"), std::string::npos) << h.error().message;
    EXPECT_NE(h.error().message.find("\"ext4\" on /mnt"), std::string::npos) << h.error().message;
}

TEST(Harden, PolicyMayAllowAFilesystemType) {
    Policy p;
    p.mount_types.push_back("overlay");
    auto s = permissive();
    s.mounts.push_back(mount("/layers", "overlay", "overlay", {"lowerdir=/srv/a"}));
    EXPECT_TRUE(harden(s, p)) ;
}

TEST(Harden, KernelViews) {
    auto h = enforce(permissive());
    for (auto p : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/acpi",
                   "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"})
        EXPECT_TRUE(has(h.spec.linux.masked_paths, p)) << p;
    for (auto p : {"/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sysrq-trigger"})
        EXPECT_TRUE(has(h.spec.linux.readonly_paths, p)) << p;
    EXPECT_EQ(mount_at(h.spec, "/sys")->options, (std::vector<std::string>{"nosuid", "ro"}));
}

TEST(Harden, ExistingMaskedPathsKeptAndNotDuplicated) {
    auto s = permissive();
    s.linux.masked_paths = {"/proc/kcore", "/custom"};
    auto h = enforce(s);
    EXPECT_EQ(std::count(h.spec.linux.masked_paths.begin(), h.spec.linux.masked_paths.end(), "/proc/kcore"), 1);
    EXPECT_TRUE(has(h.spec.linux.masked_paths, "/custom"));
}

TEST(Harden, CgroupMountReadonly) {
    auto s = permissive();
    s.mounts.push_back(mount("/sys/fs/cgroup", "cgroup2", "cgroup", {"nosuid"}));
    auto h = enforce(s);
    EXPECT_TRUE(has(mount_at(h.spec, "/sys/fs/cgroup")->options, "ro"));
}

TEST(Harden, NamespacesAllNewAndHostNetworkReplaced) {
    auto h = enforce(permissive());
    for (auto t : {"pid", "mount", "ipc", "uts", "network", "cgroup"}) {
        auto ns = h.spec.linux.find_namespace(t);
        ASSERT_TRUE(ns) << t;
        EXPECT_EQ(ns->path, "") << t;
    }
    auto a = find(h.adjustments, "linux.namespaces[2].path");
    EXPECT_EQ(a->old_value, "/proc/1/ns/net");
    EXPECT_TRUE(h.enforcement.loopback_up);
}

TEST(Harden, JoinedPidNamespaceReplaced) {
    auto s = permissive();
    s.linux.namespaces[0].path = "/proc/42/ns/pid";
    auto h = enforce(s);
    EXPECT_EQ(h.spec.linux.find_namespace("pid")->path, "");
    EXPECT_TRUE(find(h.adjustments, "linux.namespaces[0].path"));
}

// A pod's containers join the pause container's UTS namespace and carry no hostname
// (containerd's CRI puts it in HOSTNAME); the replacement must not show the host's name.
TEST(Harden, JoinedUtsNamespaceReplacedWithTheEnginesHostname) {
    auto s = permissive();
    s.linux.namespaces.push_back({"uts", "/proc/42/ns/uts"});
    s.process.env.push_back("HOSTNAME=web-0");
    auto h = enforce(s);
    EXPECT_EQ(h.spec.linux.find_namespace("uts")->path, "");
    EXPECT_EQ(h.spec.hostname, "web-0");
    auto a = find(h.adjustments, "hostname");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->new_value, "web-0");
    EXPECT_EQ(a->rule, "namespaces");
}

TEST(Harden, JoinedUtsNamespaceWithoutAUsableHostnameGetsLocalhost) {
    for (auto env : {"", "HOSTNAME=", "HOSTNAME=a b", "HOSTNAME=$(id)"}) {
        auto s = permissive();
        s.linux.namespaces.push_back({"uts", "/proc/42/ns/uts"});
        if (*env) s.process.env.push_back(env);
        EXPECT_EQ(enforce(s).spec.hostname, "localhost") << env;
    }
}

TEST(Harden, HostnameKeptWhenGivenOrWhenNoJoinIsReplaced) {
    auto s = permissive();
    s.linux.namespaces.push_back({"uts", "/proc/42/ns/uts"});
    s.hostname = "given";
    s.process.env.push_back("HOSTNAME=other");
    auto h = enforce(s);
    EXPECT_EQ(h.spec.hostname, "given");
    EXPECT_FALSE(find(h.adjustments, "hostname"));
    s = permissive();  // no uts entry: a new one is added, the config's (empty) name stays
    s.process.env.push_back("HOSTNAME=other");
    h = enforce(s);
    EXPECT_EQ(h.spec.hostname, "");
    EXPECT_FALSE(find(h.adjustments, "hostname"));
}

TEST(Harden, UserNamespaceUntouched) {
    auto s = permissive();
    s.linux.namespaces.push_back({"user", "/proc/7/ns/user"});
    auto h = enforce(s);
    EXPECT_EQ(h.spec.linux.find_namespace("user")->path, "/proc/7/ns/user");
}

TEST(Harden, AllowlistKeepsEngineNetns) {
    Policy p;
    p.network.mode = NetworkMode::allowlist;
    p.network.allowlist.allow = {*parse_egress_rule("10.1.0.0/16:443/tcp")};
    auto h = enforce(permissive(), p);
    EXPECT_EQ(h.spec.linux.find_namespace("network")->path, "/proc/1/ns/net");
    ASSERT_TRUE(h.enforcement.egress);
    EXPECT_EQ(h.enforcement.egress->allow.size(), 1u);
    EXPECT_EQ(h.enforcement.network, NetworkMode::allowlist);
    EXPECT_FALSE(h.enforcement.loopback_up);  // the engine's namespace is not ours to configure
    EXPECT_TRUE(h.enforcement.landlock.restrict_connect);
    EXPECT_EQ(h.enforcement.landlock.connect_ports, (std::vector<std::pair<uint16_t, uint16_t>>{{443, 443}}));
}

TEST(Harden, AllowlistWithoutNetnsRefused) {
    Policy p;
    p.network.mode = NetworkMode::allowlist;
    auto s = permissive();
    s.linux.namespaces.erase(s.linux.namespaces.begin() + 2);
    auto h = harden(s, p);
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("linux.namespaces"), std::string::npos) << h.error().message;
    EXPECT_NE(h.error().message.find("host"), std::string::npos);
}

TEST(Harden, AllowlistEntryWithoutPortsDoesNotRestrictTcp) {
    Policy p;
    p.network.mode = NetworkMode::allowlist;
    p.network.allowlist.allow = {*parse_egress_rule("10.1.0.0/16:443"), *parse_egress_rule("10.2.0.0/16")};
    auto h = enforce(permissive(), p);
    EXPECT_FALSE(h.enforcement.landlock.restrict_connect);
    EXPECT_TRUE(h.enforcement.landlock.connect_ports.empty());
}

TEST(Harden, HostModeLeavesNetworkAlone) {
    Policy p;
    p.network.mode = NetworkMode::host;
    auto s = permissive();
    s.linux.namespaces.erase(s.linux.namespaces.begin() + 2);
    auto h = enforce(s, p);
    EXPECT_FALSE(h.spec.linux.find_namespace("network"));
    EXPECT_FALSE(h.enforcement.loopback_up);
}

TEST(Harden, NoneModeLeavesLoDown) {
    Policy p;
    p.network.mode = NetworkMode::none;
    auto h = enforce(permissive(), p);
    EXPECT_EQ(h.spec.linux.find_namespace("network")->path, "");
    EXPECT_FALSE(h.enforcement.loopback_up);
}

TEST(Harden, ResourcesSetWhenAbsent) {
    auto h = enforce(permissive());
    auto& r = *h.spec.linux.resources;
    EXPECT_EQ(r.memory->limit, 512 * MiB);
    EXPECT_EQ(r.memory->swap, 512 * MiB);
    EXPECT_EQ(r.pids->limit, 256);
    EXPECT_EQ(r.cpu->quota, 100000);
    EXPECT_EQ(r.cpu->period, 100000u);
    EXPECT_EQ(find(h.adjustments, "linux.resources.memory.limit")->new_value, "536870912");
}

TEST(Harden, ResourcesAboveMaxClampedBelowKept) {
    auto s = permissive();
    auto& r = s.linux.resources.emplace();
    r.memory.emplace();
    r.memory->limit = 8192 * MiB;
    r.memory->swap = -1;
    r.pids = spec::Pids{100};
    r.cpu.emplace();
    r.cpu->quota = 50000;
    r.cpu->period = 100000;
    auto h = enforce(s);
    auto& out = *h.spec.linux.resources;
    EXPECT_EQ(out.memory->limit, 512 * MiB);
    EXPECT_EQ(out.memory->swap, 512 * MiB);
    EXPECT_EQ(out.pids->limit, 100);        // tighter: kept
    EXPECT_EQ(out.cpu->quota, 50000);       // half a core: kept
    EXPECT_FALSE(find(h.adjustments, "linux.resources.pids.limit"));
    EXPECT_FALSE(find(h.adjustments, "linux.resources.cpu.quota"));
    EXPECT_EQ(find(h.adjustments, "linux.resources.memory.limit")->old_value, "8589934592");
}

TEST(Harden, UnlimitedPidsAndCpuOverMaxReplaced) {
    auto s = permissive();
    auto& r = s.linux.resources.emplace();
    r.pids = spec::Pids{-1};
    r.cpu.emplace();
    r.cpu->quota = 400000;  // 4 cores with the default period
    auto h = enforce(s);
    EXPECT_EQ(h.spec.linux.resources->pids->limit, 256);
    EXPECT_EQ(h.spec.linux.resources->cpu->quota, 100000);
    EXPECT_EQ(h.spec.linux.resources->cpu->period, 100000u);
}

TEST(Harden, DevicesOutsideAllowlistRemoved) {
    auto h = enforce(permissive());
    ASSERT_EQ(h.spec.linux.devices.size(), 1u);
    EXPECT_EQ(h.spec.linux.devices[0].path, "/dev/null");
    EXPECT_EQ(find(h.adjustments, "linux.devices[0]")->old_value, "/dev/sda (b 8:0)");
    auto& rules = h.spec.linux.resources->devices;
    ASSERT_FALSE(rules.empty());
    EXPECT_FALSE(rules[0].allow);
    EXPECT_EQ(rules[0].type, "a");
    EXPECT_FALSE(rules[0].major);
    for (auto& r : rules)
        if (r.allow) {
            EXPECT_FALSE(r.major == 8) << "disk allowed";
        }
}

TEST(Harden, ImpostorDeviceRemoved) {
    auto s = permissive();
    s.linux.devices = {device("/dev/null", "b", 8, 0)};
    auto h = enforce(s);
    EXPECT_TRUE(h.spec.linux.devices.empty());
}

TEST(Harden, PolicyDeviceAllowlistKeepsGpu) {
    Policy p;
    p.devices.push_back({"/dev/nvidia0", "c", 195, std::nullopt});
    auto s = permissive();
    s.linux.devices.push_back(device("/dev/nvidia0", "c", 195, 0));
    auto h = enforce(s, p);
    ASSERT_EQ(h.spec.linux.devices.size(), 2u);
    auto& rules = h.spec.linux.resources->devices;
    EXPECT_TRUE(std::any_of(rules.begin(), rules.end(), [](auto& r) {
        return r.allow && r.major == 195 && r.minor == 0;
    }));
    EXPECT_TRUE(has(h.enforcement.landlock.writable, "/dev/nvidia0"));
}

TEST(Harden, CapabilitiesEmptied) {
    auto h = enforce(permissive());
    EXPECT_TRUE(h.spec.process.capabilities->empty());
    auto a = find(h.adjustments, "process.capabilities.bounding");
    EXPECT_EQ(a->old_value, "[CAP_CHOWN, CAP_NET_ADMIN, CAP_SYS_ADMIN]");
    EXPECT_EQ(a->new_value, "[]");
}

TEST(Harden, PolicyMayLetACapabilityStay) {
    Policy p;
    p.capabilities = {"CAP_CHOWN"};
    auto h = enforce(permissive(), p);
    EXPECT_EQ(h.spec.process.capabilities->bounding, std::vector<std::string>{"CAP_CHOWN"});
    EXPECT_EQ(h.spec.process.capabilities->ambient, std::vector<std::string>{"CAP_CHOWN"});
}

TEST(Harden, AbsentCapabilitiesMadeExplicit) {
    auto s = permissive();
    s.process.capabilities.reset();
    auto h = enforce(s);
    ASSERT_TRUE(h.spec.process.capabilities);
    EXPECT_TRUE(h.spec.process.capabilities->empty());
    EXPECT_TRUE(find(h.adjustments, "process.capabilities"));
}

TEST(Harden, NoNewPrivilegesAndOom) {
    auto h = enforce(permissive());
    EXPECT_TRUE(h.spec.process.no_new_privileges);
    EXPECT_EQ(h.spec.process.oom_score_adj, 1000);
}

TEST(Harden, RlimitsAddedAndLowered) {
    auto s = permissive();
    s.process.rlimits = {{"RLIMIT_NOFILE", 1048576, 1048576}, {"RLIMIT_NPROC", 50, 50}};
    auto h = enforce(s);
    auto& r = h.spec.process.rlimits;
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].type, "RLIMIT_NOFILE");
    EXPECT_EQ(r[0].hard, 1024u);
    EXPECT_EQ(r[0].soft, 1024u);
    EXPECT_EQ(r[1].hard, 50u);  // not the policy's business
    EXPECT_EQ(r[2].type, "RLIMIT_CORE");
    EXPECT_EQ(r[2].hard, 0u);
    EXPECT_EQ(find(h.adjustments, "process.rlimits[0]")->old_value, "RLIMIT_NOFILE soft=1048576 hard=1048576");
}

TEST(Harden, LowerRlimitKept) {
    auto s = permissive();
    s.process.rlimits = {{"RLIMIT_NOFILE", 64, 32}, {"RLIMIT_CORE", 0, 0}};
    auto h = enforce(s);
    EXPECT_FALSE(find(h.adjustments, "process.rlimits[0]"));
    EXPECT_FALSE(find(h.adjustments, "process.rlimits[1]"));
    EXPECT_EQ(h.spec.process.rlimits[0].hard, 64u);
}

TEST(Harden, SecretEnvRemovedNameOnly) {
    auto s = permissive();
    s.process.env = {"PATH=/bin",         "GITHUB_TOKEN=ghp_x",    "MY_API_KEY=k",
                     "DB_PASSWORD=p",     "aws_region=eu",        "OPENAI_API_KEY=sk",
                     "CLIENT_SECRET_ID=s", "TOKENIZERS_PARALLELISM=1", "HOME=/root"};
    auto h = enforce(s);
    EXPECT_EQ(h.spec.process.env,
              (std::vector<std::string>{"PATH=/bin", "TOKENIZERS_PARALLELISM=1", "HOME=/root"}));
    for (auto& a : h.adjustments) {
        for (auto secret : {"ghp_x", "=k", "=p", "sk", "=s", "hunter2"})
            EXPECT_EQ(a.old_value.find(secret), std::string::npos) << a.old_value;
    }
    auto a = find(h.adjustments, "process.env");
    EXPECT_EQ(a->old_value, "GITHUB_TOKEN=<redacted>");
    EXPECT_EQ(a->rule, "secret-env");
}

TEST(Harden, EnforcementDefaults) {
    auto h = enforce(permissive());
    auto& e = h.enforcement;
    EXPECT_TRUE(e.seccomp);
    EXPECT_TRUE(e.landlock.enabled);
    EXPECT_TRUE(e.landlock.scope_signals);
    EXPECT_TRUE(e.landlock.scope_abstract_unix);
    EXPECT_FALSE(e.landlock.restrict_connect);  // TCP on lo keeps working
    for (auto p : {"/tmp", "/dev/shm", "/dev/null", "/dev/pts", "/dev/ptmx", "/dev/tty"})
        EXPECT_TRUE(has(e.landlock.writable, p)) << p;
    EXPECT_FALSE(has(e.landlock.writable, "/data"));  // made read-only
    EXPECT_FALSE(e.timeout);
    EXPECT_FALSE(e.egress);
    EXPECT_EQ(e.network, NetworkMode::loopback);
}

TEST(Harden, PolicyTimeoutReachesEnforcement) {
    Policy p;
    p.timeout = std::chrono::seconds(30);
    EXPECT_EQ(enforce(permissive(), p).enforcement.timeout, std::chrono::milliseconds(30000));
}

TEST(Harden, LandlockOffInPolicy) {
    Policy p;
    p.landlock = false;
    auto e = enforce(permissive(), p).enforcement;
    EXPECT_FALSE(e.landlock.enabled);
    EXPECT_TRUE(e.seccomp);
}

// ---- modes ----

TEST(Modes, RefuseNamesEveryViolation) {
    Policy p;
    p.mode = Mode::refuse;
    auto h = harden(permissive(), p);
    ASSERT_FALSE(h);
    auto& msg = h.error().message;
    EXPECT_NE(msg.find("refuse mode"), std::string::npos) << msg;
    EXPECT_NE(msg.find("28 violations"), std::string::npos) << msg;
    auto enforced = enforce(permissive());
    for (auto& a : enforced.adjustments)
        EXPECT_NE(msg.find(a.field + ":"), std::string::npos) << a.field << " missing in " << msg;
    EXPECT_EQ(msg.find("hunter2"), std::string::npos);
}

TEST(Modes, RefuseAcceptsAConfigWithinThePolicy) {
    Policy p;
    p.mode = Mode::refuse;
    auto h = harden(example_spec(p), p);
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_TRUE(h->adjustments.empty());
}

TEST(Modes, AuditLeavesSpecUnchangedAndListsEverything) {
    Policy p;
    p.mode = Mode::audit;
    auto in = permissive();
    auto h = harden(in, p);
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(spec::to_json(h->spec), spec::to_json(in));
    EXPECT_EQ(fields(h->adjustments), fields(enforce(in).adjustments));
    EXPECT_FALSE(h->enforcement.seccomp);
    EXPECT_FALSE(h->enforcement.landlock.enabled);
    EXPECT_FALSE(h->enforcement.egress);
}

TEST(Modes, DangerousBindRefusedInEnforceNamingIt) {
    auto s = permissive();
    s.mounts.push_back(mount("/var/run/docker.sock", "bind", "/var/run/docker.sock", {"rbind"}));
    auto h = harden(s, builtin());
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("/var/run/docker.sock"), std::string::npos) << h.error().message;
    EXPECT_NE(h.error().message.find("mounts[5].source"), std::string::npos) << h.error().message;
    EXPECT_NE(h.error().message.find("1 violation"), std::string::npos) << h.error().message;
}

TEST(Modes, DangerousBindRefusedInRefuseMode) {
    Policy p;
    p.mode = Mode::refuse;
    auto s = example_spec(p);
    s.mounts.push_back(mount("/var/run/docker.sock", "bind", "/run/docker.sock", {"rbind", "ro"}));
    auto h = harden(s, p);
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("/run/docker.sock"), std::string::npos);
}

TEST(Modes, DangerousBindOnlyRecordedInAudit) {
    Policy p;
    p.mode = Mode::audit;
    auto s = permissive();
    s.mounts.push_back(mount("/host", "bind", "/", {"rbind"}));
    auto h = harden(s, p);
    ASSERT_TRUE(h) << h.error().message;
    auto a = find(h->adjustments, "mounts[5].source");
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->refused);
    EXPECT_EQ(a->rule, "dangerous-bind");
    EXPECT_EQ(h->spec.mounts.size(), s.mounts.size());
}

TEST(Modes, DockerStyleBindsAllowedReadonly) {
    const std::string id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const std::string dir = "/var/lib/docker/containers/" + id;
    auto s = example_spec(builtin());
    s.mounts.push_back(mount("/etc/resolv.conf", "bind", dir + "/resolv.conf", {"rbind", "rprivate"}));
    s.mounts.push_back(mount("/etc/hostname", "bind", dir + "/hostname", {"rbind", "rprivate"}));
    s.mounts.push_back(mount("/etc/hosts", "bind", dir + "/hosts", {"rbind", "rprivate"}));
    s.mounts.push_back(mount("/dev/shm", "bind", dir + "/mounts/shm", {"rbind", "rprivate"}));
    auto h = harden(s, builtin());
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_EQ(mount_at(h->spec, "/etc/hosts")->options,
              (std::vector<std::string>{"rbind", "rprivate", "ro"}));
    EXPECT_EQ(h->adjustments.size(), 3u);  // resolv.conf, hostname, hosts made read-only
    auto shm = std::find_if(h->spec.mounts.rbegin(), h->spec.mounts.rend(), [](auto& m) { return m.destination == "/dev/shm"; });
    EXPECT_FALSE(has(shm->options, "ro"));  // /dev/shm is writable: multiprocessing
}

TEST(Modes, EnforceErrorListsOnlyRefusals) {
    auto s = permissive();
    s.mounts.push_back(mount("/x", "bind", "/var/lib/docker", {"rbind"}));
    s.mounts.push_back(mount("/y", "bind", "/var", {"rbind"}));
    auto h = harden(s, builtin());
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("2 violations"), std::string::npos) << h.error().message;
    EXPECT_EQ(h.error().message.find("root.readonly"), std::string::npos);
}

TEST(Purity, SameInputSameOutput) {
    auto s = permissive();
    s.annotations["run.moat.timeout"] = "10s";
    Policy p;
    auto a = harden(s, p);
    auto b = harden(s, p);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->adjustments, b->adjustments);
    EXPECT_EQ(spec::to_json(a->spec), spec::to_json(b->spec));
    EXPECT_EQ(a->enforcement.landlock.writable, b->enforcement.landlock.writable);
    EXPECT_EQ(a->enforcement.timeout, b->enforcement.timeout);
}

TEST(Purity, HardenIsIdempotent) {
    auto once = enforce(permissive());
    auto twice = enforce(once.spec);
    EXPECT_TRUE(twice.adjustments.empty()) << format_adjustments(twice.adjustments);
    EXPECT_EQ(spec::to_json(twice.spec), spec::to_json(once.spec));
}

TEST(Purity, InputNotModified) {
    auto s = permissive();
    auto copy = spec::to_json(s);
    (void)harden(s, builtin());
    EXPECT_EQ(spec::to_json(s), copy);
}

}  // namespace
}  // namespace moat::policy::test
