// parse_config / load_config / to_json(Spec) on valid configs: what each field
// becomes, what is kept, and that writing back loses nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fixtures.hpp"
#include "moat/spec.hpp"

namespace moat::spec {
namespace {

using test::canonical;
using test::read_fixture;

Spec parse_ok(std::string_view text) {
    auto spec = parse_config(text);
    EXPECT_TRUE(spec.has_value()) << (spec ? "" : spec.error().message);
    return spec.value_or(Spec{});
}

TEST(ParseConfig, Minimal) {
    Spec spec = parse_ok(read_fixture("minimal.json"));
    EXPECT_EQ(spec.oci_version, "1.0.2");
    EXPECT_EQ(spec.root.path, "rootfs");
    EXPECT_FALSE(spec.root.readonly);
    EXPECT_FALSE(spec.has_process);
    EXPECT_TRUE(spec.mounts.empty());
    EXPECT_TRUE(spec.hooks.empty());
    EXPECT_EQ(spec.linux, Linux{});
    EXPECT_FALSE(spec.domainname);
    EXPECT_TRUE(spec.extensions.empty());
}

TEST(ParseConfig, RuncSpecOutput) {
    Spec spec = parse_ok(read_fixture("runc-spec.json"));
    EXPECT_EQ(spec.oci_version, "1.0.2-dev");
    ASSERT_TRUE(spec.has_process);
    EXPECT_TRUE(spec.process.terminal);
    EXPECT_EQ(spec.process.args, std::vector<std::string>{"sh"});
    EXPECT_EQ(spec.process.cwd, "/");
    ASSERT_TRUE(spec.process.capabilities);
    EXPECT_EQ(spec.process.capabilities->bounding,
              (std::vector<std::string>{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}));
    ASSERT_EQ(spec.process.rlimits.size(), 1u);
    EXPECT_EQ(spec.process.rlimits[0], (Rlimit{"RLIMIT_NOFILE", 1024, 1024}));
    EXPECT_TRUE(spec.process.no_new_privileges);
    EXPECT_EQ(spec.root.path, "rootfs");
    EXPECT_TRUE(spec.root.readonly);
    EXPECT_EQ(spec.hostname, "runc");
    ASSERT_GE(spec.mounts.size(), 7u);
    EXPECT_EQ(spec.mounts[0].destination, "/proc");
    EXPECT_EQ(spec.mounts[0].type, "proc");
    EXPECT_NE(spec.linux.find_namespace("pid"), nullptr);
    EXPECT_NE(spec.linux.find_namespace("network"), nullptr);
    EXPECT_EQ(spec.linux.find_namespace("user"), nullptr);
    ASSERT_TRUE(spec.linux.resources);
    ASSERT_EQ(spec.linux.resources->devices.size(), 1u);
    EXPECT_FALSE(spec.linux.resources->devices[0].allow);
    EXPECT_EQ(spec.linux.resources->devices[0].access, "rwm");
    EXPECT_FALSE(spec.linux.resources->devices[0].type);
    EXPECT_FALSE(spec.linux.resources->memory);
    EXPECT_FALSE(spec.linux.seccomp);
    EXPECT_FALSE(spec.linux.masked_paths.empty());
    EXPECT_FALSE(spec.linux.readonly_paths.empty());
}

TEST(ParseConfig, RichProcess) {
    Spec spec = parse_ok(read_fixture("rich.json"));
    const Process& p = spec.process;
    ASSERT_TRUE(spec.has_process);
    EXPECT_EQ(p.console_size, (ConsoleSize{25, 80}));
    EXPECT_EQ(p.user.uid, 1000u);
    EXPECT_EQ(p.user.gid, 1000u);
    EXPECT_EQ(p.user.umask, 18u);
    EXPECT_EQ(p.user.additional_gids, (std::vector<uint32_t>{5, 6}));
    EXPECT_EQ(p.user.username, "app");
    EXPECT_EQ(p.args, (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
    EXPECT_EQ(p.command_line, "sh -c 'echo hi'");
    EXPECT_EQ(p.env.size(), 2u);
    EXPECT_EQ(p.cwd, "/work");
    ASSERT_TRUE(p.capabilities);
    EXPECT_EQ(p.capabilities->inheritable, std::vector<std::string>{"CAP_CHOWN"});
    EXPECT_EQ(p.capabilities->ambient, std::vector<std::string>{"CAP_KILL"});
    ASSERT_EQ(p.rlimits.size(), 2u);
    EXPECT_EQ(p.rlimits[1].hard, UINT64_MAX);
    EXPECT_TRUE(p.no_new_privileges);
    EXPECT_EQ(p.apparmor_profile, "moat-default");
    EXPECT_EQ(p.oom_score_adj, -500);
    EXPECT_TRUE(p.selinux_label);
    // Members moat does not model yet are kept as JSON text.
    EXPECT_EQ(p.extensions.at("scheduler"), R"({"policy":"SCHED_IDLE","nice":10})");
    EXPECT_TRUE(p.extensions.contains("ioPriority"));
}

TEST(ParseConfig, RichTopLevelMountsHooks) {
    Spec spec = parse_ok(read_fixture("rich.json"));
    EXPECT_EQ(spec.oci_version, "1.2.0");
    EXPECT_EQ(spec.root.path, "/var/lib/bundle/rootfs");
    EXPECT_TRUE(spec.root.readonly);
    EXPECT_EQ(spec.hostname, "sandbox");
    EXPECT_EQ(spec.domainname, "example.internal");
    ASSERT_EQ(spec.mounts.size(), 4u);
    EXPECT_EQ(spec.mounts[1].options,
              (std::vector<std::string>{"nosuid", "nodev", "mode=1777", "size=100m"}));
    EXPECT_EQ(spec.mounts[2].source, "/srv/data");
    ASSERT_EQ(spec.mounts[2].uid_mappings.size(), 1u);
    EXPECT_EQ(spec.mounts[2].uid_mappings[0], (IdMapping{0, 100000, 65536}));
    EXPECT_EQ(spec.mounts[2].gid_mappings[0].host_id, 200000u);
    EXPECT_EQ(spec.mounts[3], (Mount{"/empty", "", "", {}, {}, {}}));

    ASSERT_EQ(spec.hooks.prestart.size(), 1u);
    EXPECT_EQ(spec.hooks.prestart[0],
              (Hook{"/usr/bin/prestart", {"prestart", "--x"}, {"A=1"}, 5}));
    EXPECT_EQ(spec.hooks.create_runtime[0].path, "/usr/bin/create-runtime");
    EXPECT_FALSE(spec.hooks.create_runtime[0].timeout);
    EXPECT_EQ(spec.hooks.create_container[0].timeout, 1);
    EXPECT_EQ(spec.hooks.start_container[0].args, std::vector<std::string>{"s"});
    EXPECT_EQ(spec.hooks.poststart.size(), 2u);
    EXPECT_EQ(spec.hooks.poststop[0].env, std::vector<std::string>{"B=2"});

    EXPECT_EQ(spec.annotations.at("org.opencontainers.image.ref.name"), "busybox");
    EXPECT_EQ(spec.annotations.at("run.moat.timeout"), "30");
    EXPECT_EQ(spec.extensions.size(), 2u);
    EXPECT_EQ(spec.extensions.at("vm"), R"({"hypervisor":{"path":"/usr/bin/qemu"}})");
    EXPECT_TRUE(spec.extensions.contains("windows"));
}

TEST(ParseConfig, RichLinux) {
    Spec spec = parse_ok(read_fixture("rich.json"));
    const Linux& l = spec.linux;
    ASSERT_EQ(l.namespaces.size(), 8u);
    ASSERT_NE(l.find_namespace("network"), nullptr);
    EXPECT_EQ(l.find_namespace("network")->path, "/var/run/netns/x");
    EXPECT_EQ(l.find_namespace("time")->path, "");
    EXPECT_EQ(l.uid_mappings, (std::vector<IdMapping>{{0, 1000, 1}}));
    EXPECT_EQ(l.gid_mappings.size(), 2u);
    ASSERT_EQ(l.devices.size(), 3u);
    EXPECT_EQ(l.devices[0], (Device{"c", "/dev/fuse", 10, 229, 438, 0, 0}));
    EXPECT_EQ(l.devices[1], (Device{"b", "/dev/sda", 8, 0, {}, {}, {}}));
    EXPECT_EQ(l.devices[2].type, "p");
    EXPECT_EQ(l.cgroups_path, "/moat/sandbox");
    EXPECT_EQ(l.rootfs_propagation, "rslave");
    EXPECT_EQ(l.masked_paths, (std::vector<std::string>{"/proc/kcore", "/proc/keys"}));
    EXPECT_EQ(l.readonly_paths.size(), 2u);
    EXPECT_TRUE(l.mount_label);
    EXPECT_EQ(l.sysctl.at("net.ipv4.ip_forward"), "0");
    EXPECT_EQ(l.intel_rdt_closid, "guaranteed_group");
    EXPECT_EQ(l.personality_domain, "LINUX32");
    EXPECT_EQ(l.personality_flags, std::vector<std::string>{"ADDR_NO_RANDOMIZE"});
    EXPECT_EQ(l.time_offsets.at("monotonic"), (TimeOffset{3600, 500}));
    EXPECT_EQ(l.time_offsets.at("boottime").secs, -10);
    EXPECT_EQ(l.extensions.at("memoryPolicy"), R"({"mode":"MPOL_BIND","nodes":"0"})");
}

TEST(ParseConfig, RichResources) {
    Spec spec = parse_ok(read_fixture("rich.json"));
    ASSERT_TRUE(spec.linux.resources);
    const Resources& r = *spec.linux.resources;
    ASSERT_EQ(r.devices.size(), 3u);
    EXPECT_EQ(r.devices[0], (DeviceCgroup{false, {}, {}, {}, "rwm"}));
    EXPECT_EQ(r.devices[1], (DeviceCgroup{true, "c", 1, 3, "rw"}));
    EXPECT_EQ(r.devices[2], (DeviceCgroup{true, "b", 8, {}, "r"}));
    ASSERT_TRUE(r.memory);
    EXPECT_EQ(r.memory->limit, 536870912);
    EXPECT_EQ(r.memory->reservation, 268435456);
    EXPECT_EQ(r.memory->swap, 536870912);
    EXPECT_EQ(r.memory->kernel, -1);
    EXPECT_EQ(r.memory->kernel_tcp, 1048576);
    EXPECT_EQ(r.memory->swappiness, 0u);  // present and zero, not absent
    EXPECT_EQ(r.memory->disable_oom_killer, false);
    EXPECT_EQ(r.memory->use_hierarchy, true);
    EXPECT_EQ(r.memory->check_before_update, true);
    ASSERT_TRUE(r.cpu);
    EXPECT_EQ(r.cpu->shares, 1024u);
    EXPECT_EQ(r.cpu->quota, 100000);
    EXPECT_EQ(r.cpu->burst, 10000u);
    EXPECT_EQ(r.cpu->period, 100000u);
    EXPECT_EQ(r.cpu->realtime_runtime, 950000);
    EXPECT_EQ(r.cpu->realtime_period, 1000000u);
    EXPECT_EQ(r.cpu->cpus, "0-1");
    EXPECT_EQ(r.cpu->mems, "0");
    EXPECT_EQ(r.cpu->idle, 0);
    EXPECT_EQ(r.pids, (Pids{256}));
    ASSERT_TRUE(r.block_io);
    EXPECT_EQ(r.block_io->weight, 500);
    EXPECT_EQ(r.block_io->leaf_weight, 300);
    EXPECT_EQ(r.block_io->weight_device[0], (WeightDevice{8, 0, 600, 200}));
    EXPECT_EQ(r.block_io->weight_device[1], (WeightDevice{8, 16, {}, {}}));
    EXPECT_EQ(r.block_io->throttle_read_bps_device[0], (ThrottleDevice{8, 0, 104857600}));
    EXPECT_EQ(r.block_io->throttle_write_bps_device[0].rate, 52428800u);
    EXPECT_EQ(r.block_io->throttle_read_iops_device[0].rate, 1000u);
    EXPECT_EQ(r.block_io->throttle_write_iops_device[0].rate, 500u);
    EXPECT_EQ(r.hugepage_limits, (std::vector<HugepageLimit>{{"2MB", 209715200}, {"1GB", 0}}));
    ASSERT_TRUE(r.network);
    EXPECT_EQ(r.network->class_id, 1048577u);
    EXPECT_EQ(r.network->priorities[1], (NetworkPriority{"lo", 1000}));
    EXPECT_EQ(r.rdma.at("mlx5_1"), (Rdma{3, 10000}));
    EXPECT_EQ(r.rdma.at("mlx4_0"), (Rdma{1, {}}));
    EXPECT_EQ(r.unified.at("io.max"), "8:0 rbps=1048576");
}

TEST(ParseConfig, RichSeccomp) {
    Spec spec = parse_ok(read_fixture("rich.json"));
    ASSERT_TRUE(spec.linux.seccomp);
    const Seccomp& s = *spec.linux.seccomp;
    EXPECT_EQ(s.default_action, "SCMP_ACT_ERRNO");
    EXPECT_EQ(s.default_errno_ret, 1u);
    EXPECT_EQ(s.architectures, (std::vector<std::string>{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}));
    EXPECT_EQ(s.flags, std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG"});
    EXPECT_EQ(s.listener_path, "/run/seccomp-agent.sock");
    EXPECT_EQ(s.listener_metadata, "meta");
    ASSERT_EQ(s.syscalls.size(), 3u);
    EXPECT_EQ(s.syscalls[0].names, (std::vector<std::string>{"read", "write"}));
    EXPECT_FALSE(s.syscalls[0].errno_ret);
    ASSERT_EQ(s.syscalls[1].args.size(), 2u);
    EXPECT_EQ(s.syscalls[1].args[0], (SeccompArg{0, 8, 0, "SCMP_CMP_EQ"}));
    EXPECT_EQ(s.syscalls[1].args[1],
              (SeccompArg{1, UINT64_MAX, 4294967295u, "SCMP_CMP_MASKED_EQ"}));
    EXPECT_EQ(s.syscalls[2].errno_ret, 13u);
}

TEST(ParseConfig, NullMeansAbsent) {
    Spec spec = parse_ok(R"({"ociVersion": "1.0.2", "root": {"path": "r", "readonly": null},
        "process": {"args": ["sh"], "oomScoreAdj": null, "capabilities": null, "env": null},
        "hostname": null, "domainname": null, "mounts": null, "hooks": null,
        "annotations": null,
        "linux": {"resources": {"memory": {"limit": null, "swap": 5}, "cpu": null},
                  "seccomp": null, "cgroupsPath": null}})");
    EXPECT_FALSE(spec.root.readonly);
    EXPECT_FALSE(spec.process.oom_score_adj);
    EXPECT_FALSE(spec.process.capabilities);
    EXPECT_FALSE(spec.domainname);
    EXPECT_FALSE(spec.linux.cgroups_path);
    EXPECT_FALSE(spec.linux.seccomp);
    ASSERT_TRUE(spec.linux.resources);
    EXPECT_FALSE(spec.linux.resources->cpu);
    ASSERT_TRUE(spec.linux.resources->memory);
    EXPECT_FALSE(spec.linux.resources->memory->limit);
    EXPECT_EQ(spec.linux.resources->memory->swap, 5);
}

TEST(ParseConfig, AbsentAndZeroStayDistinct) {
    Spec a = parse_ok(R"({"ociVersion": "1", "root": {"path": "r"},
                          "linux": {"resources": {"memory": {}}}})");
    Spec b = parse_ok(R"({"ociVersion": "1", "root": {"path": "r"},
                          "linux": {"resources": {"memory": {"limit": 0}}}})");
    EXPECT_FALSE(a.linux.resources->memory->limit);
    EXPECT_EQ(b.linux.resources->memory->limit, 0);
    EXPECT_NE(a, b);
}

TEST(ParseConfig, ProcessDefaultsWhenMembersAbsent) {
    Spec spec = parse_ok(R"({"ociVersion": "1", "root": {"path": "r"}, "process": {"args": ["x"]}})");
    EXPECT_TRUE(spec.has_process);
    EXPECT_EQ(spec.process.cwd, "/");
    EXPECT_EQ(spec.process.user, User{});
    EXPECT_FALSE(spec.process.terminal);
    EXPECT_FALSE(spec.process.no_new_privileges);
}

TEST(ParseConfig, UnknownNullMembersAreAbsent) {
    Spec spec = parse_ok(R"({"ociVersion": "1", "root": {"path": "r"}, "solaris": null,
                             "process": {"args": ["x"], "scheduler": null},
                             "linux": {"netDevices": null}})");
    EXPECT_TRUE(spec.extensions.empty());
    EXPECT_TRUE(spec.process.extensions.empty());
    EXPECT_TRUE(spec.linux.extensions.empty());
}

TEST(ParseConfig, EmptyPropagationMeansDefault) {
    Spec spec = parse_ok(R"({"ociVersion": "1", "root": {"path": "r"},
                             "linux": {"rootfsPropagation": ""}})");
    EXPECT_EQ(spec.linux.rootfs_propagation, "");
}

TEST(ParseConfig, UnknownNestedMembersAreIgnored) {
    Spec spec = parse_ok(R"({"ociVersion": "1", "root": {"path": "r", "future": 1},
                             "linux": {"resources": {"memory": {"limit": 5, "future": "x"}}}})");
    EXPECT_EQ(spec.linux.resources->memory->limit, 5);
}

// ---- round trips ----

void expect_round_trip(const std::string& text) {
    Spec first = parse_ok(text);
    for (bool pretty : {true, false}) {
        std::string out = to_json(first, pretty);
        Spec second = parse_ok(out);
        EXPECT_EQ(first, second) << out;
        EXPECT_EQ(to_json(second, pretty), out);
    }
}

TEST(RoundTrip, Minimal) { expect_round_trip(read_fixture("minimal.json")); }
TEST(RoundTrip, RuncSpec) { expect_round_trip(read_fixture("runc-spec.json")); }
TEST(RoundTrip, Rich) { expect_round_trip(read_fixture("rich.json")); }

// Writing uses the OCI names: the output means what the input meant, member
// for member (checked on the JSON, so a misspelt key on both sides still fails).
TEST(RoundTrip, RichOutputMatchesInputJson) {
    std::string text = read_fixture("rich.json");
    EXPECT_EQ(canonical(to_json(parse_ok(text))), canonical(text));
}

TEST(RoundTrip, RuncSpecOutputMatchesInputJson) {
    std::string text = read_fixture("runc-spec.json");
    EXPECT_EQ(canonical(to_json(parse_ok(text))), canonical(text));
}

// What podman 4.3 writes for `podman create --network none IMAGE /bin/sh -c ...`.
TEST(ParseConfig, PodmanConfig) {
    std::string text = read_fixture("podman-config.json");
    Spec spec = parse_ok(text);
    ASSERT_TRUE(spec.linux.seccomp);
    EXPECT_EQ(spec.linux.seccomp->default_action, "SCMP_ACT_ERRNO");
    EXPECT_EQ(spec.linux.seccomp->syscalls.size(), 22u);
    EXPECT_EQ(spec.process.args, (std::vector<std::string>{"/bin/sh", "-c", "echo hi"}));
    EXPECT_EQ(spec.linux.resources->pids, (Pids{2048}));
    EXPECT_EQ(spec.process.rlimits[0], (Rlimit{"RLIMIT_NOFILE", 1048576, 1048576}));
    EXPECT_EQ(spec.linux.find_namespace("user"), nullptr);
    EXPECT_FALSE(spec.annotations.empty());
    EXPECT_EQ(parse_ok(to_json(spec)), spec);
    EXPECT_EQ(canonical(to_json(spec)), canonical(text));
}

TEST(ToJson, PrettyIsIndentedCompactIsOneLine) {
    Spec spec = parse_ok(read_fixture("minimal.json"));
    std::string compact = to_json(spec, false);
    EXPECT_EQ(compact, R"({"ociVersion":"1.0.2","root":{"path":"rootfs"}})");
    std::string pretty = to_json(spec);
    EXPECT_NE(pretty.find("\n  \"root\": {\n"), std::string::npos) << pretty;
}

TEST(ToJson, WritesAStructBuiltInCode) {
    Spec spec;
    spec.has_process = true;
    spec.process.args = {"/bin/true"};
    spec.process.no_new_privileges = true;
    spec.linux.namespaces = {{"pid", ""}, {"network", "/proc/1/ns/net"}};
    spec.linux.resources = Resources{};
    spec.linux.resources->pids = Pids{64};
    spec.extensions["x-custom"] = R"({"a":[1,2]})";
    EXPECT_EQ(to_json(spec, false),
              R"({"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},)"
              R"("args":["/bin/true"],"cwd":"/","noNewPrivileges":true},"root":{"path":"rootfs"},)"
              R"("linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/proc/1/ns/net"}],)"
              R"("resources":{"pids":{"limit":64}}},"x-custom":{"a":[1,2]}})");
    EXPECT_EQ(parse_ok(to_json(spec)), spec);
}

// ---- load_config ----

class LoadConfig : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("moat-spec-test-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string write(const std::string& name, const std::string& text) {
        auto p = dir_ / name;
        std::ofstream(p) << text;
        return p.string();
    }
    std::filesystem::path dir_;
};

TEST_F(LoadConfig, ReadsAFile) {
    auto path = write("config.json", read_fixture("rich.json"));
    auto spec = load_config(path);
    ASSERT_TRUE(spec) << spec.error().message;
    EXPECT_EQ(*spec, parse_ok(read_fixture("rich.json")));
}

TEST_F(LoadConfig, MissingFile) {
    std::string path = (dir_ / "nope.json").string();
    auto spec = load_config(path);
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, "open " + path + ": No such file or directory");
    EXPECT_EQ(spec.error().code, ENOENT);
}

TEST_F(LoadConfig, SemanticErrorsStartWithThePath) {
    auto path = write("config.json", R"({"ociVersion": "1", "root": {"path": "r"},
                                         "process": {"args": []}})");
    auto spec = load_config(path);
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, path + ": process.args: must not be empty");
}

TEST_F(LoadConfig, SyntaxErrorsStartWithThePath) {
    auto path = write("config.json", "{\"ociVersion\": ");
    auto spec = load_config(path);
    ASSERT_FALSE(spec);
    EXPECT_TRUE(spec.error().message.starts_with(path + ": invalid JSON: ")) << spec.error().message;
}

TEST_F(LoadConfig, ADirectoryIsAnError) {
    auto spec = load_config(dir_.string());
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, "read " + dir_.string() + ": Is a directory");
}

}  // namespace
}  // namespace moat::spec
