#include "runtime/egress.hpp"

#include <netinet/in.h>
#include <sched.h>

#include "linux/netfilter.hpp"

namespace moat::runtime {

namespace {

linux::EgressDestination destination(const policy::EgressRule& r) {
    linux::EgressDestination d;
    d.family = r.network.family;
    d.address = r.network.bytes;
    d.prefix = r.prefix;
    d.port_first = r.port_first;
    d.port_last = r.port_last;
    using P = policy::EgressRule::Protocol;
    d.protocol = r.protocol == P::tcp ? IPPROTO_TCP : r.protocol == P::udp ? IPPROTO_UDP : 0;
    return d;
}

Status check_filterable(const linux::NamespacePlan& ns) {
    constexpr const char* why = "an egress allowlist needs the container's own network namespace";
    for (auto& j : ns.joins) {
        if (j.flag != CLONE_NEWNET) continue;
        if (MOAT_TRY(linux::is_own_namespace(j.fd.get(), "net")))
            return fail("linux.namespaces: the network namespace " + j.path + " is the host's; " + why,
                        EPERM);
        return {};
    }
    // No network namespace at all never gets here: harden() refuses it.
    return {};
}

}  // namespace

Result<std::vector<char>> plan_egress(const policy::Allowlist& allow, const linux::NamespacePlan& ns) {
    MOAT_CHECK(check_filterable(ns));
    std::vector<linux::EgressDestination> out;
    for (auto& r : allow.allow) out.push_back(destination(r));
    if (allow.dns) {
        linux::EgressDestination d;
        d.family = allow.dns->family;
        d.address = allow.dns->bytes;
        d.prefix = d.family == 6 ? 128 : 32;
        d.port_first = d.port_last = 53;  // no protocol: TCP and UDP
        out.push_back(d);
    }
    return context(linux::build_egress_batch(out), "egress allowlist");
}

}  // namespace moat::runtime
