// Landlock rulesets built with raw syscalls.
#include "linux/landlock.hpp"

#include <linux/landlock.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>

namespace moat::linux {

namespace {

// Declared here because Debian 12's <linux/landlock.h> stops at ABI 1.
struct RulesetAttr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;  // ABI 4
    uint64_t scoped;              // ABI 6
};
struct PathBeneathAttr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));
struct NetPortAttr {
    uint64_t allowed_access;
    uint64_t port;
};

constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;
constexpr uint32_t kCreateRulesetVersion = 1u << 0;

// Filesystem rights (bit numbers fixed by the kernel ABI).
constexpr uint64_t kWriteFile = 1ull << 1;
constexpr uint64_t kRemoveDir = 1ull << 4;
constexpr uint64_t kRemoveFile = 1ull << 5;
constexpr uint64_t kMakeChar = 1ull << 6;
constexpr uint64_t kMakeDir = 1ull << 7;
constexpr uint64_t kMakeReg = 1ull << 8;
constexpr uint64_t kMakeSock = 1ull << 9;
constexpr uint64_t kMakeFifo = 1ull << 10;
constexpr uint64_t kMakeBlock = 1ull << 11;
constexpr uint64_t kMakeSym = 1ull << 12;
constexpr uint64_t kRefer = 1ull << 13;     // ABI 2
constexpr uint64_t kTruncate = 1ull << 14;  // ABI 3
constexpr uint64_t kConnectTcp = 1ull << 1;  // net, ABI 4
constexpr uint64_t kScopeAbstractUnix = 1ull << 0;  // ABI 6
constexpr uint64_t kScopeSignal = 1ull << 1;        // ABI 6

// Rights that apply to a non-directory (the kernel refuses the others there).
constexpr uint64_t kFileRights = kWriteFile | kTruncate;

uint64_t write_rights(int abi) {
    uint64_t r = kWriteFile | kRemoveDir | kRemoveFile | kMakeChar | kMakeDir | kMakeReg |
                 kMakeSock | kMakeFifo | kMakeBlock | kMakeSym;
    if (abi >= 2) r |= kRefer;
    if (abi >= 3) r |= kTruncate;
    return r;
}

}  // namespace

std::vector<std::string> standard_writable_paths() {
    return {"/tmp",        "/dev/shm",     "/dev/mqueue", "/dev/null", "/dev/zero",
            "/dev/full",   "/dev/random",  "/dev/urandom", "/dev/tty", "/dev/ptmx",
            "/dev/pts",    "/dev/console"};
}

int landlock_abi() noexcept {
    long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
    return v < 0 ? 0 : static_cast<int>(v);
}

Result<LandlockRuleset> prepare_ruleset(const LandlockRules& rules) {
    LandlockRuleset out;
    out.abi = landlock_abi();
    if (out.abi == 0) return out;  // absent: the caller records it, the container still runs

    RulesetAttr attr{};
    attr.handled_access_fs = write_rights(out.abi);
    bool restrict_connect = rules.restrict_tcp_connect || !rules.tcp_connect_ports.empty();
    if (restrict_connect && out.abi >= 4) attr.handled_access_net = kConnectTcp;
    if (out.abi >= 6) {
        if (rules.scope_signals) attr.scoped |= kScopeSignal;
        if (rules.scope_abstract_unix) attr.scoped |= kScopeAbstractUnix;
    }
    // Older kernels accept the larger struct as long as the fields they do not
    // know are zero; pass only as much as the ABI defines anyway.
    size_t size = out.abi >= 6 ? sizeof attr
                  : out.abi >= 4 ? offsetof(RulesetAttr, scoped)
                                 : offsetof(RulesetAttr, handled_access_net);
    long fd = ::syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (fd < 0) return sys_fail("landlock_create_ruleset");
    out.fd = UniqueFd(static_cast<int>(fd));
    out.handled_fs = attr.handled_access_fs;
    out.handled_net = attr.handled_access_net;
    out.scoped = attr.scoped;

    for (const auto& path : rules.writable_paths) {
        int raw = ::open(path.c_str(), O_PATH | O_CLOEXEC);
        if (raw < 0) {
            if (errno == ENOENT || errno == ENOTDIR) {
                out.skipped_paths.push_back(path);
                continue;
            }
            return sys_fail("landlock: open " + path);
        }
        UniqueFd pfd(raw);
        struct stat st;
        if (::fstat(pfd.get(), &st) < 0) return sys_fail("landlock: stat " + path);
        PathBeneathAttr pb{};
        pb.allowed_access = S_ISDIR(st.st_mode) ? out.handled_fs : (out.handled_fs & kFileRights);
        pb.parent_fd = pfd.get();
        if (::syscall(SYS_landlock_add_rule, out.fd.get(), kRulePathBeneath, &pb, 0) < 0)
            return sys_fail("landlock: allow writes under " + path);
    }

    if (out.handled_net & kConnectTcp) {
        for (uint16_t port : rules.tcp_connect_ports) {
            NetPortAttr np{kConnectTcp, port};
            if (::syscall(SYS_landlock_add_rule, out.fd.get(), kRuleNetPort, &np, 0) < 0)
                return sys_fail("landlock: allow TCP connect to port " + std::to_string(port));
        }
    }
    return out;
}

int enforce_ruleset(int ruleset_fd) noexcept {
    if (ruleset_fd < 0) return 0;
    return ::syscall(SYS_landlock_restrict_self, ruleset_fd, 0) < 0 ? -errno : 0;
}

}  // namespace moat::linux
