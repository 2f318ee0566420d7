// moat's JSON toolkit over yajl: a parsed document whose values know their
// JSON path (so every type error names it), and a writer. The spec module uses
// it for config/state/process; policy files and receipts use it too, so that
// yajl stays behind this one header.
//
//   auto doc = MOAT_TRY(json::Document::parse(text, "policy.json"));
//   json::Value root = doc.root();            // path "": errors carry no prefix
//   if (auto v = root.get("limits"))           // nullopt when absent
//       for (auto& [key, item] : MOAT_TRY(v->members()))
//           uint64_t n = MOAT_TRY(item.uint64());  // "limits.pids: expected integer, got string"
//
//   json::Writer w(/*pretty=*/true);
//   w.begin_object().field("id", id).key("args").begin_array().value("sh").end_array().end_object();
//   std::string text = w.str();
//
// Values borrow from their Document: keep it alive while using them. Parsing
// refuses duplicate keys, NUL bytes and nesting deeper than 256 levels. Keys
// that are not plain identifiers appear quoted in paths: sysctl["net.ipv4.ip_forward"].
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moat/error.hpp"

typedef struct yajl_val_s* yajl_val;
typedef struct yajl_gen_t* yajl_gen;

namespace moat::json {

class Value;

// Owns a yajl tree.
class Document {
public:
    // Errors read "<what>: invalid JSON: <yajl's message>".
    static Result<Document> parse(std::string_view text, std::string_view what = "json");
    Document(Document&&) noexcept;
    Document& operator=(Document&&) noexcept;
    Document(const Document&) = delete;
    ~Document();
    Value root() const;

private:
    friend class Writer;  // Writer::raw re-emits a parsed tree
    explicit Document(yajl_val v) : tree_(v) {}
    yajl_val tree_ = nullptr;
};

// A borrowed view of one node plus its path ("linux.resources.memory.limit",
// "process.args[2]"). Accessors fail with "<path>: expected <type>, got <type>".
class Value {
public:
    Value(yajl_val v, std::string path) : v_(v), path_(std::move(path)) {}

    const std::string& path() const { return path_; }
    std::string_view type_name() const;  // "string", "integer", "number", "object", ...

    bool is_null() const;
    bool is_object() const;
    bool is_array() const;
    bool is_string() const;

    Result<std::string> string() const;
    Result<int64_t> int64() const;
    Result<uint64_t> uint64() const;           // negative: error
    Result<uint32_t> uint32() const;           // out of range: error
    Result<int32_t> int32() const;
    Result<double> number() const;
    Result<bool> boolean() const;
    Result<std::vector<Value>> array() const;  // elements with paths "x[0]"...
    Result<std::vector<std::string>> strings() const;  // array of strings
    // Object members in document order, with paths "x.key".
    Result<std::vector<std::pair<std::string, Value>>> members() const;
    // Member lookup; nullopt when absent (or when this is not an object).
    std::optional<Value> get(std::string_view key) const;

    // Re-serialise this node as compact JSON (for keeping unknown fields).
    std::string raw() const;

    // An error that names this value's path: "<path>: <message>".
    std::unexpected<Error> error(std::string_view message) const;

private:
    yajl_val v_;
    std::string path_;
};

// Streaming writer; values must be emitted in valid order (as with yajl_gen).
class Writer {
public:
    explicit Writer(bool pretty = false);
    ~Writer();
    Writer(const Writer&) = delete;

    Writer& begin_object();
    Writer& end_object();
    Writer& begin_array();
    Writer& end_array();
    Writer& key(std::string_view k);
    Writer& value(std::string_view s);
    Writer& value(const char* s) { return value(std::string_view(s)); }
    Writer& value(const std::string& s) { return value(std::string_view(s)); }
    Writer& value(int64_t n);
    Writer& value(uint64_t n);
    Writer& value(int n) { return value(static_cast<int64_t>(n)); }
    Writer& value(unsigned n) { return value(static_cast<uint64_t>(n)); }
    Writer& value(long long n) { return value(static_cast<int64_t>(n)); }
    Writer& value(unsigned long long n) { return value(static_cast<uint64_t>(n)); }
    Writer& value(double d);
    Writer& value(bool b);
    Writer& null();
    // Splice already-serialised JSON text in value position.
    Writer& raw(std::string_view json);
    // Convenience: key + value.
    template <class T>
    Writer& field(std::string_view k, const T& v) { key(k); return value(v); }

    std::string str() const;

private:
    friend class Value;  // Value::raw emits through a Writer's generator
    yajl_gen g_;
};

}  // namespace moat::json
