#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "linux/fd.hpp"
#include "linux/proc.hpp"
#include "runtime/container.hpp"
#include "runtime/hooks.hpp"
#include "runtime/receipts.hpp"

namespace moat::runtime {

namespace {

// Kill every process of the container and wait (bounded) until its init is gone.
Status kill_everything(const Container& c) {
    if (auto cg = container_cgroup(c.record)) (void)(*cg)->kill_all(SIGKILL);
    ::kill(c.record.pid, SIGKILL);
    for (int i = 0; i < 2000 && linux::process_alive(c.record.pid, c.record.start_time); ++i)
        ::usleep(1000);
    if (linux::process_alive(c.record.pid, c.record.start_time))
        return fail("container init " + std::to_string(c.record.pid) + " did not die", EBUSY);
    return {};
}

// A create killed before it saved state.json leaves the state directory and
// possibly a cgroup with a waiting init in it, named in creating_cgroup.
Status undo_killed_create(const StateStore& store, const std::string& id) {
    auto path = linux::read_file(store.creating_cgroup(id));
    if (!path) return {};
    auto host = MOAT_TRY(cgroups::probe_host());
    auto cg = MOAT_TRY(cgroups::reopen(host, *path));
    (void)cg->kill_all(SIGKILL);
    return context(cg->destroy(), "remove cgroup of " + id);
}

}  // namespace

Status remove(const Global& g, const std::string& id, bool force) {
    StateStore store(g.root);
    MOAT_CHECK(validate_id(id));
    auto c = load_container(store, id);
    if (!c) {
        // Half-created (no state.json) or already gone: --force makes sure.
        if (force && (c.error().code == ENOENT || c.error().code == EBUSY)) {
            MOAT_CHECK(undo_killed_create(store, id));
            return store.remove(id);
        }
        return std::unexpected(std::move(c.error()));
    }
    // A created container has not run anything yet; deleting it is allowed (runc).
    if (c->status == "running" || c->status == "paused") {
        if (!force)
            return fail("cannot delete container \"" + id + "\": it is " + c->status +
                            " (stop it first, or use --force)", EBUSY);
    }
    if (c->status != "stopped") MOAT_CHECK(kill_everything(*c));

    auto cg = container_cgroup(c->record);
    std::string warning;
    finish_receipt(store, c->record, cg ? cg->get() : nullptr, std::nullopt, &warning);
    if (!warning.empty() && g.log) g.log->warn(warning);
    if (cg) {
        // Processes the init left behind (reparented elsewhere) still count.
        (void)(*cg)->kill_all(SIGKILL);
        MOAT_CHECK_CTX((*cg)->destroy(), "remove cgroup of " + id);
    }
    if (auto text = store.load_config(id)) {
        if (auto s = spec::parse_config(*text); s && !s->hooks.poststop.empty()) {
            Container stopped = *c;
            stopped.status = "stopped";
            if (auto r = run_hooks(s->hooks.poststop, spec::to_json(oci_state(stopped)), "poststop");
                !r && g.log)
                g.log->warn(r.error().message);
        }
    }
    return store.remove(id);
}

}  // namespace moat::runtime
