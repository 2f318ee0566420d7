#include <cstdio>

#include "cli/command.hpp"

namespace moat::cli {

namespace {

// "5s", "500ms", "1m", "2" (seconds), as runc's Go durations are usually written.
Result<long> parse_interval(const std::string& text) {
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
    auto unit = text.substr(digits);
    long scale = unit == "ms" ? 1 : unit == "s" || unit.empty() ? 1000 : unit == "m" ? 60000 : 0;
    if (digits == 0 || digits > 9 || scale == 0)
        return fail("--interval: \"" + text + "\" is not a duration (like 5s or 500ms)", EINVAL);
    long ms = std::stol(text.substr(0, digits)) * scale;
    if (ms <= 0) return fail("--interval: \"" + text + "\" must be positive", EINVAL);
    return ms;
}

}  // namespace

extern const Command kEvents{
    "events", "print resource statistics and OOM events of a container as JSON", "[options] ID",
    {{"stats", 0, false, "print one stats event and exit"},
     {"interval", 0, true, "time between stats events in the stream (default 5s)", "DURATION"}},
    false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        MOAT_CHECK(expect_args(p, 1, "a container ID"));
        const auto& id = p.positional[0];
        if (p.has("stats")) {
            std::printf("%s\n", MOAT_TRY(runtime::stats_event(g, id)).c_str());
            return 0;
        }
        runtime::EventsOptions o;
        o.interval_ms = MOAT_TRY(parse_interval(p.get("interval", "5s")));
        MOAT_CHECK(runtime::events(g, id, o, [](const std::string& line) {
            std::printf("%s\n", line.c_str());
            return std::fflush(stdout) == 0;
        }));
        return 0;
    }};

}  // namespace moat::cli
