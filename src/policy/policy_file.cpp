// The policy file (/etc/moat/policy.json or --policy FILE): JSON read with
// the json toolkit, strictly. Unknown keys, wrong types and impossible values
// are errors naming the JSON path; absent keys keep the built-in profile.
// A policy that cannot be read is an error, never "no policy".
#include <algorithm>
#include <cmath>

#include "moat/policy.hpp"
#include "paths.hpp"
#include "spec/json.hpp"
#include "units.hpp"

namespace moat::policy {
namespace {

using json::Value;
using Members = std::vector<std::pair<std::string, Value>>;

// The object's members, refusing any key not in `known`.
Result<Members> object(const Value& v, std::initializer_list<std::string_view> known) {
    auto members = MOAT_TRY(v.members());
    for (auto& [key, value] : members)
        if (std::find(known.begin(), known.end(), key) == known.end())
            return value.error("unknown key");
    return members;
}

Result<uint64_t> size(const Value& v) {
    if (v.is_string()) {
        auto text = MOAT_TRY(v.string());
        auto n = units::parse_size(text);
        if (!n) return v.error(n.error().message);
        return *n;
    }
    if (v.type_name() != "integer") return v.error("expected size (bytes or \"512M\"), got " + std::string(v.type_name()));
    return v.uint64();
}

Result<std::chrono::milliseconds> duration(const Value& v) {
    if (v.is_string()) {
        auto d = units::parse_duration(MOAT_TRY(v.string()));
        if (!d) return v.error(d.error().message);
        return *d;
    }
    if (v.type_name() != "integer")
        return v.error("expected duration (seconds or \"30s\"), got " + std::string(v.type_name()));
    auto s = MOAT_TRY(v.uint64());
    if (s == 0 || s > 1'000'000'000) return v.error("duration must be 1..1000000000 seconds");
    return std::chrono::milliseconds(static_cast<int64_t>(s) * 1000);
}

Result<uint64_t> cpus(const Value& v) {
    std::string text;
    if (v.is_string()) {
        text = MOAT_TRY(v.string());
    } else {
        double d = MOAT_TRY(v.number());
        if (!(d > 0) || d > 1e6) return v.error("cpus must be positive");
        // d is positive and at most 1e6: adding 0.5 rounds as llround would, and
        // keeps libm out of the binary (this was its only use; libm.so cost
        // every moat process a mapping, relocations and ~0.3 MiB of RSS).
        auto milli = static_cast<uint64_t>(d * 1000 + 0.5);
        if (milli == 0) return v.error("cpus must be at least 0.001");
        return milli;
    }
    auto m = units::parse_cpus(text);
    if (!m) return v.error(m.error().message);
    return *m;
}

Result<int64_t> positive(const Value& v) {
    auto n = MOAT_TRY(v.int64());
    if (n <= 0) return v.error("must be positive");
    return n;
}

Result<std::vector<std::string>> absolute_paths(const Value& v) {
    auto list = MOAT_TRY(v.strings());
    for (size_t i = 0; i < list.size(); ++i)
        if (!list[i].starts_with('/'))
            return fail(v.path() + "[" + std::to_string(i) + "]: \"" + list[i] + "\" is not an absolute path");
    return list;
}

// Checks each string of `v` against `known`; the error names the element.
Result<std::vector<std::string>> one_of(const Value& v, const std::vector<std::string>& known,
                                        std::string_view what) {
    auto list = MOAT_TRY(v.strings());
    for (size_t i = 0; i < list.size(); ++i)
        if (std::find(known.begin(), known.end(), list[i]) == known.end())
            return fail(v.path() + "[" + std::to_string(i) + "]: unknown " + std::string(what) +
                        " \"" + list[i] + "\"");
    return list;
}

Result<std::vector<EgressRule>> rules(const Value& v) {
    std::vector<EgressRule> out;
    for (auto& item : MOAT_TRY(v.array())) {
        auto rule = parse_egress_rule(MOAT_TRY(item.string()));
        if (!rule) return item.error(rule.error().message);
        out.push_back(std::move(*rule));
    }
    return out;
}

Result<IpAddress> address(const Value& v) {
    auto ip = parse_ip_address(MOAT_TRY(v.string()));
    if (!ip) return v.error(ip.error().message);
    return *ip;
}

Result<Allowlist> allowlist(const Value& v) {
    Allowlist a;
    for (auto& [key, value] : MOAT_TRY(object(v, {"allow", "dns"}))) {
        if (key == "allow") a.allow = MOAT_TRY(rules(value));
        else a.dns = MOAT_TRY(address(value));
    }
    return a;
}

// "allow" and "dns" sit next to "mode": the policy's own allowlist.
Status network(const Value& v, NetworkPolicy& n) {
    bool has_allow = false;
    for (auto& [key, value] : MOAT_TRY(object(v, {"mode", "allow", "dns", "allowlists", "allowHost"}))) {
        if (key == "mode") {
            auto m = MOAT_TRY(value.string());
            if (m == "none") n.mode = NetworkMode::none;
            else if (m == "loopback") n.mode = NetworkMode::loopback;
            else if (m == "allowlist") n.mode = NetworkMode::allowlist;
            else if (m == "host") n.mode = NetworkMode::host;
            else return value.error("unknown mode \"" + m + "\" (none, loopback, allowlist, host)");
        } else if (key == "allow") {
            n.allowlist.allow = MOAT_TRY(rules(value));
            has_allow = true;
        } else if (key == "dns") {
            n.allowlist.dns = MOAT_TRY(address(value));
            has_allow = true;
        } else if (key == "allowlists") {
            for (auto& [name, list] : MOAT_TRY(value.members())) {
                if (name.empty() || name == "none" || name == "loopback" || name == "host")
                    return list.error("reserved or empty allowlist name");
                n.allowlists[name] = MOAT_TRY(allowlist(list));
            }
        } else {
            n.allow_host = MOAT_TRY(value.boolean());
        }
    }
    if (has_allow && n.mode != NetworkMode::allowlist)
        return fail("network: \"allow\" and \"dns\" need \"mode\": \"allowlist\"");
    return {};
}

Status resources(const Value& v, ResourcePolicy& r) {
    std::optional<int64_t> memory_max, pids_max;
    std::optional<uint64_t> cpus_max;
    std::optional<uint64_t> cpus_req;
    for (auto& [key, value] : MOAT_TRY(object(v, {"memory", "memoryMax", "pids", "pidsMax", "cpus",
                                                  "cpusMax", "cpuPeriod"}))) {
        auto as_memory = [&]() -> Result<int64_t> {
            auto n = MOAT_TRY(size(value));
            if (n == 0 || n > static_cast<uint64_t>(INT64_MAX)) return value.error("out of range");
            return static_cast<int64_t>(n);
        };
        if (key == "memory") r.memory = MOAT_TRY(as_memory());
        else if (key == "memoryMax") memory_max = MOAT_TRY(as_memory());
        else if (key == "pids") r.pids = MOAT_TRY(positive(value));
        else if (key == "pidsMax") pids_max = MOAT_TRY(positive(value));
        else if (key == "cpus") cpus_req = MOAT_TRY(cpus(value));
        else if (key == "cpusMax") cpus_max = MOAT_TRY(cpus(value));
        else if (key == "cpuPeriod") {
            auto p = MOAT_TRY(value.uint64());
            if (p < 1000 || p > 1'000'000) return value.error("must be 1000..1000000 microseconds");
            r.cpu_period = p;
        }
    }
    if (cpus_req) r.cpu_quota = static_cast<int64_t>(*cpus_req * r.cpu_period / 1000);
    // A maximum left out follows the default it bounds.
    r.memory_max = memory_max.value_or(std::max(r.memory, r.memory_max));
    r.pids_max = pids_max.value_or(std::max(r.pids, r.pids_max));
    r.cpus_max_milli = cpus_max.value_or(std::max(cpus_req.value_or(0), r.cpus_max_milli));
    if (r.memory > r.memory_max)
        return fail("resources.memory: " + units::format_size(static_cast<uint64_t>(r.memory)) +
                    " exceeds resources.memoryMax " + units::format_size(static_cast<uint64_t>(r.memory_max)));
    if (r.pids > r.pids_max)
        return fail("resources.pids: " + std::to_string(r.pids) + " exceeds resources.pidsMax " +
                    std::to_string(r.pids_max));
    if (cpus_req.value_or(r.cpu_quota * 1000 / static_cast<int64_t>(r.cpu_period)) > r.cpus_max_milli)
        return fail("resources.cpus: exceeds resources.cpusMax " + units::format_cpus(r.cpus_max_milli));
    return {};
}

// Only flags that tighten a tmpfs: a bind, a propagation flag, "ro" or a
// second size= would make the profile's own /tmp something else.
Result<std::vector<std::string>> tmp_options(const Value& v) {
    static constexpr std::string_view kAllowed[] = {"nosuid",     "nodev",    "noexec",
                                                    "noatime",    "nodiratime", "relatime",
                                                    "strictatime", "nosymfollow"};
    std::vector<std::string> out;
    for (auto& item : MOAT_TRY(v.array())) {
        auto option = MOAT_TRY(item.string());
        if (std::find(std::begin(kAllowed), std::end(kAllowed), option) == std::end(kAllowed)) {
            std::string allowed;
            for (auto a : kAllowed) allowed += (allowed.empty() ? "" : ", ") + std::string(a);
            return item.error("\"" + option + "\" is not a tmpfs option the profile allows (" + allowed + ")");
        }
        out.push_back(std::move(option));
    }
    return out;
}

Status tmp(const Value& v, TmpPolicy& t) {
    std::optional<uint64_t> size_max;
    for (auto& [key, value] : MOAT_TRY(object(v, {"size", "sizeMax", "mode", "options"}))) {
        if (key == "size") t.size = MOAT_TRY(size(value));
        else if (key == "sizeMax") size_max = MOAT_TRY(size(value));
        else if (key == "options") t.options = MOAT_TRY(tmp_options(value));
        else if (key == "mode") {
            auto text = MOAT_TRY(value.string());
            uint32_t mode = 0;
            bool ok = !text.empty() && text.size() <= 4;
            for (char c : text) {
                if (c < '0' || c > '7') ok = false;
                mode = mode * 8 + static_cast<uint32_t>(c - '0');
            }
            if (!ok) return value.error("expected an octal mode like \"1777\"");
            t.mode = mode;
        }
    }
    if (t.size == 0) return fail("tmp.size: must be positive");
    t.size_max = size_max.value_or(std::max(t.size, t.size_max));
    if (t.size > t.size_max) return fail("tmp.size: exceeds tmp.sizeMax");
    return {};
}

Status binds(const Value& v, BindPolicy& b) {
    for (auto& [key, value] : MOAT_TRY(object(v, {"writable", "writableOnRequest", "refusedSources",
                                                  "refusedTrees", "allowedSources"}))) {
        auto list = MOAT_TRY(absolute_paths(value));
        if (key == "writable") b.writable = std::move(list);
        else if (key == "writableOnRequest") b.writable_on_request = std::move(list);
        else if (key == "refusedSources") b.refused_sources = std::move(list);
        else if (key == "refusedTrees") b.refused_trees = std::move(list);
        else b.allowed_sources = std::move(list);
    }
    return {};
}

Result<DevicePolicy> device(const Value& v) {
    DevicePolicy d;
    bool has_path = false, has_major = false;
    for (auto& [key, value] : MOAT_TRY(object(v, {"path", "type", "major", "minor"}))) {
        if (key == "path") {
            d.path = MOAT_TRY(value.string());
            if (!d.path.starts_with("/dev/")) return value.error("must be under /dev/");
            has_path = true;
        } else if (key == "type") {
            d.type = MOAT_TRY(value.string());
            if (d.type != "c" && d.type != "b") return value.error("must be \"c\" or \"b\"");
        } else if (key == "major") {
            d.major = MOAT_TRY(value.int64());
            if (d.major < 0) return value.error("must not be negative");
            has_major = true;
        } else {
            d.minor = MOAT_TRY(value.int64());
            if (*d.minor < 0) return value.error("must not be negative");
        }
    }
    if (!has_path) return v.error("missing \"path\"");
    if (!has_major) return v.error("missing \"major\"");
    return d;
}

Status rlimits(const Value& v, std::vector<RlimitPolicy>& out) {
    static const std::vector<std::string> known = {
        "RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_LOCKS",
        "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE", "RLIMIT_NPROC",
        "RLIMIT_RSS", "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK"};
    out.clear();
    for (auto& [key, value] : MOAT_TRY(v.members())) {
        if (std::find(known.begin(), known.end(), key) == known.end()) return value.error("unknown rlimit");
        out.push_back({key, MOAT_TRY(value.uint64())});
    }
    return {};
}

Status top_level(const Value& root, Policy& p) {
    if (!root.is_object()) return fail("policy: expected object, got " + std::string(root.type_name()));
    auto members = MOAT_TRY(object(
        root, {"name", "mode", "readonlyRoot", "tmp", "noNewPrivileges", "capabilities",
               "namespaces", "network", "resources", "rlimits", "oomScoreAdj", "maskedPaths",
               "readonlyPaths", "sysReadonly", "devices", "binds", "mountTypes", "secretEnv", "seccomp",
               "landlock", "timeout", "timeoutMax", "annotations", "receipts", "auditLog"}));
    std::optional<std::chrono::milliseconds> timeout_max;
    for (auto& [key, v] : members) {
        if (key == "name") {
            p.name = MOAT_TRY(v.string());
            if (p.name.empty()) return v.error("must not be empty");
            // It is repeated in every receipt and refusal message.
            if (p.name.size() > 256)
                return v.error(std::to_string(p.name.size()) + " bytes; at most 256");
        } else if (key == "mode") {
            auto m = MOAT_TRY(v.string());
            if (m == "enforce") p.mode = Mode::enforce;
            else if (m == "refuse") p.mode = Mode::refuse;
            else if (m == "audit") p.mode = Mode::audit;
            else return v.error("unknown mode \"" + m + "\" (enforce, refuse, audit)");
        } else if (key == "readonlyRoot") p.readonly_root = MOAT_TRY(v.boolean());
        else if (key == "tmp") MOAT_CHECK(tmp(v, p.tmp));
        else if (key == "noNewPrivileges") p.no_new_privileges = MOAT_TRY(v.boolean());
        else if (key == "capabilities") p.capabilities = MOAT_TRY(one_of(v, capability_names(), "capability"));
        else if (key == "namespaces") p.namespaces = MOAT_TRY(one_of(v, defaults::namespaces(), "namespace"));
        else if (key == "network") MOAT_CHECK(network(v, p.network));
        else if (key == "resources") MOAT_CHECK(resources(v, p.resources));
        else if (key == "rlimits") MOAT_CHECK(rlimits(v, p.rlimits));
        else if (key == "oomScoreAdj") {
            p.oom_score_adj = MOAT_TRY(v.int32());
            if (p.oom_score_adj < -1000 || p.oom_score_adj > 1000) return v.error("must be -1000..1000");
        } else if (key == "maskedPaths") p.masked_paths = MOAT_TRY(absolute_paths(v));
        else if (key == "readonlyPaths") p.readonly_paths = MOAT_TRY(absolute_paths(v));
        else if (key == "sysReadonly") p.sys_readonly = MOAT_TRY(v.boolean());
        else if (key == "devices") {
            for (auto& item : MOAT_TRY(v.array())) p.devices.push_back(MOAT_TRY(device(item)));
        } else if (key == "binds") MOAT_CHECK(binds(v, p.binds));
        else if (key == "mountTypes") {
            p.mount_types = MOAT_TRY(v.strings());
            // Every container's /proc, /dev, /dev/pts and the profile's /tmp.
            for (const char* needed : {"proc", "tmpfs", "devpts"})
                if (std::find(p.mount_types.begin(), p.mount_types.end(), needed) == p.mount_types.end())
                    return v.error(std::string("must include \"") + needed +
                                   "\": every container mounts proc, tmpfs and devpts");
        }
        else if (key == "secretEnv") p.secret_env = MOAT_TRY(v.strings());
        else if (key == "seccomp") {
            if (!MOAT_TRY(v.boolean())) return v.error("moat's seccomp filter cannot be turned off");
        } else if (key == "landlock") p.landlock = MOAT_TRY(v.boolean());
        else if (key == "timeout") p.timeout = MOAT_TRY(duration(v));
        else if (key == "timeoutMax") timeout_max = MOAT_TRY(duration(v));
        else if (key == "annotations") p.annotations = MOAT_TRY(one_of(v, defaults::annotations(), "annotation"));
        else if (key == "receipts") {
            p.receipts_dir = MOAT_TRY(v.string());
            if (!p.receipts_dir.starts_with('/')) return v.error("must be an absolute path");
        } else if (key == "auditLog") {
            p.audit_log = MOAT_TRY(v.string());
            if (!p.audit_log->starts_with('/')) return v.error("must be an absolute path");
        }
    }
    p.timeout_max = timeout_max;
    if (p.timeout && p.timeout_max && *p.timeout > *p.timeout_max)
        return fail("timeout: exceeds timeoutMax");
    return {};
}

}  // namespace

Result<Policy> parse_policy(std::string_view text) {
    auto doc = MOAT_TRY(json::Document::parse(text, "policy"));
    Policy p;
    MOAT_CHECK_CTX(top_level(doc.root(), p), "policy");
    return p;
}


}  // namespace moat::policy
