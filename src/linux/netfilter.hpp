// The egress allowlist as an nftables ruleset, over netlink (libnftnl on
// libmnl; no `nft` binary). The parent builds the batch, the container's init
// sends it in its network namespace before dropping CAP_NET_ADMIN, and delete
// reads the drop counters back from that namespace.
//
// The ruleset: table inet moat, chain egress (hook output, policy drop):
//   oifname "lo" accept; ct state established,related accept;
//   ICMPv6 neighbour solicitation/advertisement accept (IPv6 on a link needs them);
//   each destination accept;
//   meta nfproto ipv4 counter name dropped_ipv4 drop; the same for ipv6.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "moat/error.hpp"

namespace moat::linux {

struct EgressDestination {
    int family = 4;                   // 4 or 6
    std::array<uint8_t, 16> address{};  // network address, host bits clear
    int prefix = 32;
    uint8_t protocol = 0;  // 0: any, IPPROTO_TCP, IPPROTO_UDP
    uint16_t port_first = 0, port_last = 0;  // 0/0: every port
};

// The names the ruleset uses, for tests and operators (`nft list table inet moat`).
inline constexpr const char* kEgressTable = "moat";
inline constexpr const char* kEgressChain = "egress";

// A complete nfnetlink batch (begin, table, counters, chain, rules, end).
Result<std::vector<char>> build_egress_batch(const std::vector<EgressDestination>& allow);

// Send a batch to nf_tables in the calling thread's network namespace and
// wait for every acknowledgement. Needs CAP_NET_ADMIN there.
Status send_netfilter_batch(const std::vector<char>& batch);

struct DropCounters {
    uint64_t ipv4_packets = 0, ipv4_bytes = 0;
    uint64_t ipv6_packets = 0, ipv6_bytes = 0;
};

// The drop counters of the ruleset in the network namespace `netns` (a path
// to an nsfs file); the calling thread returns to its own namespace.
Result<DropCounters> read_drop_counters(const std::string& netns);

}  // namespace moat::linux
