// Helpers for the spec unit tests: fixture files and a canonical JSON form
// (keys sorted, compact) so two documents can be compared for meaning.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "spec/json.hpp"

namespace moat::spec::test {

inline std::string fixture_path(const std::string& name) {
    return std::string(MOAT_SPEC_TEST_DATA) + "/" + name;
}

inline std::string read_fixture(const std::string& name) {
    std::ifstream in(fixture_path(name));
    EXPECT_TRUE(in.good()) << "missing fixture " << name;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline std::string canonical(const json::Value& v) {
    if (v.is_object()) {
        auto members = v.members().value();
        std::sort(members.begin(), members.end(),
                  [](auto& a, auto& b) { return a.first < b.first; });
        std::string out = "{";
        for (auto& [k, m] : members) {
            if (out.size() > 1) out += ",";
            json::Writer key;
            key.value(k);
            out += key.str() + ":" + canonical(m);
        }
        return out + "}";
    }
    if (v.is_array()) {
        std::string out = "[";
        auto items = v.array().value();
        for (auto& item : items) {
            if (out.size() > 1) out += ",";
            out += canonical(item);
        }
        return out + "]";
    }
    return v.raw();
}

// The canonical form of a JSON text; "" (and a test failure) if it does not parse.
inline std::string canonical(std::string_view text) {
    auto doc = json::Document::parse(text, "canonical");
    EXPECT_TRUE(doc.has_value()) << (doc ? "" : doc.error().message);
    if (!doc) return "";
    return canonical(doc->root());
}

}  // namespace moat::spec::test
