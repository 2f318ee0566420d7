// process.rlimits -> setrlimit. Parsed in the parent, applied in the child.
#pragma once

#include <sys/resource.h>

#include <vector>

#include "moat/spec.hpp"

namespace moat::linux {

struct RlimitValue {
    int resource = 0;
    struct rlimit value {};
    std::string name;
};

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE; unknown names are errors naming the JSON path.
Result<std::vector<RlimitValue>> parse_rlimits(const std::vector<spec::Rlimit>& rlimits);

// Apply; a refused raise (no CAP_SYS_RESOURCE) names the rlimit and the host's hard limit.
Status apply_rlimits(const std::vector<RlimitValue>& rlimits);

}  // namespace moat::linux
