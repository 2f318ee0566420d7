// Receipts over the container lifecycle: begun at create (what ran and what
// the policy changed), completed at the end (how it ended, what it used),
// then filed in the receipts directory and the audit log.
#pragma once

#include <optional>

#include "moat/cgroups.hpp"
#include "moat/receipt.hpp"
#include "runtime/state_store.hpp"

namespace moat::runtime {

// wait_status: the init's status where moat reaped it (run), else nullopt.
// Usage is read from `cgroup` before the caller removes it, and returned for
// callers that report it themselves (nullopt: no receipt was left to finish).
std::optional<cgroups::Usage> finish_receipt(const StateStore& store, const Record& r,
                                             cgroups::Manager* cgroup, std::optional<int> wait_status,
                                             std::string* warning);

// The receipt of a live container (state dir) or a deleted one (receipts dir).
Result<std::string> find_receipt(const StateStore& store, const std::string& receipts_dir,
                                 const std::string& id);

}  // namespace moat::runtime
