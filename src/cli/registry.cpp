#include "cli/command.hpp"

namespace moat::cli {

extern const Command kUpdate, kPause, kResume, kPs, kEvents;  // resource control
extern const Command kCreate, kStart, kRun, kState, kKill, kDelete, kList, kSpec, kFeatures, kCheck,
    kReceipt, kExec, kSandbox;

const std::vector<const Command*>& commands() {
    static const std::vector<const Command*> all = {
        &kCreate, &kStart, &kRun, &kState, &kKill, &kDelete, &kList, &kSpec, &kFeatures, &kCheck,
        &kReceipt, &kExec, &kSandbox,
        &kUpdate, &kPause, &kResume, &kPs, &kEvents,
    };
    return all;
}

Status expect_args(const Parsed& p, size_t n, const char* what) {
    if (p.positional.size() != n)
        return fail(std::string("expected ") + what + ", got " + std::to_string(p.positional.size()) +
                        " argument(s)",
                    EINVAL);
    return {};
}

}  // namespace moat::cli
