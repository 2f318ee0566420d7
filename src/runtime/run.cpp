#include <fcntl.h>

#include "runtime/container.hpp"
#include "runtime/hooks.hpp"
#include "runtime/launch.hpp"
#include "runtime/receipts.hpp"
#include "runtime/supervise.hpp"
#include "runtime/watchdog.hpp"

namespace moat::runtime {

Result<int> run(const Global& g, const CreateOptions& o, bool detach) {
    auto l = MOAT_TRY(launch(g, o, LaunchMode::run));
    StateStore store(g.root);
    MOAT_CHECK(l.channel.send(Step::start));
    // A failed execve (say, a binary whose loader the image lacks) leaves the
    // process exiting 127; say why instead of exiting silently.
    if (auto e = l.channel.wait_exec(); !e && g.log) g.log->error(e.error().message);
    l.channel.close();
    (void)linux::write_file(store.started_marker(o.id), now_rfc3339(), O_WRONLY | O_CREAT | O_TRUNC);
    if (!l.spec.hooks.poststart.empty()) {
        Container c{l.record, "running"};
        if (auto r = run_hooks(l.spec.hooks.poststart, spec::to_json(oci_state(c)), "poststart"); !r && g.log)
            g.log->warn(r.error().message);
    }
    std::optional<std::chrono::milliseconds> limit;
    if (l.record.timeout_ms > 0) limit = std::chrono::milliseconds(l.record.timeout_ms);
    if (detach) {
        if (limit) MOAT_CHECK(spawn_watchdog(store, l.record, *limit));
        return 0;
    }
    int status = MOAT_TRY(supervise(l.pidfd.get(), l.record.pid, limit,
                                    [&] { kill_for_timeout(store, l.record); }));
    std::string warning;
    finish_receipt(store, l.record, l.cgroup.get(), status, &warning);
    if (!warning.empty() && g.log) g.log->warn(warning);
    MOAT_CHECK_CTX(remove(g, o.id, true), "clean up after run");
    return exit_code(status);
}

}  // namespace moat::runtime
