// Landlock: the last layer of the default profile. Filesystem writes are
// confined to a few paths (reads and execution stay allowed everywhere), TCP
// connect optionally to a list of ports, and signals and abstract unix sockets
// to the sandbox itself. Raw syscalls: Debian's <linux/landlock.h> only has
// ABI 1, so the later structures and bits are declared in landlock.cpp.
//
// Call order in the container's init:
//   after pivot_root and all mounts (the paths are container paths):
//       auto ruleset = prepare_ruleset(rules)   -- may allocate
//   after setresuid/capset and prctl(PR_SET_NO_NEW_PRIVS):
//       enforce_ruleset(ruleset.fd.get())      -- noexcept, no allocation
//   then the seccomp filters (a spec filter might deny landlock's syscalls), exec.
//
// What is deliberately not handled: LANDLOCK_ACCESS_FS_IOCTL_DEV (the devices
// are already limited to the default list, and TIOCSTI/TIOCLINUX are refused by
// seccomp; handling it would break terminal ioctls on a reopened /dev/tty),
// TCP bind (local servers must work), EXECUTE/READ_* (reads stay allowed).
// A file whose fd the container inherited (stdout into a host file) is not
// re-checked; reopening it through /dev/stdout is, and works for pipes,
// sockets and the container's own pty, which are covered below.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "linux/fd.hpp"

namespace moat::linux {

struct LandlockRules {
    std::vector<std::string> writable_paths;  // container paths; missing ones are skipped
    std::vector<uint16_t> tcp_connect_ports;  // empty: TCP connect not restricted...
    bool restrict_tcp_connect = false;        // ...unless this says so (then: no TCP connect)
    bool scope_signals = true;                // ABI 6+
    bool scope_abstract_unix = true;          // ABI 6+
};

// The paths that must stay writable for ordinary programs: /tmp, /dev/shm
// (POSIX semaphores, Python multiprocessing), /dev/mqueue and the standard
// device nodes including the terminal (/dev/pts, /dev/tty, /dev/console).
// The caller adds the writable bind mounts.
std::vector<std::string> standard_writable_paths();

// The Landlock ABI version of the running kernel, 0 when Landlock is absent
// or disabled.
int landlock_abi() noexcept;

struct LandlockRuleset {
    UniqueFd fd;  // empty when absent
    int abi = 0;  // 0: the kernel has no Landlock; the receipt says "absent"
    uint64_t handled_fs = 0, handled_net = 0, scoped = 0;  // what the ruleset restricts
    std::vector<std::string> skipped_paths;                // writable paths that did not exist
    bool present() const { return abi > 0; }
};

// Build the ruleset in the child. Paths are opened O_PATH; a missing path is
// skipped and listed. Rights the kernel's ABI lacks are left out (best effort,
// recorded in handled_*). Where Landlock is absent, succeeds with abi == 0.
Result<LandlockRuleset> prepare_ruleset(const LandlockRules& rules);

// landlock_restrict_self(fd). Needs no_new_privs (or CAP_SYS_ADMIN). A
// negative fd (Landlock absent) is a no-op returning 0. Returns 0 or -errno.
int enforce_ruleset(int ruleset_fd) noexcept;

}  // namespace moat::linux
