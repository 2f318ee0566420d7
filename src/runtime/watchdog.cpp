#include "runtime/watchdog.hpp"

#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "linux/fd.hpp"
#include "runtime/container.hpp"

namespace moat::runtime {

void kill_for_timeout(const StateStore& store, const Record& r) {
    (void)linux::write_file(store.timeout_marker(r.id), "1", O_WRONLY | O_CREAT | O_TRUNC);
    if (auto cg = container_cgroup(r)) (void)(*cg)->kill_all(SIGKILL);
    ::kill(r.pid, SIGKILL);
}

Status spawn_watchdog(const StateStore& store, const Record& r, std::chrono::milliseconds limit) {
    linux::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, r.pid, 0)));
    if (!pidfd) return sys_fail("watchdog: pidfd_open " + std::to_string(r.pid));
    pid_t child = ::fork();
    if (child < 0) return sys_fail("watchdog: fork");
    if (child == 0) {
        // Detach: a new session, and the intermediate process exits at once so
        // the watchdog is nobody's child to wait for.
        ::setsid();
        if (::fork() != 0) ::_exit(0);
        ::syscall(SYS_close_range, 0, 2, 0);
        int devnull = ::open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            ::dup2(devnull, 0);
            ::dup2(devnull, 1);
            ::dup2(devnull, 2);
        }
        struct pollfd p {pidfd.get(), POLLIN, 0};
        int rc;
        while ((rc = ::poll(&p, 1, static_cast<int>(limit.count()))) < 0 && errno == EINTR) {}
        if (rc == 0) kill_for_timeout(store, r);
        ::_exit(0);
    }
    int status;
    ::waitpid(child, &status, 0);
    return {};
}

}  // namespace moat::runtime
