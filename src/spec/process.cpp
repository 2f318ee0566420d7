// config.json "process" and process.json (what `exec --process` reads): the
// user, capabilities, rlimits and the command to run.
#include <set>

#include "spec/codec.hpp"

namespace moat::spec {
namespace codec {

Status read(const Value& v, ConsoleSize& out) {
    MOAT_CHECK(required_field(v, "height", out.height));
    MOAT_CHECK(required_field(v, "width", out.width));
    return {};
}

Status read(const Value& v, User& out) {
    MOAT_CHECK(v.members());
    // uid and gid are required by OCI, but every runtime reads a missing one as 0.
    MOAT_CHECK(field(v, "uid", out.uid));
    MOAT_CHECK(field(v, "gid", out.gid));
    MOAT_CHECK(field(v, "umask", out.umask));
    MOAT_CHECK(field(v, "additionalGids", out.additional_gids));
    MOAT_CHECK(field(v, "username", out.username));
    return {};
}

namespace {
Status read_capability_set(const Value& caps, std::string_view key, std::vector<std::string>& out) {
    auto set = member(caps, key);
    if (!set) return {};
    MOAT_CHECK(read(*set, out));
    auto items = MOAT_TRY(set->array());
    for (size_t i = 0; i < out.size(); ++i) MOAT_CHECK(check_prefix(items[i], out[i], "CAP_"));
    return {};
}
}  // namespace

Status read(const Value& v, Capabilities& out) {
    MOAT_CHECK(v.members());
    MOAT_CHECK(read_capability_set(v, "bounding", out.bounding));
    MOAT_CHECK(read_capability_set(v, "effective", out.effective));
    MOAT_CHECK(read_capability_set(v, "inheritable", out.inheritable));
    MOAT_CHECK(read_capability_set(v, "permitted", out.permitted));
    MOAT_CHECK(read_capability_set(v, "ambient", out.ambient));
    return {};
}

Status read(const Value& v, Rlimit& out) {
    auto type = MOAT_TRY(required(v, "type"));
    MOAT_CHECK(read(type, out.type));
    MOAT_CHECK(check_prefix(type, out.type, "RLIMIT_"));
    MOAT_CHECK(required_field(v, "hard", out.hard));
    MOAT_CHECK(required_field(v, "soft", out.soft));
    return {};
}

Status read(const Value& v, Process& out) {
    static const std::set<std::string_view> known = {
        "terminal", "consoleSize", "user", "args", "commandLine", "env", "cwd", "capabilities",
        "rlimits", "noNewPrivileges", "apparmorProfile", "oomScoreAdj", "selinuxLabel"};
    out.extensions = MOAT_TRY(unknown_members(v, known));

    MOAT_CHECK(field(v, "terminal", out.terminal));
    MOAT_CHECK(field(v, "consoleSize", out.console_size));
    MOAT_CHECK(field(v, "user", out.user));

    auto args = MOAT_TRY(required(v, "args"));
    MOAT_CHECK(read(args, out.args));
    if (out.args.empty()) return args.error("must not be empty");

    MOAT_CHECK(field(v, "commandLine", out.command_line));
    MOAT_CHECK(field(v, "env", out.env));
    if (auto cwd = member(v, "cwd")) {
        MOAT_CHECK(read(*cwd, out.cwd));
        MOAT_CHECK(check_absolute(*cwd, out.cwd));
    }
    MOAT_CHECK(field(v, "capabilities", out.capabilities));

    if (auto rlimits = member(v, "rlimits")) {
        MOAT_CHECK(read(*rlimits, out.rlimits));
        auto items = MOAT_TRY(rlimits->array());
        std::set<std::string> seen;
        for (size_t i = 0; i < out.rlimits.size(); ++i)
            if (!seen.insert(out.rlimits[i].type).second)
                return items[i].get("type")->error("duplicate rlimit \"" + out.rlimits[i].type + "\"");
    }

    MOAT_CHECK(field(v, "noNewPrivileges", out.no_new_privileges));
    MOAT_CHECK(field(v, "apparmorProfile", out.apparmor_profile));
    if (auto adj = member(v, "oomScoreAdj")) {
        MOAT_CHECK(read(*adj, out.oom_score_adj));
        // The kernel's range for /proc/<pid>/oom_score_adj.
        if (*out.oom_score_adj < -1000 || *out.oom_score_adj > 1000)
            return adj->error(std::to_string(*out.oom_score_adj) + " is outside -1000..1000");
    }
    MOAT_CHECK(field(v, "selinuxLabel", out.selinux_label));
    return {};
}

// ---- writing ----

void write(Writer& w, const ConsoleSize& c) {
    w.begin_object().field("height", c.height).field("width", c.width).end_object();
}

void write(Writer& w, const User& u) {
    w.begin_object().field("uid", u.uid).field("gid", u.gid);
    put(w, "umask", u.umask);
    put(w, "additionalGids", u.additional_gids);
    put(w, "username", u.username);
    w.end_object();
}

void write(Writer& w, const Capabilities& c) {
    w.begin_object();
    put(w, "bounding", c.bounding);
    put(w, "effective", c.effective);
    put(w, "inheritable", c.inheritable);
    put(w, "permitted", c.permitted);
    put(w, "ambient", c.ambient);
    w.end_object();
}

void write(Writer& w, const Rlimit& r) {
    w.begin_object().field("type", r.type).field("hard", r.hard).field("soft", r.soft).end_object();
}

void write(Writer& w, const Process& p) {
    // Defaults are left out, as the Go writers (runc, podman, containerd) do.
    w.begin_object();
    if (p.terminal) w.field("terminal", true);
    put(w, "consoleSize", p.console_size);
    put_always(w, "user", p.user);
    put_always(w, "args", p.args);
    put(w, "commandLine", p.command_line);
    put(w, "env", p.env);
    w.field("cwd", p.cwd);
    put(w, "capabilities", p.capabilities);
    put(w, "rlimits", p.rlimits);
    if (p.no_new_privileges) w.field("noNewPrivileges", true);
    put(w, "apparmorProfile", p.apparmor_profile);
    put(w, "oomScoreAdj", p.oom_score_adj);
    put(w, "selinuxLabel", p.selinux_label);
    put_raw_members(w, p.extensions);
    w.end_object();
}

}  // namespace codec

Result<Process> parse_process(std::string_view json) {
    auto doc = MOAT_TRY(json::Document::parse(json, "process.json"));
    Process p;
    MOAT_CHECK(codec::read(doc.root(), p));
    return p;
}

std::string to_json(const Process& process, bool pretty) {
    json::Writer w(pretty);
    codec::write(w, process);
    return w.str();
}

}  // namespace moat::spec
