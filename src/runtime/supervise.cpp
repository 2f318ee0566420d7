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

namespace {

// Read what is there; false at EOF or error.
bool pump(const Stream& s) {
    char buf[16384];
    ssize_t n = ::read(s.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    s.on_data(std::string_view(buf, static_cast<size_t>(n)));
    return true;
}

void drain(const std::vector<Stream>& streams, std::vector<bool>& open) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (;;) {
        std::vector<struct pollfd> fds;
        std::vector<size_t> which;
        for (size_t i = 0; i < streams.size(); ++i)
            if (open[i]) {
                fds.push_back({streams[i].fd, POLLIN, 0});
                which.push_back(i);
            }
        if (fds.empty()) return;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) <= 0) return;
        for (size_t k = 0; k < fds.size(); ++k)
            if (fds[k].revents && !pump(streams[which[k]])) open[which[k]] = false;
    }
}

}  // namespace

Result<int> supervise(int pidfd, pid_t pid, std::optional<std::chrono::milliseconds> limit,
                      const std::function<void()>& on_timeout, const std::vector<Stream>& streams) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kForwarded) sigaddset(&set, s);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) return sys_fail("block signals");
    linux::UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
    if (!sfd) return sys_fail("signalfd");

    using clock = std::chrono::steady_clock;
    const auto deadline = limit ? std::optional(clock::now() + *limit) : std::nullopt;
    bool expired = false;
    std::vector<bool> open(streams.size(), true);
    for (;;) {
        std::vector<struct pollfd> fds = {{pidfd, POLLIN, 0}, {sfd.get(), POLLIN, 0}};
        for (size_t i = 0; i < streams.size(); ++i)
            fds.push_back({open[i] ? streams[i].fd : -1, POLLIN, 0});
        int wait_ms = -1;
        if (deadline && !expired) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - clock::now());
            wait_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
        }
        int rc = ::poll(fds.data(), fds.size(), wait_ms);
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
        for (size_t i = 0; i < streams.size(); ++i)
            if (fds[2 + i].revents && !pump(streams[i])) open[i] = false;
        if (fds[0].revents & POLLIN) break;
    }
    drain(streams, open);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return sys_fail("wait for pid " + std::to_string(pid));
    return status;
}

}  // namespace moat::runtime
