#include "moat/sandbox.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>

#include "linux/fd.hpp"
#include "moat/policy.hpp"
#include "policy/units.hpp"
#include "runtime/container.hpp"
#include "runtime/launch.hpp"
#include "runtime/receipts.hpp"
#include "runtime/supervise.hpp"
#include "runtime/watchdog.hpp"
#include "spec/json.hpp"

namespace moat::sandbox {

namespace fs = std::filesystem;
using runtime::StateStore;

namespace {

// The bundle directory, removed with everything in it when the run is over.
class TempBundle {
public:
    static Result<TempBundle> make() {
        std::string tmpl = (fs::temp_directory_path() / "moat-sandbox-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) return sys_fail("create sandbox bundle directory");
        return TempBundle(tmpl);
    }
    TempBundle(TempBundle&& o) noexcept : path_(std::exchange(o.path_, {})) {}
    TempBundle(const TempBundle&) = delete;
    ~TempBundle() {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

private:
    explicit TempBundle(std::string p) : path_(std::move(p)) {}
    std::string path_;
};

// Restores stdin/stdout/stderr when the container has been cloned with the pipes.
class StdioSwap {
public:
    StdioSwap() {
        for (int fd = 0; fd < 3; ++fd) saved_[fd] = linux::UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
    }
    ~StdioSwap() { restore(); }
    void restore() {
        for (int fd = 0; fd < 3; ++fd)
            if (saved_[fd]) ::dup2(saved_[fd].get(), fd), saved_[fd].reset();
    }

private:
    linux::UniqueFd saved_[3];
};

std::string random_id() {
    unsigned char b[6];
    if (::getrandom(b, sizeof b, 0) != sizeof b) return "sandbox-" + std::to_string(::getpid());
    static const char* hex = "0123456789abcdef";
    std::string id = "sandbox-";
    for (unsigned char c : b) id += {hex[c >> 4], hex[c & 15]};
    return id;
}

spec::Mount ro_bind(const std::string& source, const std::string& dest) {
    return spec::Mount{dest, "bind", source, {"rbind", "ro", "nosuid", "nodev"}};
}

// The host's system directories, read-only; a minimal /etc. No /home, /root,
// /var or /run: nothing of the user's or the host's state.
Status host_root(const std::string& rootfs, std::vector<spec::Mount>& mounts) {
    std::error_code ec;
    fs::create_directories(rootfs + "/etc", ec);
    if (ec) return fail("create sandbox root: " + ec.message(), ec.value());
    for (const char* dir : {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"}) {
        struct stat st {};
        if (::lstat(dir, &st) < 0) continue;
        if (S_ISLNK(st.st_mode)) {  // merged /usr: /bin -> usr/bin
            auto target = fs::read_symlink(dir, ec);
            if (!ec) fs::create_symlink(target, rootfs + dir, ec);
        } else if (S_ISDIR(st.st_mode)) {
            mounts.push_back(ro_bind(dir, dir));
        }
    }
    for (const char* f : {"/etc/passwd", "/etc/group", "/etc/hosts", "/etc/ld.so.cache", "/etc/nsswitch.conf",
                          "/etc/localtime", "/etc/ssl", "/etc/ca-certificates", "/etc/alternatives",
                          "/etc/mime.types", "/etc/python3", "/etc/protocols", "/etc/services"}) {
        if (::access(f, F_OK) == 0) mounts.push_back(ro_bind(f, f));
    }
    return {};
}

Result<spec::Spec> make_spec(const Options& o, const policy::Policy& pol, const std::string& bundle) {
    spec::Spec s = policy::example_spec(pol);
    s.process.args = o.args;
    s.process.terminal = false;
    s.process.cwd = o.cwd;
    s.process.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp",
                     "LANG=C.UTF-8", "TMPDIR=/tmp"};
    for (auto& kv : o.env) {
        if (kv.find('=') == std::string::npos || kv.front() == '=') return fail("--env " + kv + ": expected K=V", EINVAL);
        s.process.env.push_back(kv);
    }
    s.hostname = "sandbox";
    s.root.readonly = true;
    if (o.rootfs) {
        std::error_code ec;
        auto root = fs::canonical(*o.rootfs, ec);
        if (ec) return fail("--rootfs " + *o.rootfs + ": " + ec.message(), ec.value());
        s.root.path = root.string();
    } else {
        s.root.path = bundle + "/rootfs";
        MOAT_CHECK(host_root(s.root.path, s.mounts));
    }
    for (auto& in : o.inputs) {
        std::error_code ec;
        auto src = fs::canonical(in.source, ec);
        if (ec) return fail("--input " + in.source + ": " + ec.message(), ec.value());
        std::string dest = in.destination.empty() ? "/input/" + src.filename().string() : in.destination;
        if (dest.front() != '/') return fail("--input " + in.source + ": destination " + dest + " is not absolute", EINVAL);
        s.mounts.push_back(ro_bind(src.string(), dest));
    }
    if (o.output) {
        std::string staging = bundle + "/output";
        if (::mkdir(staging.c_str(), 0777) < 0) return sys_fail("create " + staging);
        s.mounts.push_back(spec::Mount{"/output", "bind", staging, {"rbind", "rw", "nosuid", "nodev"}});
    }
    // Limits are requests the policy judges (and may refuse), as for any container.
    s.annotations["run.moat.timeout"] = o.timeout;
    if (o.memory) s.annotations["run.moat.memory"] = *o.memory;
    if (o.pids) s.annotations["run.moat.pids"] = *o.pids;
    if (o.cpus) s.annotations["run.moat.cpus"] = *o.cpus;
    if (o.tmp_size) s.annotations["run.moat.tmpsize"] = *o.tmp_size;
    if (o.network != "none" && o.network != "loopback")
        return fail("--network: expected none or loopback, got " + o.network, EINVAL);
    s.annotations["run.moat.network"] = o.network;
    return s;
}

// The output directory must be writable before anything runs, so a bad one
// fails early and leaves the caller's files alone.
Status check_output_dir(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail("--output " + dir + ": " + ec.message(), ec.value());
    if (::access(dir.c_str(), W_OK) < 0) return sys_fail("--output " + dir);
    return {};
}

// Regular files and directories only: a symlink made inside the sandbox must
// not make moat write (or read) somewhere else on the host.
void copy_out(const fs::path& from, const fs::path& to, const fs::path& base, std::vector<std::string>& files) {
    std::error_code ec;
    for (auto& entry : fs::directory_iterator(from, ec)) {
        auto st = entry.symlink_status(ec);
        auto dest = to / entry.path().filename();
        if (fs::is_directory(st)) {
            fs::create_directories(dest, ec);
            copy_out(entry.path(), dest, base, files);
        } else if (fs::is_regular_file(st)) {
            fs::copy_file(entry.path(), dest, fs::copy_options::overwrite_existing, ec);
            if (!ec) files.push_back(fs::relative(entry.path(), base, ec).string());
        }
    }
}

void keep(std::string& buf, bool& truncated, std::string_view data, uint64_t limit, int relay_fd) {
    size_t room = buf.size() < limit ? static_cast<size_t>(limit - buf.size()) : 0;
    if (data.size() > room) truncated = true;
    auto kept = data.substr(0, room);
    buf.append(kept);
    if (relay_fd >= 0 && !kept.empty()) (void)linux::write_all(relay_fd, kept);
}

// "30s" -> "30 s", "512MiB" -> "512 MiB": the reason line is for people.
std::string spaced(std::string text) {
    auto unit = text.find_first_not_of("0123456789.");
    if (unit != std::string::npos && unit > 0) text.insert(unit, " ");
    return text;
}

}  // namespace

Result<Outcome> run(const runtime::Global& g, const Options& o) {
    if (o.args.empty()) return fail("a command is required: moat sandbox [options] -- CMD [ARG…]", EINVAL);
    if (o.output) MOAT_CHECK(check_output_dir(*o.output));
    auto active = MOAT_TRY(runtime::load_active_policy(g));
    policy::Policy pol = active.policy;
    // /output is moat's own staging directory, never the caller's storage.
    if (o.output) pol.binds.writable.push_back("/output");

    auto bundle = MOAT_TRY(TempBundle::make());
    auto s = MOAT_TRY(make_spec(o, pol, bundle.path()));
    MOAT_CHECK(linux::write_file(bundle.path() + "/config.json", spec::to_json(s), O_WRONLY | O_CREAT | O_TRUNC));

    Outcome out;
    out.id = random_id();
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) < 0 || ::pipe2(err_pipe, O_CLOEXEC) < 0) return sys_fail("pipe");
    linux::UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]), err_r(err_pipe[0]), err_w(err_pipe[1]);

    runtime::CreateOptions co;
    co.id = out.id;
    co.bundle = bundle.path();
    co.policy = &pol;
    const auto t0 = std::chrono::steady_clock::now();
    Result<runtime::Launched> launched = fail("not launched");
    {
        // The container's init inherits fds 0-2 at clone time.
        StdioSwap swap;
        ::dup2(out_w.get(), 1);
        ::dup2(err_w.get(), 2);
        if (!o.pass_stdin) {
            linux::UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
            ::dup2(null.get(), 0);
        }
        launched = runtime::launch(g, co, runtime::LaunchMode::run);
    }
    out_w.reset();
    err_w.reset();
    if (!launched) return std::unexpected(std::move(launched.error()));
    auto& l = *launched;
    StateStore store(g.root);
    MOAT_CHECK(l.channel.send(runtime::Step::start));
    if (auto e = l.channel.wait_exec(); !e && g.log) g.log->error(e.error().message);
    l.channel.close();

    std::optional<std::chrono::milliseconds> limit;
    if (l.record.timeout_ms > 0) limit = std::chrono::milliseconds(l.record.timeout_ms);
    const int relay_out = o.json ? -1 : 1, relay_err = o.json ? -1 : 2;
    std::vector<runtime::Stream> streams = {
        {out_r.get(), [&](std::string_view d) { keep(out.out, out.out_truncated, d, o.output_limit, relay_out); }},
        {err_r.get(), [&](std::string_view d) { keep(out.err, out.err_truncated, d, o.output_limit, relay_err); }},
    };
    auto status = runtime::supervise(l.pidfd.get(), l.record.pid, limit, [&] {
        out.timed_out = true;
        runtime::kill_for_timeout(store, l.record);
    }, streams);
    out.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();

    std::string warning;
    // One read of the cgroup's statistics serves the receipt and the outcome.
    auto usage = runtime::finish_receipt(store, l.record, l.cgroup.get(),
                                         status ? std::optional<int>(*status) : std::nullopt, &warning);
    if (usage) {
        out.peak_memory = usage->peak_memory;
        out.cpu_user_ns = usage->cpu_user_ns;
        out.cpu_system_ns = usage->cpu_system_ns;
        out.oom_killed = usage->oom_kills > 0;
    }
    auto removed = runtime::remove(g, out.id, true);
    if (!status) return std::unexpected(std::move(status.error()));
    MOAT_CHECK_CTX(removed, "clean up sandbox");

    out.exit_code = runtime::exit_code(*status);
    if (out.exit_code > 128) out.signal = out.exit_code - 128;
    if (out.timed_out) {
        out.exit_code = 124;
        out.reason = "killed: exceeded the " + spaced(policy::units::format_duration(*limit)) + " wall-clock limit";
    } else if (out.oom_killed) {
        int64_t mem = 0;
        if (l.spec.linux.resources && l.spec.linux.resources->memory)
            mem = l.spec.linux.resources->memory->limit.value_or(0);
        out.reason = "killed: exceeded the " + spaced(policy::units::format_size(static_cast<uint64_t>(mem))) +
                     " memory limit";
    }
    if (out.out_truncated || out.err_truncated)
        warning += (warning.empty() ? "" : "; ") + std::string("output beyond ") +
                   policy::units::format_size(o.output_limit) + " was cut";
    json::Writer adj;
    policy::adjustments_to_json(adj, l.hardened.adjustments);
    out.adjustments_json = adj.str();
    if (o.output) copy_out(bundle.path() + "/output", *o.output, bundle.path() + "/output", out.output_files);
    if (!warning.empty() && g.log) g.log->debug(warning);
    return out;
}

std::string to_json(const Outcome& o) {
    json::Writer w(true);
    w.begin_object();
    w.field("id", o.id).field("exitCode", o.exit_code);
    if (o.signal) w.field("signal", *o.signal);
    else w.key("signal").null();
    w.field("timedOut", o.timed_out).field("oomKilled", o.oom_killed);
    if (!o.reason.empty()) w.field("reason", o.reason);
    w.field("durationMs", o.duration_ms).field("peakMemoryBytes", o.peak_memory);
    w.field("cpuUserNs", o.cpu_user_ns).field("cpuSystemNs", o.cpu_system_ns);
    w.field("stdout", o.out).field("stderr", o.err);
    w.field("stdoutTruncated", o.out_truncated).field("stderrTruncated", o.err_truncated);
    w.key("outputFiles").begin_array();
    for (auto& f : o.output_files) w.value(f);
    w.end_array();
    w.key("adjustments").raw(o.adjustments_json);
    w.end_object();
    return w.str();
}

}  // namespace moat::sandbox
