#include <cstdio>

#include "cli/command.hpp"
#include "linux/fd.hpp"
#include "moat/policy.hpp"
#include "runtime/launch.hpp"
#include "spec/json.hpp"

namespace moat::cli {

extern const Command kCheck{
    "check", "print what the policy would change in a bundle's config; changes nothing", "[options]",
    {{"bundle", 'b', true, "the bundle to check (default: current directory)", "DIR"},
     {"policy", 0, true, "policy file (default: the global --policy, /etc/moat/policy.json, or built-in)", "FILE"},
     {"format", 'f', true, "table or json", "FORMAT"}},
    false,
    [](const runtime::Global& global, const Parsed& p) -> Result<int> {
        runtime::Global g = global;
        if (p.has("policy")) g.policy_path = p.get("policy");
        const std::string format = p.get("format", "table");
        if (format != "table" && format != "json") return fail("--format: expected table or json", EINVAL);
        auto active = MOAT_TRY(runtime::load_active_policy(g));
        const std::string path = p.get("bundle", ".") + "/config.json";
        auto spec = MOAT_TRY(spec::load_config(path));
        // harden() fails on refusals (and on anything at all in refuse mode);
        // that failure is check's answer, with a non-zero exit.
        auto h = MOAT_TRY(policy::harden(spec, active.policy));
        if (format == "json") {
            json::Writer w(true);
            w.begin_object().field("policy", active.policy.name);
            w.field("mode", policy::to_string(active.policy.mode));
            w.key("adjustments");
            policy::adjustments_to_json(w, h.adjustments);
            w.key("enforcement");
            policy::enforcement_to_json(w, h.enforcement);
            w.end_object();
            std::printf("%s\n", w.str().c_str());
        } else if (h.adjustments.empty()) {
            std::printf("policy %s (%s): no adjustments needed\n", active.policy.name.c_str(),
                        std::string(policy::to_string(active.policy.mode)).c_str());
        } else {
            std::printf("policy %s (%s): %zu adjustment(s)\n%s", active.policy.name.c_str(),
                        std::string(policy::to_string(active.policy.mode)).c_str(), h.adjustments.size(),
                        policy::format_adjustments(h.adjustments).c_str());
        }
        return 0;
    }};

}  // namespace moat::cli
