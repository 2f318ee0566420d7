#include <cstdio>

#include "cli/command.hpp"
#include "spec/json.hpp"

namespace moat::cli {

extern const Command kList{
    "list", "list containers", "[options]",
    {{"format", 'f', true, "table or json", "FORMAT"}, {"quiet", 'q', false, "print only the ids"}}, false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        auto states = MOAT_TRY(runtime::list(g));
        std::string format = p.get("format", "table");
        if (p.has("quiet")) {
            for (auto& s : states) std::printf("%s\n", s.id.c_str());
        } else if (format == "json") {
            json::Writer w;
            w.begin_array();
            for (auto& s : states) {
                w.begin_object().field("ociVersion", s.oci_version).field("id", s.id);
                w.field("pid", static_cast<int64_t>(s.pid)).field("status", s.status);
                w.field("bundle", s.bundle).field("owner", "root").end_object();
            }
            w.end_array();
            std::printf("%s\n", w.str().c_str());
        } else if (format == "table") {
            std::printf("%-24s %-8s %-10s %s\n", "ID", "PID", "STATUS", "BUNDLE");
            for (auto& s : states)
                std::printf("%-24s %-8d %-10s %s\n", s.id.c_str(), s.pid, s.status.c_str(), s.bundle.c_str());
        } else {
            return fail("--format: expected table or json, got " + format, EINVAL);
        }
        return 0;
    }};

}  // namespace moat::cli
