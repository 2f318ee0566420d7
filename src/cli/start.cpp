#include "cli/command.hpp"

namespace moat::cli {

extern const Command kStart{
    "start", "start a created container", "ID", {}, false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        MOAT_CHECK(expect_args(p, 1, "a container ID"));
        MOAT_CHECK(runtime::start(g, p.positional[0]));
        return 0;
    }};

}  // namespace moat::cli
