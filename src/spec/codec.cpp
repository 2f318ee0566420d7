// The shared pieces of the spec codec: member lookup, scalar readers and
// writers, and the impossible-value checks every struct reader uses.
#include "spec/codec.hpp"

#include <limits>

namespace moat::spec::codec {

std::optional<Value> member(const Value& obj, std::string_view key) {
    auto v = obj.get(key);
    if (!v || v->is_null()) return std::nullopt;  // OCI writers use null for "not set"
    return v;
}

Result<Value> required(const Value& obj, std::string_view key) {
    if (!obj.is_object()) return obj.error("expected object, got " + std::string(obj.type_name()));
    if (auto v = member(obj, key)) return *v;
    std::string path = obj.path().empty() ? std::string(key) : obj.path() + "." + std::string(key);
    return fail(path + ": required");
}

Result<std::map<std::string, std::string>> unknown_members(
    const Value& obj, const std::set<std::string_view>& known) {
    std::map<std::string, std::string> out;
    for (auto& [k, v] : MOAT_TRY(obj.members()))
        if (!known.contains(k) && !v.is_null()) out.emplace(k, v.raw());
    return out;
}

namespace {
std::string quoted(const std::string& s) { return "\"" + s + "\""; }
}  // namespace

Status check_absolute(const Value& v, const std::string& path) {
    if (path.empty() || path.front() != '/')
        return v.error(quoted(path) + " is not an absolute path");
    return {};
}

Status check_one_of(const Value& v, const std::string& s, const std::vector<std::string_view>& allowed) {
    for (auto a : allowed)
        if (a == s) return {};
    std::string list;
    for (auto a : allowed) {
        if (!list.empty()) list += ' ';
        list += a;
    }
    return v.error(quoted(s) + " is not one of " + list);
}

Status check_prefix(const Value& v, const std::string& s, std::string_view prefix) {
    bool ok = s.size() > prefix.size() && s.starts_with(prefix);
    for (size_t i = prefix.size(); ok && i < s.size(); ++i) {
        char c = s[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }
    if (!ok) return v.error(quoted(s) + " is not of the form " + std::string(prefix) + "*");
    return {};
}

// ---- scalar readers ----

Status read(const Value& v, std::string& out) {
    out = MOAT_TRY(v.string());
    return {};
}

Status read(const Value& v, bool& out) {
    out = MOAT_TRY(v.boolean());
    return {};
}

Status read(const Value& v, int32_t& out) {
    out = MOAT_TRY(v.int32());
    return {};
}

Status read(const Value& v, int64_t& out) {
    out = MOAT_TRY(v.int64());
    return {};
}

Status read(const Value& v, uint16_t& out) {
    uint32_t n = MOAT_TRY(v.uint32());
    if (n > std::numeric_limits<uint16_t>::max())
        return v.error(std::to_string(n) + " is out of range for uint16");
    out = static_cast<uint16_t>(n);
    return {};
}

Status read(const Value& v, uint32_t& out) {
    out = MOAT_TRY(v.uint32());
    return {};
}

Status read(const Value& v, uint64_t& out) {
    out = MOAT_TRY(v.uint64());
    return {};
}

// ---- scalar writers ----

void write(Writer& w, const std::string& s) { w.value(s); }
void write(Writer& w, bool b) { w.value(b); }
void write(Writer& w, int32_t n) { w.value(static_cast<int64_t>(n)); }
void write(Writer& w, int64_t n) { w.value(n); }
void write(Writer& w, uint16_t n) { w.value(static_cast<uint64_t>(n)); }
void write(Writer& w, uint32_t n) { w.value(static_cast<uint64_t>(n)); }
void write(Writer& w, uint64_t n) { w.value(n); }

void put_raw_members(Writer& w, const std::map<std::string, std::string>& members) {
    for (auto& [k, text] : members) {
        w.key(k);
        w.raw(text);
    }
}

}  // namespace moat::spec::codec
