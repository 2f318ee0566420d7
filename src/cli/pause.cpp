#include "cli/command.hpp"

namespace moat::cli {

extern const Command kPause{
    "pause", "freeze every process of a running container", "ID", {}, false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        MOAT_CHECK(expect_args(p, 1, "a container ID"));
        MOAT_CHECK(runtime::pause(g, p.positional[0]));
        return 0;
    }};

extern const Command kResume{
    "resume", "thaw a paused container", "ID", {}, false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        MOAT_CHECK(expect_args(p, 1, "a container ID"));
        MOAT_CHECK(runtime::resume(g, p.positional[0]));
        return 0;
    }};

}  // namespace moat::cli
