// OCI hooks: each runs with the container state JSON on stdin, its own args
// and env, and an optional timeout. A hook that fails or times out fails the
// operation for the phases where the spec says so (the caller decides).
#pragma once

#include <string>
#include <vector>

#include "moat/spec.hpp"

namespace moat::runtime {

// Run hooks in order; the first failure stops and is returned, naming the
// phase and the hook ("createRuntime hook /bin/x: exited with status 2").
Status run_hooks(const std::vector<spec::Hook>& hooks, const std::string& state_json,
                 const char* phase);

}  // namespace moat::runtime
