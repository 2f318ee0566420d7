// The libnftnl half of the egress allowlist, linked only into the moat-nft
// helper (src/linux/nft_helper.cpp); moat reaches it through netfilter.hpp.
#pragma once

#include <vector>

#include "linux/netfilter.hpp"

namespace moat::linux::nftables {

// The whole ruleset as one nfnetlink batch; destinations out of range are refused.
Result<std::vector<char>> egress_batch(const std::vector<EgressDestination>& allow);

// The ruleset's drop counters in the calling thread's network namespace.
Result<DropCounters> drop_counters();

}  // namespace moat::linux::nftables
