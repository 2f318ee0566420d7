// The OCI runtime configuration (config.json), container state (state.json)
// and process description (process.json) as plain C++ values. Parsing and
// serialising live in src/spec/ (yajl); no other module touches JSON.
//
// Optional fields are std::optional so that "absent" and "zero" stay distinct:
// harden() must know whether the caller asked for something or said nothing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "moat/error.hpp"

namespace moat::spec {

// config.json, process.json and policy files are kilobytes; they are read
// up to this size, so a hostile bundle (a config that is a symlink to
// /dev/zero) cannot eat memory.
inline constexpr size_t kMaxDocumentSize = 16 << 20;

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additional_gids;
    std::optional<std::string> username;  // Windows-only in OCI; kept, unused

    bool operator==(const User&) const = default;
};

struct Capabilities {
    std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
    bool empty() const {
        return bounding.empty() && effective.empty() && inheritable.empty() &&
               permitted.empty() && ambient.empty();
    }

    bool operator==(const Capabilities&) const = default;
};

struct Rlimit {
    std::string type;  // "RLIMIT_NOFILE"
    uint64_t hard = 0;
    uint64_t soft = 0;

    bool operator==(const Rlimit&) const = default;
};

struct ConsoleSize {
    uint32_t height = 0;
    uint32_t width = 0;

    bool operator==(const ConsoleSize&) const = default;
};

struct Process {
    bool terminal = false;
    std::optional<ConsoleSize> console_size;
    User user;
    std::vector<std::string> args;
    std::optional<std::string> command_line;  // Windows-only
    std::vector<std::string> env;
    std::string cwd = "/";
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool no_new_privileges = false;
    std::optional<std::string> apparmor_profile;
    std::optional<int> oom_score_adj;
    std::optional<std::string> selinux_label;
    // Members this version does not model (scheduler, ioPriority,
    // execCPUAffinity, ...), kept verbatim as JSON text by name.
    std::map<std::string, std::string> extensions;

    bool operator==(const Process&) const = default;
};

struct Root {
    std::string path = "rootfs";
    bool readonly = false;

    bool operator==(const Root&) const = default;
};

struct IdMapping {
    uint32_t container_id = 0;
    uint32_t host_id = 0;
    uint32_t size = 0;

    bool operator==(const IdMapping&) const = default;
};

struct Mount {
    std::string destination;
    std::string type;    // may be empty (bind mounts)
    std::string source;  // may be empty
    std::vector<std::string> options;
    // uidMappings/gidMappings (idmapped mounts): parsed and kept, not yet applied.
    std::vector<IdMapping> uid_mappings, gid_mappings;

    bool operator==(const Mount&) const = default;
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int> timeout;  // seconds, > 0

    bool operator==(const Hook&) const = default;
};

struct Hooks {
    std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart,
        poststop;
    bool empty() const {
        return prestart.empty() && create_runtime.empty() && create_container.empty() &&
               start_container.empty() && poststart.empty() && poststop.empty();
    }

    bool operator==(const Hooks&) const = default;
};

struct Namespace {
    std::string type;  // pid network mount ipc uts user cgroup time
    std::string path;  // empty: create a new one

    bool operator==(const Namespace&) const = default;
};

struct Device {
    std::string type;  // c b u p
    std::string path;
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint32_t> file_mode;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;

    bool operator==(const Device&) const = default;
};

struct DeviceCgroup {
    bool allow = false;
    std::optional<std::string> type;  // a c b
    std::optional<int64_t> major;     // absent: wildcard
    std::optional<int64_t> minor;
    std::optional<std::string> access;  // rwm

    bool operator==(const DeviceCgroup&) const = default;
};

struct Memory {
    std::optional<int64_t> limit, reservation, swap, kernel, kernel_tcp;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disable_oom_killer;
    std::optional<bool> use_hierarchy;
    std::optional<bool> check_before_update;

    bool operator==(const Memory&) const = default;
};

struct Cpu {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;
    std::optional<uint64_t> burst;
    std::optional<uint64_t> period;
    std::optional<int64_t> realtime_runtime;
    std::optional<uint64_t> realtime_period;
    std::optional<std::string> cpus;
    std::optional<std::string> mems;
    std::optional<int64_t> idle;

    bool operator==(const Cpu&) const = default;
};

struct Pids {
    int64_t limit = 0;  // <= 0: unlimited

    bool operator==(const Pids&) const = default;
};

struct WeightDevice {
    int64_t major = 0, minor = 0;
    std::optional<uint16_t> weight, leaf_weight;

    bool operator==(const WeightDevice&) const = default;
};

struct ThrottleDevice {
    int64_t major = 0, minor = 0;
    uint64_t rate = 0;

    bool operator==(const ThrottleDevice&) const = default;
};

struct BlockIO {
    std::optional<uint16_t> weight, leaf_weight;
    std::vector<WeightDevice> weight_device;
    std::vector<ThrottleDevice> throttle_read_bps_device, throttle_write_bps_device,
        throttle_read_iops_device, throttle_write_iops_device;

    bool operator==(const BlockIO&) const = default;
};

struct HugepageLimit {
    std::string page_size;  // "2MB"
    uint64_t limit = 0;

    bool operator==(const HugepageLimit&) const = default;
};

struct NetworkPriority {
    std::string name;
    uint32_t priority = 0;

    bool operator==(const NetworkPriority&) const = default;
};

struct Network {
    std::optional<uint32_t> class_id;
    std::vector<NetworkPriority> priorities;

    bool operator==(const Network&) const = default;
};

struct Rdma {
    std::optional<uint32_t> hca_handles, hca_objects;

    bool operator==(const Rdma&) const = default;
};

struct Resources {
    std::vector<DeviceCgroup> devices;
    std::optional<Memory> memory;
    std::optional<Cpu> cpu;
    std::optional<Pids> pids;
    std::optional<BlockIO> block_io;
    std::vector<HugepageLimit> hugepage_limits;
    std::optional<Network> network;
    std::map<std::string, Rdma> rdma;
    std::map<std::string, std::string> unified;

    bool operator==(const Resources&) const = default;
};

struct SeccompArg {
    uint32_t index = 0;
    uint64_t value = 0;
    uint64_t value_two = 0;
    std::string op;  // SCMP_CMP_EQ ...

    bool operator==(const SeccompArg&) const = default;
};

struct SeccompSyscall {
    std::vector<std::string> names;
    std::string action;  // SCMP_ACT_ERRNO ...
    std::optional<uint32_t> errno_ret;
    std::vector<SeccompArg> args;

    bool operator==(const SeccompSyscall&) const = default;
};

struct Seccomp {
    std::string default_action;
    std::optional<uint32_t> default_errno_ret;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::optional<std::string> listener_path;
    std::optional<std::string> listener_metadata;
    std::vector<SeccompSyscall> syscalls;

    bool operator==(const Seccomp&) const = default;
};

struct TimeOffset {
    int64_t secs = 0;
    uint32_t nanosecs = 0;

    bool operator==(const TimeOffset&) const = default;
};

struct Linux {
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uid_mappings, gid_mappings;
    std::vector<Device> devices;
    std::optional<std::string> cgroups_path;
    std::optional<Resources> resources;
    std::optional<std::string> rootfs_propagation;
    std::vector<std::string> masked_paths, readonly_paths;
    std::optional<std::string> mount_label;
    std::map<std::string, std::string> sysctl;
    std::optional<Seccomp> seccomp;
    std::optional<std::string> intel_rdt_closid;  // parsed, unsupported
    std::optional<std::string> personality_domain;  // personality.domain
    std::vector<std::string> personality_flags;     // personality.flags
    // timeOffsets for a new time namespace, by clock ("monotonic", "boottime").
    std::map<std::string, TimeOffset> time_offsets;
    // Members this version does not model (memoryPolicy, netDevices, ...),
    // kept verbatim as JSON text by name.
    std::map<std::string, std::string> extensions;

    const Namespace* find_namespace(const std::string& type) const {
        for (auto& n : namespaces)
            if (n.type == type) return &n;
        return nullptr;
    }

    bool operator==(const Linux&) const = default;
};

struct Spec {
    std::string oci_version = "1.0.2";
    Process process;
    bool has_process = false;
    Root root;
    std::string hostname;
    std::optional<std::string> domainname;
    std::vector<Mount> mounts;
    Hooks hooks;
    std::map<std::string, std::string> annotations;
    Linux linux;
    // Unknown top-level members, kept verbatim as JSON text so that a
    // round-trip does not lose a caller's extensions.
    std::map<std::string, std::string> extensions;

    bool operator==(const Spec&) const = default;
};

// The OCI state of a container, as `state` prints it.
struct State {
    std::string oci_version = "1.0.2";
    std::string id;
    std::string status;  // creating created running stopped paused
    int pid = 0;
    std::string bundle;
    std::map<std::string, std::string> annotations;

    bool operator==(const State&) const = default;
};

// ---- parsing and serialising (src/spec/) ----

// Parse config.json text. Errors name the JSON path: "linux.resources.memory.limit:
// expected integer, got string".
Result<Spec> parse_config(std::string_view json);
Result<Spec> load_config(const std::string& path);
std::string to_json(const Spec& spec, bool pretty = true);

// process.json (what `exec --process` reads) is a bare Process object.
Result<Process> parse_process(std::string_view json);
std::string to_json(const Process& process, bool pretty = true);

Result<State> parse_state(std::string_view json);
std::string to_json(const State& state, bool pretty = false);

// linux.resources alone (what `update --resources` reads).
Result<Resources> parse_resources(std::string_view json);
std::string to_json(const Resources& resources, bool pretty = false);

}  // namespace moat::spec
