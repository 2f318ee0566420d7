#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/fd.hpp"
#include "runtime/container.hpp"

namespace moat::runtime {

Status kill(const Global& g, const std::string& id, int signal, bool all) {
    StateStore store(g.root);
    auto c = MOAT_TRY(load_container(store, id));
    if (c.status == "stopped" && !all)
        return fail("cannot kill container \"" + id + "\": it is not running", ESRCH);
    if (all) {
        auto cg = MOAT_TRY(container_cgroup(c.record));
        return context(cg->kill_all(signal), "kill --all " + id);
    }
    // Through a pidfd taken after checking the start time, so a reused pid
    // never receives the signal.
    linux::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, c.record.pid, 0)));
    if (!pidfd) return sys_fail("kill " + id);
    auto again = MOAT_TRY(load_container(store, id));
    if (again.status == "stopped") return fail("cannot kill container \"" + id + "\": it is not running", ESRCH);
    if (::syscall(SYS_pidfd_send_signal, pidfd.get(), signal, nullptr, 0) < 0) return sys_fail("kill " + id);
    return {};
}

}  // namespace moat::runtime
