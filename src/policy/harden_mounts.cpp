// Filesystem rows of the profile: read-only root, the /tmp tmpfs, bind mounts
// (read-only unless on the writable list; dangerous sources refused), other
// mounts only of the policy's filesystem types, and the
// kernel views (masked and read-only paths, /sys and cgroupfs read-only).
#include <algorithm>

#include "paths.hpp"
#include "record.hpp"
#include "units.hpp"

namespace moat::policy {
namespace {

bool has(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

std::string describe(const spec::Mount& m) {
    std::string s = (m.type.empty() ? std::string("bind") : m.type);
    if (!m.source.empty() && m.source != m.type) s += " " + m.source;
    s += " on " + m.destination;
    if (!m.options.empty()) {
        s += " (";
        for (size_t i = 0; i < m.options.size(); ++i) s += (i ? "," : "") + m.options[i];
        s += ")";
    }
    return s;
}

std::string mode_option(uint32_t mode) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "mode=%o", mode);
    return buf;
}

spec::Mount tmp_mount(const Policy& p) {
    spec::Mount m = make_mount("/tmp", "tmpfs", "tmpfs", p.tmp.options);
    m.options.push_back(mode_option(p.tmp.mode));
    m.options.push_back("size=" + std::to_string(p.tmp.size));
    return m;
}

// An existing /tmp that is at least as strict as the profile's stays.
bool tmp_acceptable(const spec::Mount& m, const Policy& p) {
    if (m.type != "tmpfs" || is_bind(m)) return false;
    for (auto& o : p.tmp.options)
        if (!has(m.options, o)) return false;
    if (!has(m.options, mode_option(p.tmp.mode))) return false;
    for (auto& o : m.options) {
        if (!o.starts_with("size=")) continue;
        auto size = units::parse_size(std::string_view(o).substr(5));
        return size && *size > 0 && *size <= p.tmp.size;
    }
    return false;  // no size: tmpfs would take half of RAM
}

// Make a mount read-only in place; returns whether it changed.
bool make_readonly(spec::Mount& m) {
    bool changed = false;
    auto rw = std::remove(m.options.begin(), m.options.end(), "rw");
    if (rw != m.options.end()) {
        m.options.erase(rw, m.options.end());
        changed = true;
    }
    if (!has(m.options, "ro")) {
        m.options.push_back("ro");
        changed = true;
    }
    return changed;
}

}  // namespace

bool is_bind(const spec::Mount& m) {
    return m.type == "bind" || has(m.options, "bind") || has(m.options, "rbind");
}

void harden_root(spec::Spec& s, const Policy& p, Recorder& rec) {
    if (p.readonly_root && !s.root.readonly) {
        rec.change("root.readonly", "false", "true", "readonly-root");
        s.root.readonly = true;
    }
}

void harden_tmp(spec::Spec& s, const Policy& p, Recorder& rec) {
    std::vector<size_t> at;
    for (size_t i = 0; i < s.mounts.size(); ++i)
        if (paths::normalize(s.mounts[i].destination) == "/tmp") at.push_back(i);
    if (at.size() == 1 && tmp_acceptable(s.mounts[at[0]], p)) return;

    spec::Mount want = tmp_mount(p);
    if (at.empty()) {
        // Before any mount under /tmp, which the tmpfs would otherwise hide.
        size_t pos = s.mounts.size();
        for (size_t i = 0; i < s.mounts.size(); ++i)
            if (paths::same_or_under(paths::normalize(s.mounts[i].destination), "/tmp")) {
                pos = i;
                break;
            }
        rec.change("mounts[" + std::to_string(pos) + "]", show::absent(), describe(want), "tmp-tmpfs");
        s.mounts.insert(s.mounts.begin() + static_cast<long>(pos), std::move(want));
        return;
    }
    rec.change("mounts[" + std::to_string(at[0]) + "]", describe(s.mounts[at[0]]), describe(want),
               "tmp-tmpfs");
    for (size_t k = at.size(); k-- > 1;) {
        rec.change("mounts[" + std::to_string(at[k]) + "]", describe(s.mounts[at[k]]),
                   "(removed: /tmp is the profile's tmpfs)", "tmp-tmpfs");
        s.mounts.erase(s.mounts.begin() + static_cast<long>(at[k]));
    }
    s.mounts[at[0]] = std::move(want);
}

void harden_binds(spec::Spec& s, const Policy& p, Recorder& rec) {
    for (size_t i = 0; i < s.mounts.size(); ++i) {
        auto& m = s.mounts[i];
        std::string field = "mounts[" + std::to_string(i) + "]";
        if (!is_bind(m)) {
            if (!has(p.mount_types, m.type))
                rec.refuse(field + ".type", m.type.empty() ? "(none)" : m.type, "mount-types",
                           "filesystem type \"" + m.type + "\" on " + m.destination +
                               " is not on the policy's mountTypes list");
            continue;
        }
        if (auto why = refused_bind_source(m.source, p)) {
            rec.refuse(field + ".source", m.source, "dangerous-bind", *why);
            continue;
        }
        std::string dest = paths::normalize(m.destination);
        bool writable = std::any_of(p.binds.writable.begin(), p.binds.writable.end(),
                                    [&](auto& w) { return paths::same_or_under(dest, paths::normalize(w)); });
        if (writable) continue;
        auto before = m.options;
        if (make_readonly(m))
            rec.change(field + ".options", show::list(before), show::list(m.options), "readonly-binds");
    }
}

void harden_kernel_views(spec::Spec& s, const Policy& p, Recorder& rec) {
    auto add_missing = [&](std::vector<std::string>& have, const std::vector<std::string>& want,
                           const char* field, const char* rule) {
        auto before = have;
        for (auto& w : want)
            if (!has(have, w)) have.push_back(w);
        if (have != before) rec.change(field, show::list(before), show::list(have), rule);
    };
    add_missing(s.linux.masked_paths, p.masked_paths, "linux.maskedPaths", "masked-paths");
    add_missing(s.linux.readonly_paths, p.readonly_paths, "linux.readonlyPaths", "readonly-paths");

    if (!p.sys_readonly) return;
    // sysfs and cgroupfs: a writable cgroupfs is the release_agent escape.
    for (size_t i = 0; i < s.mounts.size(); ++i) {
        auto& m = s.mounts[i];
        if (is_bind(m)) continue;
        if (m.type != "sysfs" && m.type != "cgroup" && m.type != "cgroup2") continue;
        auto before = m.options;
        if (make_readonly(m))
            rec.change("mounts[" + std::to_string(i) + "].options", show::list(before),
                       show::list(m.options), "sys-readonly");
    }
}

}  // namespace moat::policy
