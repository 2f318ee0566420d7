#include <unistd.h>

#include <cerrno>

#include "linux/fd.hpp"
#include "runtime/container.hpp"
#include "runtime/hooks.hpp"
#include "runtime/watchdog.hpp"

namespace moat::runtime {

namespace {

// poststart hooks run after the process started; their failure is a warning
// only (the container is already running).
void run_poststart(const Global& g, const StateStore& store, const Container& c) {
    if (!c.record.has_poststart) return;
    auto text = store.load_config(c.record.id);
    if (!text) return;
    auto s = spec::parse_config(*text);
    if (!s || s->hooks.poststart.empty()) return;
    Container running = c;
    running.status = "running";
    if (auto r = run_hooks(s->hooks.poststart, spec::to_json(oci_state(running)), "poststart"); !r && g.log)
        g.log->warn(r.error().message);
}

}  // namespace

Status start(const Global& g, const std::string& id) {
    StateStore store(g.root);
    auto c = MOAT_TRY(load_container(store, id));
    if (c.status != "created")
        return fail("cannot start container \"" + id + "\": it is " + c.status + ", not created", EINVAL);
    // O_NONBLOCK: if the init died, there is no reader and open fails (ENXIO)
    // instead of hanging.
    auto fifo = linux::open_fd(store.fifo(id), O_WRONLY | O_NONBLOCK);
    if (!fifo) {
        if (fifo.error().code == ENXIO) return fail("cannot start container \"" + id + "\": its init has exited", ESRCH);
        return std::unexpected(std::move(fifo.error()));
    }
    MOAT_CHECK_CTX(linux::write_all(fifo->get(), "0"), "release container init");
    ::unlink(store.fifo(id).c_str());
    (void)linux::write_file(store.started_marker(id), now_rfc3339(), O_WRONLY | O_CREAT | O_TRUNC);
    if (c.record.timeout_ms > 0)
        MOAT_CHECK(spawn_watchdog(store, c.record, std::chrono::milliseconds(c.record.timeout_ms)));
    run_poststart(g, store, c);
    return {};
}

}  // namespace moat::runtime
