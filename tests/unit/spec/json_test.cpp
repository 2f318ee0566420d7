// moat::json: paths in errors, integer ranges, the writer's output.
#include "spec/json.hpp"

#include <gtest/gtest.h>

#include <string>

namespace moat::json {
namespace {

Document parse_ok(std::string_view text) {
    auto d = Document::parse(text, "test.json");
    EXPECT_TRUE(d.has_value()) << (d ? "" : d.error().message);
    return std::move(*d);
}

TEST(JsonParse, InvalidJsonNamesTheDocument) {
    auto d = Document::parse("{\"a\": ", "config.json");
    ASSERT_FALSE(d);
    EXPECT_TRUE(d.error().message.starts_with("config.json: invalid JSON: ")) << d.error().message;
    EXPECT_EQ(d.error().message.find('\n'), std::string::npos) << d.error().message;
}

TEST(JsonParse, DefaultWhatIsJson) {
    auto d = Document::parse("nope");
    ASSERT_FALSE(d);
    EXPECT_TRUE(d.error().message.starts_with("json: invalid JSON: ")) << d.error().message;
}

TEST(JsonParse, RejectsDuplicateKeys) {
    auto d = Document::parse(R"({"process": {"cwd": "/", "cwd": "/etc"}})", "c");
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().message, "c: invalid JSON: duplicate key \"cwd\" in process");
}

TEST(JsonParse, RejectsDeepNesting) {
    std::string deep(10000, '[');
    deep += std::string(10000, ']');
    auto d = Document::parse(deep, "c");
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().message, "c: invalid JSON: nesting deeper than 256 levels");
}

TEST(JsonParse, BracketsInsideStringsDoNotCountAsNesting) {
    std::string text = "{\"a\": \"" + std::string(1000, '[') + "\\\"" + "\"}";
    auto d = parse_ok(text);
    EXPECT_EQ(d.root().get("a")->string().value(), std::string(1000, '[') + "\"");
}

TEST(JsonParse, RejectsEmbeddedNul) {
    auto d = Document::parse(std::string_view("{}\0garbage", 10), "c");
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().message, "c: invalid JSON: NUL byte in input");
}

TEST(JsonValue, PathsOfMembersAndElements) {
    auto d = parse_ok(R"({"process": {"args": ["sh", "-c", 3]},
                          "linux": {"sysctl": {"net.ipv4.ip_forward": 1}}})");
    auto args = d.root().get("process")->get("args");
    ASSERT_TRUE(args);
    EXPECT_EQ(args->path(), "process.args");
    auto items = args->array().value();
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[2].path(), "process.args[2]");
    EXPECT_EQ(items[2].string().error().message, "process.args[2]: expected string, got integer");
    EXPECT_EQ(args->strings().error().message, "process.args[2]: expected string, got integer");

    auto sysctl = d.root().get("linux")->get("sysctl")->members().value();
    ASSERT_EQ(sysctl.size(), 1u);
    EXPECT_EQ(sysctl[0].first, "net.ipv4.ip_forward");
    EXPECT_EQ(sysctl[0].second.path(), "linux.sysctl[\"net.ipv4.ip_forward\"]");
}

TEST(JsonValue, RootPathIsEmptyAndRootErrorsHaveNoPrefix) {
    auto d = parse_ok("[1]");
    EXPECT_EQ(d.root().path(), "");
    EXPECT_EQ(d.root().members().error().message, "expected object, got array");
}

TEST(JsonValue, TypeErrorsNameBothTypes) {
    auto d = parse_ok(R"({"linux": {"resources": {"memory": {"limit": "1G"}}},
                          "a": 1.5, "b": true, "c": null, "d": {}, "e": []})");
    auto limit = d.root().get("linux")->get("resources")->get("memory")->get("limit");
    EXPECT_EQ(limit->int64().error().message,
              "linux.resources.memory.limit: expected integer, got string");
    EXPECT_EQ(d.root().get("a")->int64().error().message, "a: expected integer, got number");
    EXPECT_EQ(d.root().get("b")->string().error().message, "b: expected string, got boolean");
    EXPECT_EQ(d.root().get("c")->boolean().error().message, "c: expected boolean, got null");
    EXPECT_EQ(d.root().get("d")->array().error().message, "d: expected array, got object");
    EXPECT_EQ(d.root().get("e")->members().error().message, "e: expected object, got array");
    EXPECT_EQ(d.root().get("b")->number().error().message, "b: expected number, got boolean");
    EXPECT_EQ(d.root().get("b")->strings().error().message,
              "b: expected array of strings, got boolean");
}

TEST(JsonValue, TypeNames) {
    auto d = parse_ok(R"([1, 1.0, 1e3, "s", true, false, null, {}, []])");
    auto items = d.root().array().value();
    std::vector<std::string> names;
    for (auto& v : items) names.emplace_back(v.type_name());
    EXPECT_EQ(names, (std::vector<std::string>{"integer", "number", "number", "string", "boolean",
                                               "boolean", "null", "object", "array"}));
}

TEST(JsonValue, IntegerRanges) {
    auto d = parse_ok(R"({"neg": -1, "big": 18446744073709551615, "huge": 18446744073709551616,
                          "u32max": 4294967295, "u32over": 4294967296,
                          "i32min": -2147483648, "i32under": -2147483649,
                          "i64min": -9223372036854775808})");
    auto r = d.root();
    EXPECT_EQ(r.get("neg")->int64().value(), -1);
    EXPECT_EQ(r.get("neg")->uint64().error().message, "neg: -1 is out of range for uint64");
    EXPECT_EQ(r.get("neg")->uint32().error().message, "neg: -1 is out of range for uint32");
    EXPECT_EQ(r.get("big")->uint64().value(), 18446744073709551615ull);
    EXPECT_EQ(r.get("big")->int64().error().message,
              "big: 18446744073709551615 is out of range for int64");
    EXPECT_EQ(r.get("huge")->uint64().error().message,
              "huge: 18446744073709551616 is out of range for uint64");
    EXPECT_EQ(r.get("u32max")->uint32().value(), 4294967295u);
    EXPECT_EQ(r.get("u32over")->uint32().error().message,
              "u32over: 4294967296 is out of range for uint32");
    EXPECT_EQ(r.get("i32min")->int32().value(), -2147483648);
    EXPECT_EQ(r.get("i32under")->int32().error().message,
              "i32under: -2147483649 is out of range for int32");
    EXPECT_EQ(r.get("i64min")->int64().value(), INT64_MIN);
}

TEST(JsonValue, NumbersAcceptIntegersAndFractions) {
    auto d = parse_ok(R"([2, 2.5, -1e2])");
    auto items = d.root().array().value();
    EXPECT_EQ(items[0].number().value(), 2.0);
    EXPECT_EQ(items[1].number().value(), 2.5);
    EXPECT_EQ(items[2].number().value(), -100.0);
}

TEST(JsonValue, GetAndMembers) {
    auto d = parse_ok(R"({"b": 1, "a": 2})");
    auto m = d.root().members().value();
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].first, "b");  // document order
    EXPECT_EQ(m[1].second.path(), "a");
    EXPECT_FALSE(d.root().get("missing"));
    EXPECT_FALSE(d.root().get("b")->get("x"));  // not an object: nothing to find
}

TEST(JsonValue, NullAndKinds) {
    auto d = parse_ok(R"({"n": null, "s": "x", "o": {}, "a": []})");
    EXPECT_TRUE(d.root().get("n")->is_null());
    EXPECT_FALSE(d.root().get("s")->is_null());
    EXPECT_TRUE(d.root().get("s")->is_string());
    EXPECT_TRUE(d.root().get("o")->is_object());
    EXPECT_TRUE(d.root().get("a")->is_array());
    EXPECT_FALSE(d.root().get("o")->is_array());
}

TEST(JsonValue, RawIsCompactAndKeepsNumbersAsWritten) {
    auto d = parse_ok(R"({"x": {"b": [1, 2.50, 18446744073709551615, "s\"q"], "a": null, "t": true}})");
    EXPECT_EQ(d.root().get("x")->raw(),
              R"({"b":[1,2.50,18446744073709551615,"s\"q"],"a":null,"t":true})");
}

TEST(JsonValue, ErrorNamesPath) {
    auto d = parse_ok(R"({"mounts": [{"destination": "tmp"}]})");
    auto m = d.root().get("mounts")->array().value();
    EXPECT_EQ(m[0].get("destination")->error("not an absolute path").error().message,
              "mounts[0].destination: not an absolute path");
}

TEST(JsonWriter, CompactOutput) {
    Writer w;
    w.begin_object()
        .field("s", "x")
        .field("i", -5)
        .field("u", uint64_t{18446744073709551615ull})
        .field("b", true)
        .key("n").null()
        .key("a").begin_array().value(1).value("two").end_array()
        .key("r").raw(R"({"k": [1, 2]})")
        .end_object();
    EXPECT_EQ(w.str(),
              R"({"s":"x","i":-5,"u":18446744073709551615,"b":true,"n":null,"a":[1,"two"],"r":{"k":[1,2]}})");
}

TEST(JsonWriter, PrettyOutputIsIndentedAndParsesBack) {
    Writer w(true);
    w.begin_object().field("a", 1).key("b").begin_array().value("x").end_array().end_object();
    std::string out = w.str();
    EXPECT_NE(out.find("\n  \"a\": 1"), std::string::npos) << out;
    auto d = Document::parse(out);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->root().get("a")->int64().value(), 1);
}

TEST(JsonWriter, EscapesStrings) {
    Writer w;
    w.begin_array().value(std::string_view("q\"b\\n\n\x01/", 8)).end_array();
    EXPECT_EQ(w.str(), "[\"q\\\"b\\\\n\\n\\u0001/\"]");
}

TEST(JsonWriter, InvalidUtf8IsRepairedNotDropped) {
    Writer w;
    w.begin_object().field("k", std::string_view("a\xff" "b")).field("next", 1).end_object();
    EXPECT_EQ(w.str(), "{\"k\":\"a\xEF\xBF\xBD" "b\",\"next\":1}");
    auto d = Document::parse(w.str());
    ASSERT_TRUE(d) << d.error().message;
}

TEST(JsonWriter, ValidUtf8PassesUnchanged) {
    Writer w;
    w.begin_array().value("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80").end_array();
    EXPECT_EQ(w.str(), "[\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"]");
}

TEST(JsonWriter, DoublesAndNonFinite) {
    Writer w;
    w.begin_array().value(1.5).value(std::numeric_limits<double>::infinity()).end_array();
    EXPECT_EQ(w.str(), "[1.5,null]");
}

TEST(JsonWriter, RawThatIsNotJsonBecomesNull) {
    Writer w;
    w.begin_array().raw("{broken").value(1).end_array();
    EXPECT_EQ(w.str(), "[null,1]");
}

TEST(JsonWriter, RoundTripThroughRaw) {
    auto d = parse_ok(R"({"a": [1, {"b": "c"}], "d": -2})");
    Writer w;
    w.raw(d.root().raw());
    EXPECT_EQ(w.str(), R"({"a":[1,{"b":"c"}],"d":-2})");
}

}  // namespace
}  // namespace moat::json
