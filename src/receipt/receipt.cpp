#include "moat/receipt.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <tuple>

#include "linux/fd.hpp"
#include "spec/json.hpp"

namespace moat::receipt {

std::string to_json(const Receipt& r, bool pretty) {
    json::Writer w(pretty);
    w.begin_object();
    w.field("id", r.id).field("bundle", r.bundle).field("configSha256", r.config_sha256);
    w.key("args").begin_array();
    for (auto& a : r.args) w.value(a);
    w.end_array();
    w.key("policy").begin_object().field("name", r.policy_name).field("sha256", r.policy_sha256);
    w.field("mode", r.mode).end_object();
    w.key("adjustments").raw(r.adjustments_json);
    w.key("enforcement").raw(r.enforcement_json);
    w.field("landlock", r.landlock);
    if (r.timeout_ms) w.field("timeoutMs", *r.timeout_ms);
    w.field("status", r.status).field("created", r.created);
    if (!r.started.empty()) w.field("started", r.started);
    if (!r.ended.empty()) w.field("ended", r.ended);
    if (r.exit_code) w.field("exitCode", *r.exit_code);
    if (r.signal) w.field("signal", *r.signal);
    w.field("timedOut", r.timed_out);
    if (r.usage) {
        w.key("usage").begin_object();
        w.field("peakMemoryBytes", r.usage->peak_memory).field("cpuUserNs", r.usage->cpu_user_ns);
        w.field("cpuSystemNs", r.usage->cpu_system_ns).field("peakPids", r.usage->peak_pids);
        w.field("oomKills", r.usage->oom_kills).end_object();
    }
    if (!r.egress_allowlist.empty()) {
        w.key("egress").begin_object().field("allowlist", r.egress_allowlist);
        if (r.egress_dropped) {
            auto& d = *r.egress_dropped;
            w.key("dropped").begin_object();
            w.key("ipv4").begin_object().field("packets", d.ipv4_packets).field("bytes", d.ipv4_bytes).end_object();
            w.key("ipv6").begin_object().field("packets", d.ipv6_packets).field("bytes", d.ipv6_bytes).end_object();
            w.end_object();
        }
        if (!r.egress_note.empty()) w.field("note", r.egress_note);
        w.end_object();
    }
    w.end_object();
    return w.str();
}

Result<Receipt> parse(std::string_view text) {
    auto doc = MOAT_TRY(json::Document::parse(text, "receipt"));
    auto root = doc.root();
    Receipt r;
    auto str = [](const std::optional<json::Value>& v, std::string& out) -> Status {
        if (v && !v->is_null()) out = MOAT_TRY(v->string());
        return {};
    };
    auto num = [](const std::optional<json::Value>& v, uint64_t& out) -> Status {
        if (v) out = MOAT_TRY(v->uint64());
        return {};
    };
    MOAT_CHECK(str(root.get("id"), r.id));
    MOAT_CHECK(str(root.get("bundle"), r.bundle));
    MOAT_CHECK(str(root.get("configSha256"), r.config_sha256));
    if (auto a = root.get("args")) r.args = MOAT_TRY(a->strings());
    if (auto p = root.get("policy")) {
        MOAT_CHECK(str(p->get("name"), r.policy_name));
        MOAT_CHECK(str(p->get("sha256"), r.policy_sha256));
        MOAT_CHECK(str(p->get("mode"), r.mode));
    }
    if (auto a = root.get("adjustments")) r.adjustments_json = a->raw();
    if (auto e = root.get("enforcement")) r.enforcement_json = e->raw();
    MOAT_CHECK(str(root.get("landlock"), r.landlock));
    if (auto t = root.get("timeoutMs")) r.timeout_ms = MOAT_TRY(t->int64());
    MOAT_CHECK(str(root.get("status"), r.status));
    MOAT_CHECK(str(root.get("created"), r.created));
    MOAT_CHECK(str(root.get("started"), r.started));
    MOAT_CHECK(str(root.get("ended"), r.ended));
    if (auto v = root.get("exitCode")) r.exit_code = MOAT_TRY(v->int32());
    if (auto v = root.get("signal")) r.signal = MOAT_TRY(v->int32());
    if (auto v = root.get("timedOut")) r.timed_out = MOAT_TRY(v->boolean());
    if (auto u = root.get("usage")) {
        cgroups::Usage usage;
        MOAT_CHECK(num(u->get("peakMemoryBytes"), usage.peak_memory));
        MOAT_CHECK(num(u->get("cpuUserNs"), usage.cpu_user_ns));
        MOAT_CHECK(num(u->get("cpuSystemNs"), usage.cpu_system_ns));
        MOAT_CHECK(num(u->get("peakPids"), usage.peak_pids));
        MOAT_CHECK(num(u->get("oomKills"), usage.oom_kills));
        r.usage = usage;
    }
    if (auto e = root.get("egress")) {
        MOAT_CHECK(str(e->get("allowlist"), r.egress_allowlist));
        MOAT_CHECK(str(e->get("note"), r.egress_note));
        if (auto d = e->get("dropped")) {
            EgressDrops drops;
            for (auto [family, packets, bytes] :
                 {std::tuple{"ipv4", &drops.ipv4_packets, &drops.ipv4_bytes},
                  std::tuple{"ipv6", &drops.ipv6_packets, &drops.ipv6_bytes}}) {
                if (auto f = d->get(family)) {
                    MOAT_CHECK(num(f->get("packets"), *packets));
                    MOAT_CHECK(num(f->get("bytes"), *bytes));
                }
            }
            r.egress_dropped = drops;
        }
    }
    return r;
}

void record_policy(Receipt& r, const policy::Policy& p, const std::string& policy_sha256,
                   const policy::Hardened& h) {
    r.policy_name = p.name;
    r.policy_sha256 = policy_sha256;
    r.mode = std::string(policy::to_string(p.mode));
    json::Writer adj;
    policy::adjustments_to_json(adj, h.adjustments);
    r.adjustments_json = adj.str();
    json::Writer enf;
    policy::enforcement_to_json(enf, h.enforcement);
    r.enforcement_json = enf.str();
    if (h.enforcement.timeout) r.timeout_ms = h.enforcement.timeout->count();
}

Status append_audit_log(const std::string& path, const Receipt& r) {
    auto fd = MOAT_TRY(linux::open_fd(path, O_WRONLY | O_CREAT | O_APPEND, 0600));
    return context(linux::write_all(fd.get(), to_json(r, false) + "\n"), "audit log " + path);
}

}  // namespace moat::receipt
