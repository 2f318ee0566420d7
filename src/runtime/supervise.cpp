#include "runtime/supervise.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "linux/fd.hpp"

namespace moat::runtime {

namespace {
// Signals a person or an engine sends to moat are meant for the container.
constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};
}  // namespace

int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

Result<int> supervise(int pidfd, pid_t pid, std::optional<std::chrono::milliseconds> limit,
                      const std::function<void()>& on_timeout) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kForwarded) sigaddset(&set, s);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) return sys_fail("block signals");
    linux::UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
    if (!sfd) return sys_fail("signalfd");

    using clock = std::chrono::steady_clock;
    const auto deadline = limit ? std::optional(clock::now() + *limit) : std::nullopt;
    bool expired = false;
    struct pollfd fds[2] = {{pidfd, POLLIN, 0}, {sfd.get(), POLLIN, 0}};
    for (;;) {
        int wait_ms = -1;
        if (deadline && !expired) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - clock::now());
            wait_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
        }
        int rc = ::poll(fds, 2, wait_ms);
        if (rc < 0) {
            if (errno == EINTR) continue;
            return sys_fail("poll");
        }
        if (rc == 0) {
            expired = true;
            if (on_timeout) on_timeout();
            continue;
        }
        if (fds[1].revents & POLLIN) {
            struct signalfd_siginfo si {};
            if (::read(sfd.get(), &si, sizeof si) == sizeof si)
                ::syscall(SYS_pidfd_send_signal, pidfd, static_cast<int>(si.ssi_signo), nullptr, 0);
        }
        if (fds[0].revents & POLLIN) break;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return sys_fail("wait for pid " + std::to_string(pid));
    return status;
}

}  // namespace moat::runtime
