// The Enforcement record: what the runtime must do that is not an OCI field
// (moat's seccomp filter, Landlock, lo up, the wall clock, the egress rules),
// planned from the final config and the policy this container runs under.
#include <algorithm>

#include "enforcement.hpp"
#include "paths.hpp"
#include "record.hpp"

namespace moat::policy {

Enforcement plan_enforcement(const spec::Spec& s, const Policy& p, const std::string& egress_name) {
    Enforcement e;
    const bool audit = p.mode == Mode::audit;
    auto netns = s.linux.find_namespace("network");
    // A new network namespace gets lo up, as runc does, unless the mode is "none".
    e.loopback_up = netns && netns->path.empty() && p.network.mode != NetworkMode::none;
    if (audit) {
        // Audit changes nothing: the container runs as its config says.
        e.seccomp = false;
        e.landlock.enabled = false;
        e.landlock.scope_signals = e.landlock.scope_abstract_unix = false;
        e.network = NetworkMode::host;
        if (netns && netns->path.empty()) e.loopback_up = true;
        return e;
    }

    e.seccomp = true;
    e.timeout = p.timeout;
    e.network = p.network.mode;
    if (p.network.mode == NetworkMode::allowlist) {
        e.egress = p.network.allowlist;
        e.egress_name = egress_name;
    }

    auto& ll = e.landlock;
    ll.enabled = p.landlock;
    if (!ll.enabled) {
        ll.scope_signals = ll.scope_abstract_unix = false;
        return e;
    }
    auto add = [&](std::string path) {
        path = paths::normalize(path);
        if (std::find(ll.writable.begin(), ll.writable.end(), path) == ll.writable.end())
            ll.writable.push_back(std::move(path));
    };
    add("/tmp");
    add("/dev/shm");
    // Binds harden() left writable: their destinations are on the writable list.
    for (auto& m : s.mounts)
        if (is_bind(m) && std::find(m.options.begin(), m.options.end(), "ro") == m.options.end())
            add(m.destination);
    // Device nodes: `echo > /dev/null`, terminals, /dev/stdout through a pty.
    for (auto& d : defaults::devices()) add(d.path);
    add("/dev/pts");
    add("/dev/console");
    for (auto& d : s.linux.devices) add(d.path);

    // TCP connect ports only when every allowlist entry names its ports: an
    // entry without ports allows all of them, and in loopback mode local TCP
    // servers must keep working.
    if (e.egress && !e.egress->allow.empty()) {
        bool all_ported = std::all_of(e.egress->allow.begin(), e.egress->allow.end(),
                                      [](auto& r) { return r.has_ports(); });
        if (all_ported) {
            ll.restrict_connect = true;
            for (auto& r : e.egress->allow)
                if (r.protocol != EgressRule::Protocol::udp)
                    ll.connect_ports.emplace_back(r.port_first, r.port_last);
            if (e.egress->dns) ll.connect_ports.emplace_back(53, 53);  // DNS over TCP
            std::sort(ll.connect_ports.begin(), ll.connect_ports.end());
            ll.connect_ports.erase(std::unique(ll.connect_ports.begin(), ll.connect_ports.end()),
                                   ll.connect_ports.end());
        }
    }
    return e;
}

}  // namespace moat::policy
