#include "runtime/launch.hpp"

#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "linux/landlock.hpp"
#include "linux/proc.hpp"
#include "linux/seccomp.hpp"
#include "linux/unix_socket.hpp"
#include "moat/receipt.hpp"
#include "runtime/container.hpp"
#include "runtime/egress.hpp"
#include "runtime/hooks.hpp"
#include "runtime/init.hpp"
#include "runtime/log.hpp"

namespace moat::runtime {

namespace {

constexpr const char* kDefaultPolicy = "/etc/moat/policy.json";

// Undoes a half-made container unless committed: kills the init, removes the
// cgroup and the state directory.
class Rollback {
public:
    Rollback(StateStore& store, std::string id) : store_(store), id_(std::move(id)) {}
    Rollback(const Rollback&) = delete;
    ~Rollback() {
        if (committed_) return;
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        if (cgroup_) {
            (void)cgroup_->kill_all(SIGKILL);
            (void)cgroup_->destroy();
        }
        (void)store_.remove(id_);
    }
    void child(pid_t pid) { pid_ = pid; }
    void cgroup(cgroups::Manager* m) { cgroup_ = m; }
    void commit() { committed_ = true; }

private:
    StateStore& store_;
    std::string id_;
    pid_t pid_ = -1;
    cgroups::Manager* cgroup_ = nullptr;
    bool committed_ = false;
};

std::string absolute(const std::string& base, const std::string& path) {
    if (!path.empty() && path.front() == '/') return path;
    return base + "/" + path;
}

Result<std::string> resolve_bundle(const std::string& bundle) {
    std::error_code ec;
    auto p = std::filesystem::canonical(bundle.empty() ? "." : bundle, ec);
    if (ec) return fail("bundle " + bundle + ": " + ec.message(), ec.value());
    return p.string();
}

Result<std::string> resolve_rootfs(const std::string& bundle, const spec::Spec& s) {
    std::string path = absolute(bundle, s.root.path);
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) return sys_fail("root.path: rootfs " + path);
    if (!S_ISDIR(st.st_mode)) return fail("root.path: rootfs " + path + " is not a directory", ENOTDIR);
    std::error_code ec;
    return std::filesystem::canonical(path, ec).string();
}

bool is_bind(const spec::Mount& m) {
    if (m.type == "bind") return true;
    for (auto& o : m.options)
        if (o == "bind" || o == "rbind") return true;
    return false;
}

// The OCI default devices (and the pty devices) are always usable, whatever
// the config's device rules say, as with runc: a deny-all rule must not make
// /dev/null unwritable (audit mode keeps a config's rules as they are).
spec::Resources with_default_devices(spec::Resources r) {
    if (r.devices.empty()) return r;
    auto allow = [&](int64_t major, std::optional<int64_t> minor) {
        spec::DeviceCgroup d;
        d.allow = true;
        d.type = "c";
        d.major = major;
        d.minor = minor;
        d.access = "rwm";
        r.devices.push_back(d);
    };
    for (int64_t minor : {3, 5, 7, 8, 9}) allow(1, minor);  // null zero full random urandom
    for (int64_t minor : {0, 1, 2}) allow(5, minor);        // tty console ptmx
    allow(136, std::nullopt);                               // /dev/pts/*
    return r;
}

bool is_engine_socket(const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) < 0 || !S_ISSOCK(st.st_mode)) return false;
    const std::string name = p.filename().string();
    for (const char* engine : {"docker.sock", "containerd.sock", "podman.sock", "crio.sock", "dockershim.sock",
                               "buildkitd.sock", "containerd-shim.sock", "kubelet.sock"})
        if (name == engine) return true;
    return false;
}

// Bind sources are host paths: relative ones are relative to the bundle, and
// the policy is asked again about the resolved path, since a symlink (say
// /tmp/x -> /var/run/docker.sock) could hide a refused source.
Result<std::vector<spec::Mount>> resolve_mounts(const std::string& bundle, const spec::Spec& s,
                                                const policy::Policy& pol) {
    std::vector<spec::Mount> out = s.mounts;
    for (size_t i = 0; i < out.size(); ++i) {
        auto& m = out[i];
        if (!is_bind(m)) continue;
        m.source = absolute(bundle, m.source);
        std::error_code ec;
        auto real = std::filesystem::canonical(m.source, ec);
        if (ec) return fail("mounts[" + std::to_string(i) + "].source: " + m.source + ": " + ec.message(),
                            ec.value());
        if (pol.mode != policy::Mode::audit) {
            if (auto why = policy::refused_bind_source(real.string(), pol))
                return fail("mounts[" + std::to_string(i) + "].source: " + m.source + " (" +
                            real.string() + ") refused by policy: " + *why, EPERM);
            // An engine may listen anywhere (dockerd -H unix:///srv/x/docker.sock):
            // a bound socket is refused by its name too, not only by its usual path.
            if (is_engine_socket(real))
                return fail("mounts[" + std::to_string(i) + "].source: " + m.source +
                                " is a container engine's API socket: refused by policy", EPERM);
        }
    }
    return out;
}

Result<linux::UniqueFd> make_exec_fifo(const StateStore& store, const std::string& id) {
    std::string path = store.fifo(id);
    if (::mkfifo(path.c_str(), 0600) < 0) return sys_fail("mkfifo " + path);
    // O_RDWR: the init is then both a reader and a writer, so its read blocks
    // until `start` writes a byte (with no writer, read would return EOF).
    return linux::open_fd(path, O_RDWR);
}

std::string creating_state(const std::string& id, pid_t pid, const std::string& bundle,
                           const spec::Spec& s) {
    spec::State st;
    st.id = id;
    st.status = "creating";
    st.pid = pid;
    st.bundle = bundle;
    st.annotations = s.annotations;
    return spec::to_json(st);
}

Result<InitPlan> make_plan(const Global& g, const CreateOptions& o, const Launched& l,
                           const cgroups::Host& host,
                           const std::string& bundle, const std::string& rootfs,
                           const policy::Policy& pol, LaunchMode mode) {
    const spec::Spec& s = l.spec;
    InitPlan p;
    p.id = o.id;
    p.process = s.process;
    p.hostname = s.hostname;
    p.domainname = s.domainname;
    p.namespaces = MOAT_TRY(linux::plan_namespaces(s.linux));
    p.user_namespace = (p.namespaces.clone_flags & CLONE_NEWUSER) != 0;
    p.rootfs.rootfs = rootfs;
    p.rootfs.readonly = s.root.readonly;
    p.rootfs.propagation = s.linux.rootfs_propagation.value_or("");
    p.rootfs.mounts = MOAT_TRY(resolve_mounts(bundle, s, pol));
    p.rootfs.devices = s.linux.devices;
    p.rootfs.masked_paths = s.linux.masked_paths;
    p.rootfs.readonly_paths = s.linux.readonly_paths;
    p.rootfs.sysctl = s.linux.sysctl;
    p.rootfs.no_pivot = o.no_pivot;
    p.rootfs.in_user_ns = p.user_namespace;
    p.rootfs.cgroup_host = host;
    MOAT_CHECK(plan_confinement(s, l.hardened, pol, p));
    const auto& enf = l.hardened.enforcement;
    p.loopback_up = enf.loopback_up && (p.namespaces.clone_flags & CLONE_NEWNET);
    if (enf.egress) p.egress_batch = MOAT_TRY(plan_egress(*enf.egress, p.namespaces));
    p.new_keyring = !o.no_new_keyring;
    if (s.process.terminal && !o.console_socket.empty())
        p.console_socket = MOAT_TRY(linux::connect_unix(o.console_socket));
    else if (s.process.terminal && mode == LaunchMode::create)
        return fail("process.terminal is true but no --console-socket was given", EINVAL);
    p.preserve_fds = o.preserve_fds;
    p.create_container_hooks = s.hooks.create_container;
    p.start_container_hooks = s.hooks.start_container;
    p.pause_for_runtime_hooks = !s.hooks.prestart.empty() || !s.hooks.create_runtime.empty();
    (void)g;
    return p;
}

}  // namespace

Status plan_confinement(const spec::Spec& s, const policy::Hardened& h, const policy::Policy& pol,
                        InitPlan& p) {
    p.rlimits = MOAT_TRY(linux::parse_rlimits(s.process.rlimits));
    if (s.process.capabilities) p.capabilities = MOAT_TRY(linux::parse_capabilities(*s.process.capabilities));
    // Audit mode records what would change and changes nothing: no extra layers.
    const bool enforce = pol.mode != policy::Mode::audit;
    const auto& enf = h.enforcement;
    if (enf.seccomp && enforce) p.moat_filter = MOAT_TRY(linux::moat_filter());
    if (s.linux.seccomp) p.spec_filter = MOAT_TRY(linux::compile_spec_filter(*s.linux.seccomp));
    if (enf.landlock.enabled && enforce) {
        linux::LandlockRules rules;
        rules.writable_paths = enf.landlock.writable;
        rules.restrict_tcp_connect = enf.landlock.restrict_connect;
        for (auto [first, last] : enf.landlock.connect_ports)
            for (uint32_t port = first; port <= last; ++port)
                rules.tcp_connect_ports.push_back(static_cast<uint16_t>(port));
        rules.scope_signals = enf.landlock.scope_signals;
        rules.scope_abstract_unix = enf.landlock.scope_abstract_unix;
        p.landlock = std::move(rules);
    }
    return {};
}

Status set_oom_score_adj(pid_t pid, const spec::Process& process) {
    if (!process.oom_score_adj) return {};
    return context(linux::write_file("/proc/" + std::to_string(pid) + "/oom_score_adj",
                                     std::to_string(*process.oom_score_adj)),
                   "process.oomScoreAdj");
}

Result<pid_t> clone_process(int flags, int* pidfd) {
    struct clone_args args {};
    args.flags = static_cast<uint64_t>(flags) | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(pidfd);
    args.exit_signal = SIGCHLD;
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) return sys_fail("clone container process");
    return static_cast<pid_t>(pid);
}


// A pid or time namespace given by path (or a new time namespace) has to be
// entered by the parent: setns/unshare of those only affect children.
Status enter_parent_namespaces(linux::NamespacePlan& ns) {
    for (auto it = ns.joins.begin(); it != ns.joins.end();) {
        if (it->flag == CLONE_NEWPID || it->flag == CLONE_NEWTIME) {
            if (::setns(it->fd.get(), it->flag) < 0) return sys_fail("join namespace " + it->path);
            it = ns.joins.erase(it);
        } else {
            ++it;
        }
    }
    if (ns.new_time && ::unshare(CLONE_NEWTIME) < 0) return sys_fail("unshare time namespace");
    return {};
}

namespace {

// linux.timeOffsets go to the new time namespace before any process enters
// it (the kernel freezes them then): the clone that follows is the first.
Status write_time_offsets(const std::map<std::string, spec::TimeOffset>& offsets) {
    for (auto& [clock, off] : offsets) {
        if (clock != "monotonic" && clock != "boottime")
            return fail("linux.timeOffsets: unknown clock \"" + clock + "\"", EINVAL);
        std::string line = clock + " " + std::to_string(off.secs) + " " + std::to_string(off.nanosecs);
        MOAT_CHECK_CTX(linux::write_file("/proc/self/timens_offsets", line, O_WRONLY | O_CLOEXEC),
                       "linux.timeOffsets." + clock);
    }
    return {};
}

receipt::Receipt begin_receipt(const Record& r, const spec::Spec& s, const ActivePolicy& active,
                               const policy::Hardened& h, const InitPlan& plan) {
    receipt::Receipt rec;
    rec.id = r.id;
    rec.bundle = r.bundle;
    rec.config_sha256 = r.config_sha256;
    rec.args = s.process.args;
    receipt::record_policy(rec, active.policy, active.sha256, h);
    if (!plan.landlock) rec.landlock = "disabled by policy";
    else if (int abi = linux::landlock_abi(); abi > 0) rec.landlock = "enforced (ABI " + std::to_string(abi) + ")";
    else rec.landlock = "absent (this kernel has no Landlock)";
    if (h.enforcement.egress) rec.egress_allowlist = h.enforcement.egress_name;
    rec.created = r.created;
    rec.status = "created";
    return rec;
}

}  // namespace

Result<ActivePolicy> load_active_policy(const Global& g) {
    std::string path;
    if (g.policy_path) {
        path = *g.policy_path;
    } else {
        struct stat st {};
        if (::stat(kDefaultPolicy, &st) < 0) return ActivePolicy{};
        path = kDefaultPolicy;
    }
    auto text = MOAT_TRY(context(linux::read_file(path, spec::kMaxDocumentSize), "policy"));
    auto pol = MOAT_TRY(context(policy::parse_policy(text), "policy " + path));
    return ActivePolicy{std::move(pol), receipt::sha256_hex(text)};
}

Result<Launched> launch(const Global& g, const CreateOptions& o, LaunchMode mode) {
    MOAT_CHECK(validate_id(o.id));
    const std::string bundle = MOAT_TRY(resolve_bundle(o.bundle));
    const std::string config_text = MOAT_TRY(linux::read_file(bundle + "/config.json", spec::kMaxDocumentSize));
    auto config = spec::parse_config(config_text);
    if (!config) {
        // Syntax errors already name config.json; path errors get the file.
        if (config.error().message.rfind("config.json:", 0) != 0)
            return std::unexpected(std::move(config.error()).wrap(bundle + "/config.json"));
        return std::unexpected(std::move(config.error()));
    }
    auto active = MOAT_TRY(load_active_policy(g));
    if (o.policy) active.policy = *o.policy;
    const policy::Policy& pol = active.policy;
    Launched l;
    l.hardened = MOAT_TRY(policy::harden(*config, pol));
    l.spec = l.hardened.spec;
    const spec::Spec& s = l.spec;
    if (!s.has_process || s.process.args.empty()) return fail("process.args: a command is required");
    const std::string rootfs = MOAT_TRY(resolve_rootfs(bundle, s));

    StateStore store(g.root);
    MOAT_CHECK(store.claim(o.id));
    Rollback rollback(store, o.id);

    auto host = MOAT_TRY(cgroups::probe_host());
    cgroups::Placement placement{o.id, s.linux.cgroups_path.value_or(""), g.systemd_cgroup};
    l.cgroup = MOAT_TRY(cgroups::open(host, placement));
    MOAT_CHECK(write_atomic(store.creating_cgroup(o.id), l.cgroup->path()));
    MOAT_CHECK_CTX(l.cgroup->create(), "create cgroup");
    rollback.cgroup(l.cgroup.get());
    if (s.linux.resources) MOAT_CHECK(l.cgroup->apply(with_default_devices(*s.linux.resources)));

    auto plan = MOAT_TRY(make_plan(g, o, l, host, bundle, rootfs, pol, mode));
    if (mode == LaunchMode::create) plan.exec_fifo = MOAT_TRY(make_exec_fifo(store, o.id));
    MOAT_CHECK(enter_parent_namespaces(plan.namespaces));
    if (plan.namespaces.new_time) MOAT_CHECK(write_time_offsets(s.linux.time_offsets));
    auto [parent_end, child_end] = MOAT_TRY(Channel::make_pair());

    int pidfd = -1;
    pid_t pid = MOAT_TRY(clone_process(plan.namespaces.clone_flags, &pidfd));
    if (pid == 0) {
        parent_end.close();
        container_init(plan, child_end);
    }
    l.pidfd.reset(pidfd);
    rollback.child(pid);
    child_end.close();
    plan.exec_fifo.reset();
    debug(g, "container init is pid " + std::to_string(pid));

    // Before the child continues, so that nothing it starts escapes the cgroup.
    MOAT_CHECK_CTX(l.cgroup->add_process(pid), "add init to its cgroup");
    MOAT_CHECK(set_oom_score_adj(pid, s.process));
    if (plan.user_namespace)
        MOAT_CHECK(linux::write_id_maps(pid, s.linux.uid_mappings, s.linux.gid_mappings));
    // The init needs the state for createContainer and startContainer hooks,
    // and only the parent knows the pid as the host sees it.
    const std::string state_json = creating_state(o.id, pid, bundle, s);
    MOAT_CHECK(parent_end.send(Step::go, state_json));
    if (plan.pause_for_runtime_hooks) {
        MOAT_CHECK(parent_end.receive(Step::hooks));
        MOAT_CHECK(run_hooks(s.hooks.prestart, state_json, "prestart"));
        MOAT_CHECK(run_hooks(s.hooks.create_runtime, state_json, "createRuntime"));
        MOAT_CHECK(parent_end.send(Step::resume));
    }
    auto msg = MOAT_TRY(parent_end.receive_either(Step::listener, Step::ready));
    if (msg.step == Step::listener) {
        const auto& sc = *s.linux.seccomp;
        MOAT_CHECK_CTX(linux::send_listener_fd(sc.listener_path.value_or(""), msg.fd.get(), pid,
                                               state_json, sc.listener_metadata.value_or("")),
                       "linux.seccomp.listenerPath");
        msg = MOAT_TRY(parent_end.receive(Step::ready));
    }

    if (!plan.egress_batch.empty())
        MOAT_CHECK_CTX(linux::pin_namespace(pid, "net", store.netns(o.id)), "egress allowlist");

    Record& r = l.record;
    r.id = o.id;
    r.bundle = bundle;
    r.rootfs = rootfs;
    r.pid = pid;
    r.start_time = linux::process_start_time(pid).value_or(0);
    r.cgroup_path = l.cgroup->path();
    r.created = now_rfc3339();
    r.annotations = s.annotations;
    r.systemd_cgroup = g.systemd_cgroup;
    r.has_terminal = s.process.terminal;
    r.has_poststart = !s.hooks.poststart.empty();
    r.config_sha256 = receipt::sha256_hex(config_text);
    if (auto t = l.hardened.enforcement.timeout) r.timeout_ms = t->count();
    r.receipts_dir = pol.receipts_dir;
    r.audit_log = pol.audit_log.value_or("");
    MOAT_CHECK(store.save_config(o.id, spec::to_json(s, false)));
    MOAT_CHECK(write_atomic(store.receipt(o.id), receipt::to_json(begin_receipt(r, s, active, l.hardened, plan))));
    MOAT_CHECK(store.save(r));
    ::unlink(store.creating_cgroup(o.id).c_str());
    if (!o.pid_file.empty())
        MOAT_CHECK_CTX(write_atomic(absolute(std::filesystem::current_path().string(), o.pid_file),
                                    std::to_string(pid), 0644),
                       "--pid-file");
    rollback.commit();
    l.channel = std::move(parent_end);
    return l;
}

}  // namespace moat::runtime
