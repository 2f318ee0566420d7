// Internal to src/spec/: reading OCI JSON objects into spec structs and
// writing them back. One read()/write() overload per struct, each defined in
// the file of its concern (process.cpp, linux.cpp, resources.cpp, seccomp.cpp,
// config.cpp) and all declared here, ahead of the templates that call them;
// the generic helpers below make "optional member", "array of X" and
// "map of X" one line each.
//
// Reading rules, shared by every overload: a member that is absent or JSON
// null leaves the target untouched; a wrong type is an error naming the path;
// a member required by the spec is an error "<path>: required" when missing.
// Unknown members are kept verbatim where new spec versions add things (the
// top level, process, linux: their `extensions`) and ignored elsewhere, as
// every runtime does; nothing moat does not understand is ever applied.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "moat/spec.hpp"
#include "spec/json.hpp"

namespace moat::spec::codec {

using json::Value;
using json::Writer;

// ---- reading ----

// A member that is present and not null.
std::optional<Value> member(const Value& obj, std::string_view key);
// A member that must be present (and not null): "<path>.<key>: required".
Result<Value> required(const Value& obj, std::string_view key);

// The object's members whose names are not in `known`, as verbatim JSON text.
Result<std::map<std::string, std::string>> unknown_members(const Value& obj,
                                                           const std::set<std::string_view>& known);

// Impossible-value checks; errors read "<path>: <why>".
Status check_absolute(const Value& v, const std::string& path);
Status check_one_of(const Value& v, const std::string& s, const std::vector<std::string_view>& allowed);
Status check_prefix(const Value& v, const std::string& s, std::string_view prefix);

Status read(const Value& v, std::string& out);
Status read(const Value& v, bool& out);
Status read(const Value& v, int32_t& out);
Status read(const Value& v, int64_t& out);
Status read(const Value& v, uint16_t& out);
Status read(const Value& v, uint32_t& out);
Status read(const Value& v, uint64_t& out);

Status read(const Value& v, User& out);
Status read(const Value& v, Capabilities& out);
Status read(const Value& v, Rlimit& out);
Status read(const Value& v, ConsoleSize& out);
Status read(const Value& v, Process& out);
Status read(const Value& v, IdMapping& out);
Status read(const Value& v, Mount& out);
Status read(const Value& v, Hook& out);
Status read(const Value& v, Hooks& out);
Status read(const Value& v, Namespace& out);
Status read(const Value& v, Device& out);
Status read(const Value& v, TimeOffset& out);
Status read(const Value& v, Linux& out);
Status read(const Value& v, DeviceCgroup& out);
Status read(const Value& v, Memory& out);
Status read(const Value& v, Cpu& out);
Status read(const Value& v, Pids& out);
Status read(const Value& v, WeightDevice& out);
Status read(const Value& v, ThrottleDevice& out);
Status read(const Value& v, BlockIO& out);
Status read(const Value& v, HugepageLimit& out);
Status read(const Value& v, NetworkPriority& out);
Status read(const Value& v, Network& out);
Status read(const Value& v, Rdma& out);
Status read(const Value& v, Resources& out);
Status read(const Value& v, SeccompArg& out);
Status read(const Value& v, SeccompSyscall& out);
Status read(const Value& v, Seccomp& out);

template <class T>
Status read(const Value& v, std::optional<T>& out) {
    T t{};
    MOAT_CHECK(read(v, t));
    out = std::move(t);
    return {};
}

template <class T>
Status read(const Value& v, std::vector<T>& out) {
    auto items = MOAT_TRY(v.array());
    std::vector<T> result(items.size());
    for (size_t i = 0; i < items.size(); ++i) MOAT_CHECK(read(items[i], result[i]));
    out = std::move(result);
    return {};
}

template <class T>
Status read(const Value& v, std::map<std::string, T>& out) {
    auto members = MOAT_TRY(v.members());
    std::map<std::string, T> result;
    for (auto& [k, item] : members) MOAT_CHECK(read(item, result[k]));
    out = std::move(result);
    return {};
}

// Read an optional member into out; absent or null leaves out as it was.
template <class T>
Status field(const Value& obj, std::string_view key, T& out) {
    if (auto v = member(obj, key)) return read(*v, out);
    return {};
}

// Read a required member into out.
template <class T>
Status required_field(const Value& obj, std::string_view key, T& out) {
    auto v = MOAT_TRY(required(obj, key));
    return read(v, out);
}

// ---- writing ----

void write(Writer& w, const std::string& s);
void write(Writer& w, bool b);
void write(Writer& w, int32_t n);
void write(Writer& w, int64_t n);
void write(Writer& w, uint16_t n);
void write(Writer& w, uint32_t n);
void write(Writer& w, uint64_t n);

void write(Writer& w, const User& u);
void write(Writer& w, const Capabilities& c);
void write(Writer& w, const Rlimit& r);
void write(Writer& w, const ConsoleSize& c);
void write(Writer& w, const Process& p);
void write(Writer& w, const IdMapping& m);
void write(Writer& w, const Mount& m);
void write(Writer& w, const Hook& h);
void write(Writer& w, const Hooks& h);
void write(Writer& w, const Namespace& n);
void write(Writer& w, const Device& d);
void write(Writer& w, const TimeOffset& t);
void write(Writer& w, const Linux& l);
void write(Writer& w, const DeviceCgroup& d);
void write(Writer& w, const Memory& m);
void write(Writer& w, const Cpu& c);
void write(Writer& w, const Pids& p);
void write(Writer& w, const WeightDevice& d);
void write(Writer& w, const ThrottleDevice& d);
void write(Writer& w, const BlockIO& b);
void write(Writer& w, const HugepageLimit& h);
void write(Writer& w, const NetworkPriority& p);
void write(Writer& w, const Network& n);
void write(Writer& w, const Rdma& r);
void write(Writer& w, const Resources& r);
void write(Writer& w, const SeccompArg& a);
void write(Writer& w, const SeccompSyscall& s);
void write(Writer& w, const Seccomp& s);

template <class T>
void write(Writer& w, const std::vector<T>& items) {
    w.begin_array();
    for (auto& item : items) write(w, item);
    w.end_array();
}

template <class T>
void write(Writer& w, const std::map<std::string, T>& items) {
    w.begin_object();
    for (auto& [k, item] : items) {
        w.key(k);
        write(w, item);
    }
    w.end_object();
}

// Writers of optional members: nothing for absent/empty, "key": value otherwise.
template <class T>
void put(Writer& w, std::string_view key, const std::optional<T>& v) {
    if (!v) return;
    w.key(key);
    write(w, *v);
}

template <class T>
void put(Writer& w, std::string_view key, const std::vector<T>& v) {
    if (v.empty()) return;
    w.key(key);
    write(w, v);
}

template <class T>
void put(Writer& w, std::string_view key, const std::map<std::string, T>& v) {
    if (v.empty()) return;
    w.key(key);
    write(w, v);
}

// Always written.
template <class T>
void put_always(Writer& w, std::string_view key, const T& v) {
    w.key(key);
    write(w, v);
}

// Extensions: members kept as JSON text, spliced back verbatim.
void put_raw_members(Writer& w, const std::map<std::string, std::string>& members);

}  // namespace moat::spec::codec
