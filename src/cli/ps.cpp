#include <cstdio>

#include "cli/command.hpp"
#include "spec/json.hpp"

namespace moat::cli {

extern const Command kPs{
    "ps", "list the processes of a container", "[options] ID [PS OPTIONS...]",
    {{"format", 'f', true, "table (host ps lines) or json (an array of pids)", "FORMAT"}}, true,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        if (p.positional.empty()) return fail("ps: expected ID [PS OPTIONS...]", EINVAL);
        const auto& id = p.positional[0];
        std::vector<std::string> ps_args(p.positional.begin() + 1, p.positional.end());
        auto format = p.get("format", "table");
        if (format == "json") {
            if (!ps_args.empty()) return fail("ps: ps options cannot be used with --format json", EINVAL);
            auto pids = MOAT_TRY(runtime::processes(g, id));
            json::Writer w;
            w.begin_array();
            for (auto pid : pids) w.value(static_cast<int64_t>(pid));
            w.end_array();
            std::printf("%s\n", w.str().c_str());
        } else if (format == "table") {
            std::fputs(MOAT_TRY(runtime::ps_table(g, id, ps_args)).c_str(), stdout);
        } else {
            return fail("ps: --format must be table or json, not \"" + format + "\"", EINVAL);
        }
        return 0;
    }};

}  // namespace moat::cli
