#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/container.hpp"
#include "runtime/hooks.hpp"
#include "runtime/launch.hpp"

namespace moat::runtime {

namespace {

// Signals a person or an engine sends to `moat run` are meant for the container.
constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

int exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

// Forward signals until the init exits; returns its wait status.
Result<int> supervise(Launched& l) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kForwarded) sigaddset(&set, s);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) return sys_fail("block signals");
    linux::UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC));
    if (!sfd) return sys_fail("signalfd");

    struct pollfd fds[2] = {{l.pidfd.get(), POLLIN, 0}, {sfd.get(), POLLIN, 0}};
    for (;;) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return sys_fail("poll");
        }
        if (fds[1].revents & POLLIN) {
            struct signalfd_siginfo si {};
            if (::read(sfd.get(), &si, sizeof si) == sizeof si)
                ::syscall(SYS_pidfd_send_signal, l.pidfd.get(), static_cast<int>(si.ssi_signo), nullptr, 0);
        }
        if (fds[0].revents & POLLIN) break;
    }
    int status = 0;
    while (::waitpid(l.record.pid, &status, 0) < 0)
        if (errno != EINTR) return sys_fail("wait for container init");
    return status;
}

}  // namespace

Result<int> run(const Global& g, const CreateOptions& o, bool detach) {
    auto l = MOAT_TRY(launch(g, o, LaunchMode::run));
    MOAT_CHECK(l.channel.send(Step::start));
    l.channel.close();
    if (!l.spec.hooks.poststart.empty()) {
        Container c{l.record, "running"};
        if (auto r = run_hooks(l.spec.hooks.poststart, spec::to_json(oci_state(c)), "poststart"); !r && g.log)
            g.log->warn(r.error().message);
    }
    if (detach) return 0;
    int status = MOAT_TRY(supervise(l));
    MOAT_CHECK_CTX(remove(g, o.id, true), "clean up after run");
    return exit_code(status);
}

}  // namespace moat::runtime
