// Seccomp filters, compiled in the parent and installed in the child.
//
// Everything that parses, resolves syscall names or allocates happens in the
// parent (compile_*), which produces plain BPF programs. The container's init
// only calls install_filter(), a noexcept wrapper around seccomp(2) that does
// not allocate, so no allocator or libseccomp code runs under the filter.
//
// Two filters are installed, and they stack: the kernel runs every filter and
// the strictest action wins (KILL > TRAP > ERRNO > NOTIFY > TRACE > LOG >
// ALLOW), so a caller's profile can never loosen moat's own deny list.
//
// Order in the child (after setresuid/capset and PR_SET_NO_NEW_PRIVS, after
// landlock's enforce_ruleset, immediately before exec):
//   install_filter(moat)  -- first, so a spec filter that denies seccomp(2)
//                            cannot keep moat's filter out
//   install_filter(spec)  -- returns the notify listener fd when it has
//                            SCMP_ACT_NOTIFY; the child passes it to the parent
//                            over the sync socket, and the parent calls
//                            send_listener_fd().
// Both need no_new_privs (or CAP_SYS_ADMIN in the child's user namespace).
#pragma once

#include <linux/filter.h>

#include <string>
#include <string_view>
#include <vector>

#include "moat/error.hpp"
#include "moat/spec.hpp"

namespace moat::linux {

struct SeccompProgram {
    std::vector<struct sock_filter> code;
    unsigned flags = 0;  // SECCOMP_FILTER_FLAG_* for seccomp(SECCOMP_SET_MODE_FILTER)
    bool empty() const { return code.empty(); }
};

// The spec's linux.seccomp. Unknown syscall names are skipped (as runc does:
// a profile may name syscalls this kernel or libseccomp lacks); unknown
// actions, operators, architectures and flags are errors naming the JSON path
// ("linux.seccomp.syscalls[3].action: unknown action SCMP_ACT_FOO").
// SCMP_ACT_NOTIFY adds SECCOMP_FILTER_FLAG_NEW_LISTENER and needs listenerPath.
// When the default action denies, syscalls newer than any the profile names
// answer ENOSYS (as in runc), so libc falls back instead of failing.
Result<SeccompProgram> compile_spec_filter(const spec::Seccomp& seccomp);

// moat's own deny list (seccomp_profile.cpp; DESIGN.md section 2): default
// ALLOW, EPERM for the dangerous syscalls, ENOSYS for clone3. Only the native
// architecture is allowed; a syscall through another ABI (i386, x32) kills
// the process, so no 32-bit entry point can go around the rules.
Result<SeccompProgram> compile_moat_filter();

// The same program, compiled at build time by moat-seccomp-gen and embedded
// (seccomp_builtin_runtime.cpp compiles it on demand in a cross build): what
// create installs, without running libseccomp on every container.
Result<SeccompProgram> moat_filter();

// Does this profile use SCMP_ACT_NOTIFY anywhere?
bool seccomp_notify_needed(const spec::Seccomp& seccomp);

// Child side: seccomp(SECCOMP_SET_MODE_FILTER, program.flags, program).
// Returns the listener fd (>= 0) when flags has NEW_LISTENER, 0 on success
// otherwise, -errno on failure. Does not allocate. Tell "listener" from
// "plain success" by the flag, not by rc > 0: with stdin closed the listener
// can be fd 0.
int install_filter(const SeccompProgram& program) noexcept;

// Parent side, as runc does for a seccomp agent: connect to the unix socket at
// listener_path and send one message, the JSON of an OCI ContainerProcessState
//   {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state": <state_json>}
// with the listener fd attached as SCM_RIGHTS.
Status send_listener_fd(const std::string& listener_path, int listener_fd, int pid,
                        std::string_view state_json, std::string_view metadata);

namespace detail {
// Export a libseccomp filter context (scmp_filter_ctx) as BPF. Shared by the
// two compilers; the context stays owned by the caller.
Result<SeccompProgram> export_bpf(void* ctx, unsigned flags);
}  // namespace detail

}  // namespace moat::linux
