// Process rows of the profile, shared by a container's process and an exec:
// no new privileges, capabilities limited to the policy's, rlimit ceilings,
// oomScoreAdj, and secret-looking environment variables removed (only the
// name is ever recorded, never the value).
#include <algorithm>

#include "paths.hpp"
#include "record.hpp"

namespace moat::policy {
namespace {

std::string join(const std::string& prefix, const std::string& field) {
    return prefix.empty() ? field : prefix + "." + field;
}

std::string describe(const spec::Rlimit& r) {
    return r.type + " soft=" + std::to_string(r.soft) + " hard=" + std::to_string(r.hard);
}

}  // namespace

void harden_process_fields(spec::Process& proc, const Policy& p, Recorder& rec,
                           const std::string& prefix) {
    if (p.no_new_privileges && !proc.no_new_privileges) {
        rec.change(join(prefix, "noNewPrivileges"), "false", "true", "no-new-privileges");
        proc.no_new_privileges = true;
    }

    // Absent capabilities are made explicit: nothing is left to the runtime's default.
    if (!proc.capabilities) {
        rec.change(join(prefix, "capabilities"), show::absent(), "(all five sets limited to the policy)",
                   "capabilities");
        proc.capabilities.emplace();
    }
    auto& caps = *proc.capabilities;
    const std::pair<const char*, std::vector<std::string>*> sets[] = {
        {"bounding", &caps.bounding}, {"effective", &caps.effective},
        {"inheritable", &caps.inheritable}, {"permitted", &caps.permitted},
        {"ambient", &caps.ambient}};
    for (auto [name, set] : sets) {
        std::vector<std::string> kept;
        for (auto& c : *set)
            if (std::find(p.capabilities.begin(), p.capabilities.end(), c) != p.capabilities.end())
                kept.push_back(c);
        if (kept != *set) {
            rec.change(join(prefix, std::string("capabilities.") + name), show::list(*set),
                       show::list(kept), "capabilities");
            *set = std::move(kept);
        }
    }

    for (auto& limit : p.rlimits) {
        auto it = std::find_if(proc.rlimits.begin(), proc.rlimits.end(),
                               [&](auto& r) { return r.type == limit.type; });
        if (it == proc.rlimits.end()) {
            spec::Rlimit r{limit.type, limit.max, limit.max};
            rec.change(join(prefix, "rlimits[" + std::to_string(proc.rlimits.size()) + "]"),
                       show::absent(), describe(r), "rlimits");
            proc.rlimits.push_back(std::move(r));
            continue;
        }
        if (it->soft <= limit.max && it->hard <= limit.max) continue;
        auto before = describe(*it);
        it->soft = std::min(it->soft, limit.max);
        it->hard = std::min(it->hard, limit.max);
        rec.change(join(prefix, "rlimits[" + std::to_string(it - proc.rlimits.begin()) + "]"), before,
                   describe(*it), "rlimits");
    }

    if (!proc.oom_score_adj || *proc.oom_score_adj < p.oom_score_adj) {
        rec.change(join(prefix, "oomScoreAdj"), show::opt(proc.oom_score_adj),
                   std::to_string(p.oom_score_adj), "oom-score-adj");
        proc.oom_score_adj = p.oom_score_adj;
    }

    std::vector<std::string> env;
    for (auto& kv : proc.env) {
        std::string name = kv.substr(0, kv.find('='));
        bool secret = std::any_of(p.secret_env.begin(), p.secret_env.end(),
                                  [&](auto& g) { return paths::glob_match(name, g); });
        if (secret) rec.change(join(prefix, "env"), name + "=<redacted>", "(removed)", "secret-env");
        else env.push_back(kv);
    }
    proc.env = std::move(env);
}

}  // namespace moat::policy
