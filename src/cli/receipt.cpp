#include <cstdio>

#include "cli/command.hpp"
#include "runtime/launch.hpp"
#include "runtime/receipts.hpp"

namespace moat::cli {

extern const Command kReceipt{
    "receipt", "print the receipt of a container (live or deleted)", "ID", {}, false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        MOAT_CHECK(expect_args(p, 1, "a container ID"));
        MOAT_CHECK(runtime::validate_id(p.positional[0]));
        auto active = MOAT_TRY(runtime::load_active_policy(g));
        runtime::StateStore store(g.root);
        auto text = MOAT_TRY(runtime::find_receipt(store, active.policy.receipts_dir, p.positional[0]));
        std::printf("%s\n", text.c_str());
        return 0;
    }};

}  // namespace moat::cli
