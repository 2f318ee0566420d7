// What `moat check` prints and what receipts store: the adjustments as a
// table or JSON, the policy's summary, the enforcement record.
#include <algorithm>

#include "moat/policy.hpp"
#include "spec/json.hpp"
#include "units.hpp"

namespace moat::policy {
namespace {

// Display width in code points, so "→" lines up.
size_t width(std::string_view s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::string pad(std::string s, size_t w) {
    for (size_t n = width(s); n < w; ++n) s += ' ';
    return s;
}

void strings(json::Writer& w, std::string_view key, const std::vector<std::string>& v) {
    w.key(key).begin_array();
    for (auto& s : v) w.value(s);
    w.end_array();
}

void allowlist(json::Writer& w, const Allowlist& a) {
    w.begin_object();
    strings(w, "allow", [&] {
        std::vector<std::string> v;
        for (auto& r : a.allow) v.push_back(r.text);
        return v;
    }());
    if (a.dns) w.field("dns", a.dns->str());
    w.end_object();
}

}  // namespace

std::string format_adjustments(const std::vector<Adjustment>& adjustments) {
    if (adjustments.empty()) return "no adjustments: the config is within the policy\n";
    size_t fw = width("FIELD"), cw = width("CHANGE");
    std::vector<std::string> changes;
    for (auto& a : adjustments) {
        changes.push_back(a.refused ? "REFUSED " + a.old_value + ": " + a.note
                                    : a.old_value + " → " + a.new_value);
        fw = std::max(fw, width(a.field));
        cw = std::max(cw, width(changes.back()));
    }
    std::string out = pad("FIELD", fw) + "  " + pad("CHANGE", cw) + "  RULE\n";
    for (size_t i = 0; i < adjustments.size(); ++i)
        out += pad(adjustments[i].field, fw) + "  " + pad(changes[i], cw) + "  " +
               adjustments[i].rule + "\n";
    return out;
}

void adjustments_to_json(json::Writer& w, const std::vector<Adjustment>& adjustments) {
    w.begin_array();
    for (auto& a : adjustments) {
        w.begin_object();
        w.field("field", a.field).field("old", a.old_value).field("new", a.new_value);
        w.field("rule", a.rule);
        if (a.refused) w.field("refused", true).field("reason", a.note);
        w.end_object();
    }
    w.end_array();
}

void policy_to_json(json::Writer& w, const Policy& p) {
    w.begin_object();
    w.field("name", p.name).field("mode", std::string(to_string(p.mode)));
    w.field("readonlyRoot", p.readonly_root);
    w.key("tmp").begin_object().field("size", p.tmp.size).field("mode", p.tmp.mode);
    strings(w, "options", p.tmp.options);
    w.end_object();
    w.field("noNewPrivileges", p.no_new_privileges);
    strings(w, "capabilities", p.capabilities);
    strings(w, "namespaces", p.namespaces);
    w.key("network").begin_object().field("mode", std::string(to_string(p.network.mode)));
    if (p.network.mode == NetworkMode::allowlist) {
        w.key("allowlist");
        allowlist(w, p.network.allowlist);
    }
    if (!p.network.allowlists.empty()) {
        w.key("allowlists").begin_object();
        for (auto& [name, a] : p.network.allowlists) {
            w.key(name);
            allowlist(w, a);
        }
        w.end_object();
    }
    w.end_object();
    auto& r = p.resources;
    w.key("resources").begin_object();
    w.field("memory", r.memory).field("memoryMax", r.memory_max);
    w.field("pids", r.pids).field("pidsMax", r.pids_max);
    w.field("cpuQuota", r.cpu_quota).field("cpuPeriod", r.cpu_period);
    w.field("cpusMax", units::format_cpus(r.cpus_max_milli));
    w.end_object();
    w.key("rlimits").begin_object();
    for (auto& l : p.rlimits) w.field(l.type, l.max);
    w.end_object();
    w.field("oomScoreAdj", p.oom_score_adj);
    w.field("seccomp", Policy::seccomp).field("landlock", p.landlock);
    if (p.timeout) w.field("timeout", units::format_duration(*p.timeout));
    strings(w, "annotations", p.annotations);
    w.end_object();
}

void enforcement_to_json(json::Writer& w, const Enforcement& e) {
    w.begin_object();
    w.field("seccomp", e.seccomp);
    w.key("landlock").begin_object().field("enabled", e.landlock.enabled);
    strings(w, "writable", e.landlock.writable);
    if (e.landlock.restrict_connect) {
        w.key("connectPorts").begin_array();
        for (auto [a, b] : e.landlock.connect_ports)
            w.value(a == b ? std::to_string(a) : std::to_string(a) + "-" + std::to_string(b));
        w.end_array();
    }
    w.field("scopeSignals", e.landlock.scope_signals);
    w.field("scopeAbstractUnix", e.landlock.scope_abstract_unix);
    w.end_object();
    w.field("network", std::string(to_string(e.network))).field("loopbackUp", e.loopback_up);
    if (e.egress) {
        w.key("egress");
        allowlist(w, *e.egress);
        w.field("egressName", e.egress_name);
    }
    if (e.timeout) w.field("timeout", units::format_duration(*e.timeout));
    w.end_object();
}

}  // namespace moat::policy
