// Namespaces: the profile's namespaces are always new. A request to join one
// by path (the host's, another container's) is replaced by a new one. The
// network namespace follows the network mode: none/loopback make a new empty
// one; allowlist keeps the engine's (its traffic is filtered) and refuses the
// host's; host leaves the config alone. A replaced UTS namespace gets a
// hostname, so the host's name does not show through.
#include <algorithm>
#include <string_view>

#include "record.hpp"

namespace moat::policy {
namespace {

// Returns true when a request to join a namespace by path was replaced.
bool require_new(spec::Spec& s, const std::string& type, Recorder& rec) {
    auto& ns = s.linux.namespaces;
    for (size_t i = 0; i < ns.size(); ++i) {
        if (ns[i].type != type) continue;
        if (ns[i].path.empty()) return false;
        rec.change("linux.namespaces[" + std::to_string(i) + "].path", ns[i].path,
                   "(new " + type + " namespace)", "namespaces");
        ns[i].path.clear();
        return true;
    }
    rec.change("linux.namespaces[" + std::to_string(ns.size()) + "]",
               "(absent: shares the host's " + type + " namespace)", "(new " + type + " namespace)",
               "namespaces");
    ns.push_back({type, ""});
    return false;
}

bool plain_hostname(std::string_view h) {
    return !h.empty() && h.size() <= 64 && std::all_of(h.begin(), h.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.';
    });
}

// A config that joins another container's UTS namespace (a pod's containers join the
// pause container's) names no hostname: it has the other's. Its new namespace would
// start with the host's name, so it gets the name the engine meant, which containerd's
// CRI, Docker and Podman put in HOSTNAME, or "localhost".
void name_replaced_uts(spec::Spec& s, Recorder& rec) {
    if (!s.hostname.empty()) return;
    std::string name = "localhost";
    for (auto& e : s.process.env)
        if (e.starts_with("HOSTNAME=") && plain_hostname(std::string_view(e).substr(9)))
            name = e.substr(9);
    rec.change("hostname", "(absent: the joined UTS namespace's)", name, "namespaces");
    s.hostname = name;
}

}  // namespace

void harden_namespaces(spec::Spec& s, const Policy& p, Recorder& rec) {
    for (auto& type : p.namespaces)
        if (type != "network" && require_new(s, type, rec) && type == "uts") name_replaced_uts(s, rec);

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
