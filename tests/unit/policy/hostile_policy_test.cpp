// A hostile policy file (issue 8): deep nesting, 100 MB strings and values of
// the wrong type give an error naming what was wrong, never a crash and never
// "no policy". The fuzz target (tests/fuzz/fuzz_policy.cpp) searches further.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "moat/policy.hpp"

namespace moat::policy {
namespace {

constexpr size_t k100MB = 100u << 20;

TEST(HostilePolicy, HundredThousandOpenBrackets) {
    for (const char* what : {"[", "{\"a\":"}) {
        std::string deep;
        for (int i = 0; i < 100000; ++i) deep += what;
        auto p = parse_policy(deep);
        ASSERT_FALSE(p) << what;
        EXPECT_EQ(p.error().message, "policy: invalid JSON: nesting deeper than 256 levels");
    }
    std::string inside = R"({"network": {"allowlists": {"x": )" + std::string(100000, '[') +
                         std::string(100000, ']') + "}}}";
    auto p = parse_policy(inside);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message, "policy: invalid JSON: nesting deeper than 256 levels");
}

TEST(HostilePolicy, HundredMegabyteStrings) {
    const std::string huge(k100MB, 'x');
    auto p = parse_policy(R"({"resources": ")" + huge + "\"}");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().message, "policy: resources: expected object, got string");
    p = parse_policy(R"({"name": ")" + huge);
    ASSERT_FALSE(p);
    EXPECT_TRUE(p.error().message.starts_with("policy: invalid JSON: ")) << p.error().message.substr(0, 200);
    EXPECT_EQ(p.error().message.find('\n'), std::string::npos);
    // Named in an error (an unknown key, a bad mode): quoted in part, not in full.
    for (auto text : {"{\"" + huge + "\": 1}", R"({"mode": ")" + huge + "\"}"}) {
        p = parse_policy(text);
        ASSERT_FALSE(p);
        EXPECT_LT(p.error().message.size(), 2000u) << p.error().message.substr(0, 200);
    }
}

const std::vector<std::string> kSamples = {"null", "true", "0", "-1", "1.5", "1e400",
                                           "18446744073709551616", "\"x\"", "[]", "[1]", "{}"};

TEST(HostilePolicy, TypeConfusedKeysNameTheirPath) {
    struct Key {
        std::string path;  // "resources.memory": {"resources": {"memory": V}}
        int at_least_refused;  // of the 11 samples, those no reading of the key accepts
    };
    // Booleans take only true; strings "x" (when valid); lists [] or [1];
    // sizes and durations an integer or a string; objects {}.
    const std::vector<Key> keys = {
        {"name", 10}, {"mode", 11}, {"readonlyRoot", 10}, {"tmp", 10}, {"noNewPrivileges", 10},
        {"capabilities", 10}, {"namespaces", 10}, {"network", 10}, {"resources", 10},
        {"rlimits", 10}, {"oomScoreAdj", 9}, {"maskedPaths", 10}, {"readonlyPaths", 10},
        {"sysReadonly", 10}, {"devices", 10}, {"binds", 10}, {"mountTypes", 10}, {"secretEnv", 10},
        {"seccomp", 10}, {"landlock", 10}, {"timeout", 9}, {"timeoutMax", 9}, {"annotations", 10},
        {"receipts", 11}, {"auditLog", 11},
        {"tmp.size", 8}, {"tmp.mode", 9}, {"tmp.options", 10},
        {"network.mode", 11}, {"network.allow", 10}, {"network.dns", 11},
        {"network.allowlists", 10}, {"network.allowHost", 10},
        {"resources.memory", 8}, {"resources.pids", 9}, {"resources.cpus", 8},
        {"binds.writable", 10}, {"binds.writableOnRequest", 10},
    };
    for (auto& k : keys) {
        int refused = 0;
        auto dot = k.path.find('.');
        for (auto& v : kSamples) {
            std::string text = dot == std::string::npos
                                   ? "{\"" + k.path + "\": " + v + "}"
                                   : "{\"" + k.path.substr(0, dot) + "\": {\"" + k.path.substr(dot + 1) + "\": " + v + "}}";
            auto p = parse_policy(text);
            if (p) continue;
            ++refused;
            // A nested key's error may be about its object ("network: \"allow\" and
            // \"dns\" need \"mode\": \"allowlist\"").
            auto& msg = p.error().message;
            EXPECT_TRUE(msg.starts_with("policy: " + k.path) ||
                        (dot != std::string::npos && msg.starts_with("policy: " + k.path.substr(0, dot) + ": ")))
                << text << ": " << msg;
            EXPECT_EQ(p.error().message.find('\n'), std::string::npos) << p.error().message;
        }
        EXPECT_GE(refused, k.at_least_refused) << k.path;
    }
}

TEST(HostilePolicy, RootOfTheWrongType) {
    for (auto& v : kSamples) {
        if (v == "{}") continue;
        auto p = parse_policy(v);
        ASSERT_FALSE(p) << v;
        EXPECT_TRUE(p.error().message.starts_with("policy: ")) << v << ": " << p.error().message;
    }
}

}  // namespace
}  // namespace moat::policy
