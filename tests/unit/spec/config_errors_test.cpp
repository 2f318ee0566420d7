// parse_config refuses wrong types and impossible values with a message that
// names the JSON path; each case checks the exact message.
#include <gtest/gtest.h>

#include "moat/spec.hpp"

namespace moat::spec {
namespace {

struct Case {
    const char* name;
    std::string members;  // top-level members after a valid ociVersion and root
    std::string message;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

std::string config_with(const std::string& members) {
    std::string text = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}})";
    if (!members.empty()) text.insert(text.size() - 1, ", " + members);
    return text;
}

class ConfigError : public ::testing::TestWithParam<Case> {};

TEST_P(ConfigError, NamesThePath) {
    auto spec = parse_config(config_with(GetParam().members));
    ASSERT_FALSE(spec) << "accepted: " << GetParam().members;
    EXPECT_EQ(spec.error().message, GetParam().message);
}

// The base config itself must be valid, or every case above proves nothing.
TEST(ConfigErrorBase, IsValid) {
    auto spec = parse_config(config_with(R"("process": {"args": ["sh"]})"));
    ASSERT_TRUE(spec) << spec.error().message;
}

const Case kCases[] = {
    // wrong types
    {"MemoryLimitString", R"("linux": {"resources": {"memory": {"limit": "1G"}}})",
     "linux.resources.memory.limit: expected integer, got string"},
    {"ArgNotString", R"("process": {"args": ["sh", 3]})",
     "process.args[1]: expected string, got integer"},
    {"ProcessNotObject", R"("process": ["sh"])", "process: expected object, got array"},
    {"TerminalNotBool", R"("process": {"args": ["sh"], "terminal": "yes"})",
     "process.terminal: expected boolean, got string"},
    {"HostnameNumber", R"("hostname": 5)", "hostname: expected string, got integer"},
    {"AnnotationValueNotString", R"("annotations": {"org.example.x": 1})",
     "annotations[\"org.example.x\"]: expected string, got integer"},
    {"SysctlValueNotString", R"("linux": {"sysctl": {"net.ipv4.ip_forward": true}})",
     "linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got boolean"},
    {"MountsNotArray", R"("mounts": {"destination": "/proc"})",
     "mounts: expected array, got object"},
    {"CpuSharesFraction", R"("linux": {"resources": {"cpu": {"shares": 1.5}}})",
     "linux.resources.cpu.shares: expected integer, got number"},
    {"SeccompArgValueString",
     R"("linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": "1", "op": "SCMP_CMP_EQ"}]}]}})",
     "linux.seccomp.syscalls[0].args[0].value: expected integer, got string"},

    // out of range
    {"NegativeUid", R"("process": {"args": ["sh"], "user": {"uid": -1, "gid": 0}})",
     "process.user.uid: -1 is out of range for uint32"},
    {"GidTooBig", R"("process": {"args": ["sh"], "user": {"uid": 0, "gid": 4294967296}})",
     "process.user.gid: 4294967296 is out of range for uint32"},
    {"BlkioWeightTooBig", R"("linux": {"resources": {"blockIO": {"weight": 70000}}})",
     "linux.resources.blockIO.weight: 70000 is out of range for uint16"},
    {"OomScoreAdjTooBig", R"("process": {"args": ["sh"], "oomScoreAdj": 1001})",
     "process.oomScoreAdj: 1001 is outside -1000..1000"},
    {"SwappinessTooBig", R"("linux": {"resources": {"memory": {"swappiness": 101}}})",
     "linux.resources.memory.swappiness: 101 is outside 0..100"},
    {"HostnameLongerThanTheKernelAllows", "\"hostname\": \"" + std::string(65, 'h') + "\"",
     "hostname: 65 bytes; the kernel allows at most 64"},
    {"DomainnameLongerThanTheKernelAllows", "\"domainname\": \"" + std::string(1000, 'd') + "\"",
     "domainname: 1000 bytes; the kernel allows at most 64"},

    // required members
    {"EmptyArgs", R"("process": {"args": []})", "process.args: must not be empty"},
    {"MissingArgs", R"("process": {"cwd": "/"})", "process.args: required"},
    {"MountWithoutDestination", R"("mounts": [{"type": "tmpfs"}])",
     "mounts[0].destination: required"},
    {"IdMappingWithoutSize", R"("linux": {"uidMappings": [{"containerID": 0, "hostID": 1000}]})",
     "linux.uidMappings[0].size: required"},
    {"CharDeviceWithoutMajor", R"("linux": {"devices": [{"type": "c", "path": "/dev/x", "minor": 1}]})",
     "linux.devices[0].major: required"},
    {"PidsWithoutLimit", R"("linux": {"resources": {"pids": {}}})",
     "linux.resources.pids.limit: required"},
    {"DeviceRuleWithoutAllow", R"("linux": {"resources": {"devices": [{"access": "rwm"}]}})",
     "linux.resources.devices[0].allow: required"},
    {"RlimitWithoutSoft", R"("process": {"args": ["sh"], "rlimits": [{"type": "RLIMIT_CORE", "hard": 0}]})",
     "process.rlimits[0].soft: required"},
    {"SeccompWithoutDefaultAction", R"("linux": {"seccomp": {"syscalls": []}})",
     "linux.seccomp.defaultAction: required"},
    {"HookWithoutPath", R"("hooks": {"prestart": [{"args": ["x"]}]})",
     "hooks.prestart[0].path: required"},

    // impossible values
    {"UnknownNamespace", R"("linux": {"namespaces": [{"type": "pid"}, {"type": "net"}]})",
     "linux.namespaces[1].type: \"net\" is not one of pid network mount ipc uts user cgroup time"},
    {"DuplicateNamespace", R"("linux": {"namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "pid"}]})",
     "linux.namespaces[2].type: duplicate namespace \"pid\""},
    {"RelativeNamespacePath", R"("linux": {"namespaces": [{"type": "network", "path": "ns/net"}]})",
     "linux.namespaces[0].path: \"ns/net\" is not an absolute path"},
    {"RelativeMountDestination", R"("mounts": [{"destination": "/proc"}, {"destination": "tmp"}])",
     "mounts[1].destination: \"tmp\" is not an absolute path"},
    {"EmptyMountDestination", R"("mounts": [{"destination": ""}])",
     "mounts[0].destination: \"\" is not an absolute path"},
    {"RelativeDevicePath", R"("linux": {"devices": [{"type": "c", "path": "dev/null", "major": 1, "minor": 3}]})",
     "linux.devices[0].path: \"dev/null\" is not an absolute path"},
    {"BadDeviceType", R"("linux": {"devices": [{"type": "x", "path": "/dev/x", "major": 1, "minor": 3}]})",
     "linux.devices[0].type: \"x\" is not one of c b u p"},
    {"BadRlimitType", R"("process": {"args": ["sh"], "rlimits": [{"type": "NOFILE", "hard": 1, "soft": 1}]})",
     "process.rlimits[0].type: \"NOFILE\" is not of the form RLIMIT_*"},
    {"RlimitPrefixOnly", R"("process": {"args": ["sh"], "rlimits": [{"type": "RLIMIT_", "hard": 1, "soft": 1}]})",
     "process.rlimits[0].type: \"RLIMIT_\" is not of the form RLIMIT_*"},
    {"DuplicateRlimit",
     R"("process": {"args": ["sh"], "rlimits": [{"type": "RLIMIT_CORE", "hard": 1, "soft": 1}, {"type": "RLIMIT_CORE", "hard": 2, "soft": 2}]})",
     "process.rlimits[1].type: duplicate rlimit \"RLIMIT_CORE\""},
    {"RelativeCwd", R"("process": {"args": ["sh"], "cwd": "work"})",
     "process.cwd: \"work\" is not an absolute path"},
    {"BadCapabilityName", R"("process": {"args": ["sh"], "capabilities": {"bounding": ["CAP_KILL", "kill"]}})",
     "process.capabilities.bounding[1]: \"kill\" is not of the form CAP_*"},
    {"RelativeHookPath", R"("hooks": {"createRuntime": [{"path": "hook.sh"}]})",
     "hooks.createRuntime[0].path: \"hook.sh\" is not an absolute path"},
    {"ZeroHookTimeout", R"("hooks": {"poststop": [{"path": "/bin/h", "timeout": 0}]})",
     "hooks.poststop[0].timeout: must be greater than 0, got 0"},
    {"NegativeHookTimeout", R"("hooks": {"startContainer": [{"path": "/bin/h", "timeout": -3}]})",
     "hooks.startContainer[0].timeout: must be greater than 0, got -3"},
    {"RelativeMaskedPath", R"("linux": {"maskedPaths": ["/proc/kcore", "proc/keys"]})",
     "linux.maskedPaths[1]: \"proc/keys\" is not an absolute path"},
    {"RelativeReadonlyPath", R"("linux": {"readonlyPaths": ["sys"]})",
     "linux.readonlyPaths[0]: \"sys\" is not an absolute path"},
    {"BadPropagation", R"("linux": {"rootfsPropagation": "recursive"})",
     "linux.rootfsPropagation: \"recursive\" is not one of private rprivate slave rslave shared "
     "rshared unbindable runbindable"},
    {"BadDeviceRuleType", R"("linux": {"resources": {"devices": [{"allow": true, "type": "p"}]}})",
     "linux.resources.devices[0].type: \"p\" is not one of a c b"},
    {"BadDeviceRuleAccess", R"("linux": {"resources": {"devices": [{"allow": true, "access": "rwx"}]}})",
     "linux.resources.devices[0].access: \"rwx\" is not a combination of r w m"},
    {"BadSeccompDefaultAction", R"("linux": {"seccomp": {"defaultAction": "ALLOW"}})",
     "linux.seccomp.defaultAction: \"ALLOW\" is not one of SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS "
     "SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP SCMP_ACT_ERRNO SCMP_ACT_TRACE SCMP_ACT_ALLOW "
     "SCMP_ACT_LOG SCMP_ACT_NOTIFY"},
    {"BadSeccompOperator",
     R"("linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "EQ"}]}]}})",
     "linux.seccomp.syscalls[0].args[0].op: \"EQ\" is not one of SCMP_CMP_NE SCMP_CMP_LT "
     "SCMP_CMP_LE SCMP_CMP_EQ SCMP_CMP_GE SCMP_CMP_GT SCMP_CMP_MASKED_EQ"},
    {"SeccompArgIndexTooBig",
     R"("linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}})",
     "linux.seccomp.syscalls[0].args[0].index: 6 is not a syscall argument index (0..5)"},
    {"SeccompEmptyNames",
     R"("linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]}})",
     "linux.seccomp.syscalls[0].names: must not be empty"},
    {"SeccompBadArch", R"("linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["x86_64"]}})",
     "linux.seccomp.architectures[0]: \"x86_64\" is not of the form SCMP_ARCH_*"},
    {"SeccompBadFlag", R"("linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["TSYNC"]}})",
     "linux.seccomp.flags[0]: \"TSYNC\" is not of the form SECCOMP_FILTER_FLAG_*"},
    {"BadPersonalityDomain", R"("linux": {"personality": {"domain": "BSD"}})",
     "linux.personality.domain: \"BSD\" is not one of LINUX LINUX32"},
};

INSTANTIATE_TEST_SUITE_P(Config, ConfigError, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

// Cases that need a config other than "valid base plus members".
TEST(ConfigErrorTopLevel, MissingOciVersion) {
    auto spec = parse_config(R"({"root": {"path": "rootfs"}})");
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, "ociVersion: required");
}

TEST(ConfigErrorTopLevel, NullOciVersionIsMissing) {
    auto spec = parse_config(R"({"ociVersion": null, "root": {"path": "rootfs"}})");
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, "ociVersion: required");
}

TEST(ConfigErrorTopLevel, MissingRootPath) {
    auto spec = parse_config(R"({"ociVersion": "1.0.2", "root": {"readonly": true}})");
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, "root.path: required");
}

TEST(ConfigErrorTopLevel, MissingRoot) {
    auto spec = parse_config(R"({"ociVersion": "1.0.2"})");
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, "root: required");
}

TEST(ConfigErrorTopLevel, RootNotObject) {
    auto spec = parse_config(R"({"ociVersion": "1.0.2", "root": "rootfs"})");
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, "root: expected object, got string");
}

TEST(ConfigErrorTopLevel, DocumentNotObject) {
    auto spec = parse_config("[]");
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, "expected object, got array");
}

TEST(ConfigErrorTopLevel, InvalidJson) {
    auto spec = parse_config("{\"ociVersion\": \"1.0.2\",}");
    ASSERT_FALSE(spec);
    EXPECT_TRUE(spec.error().message.starts_with("config.json: invalid JSON: "))
        << spec.error().message;
}

TEST(ConfigErrorTopLevel, DuplicateKeyIsRefused) {
    // Two readers could otherwise see two different configs in one file.
    auto spec = parse_config(
        R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "root": {"path": "/"}})");
    ASSERT_FALSE(spec);
    EXPECT_EQ(spec.error().message, "config.json: invalid JSON: duplicate key \"root\"");
}

TEST(ConfigErrorTopLevel, FifoDeviceNeedsNoNumbers) {
    auto spec = parse_config(config_with(R"("linux": {"devices": [{"type": "p", "path": "/dev/f"}]})"));
    ASSERT_TRUE(spec) << spec.error().message;
}

}  // namespace
}  // namespace moat::spec
