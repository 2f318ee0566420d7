#include <signal.h>

#include "cli/command.hpp"

namespace moat::cli {

extern const Command kKill{
    "kill", "send a signal (default SIGTERM) to a container's init", "[options] ID [SIGNAL]",
    {{"all", 'a', false, "send the signal to every process in the container's cgroup"}}, false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        if (p.positional.empty() || p.positional.size() > 2)
            return fail("kill: expected ID [SIGNAL]", EINVAL);
        int sig = SIGTERM;
        if (p.positional.size() == 2) sig = MOAT_TRY(runtime::parse_signal(p.positional[1]));
        MOAT_CHECK(runtime::kill(g, p.positional[0], sig, p.has("all")));
        return 0;
    }};

}  // namespace moat::cli
