// moat's own seccomp deny list (DESIGN.md section 2), compiled to BPF.
//
// A deny list with default ALLOW: the caller's profile (if any) is the allow
// list; this filter only removes what a sandbox for untrusted code must never
// reach. It stacks with the spec's filter, and the stricter action wins.
#include <linux/audit.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cstddef>
#include <iterator>
#include <memory>

#include "linux/seccomp.hpp"

namespace moat::linux {

namespace {

// Refused with EPERM whatever their arguments. Names libseccomp does not know
// for this architecture are skipped (stime, vm86... exist only on i386).
constexpr const char* kDenied[] = {
    // mounts, old and new API, and leaving the root
    "mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
    "open_tree", "mount_setattr", "pivot_root", "chroot",
    // other processes' memory and fds
    "ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "pidfd_getfd",
    "kcmp", "move_pages", "migrate_pages",
    // the kernel itself
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "create_module", "get_kernel_syms", "query_module", "uselib", "_sysctl", "bpf",
    "perf_event_open", "lookup_dcookie", "nfsservctl", "syslog", "iopl", "ioperm", "vm86",
    "vm86old",
    // large attack surface with little use in a sandbox
    "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "fanotify_init",
    // keyrings are not namespaced
    "keyctl", "add_key", "request_key",
    // namespaces (clone's namespace flags are filtered below)
    "unshare", "setns",
    // file handles bypass path checks (and leak inode identities)
    "open_by_handle_at", "name_to_handle_at",
    // host-wide state
    "swapon", "swapoff", "reboot", "acct", "quotactl", "quotactl_fd", "vhangup",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime",
};

// Syscalls newer than the libseccomp we build against, by number.
struct RawDenial {
    const char* name;
    int nr;
};
#if defined(__x86_64__) || defined(__aarch64__)
constexpr RawDenial kDeniedByNumber[] = {
    {"open_tree_attr", 467},  // Linux 6.15, mount API: same number on every arch
};
#else
constexpr RawDenial kDeniedByNumber[] = {};
#endif

constexpr uint64_t kCloneNamespaceFlags[] = {
    CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
    CLONE_NEWUSER, CLONE_NEWPID,   CLONE_NEWNET,
    // CLONE_NEWTIME (0x80) is not a clone() flag: the low byte is the exit signal.
};

// socket()/socketpair() families allowed; AF_NETLINK only with NETLINK_ROUTE.
constexpr uint64_t kMaxFamily = AF_NETLINK;  // every family above is refused
constexpr bool allowed_family(uint64_t f) {
    return f == AF_UNIX || f == AF_INET || f == AF_INET6 || f == AF_NETLINK;
}

// personality() values that change nothing dangerous (Docker's list): PER_LINUX,
// PER_LINUX32, UNAME26, both, and the 0xffffffff query.
constexpr uint32_t kPersonalityAllowed[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffffu};

struct CtxDeleter {
    void operator()(void* ctx) const { seccomp_release(static_cast<scmp_filter_ctx>(ctx)); }
};

Status deny(scmp_filter_ctx ctx, const char* name, uint32_t action, std::vector<scmp_arg_cmp> conds = {}) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr < 0) return {};  // not a syscall on this architecture
    int rc = seccomp_rule_add_array(ctx, action, nr, static_cast<unsigned>(conds.size()),
                                    conds.empty() ? nullptr : conds.data());
    if (rc < 0) return sys_fail(std::string("add rule for ") + name, -rc);
    return {};
}

scmp_arg_cmp arg(unsigned index, scmp_compare op, uint64_t a, uint64_t b = 0) {
    scmp_arg_cmp c{};
    c.arg = index;
    c.op = op;
    c.datum_a = a;
    c.datum_b = b;
    return c;
}

// libseccomp cannot say "arg0 not in {a, b, c}" (it refuses two comparisons on
// one argument), so the personality check is a few hand-written instructions
// placed in front of libseccomp's program. They also kill any other ABI
// (i386, x32) before anything else is looked at: x32 calls carry
// AUDIT_ARCH_X86_64 and set bit 30 of the syscall number. libseccomp's own
// bad-arch handling does the same; this keeps it true whatever its version.
std::vector<sock_filter> prefix(uint32_t native_arch) {
    constexpr uint32_t kArch = offsetof(struct seccomp_data, arch);
    constexpr uint32_t kNr = offsetof(struct seccomp_data, nr);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    constexpr uint32_t kArg0Low = offsetof(struct seccomp_data, args);
#else
    constexpr uint32_t kArg0Low = offsetof(struct seccomp_data, args) + 4;
#endif
    constexpr size_t n_allowed = std::size(kPersonalityAllowed);
    // Layout: [0] ld arch [1] jeq native [2] ld nr [3] jge x32 bit
    //         [4] jeq personality [5] ld arg0 [6..6+n) jeq allowed
    //         [6+n] ret EPERM [7+n] ret KILL_PROCESS, then libseccomp's code.
    const uint8_t kill = static_cast<uint8_t>(7 + n_allowed);
    const uint8_t end = static_cast<uint8_t>(8 + n_allowed);
    std::vector<sock_filter> p;
    // Classic BPF jumps are forward offsets from the next instruction.
    auto to = [&](uint8_t target) { return static_cast<uint8_t>(target - p.size() - 1); };
    p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArch));
    p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, native_arch, 0, to(kill)));
    p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kNr));
#if defined(__x86_64__)
    p.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, to(kill), 0));
#else
    p.push_back(BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0));
#endif
    p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_personality, 0, to(end)));
    // personality(unsigned int): the kernel ignores the upper half.
    p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArg0Low));
    for (uint32_t v : kPersonalityAllowed)
        p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, v, to(end), 0));
    p.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)));
    p.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
    return p;
}

}  // namespace

Result<SeccompProgram> compile_moat_filter() {
    const std::string what = "moat seccomp profile";
    std::unique_ptr<void, CtxDeleter> owner(seccomp_init(SCMP_ACT_ALLOW));
    auto ctx = static_cast<scmp_filter_ctx>(owner.get());
    if (!ctx) return fail(what + ": seccomp_init failed");
    // Other ABIs are killed by the prefix already; this is the backstop.
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (rc < 0) return sys_fail(what + ": set bad-arch action", -rc);

    const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
    for (const char* name : kDenied) MOAT_CHECK_CTX(deny(ctx, name, eperm), what);
    for (const auto& d : kDeniedByNumber) {
        rc = seccomp_rule_add(ctx, eperm, d.nr, 0);
        if (rc < 0) return sys_fail(what + ": add rule for " + d.name, -rc);
    }

    // clone3 passes its flags in memory, out of seccomp's reach: answer ENOSYS
    // so libc falls back to clone(), whose flags are checked here.
    MOAT_CHECK_CTX(deny(ctx, "clone3", SCMP_ACT_ERRNO(ENOSYS)), what);
#if defined(__s390x__) || defined(__s390__)
    constexpr unsigned kCloneFlagsArg = 1;
#else
    constexpr unsigned kCloneFlagsArg = 0;
#endif
    for (uint64_t flag : kCloneNamespaceFlags)
        MOAT_CHECK_CTX(deny(ctx, "clone", eperm, {arg(kCloneFlagsArg, SCMP_CMP_MASKED_EQ, flag, flag)}),
                       what);

    for (const char* call : {"socket", "socketpair"}) {
        // The family is an int; any value with upper bits set is above kMaxFamily.
        MOAT_CHECK_CTX(deny(ctx, call, eperm, {arg(0, SCMP_CMP_GT, kMaxFamily)}), what);
        for (uint64_t f = 0; f < kMaxFamily; ++f)
            if (!allowed_family(f))
                MOAT_CHECK_CTX(deny(ctx, call, eperm, {arg(0, SCMP_CMP_EQ, f)}), what);
        MOAT_CHECK_CTX(deny(ctx, call, eperm,
                            {arg(0, SCMP_CMP_EQ, AF_NETLINK), arg(2, SCMP_CMP_NE, NETLINK_ROUTE)}),
                       what);
    }

    // Terminal injection. ioctl's request is an unsigned int: compare only the
    // low 32 bits, or TIOCSTI | (1 << 32) would slip through.
    for (uint64_t req : {uint64_t{TIOCSTI}, uint64_t{TIOCLINUX}})
        MOAT_CHECK_CTX(deny(ctx, "ioctl", eperm, {arg(1, SCMP_CMP_MASKED_EQ, 0xffffffffu, req)}),
                       what);

    auto body = MOAT_TRY(context(detail::export_bpf(ctx, 0), what));
    SeccompProgram prog;
    prog.code = prefix(seccomp_arch_native());
    prog.code.insert(prog.code.end(), body.code.begin(), body.code.end());
    return prog;
}

}  // namespace moat::linux
