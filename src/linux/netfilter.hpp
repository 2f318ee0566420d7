// The egress allowlist as an nftables ruleset. The parent has the batch built
// by the moat-nft helper (libnftnl on libmnl; no `nft` binary), the container's
// init sends it in its network namespace before dropping CAP_NET_ADMIN, and
// delete has the helper read the drop counters back from that namespace.
//
// libnftnl lives in the helper, run only when an allowlist is in force, so
// moat itself links no netlink library and can be one static binary: each
// create, start, exec and delete starts faster (bench/README.md, fourth pass).
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
#include <string_view>
#include <vector>

#include "moat/error.hpp"

namespace moat::linux {

struct EgressDestination {
    int family = 4;                   // 4 or 6
    std::array<uint8_t, 16> address{};  // network address, host bits clear
    int prefix = 32;
    uint8_t protocol = 0;  // 0: any, IPPROTO_TCP, IPPROTO_UDP
    uint16_t port_first = 0, port_last = 0;  // 0/0: every port
    bool operator==(const EgressDestination&) const = default;
};

// The names the ruleset uses, for tests and operators (`nft list table inet moat`).
inline constexpr const char* kEgressTable = "moat";
inline constexpr const char* kEgressChain = "egress";

struct DropCounters {
    uint64_t ipv4_packets = 0, ipv4_bytes = 0;
    uint64_t ipv6_packets = 0, ipv6_bytes = 0;
    bool operator==(const DropCounters&) const = default;
};

// A complete nfnetlink batch (begin, table, counters, chain, rules, end),
// built by the helper.
Result<std::vector<char>> build_egress_batch(const std::vector<EgressDestination>& allow);

// Send a batch to nf_tables in the calling thread's network namespace and
// wait for every acknowledgement. Needs CAP_NET_ADMIN there.
Status send_netfilter_batch(const std::vector<char>& batch);

// The drop counters of the ruleset in the network namespace `netns` (a path
// to an nsfs file), read by the helper.
Result<DropCounters> read_drop_counters(const std::string& netns);

// ---- the helper and its protocol ----

// moat-nft beside the running binary (installed together; so in the build
// tree), else where meson installs it.
std::string nft_helper_path();

// `moat-nft batch` reads destinations, one per line, and writes the batch;
// `moat-nft counters NETNS` writes the four counters on one line.
std::string encode_destinations(const std::vector<EgressDestination>& allow);
Result<std::vector<EgressDestination>> decode_destinations(std::string_view text);
std::string encode_counters(const DropCounters& c);
Result<DropCounters> decode_counters(std::string_view text);

}  // namespace moat::linux
