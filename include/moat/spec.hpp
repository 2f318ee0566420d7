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

struct User {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::optional<uint32_t> umask;
    std::vector<uint32_t> additional_gids;
    std::optional<std::string> username;  // Windows-only in OCI; kept, unused
};

struct Capabilities {
    std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
    bool empty() const {
        return bounding.empty() && effective.empty() && inheritable.empty() &&
               permitted.empty() && ambient.empty();
    }
};

struct Rlimit {
    std::string type;  // "RLIMIT_NOFILE"
    uint64_t hard = 0;
    uint64_t soft = 0;
};

struct ConsoleSize {
    uint32_t height = 0;
    uint32_t width = 0;
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
};

struct Root {
    std::string path = "rootfs";
    bool readonly = false;
};

struct Mount {
    std::string destination;
    std::string type;    // may be empty (bind mounts)
    std::string source;  // may be empty
    std::vector<std::string> options;
    // uidMappings/gidMappings on mounts (idmapped mounts) are parsed but unsupported.
};

struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<int> timeout;  // seconds, > 0
};

struct Hooks {
    std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart,
        poststop;
    bool empty() const {
        return prestart.empty() && create_runtime.empty() && create_container.empty() &&
               start_container.empty() && poststart.empty() && poststop.empty();
    }
};

struct Namespace {
    std::string type;  // pid network mount ipc uts user cgroup time
    std::string path;  // empty: create a new one
};

struct IdMapping {
    uint32_t container_id = 0;
    uint32_t host_id = 0;
    uint32_t size = 0;
};

struct Device {
    std::string type;  // c b u p
    std::string path;
    int64_t major = 0;
    int64_t minor = 0;
    std::optional<uint32_t> file_mode;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
};

struct DeviceCgroup {
    bool allow = false;
    std::optional<std::string> type;  // a c b
    std::optional<int64_t> major;     // absent: wildcard
    std::optional<int64_t> minor;
    std::optional<std::string> access;  // rwm
};

struct Memory {
    std::optional<int64_t> limit, reservation, swap, kernel, kernel_tcp;
    std::optional<uint64_t> swappiness;
    std::optional<bool> disable_oom_killer;
    std::optional<bool> use_hierarchy;
    std::optional<bool> check_before_update;
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
};

struct Pids {
    int64_t limit = 0;  // <= 0: unlimited
};

struct WeightDevice {
    int64_t major = 0, minor = 0;
    std::optional<uint16_t> weight, leaf_weight;
};

struct ThrottleDevice {
    int64_t major = 0, minor = 0;
    uint64_t rate = 0;
};

struct BlockIO {
    std::optional<uint16_t> weight, leaf_weight;
    std::vector<WeightDevice> weight_device;
    std::vector<ThrottleDevice> throttle_read_bps_device, throttle_write_bps_device,
        throttle_read_iops_device, throttle_write_iops_device;
};

struct HugepageLimit {
    std::string page_size;  // "2MB"
    uint64_t limit = 0;
};

struct NetworkPriority {
    std::string name;
    uint32_t priority = 0;
};

struct Network {
    std::optional<uint32_t> class_id;
    std::vector<NetworkPriority> priorities;
};

struct Rdma {
    std::optional<uint32_t> hca_handles, hca_objects;
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
};

struct SeccompArg {
    uint32_t index = 0;
    uint64_t value = 0;
    uint64_t value_two = 0;
    std::string op;  // SCMP_CMP_EQ ...
};

struct SeccompSyscall {
    std::vector<std::string> names;
    std::string action;  // SCMP_ACT_ERRNO ...
    std::optional<uint32_t> errno_ret;
    std::vector<SeccompArg> args;
};

struct Seccomp {
    std::string default_action;
    std::optional<uint32_t> default_errno_ret;
    std::vector<std::string> architectures;
    std::vector<std::string> flags;
    std::optional<std::string> listener_path;
    std::optional<std::string> listener_metadata;
    std::vector<SeccompSyscall> syscalls;
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
    std::optional<std::string> personality_domain;

    const Namespace* find_namespace(const std::string& type) const {
        for (auto& n : namespaces)
            if (n.type == type) return &n;
        return nullptr;
    }
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
};

// The OCI state of a container, as `state` prints it.
struct State {
    std::string oci_version = "1.0.2";
    std::string id;
    std::string status;  // creating created running stopped paused
    int pid = 0;
    std::string bundle;
    std::map<std::string, std::string> annotations;
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

}  // namespace moat::spec
