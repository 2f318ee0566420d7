// yajl behind moat::json: parsing with yajl_tree, writing with yajl_gen.
#include "spec/json.hpp"

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace moat::json {

namespace {

// yajl_tree builds and frees trees recursively, so a hostile "[[[[…" could
// exhaust the stack; no real config nests anywhere near this deep.
constexpr int kMaxDepth = 256;

// Depth of the deepest nesting in text, ignoring brackets inside strings.
int nesting_depth(std::string_view text) {
    int depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') in_string = true;
        else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
        else if (c == ']' || c == '}') --depth;
    }
    return deepest;
}

// yajl follows its message with a picture of the input; the first line says it.
std::string first_line(const char* msg) {
    std::string s(msg);
    if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
    while (!s.empty() && (s.back() == ' ' || s.back() == '.')) s.pop_back();
    return s;
}

// The path of an object member: "a.b" for plain keys; keys that would make a
// dotted path ambiguous (sysctl names, annotations) are quoted: a["x.y"].
std::string member_path(const std::string& parent, std::string_view key) {
    bool plain = !key.empty();
    for (char c : key) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) { plain = false; break; }
    }
    if (plain) return parent.empty() ? std::string(key) : parent + "." + std::string(key);
    std::string quoted = "[\"";
    for (char c : key) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c;
    }
    return parent + quoted + "\"]";
}

// Duplicate keys make a document mean different things to different readers
// (yajl keeps both; Go keeps the last); refuse them.
std::optional<std::string> find_duplicate_key(yajl_val v, const std::string& path) {
    if (YAJL_IS_OBJECT(v)) {
        auto& o = v->u.object;
        for (size_t i = 0; i < o.len; ++i) {
            for (size_t j = 0; j < i; ++j)
                if (std::string_view(o.keys[i]) == o.keys[j])
                    return "duplicate key \"" + std::string(o.keys[i]) + "\"" +
                           (path.empty() ? std::string() : " in " + path);
            if (auto d = find_duplicate_key(o.values[i], member_path(path, o.keys[i]))) return d;
        }
    } else if (YAJL_IS_ARRAY(v)) {
        for (size_t i = 0; i < v->u.array.len; ++i)
            if (auto d = find_duplicate_key(v->u.array.values[i],
                                            path + "[" + std::to_string(i) + "]"))
                return d;
    }
    return std::nullopt;
}

// A number written without fraction or exponent is an integer, whatever its size.
bool lexically_integer(yajl_val v) {
    for (const char* p = v->u.number.r; *p; ++p)
        if (*p == '.' || *p == 'e' || *p == 'E') return false;
    return true;
}

// Emit a yajl tree node through a generator; numbers go out as written.
void emit(yajl_gen g, yajl_val v) {
    if (v == nullptr) { yajl_gen_null(g); return; }
    switch (v->type) {
    case yajl_t_string:
        yajl_gen_string(g, reinterpret_cast<const unsigned char*>(v->u.string),
                        std::strlen(v->u.string));
        break;
    case yajl_t_number:
        yajl_gen_number(g, v->u.number.r, std::strlen(v->u.number.r));
        break;
    case yajl_t_object:
        yajl_gen_map_open(g);
        for (size_t i = 0; i < v->u.object.len; ++i) {
            const char* k = v->u.object.keys[i];
            yajl_gen_string(g, reinterpret_cast<const unsigned char*>(k), std::strlen(k));
            emit(g, v->u.object.values[i]);
        }
        yajl_gen_map_close(g);
        break;
    case yajl_t_array:
        yajl_gen_array_open(g);
        for (size_t i = 0; i < v->u.array.len; ++i) emit(g, v->u.array.values[i]);
        yajl_gen_array_close(g);
        break;
    case yajl_t_true: yajl_gen_bool(g, 1); break;
    case yajl_t_false: yajl_gen_bool(g, 0); break;
    default: yajl_gen_null(g); break;
    }
}

// Replace each byte that is not part of valid UTF-8 with U+FFFD, so that the
// writer can always produce valid JSON from whatever bytes it is handed.
std::string sanitize_utf8(std::string_view s) {
    std::string out;
    size_t i = 0;
    auto cont = [&](size_t k) {
        return k < s.size() && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80;
    };
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        bool ok = n > 0;
        for (size_t k = 1; ok && k < n; ++k) ok = cont(i + k);
        if (ok) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

std::string describe_range(const std::string& path, const char* text, const char* type) {
    return (path.empty() ? std::string() : path + ": ") + text + " is out of range for " + type;
}

}  // namespace

// ---- Document ----

Result<Document> Document::parse(std::string_view text, std::string_view what) {
    std::string prefix = std::string(what) + ": invalid JSON: ";
    if (text.find('\0') != std::string_view::npos) return fail(prefix + "NUL byte in input");
    if (nesting_depth(text) > kMaxDepth)
        return fail(prefix + "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    std::string copy(text);  // yajl_tree wants a NUL-terminated string
    char err[512] = {};
    yajl_val tree = yajl_tree_parse(copy.c_str(), err, sizeof err);
    if (tree == nullptr) return fail(prefix + (err[0] ? first_line(err) : "parse error"));
    Document doc(tree);
    if (auto dup = find_duplicate_key(tree, "")) return fail(prefix + *dup);
    return doc;
}

Document::Document(Document&& o) noexcept : tree_(std::exchange(o.tree_, nullptr)) {}

Document& Document::operator=(Document&& o) noexcept {
    if (this != &o) {
        yajl_tree_free(tree_);
        tree_ = std::exchange(o.tree_, nullptr);
    }
    return *this;
}

Document::~Document() { yajl_tree_free(tree_); }

Value Document::root() const { return Value(tree_, ""); }

// ---- Value ----

std::string_view Value::type_name() const {
    if (v_ == nullptr) return "nothing";
    switch (v_->type) {
    case yajl_t_string: return "string";
    case yajl_t_number: return lexically_integer(v_) ? "integer" : "number";
    case yajl_t_object: return "object";
    case yajl_t_array: return "array";
    case yajl_t_true:
    case yajl_t_false: return "boolean";
    case yajl_t_null: return "null";
    default: return "unknown";
    }
}

bool Value::is_null() const { return v_ == nullptr || YAJL_IS_NULL(v_); }
bool Value::is_object() const { return YAJL_IS_OBJECT(v_); }
bool Value::is_array() const { return YAJL_IS_ARRAY(v_); }
bool Value::is_string() const { return YAJL_IS_STRING(v_); }

namespace {
// Errors quote what was wrong; a 100 MB key or value is cut, not repeated.
std::string clipped(std::string_view text, size_t max = 512) {
    if (text.size() <= max) return std::string(text);
    return std::string(text.substr(0, max)) + "... (" + std::to_string(text.size()) + " bytes)";
}
}  // namespace

std::unexpected<Error> Value::error(std::string_view message) const {
    if (path_.empty()) return fail(clipped(message));
    return fail(clipped(path_) + ": " + clipped(message));
}

namespace {
std::unexpected<Error> type_error(const Value& v, std::string_view expected) {
    return v.error("expected " + std::string(expected) + ", got " + std::string(v.type_name()));
}
}  // namespace

Result<std::string> Value::string() const {
    if (!is_string()) return type_error(*this, "string");
    return std::string(v_->u.string);
}

Result<int64_t> Value::int64() const {
    if (!YAJL_IS_NUMBER(v_) || !lexically_integer(v_)) return type_error(*this, "integer");
    // Read the text: yajl's own integer parser refuses INT64_MIN.
    const char* text = v_->u.number.r;
    int64_t n = 0;
    auto end = text + std::strlen(text);
    auto [p, ec] = std::from_chars(text, end, n);
    if (ec != std::errc() || p != end) return fail(describe_range(path_, text, "int64"));
    return n;
}

Result<uint64_t> Value::uint64() const {
    if (!YAJL_IS_NUMBER(v_) || !lexically_integer(v_)) return type_error(*this, "integer");
    // Values above INT64_MAX (seccomp masks) do not fit yajl's long long, so
    // read the number's text ourselves.
    const char* text = v_->u.number.r;
    uint64_t n = 0;
    auto end = text + std::strlen(text);
    auto [p, ec] = std::from_chars(text, end, n);
    if (text[0] == '-' || ec != std::errc() || p != end)
        return fail(describe_range(path_, text, "uint64"));
    return n;
}

Result<uint32_t> Value::uint32() const {
    auto n = uint64();
    if (!n) {
        if (YAJL_IS_NUMBER(v_) && lexically_integer(v_))
            return fail(describe_range(path_, v_->u.number.r, "uint32"));
        return std::unexpected(n.error());
    }
    if (*n > std::numeric_limits<uint32_t>::max())
        return fail(describe_range(path_, v_->u.number.r, "uint32"));
    return static_cast<uint32_t>(*n);
}

Result<int32_t> Value::int32() const {
    auto n = int64();
    if (!n) {
        if (YAJL_IS_NUMBER(v_) && lexically_integer(v_))
            return fail(describe_range(path_, v_->u.number.r, "int32"));
        return std::unexpected(n.error());
    }
    if (*n < std::numeric_limits<int32_t>::min() || *n > std::numeric_limits<int32_t>::max())
        return fail(describe_range(path_, v_->u.number.r, "int32"));
    return static_cast<int32_t>(*n);
}

Result<double> Value::number() const {
    if (!YAJL_IS_NUMBER(v_)) return type_error(*this, "number");
    if (YAJL_IS_DOUBLE(v_)) return v_->u.number.d;
    if (YAJL_IS_INTEGER(v_)) return static_cast<double>(v_->u.number.i);
    return fail(describe_range(path_, v_->u.number.r, "double"));
}

Result<bool> Value::boolean() const {
    if (YAJL_IS_TRUE(v_)) return true;
    if (YAJL_IS_FALSE(v_)) return false;
    return type_error(*this, "boolean");
}

Result<std::vector<Value>> Value::array() const {
    if (!is_array()) return type_error(*this, "array");
    std::vector<Value> out;
    out.reserve(v_->u.array.len);
    for (size_t i = 0; i < v_->u.array.len; ++i)
        out.emplace_back(v_->u.array.values[i], path_ + "[" + std::to_string(i) + "]");
    return out;
}

Result<std::vector<std::string>> Value::strings() const {
    auto items = array();
    if (!items) return type_error(*this, "array of strings");
    std::vector<std::string> out;
    out.reserve(items->size());
    for (auto& item : *items) out.push_back(MOAT_TRY(item.string()));
    return out;
}

Result<std::vector<std::pair<std::string, Value>>> Value::members() const {
    if (!is_object()) return type_error(*this, "object");
    std::vector<std::pair<std::string, Value>> out;
    out.reserve(v_->u.object.len);
    for (size_t i = 0; i < v_->u.object.len; ++i) {
        const char* k = v_->u.object.keys[i];
        out.emplace_back(k, Value(v_->u.object.values[i], member_path(path_, k)));
    }
    return out;
}

std::optional<Value> Value::get(std::string_view key) const {
    if (!is_object()) return std::nullopt;
    for (size_t i = 0; i < v_->u.object.len; ++i)
        if (key == v_->u.object.keys[i])
            return Value(v_->u.object.values[i], member_path(path_, key));
    return std::nullopt;
}

std::string Value::raw() const {
    Writer w;
    emit(w.g_, v_);
    return w.str();
}

// ---- Writer ----

Writer::Writer(bool pretty) : g_(yajl_gen_alloc(nullptr)) {
    if (pretty) {
        yajl_gen_config(g_, yajl_gen_beautify, 1);
        yajl_gen_config(g_, yajl_gen_indent_string, "  ");
    }
    yajl_gen_config(g_, yajl_gen_validate_utf8, 1);
}

Writer::~Writer() { yajl_gen_free(g_); }

Writer& Writer::begin_object() { yajl_gen_map_open(g_); return *this; }
Writer& Writer::end_object() { yajl_gen_map_close(g_); return *this; }
Writer& Writer::begin_array() { yajl_gen_array_open(g_); return *this; }
Writer& Writer::end_array() { yajl_gen_array_close(g_); return *this; }
Writer& Writer::key(std::string_view k) { return value(k); }

Writer& Writer::value(std::string_view s) {
    auto st = yajl_gen_string(g_, reinterpret_cast<const unsigned char*>(s.data()), s.size());
    if (st == yajl_gen_invalid_string) {
        // yajl refused the bytes without emitting anything; send a repaired copy.
        std::string fixed = sanitize_utf8(s);
        yajl_gen_string(g_, reinterpret_cast<const unsigned char*>(fixed.data()), fixed.size());
    }
    return *this;
}

Writer& Writer::value(int64_t n) {
    yajl_gen_integer(g_, static_cast<long long>(n));
    return *this;
}

Writer& Writer::value(uint64_t n) {
    // yajl_gen_integer takes a signed long long; write large values as text.
    std::string text = std::to_string(n);
    yajl_gen_number(g_, text.data(), text.size());
    return *this;
}

Writer& Writer::value(double d) {
    // NaN and infinities have no JSON form.
    if (yajl_gen_double(g_, d) == yajl_gen_invalid_number) yajl_gen_null(g_);
    return *this;
}

Writer& Writer::value(bool b) { yajl_gen_bool(g_, b ? 1 : 0); return *this; }
Writer& Writer::null() { yajl_gen_null(g_); return *this; }

Writer& Writer::raw(std::string_view json) {
    // Re-emit through the generator so commas, indentation and validity hold;
    // text that is not JSON becomes null rather than corrupting the output.
    auto doc = Document::parse(json);
    if (!doc) return null();
    emit(g_, doc->tree_);
    return *this;
}

std::string Writer::str() const {
    const unsigned char* buf = nullptr;
    size_t len = 0;
    if (yajl_gen_get_buf(g_, &buf, &len) != yajl_gen_status_ok) return {};
    return std::string(reinterpret_cast<const char*>(buf), len);
}

}  // namespace moat::json
