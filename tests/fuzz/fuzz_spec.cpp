// libFuzzer target for moat's OCI JSON parsers (config.json, process.json,
// state.json, linux.resources): any input gives a value or a clean error,
// never a crash, a sanitizer report or a hang; and whatever parses serialises
// to JSON that parses again to the same serialisation (a fixed point).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "moat/spec.hpp"

namespace {

template <typename Parse>
void round_trip(std::string_view input, Parse parse, const char* what) {
    auto first = parse(input);
    if (!first) {
        if (first.error().message.empty()) {
            std::fprintf(stderr, "%s: an error without a message\n", what);
            std::abort();
        }
        return;
    }
    std::string once = moat::spec::to_json(*first);
    auto second = parse(once);
    if (!second) {
        std::fprintf(stderr, "%s: own output does not parse: %s\n--- output ---\n%s\n", what,
                     second.error().message.c_str(), once.c_str());
        std::abort();
    }
    std::string twice = moat::spec::to_json(*second);
    if (twice != once) {
        std::fprintf(stderr, "%s: serialisation is not a fixed point\n--- once ---\n%s\n--- twice ---\n%s\n",
                     what, once.c_str(), twice.c_str());
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    round_trip(input, [](std::string_view j) { return moat::spec::parse_config(j); }, "config");
    round_trip(input, [](std::string_view j) { return moat::spec::parse_process(j); }, "process");
    round_trip(input, [](std::string_view j) { return moat::spec::parse_state(j); }, "state");
    round_trip(input, [](std::string_view j) { return moat::spec::parse_resources(j); }, "resources");
    return 0;
}
