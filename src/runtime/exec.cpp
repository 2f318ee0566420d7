#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

#include "linux/fd.hpp"
#include "linux/namespaces.hpp"
#include "linux/unix_socket.hpp"
#include "runtime/container.hpp"
#include "runtime/launch.hpp"
#include "runtime/supervise.hpp"

namespace moat::runtime {

namespace {

// The process to run: process.json, or the container's own process with the
// command line's overrides.
Result<spec::Process> requested_process(const ExecOptions& o, const spec::Spec& container) {
    if (!o.process_file.empty()) {
        auto text = MOAT_TRY(linux::read_file(o.process_file, spec::kMaxDocumentSize));
        return context(spec::parse_process(text), o.process_file);
    }
    if (o.args.empty()) return fail("exec: a command is required (or --process FILE)", EINVAL);
    spec::Process p = container.process;
    p.args = o.args;
    p.terminal = o.tty;
    if (!o.cwd.empty()) p.cwd = o.cwd;
    for (auto& kv : o.env) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) return fail("--env " + kv + ": expected KEY=VALUE", EINVAL);
        const std::string key = kv.substr(0, eq + 1);
        std::erase_if(p.env, [&](const std::string& e) { return e.rfind(key, 0) == 0; });
        p.env.push_back(kv);
    }
    if (!o.additional_gids.empty()) p.user.additional_gids = o.additional_gids;
    if (!o.caps.empty()) {
        if (!p.capabilities) p.capabilities = spec::Capabilities{};
        for (auto* set : {&p.capabilities->bounding, &p.capabilities->effective, &p.capabilities->permitted})
            set->insert(set->end(), o.caps.begin(), o.caps.end());
    }
    p.no_new_privileges = p.no_new_privileges || o.no_new_privs;
    return p;
}

// Join every namespace of the container's init that differs from ours.
Result<linux::NamespacePlan> container_namespaces(pid_t pid) {
    linux::NamespacePlan plan;
    for (const char* type : {"user", "mount", "pid", "network", "ipc", "uts", "cgroup", "time"}) {
        std::string name = linux::namespace_proc_name(type);
        std::string theirs = "/proc/" + std::to_string(pid) + "/ns/" + name;
        struct stat a {}, b {};
        if (::stat(theirs.c_str(), &a) < 0) {
            if (errno == ENOENT) continue;  // a kernel without that namespace type
            return sys_fail("read namespace " + theirs);
        }
        std::string ours = std::string("/proc/self/ns/") + (name == "pid" || name == "time" ? name + "_for_children" : name);
        if (::stat(ours.c_str(), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
        auto fd = MOAT_TRY(linux::open_fd(theirs, O_RDONLY));
        plan.joins.push_back({linux::namespace_flag(type), theirs, std::move(fd)});
    }
    return plan;
}

}  // namespace

Result<int> exec(const Global& g, const ExecOptions& o) {
    StateStore store(g.root);
    auto c = MOAT_TRY(load_container(store, o.id));
    if (c.status != "running" && c.status != "created")
        return fail("cannot exec in container \"" + o.id + "\": it is " + c.status, EINVAL);
    auto container = MOAT_TRY(spec::parse_config(MOAT_TRY(store.load_config(o.id))));
    auto active = MOAT_TRY(load_active_policy(g));
    auto wanted = MOAT_TRY(requested_process(o, container));
    auto hp = MOAT_TRY(policy::harden_process(wanted, container, active.policy));
    // The container's config is already hardened: this only recomputes the
    // Landlock and seccomp layers it runs under.
    auto hardened = MOAT_TRY(policy::harden(container, active.policy));

    InitPlan plan;
    plan.id = o.id;
    plan.process = hp.process;
    plan.join_existing = true;
    plan.wait_for_start = false;
    plan.preserve_fds = o.preserve_fds;
    if (!o.user.empty()) plan.user_name = o.user;
    plan.namespaces = MOAT_TRY(container_namespaces(c.record.pid));
    spec::Spec effective = container;
    effective.process = hp.process;
    MOAT_CHECK(plan_confinement(effective, hardened, active.policy, plan));
    if (plan.process.terminal) {
        if (o.console_socket.empty()) return fail("exec --tty needs --console-socket", EINVAL);
        plan.console_socket = MOAT_TRY(linux::connect_unix(o.console_socket));
    }
    auto cgroup = MOAT_TRY(container_cgroup(c.record));

    MOAT_CHECK(enter_parent_namespaces(plan.namespaces));
    auto [parent_end, child_end] = MOAT_TRY(Channel::make_pair());
    int pidfd_raw = -1;
    pid_t pid = MOAT_TRY(clone_process(0, &pidfd_raw));
    if (pid == 0) {
        parent_end.close();
        container_init(plan, child_end);
    }
    linux::UniqueFd pidfd(pidfd_raw);
    child_end.close();
    auto fail_child = [&](Error e) -> Result<int> {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        return std::unexpected(std::move(e));
    };
    // In the cgroup before it runs anything: it must not escape the limits.
    if (auto r = cgroup->add_process(pid); !r) return fail_child(std::move(r.error()).wrap("join the container's cgroup"));
    if (auto r = set_oom_score_adj(pid, plan.process); !r) return fail_child(std::move(r.error()));
    if (auto r = parent_end.send(Step::go); !r) return fail_child(std::move(r.error()));
    auto ready = parent_end.receive_either(Step::listener, Step::ready);
    if (!ready) return fail_child(std::move(ready.error()));
    if (ready->step == Step::listener) {
        if (auto r = parent_end.receive(Step::ready); !r) return fail_child(std::move(r.error()));
    }
    if (auto r = parent_end.wait_exec(); !r) return fail_child(std::move(r.error()));
    if (!o.pid_file.empty()) {
        auto path = std::filesystem::absolute(o.pid_file).string();
        if (auto r = write_atomic(path, std::to_string(pid), 0644); !r) return fail_child(std::move(r.error()));
    }
    if (o.detach) return 0;
    parent_end.close();
    return exit_code(MOAT_TRY(supervise(pidfd.get(), pid)));
}

}  // namespace moat::runtime
