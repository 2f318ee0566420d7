// Receipts: one JSON document per container saying what ran, under which
// policy and limits, what the policy changed, and how it ended. Written at
// create, completed when moat reaps the container (run) or deletes it, kept
// after delete in the receipts directory, and optionally appended to a
// JSON-lines audit log.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "moat/cgroups.hpp"
#include "moat/error.hpp"
#include "moat/policy.hpp"

namespace moat::receipt {

// Packets the egress allowlist dropped, per destination family.
struct EgressDrops {
    uint64_t ipv4_packets = 0, ipv4_bytes = 0;
    uint64_t ipv6_packets = 0, ipv6_bytes = 0;
    bool operator==(const EgressDrops&) const = default;
};

struct Receipt {
    std::string id;
    std::string bundle;
    std::string config_sha256;
    std::vector<std::string> args;
    std::string policy_name;
    std::string policy_sha256;  // of the policy file; "builtin" for the built-in profile
    std::string mode;           // enforce refuse audit
    std::string adjustments_json = "[]";  // policy::adjustments_to_json, kept verbatim
    std::string enforcement_json = "{}";
    std::string landlock;       // "enforced (ABI N)", "absent (kernel has no Landlock)", "disabled by policy"
    std::optional<int64_t> timeout_ms;

    std::string created, started, ended;
    std::optional<int> exit_code;  // where moat saw it (run)
    std::optional<int> signal;     // killed by this signal
    bool timed_out = false;
    std::optional<cgroups::Usage> usage;  // read from the cgroup before it was removed
    std::string egress_allowlist;         // "policy" or the run.moat.network name; empty: no allowlist
    std::optional<EgressDrops> egress_dropped;  // read from the ruleset's counters at the end
    std::string egress_note;                    // why the counters are missing
    std::string status;                   // created running stopped
};

std::string to_json(const Receipt& r, bool pretty = true);
Result<Receipt> parse(std::string_view json);

// Hex SHA-256 of data.
std::string sha256_hex(std::string_view data);

// Fill the policy/adjustment fields from the outcome of harden().
void record_policy(Receipt& r, const policy::Policy& p, const std::string& policy_sha256,
                   const policy::Hardened& h);

// Append one compact line to the audit log (O_APPEND: lines from concurrent
// moat processes do not interleave).
Status append_audit_log(const std::string& path, const Receipt& r);

}  // namespace moat::receipt
