// libFuzzer target for config.json as `moat create` and `moat check` see it:
// parse_config, then harden() under the built-in profile. Any input gives a
// hardened config or a clean error, never a crash, a sanitizer report or a
// hang; and the hardened config is a fixed point (hardening it again, after a
// trip through JSON, changes nothing).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "moat/policy.hpp"

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "harden: %s\n", what.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace moat;
    static const policy::Policy builtin;
    auto s = spec::parse_config(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!s) return 0;  // fuzz-spec checks the parser's errors
    auto h = policy::harden(*s, builtin);
    if (!h) {
        if (h.error().message.empty()) die("an error without a message");
        return 0;
    }
    std::string once = spec::to_json(h->spec);
    auto reparsed = spec::parse_config(once);
    if (!reparsed) die("the hardened config does not parse: " + reparsed.error().message + "\n" + once);
    auto again = policy::harden(*reparsed, builtin);
    if (!again) die("the hardened config is refused: " + again.error().message + "\n" + once);
    if (!again->adjustments.empty())
        die("hardening twice changes more:\n" + policy::format_adjustments(again->adjustments) + once);
    return 0;
}
