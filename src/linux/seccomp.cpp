// The spec's seccomp filter (compile in the parent), filter installation (in
// the child, no allocation) and the notify-listener hand-off to a seccomp agent.
#include "linux/seccomp.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <map>
#include <memory>

#include "linux/fd.hpp"
#include "spec/json.hpp"

namespace moat::linux {

namespace {

struct CtxDeleter {
    void operator()(void* ctx) const { seccomp_release(static_cast<scmp_filter_ctx>(ctx)); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

// An OCI action name plus errnoRet to a libseccomp action; nullopt if unknown.
std::optional<uint32_t> parse_action(const std::string& name, std::optional<uint32_t> errno_ret) {
    uint32_t err = errno_ret.value_or(EPERM);
    if (name == "SCMP_ACT_KILL") return SCMP_ACT_KILL;
    if (name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
    if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
    if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
    if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(err);
    if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(err);
    if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
    if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
    if (name == "SCMP_ACT_NOTIFY") return SCMP_ACT_NOTIFY;
    return std::nullopt;
}

std::optional<scmp_compare> parse_op(const std::string& name) {
    static const std::map<std::string, scmp_compare> ops = {
        {"SCMP_CMP_NE", SCMP_CMP_NE},         {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE},         {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE},         {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
    };
    auto it = ops.find(name);
    if (it == ops.end()) return std::nullopt;
    return it->second;
}

std::optional<uint32_t> parse_arch(const std::string& name) {
    static const std::map<std::string, uint32_t> arches = {
        {"SCMP_ARCH_X86", SCMP_ARCH_X86},
        {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
        {"SCMP_ARCH_X32", SCMP_ARCH_X32},
        {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
        {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
        {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
        {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
        {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
        {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
        {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
        {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
        {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
        {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
        {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
        {"SCMP_ARCH_S390", SCMP_ARCH_S390},
        {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
        {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
        {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
        {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
    };
    auto it = arches.find(name);
    if (it == arches.end()) return std::nullopt;
    return it->second;
}

std::optional<unsigned> parse_flag(const std::string& name) {
    if (name == "SECCOMP_FILTER_FLAG_TSYNC") return SECCOMP_FILTER_FLAG_TSYNC;
    if (name == "SECCOMP_FILTER_FLAG_LOG") return SECCOMP_FILTER_FLAG_LOG;
    if (name == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") return SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    if (name == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
        return SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    return std::nullopt;
}

// Names that also exist as OCI arch aliases without the prefix are not
// accepted: the runtime spec only defines the SCMP_ARCH_* spellings.

Status add_rules(scmp_filter_ctx ctx, const spec::SeccompSyscall& sc, uint32_t default_action,
                 const std::string& path) {
    auto action = parse_action(sc.action, sc.errno_ret);
    if (!action) return fail(path + ".action: unknown action " + sc.action);
    if (sc.action == "SCMP_ACT_NOTIFY" && sc.errno_ret)
        return fail(path + ".errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");

    std::vector<scmp_arg_cmp> conds;
    std::vector<bool> seen(6, false);
    bool repeated_index = false;
    for (size_t j = 0; j < sc.args.size(); ++j) {
        const auto& a = sc.args[j];
        std::string apath = path + ".args[" + std::to_string(j) + "]";
        if (a.index > 5) return fail(apath + ".index: " + std::to_string(a.index) + " is not 0-5");
        auto op = parse_op(a.op);
        if (!op) return fail(apath + ".op: unknown operator " + a.op);
        if (seen[a.index]) repeated_index = true;
        seen[a.index] = true;
        scmp_arg_cmp c{};
        c.arg = a.index;
        c.op = *op;
        c.datum_a = a.value;
        c.datum_b = a.value_two;
        conds.push_back(c);
    }

    // A rule with the default action is redundant, and libseccomp refuses it.
    if (*action == default_action) return {};

    for (size_t k = 0; k < sc.names.size(); ++k) {
        const std::string& name = sc.names[k];
        int nr = seccomp_syscall_resolve_name(name.c_str());
        if (nr == __NR_SCMP_ERROR) continue;  // unknown to libseccomp/this arch: skipped, as runc does
        std::string npath = path + ".names[" + std::to_string(k) + "]";
        int rc;
        if (!repeated_index) {
            rc = seccomp_rule_add_array(ctx, *action, nr, static_cast<unsigned>(conds.size()),
                                        conds.empty() ? nullptr : conds.data());
            if (rc < 0) return sys_fail(npath + ": add rule for " + name, -rc);
        } else {
            // libseccomp cannot AND two comparisons on one argument; like runc,
            // treat each comparison as its own rule (they OR).
            for (auto& c : conds) {
                rc = seccomp_rule_add_array(ctx, *action, nr, 1, &c);
                if (rc < 0) return sys_fail(npath + ": add rule for " + name, -rc);
            }
        }
    }
    return {};
}

// Like runc: when the profile denies by default, a syscall newer than every
// syscall the profile names answers ENOSYS, not the default errno, so libc
// falls back to the older call (a profile written before clone3 or
// faccessat2 existed must not break programs that try them first).
// A few instructions in front of libseccomp's program, for the native ABI.
std::vector<sock_filter> enosys_prefix(uint32_t native_arch, uint32_t max_named_nr) {
    return {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, native_arch, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max_named_nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
    };
}

}  // namespace

namespace detail {

Result<SeccompProgram> export_bpf(void* ctx, unsigned flags) {
    // libseccomp 2.5 can only export to an fd; a memfd keeps it off the disk.
    int raw = ::memfd_create("moat-seccomp", MFD_CLOEXEC);
    if (raw < 0) return sys_fail("memfd_create");
    UniqueFd fd(raw);
    int rc = seccomp_export_bpf(static_cast<scmp_filter_ctx>(ctx), fd.get());
    if (rc < 0) return sys_fail("seccomp_export_bpf", -rc);
    if (::lseek(fd.get(), 0, SEEK_SET) < 0) return sys_fail("lseek");
    auto bytes = MOAT_TRY(read_fd(fd.get()));
    if (bytes.empty() || bytes.size() % sizeof(struct sock_filter) != 0)
        return fail("seccomp_export_bpf: bad program size " + std::to_string(bytes.size()));
    SeccompProgram prog;
    prog.flags = flags;
    prog.code.resize(bytes.size() / sizeof(struct sock_filter));
    std::memcpy(prog.code.data(), bytes.data(), bytes.size());
    return prog;
}

}  // namespace detail

bool seccomp_notify_needed(const spec::Seccomp& seccomp) {
    if (seccomp.default_action == "SCMP_ACT_NOTIFY") return true;
    for (auto& sc : seccomp.syscalls)
        if (sc.action == "SCMP_ACT_NOTIFY") return true;
    return false;
}

Result<SeccompProgram> compile_spec_filter(const spec::Seccomp& seccomp) {
    const std::string base = "linux.seccomp";
    if (seccomp.default_action == "SCMP_ACT_NOTIFY")
        return fail(base + ".defaultAction: SCMP_ACT_NOTIFY cannot be the default action "
                           "(the agent's own syscalls would need it)");
    auto def = parse_action(seccomp.default_action, seccomp.default_errno_ret);
    if (!def) return fail(base + ".defaultAction: unknown action " + seccomp.default_action);

    unsigned flags = 0;
    for (size_t i = 0; i < seccomp.flags.size(); ++i) {
        auto f = parse_flag(seccomp.flags[i]);
        if (!f)
            return fail(base + ".flags[" + std::to_string(i) + "]: unknown flag " +
                        seccomp.flags[i]);
        flags |= *f;
    }
    bool notify = seccomp_notify_needed(seccomp);
    if (notify) {
        if (!seccomp.listener_path || seccomp.listener_path->empty())
            return fail(base + ".listenerPath: required when SCMP_ACT_NOTIFY is used");
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // TSYNC and NEW_LISTENER both want the return value; TSYNC_ESRCH
        // makes the kernel report a sync failure as ESRCH instead.
        if (flags & SECCOMP_FILTER_FLAG_TSYNC) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }

    Ctx ctx(seccomp_init(*def));
    if (!ctx) return fail(base + ": seccomp_init failed for " + seccomp.default_action);

    for (size_t i = 0; i < seccomp.architectures.size(); ++i) {
        auto arch = parse_arch(seccomp.architectures[i]);
        std::string apath = base + ".architectures[" + std::to_string(i) + "]";
        if (!arch) return fail(apath + ": unknown architecture " + seccomp.architectures[i]);
        int rc = seccomp_arch_add(static_cast<scmp_filter_ctx>(ctx.get()), *arch);
        if (rc < 0 && rc != -EEXIST) return sys_fail(apath + ": add " + seccomp.architectures[i], -rc);
    }

    for (size_t i = 0; i < seccomp.syscalls.size(); ++i)
        MOAT_CHECK(add_rules(static_cast<scmp_filter_ctx>(ctx.get()), seccomp.syscalls[i], *def,
                             base + ".syscalls[" + std::to_string(i) + "]"));

    auto prog = MOAT_TRY(context(detail::export_bpf(ctx.get(), flags), base));
    bool deny_by_default = seccomp.default_action != "SCMP_ACT_ALLOW" &&
                           seccomp.default_action != "SCMP_ACT_LOG";
    int max_nr = -1;
    for (auto& sc : seccomp.syscalls)
        for (auto& name : sc.names)
            max_nr = std::max(max_nr, seccomp_syscall_resolve_name(name.c_str()));
    if (deny_by_default && max_nr >= 0) {
        auto pre = enosys_prefix(seccomp_arch_native(), static_cast<uint32_t>(max_nr));
        prog.code.insert(prog.code.begin(), pre.begin(), pre.end());
    }
    return prog;
}

int install_filter(const SeccompProgram& program) noexcept {
    struct sock_fprog prog;
    prog.len = static_cast<unsigned short>(program.code.size());
    prog.filter = const_cast<struct sock_filter*>(program.code.data());
    long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, program.flags, &prog);
    if (rc < 0) return -errno;
    return static_cast<int>(rc);
}

Status send_listener_fd(const std::string& listener_path, int listener_fd, int pid,
                        std::string_view state_json, std::string_view metadata) {
    const std::string what = "send seccomp listener to " + listener_path;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (listener_path.size() >= sizeof addr.sun_path) return fail(what + ": path too long");
    std::memcpy(addr.sun_path, listener_path.c_str(), listener_path.size() + 1);

    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) return sys_fail(what + ": socket");
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        return sys_fail(what + ": connect");

    json::Writer w;
    w.begin_object();
    w.field("ociVersion", "1.0.2");
    w.key("fds").begin_array().value("seccompFd").end_array();
    w.field("pid", pid);
    if (!metadata.empty()) w.field("metadata", metadata);
    w.key("state").raw(state_json);
    w.end_object();
    std::string msg = w.str();

    iovec iov{msg.data(), msg.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    cmsghdr* cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cm), &listener_fd, sizeof(int));

    ssize_t n;
    do n = ::sendmsg(sock.get(), &mh, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0) return sys_fail(what + ": sendmsg");
    // The fd travels with the first byte; finish the rest of the message.
    if (static_cast<size_t>(n) < msg.size())
        return context(write_all(sock.get(), std::string_view(msg).substr(static_cast<size_t>(n))),
                       what);
    return {};
}

}  // namespace moat::linux
