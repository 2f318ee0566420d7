// config.json "linux": namespaces, id mappings, devices, masked and
// read-only paths, sysctls, personality, time offsets. Resources and seccomp
// have their own files.
#include <set>

#include "spec/codec.hpp"

namespace moat::spec::codec {

Status read(const Value& v, Namespace& out) {
    static const std::vector<std::string_view> types = {"pid", "network", "mount", "ipc",
                                                     "uts", "user",    "cgroup", "time"};
    auto type = MOAT_TRY(required(v, "type"));
    MOAT_CHECK(read(type, out.type));
    MOAT_CHECK(check_one_of(type, out.type, types));
    if (auto path = member(v, "path")) {
        MOAT_CHECK(read(*path, out.path));
        if (!out.path.empty()) MOAT_CHECK(check_absolute(*path, out.path));
    }
    return {};
}

Status read(const Value& v, IdMapping& out) {
    MOAT_CHECK(required_field(v, "containerID", out.container_id));
    MOAT_CHECK(required_field(v, "hostID", out.host_id));
    MOAT_CHECK(required_field(v, "size", out.size));
    return {};
}

Status read(const Value& v, Device& out) {
    static const std::vector<std::string_view> types = {"c", "b", "u", "p"};
    auto type = MOAT_TRY(required(v, "type"));
    MOAT_CHECK(read(type, out.type));
    MOAT_CHECK(check_one_of(type, out.type, types));
    auto path = MOAT_TRY(required(v, "path"));
    MOAT_CHECK(read(path, out.path));
    MOAT_CHECK(check_absolute(path, out.path));
    // A fifo has no device number; every other kind needs both.
    if (out.type == "p") {
        MOAT_CHECK(field(v, "major", out.major));
        MOAT_CHECK(field(v, "minor", out.minor));
    } else {
        MOAT_CHECK(required_field(v, "major", out.major));
        MOAT_CHECK(required_field(v, "minor", out.minor));
    }
    MOAT_CHECK(field(v, "fileMode", out.file_mode));
    MOAT_CHECK(field(v, "uid", out.uid));
    MOAT_CHECK(field(v, "gid", out.gid));
    return {};
}

Status read(const Value& v, TimeOffset& out) {
    MOAT_CHECK(v.members());
    MOAT_CHECK(field(v, "secs", out.secs));
    MOAT_CHECK(field(v, "nanosecs", out.nanosecs));
    return {};
}

namespace {

Status read_absolute_paths(const Value& obj, std::string_view key, std::vector<std::string>& out) {
    auto list = member(obj, key);
    if (!list) return {};
    MOAT_CHECK(read(*list, out));
    auto items = MOAT_TRY(list->array());
    for (size_t i = 0; i < out.size(); ++i) MOAT_CHECK(check_absolute(items[i], out[i]));
    return {};
}

Status read_namespaces(const Value& list, std::vector<Namespace>& out) {
    MOAT_CHECK(read(list, out));
    auto items = MOAT_TRY(list.array());
    std::set<std::string> seen;
    for (size_t i = 0; i < out.size(); ++i)
        if (!seen.insert(out[i].type).second)
            return items[i].get("type")->error("duplicate namespace \"" + out[i].type + "\"");
    return {};
}

Status read_personality(const Value& v, Linux& out) {
    static const std::vector<std::string_view> domains = {"LINUX", "LINUX32"};
    MOAT_CHECK(v.members());
    if (auto domain = member(v, "domain")) {
        MOAT_CHECK(read(*domain, out.personality_domain));
        MOAT_CHECK(check_one_of(*domain, *out.personality_domain, domains));
    }
    MOAT_CHECK(field(v, "flags", out.personality_flags));
    return {};
}

}  // namespace

Status read(const Value& v, Linux& out) {
    static const std::set<std::string_view> known = {
        "namespaces", "uidMappings", "gidMappings", "devices", "cgroupsPath", "resources",
        "rootfsPropagation", "maskedPaths", "readonlyPaths", "mountLabel", "sysctl", "seccomp",
        "intelRdt", "personality", "timeOffsets"};
    static const std::vector<std::string_view> propagations = {
        "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"};
    out.extensions = MOAT_TRY(unknown_members(v, known));

    if (auto ns = member(v, "namespaces")) MOAT_CHECK(read_namespaces(*ns, out.namespaces));
    MOAT_CHECK(field(v, "uidMappings", out.uid_mappings));
    MOAT_CHECK(field(v, "gidMappings", out.gid_mappings));
    MOAT_CHECK(field(v, "devices", out.devices));
    MOAT_CHECK(field(v, "cgroupsPath", out.cgroups_path));
    MOAT_CHECK(field(v, "resources", out.resources));
    if (auto prop = member(v, "rootfsPropagation")) {
        MOAT_CHECK(read(*prop, out.rootfs_propagation));
        // "" is how Go writers say "the default"; keep it, it means nothing.
        if (!out.rootfs_propagation->empty())
            MOAT_CHECK(check_one_of(*prop, *out.rootfs_propagation, propagations));
    }
    MOAT_CHECK(read_absolute_paths(v, "maskedPaths", out.masked_paths));
    MOAT_CHECK(read_absolute_paths(v, "readonlyPaths", out.readonly_paths));
    MOAT_CHECK(field(v, "mountLabel", out.mount_label));
    MOAT_CHECK(field(v, "sysctl", out.sysctl));
    MOAT_CHECK(field(v, "seccomp", out.seccomp));
    if (auto rdt = member(v, "intelRdt")) {
        MOAT_CHECK(rdt->members());
        MOAT_CHECK(field(*rdt, "closID", out.intel_rdt_closid));
    }
    if (auto pers = member(v, "personality")) MOAT_CHECK(read_personality(*pers, out));
    MOAT_CHECK(field(v, "timeOffsets", out.time_offsets));
    return {};
}

// ---- writing ----

void write(Writer& w, const Namespace& n) {
    w.begin_object().field("type", n.type);
    if (!n.path.empty()) w.field("path", n.path);
    w.end_object();
}

void write(Writer& w, const IdMapping& m) {
    w.begin_object()
        .field("containerID", m.container_id)
        .field("hostID", m.host_id)
        .field("size", m.size)
        .end_object();
}

void write(Writer& w, const Device& d) {
    w.begin_object().field("type", d.type).field("path", d.path);
    if (d.type != "p" || d.major != 0 || d.minor != 0) w.field("major", d.major).field("minor", d.minor);
    put(w, "fileMode", d.file_mode);
    put(w, "uid", d.uid);
    put(w, "gid", d.gid);
    w.end_object();
}

void write(Writer& w, const TimeOffset& t) {
    w.begin_object().field("secs", t.secs).field("nanosecs", t.nanosecs).end_object();
}

void write(Writer& w, const Linux& l) {
    w.begin_object();
    put(w, "namespaces", l.namespaces);
    put(w, "uidMappings", l.uid_mappings);
    put(w, "gidMappings", l.gid_mappings);
    put(w, "devices", l.devices);
    put(w, "cgroupsPath", l.cgroups_path);
    put(w, "resources", l.resources);
    put(w, "rootfsPropagation", l.rootfs_propagation);
    put(w, "maskedPaths", l.masked_paths);
    put(w, "readonlyPaths", l.readonly_paths);
    put(w, "mountLabel", l.mount_label);
    put(w, "sysctl", l.sysctl);
    put(w, "seccomp", l.seccomp);
    if (l.intel_rdt_closid) w.key("intelRdt").begin_object().field("closID", *l.intel_rdt_closid).end_object();
    if (l.personality_domain || !l.personality_flags.empty()) {
        w.key("personality").begin_object();
        put(w, "domain", l.personality_domain);
        put(w, "flags", l.personality_flags);
        w.end_object();
    }
    put(w, "timeOffsets", l.time_offsets);
    put_raw_members(w, l.extensions);
    w.end_object();
}

}  // namespace moat::spec::codec
