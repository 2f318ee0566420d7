#include "cli/command.hpp"

namespace moat::cli {

std::vector<Flag> create_flags();
Result<runtime::CreateOptions> create_options(const Parsed& p);

namespace {
std::vector<Flag> run_flags() {
    auto f = create_flags();
    f.push_back({"detach", 'd', false, "return once the container is running"});
    f.push_back({"keep", 0, false, "accepted for runc compatibility; moat deletes after a foreground run"});
    return f;
}
}  // namespace

extern const Command kRun{
    "run", "create and start a container, wait for it and delete it", "[options] ID", run_flags(), false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        auto o = MOAT_TRY(create_options(p));
        return runtime::run(g, o, p.has("detach"));
    }};

}  // namespace moat::cli
