#include "runtime/init.hpp"

#include <linux/close_range.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "linux/credentials.hpp"
#include "linux/exec.hpp"
#include "linux/netfilter.hpp"
#include "linux/netlink.hpp"
#include "linux/terminal.hpp"
#include "runtime/hooks.hpp"

namespace moat::runtime {

namespace {

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

Status check(int rc, const char* what) {
    if (rc < 0) return sys_fail(what, -rc);
    return {};
}

Status set_names(const InitPlan& p) {
    if (!p.hostname.empty() && ::sethostname(p.hostname.data(), p.hostname.size()) < 0)
        return sys_fail("hostname: sethostname " + p.hostname);
    if (p.domainname && ::setdomainname(p.domainname->data(), p.domainname->size()) < 0)
        return sys_fail("domainname: setdomainname " + *p.domainname);
    return {};
}


// Fds the caller asked to pass (3 .. 3+N-1) lose CLOEXEC; every other fd
// above 2 gets it, so nothing of moat's reaches the container.
Status seal_fds(int preserve) {
    if (::syscall(SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        return sys_fail("close_range");
    for (int fd = 3; fd < 3 + preserve; ++fd) {
        int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0) ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    return {};
}

Status become_user(const InitPlan& p) {
    const auto& caps = p.capabilities;
    if (caps) {
        MOAT_CHECK(check(linux::drop_bounding_set(*caps), "drop bounding capabilities"));
        MOAT_CHECK(check(linux::set_keep_caps(true), "keep capabilities across setuid"));
    }
    MOAT_CHECK(linux::set_credentials(p.process.user, true));
    if (caps) {
        MOAT_CHECK(check(linux::set_keep_caps(false), "reset keep-capabilities"));
        MOAT_CHECK(check(linux::apply_capabilities(*caps), "set capabilities"));
    }
    return {};
}

// The last steps before exec: Landlock, then the seccomp filters (moat's
// first, so a spec filter denying seccomp(2) cannot keep it out).
Status confine(InitPlan& p, const linux::LandlockRuleset* ruleset, Channel& ch) {
    if (ruleset && ruleset->present())
        MOAT_CHECK(check(linux::enforce_ruleset(ruleset->fd.get()), "enforce landlock ruleset"));
    if (p.moat_filter)
        MOAT_CHECK(check(linux::install_filter(*p.moat_filter), "install moat's seccomp filter"));
    if (p.spec_filter) {
        int rc = linux::install_filter(*p.spec_filter);
        MOAT_CHECK(check(rc, "install linux.seccomp filter"));
        if (p.spec_filter->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
            // a notify listener: the parent hands it to linux.seccomp.listenerPath
            MOAT_CHECK(ch.send(Step::listener, {}, 0, rc));
            ::close(rc);
        }
    }
    return {};
}

Status wait_for_start(InitPlan& p, Channel& ch) {
    if (!p.exec_fifo) {
        MOAT_CHECK_CTX(ch.receive(Step::start), "wait for start");
        return {};
    }
    char byte;
    for (;;) {
        ssize_t n = ::read(p.exec_fifo.get(), &byte, 1);
        if (n == 1) break;
        if (n < 0 && errno == EINTR) continue;
        return sys_fail("wait for start on the exec fifo");
    }
    p.exec_fifo.reset();
    return {};
}

// Everything a new container's init does before it becomes the process:
// namespaces, names, lo, the rootfs and its hooks.
Status build_container(InitPlan& p, Channel& ch) {
    MOAT_CHECK(linux::join_namespaces(p.namespaces));
    if (p.user_namespace) {
        if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0)
            return sys_fail("become root in the user namespace");
    }
    // Placed in its cgroup by the parent already, so the namespace's root is
    // the container's own cgroup.
    if (p.namespaces.new_cgroup && ::unshare(CLONE_NEWCGROUP) < 0)
        return sys_fail("unshare cgroup namespace");
    MOAT_CHECK(set_names(p));
    if (p.loopback_up) MOAT_CHECK_CTX(linux::bring_up_loopback(), "bring up lo");
    if (!p.egress_batch.empty())
        MOAT_CHECK_CTX(linux::send_netfilter_batch(p.egress_batch), "install the egress allowlist");
    MOAT_CHECK(linux::prepare_rootfs(p.rootfs));

    if (p.pause_for_runtime_hooks) {
        MOAT_CHECK(ch.send(Step::hooks));
        MOAT_CHECK(ch.receive(Step::resume));
    }
    MOAT_CHECK(run_hooks(p.create_container_hooks, p.state_json, "createContainer"));
    MOAT_CHECK(linux::enter_rootfs(p.rootfs));

    if (p.new_keyring) {
        std::string name = "_ses." + p.id;
        // A kernel without keyrings (or one refusing it) is not the container's problem.
        ::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name.c_str());
    }
    return {};
}

// An exec'd process joins the running container's namespaces instead (the
// pid namespace was entered by the parent; setns of it affects children only).
Status join_container(InitPlan& p) {
    MOAT_CHECK(linux::join_namespaces(p.namespaces));
    if (p.user_name) p.process.user = MOAT_TRY(linux::lookup_user(*p.user_name, p.process.user));
    return {};
}

// The shared tail of init and exec: terminal, cwd, rlimits, identity,
// capabilities, no_new_privs, fds, Landlock and seccomp, then exec.
Status become_process(InitPlan& p, Channel& ch) {
    std::optional<linux::LandlockRuleset> ruleset;
    if (p.landlock) ruleset = MOAT_TRY(context(linux::prepare_ruleset(*p.landlock), "landlock"));
    if (p.process.terminal && p.console_socket) {
        MOAT_CHECK(linux::setup_terminal(p.console_socket.get(), p.process.console_size));
        p.console_socket.reset();
    } else if (::setsid() < 0 && errno != EPERM) {
        return sys_fail("setsid");
    }
    if (::chdir(p.process.cwd.c_str()) < 0) return sys_fail("process.cwd: chdir " + p.process.cwd);
    auto path = MOAT_TRY(linux::find_executable(p.process.args.at(0), p.process.env));

    MOAT_CHECK(linux::apply_rlimits(p.rlimits));
    MOAT_CHECK(become_user(p));
    if (p.process.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return sys_fail("set no_new_privs");
    MOAT_CHECK(seal_fds(p.preserve_fds));

    const bool hooks_at_start = !p.start_container_hooks.empty();
    if (!hooks_at_start) MOAT_CHECK(confine(p, ruleset ? &*ruleset : nullptr, ch));
    // From here on the parent may exit: a dying `create` must not take us along.
    ::prctl(PR_SET_PDEATHSIG, 0);
    MOAT_CHECK(ch.send(Step::ready));
    if (p.wait_for_start) MOAT_CHECK(wait_for_start(p, ch));
    if (hooks_at_start) {
        MOAT_CHECK(run_hooks(p.start_container_hooks, p.state_json, "startContainer"));
        MOAT_CHECK(confine(p, ruleset ? &*ruleset : nullptr, ch));
    }
    // The channel stays open: close-on-exec tells the parent execve worked.
    linux::ExecArgs exec(p.process.args, p.process.env);
    ::execve(path.c_str(), exec.argv.data(), exec.envp.data());
    auto err = linux::exec_error(p.process.args[0], errno);
    // The file was found a moment ago: ENOENT now is its interpreter (the
    // ELF loader or the #! program), which is what the user has to fix.
    if (err.code == ENOENT) err.message += " (the file exists; its interpreter or dynamic loader is missing in the container)";
    return std::unexpected(std::move(err));
}

Status init_steps(InitPlan& p, Channel& ch) {
    auto go = MOAT_TRY(ch.receive(Step::go));
    if (!go.payload.empty()) p.state_json = std::move(go.payload);
    if (p.join_existing) MOAT_CHECK(join_container(p));
    else MOAT_CHECK(build_container(p, ch));
    return become_process(p, ch);
}

}  // namespace

void container_init(InitPlan& plan, Channel& channel) {
    // Until the parent has seen us ready, its death must be ours; and no
    // process in the container may open /proc/<init>/exe (moat's binary).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::prctl(PR_SET_DUMPABLE, 0);
    // The mask survives exec; the container starts with nothing blocked.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    auto r = init_steps(plan, channel);
    // With no parent left to tell (create has exited, start released us),
    // the container's stderr is where the reason can still be seen.
    if (!r && !channel.send(Step::error, r.error().message, r.error().code)) {
        std::string line = "moat: " + r.error().message + "\n";
        (void)!::write(STDERR_FILENO, line.data(), line.size());
    }
    ::_exit(127);
}

}  // namespace moat::runtime
