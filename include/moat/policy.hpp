// The hardened profile (DESIGN.md section 2) and the operator's policy file.
//
// A default-constructed Policy IS the built-in profile; a policy file changes
// the knobs it names and keeps the rest. harden() is a pure function from
// (Spec, Policy) to (Spec', Adjustments, Enforcement): no syscalls, no files,
// no globals, so `moat check`, `create` and the tests all see the same answer.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moat/error.hpp"
#include "moat/spec.hpp"

namespace moat::json {
class Writer;
}

namespace moat::policy {

// ---- the knobs ----

enum class Mode { enforce, refuse, audit };
// none: new netns, lo left down; loopback: new netns with lo up (default);
// allowlist: keep the engine's netns and filter egress; host: leave the
// config's network namespace as it is.
enum class NetworkMode { none, loopback, allowlist, host };

std::string_view to_string(Mode);
std::string_view to_string(NetworkMode);

struct IpAddress {
    int family = 4;                  // 4 or 6
    std::array<uint8_t, 16> bytes{};  // IPv4 uses the first four
    std::string str() const;
    bool operator==(const IpAddress&) const = default;
};

// One egress allowlist entry: "CIDR[:PORT[-PORT]][/tcp|/udp]"; IPv6 with a
// port is written in brackets: "[2001:db8::/32]:443/tcp".
struct EgressRule {
    enum class Protocol { any, tcp, udp };
    std::string text;   // as written
    IpAddress network;  // host bits cleared
    int prefix = 32;
    uint16_t port_first = 0, port_last = 0;  // 0/0: every port
    Protocol protocol = Protocol::any;
    bool has_ports() const { return port_first != 0; }
    bool operator==(const EgressRule&) const = default;
};

struct Allowlist {
    std::vector<EgressRule> allow;
    std::optional<IpAddress> dns;  // the one resolver the container may reach (port 53)
    bool operator==(const Allowlist&) const = default;
};

// Errors name the entry: "allow entry \"10.0.0.0/33\": prefix must be 0..32".
Result<EgressRule> parse_egress_rule(std::string_view entry);
Result<IpAddress> parse_ip_address(std::string_view text);

struct NetworkPolicy {
    NetworkMode mode = NetworkMode::loopback;
    Allowlist allowlist;                         // used when mode == allowlist
    std::map<std::string, Allowlist> allowlists;  // named, for run.moat.network
    bool allow_host = false;                     // may run.moat.network ask for "host"
};

struct TmpPolicy {
    uint64_t size = 100ull << 20;      // bytes
    uint64_t size_max = 100ull << 20;  // ceiling for run.moat.tmpsize
    uint32_t mode = 01777;
    std::vector<std::string> options{"nosuid", "nodev"};
};

struct ResourcePolicy {
    int64_t memory = 512ll << 20;  // bytes; swap is set equal: no swap on top
    int64_t memory_max = 512ll << 20;
    int64_t pids = 256;
    int64_t pids_max = 256;
    int64_t cpu_quota = 100000;  // with cpu_period: one core
    uint64_t cpu_period = 100000;
    uint64_t cpus_max_milli = 1000;  // ceiling for a config's quota and run.moat.cpus
};

// An rlimit ceiling: soft and hard are lowered to max, added when absent.
struct RlimitPolicy {
    std::string type;  // "RLIMIT_NOFILE"
    uint64_t max = 0;
    bool operator==(const RlimitPolicy&) const = default;
};

// A device a container may have. minor absent: every minor of that major.
struct DevicePolicy {
    std::string path;
    std::string type = "c";  // c or b
    int64_t major = 0;
    std::optional<int64_t> minor;
    bool operator==(const DevicePolicy&) const = default;
};

// Every capability name the kernel defines, in number order (CAP_CHOWN is 0).
const std::vector<std::string>& capability_names();

namespace defaults {
// Where receipts are filed unless the policy names another directory.
inline constexpr const char* receipts_dir = "/var/lib/moat/receipts";
std::vector<std::string> namespaces();
std::vector<RlimitPolicy> rlimits();
std::vector<std::string> masked_paths();
std::vector<std::string> readonly_paths();
std::vector<DevicePolicy> devices();
std::vector<std::string> mount_types();
std::vector<std::string> refused_sources();
std::vector<std::string> refused_trees();
std::vector<std::string> allowed_sources();
std::vector<std::string> secret_env();
std::vector<std::string> annotations();
}  // namespace defaults

struct BindPolicy {
    // Destinations (and everything under them) whose binds stay writable.
    std::vector<std::string> writable{"/dev/shm"};
    // Destinations a container may make writable through run.moat.writable.
    std::vector<std::string> writable_on_request;
    // Refused when the source IS one of these or an ANCESTOR of one.
    std::vector<std::string> refused_sources = defaults::refused_sources();
    // Refused when the source is one of these, an ancestor, or UNDER one:
    // engine sockets and state, host credentials, /proc /sys /dev.
    std::vector<std::string> refused_trees = defaults::refused_trees();
    // Exceptions to refused_trees: patterns ('*' = one path component) that
    // a source may be or be under: the files engines prepare per container.
    std::vector<std::string> allowed_sources = defaults::allowed_sources();
};

struct Policy {
    std::string name = "default";
    Mode mode = Mode::enforce;
    bool readonly_root = true;
    TmpPolicy tmp;
    bool no_new_privileges = true;
    std::vector<std::string> capabilities;  // what a container may keep
    std::vector<std::string> namespaces = defaults::namespaces();  // always new
    NetworkPolicy network;
    ResourcePolicy resources;
    std::vector<RlimitPolicy> rlimits = defaults::rlimits();
    int oom_score_adj = 1000;  // at least this: the sandbox dies first
    std::vector<std::string> masked_paths = defaults::masked_paths();
    std::vector<std::string> readonly_paths = defaults::readonly_paths();
    bool sys_readonly = true;
    std::vector<DevicePolicy> devices = defaults::devices();
    BindPolicy binds;
    // Filesystem types a config may mount (binds aside): a disk's filesystem
    // or an overlay of host paths would hand host storage over.
    std::vector<std::string> mount_types = defaults::mount_types();
    std::vector<std::string> secret_env = defaults::secret_env();  // globs, case-insensitive
    static constexpr bool seccomp = true;  // moat's deny filter: not a knob
    bool landlock = true;
    std::optional<std::chrono::milliseconds> timeout;      // wall clock; off by default
    std::optional<std::chrono::milliseconds> timeout_max;  // ceiling for run.moat.timeout
    std::vector<std::string> annotations = defaults::annotations();  // permitted run.moat.*
    std::string receipts_dir = defaults::receipts_dir;
    std::optional<std::string> audit_log;
};

// ---- the policy file ----

// Strict: unknown keys and wrong types are errors naming the JSON path
// ("resources.memory: expected size, got boolean"). Absent keys keep the
// built-in value; lists replace the built-in list, except "devices", which
// adds to the standard devices.
Result<Policy> parse_policy(std::string_view json);

// ---- harden ----

struct Adjustment {
    std::string field;      // JSON path: "process.capabilities.bounding"
    std::string old_value;  // secrets are never recorded: env values read "<redacted>"
    std::string new_value;
    std::string rule;       // profile rule: "capabilities", "readonly-root", ...
    bool refused = false;   // not adjustable: the config is refused (enforce, refuse)
    std::string note;       // why, for refusals
    bool operator==(const Adjustment&) const = default;
};

// What the runtime must do that is not an OCI field. In audit mode every
// layer is off (seccomp and landlock false, network host = "leave the
// config's namespaces alone", no egress, no timeout).
struct Enforcement {
    // Install moat's deny filter (DESIGN.md's list) in addition to any
    // linux.seccomp filter in the spec; filters stack.
    bool seccomp = true;
    // A Landlock ruleset applied last in the child, after seccomp is prepared.
    // Where the kernel lacks Landlock the container still runs and the
    // receipt says the layer was absent.
    struct Landlock {
        bool enabled = true;
        // Writes allowed only beneath these container paths (the rest of the
        // tree is read/execute); a path missing in the container is skipped.
        std::vector<std::string> writable;
        // When restrict_connect, TCP connect only to these inclusive port
        // ranges; otherwise TCP connect is not handled by the ruleset.
        bool restrict_connect = false;
        std::vector<std::pair<uint16_t, uint16_t>> connect_ports;
        bool scope_signals = true;        // LANDLOCK_SCOPE_SIGNAL
        bool scope_abstract_unix = true;  // LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
    } landlock;
    // Bring lo up (netlink) in the container's new network namespace.
    bool loopback_up = true;
    // Kill the whole container when this wall-clock time has passed since start.
    std::optional<std::chrono::milliseconds> timeout;
    NetworkMode network = NetworkMode::loopback;
    // Install this egress ruleset (nftables) in the container's network
    // namespace before its process starts: established/related and lo
    // accepted, these destinations (and dns:53) accepted, the rest dropped.
    std::optional<Allowlist> egress;
    std::string egress_name;  // "policy" or the run.moat.network name, for the receipt
};

struct Hardened {
    spec::Spec spec;  // unchanged in audit mode
    std::vector<Adjustment> adjustments;
    Enforcement enforcement;
};

// Enforce: apply the profile, error on refusals (dangerous binds, annotations
// beyond the policy). Refuse: error naming every field that would change.
// Audit: spec unchanged, every would-be change and refusal listed.
Result<Hardened> harden(const spec::Spec& spec, const Policy& policy);

struct HardenedProcess {
    spec::Process process;
    std::vector<Adjustment> adjustments;
};
// For exec into a running container whose (hardened) config is `container`:
// the new process never gains what the container was denied.
Result<HardenedProcess> harden_process(const spec::Process& process,
                                       const spec::Spec& container, const Policy& policy);

// Why a bind source is refused, or nullopt when it is acceptable. Exposed so
// the runtime can re-check a source after resolving symlinks on the host.
std::optional<std::string> refused_bind_source(std::string_view source, const Policy& policy);

// A config that harden(example_spec(p), p) leaves unchanged (`moat spec`).
spec::Spec example_spec(const Policy& policy);

// ---- formatting (moat check, receipts) ----

std::string format_adjustments(const std::vector<Adjustment>& adjustments);
void adjustments_to_json(json::Writer& w, const std::vector<Adjustment>& adjustments);
void policy_to_json(json::Writer& w, const Policy& policy);
void enforcement_to_json(json::Writer& w, const Enforcement& enforcement);

}  // namespace moat::policy
