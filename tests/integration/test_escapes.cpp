// Issue 8, escapes: every known class of container breakout attempted from
// inside a moat container under the DEFAULT profile (no policy file), each
// expected to fail, and where it matters the host checked unchanged afterwards.
// Every attempt is recorded in a ledger; Escape.Summary (last in this file)
// prints the table "attack | expected | observed" and the count blocked.
//
// Safety: no attempt can harm the host if it succeeds. Writes aimed at host
// kernel files write the value already there; the CVE-2019-5736 attempt aims
// at a private copy of the moat binary; the network check talks only to a
// veth peer in a network namespace this test creates and removes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>

#include "moat_test.hpp"

namespace fs = std::filesystem;

namespace moat::test {
namespace {

using namespace std::chrono_literals;

// ---- the ledger ----

struct Attempt {
    std::string attack, expected, observed;
    bool blocked = false;
};

std::vector<Attempt>& ledger() {
    static std::vector<Attempt> attempts;
    return attempts;
}

// Records one attempt; true when it was blocked.
bool record(const std::string& attack, const std::string& expected, const std::string& observed,
            bool blocked) {
    ledger().push_back({attack, expected, observed, blocked});
    return blocked;
}

// ---- small helpers ----

// The outcome part of a probe line "what: OUTCOME" ("" when missing).
std::string outcome_of(const std::string& out, const std::string& prefix) {
    auto line = line_starting(out, prefix + ": ");
    return line.empty() ? "<no output>" : line.substr(prefix.size() + 2);
}

std::string status_field(const std::string& status_line, const std::string& key) {
    std::istringstream in(status_line);
    for (std::string w; in >> w;)
        if (w.rfind(key + "=", 0) == 0) return w.substr(key.size() + 1);
    return "<missing " + key + ">";
}

std::string sha256_of(const std::string& path) {
    auto r = run({"sha256sum", path});
    return r.out.substr(0, r.out.find(' '));
}

// Host mount points (field 5 of mountinfo), sorted.
std::vector<std::string> host_mount_points() {
    std::vector<std::string> out;
    for (auto& line : lines_of(slurp("/proc/self/mountinfo"))) {
        std::istringstream f(line);
        std::string w;
        for (int i = 0; i < 5 && f >> w; ++i) {}
        out.push_back(w);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// What the pty showed, without the "\r" it adds before each "\n".
std::string pty_text(int master, const std::string& until) {
    std::string out = drain(master, until);
    out.erase(std::remove(out.begin(), out.end(), '\r'), out.end());
    return out;
}

// A program started in the background (not through run(), which waits).
class Background {
public:
    explicit Background(const std::vector<std::string>& argv) {
        pid_ = ::fork();
        if (pid_ == 0) {
            ::setpgid(0, 0);
            int null = ::open("/dev/null", O_RDWR);
            ::dup2(null, 0);
            ::dup2(null, 1);
            ::dup2(null, 2);
            std::vector<char*> args;
            for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execvp(args[0], args.data());
            ::_exit(127);
        }
    }
    ~Background() {
        if (pid_ > 0) {
            ::kill(-pid_, SIGKILL);
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

private:
    pid_t pid_ = -1;
};

// Busybox applets the scripts here use beyond the bundle's standard set.
void add_applets(const Bundle& b) {
    for (auto applet : {"sed", "nc"})
        if (!fs::exists(fs::symlink_status(b.rootfs() + "/bin/" + applet)))
            fs::create_symlink("busybox", b.rootfs() + "/bin/" + applet);
}

class Escape : public MoatTest {
protected:
    // Run the bundle's process to the end (moat run), with args set.
    RunResult run_in(Bundle& b, std::vector<std::string> args,
                     std::chrono::milliseconds timeout = 60s) {
        b.spec().process.args = std::move(args);
        b.write();
        auto id = new_id();
        RunOptions o;
        o.timeout = timeout;
        auto r = moat({"run", "--bundle", b.path(), id}, o);
        EXPECT_TRUE(no_leaks(b, id));
        return r;
    }

    // Run a shell script in a fresh default container with the probe.
    RunResult sh(const std::string& script, std::chrono::milliseconds timeout = 60s) {
        Bundle b({.probe = true});
        add_applets(b);
        return run_in(b, {"sh", "-c", script}, timeout);
    }

    // The container's init pid from `moat state`.
    int state_pid(const std::string& id) {
        auto r = moat({"state", id});
        auto at = r.out.find("\"pid\"");
        if (r.status != 0 || at == std::string::npos) return -1;
        at = r.out.find(':', at);
        return std::atoi(r.out.c_str() + at + 1);
    }

    // One probe check per line: each one must not say "ok"; each recorded.
    void expect_each_blocked(const std::string& out, const std::string& cls,
                             const std::vector<std::string>& checks, const std::string& expected,
                             bool exact) {
        for (auto& c : checks) {
            auto got = outcome_of(out, c);
            bool blocked = exact ? got == expected : (got != "ok" && got != "<no output>");
            EXPECT_TRUE(record(cls + ": " + c, expected, got, blocked))
                << cls << ": `" << c << "` from inside the container gave " << got
                << " (expected " << expected << ")";
        }
    }
};

// ---------------------------------------------------------------------------

// CVE-2019-5736 class: overwrite the runtime's binary through /proc/PID/exe.
TEST_F(Escape, RuntimeExeOverwrite) {
    // A private copy of moat runs this container, so that a successful attack
    // could only ever damage the copy; the real binary is checked too.
    TempDir tools("moat-esc-exe");
    std::string copy = tools / "moat";
    fs::copy_file(moat_binary(), copy);  // with the built binary's mode
    // Execute-only for everyone, its owner (root) included: the kernel makes a
    // process that runs it without being able to read it non-dumpable at exec,
    // so a copy started in a container can never have its /proc/PID/exe opened.
    const auto mode = static_cast<unsigned>(fs::status(copy).permissions()) & 0777;
    char octal[8];
    std::snprintf(octal, sizeof octal, "%03o", mode);
    EXPECT_TRUE(record("5736: moat binary readable by a root without capabilities", "no",
                       std::string((mode & 0444) ? "yes" : "no") + " (mode " + octal + ")", (mode & 0444) == 0));
    const std::string real_before = sha256_of(moat_binary());
    const std::string copy_before = sha256_of(copy);
    auto cmoat = [&](std::vector<std::string> args, std::chrono::milliseconds t = 60s) {
        args.insert(args.begin(), {copy, "--root", state_root()});
        RunOptions o;
        o.timeout = t;
        return run(args, o);
    };

    Bundle b({.probe = true});

    add_applets(b);
    // The classic payload: an image program whose interpreter is the runtime.
    b.write_file("/bin/evil", "#!/proc/self/exe\n", 0755);
    // The attacker: finds any process whose exe is neither busybox nor the
    // probe (a runtime process), holds it open read-only, and once that
    // process has gone tries to reopen it for writing through /proc/self/fd.
    b.write_file("/bin/attack",
                 "#!/bin/sh\n"
                 "end=$(( $(cut -d. -f1 /proc/uptime) + ${1:-20} ))\n"
                 "while [ $(cut -d. -f1 /proc/uptime) -lt $end ]; do\n"
                 "  for p in /proc/[0-9]*; do\n"
                 "    [ -e $p/exe ] || continue\n"
                 "    [ $p/exe -ef /bin/busybox ] && continue\n"
                 "    [ $p/exe -ef /bin/moat-probe ] && continue\n"
                 "    exec 3<$p/exe || continue\n"
                 "    echo caught ${p#/proc/}\n"
                 "    sleep 1\n"
                 "    moat-probe write /proc/self/fd/3 x | sed 's/^/reopen: /'\n"
                 "    exit 0\n"
                 "  done\n"
                 "done\n"
                 "echo caught none\n",
                 0755);
    b.spec().process.args = {"sleep", "300"};
    b.write();
    auto id = new_id();

    // 1. Between create and start, the container's init IS the runtime (moat,
    // forked, waiting for start). Its exe must not be openable for writing.
    auto created = cmoat({"create", "--bundle", b.path(), id});
    ASSERT_EQ(created.status, 0) << created;
    int init = state_pid(id);
    ASSERT_GT(init, 0);
    std::error_code ec;
    auto init_exe = fs::read_symlink("/proc/" + std::to_string(init) + "/exe", ec).string();
    auto pre = cmoat({"exec", id, "sh", "-c", "moat-probe exe-write 1; moat-probe read /proc/1/exe"});
    if (pre.status == 0 || contains(pre.out, "exe-write")) {
        auto got = outcome_of(pre.out, "exe-write 1");
        EXPECT_TRUE(record("5736: open /proc/1/exe (runtime init, before start) O_WRONLY",
                           "not ok", got, got != "ok" && got != "<no output>"))
            << "init is " << init_exe << ": " << pre;
    } else {
        record("5736: exec into a created container", "refused or blocked",
               "exec refused: " + trimmed(pre.err), true);
    }

    ASSERT_EQ(cmoat({"start", id}).status, 0);

    // 2. A long-running `moat exec` process and every process in the
    // container: no /proc/PID/exe opens for writing, nor /proc/self/exe.
    Background longexec({copy, "--root", state_root(), "exec", id, "sleep", "60"});
    std::this_thread::sleep_for(2s);
    auto all = cmoat({"exec", id, "sh", "-c",
                      "for p in /proc/[0-9]*; do moat-probe exe-write ${p#/proc/}; done;"
                      "moat-probe exe-write self"});
    EXPECT_EQ(all.status, 0) << all;
    int tried = 0;
    for (auto& line : lines_of(all.out)) {
        if (line.rfind("exe-write ", 0) != 0) continue;
        ++tried;
        auto got = line.substr(line.find(": ") + 2);
        EXPECT_TRUE(record("5736: open /proc/PID/exe O_WRONLY (" + line.substr(10, line.find(':') - 10) + ")",
                           "not ok", got, got != "ok"))
            << line;
    }
    EXPECT_GE(tried, 3) << all;

    // 3. The runtime binary must never run inside the container: `moat exec`
    // of an image script whose interpreter is /proc/self/exe (the published
    // payload), and of /proc/self/exe itself.
    for (std::vector<std::string> argv : {std::vector<std::string>{"/bin/evil"},
                                          std::vector<std::string>{"/proc/self/exe", "--version"}}) {
        std::vector<std::string> args = {"exec", id};
        args.insert(args.end(), argv.begin(), argv.end());
        auto e = cmoat(args, 20s);
        bool ran = contains(e.out, "moat") || contains(e.err, "unknown command");
        EXPECT_TRUE(record("5736: moat exec " + argv[0] + " runs the runtime binary inside", "no",
                           ran ? "YES: " + trimmed(e.out + e.err).substr(0, 60)
                               : "no (exit " + std::to_string(e.status) + ")",
                           !ran))
            << "the host's moat binary executed inside the container: " << e;
    }

    // 4. The payload: `moat exec` of an image file whose interpreter is
    // /proc/self/exe, while the attacker waits to catch the runtime binary.
    Background attacker({copy, "--root", state_root(), "exec", id, "sh", "-c",
                         "/bin/attack 25 > /tmp/attack.log 2>&1"});
    std::this_thread::sleep_for(1s);
    std::string evil_out;
    for (int i = 0; i < 15; ++i) {
        auto e = cmoat({"exec", id, "/bin/evil"}, 20s);
        if (i == 0) evil_out = e.out + e.err;
        std::this_thread::sleep_for(100ms);
    }
    std::string log;
    for (int i = 0; i < 30 && !contains(log, "caught"); ++i) {
        std::this_thread::sleep_for(1s);
        log = cmoat({"exec", id, "cat", "/tmp/attack.log"}).out;
        if (contains(log, "caught ") && !contains(log, "caught none") && !contains(log, "reopen:"))
            log.clear();  // caught, the reopen is still to come
    }
    auto reopen = line_starting(log, "reopen: ");
    if (contains(log, "caught none") || log.empty()) {
        record("5736: #!/proc/self/exe payload, reopen runtime exe via /proc/self/fd",
               "not ok", "runtime process never caught (race not won)", true);
    } else {
        EXPECT_FALSE(contains(reopen, ": ok"))
            << "ESCAPE: the runtime binary was reopened for writing from the container: " << log;
        record("5736: #!/proc/self/exe payload, reopen runtime exe via /proc/self/fd", "not ok",
               reopen.empty() ? trimmed(log) : reopen.substr(8), !contains(reopen, ": ok"));
    }
    EXPECT_EQ(cmoat({"delete", "--force", id}).status, 0);

    // ... nor as the container's own process.
    Bundle b2;
    b2.spec().process.args = {"/proc/self/exe", "--version"};
    b2.write();
    auto id2 = new_id();
    auto e2 = cmoat({"run", "--bundle", b2.path(), id2});
    bool ran = contains(e2.out, "moat") || contains(e2.err, "unknown command");
    EXPECT_TRUE(record("5736: process.args /proc/self/exe runs the runtime binary inside", "no",
                       ran ? "YES" : "no (exit " + std::to_string(e2.status) + ")", !ran))
        << e2;

    EXPECT_EQ(sha256_of(copy), copy_before) << "ESCAPE: the runtime binary copy was modified";
    EXPECT_EQ(sha256_of(moat_binary()), real_before) << "ESCAPE: the moat binary was modified";
    record("5736: host moat binary sha256", "unchanged",
           sha256_of(copy) == copy_before ? "unchanged" : "CHANGED", sha256_of(copy) == copy_before);
    std::cout << "[ escape ] #!/proc/self/exe under moat exec gave: " << trimmed(evil_out).substr(0, 200)
              << "\n[ escape ] attacker log: " << trimmed(log) << "\n";
    EXPECT_TRUE(no_leaks(b, id));
}

// CVE-2021-30465 class: a symlink in the image redirects a mount destination
// outside the rootfs.
TEST_F(Escape, MountDestinationSymlink) {
    TempDir host("moat-esc-host-target");
    std::ofstream(host / "canary") << "canary\n";
    Bundle b({.probe = true});
    add_applets(b);
    fs::create_symlink(host.path(), b.rootfs() + "/evil");
    fs::create_symlink("../../../../../../../../" + host.path(), b.rootfs() + "/evil2");
    for (auto dest : {"/evil", "/evil/sub", "/evil2"}) {
        spec::Mount m;
        m.destination = dest;
        m.type = "tmpfs";
        m.source = "tmpfs";
        m.options = {"size=1m"};
        b.spec().mounts.push_back(m);
    }
    b.spec().process.args = {"sh", "-c", "touch /evil/x /evil2/x; echo done"};
    b.write();
    auto before = host_mount_points();
    auto id = new_id();

    auto r = moat({"create", "--bundle", b.path(), id});
    auto after = host_mount_points();
    std::vector<std::string> outside;
    for (auto& m : after)
        if (!std::binary_search(before.begin(), before.end(), m) && m.rfind(b.path(), 0) != 0)
            outside.push_back(m);
    for (auto& m : after)
        if (m.rfind(host.path(), 0) == 0) outside.push_back(m);
    if (r.status == 0) {
        EXPECT_EQ(moat({"start", id}).status, 0);
    }
    std::this_thread::sleep_for(500ms);
    moat({"delete", "--force", id});

    std::vector<std::string> entries;
    for (auto& e : fs::directory_iterator(host.path())) entries.push_back(e.path().filename());
    EXPECT_TRUE(record("30465: tmpfs mounted through rootfs/evil -> host dir", "no host mount",
                       outside.empty() ? "none (create status " + std::to_string(r.status) + ")"
                                       : "mount at " + outside[0],
                       outside.empty()))
        << "ESCAPE: new mounts outside the rootfs on the host";
    EXPECT_TRUE(record("30465: host target untouched", "only canary",
                       std::to_string(entries.size()) + " entries",
                       entries == std::vector<std::string>{"canary"}));
    EXPECT_EQ(slurp(host / "canary"), "canary\n");
    EXPECT_TRUE(no_leaks(b, id));
}

// CVE-2024-21626 class: a leaked host fd or working directory.
TEST_F(Escape, LeakedFdsAndCwd) {
    auto r = sh("moat-probe fds; moat-probe cwd; echo \"selfcwd: $(readlink /proc/self/cwd)\";"
                "echo \"root: $(readlink /proc/self/root)\";"
                "for f in /proc/self/fd/*; do echo \"fdlink: $f $(readlink $f)\"; done;"
                "ls /proc/1/fd | wc -l | sed 's/^/initfds: /'");
    ASSERT_EQ(r.status, 0) << r;
    auto fds = line_starting(r.out, "fds:");
    EXPECT_TRUE(record("21626: fds beyond 0-2 in the container", "fds:", fds, fds == "fds:")) << r;
    auto cwd = line_starting(r.out, "cwd:");
    EXPECT_TRUE(record("21626: cwd inside the container", "cwd: /", cwd, cwd == "cwd: /")) << r;
    auto selfcwd = line_starting(r.out, "selfcwd:");
    EXPECT_TRUE(record("21626: /proc/self/cwd", "selfcwd: /", selfcwd, selfcwd == "selfcwd: /")) << r;
    bool clean = !contains(r.out, "/sys/fs/cgroup") && !contains(r.out, state_root()) &&
                 !contains(r.out, "(unreachable)");
    EXPECT_TRUE(record("21626: an fd at cgroupfs / state dir / host path", "none",
                       clean ? "none" : "found", clean))
        << r;

    // The same through exec, and cwd given as a /proc/self/fd path (the
    // actual CVE-2024-21626 vector: process.cwd "/proc/self/fd/N").
    Bundle b({.probe = true});
    add_applets(b);
    b.spec().process.args = {"sleep", "300"};
    b.write();
    auto id = new_id();
    ASSERT_EQ(moat({"run", "--detach", "--bundle", b.path(), id}).status, 0);
    auto e = moat({"exec", id, "moat-probe", "fds"});
    auto efds = line_starting(e.out, "fds:");
    EXPECT_TRUE(record("21626: fds beyond 0-2 in an exec'd process", "fds:", efds, efds == "fds:")) << e;
    for (int n = 3; n <= 8; ++n) {
        auto c = moat({"exec", "--cwd", "/proc/self/fd/" + std::to_string(n), id, "sh", "-c",
                       "moat-probe cwd; ls -a | head -20"});
        bool blocked = c.status != 0 || (!contains(c.out, "(unreachable)") && !contains(c.out, "cgroup.procs") &&
                                         !contains(c.out, "state.json"));
        EXPECT_TRUE(record("21626: exec --cwd /proc/self/fd/" + std::to_string(n), "refused or inside",
                           c.status != 0 ? "refused" : trimmed(line_starting(c.out, "cwd:")), blocked))
            << c;
    }
    EXPECT_EQ(moat({"delete", "--force", id}).status, 0);
    Bundle b2({.probe = true});
    add_applets(b2);
    b2.spec().process.cwd = "/proc/self/fd/5";
    auto c = run_in(b2, {"sh", "-c", "moat-probe cwd; ls -a | head"});
    bool blocked = c.status != 0 || (!contains(c.out, "(unreachable)") && !contains(c.out, "cgroup.procs"));
    EXPECT_TRUE(record("21626: process.cwd /proc/self/fd/5", "refused or inside",
                       c.status != 0 ? "refused" : trimmed(line_starting(c.out, "cwd:")), blocked))
        << c;
    EXPECT_TRUE(no_leaks(b, id));
}

// CVE-2025-31133 class: the image's /dev/null is a symlink to a procfs file
// before masking (and no tmpfs on /dev hides it).
TEST_F(Escape, DevNullSymlinkBeforeMasking) {
    const std::string core_before = slurp("/proc/sys/kernel/core_pattern");
    Bundle b({.probe = true});
    add_applets(b);
    auto& mounts = b.spec().mounts;
    mounts.erase(std::remove_if(mounts.begin(), mounts.end(),
                                [](const spec::Mount& m) { return m.destination == "/dev"; }),
                 mounts.end());
    fs::create_directories(b.rootfs() + "/dev");
    fs::create_symlink("/proc/sys/kernel/core_pattern", b.rootfs() + "/dev/null");
    const std::string value = trimmed(core_before);  // writing the same value is harmless
    auto r = run_in(b, {"sh", "-c",
                        "for p in /proc/keys /proc/timer_list /proc/kcore /proc/sched_debug; do "
                        "  [ -e $p ] || continue; stat -c \"mask $p %F %t,%T\" $p;"
                        "  echo \"content $p $(head -c 64 $p | wc -c)\";"
                        "  moat-probe write $p '" + value + "'; done;"
                        "moat-probe write /dev/null '" + value + "';"
                        "grep -c core_pattern /proc/self/mountinfo | sed 's/^/cpmounts: /'"});
    if (r.status != 0 && !contains(r.out, "mask ")) {
        EXPECT_TRUE(record("31133: /dev/null -> core_pattern", "refused or masked", "create refused", true));
    } else {
        for (auto p : {"/proc/keys", "/proc/timer_list"}) {
            auto mask = line_starting(r.out, std::string("mask ") + p + " ");
            if (mask.empty()) continue;
            bool masked = contains(mask, "character special file 1,3");
            EXPECT_TRUE(record(std::string("31133: mask of ") + p + " is the real null device",
                               "char 1,3", mask.substr(mask.find(' ', 5) + 1), masked))
                << r;
            auto content = line_starting(r.out, std::string("content ") + p + " ");
            EXPECT_EQ(content, std::string("content ") + p + " 0") << r;
            auto w = outcome_of(r.out, std::string("write ") + p);
            EXPECT_TRUE(record(std::string("31133: write masked ") + p, "not ok", w, w != "ok")) << r;
        }
        auto w = outcome_of(r.out, "write /dev/null");
        EXPECT_TRUE(record("31133: write through /dev/null symlink", "not ok", w, w != "ok")) << r;
        EXPECT_EQ(line_starting(r.out, "cpmounts:"), "cpmounts: 0") << "core_pattern got mounted somewhere: " << r;
    }
    auto core_after = slurp("/proc/sys/kernel/core_pattern");
    EXPECT_TRUE(record("31133: host core_pattern", "unchanged", core_after == core_before ? "unchanged" : "CHANGED",
                       core_after == core_before))
        << "ESCAPE: host core_pattern is now " << core_after;
}

// CVE-2025-52565 class: /dev/console in the image is a symlink to a procfs
// file, with process.terminal.
TEST_F(Escape, DevConsoleSymlink) {
    const std::string core_before = slurp("/proc/sys/kernel/core_pattern");
    for (bool keep_dev_tmpfs : {false, true}) {
        Bundle b({.probe = true});
        add_applets(b);
        if (!keep_dev_tmpfs) {
            auto& mounts = b.spec().mounts;
            mounts.erase(std::remove_if(mounts.begin(), mounts.end(),
                                        [](const spec::Mount& m) { return m.destination == "/dev"; }),
                         mounts.end());
            fs::create_directories(b.rootfs() + "/dev/pts");
            fs::create_symlink("pts/ptmx", b.rootfs() + "/dev/ptmx");
        }
        fs::create_directories(b.rootfs() + "/dev");
        fs::create_symlink("/proc/sys/kernel/core_pattern", b.rootfs() + "/dev/console");
        fs::create_symlink("/proc/sysrq-trigger", b.rootfs() + "/dev/tty0");
        b.spec().process.terminal = true;
        b.spec().process.args = {
            "sh", "-c",
            "grep -cE 'core_pattern|sysrq' /proc/self/mountinfo | sed 's/^/procmounts: /';"
            "grep -E 'core_pattern|sysrq' /proc/self/mountinfo | sed 's/^/procmount: /';"
            "stat -c 'console %F' /dev/console;"
            "moat-probe write /proc/sys/kernel/core_pattern '" + trimmed(core_before) + "';"
            "moat-probe write /dev/console '" + trimmed(core_before) + "';"
            "moat-probe syscall tiocsti; echo end-$((6*7))"};
        b.write();
        ConsoleSocket sock;
        auto id = new_id();
        auto r = moat({"create", "--console-socket", sock.path(), "--bundle", b.path(), id});
        std::string what = keep_dev_tmpfs ? " (tmpfs /dev)" : " (image /dev)";
        if (r.status != 0) {
            record("52565: /dev/console -> core_pattern" + what, "refused or harmless",
                   "create refused: " + trimmed(r.err).substr(0, 90), true);
            continue;
        }
        int master = sock.receive();
        ASSERT_GE(master, 0) << "no pty master";
        EXPECT_EQ(moat({"start", id}).status, 0);
        auto out = pty_text(master, "end-42");
        ::close(master);
        moat({"delete", "--force", id});
        EXPECT_TRUE(contains(out, "end-42")) << out;
        auto pm = line_starting(out, "procmounts:");
        EXPECT_TRUE(record("52565: mount over a procfs file via /dev/console" + what, "procmounts: 0", pm,
                           pm == "procmounts: 0"))
            << "BUG (CVE-2025-52565 class): the runtime followed the image's /dev/console symlink "
               "and bind-mounted the pty over its target (/proc/sys/kernel/core_pattern) inside the "
               "container. No host effect was seen (writes refused, host core_pattern unchanged), "
               "but a runtime must not mount where an image symlink points; runc >= 1.2.8 refuses "
               "a /dev/console that is not a regular file. Output:\n"
            << out;
        auto w = outcome_of(out, "write /proc/sys/kernel/core_pattern");
        EXPECT_TRUE(record("52565: write /proc/sys/kernel/core_pattern" + what, "not ok", w, w != "ok")) << out;
        auto t = outcome_of(out, "tiocsti");
        EXPECT_TRUE(record("TIOCSTI on the container's terminal" + what, "EPERM", t, t == "EPERM")) << out;
        EXPECT_TRUE(no_leaks(b, id));
    }
    auto core_after = slurp("/proc/sys/kernel/core_pattern");
    EXPECT_TRUE(record("52565: host core_pattern", "unchanged", core_after == core_before ? "unchanged" : "CHANGED",
                       core_after == core_before));
}

// CVE-2025-52881 class: procfs writes made by the runtime (oomScoreAdj,
// sysctl) redirected by an image whose /proc is a symlink. Either refused, or
// the runtime's writes reach the container's real procfs (checked from the
// host) and the kernel views inside stay masked and read-only.
TEST_F(Escape, ProcfsWriteRedirect) {
    const std::string core_before = slurp("/proc/sys/kernel/core_pattern");
    const std::string fwd_before = slurp("/proc/sys/net/ipv4/ip_forward");
    const std::string oom_before = slurp("/proc/self/oom_score_adj");
    for (std::string target : {"/procx", "/dev/shm", "/sys/kernel"}) {
        Bundle b({.probe = true});
        add_applets(b);
        fs::remove_all(b.rootfs() + "/proc");
        fs::create_symlink(target, b.rootfs() + "/proc");
        b.spec().process.oom_score_adj = 1000;
        b.spec().linux.sysctl["net.ipv4.ip_forward"] = fwd_before == "1\n" ? "0" : "1";
        b.spec().process.args = {"sleep", "300"};
        b.write();
        auto id = new_id();
        std::string cls = "52881: /proc -> " + target + " with oomScoreAdj+sysctl";
        auto r = moat({"run", "--detach", "--bundle", b.path(), id});
        if (r.status != 0) {
            record(cls, "refused or not redirected", "refused: " + trimmed(r.err).substr(0, 80), true);
            continue;
        }
        int pid = state_pid(id);
        ASSERT_GT(pid, 0);
        auto oom = trimmed(slurp("/proc/" + std::to_string(pid) + "/oom_score_adj"));
        auto fwd = trimmed(run({"nsenter", "-t", std::to_string(pid), "-n", "cat",
                                "/proc/sys/net/ipv4/ip_forward"}).out);
        EXPECT_TRUE(record(cls + ": runtime writes reach the real procfs", "oom 1000, sysctl set",
                           "oom " + oom + ", sysctl " + fwd,
                           oom == "1000" && fwd == b.spec().linux.sysctl["net.ipv4.ip_forward"]))
            << "the runtime's procfs writes went somewhere else";
        auto in = moat({"exec", id, "sh", "-c",
                        "moat-probe write " + target + "/sys/kernel/core_pattern '" + trimmed(core_before) + "';"
                        "moat-probe write /proc/sys/kernel/core_pattern '" + trimmed(core_before) + "';"
                        "for p in keys timer_list; do [ -e " + target + "/$p ] && stat -c \"mask $p %t,%T\" " + target + "/$p; done"});
        for (auto w : {"write " + target + "/sys/kernel/core_pattern", std::string("write /proc/sys/kernel/core_pattern")}) {
            auto got = outcome_of(in.out, w);
            EXPECT_TRUE(record(cls + ": " + w, "not ok", got, got != "ok")) << in;
        }
        for (auto& line : lines_of(in.out)) {
            if (line.rfind("mask ", 0) != 0) continue;
            EXPECT_TRUE(record(cls + ": " + line.substr(0, line.rfind(' ')), "1,3",
                                   line.substr(line.rfind(' ') + 1), line.substr(line.rfind(' ') + 1) == "1,3"))
                << in;
        }
        EXPECT_EQ(moat({"delete", "--force", id}).status, 0);
        EXPECT_TRUE(no_leaks(b, id));
    }
    EXPECT_EQ(slurp("/proc/sys/kernel/core_pattern"), core_before) << "ESCAPE: host core_pattern changed";
    EXPECT_EQ(slurp("/proc/sys/net/ipv4/ip_forward"), fwd_before) << "ESCAPE: host ip_forward changed";
    EXPECT_EQ(slurp("/proc/self/oom_score_adj"), oom_before) << "the runtime changed the test's oom_score_adj";
    bool same = slurp("/proc/sys/net/ipv4/ip_forward") == fwd_before &&
                slurp("/proc/sys/kernel/core_pattern") == core_before;
    EXPECT_TRUE(record("52881: host sysctls (ip_forward, core_pattern)", "unchanged", same ? "unchanged" : "CHANGED", same));
}

// The read-only root made writable through /proc/self/fd, /proc/self/root,
// /proc/1/root, /proc/self/cwd or a remount.
TEST_F(Escape, ReadonlyRootThroughProc) {
    Bundle b({.probe = true});
    add_applets(b);
    auto r = run_in(b, {"sh", "-c",
                        "moat-probe write /etc/pwn1; moat-probe write /proc/self/root/etc/pwn2;"
                        "moat-probe write /proc/1/root/etc/pwn3;"
                        "exec 3</etc; moat-probe write /proc/self/fd/3/pwn4;"
                        "cd /etc && moat-probe write /proc/self/cwd/pwn5; cd /;"
                        "moat-probe syscall mount;"
                        "mount -o remount,rw / 2>&1 | sed 's/^/remount: /';"
                        "mount -o remount,rw /proc/self/root 2>&1 | sed 's/^/remount2: /';"
                        "moat-probe write /bin/busybox"});
    ASSERT_EQ(r.status, 0) << r;
    expect_each_blocked(r.out, "read-only root",
                        {"write /etc/pwn1", "write /proc/self/root/etc/pwn2", "write /proc/1/root/etc/pwn3",
                         "write /proc/self/fd/3/pwn4", "write /proc/self/cwd/pwn5", "write /bin/busybox"},
                        "EROFS", false);
    expect_each_blocked(r.out, "read-only root", {"mount"}, "EPERM", true);
    for (int i = 1; i <= 5; ++i) EXPECT_FALSE(fs::exists(b.rootfs() + "/etc/pwn" + std::to_string(i)));
    EXPECT_TRUE(record("read-only root: remount,rw", "fails", trimmed(line_starting(r.out, "remount:")),
                       !line_starting(r.out, "remount:").empty()))
        << r;
}

// CVE-2022-29162 class: inheritable capabilities left set; a setuid-root
// binary must not regain privileges.
TEST_F(Escape, InheritableCapsAndSetuid) {
    Bundle b({.probe = true});
    add_applets(b);
    spec::Capabilities caps;
    caps.inheritable = caps.ambient = {"CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE", "CAP_SETUID", "CAP_NET_ADMIN"};
    caps.bounding = caps.permitted = caps.effective = {"CAP_CHOWN"};
    b.spec().process.capabilities = caps;
    b.spec().process.user.uid = 65534;
    b.spec().process.user.gid = 65534;
    fs::copy_file(probe_binary(), b.rootfs() + "/bin/suid-probe");
    ::chown((b.rootfs() + "/bin/suid-probe").c_str(), 0, 0);
    ::chmod((b.rootfs() + "/bin/suid-probe").c_str(), 04755);
    auto r = run_in(b, {"sh", "-c", "moat-probe status; suid-probe uid; suid-probe status | sed 's/^/suid-/'"});
    ASSERT_EQ(r.status, 0) << r;
    auto st = line_starting(r.out, "status:");
    for (auto set : {"CapInh", "CapAmb", "CapPrm", "CapEff"}) {
        auto v = status_field(st, set);
        EXPECT_TRUE(record(std::string("29162: ") + set + " of the container process", "0", v,
                           v == "0000000000000000"))
            << st;
    }
    auto uid = line_starting(r.out, "uid:");
    EXPECT_TRUE(record("29162: exec a setuid-root binary as uid 65534", "euid stays 65534", uid,
                       uid == "uid: ruid=65534 euid=65534 suid=65534"))
        << r;
    auto sst = line_starting(r.out, "suid-status:");
    EXPECT_TRUE(record("29162: setuid binary NoNewPrivs", "1", status_field(sst, "NoNewPrivs"),
                       status_field(sst, "NoNewPrivs") == "1"));
    EXPECT_TRUE(record("29162: setuid binary CapEff", "0", status_field(sst, "CapEff"),
                       status_field(sst, "CapEff") == "0000000000000000"))
        << r;
    EXPECT_TRUE(record("29162: setuid binary CapPrm", "0", status_field(sst, "CapPrm"),
                       status_field(sst, "CapPrm") == "0000000000000000"))
        << r;
}

// CVE-2022-0492 class: a writable cgroupfs (v1 release_agent) and escaping
// the cgroup through cgroup.procs.
TEST_F(Escape, CgroupReleaseAgentAndProcs) {
    std::map<std::string, std::string> agents_before;
    for (auto& e : fs::directory_iterator("/sys/fs/cgroup"))
        if (fs::exists(e.path() / "release_agent")) agents_before[e.path()] = slurp(e.path() / "release_agent");
    Bundle b({.probe = true});
    add_applets(b);
    spec::Mount cg;
    cg.destination = "/sys/fs/cgroup";
    cg.type = "cgroup";
    cg.source = "cgroup";
    cg.options = {"rw", "nosuid", "noexec", "nodev"};  // asks for a writable cgroupfs
    b.spec().mounts.push_back(cg);
    auto r = run_in(b, {"sh", "-c",
                        "cat /proc/self/cgroup | sed 's/^/before: /';"
                        "for d in /sys/fs/cgroup /sys/fs/cgroup/*; do "
                        "  [ -d $d ] || continue;"
                        "  moat-probe write $d/release_agent /tmp/x; moat-probe write $d/notify_on_release 1;"
                        "  moat-probe write $d/cgroup.procs $$; moat-probe write $d/../cgroup.procs $$;"
                        "  mkdir $d/esc 2>/dev/null && echo \"mkdir $d: ok\" || echo \"mkdir $d: failed\";"
                        "done;"
                        "moat-probe syscall mount unshare-ns;"
                        "cat /proc/self/cgroup | sed 's/^/after: /'"});
    ASSERT_EQ(r.status, 0) << r;
    int writes = 0;
    for (auto& line : lines_of(r.out)) {
        if (line.rfind("write ", 0) != 0 && line.rfind("mkdir ", 0) != 0) continue;
        ++writes;
        auto got = line.substr(line.rfind(": ") + 2);
        auto what = line.substr(0, line.rfind(": "));
        bool agent = contains(what, "release_agent") || contains(what, "notify_on_release");
        EXPECT_TRUE(record(std::string(agent ? "0492: " : "cgroup escape: ") + what, "not ok", got,
                           got != "ok" && got != "<no output>"))
            << "ESCAPE: " << line;
    }
    EXPECT_GT(writes, 4) << r;
    expect_each_blocked(r.out, "0492", {"mount", "unshare-ns"}, "EPERM", true);
    std::vector<std::string> before, after;
    for (auto& l : lines_of(r.out)) {
        if (l.rfind("before: ", 0) == 0) before.push_back(l.substr(8));
        if (l.rfind("after: ", 0) == 0) after.push_back(l.substr(7));
    }
    EXPECT_TRUE(record("cgroup escape: /proc/self/cgroup after the attempts", "unchanged",
                       before == after ? "unchanged" : "changed", !before.empty() && before == after))
        << r;
    for (auto& [dir, value] : agents_before)
        EXPECT_EQ(slurp(dir + "/release_agent"), value) << "ESCAPE: host release_agent changed in " << dir;
}

// Denied system calls: each one answers EPERM from moat's seccomp filter.
TEST_F(Escape, DeniedSyscalls) {
    const std::vector<std::string> calls = {
        "mount", "umount2", "pivot_root", "unshare-user", "unshare-net", "unshare-ns", "setns",
        "ptrace", "keyctl", "add_key", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
        "open_by_handle_at", "kexec_load", "init_module", "clone-newns", "clone-newuser",
        "socket-raw", "socket-packet", "socket-netlink-audit", "tiocsti", "mknod", "chroot",
        "syslog", "personality"};
    std::string args;
    for (auto& c : calls) args += " " + c;
    auto r = sh("moat-probe syscall" + args + "; moat-probe syscall clone3");
    ASSERT_EQ(r.status, 0) << r;
    expect_each_blocked(r.out, "syscall", calls, "EPERM", true);
    // clone3 cannot be filtered by flags: it must answer ENOSYS (or EPERM).
    auto c3 = outcome_of(r.out, "clone3");
    EXPECT_TRUE(record("syscall: clone3 (namespace flags unfilterable)", "ENOSYS", c3,
                       c3 == "ENOSYS" || c3 == "EPERM"));
}

// Writes to kernel interfaces and reads of masked kernel views.
TEST_F(Escape, KernelInterfaces) {
    const std::string core_before = slurp("/proc/sys/kernel/core_pattern");
    const std::string v = trimmed(core_before);
    auto r = sh("moat-probe write /proc/sys/kernel/core_pattern '" + v + "';"
                "moat-probe write /proc/sys/vm/drop_caches 0;"
                "moat-probe write /proc/sys/kernel/modprobe /bin/true;"
                "moat-probe write /proc/sysrq-trigger h;"
                "moat-probe write /sys/kernel/uevent_helper /bin/true;"
                "moat-probe write /sys/kernel/mm/transparent_hugepage/enabled never;"
                "moat-probe write /sys/class/net/lo/mtu 65536;"
                "moat-probe write /proc/self/attr/current x;"
                "for p in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/kallsyms /sys/firmware; do"
                "  if [ -d $p ]; then echo \"size $p $(ls -A $p | wc -l)\";"
                "  elif [ -e $p ]; then echo \"size $p $(head -c 4096 $p 2>/dev/null | wc -c)\";"
                "  else echo \"size $p absent\"; fi; done;"
                "moat-probe mknod /tmp/null; moat-probe mknod /dev/shm/null; moat-probe mknod /dev/evil");
    ASSERT_EQ(r.status, 0) << r;
    expect_each_blocked(r.out, "kernel write",
                        {"write /proc/sys/kernel/core_pattern", "write /proc/sys/vm/drop_caches",
                         "write /proc/sys/kernel/modprobe", "write /proc/sysrq-trigger",
                         "write /sys/kernel/uevent_helper",
                         "write /sys/kernel/mm/transparent_hugepage/enabled",
                         "write /sys/class/net/lo/mtu"},
                        "not ok", false);
    for (auto p : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware"}) {
        auto got = line_starting(r.out, std::string("size ") + p + " ");
        auto value = got.substr(got.rfind(' ') + 1);
        EXPECT_TRUE(record(std::string("kernel read: ") + p, "masked (0 or absent)", value,
                           value == "0" || value == "absent"))
            << r;
    }
    expect_each_blocked(r.out, "device node", {"mknod /tmp/null", "mknod /dev/shm/null", "mknod /dev/evil"},
                        "not ok", false);
    EXPECT_EQ(slurp("/proc/sys/kernel/core_pattern"), core_before);
}

// A network namespace of this test's own, joined to the host by a veth pair:
// proof that the peer is reachable from the host while the container cannot
// reach it. No packet leaves the machine.
class PeerNetns {
public:
    PeerNetns() {
        name_ = "moat-esc-" + std::to_string(::getpid());
        host_if_ = "mesc" + std::to_string(::getpid() % 100000);
        // 10.254.N.0/30, N from the pid, so that concurrent runs do not collide.
        net_ = "10.254." + std::to_string(::getpid() % 250) + ".";
        ok_ = run({"ip", "netns", "add", name_}).status == 0 &&
              run({"ip", "link", "add", host_if_, "type", "veth", "peer", "name", "peer0", "netns", name_}).status == 0 &&
              run({"ip", "addr", "add", net_ + "1/30", "dev", host_if_}).status == 0 &&
              run({"ip", "link", "set", host_if_, "up"}).status == 0 &&
              run({"ip", "-n", name_, "addr", "add", net_ + "2/30", "dev", "peer0"}).status == 0 &&
              run({"ip", "-n", name_, "link", "set", "peer0", "up"}).status == 0 &&
              run({"ip", "-n", name_, "link", "set", "lo", "up"}).status == 0;
    }
    ~PeerNetns() {
        run({"ip", "link", "del", host_if_});
        run({"ip", "netns", "del", name_});
    }
    PeerNetns(const PeerNetns&) = delete;
    PeerNetns& operator=(const PeerNetns&) = delete;
    bool ok() const { return ok_; }
    const std::string& name() const { return name_; }
    std::string host_ip() const { return net_ + "1"; }
    std::string peer_ip() const { return net_ + "2"; }

private:
    std::string name_, host_if_, net_;
    bool ok_ = false;
};

// Reaching the network beyond lo.
TEST_F(Escape, NetworkBeyondLoopback) {
    PeerNetns peer;
    ASSERT_TRUE(peer.ok()) << "could not build the veth peer namespace";
    // The peer listens; the host can reach it (so the route exists on this machine).
    Background listener({"ip", "netns", "exec", peer.name(), "busybox", "nc", "-l", "-p", "7777"});
    std::this_thread::sleep_for(1s);
    auto host_ping = run({"busybox", "ping", "-c", "1", "-W", "2", peer.peer_ip()});
    EXPECT_EQ(host_ping.status, 0) << "the peer is not reachable from the host: " << host_ping;

    Bundle b({.probe = true});

    add_applets(b);
    auto r = run_in(b, {"sh", "-c",
                        "moat-probe ifaces; moat-probe routes;"
                        "nc -w 3 " + peer.peer_ip() + " 7777 </dev/null 2>&1 | sed 's/^/connect-peer: /';"
                        "nc -w 3 " + peer.host_ip() + " 7777 </dev/null 2>&1 | sed 's/^/connect-host: /';"
                        "moat-probe syscall socket-raw socket-packet"});
    ASSERT_EQ(r.status, 0) << r;
    auto ifaces = line_starting(r.out, "ifaces:");
    EXPECT_TRUE(record("network: interfaces", "ifaces: lo", ifaces, ifaces == "ifaces: lo")) << r;
    auto routes = line_starting(r.out, "routes:");
    bool no_routes = contains(routes, "ipv4=0 ") && contains(routes, "ipv4_non_lo=0 ") && contains(routes, "ipv6_non_lo=0");
    EXPECT_TRUE(record("network: routes", "none but lo", routes, no_routes)) << r;
    for (auto which : {"connect-peer", "connect-host"}) {
        auto line = line_starting(r.out, std::string(which) + ": ");
        bool unreachable = contains(line, "Network is unreachable");
        EXPECT_TRUE(record(std::string("network: TCP ") + which + " (" + peer.peer_ip() + " net, via veth)", "ENETUNREACH",
                           line.empty() ? "<no output: connected?>" : line.substr(line.find(": ") + 2), unreachable))
            << r;
    }
    expect_each_blocked(r.out, "network", {"socket-raw", "socket-packet"}, "EPERM", true);
}

// Fork bomb: stopped by the pids limit (256).
TEST_F(Escape, ForkBomb) {
    Bundle b;
    b.spec().process.args = {"sh", "-c", "b() { b | b & }; b; sleep 300"};
    b.write();
    auto id = new_id();
    ASSERT_EQ(moat({"run", "--detach", "--bundle", b.path(), id}).status, 0);
    int pid = state_pid(id);
    ASSERT_GT(pid, 0);
    std::string pids_dir;
    for (auto& line : lines_of(slurp("/proc/" + std::to_string(pid) + "/cgroup"))) {
        auto a = line.find(':'), c = line.find(':', a + 1);
        if (line.substr(a + 1, c - a - 1) == "pids") pids_dir = "/sys/fs/cgroup/pids" + line.substr(c + 1);
    }
    int peak = 0;
    for (int i = 0; i < 10; ++i) {
        std::this_thread::sleep_for(500ms);
        peak = std::max(peak, std::atoi(slurp(pids_dir + "/pids.current").c_str()));
    }
    auto max = trimmed(slurp(pids_dir + "/pids.max"));
    auto events = trimmed(slurp(pids_dir + "/pids.events"));
    // The host can still fork.
    auto host = run({"true"});
    EXPECT_EQ(moat({"delete", "--force", id}).status, 0);
    EXPECT_EQ(host.status, 0);
    EXPECT_EQ(max, "256") << pids_dir;
    EXPECT_TRUE(record("fork bomb", "<= 256 pids", "peak " + std::to_string(peak) + ", " + events,
                       peak > 0 && peak <= 256))
        << pids_dir;
    EXPECT_TRUE(no_leaks(b, id));
}

// Memory bomb: killed by the memory limit (512 MiB), not the host.
TEST_F(Escape, MemoryBomb) {
    Bundle b;
    auto r = run_in(b, {"sh", "-c", "x=0123456789abcdef; while :; do x=$x$x; done"}, 120s);
    EXPECT_FALSE(r.timed_out) << r;
    EXPECT_TRUE(record("memory bomb", "killed (OOM)", "status " + std::to_string(r.status) + " signal " +
                       std::to_string(r.signal), !r.timed_out && r.status != 0))
        << r;
}

// Filling /tmp past its size (100 MiB).
TEST_F(Escape, TmpFill) {
    Bundle b;
    auto r = run_in(b, {"sh", "-c", "cat /dev/zero > /tmp/fill; echo \"rc=$?\"; stat -c 'size %s' /tmp/fill"}, 120s);
    auto size = line_starting(r.out, "size ");
    long long bytes = size.empty() ? -1 : std::atoll(size.c_str() + 5);
    EXPECT_TRUE(contains(r.err, "No space left")) << r;
    EXPECT_TRUE(record("fill /tmp", "ENOSPC at <= 100 MiB", size + (contains(r.err, "No space") ? " ENOSPC" : ""),
                       bytes >= 0 && bytes <= 100LL * 1024 * 1024))
        << r;
}

// The battery's figures: a table of attack, expected, observed.
TEST_F(Escape, Summary) {
    size_t blocked = 0;
    std::ostringstream table;
    table << std::left << std::setw(72) << "attack" << " | " << std::setw(24) << "expected" << " | observed\n";
    for (auto& a : ledger()) {
        if (a.blocked) ++blocked;
        table << std::left << std::setw(72) << a.attack << " | " << std::setw(24) << a.expected << " | "
              << a.observed << (a.blocked ? "" : "   <== NOT BLOCKED") << "\n";
    }
    std::cout << table.str() << "escape attempts blocked: " << blocked << " of " << ledger().size() << "\n";
    RecordProperty("attempts", static_cast<int>(ledger().size()));
    RecordProperty("attempts_blocked", static_cast<int>(blocked));
    EXPECT_EQ(blocked, ledger().size()) << "some escape attempts were NOT blocked (see the table)";
}

}  // namespace
}  // namespace moat::test
