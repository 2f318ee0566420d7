#include <seccomp.h>

#include <cstdio>

#include "cli/command.hpp"
#include "moat/policy.hpp"
#include "spec/json.hpp"

namespace moat::cli {

namespace {

void strings(json::Writer& w, const char* key, std::initializer_list<const char*> items) {
    w.key(key).begin_array();
    for (auto* s : items) w.value(s);
    w.end_array();
}

std::string features_json() {
    json::Writer w(true);
    w.begin_object();
    w.field("ociVersionMin", "1.0.0").field("ociVersionMax", "1.2.0");
    strings(w, "hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"});
    strings(w, "mountOptions",
            {"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion",
             "lazytime", "loud", "mand", "noatime", "nodev", "nodiratime", "noexec", "noiversion",
             "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "private", "ratime",
             "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec", "rnoatime", "rnodev",
             "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "ro", "rprivate",
             "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "runbindable",
             "rw", "shared", "silent", "slave", "strictatime", "suid", "sync", "unbindable"});
    w.key("linux").begin_object();
    strings(w, "namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"});
    w.key("capabilities").begin_array();
    for (auto& name : policy::capability_names()) w.value(name);
    w.end_array();
    w.key("cgroup").begin_object().field("v1", true).field("v2", true).field("systemd", true);
    w.field("systemdUser", false).field("rdma", true).end_object();
    w.key("seccomp").begin_object().field("enabled", true);
    strings(w, "actions", {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                           "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
                           "SCMP_ACT_TRAP"});
    strings(w, "operators", {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                             "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"});
    strings(w, "archs", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64",
                         "SCMP_ARCH_ARM"});
    strings(w, "knownFlags", {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                              "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"});
    strings(w, "supportedFlags", {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                  "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"});
    w.end_object();
    w.key("apparmor").begin_object().field("enabled", false).end_object();
    w.key("selinux").begin_object().field("enabled", false).end_object();
    w.key("intelRdt").begin_object().field("enabled", false).end_object();
    w.end_object();
    w.key("annotations").begin_object();
    w.field("run.moat.profile", "hardened");
    w.field("run.moat.landlock", "true");
    const scmp_version* v = seccomp_version();
    w.field("io.github.seccomp.libseccomp.version",
            std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro));
    w.end_object();
    w.end_object();
    return w.str();
}

}  // namespace

extern const Command kFeatures{
    "features", "print what this runtime supports (OCI features JSON)", "", {}, false,
    [](const runtime::Global&, const Parsed&) -> Result<int> {
        std::printf("%s\n", features_json().c_str());
        return 0;
    }};

}  // namespace moat::cli
