// Where a container's cgroup lives in each hierarchy: linux.cgroupsPath
// (absolute, relative to moat's own cgroup, or the default /moat/<id>), or a
// systemd "slice:prefix:name" laid out on cgroupfs the way systemd would name
// the units. Nothing here touches the filesystem.
#include "cgroups/internal.hpp"

namespace moat::cgroups::detail {

namespace {

const char kField[] = "linux.cgroupsPath";

std::string quoted(std::string_view s) {
    std::string out(1, '"');
    out += s;
    out += '"';
    return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A single directory name of our own making (container id, unit name).
bool plain_name(std::string_view s) {
    return !s.empty() && s != "." && s != ".." && s.find('/') == s.npos && s.find('\0') == s.npos;
}

}  // namespace

std::optional<std::string> normalize(std::string_view path) {
    std::vector<std::string> parts;
    for (auto& c : split(path, '/')) {
        if (c.empty() || c == ".") continue;
        if (c == "..") {
            if (parts.empty()) return std::nullopt;  // climbs above where it started
            parts.pop_back();
            continue;
        }
        parts.push_back(c);
    }
    std::string out;
    for (auto& p : parts) out += "/" + p;
    return out.empty() ? "/" : out;
}

Result<std::string> expand_slice(std::string_view slice) {
    auto bad = [&](const char* why) {
        return fail(std::string(kField) + ": slice " + quoted(slice) + " " + why, EINVAL);
    };
    if (!ends_with(slice, ".slice")) return bad("does not end in .slice");
    if (slice.find('/') != slice.npos) return bad("contains '/'");
    if (slice == "-.slice") return std::string("/");  // systemd's root slice
    std::string_view name = slice.substr(0, slice.size() - 6);
    if (name.empty() || name.front() == '-' || name.back() == '-' || name.find("--") != name.npos)
        return bad("is not a valid slice name");
    // Each dash is a level of nesting: a-b.slice lives in a.slice.
    std::string path, prefix;
    for (auto& part : split(name, '-')) {
        prefix += part;
        path += "/" + prefix + ".slice";
        prefix += "-";
    }
    return path;
}

Result<std::string> systemd_path(std::string_view spec, std::string_view id) {
    auto parts = split(spec, ':');
    if (parts.size() != 3)
        return fail(std::string(kField) + ": " + quoted(spec) +
                        " is not of the form \"slice:prefix:name\" required by --systemd-cgroup",
                    EINVAL);
    std::string slice = parts[0].empty() ? "system.slice" : parts[0];
    std::string name = parts[2].empty() ? std::string(id) : parts[2];
    // A name that is itself a slice is used as is; anything else becomes a scope.
    std::string unit;
    if (ends_with(name, ".slice")) unit = name;
    else unit = (parts[1].empty() ? "" : parts[1] + "-") + name + ".scope";
    if (!plain_name(unit) || !plain_name(name))
        return fail(std::string(kField) + ": unit name " + quoted(unit) + " is not valid", EINVAL);
    auto parent = MOAT_TRY(expand_slice(slice));
    return join_path(parent, unit);
}

std::vector<Hierarchy> hierarchies(const Host& host) {
    std::vector<Hierarchy> out;
    if (host.layout != Layout::v2) {
        // Co-mounted controllers ("cpu,cpuacct") are one hierarchy.
        std::map<std::string, std::vector<std::string>> by_mount;
        for (auto& [ctrl, mount] : host.v1_mounts) by_mount[mount].push_back(ctrl);
        for (auto& [mount, ctrls] : by_mount) {
            Hierarchy h;
            for (auto& c : ctrls) h.key += (h.key.empty() ? "" : ",") + c;
            h.mount = mount;
            h.controllers = ctrls;
            out.push_back(std::move(h));
        }
    }
    if (host.layout != Layout::v1 && !host.unified_mount.empty())
        out.push_back(Hierarchy{"unified", host.unified_mount, {}, true});
    return out;
}

Result<std::map<std::string, std::string>> resolve(const Host& host, const Placement& placement) {
    std::string inner;
    bool relative = false;
    if (placement.systemd) {
        std::string spec = placement.path.empty() ? ":moat:" + placement.id : placement.path;
        inner = MOAT_TRY(systemd_path(spec, placement.id));
    } else if (placement.path.empty()) {
        if (!plain_name(placement.id))
            return fail("container id " + quoted(placement.id) + " cannot name a cgroup", EINVAL);
        inner = "/moat/" + placement.id;
    } else {
        auto norm = normalize(placement.path);
        if (!norm)
            return fail(std::string(kField) + ": " + quoted(placement.path) +
                            " escapes the cgroup root",
                        EINVAL);
        if (*norm == "/")
            return fail(std::string(kField) + ": " + quoted(placement.path) +
                            " is the root cgroup (or moat's own); a container needs its own",
                        EINVAL);
        inner = *norm;
        // As in runc, a relative path is relative to the cgroup moat runs in.
        relative = placement.path.front() != '/';
    }
    std::map<std::string, std::string> out;
    for (auto& h : hierarchies(host)) {
        std::string base = "/";
        if (relative) {
            auto self_key = h.v2 ? std::string("unified") : h.controllers.front();
            if (auto it = host.self.find(self_key); it != host.self.end()) base = it->second;
        }
        auto full = relative ? normalize(join_path(base, inner)) : std::optional<std::string>(inner);
        if (!full) return fail("/proc/self/cgroup: moat's own cgroup \"" + base + "\" is not a clean path", EINVAL);
        out[h.key] = *full;
    }
    if (out.empty()) return fail("no cgroup hierarchy to place the container in", ENOENT);
    return out;
}

std::string encode_paths(const std::map<std::string, std::string>& paths) {
    bool uniform = true;
    for (auto& [k, v] : paths) uniform = uniform && v == paths.begin()->second;
    if (uniform && !paths.empty()) return paths.begin()->second;
    std::string out;
    for (auto& [k, v] : paths) out += (out.empty() ? "" : ";") + k + "=" + v;
    return out;
}

Result<std::map<std::string, std::string>> decode_paths(const Host& host, std::string_view text) {
    std::map<std::string, std::string> stored;
    // A single path starts with '/'; the per-hierarchy form starts with a key.
    if (!text.empty() && text.front() == '/') {
        for (auto& h : hierarchies(host)) stored[h.key] = std::string(text);
    } else {
        for (auto& item : split(text, ';')) {
            auto eq = item.find('=');
            if (eq == std::string::npos) return fail("cgroup path " + quoted(text) + " is malformed", EINVAL);
            stored[item.substr(0, eq)] = item.substr(eq + 1);
        }
    }
    std::map<std::string, std::string> out;
    for (auto& h : hierarchies(host)) {
        auto it = stored.find(h.key);
        if (it == stored.end()) continue;
        auto norm = normalize(it->second);
        if (it->second.empty() || it->second.front() != '/' || !norm || *norm == "/")
            return fail("cgroup path " + quoted(it->second) + " is not a container's cgroup", EINVAL);
        out[h.key] = *norm;
    }
    if (out.empty()) return fail("cgroup path " + quoted(text) + " names no hierarchy of this host", ENOENT);
    return out;
}

}  // namespace moat::cgroups::detail
