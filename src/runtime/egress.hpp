// The egress allowlist at run time: the policy's entries become an nftables
// batch the init installs in the container's network namespace, and delete
// reads the drop counters back for the receipt.
#pragma once

#include <vector>

#include "linux/namespaces.hpp"
#include "moat/policy.hpp"

namespace moat::runtime {

// The batch for `allow` (its dns resolver included, TCP and UDP port 53).
// Refuses a container whose network namespace is the host's: filtering it
// would firewall the host, and not filtering it would widen the allowlist.
Result<std::vector<char>> plan_egress(const policy::Allowlist& allow, const linux::NamespacePlan& ns);

}  // namespace moat::runtime
