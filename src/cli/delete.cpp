#include "cli/command.hpp"

namespace moat::cli {

extern const Command kDelete{
    "delete", "delete a container and everything it holds (state, cgroup)", "[options] ID",
    {{"force", 'f', false, "kill a container that is still running, and succeed if it is already gone"}}, false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        MOAT_CHECK(expect_args(p, 1, "a container ID"));
        MOAT_CHECK(runtime::remove(g, p.positional[0], p.has("force")));
        return 0;
    }};

}  // namespace moat::cli
