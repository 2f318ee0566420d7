// `pause` and `resume`: the freezer (v1 freezer.state, v2 cgroup.freeze)
// stops every process of the container at once and lets them go again.
// Frozen is what makes the status "paused" (load_container reads it back).
#include <cerrno>

#include "runtime/container.hpp"

namespace moat::runtime {

Status pause(const Global& g, const std::string& id) {
    StateStore store(g.root);
    auto c = MOAT_TRY(load_container(store, id));
    if (c.status == "paused") return fail("cannot pause container \"" + id + "\": it is already paused", EINVAL);
    if (c.status != "running")
        return fail("cannot pause container \"" + id + "\": it is " + c.status + ", not running", EINVAL);
    auto cg = MOAT_TRY(context(container_cgroup(c.record), "pause " + id));
    MOAT_CHECK_CTX(cg->freeze(), "pause " + id);
    debug(g, "paused " + id);
    return {};
}

Status resume(const Global& g, const std::string& id) {
    StateStore store(g.root);
    auto c = MOAT_TRY(load_container(store, id));
    if (c.status != "paused")
        return fail("cannot resume container \"" + id + "\": it is " + c.status + ", not paused", EINVAL);
    auto cg = MOAT_TRY(context(container_cgroup(c.record), "resume " + id));
    MOAT_CHECK_CTX(cg->thaw(), "resume " + id);
    debug(g, "resumed " + id);
    return {};
}

}  // namespace moat::runtime
