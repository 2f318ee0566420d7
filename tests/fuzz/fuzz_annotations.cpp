// libFuzzer target for the run.moat.* annotation values: the first byte picks
// the annotation (from policy::defaults::annotations()) and the policy, the
// rest is the value, set on `moat spec`'s config for that policy and run
// through harden(). Any value is applied or refused with an error naming the
// annotation, never a crash, a sanitizer report or a hang; and what harden()
// returns is a fixed point (hardening it again changes nothing).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "moat/policy.hpp"

namespace {

using namespace moat::policy;

// The built-in profile permits every annotation but raises no ceiling; this
// one leaves room for each to succeed (like the unit tests' "generous").
Policy generous() {
    auto p = parse_policy(R"({
        "name": "fuzz",
        "tmp": {"size": "100M", "sizeMax": "1G"},
        "resources": {"memory": "512M", "memoryMax": "4G", "pids": 256, "pidsMax": 4096, "cpus": 1, "cpusMax": 8},
        "timeout": "1m", "timeoutMax": "1h",
        "binds": {"writableOnRequest": ["/output", "/var/cache"]},
        "network": {"allowHost": true,
                    "allowlists": {"pypi": {"allow": ["10.40.0.0/24:443/tcp"], "dns": "10.0.0.2"},
                                   "v6": {"allow": ["[fd00::/64]:80-90/udp"]}}}
    })");
    if (!p) {
        std::fprintf(stderr, "fuzz-annotations: the fixed policy does not parse: %s\n", p.error().message.c_str());
        std::abort();
    }
    return *p;
}

[[noreturn]] void die(const std::string& key, std::string_view value, const std::string& what) {
    std::fprintf(stderr, "annotation %s=\"%.*s\": %s\n", key.c_str(), static_cast<int>(value.size()),
                 value.data(), what.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::vector<std::string> names = defaults::annotations();
    static const Policy policies[2] = {Policy{}, generous()};
    if (size == 0) return 0;
    const std::string& key = names[data[0] % names.size()];
    const Policy& policy = policies[(data[0] / names.size()) % 2];
    std::string_view value(reinterpret_cast<const char*>(data + 1), size - 1);

    auto s = example_spec(policy);
    s.annotations[key] = std::string(value);
    auto h = harden(s, policy);
    if (!h) {
        // A refusal names the annotation, so the user knows which one to fix.
        if (h.error().message.find(key) == std::string::npos) die(key, value, "error does not name it: " + h.error().message);
        return 0;
    }
    auto again = harden(h->spec, policy);
    if (!again) die(key, value, "the hardened config is refused: " + again.error().message);
    if (!again->adjustments.empty())
        die(key, value, "hardening twice changes more:\n" + format_adjustments(again->adjustments));
    if (moat::spec::to_json(again->spec) != moat::spec::to_json(h->spec))
        die(key, value, "hardening twice changes the config");
    return 0;
}
