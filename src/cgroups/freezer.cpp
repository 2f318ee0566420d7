// Freezing and thawing a cgroup (pause/resume, and kill_all's fork-bomb
// guard): v1 freezer.state FROZEN/THAWED, v2 cgroup.freeze 1/0 confirmed
// through cgroup.events.
#include <cerrno>
#include <chrono>
#include <thread>

#include "cgroups/internal.hpp"

namespace moat::cgroups::detail {

namespace {

using namespace std::chrono_literals;

uint64_t frozen_event(const std::map<std::string, uint64_t>& events) {
    auto it = events.find("frozen");
    return it == events.end() ? 0 : it->second;
}

// Wait up to about two seconds: short sleeps first, since freezing is
// usually immediate.
template <class Done>
Result<bool> poll(Done&& done) {
    for (int i = 0; i < 1000; ++i) {
        if (MOAT_TRY(done())) return true;
        std::this_thread::sleep_for(i < 20 ? 100us : 2ms);
    }
    return false;
}

}  // namespace

Status set_frozen(const Cgroup& cg, bool frozen) {
    const std::string what = frozen ? "freeze" : "thaw";
    if (auto t = cg.find("freezer", "")) {
        // FREEZING can linger while tasks sit in uninterruptible sleep; keep
        // asking, as runc does.
        auto file = join_path(t->dir, "freezer.state");
        std::string want = frozen ? "FROZEN" : "THAWED";
        auto reached = MOAT_TRY(poll([&]() -> Result<bool> {
            MOAT_CHECK_CTX(write_file(file, want), what);
            return trim(MOAT_TRY(read_file(file))) == want;
        }));
        if (!reached) return fail(what + ": " + file + " did not reach " + want, EBUSY);
        return {};
    }
    if (auto* u = cg.unified(); u && exists(join_path(u->dir, "cgroup.freeze"))) {
        MOAT_CHECK_CTX(write_file(join_path(u->dir, "cgroup.freeze"), frozen ? "1" : "0"), what);
        auto events = join_path(u->dir, "cgroup.events");
        auto reached = MOAT_TRY(poll([&]() -> Result<bool> {
            return frozen_event(MOAT_TRY(read_keyed(events))) == (frozen ? 1u : 0u);
        }));
        if (!reached) return fail(what + ": " + events + " did not report frozen " + (frozen ? "1" : "0"), EBUSY);
        return {};
    }
    return fail(what + ": the freezer controller is not available on this host", EOPNOTSUPP);
}

Result<bool> is_frozen(const Cgroup& cg) {
    if (auto t = cg.find("freezer", ""))
        return trim(MOAT_TRY(read_file(join_path(t->dir, "freezer.state")))) == "FROZEN";
    if (auto* u = cg.unified(); u && exists(join_path(u->dir, "cgroup.freeze")))
        return frozen_event(MOAT_TRY(read_keyed(join_path(u->dir, "cgroup.events")))) == 1;
    return fail("freezer: the freezer controller is not available on this host", EOPNOTSUPP);
}

}  // namespace moat::cgroups::detail
