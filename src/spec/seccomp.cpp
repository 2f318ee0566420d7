// linux.seccomp: the caller's filter, checked for names libseccomp knows the
// shape of (actions, operators, architecture and flag prefixes).
#include <set>

#include "spec/codec.hpp"

namespace moat::spec::codec {

namespace {

const std::vector<std::string_view> kActions = {
    "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",       "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY"};

const std::vector<std::string_view> kOperators = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};

Status read_action(const Value& v, std::string& out) {
    MOAT_CHECK(read(v, out));
    return check_one_of(v, out, kActions);
}

Status read_prefixed(const Value& obj, std::string_view key, std::string_view prefix,
                     std::vector<std::string>& out) {
    auto list = member(obj, key);
    if (!list) return {};
    MOAT_CHECK(read(*list, out));
    auto items = MOAT_TRY(list->array());
    for (size_t i = 0; i < out.size(); ++i) MOAT_CHECK(check_prefix(items[i], out[i], prefix));
    return {};
}

}  // namespace

Status read(const Value& v, SeccompArg& out) {
    auto index = MOAT_TRY(required(v, "index"));
    MOAT_CHECK(read(index, out.index));
    if (out.index > 5) return index.error(std::to_string(out.index) + " is not a syscall argument index (0..5)");
    MOAT_CHECK(required_field(v, "value", out.value));
    MOAT_CHECK(field(v, "valueTwo", out.value_two));
    auto op = MOAT_TRY(required(v, "op"));
    MOAT_CHECK(read(op, out.op));
    MOAT_CHECK(check_one_of(op, out.op, kOperators));
    return {};
}

Status read(const Value& v, SeccompSyscall& out) {
    auto names = MOAT_TRY(required(v, "names"));
    MOAT_CHECK(read(names, out.names));
    if (out.names.empty()) return names.error("must not be empty");
    MOAT_CHECK(read_action(MOAT_TRY(required(v, "action")), out.action));
    MOAT_CHECK(field(v, "errnoRet", out.errno_ret));
    MOAT_CHECK(field(v, "args", out.args));
    return {};
}

Status read(const Value& v, Seccomp& out) {
    MOAT_CHECK(read_action(MOAT_TRY(required(v, "defaultAction")), out.default_action));
    MOAT_CHECK(field(v, "defaultErrnoRet", out.default_errno_ret));
    MOAT_CHECK(read_prefixed(v, "architectures", "SCMP_ARCH_", out.architectures));
    MOAT_CHECK(read_prefixed(v, "flags", "SECCOMP_FILTER_FLAG_", out.flags));
    MOAT_CHECK(field(v, "listenerPath", out.listener_path));
    MOAT_CHECK(field(v, "listenerMetadata", out.listener_metadata));
    MOAT_CHECK(field(v, "syscalls", out.syscalls));
    return {};
}

void write(Writer& w, const SeccompArg& a) {
    w.begin_object().field("index", a.index).field("value", a.value);
    if (a.value_two != 0) w.field("valueTwo", a.value_two);
    w.field("op", a.op).end_object();
}

void write(Writer& w, const SeccompSyscall& s) {
    w.begin_object();
    put_always(w, "names", s.names);
    w.field("action", s.action);
    put(w, "errnoRet", s.errno_ret);
    put(w, "args", s.args);
    w.end_object();
}

void write(Writer& w, const Seccomp& s) {
    w.begin_object().field("defaultAction", s.default_action);
    put(w, "defaultErrnoRet", s.default_errno_ret);
    put(w, "architectures", s.architectures);
    put(w, "flags", s.flags);
    put(w, "listenerPath", s.listener_path);
    put(w, "listenerMetadata", s.listener_metadata);
    put(w, "syscalls", s.syscalls);
    w.end_object();
}

}  // namespace moat::spec::codec
