// A container's cgroup across the host's hierarchies, and the routing of each
// controller to the hierarchy that serves it (v1, v2, or on hybrid hosts
// whichever of the two has it).
#include <algorithm>

#include "cgroups/internal.hpp"

namespace moat::cgroups::detail {

Cgroup make_cgroup(const Host& host, const std::map<std::string, std::string>& inner) {
    Cgroup cg;
    for (auto& h : hierarchies(host)) {
        auto it = inner.find(h.key);
        if (it == inner.end()) continue;
        cg.places.push_back(Place{h, it->second, join_path(h.mount, it->second)});
    }
    return cg;
}

const Place* Cgroup::unified() const {
    for (auto& p : places)
        if (p.hierarchy.v2) return &p;
    return nullptr;
}

std::optional<Target> Cgroup::find(std::string_view v1_name, std::string_view v2_name) const {
    for (auto& p : places) {
        auto& c = p.hierarchy.controllers;
        if (!p.hierarchy.v2 && !v1_name.empty() && std::find(c.begin(), c.end(), v1_name) != c.end())
            return Target{p.dir, false};
    }
    auto* u = unified();
    if (!u || v2_name.empty()) return std::nullopt;
    auto list = read_file(join_path(u->dir, "cgroup.controllers"));
    if (!list) list = read_file(join_path(u->hierarchy.mount, "cgroup.controllers"));
    if (!list) return std::nullopt;
    for (auto& c : split(trim(*list), ' '))
        if (c == v2_name) return Target{u->dir, true};
    return std::nullopt;
}

}  // namespace moat::cgroups::detail
