// Namespaces: the profile's namespaces are always new. A request to join one
// by path (the host's, another container's) is replaced by a new one. The
// network namespace follows the network mode: none/loopback make a new empty
// one; allowlist keeps the engine's (its traffic is filtered) and refuses the
// host's; host leaves the config alone.
#include <algorithm>

#include "record.hpp"

namespace moat::policy {
namespace {

void require_new(spec::Spec& s, const std::string& type, Recorder& rec) {
    auto& ns = s.linux.namespaces;
    for (size_t i = 0; i < ns.size(); ++i) {
        if (ns[i].type != type) continue;
        if (!ns[i].path.empty()) {
            rec.change("linux.namespaces[" + std::to_string(i) + "].path", ns[i].path,
                       "(new " + type + " namespace)", "namespaces");
            ns[i].path.clear();
        }
        return;
    }
    rec.change("linux.namespaces[" + std::to_string(ns.size()) + "]",
               "(absent: shares the host's " + type + " namespace)", "(new " + type + " namespace)",
               "namespaces");
    ns.push_back({type, ""});
}

}  // namespace

void harden_namespaces(spec::Spec& s, const Policy& p, Recorder& rec) {
    for (auto& type : p.namespaces)
        if (type != "network") require_new(s, type, rec);

    switch (p.network.mode) {
        case NetworkMode::none:
        case NetworkMode::loopback:
            require_new(s, "network", rec);
            break;
        case NetworkMode::allowlist:
            if (!s.linux.find_namespace("network"))
                rec.refuse("linux.namespaces", "(no network namespace)", "network-allowlist",
                           "an egress allowlist needs a network namespace to filter; the config "
                           "shares the host's network");
            break;
        case NetworkMode::host:
            break;
    }
}

}  // namespace moat::policy
