#include "runtime/hooks.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "linux/exec.hpp"
#include "linux/fd.hpp"

namespace moat::runtime {

namespace {

Status run_hook(const spec::Hook& hook, const std::string& state_json) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0) return sys_fail("pipe");
    linux::UniqueFd rd(pipefd[0]), wr(pipefd[1]);
    std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
    linux::ExecArgs exec(args, hook.env);

    const pid_t runtime = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) return sys_fail("fork");
    if (pid == 0) {
        // Its own process group, so a timeout kills what the hook started
        // too; and it dies with the runtime, the only one waiting for it.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != runtime) ::_exit(127);  // the runtime died before prctl
        ::dup2(rd.get(), 0);
        ::execve(hook.path.c_str(), exec.argv.data(), exec.envp.data());
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // also here, so the kill below cannot race the child's setpgid
    rd.reset();
    // A hook may not read its stdin; EPIPE is not the hook's failure.
    (void)linux::write_all(wr.get(), state_json);
    wr.reset();

    linux::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (hook.timeout && pidfd) {
        struct pollfd p {pidfd.get(), POLLIN, 0};
        int r;
        while ((r = ::poll(&p, 1, *hook.timeout * 1000)) < 0 && errno == EINTR) {}
        if (r == 0) {
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            return fail("timed out after " + std::to_string(*hook.timeout) + " s", ETIMEDOUT);
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return sys_fail("wait");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return fail("could not be executed (missing or not executable)", ENOENT);
    if (WIFSIGNALED(status)) return fail("killed by signal " + std::to_string(WTERMSIG(status)));
    return fail("exited with status " + std::to_string(WEXITSTATUS(status)));
}

}  // namespace

Status run_hooks(const std::vector<spec::Hook>& hooks, const std::string& state_json,
                 const char* phase) {
    for (auto& h : hooks)
        MOAT_CHECK_CTX(run_hook(h, state_json), std::string(phase) + " hook " + h.path);
    return {};
}

}  // namespace moat::runtime
