// Planning the Enforcement record (enforcement.cpp).
#pragma once

#include "moat/policy.hpp"

namespace moat::policy {

// `p` is the effective policy (annotations applied); `s` the final config.
Enforcement plan_enforcement(const spec::Spec& s, const Policy& p, const std::string& egress_name);

}  // namespace moat::policy
