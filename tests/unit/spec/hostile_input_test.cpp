// Hostile config.json and process.json (issue 8): deep nesting, 100 MB strings and
// values of the wrong type give an error naming what was wrong, never a crash.
// The fuzz targets (tests/fuzz) search further; these are the named cases, kept.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "moat/spec.hpp"

namespace moat::spec {
namespace {

constexpr size_t k100MB = 100u << 20;
const std::string kBase = R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"]})";

// The base config (kBase is it without its closing brace) with `member`
// ("key": value) added at the top level.
std::string config_with(const std::string& member) { return kBase + ", " + member + "}"; }

TEST(HostileConfig, BaseIsValid) {
    auto s = parse_config(kBase + "}");
    ASSERT_TRUE(s) << s.error().message;
}

TEST(HostileConfig, HundredThousandOpenBrackets) {
    for (const char* what : {"[", "{\"a\":"}) {
        std::string deep;
        for (int i = 0; i < 100000; ++i) deep += what;
        auto s = parse_config(deep);
        ASSERT_FALSE(s) << what;
        EXPECT_EQ(s.error().message, "config.json: invalid JSON: nesting deeper than 256 levels");
        auto p = parse_process(deep);
        ASSERT_FALSE(p) << what;
        EXPECT_EQ(p.error().message, "process.json: invalid JSON: nesting deeper than 256 levels");
    }
}

TEST(HostileConfig, DeepNestingInsideAMember) {
    std::string deep = std::string(100000, '[') + std::string(100000, ']');
    auto s = parse_config(config_with("\"annotations\": {\"a\": " + deep + "}"));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "config.json: invalid JSON: nesting deeper than 256 levels");
    // Just inside the limit, the value is still only the wrong type.
    std::string nested = std::string(250, '[') + std::string(250, ']');
    s = parse_config(config_with("\"annotations\": {\"a\": " + nested + "}"));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "annotations.a: expected string, got array");
}

// Each parse of 100 MB takes seconds and ~700 MB: three cases, not more.
TEST(HostileConfig, HundredMegabyteStrings) {
    const std::string huge(k100MB, 'x');
    // Where an object belongs: a type error, without the string in it.
    auto s = parse_config(config_with("\"linux\": \"" + huge + "\""));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "linux: expected object, got string");
    // An unterminated one: invalid JSON, in one line.
    s = parse_config(kBase + ", \"hostname\": \"" + huge);
    ASSERT_FALSE(s);
    EXPECT_TRUE(s.error().message.starts_with("config.json: invalid JSON: ")) << s.error().message.substr(0, 200);
    EXPECT_EQ(s.error().message.find('\n'), std::string::npos);
    // Where a string belongs, it is one: parsed, not truncated.
    s = parse_config(config_with("\"annotations\": {\"org.example.big\": \"" + huge + "\"}"));
    ASSERT_TRUE(s) << s.error().message.substr(0, 200);
    EXPECT_EQ(s->annotations.at("org.example.big").size(), k100MB);
    // Unless the kernel bounds it: a hostname is at most 64 bytes.
    s = parse_config(config_with("\"hostname\": \"" + huge + "\""));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, "hostname: 104857600 bytes; the kernel allows at most 64");
    // Named in an error (a relative cwd, an unknown key): quoted in part, not in full.
    for (auto member : {"\"linux\": {\"namespaces\": [{\"type\": \"" + huge + "\"}]}",
                        "\"mounts\": [{\"destination\": \"" + huge + "\"}]"}) {
        s = parse_config(config_with(member));
        ASSERT_FALSE(s);
        EXPECT_LT(s.error().message.size(), 2000u) << s.error().message.substr(0, 200);
        EXPECT_NE(s.error().message.find("bytes)"), std::string::npos) << s.error().message.substr(0, 200);
    }
}

// config.json on disk is bounded before it is parsed.
TEST(HostileConfig, HundredMegabyteFileRefusedBySize) {
    auto dir = std::filesystem::temp_directory_path() / ("moat-hostile-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto path = (dir / "config.json").string();
    {
        std::ofstream out(path, std::ios::binary);
        out << config_with("\"hostname\": \"") << std::string(k100MB, 'x') << "\"}";
    }
    auto s = load_config(path);
    std::filesystem::remove_all(dir);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, path + ": larger than 16 MiB");
}

// Every member given every JSON type: each wrong one is an error naming its path.
const std::vector<std::string> kSamples = {"null", "true", "0", "-1", "1.5", "1e400",
                                           "18446744073709551616", "\"x\"", "[]", "[1]", "{}"};

struct Member {
    std::string path;    // as errors name it
    std::string parent;  // "" top level, else the object member it goes in
    std::string key;
    int at_least_refused;  // of kSamples: those that cannot be this member's type
};

std::string config_setting(const Member& m, const std::string& value) {
    if (m.parent.empty()) return kBase + ", \"" + m.key + "\": " + value + "}";
    if (m.parent == "process")
        return R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["sh"], ")" + m.key +
               "\": " + value + "}}";
    return config_with("\"" + m.parent + "\": {\"" + m.key + "\": " + value + "}");
}

TEST(HostileConfig, TypeConfusedMembersNameTheirPath) {
    // at_least_refused: 11 samples; an object member takes only {} (and null
    // may mean absent), a string only "x", an array [] and maybe [1].
    const std::vector<Member> members = {
        {"ociVersion", "", "ociVersion", 9}, {"root", "", "root", 9},
        {"process", "", "process", 9},       {"hostname", "", "hostname", 9},
        {"mounts", "", "mounts", 8},         {"hooks", "", "hooks", 9},
        {"annotations", "", "annotations", 9}, {"linux", "", "linux", 9},
        {"process.terminal", "process", "terminal", 9}, {"process.user", "process", "user", 9},
        {"process.env", "process", "env", 8},          {"process.cwd", "process", "cwd", 9},
        {"process.capabilities", "process", "capabilities", 9},
        {"process.rlimits", "process", "rlimits", 8},  {"process.oomScoreAdj", "process", "oomScoreAdj", 7},
        {"linux.namespaces", "linux", "namespaces", 8}, {"linux.resources", "linux", "resources", 9},
        {"linux.devices", "linux", "devices", 8},      {"linux.sysctl", "linux", "sysctl", 9},
        {"linux.seccomp", "linux", "seccomp", 9},      {"linux.uidMappings", "linux", "uidMappings", 8},
        {"linux.maskedPaths", "linux", "maskedPaths", 8}, {"root.path", "root", "path", 9},
    };
    for (auto& m : members) {
        int refused = 0;
        for (auto& v : kSamples) {
            auto text = m.path.starts_with("root.") ? kBase.substr(0, kBase.find("\"root\"")) +
                                                          "\"root\": {\"path\": " + v + "}, \"process\": {\"args\": [\"sh\"]}}"
                                                    : config_setting(m, v);
            auto s = parse_config(text);
            if (s) continue;
            ++refused;
            EXPECT_NE(s.error().message.find(m.path), std::string::npos)
                << m.path << " = " << v << ": " << s.error().message;
            EXPECT_EQ(s.error().message.find('\n'), std::string::npos) << s.error().message;
        }
        EXPECT_GE(refused, m.at_least_refused) << m.path;
    }
}

TEST(HostileConfig, RootOfTheWrongType) {
    for (auto& v : kSamples) {
        if (v == "{}") continue;
        auto s = parse_config(v);
        ASSERT_FALSE(s) << v;
        EXPECT_TRUE(s.error().message.starts_with("config.json: ") || s.error().message.starts_with("expected object"))
            << v << ": " << s.error().message;
        auto p = parse_process(v);
        ASSERT_FALSE(p) << v;
    }
}

}  // namespace
}  // namespace moat::spec
