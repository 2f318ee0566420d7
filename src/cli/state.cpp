#include <cstdio>

#include "cli/command.hpp"

namespace moat::cli {

extern const Command kState{
    "state", "print the OCI state of a container as JSON", "ID", {}, false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        MOAT_CHECK(expect_args(p, 1, "a container ID"));
        auto s = MOAT_TRY(runtime::state(g, p.positional[0]));
        std::printf("%s\n", spec::to_json(s, true).c_str());
        return 0;
    }};

}  // namespace moat::cli
