// libFuzzer target for the policy file (moat::policy::parse_policy): any input
// gives a policy or a clean error, never a crash, a sanitizer report or a hang.
// A policy that parses must also keep `moat spec`'s promise: the config that
// example_spec() makes for it needs no adjustment from harden() under it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "moat/policy.hpp"
#include "spec/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace moat::policy;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto p = parse_policy(input);
    if (!p) {
        if (p.error().message.empty()) {
            std::fprintf(stderr, "policy: an error without a message\n");
            std::abort();
        }
        return 0;
    }
    // The summary receipts store: must not trip over any value the file allowed.
    moat::json::Writer w;
    policy_to_json(w, *p);
    if (auto again = moat::json::Document::parse(w.str(), "policy summary"); !again) {
        std::fprintf(stderr, "policy: the summary is not JSON: %s\n", again.error().message.c_str());
        std::abort();
    }

    auto h = harden(example_spec(*p), *p);
    if (!h) {
        std::fprintf(stderr, "policy: harden refuses the policy's own example config: %s\n",
                     h.error().message.c_str());
        std::abort();
    }
    if (!h->adjustments.empty()) {
        std::fprintf(stderr, "policy: the policy's own example config needs adjustments:\n%s",
                     format_adjustments(h->adjustments).c_str());
        std::abort();
    }
    return 0;
}
