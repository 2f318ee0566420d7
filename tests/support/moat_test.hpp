// Support for integration tests: temporary directories, busybox bundles, running
// the moat binary with a timeout, unique container ids and leak checks.
//
//   TEST_F(MoatTest, EchoPrintsHello) {
//       Bundle b;
//       b.spec().process.args = {"echo", "hello"};
//       b.write();
//       auto id = new_id();
//       auto r = moat({"run", "--bundle", b.path(), id});
//       EXPECT_EQ(r.status, 0) << r;
//       EXPECT_EQ(r.out, "hello\n") << r;
//       EXPECT_TRUE(no_leaks(b, id));
//   }
//
// Setup failures (no busybox, a failed copy) throw std::runtime_error, which
// googletest reports as a failure of the test that hit them.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "moat/spec.hpp"

namespace moat::test {

// Paths baked in by meson (tests/support/meson.build); empty when not built.
std::string moat_binary();
std::string probe_binary();
bool probe_available();

// ---- temporary directories ----

// A fresh directory under $TMPDIR (or /tmp), removed recursively when the
// object dies. Mounts left under it (a leaking runtime) are detached first and
// removal never crosses a mount point, so a leaked bind of a host directory
// cannot make the cleanup delete host files.
class TempDir {
public:
    explicit TempDir(std::string_view prefix = "moat-test");
    ~TempDir();
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&&) = delete;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string operator/(std::string_view name) const { return path_ + "/" + std::string(name); }

private:
    std::string path_;
};

// ---- bundles ----

// A runc-like starting config: namespaces pid, mount, ipc, uts and network;
// mounts /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue and /sys; env PATH;
// root "rootfs". moat's hardening is applied on top by moat itself.
spec::Spec minimal_spec(std::vector<std::string> args = {"sh"});

// The applets linked into every bundle's /bin.
const std::vector<std::string>& busybox_applets();

// An OCI bundle in a temporary directory: rootfs/bin/busybox (the host's static
// busybox) with links for the common applets, /etc/passwd and /etc/group with
// root and nobody, and optionally the probe as /bin/moat-probe.
class Bundle {
public:
    struct Options {
        bool probe = false;  // copy the probe in (throws if it was not built)
    };
    Bundle();
    explicit Bundle(Options options);

    const std::string& path() const { return dir_.path(); }
    std::string rootfs() const { return dir_ / "rootfs"; }
    std::string config_path() const { return dir_ / "config.json"; }

    spec::Spec& spec() { return spec_; }
    // Serialise spec() to config.json (spec::to_json). Call after every edit.
    void write() const;
    // Create or replace a file inside the rootfs (parents made as needed).
    void write_file(std::string_view path_in_rootfs, std::string_view content,
                    unsigned mode = 0644) const;

private:
    TempDir dir_;
    spec::Spec spec_;
};

// ---- running programs ----

struct RunResult {
    int status = -1;     // exit code, or 128+signal when killed
    int signal = 0;      // the signal that ended it, 0 if it exited
    bool timed_out = false;
    std::string out;     // captured stdout
    std::string err;     // captured stderr
    std::string command; // for messages
};
std::ostream& operator<<(std::ostream& os, const RunResult& r);

struct RunOptions {
    std::string stdin_data;
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
    std::vector<std::string> env;  // extra NAME=value entries
};

// Run argv[0] (PATH lookup) with captured output. When the timeout passes, the
// whole process group gets SIGKILL and the result says timed_out. Returns when
// the program exits, even if something it left behind (a detached container)
// still holds its stdout open.
RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});

// A container id unique to this process and call: "mt-<pid>-<n>".
std::string unique_id();

// Under the built-in policy a container's receipt is filed in the host's
// receipts directory (/var/lib/moat/receipts); a test removes its own.
void remove_filed_receipt(const std::string& id);

// ---- leaks ----

// Everything a container may leave behind after delete: state entries named
// after the id under root, mounts mentioning the bundle path in
// /proc/self/mountinfo, cgroup directories named after the id anywhere under
// /sys/fs/cgroup. Empty when clean.
std::vector<std::string> find_leaks(const std::string& state_root, const std::string& bundle,
                                    const std::string& id);

// A live process as /proc shows it: zombies (exited, waiting for their
// parent to reap them) are not listed.
struct ProcessEntry {
    std::string pid;
    std::string ppid;
    std::string stat;     // /proc/PID/stat
    std::string cmdline;  // NULs as spaces; empty for kernel threads
};
std::vector<ProcessEntry> list_processes();

// Processes other than this one whose command line or cgroup membership
// (/proc/PID/cmdline, /proc/PID/cgroup) contains any of needles (an id, a
// bundle path, a marker file): what a killed create or a hook could leave
// running. One line per process: "process left: PID cmdline (cgroup ...)".
std::vector<std::string> find_processes(const std::vector<std::string>& needles);

// ---- text ----

bool contains(std::string_view text, std::string_view part);
std::string slurp(const std::string& path);  // the whole file; "" when unreadable
std::string trimmed(std::string s);          // without trailing whitespace
std::vector<std::string> lines_of(const std::string& text);
// The first line of text starting with prefix, or "".
std::string line_starting(const std::string& text, std::string_view prefix);

// Policy files for `moat --policy` in a temporary directory; each one files
// its receipts in receipts() there, so tests can read them.
class PolicyFiles {
public:
    explicit PolicyFiles(std::string_view prefix = "moat-policy");
    // {"receipts": "<receipts()>", MEMBERS}; returns the file's path.
    std::string write(std::string_view members);
    std::string receipts() const { return dir_ / "receipts"; }
    std::string path(std::string_view name) const { return dir_ / name; }

private:
    TempDir dir_;
    int count_ = 0;
};

// ---- terminals ----

// A console-socket receiver: listens on a path, accepts one connection and
// takes the fd that arrives with SCM_RIGHTS (the pty master moat sends).
class ConsoleSocket {
public:
    ConsoleSocket();
    ~ConsoleSocket();
    ConsoleSocket(const ConsoleSocket&) = delete;
    ConsoleSocket& operator=(const ConsoleSocket&) = delete;
    const std::string& path() const { return path_; }
    // The received fd, or -1 (nothing within the timeout).
    int receive(int timeout_ms = 15000);

private:
    TempDir dir_;
    std::string path_;
    int fd_ = -1;
};

// Everything readable from a pty master until the slave side closes (EIO) or
// `until` appears (never, when empty), within a time limit.
std::string drain(int master, const std::string& until,
                  std::chrono::milliseconds limit = std::chrono::seconds(20));

// ---- issue 4's permissive config ----

// What a `docker run --privileged --network host` engine might hand over:
// every capability, no seccomp, no_new_privileges off, a writable root, the
// host's network namespace by path, /dev/kmsg and /dev/mem with every device
// allowed, AWS_SECRET_ACCESS_KEY=kPermissiveSecret and a tmpfs at /scratch.
inline constexpr const char* kPermissiveSecret = "AKIAmoatTestSecretValue0123456789";
struct Permissive {
    // The host's network namespace. pid 1's by default; a run that really joins
    // it (audit mode) uses this process's, which this machine lets us open.
    std::string net_path = "/proc/1/ns/net";
    // Only the capabilities this process holds in its bounding set (this
    // machine withholds CAP_SYS_RESOURCE), for runs really granted "all".
    bool held_caps_only = false;
};
void make_permissive(Bundle& b, std::vector<std::string> args, const Permissive& how = {});

// ---- the fixture ----

// Integration tests derive from this: it skips unless running as root, gives
// each test its own moat --root, and force-deletes every id from new_id() at
// the end so a failed test does not leave containers running.
class MoatTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // moat --root <per-test state dir> ARGS...
    RunResult moat(std::vector<std::string> args, std::string stdin_data = {});
    RunResult moat(std::vector<std::string> args, const RunOptions& options);

    std::string new_id();
    const std::string& state_root() const { return root_->path(); }
    ::testing::AssertionResult no_leaks(const Bundle& bundle, const std::string& id) const;

private:
    std::optional<TempDir> root_;
    std::vector<std::string> ids_;
};

}  // namespace moat::test
