// moat-probe: a small static program that integration tests copy into a
// container's rootfs and run there. Each check prints one machine-readable
// line ("mount: EPERM", "mount: ok", "cwd: /"); the exit status is 0 whatever
// the result, and 2 only when the probe itself is misused, so tests judge the
// printed line. Deliberately free of moat's own code: it reports what the
// kernel says, not what moat believes it set up.
//
//   moat-probe syscall NAME...      (or "syscall all"; names: see kSyscalls)
//   moat-probe write PATH [DATA]    read PATH        mknod PATH
//   moat-probe status               ifaces           routes
//   moat-probe rlimit NAME          uid | gid | groups | cwd | hostname
//   moat-probe fds                  exe-write PID    tcp-loop
//   moat-probe env NAME             signal PID       unix-abstract NAME
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/io_uring.h>
#include <linux/kexec.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/bpf.h>
#include <linux/sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace {

// "ok" for success, else the errno's name ("EPERM").
std::string outcome(long rc) {
    if (rc >= 0) return "ok";
    const char* name = strerrorname_np(errno);
    return name ? name : "errno" + std::to_string(errno);
}

void say(const std::string& line) {
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout);
}

// Run a system call attempt; close any fd it produced.
long fd_result(long fd) {
    if (fd >= 0) ::close(static_cast<int>(fd));
    return fd;
}

// A forked child that only waits, for the calls that need a target process.
pid_t spawn_sleeper() {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::pause();
        ::_exit(0);
    }
    return pid;
}

void reap(pid_t pid) {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
}

long raw_clone(unsigned long flags) {
    long rc = ::syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (rc == 0) ::_exit(0);
    if (rc > 0) ::waitpid(static_cast<pid_t>(rc), nullptr, 0);
    return rc;
}

long try_socket(int family, int type, int protocol) {
    return fd_result(::socket(family, type | SOCK_CLOEXEC, protocol));
}

struct SyscallCheck {
    const char* name;
    std::function<long()> attempt;
};

const std::vector<SyscallCheck>& syscall_checks() {
    static const std::vector<SyscallCheck> checks = {
        {"mount", [] { return long(::mount("none", "/tmp", "tmpfs", 0, nullptr)); }},
        {"umount2", [] { return long(::umount2("/sys", MNT_DETACH)); }},
        {"pivot_root", [] { return ::syscall(SYS_pivot_root, ".", "."); }},
        {"unshare-user", [] { return long(::unshare(CLONE_NEWUSER)); }},
        {"unshare-net", [] { return long(::unshare(CLONE_NEWNET)); }},
        {"unshare-ns", [] { return long(::unshare(CLONE_NEWNS)); }},
        {"setns",
         [] {
             int fd = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
             if (fd < 0) return -1L;
             long rc = ::setns(fd, CLONE_NEWNET);
             int e = errno;
             ::close(fd);
             errno = e;
             return rc;
         }},
        {"ptrace",
         [] {
             pid_t target = spawn_sleeper();
             long rc = ::ptrace(PTRACE_ATTACH, target, nullptr, nullptr);
             int e = errno;
             reap(target);
             errno = e;
             return rc;
         }},
        {"keyctl", [] { return ::syscall(SYS_keyctl, 0 /*GET_KEYRING_ID*/, -3 /*SESSION*/, 0); }},
        {"add_key",
         [] { return ::syscall(SYS_add_key, "user", "moat-probe", "x", 1, -2 /*PROCESS*/); }},
        {"bpf",
         [] {
             union bpf_attr attr;
             std::memset(&attr, 0, sizeof attr);
             attr.map_type = BPF_MAP_TYPE_ARRAY;
             attr.key_size = 4;
             attr.value_size = 4;
             attr.max_entries = 1;
             return fd_result(::syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr));
         }},
        {"perf_event_open",
         [] {
             perf_event_attr attr{};
             attr.size = sizeof attr;
             attr.type = PERF_TYPE_SOFTWARE;
             attr.config = PERF_COUNT_SW_CPU_CLOCK;
             attr.disabled = 1;
             attr.exclude_kernel = 1;
             attr.exclude_hv = 1;
             return fd_result(::syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
         }},
        {"userfaultfd", [] { return fd_result(::syscall(SYS_userfaultfd, O_CLOEXEC)); }},
        {"io_uring_setup",
         [] {
             io_uring_params p{};
             return fd_result(::syscall(SYS_io_uring_setup, 1, &p));
         }},
        {"open_by_handle_at",
         [] {
             // A zero-length handle: EINVAL/ESTALE when the call is reachable.
             struct {
                 unsigned int handle_bytes;
                 int handle_type;
                 unsigned char f_handle[8];
             } h{8, 1, {}};
             int mfd = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
             long rc = fd_result(::syscall(SYS_open_by_handle_at, mfd, &h, O_RDONLY));
             int e = errno;
             ::close(mfd);
             errno = e;
             return rc;
         }},
        {"kexec_load", [] { return ::syscall(SYS_kexec_load, 0, 0, nullptr, KEXEC_ARCH_DEFAULT); }},
        {"init_module", [] { return ::syscall(SYS_init_module, nullptr, 0, ""); }},
        {"clone-newns", [] { return raw_clone(CLONE_NEWNS); }},
        {"clone-newuser", [] { return raw_clone(CLONE_NEWUSER); }},
        {"clone",  [] { return raw_clone(0); }},
        {"clone3",
         [] {
             clone_args args{};
             args.exit_signal = SIGCHLD;
             long rc = ::syscall(SYS_clone3, &args, sizeof args);
             if (rc == 0) ::_exit(0);
             if (rc > 0) ::waitpid(static_cast<pid_t>(rc), nullptr, 0);
             return rc;
         }},
        {"socket-inet", [] { return try_socket(AF_INET, SOCK_STREAM, 0); }},
        {"socket-unix", [] { return try_socket(AF_UNIX, SOCK_STREAM, 0); }},
        {"socket-raw", [] { return try_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP); }},
        {"socket-packet", [] { return try_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)); }},
        {"socket-netlink-route", [] { return try_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE); }},
        {"socket-netlink-audit", [] { return try_socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT); }},
        {"socket-netlink-netfilter", [] { return try_socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER); }},
        {"tiocsti",
         [] {
             int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
             char c = ' ';
             long rc = ::ioctl(fd >= 0 ? fd : 0, TIOCSTI, &c);
             int e = errno;
             if (fd >= 0) ::close(fd);
             errno = e;
             return rc;
         }},
        {"personality", [] { return long(::personality(ADDR_NO_RANDOMIZE)); }},
        {"mknod",
         [] {
             const char* path = "/tmp/.moat-probe-null";
             long rc = ::mknod(path, S_IFCHR | 0666, makedev(1, 3));
             if (rc == 0) ::unlink(path);
             return rc;
         }},
        {"chroot", [] { return long(::chroot("/")); }},
        {"syslog", [] { return ::syscall(SYS_syslog, 10 /*SIZE_BUFFER*/, nullptr, 0); }},
    };
    return checks;
}

int cmd_syscall(const std::vector<std::string>& names) {
    const auto& checks = syscall_checks();
    bool all = names.size() == 1 && names[0] == "all";
    for (const auto& c : checks)
        if (all || std::find(names.begin(), names.end(), c.name) != names.end()) {
            errno = 0;
            say(std::string(c.name) + ": " + outcome(c.attempt()));
        }
    for (const auto& n : names)
        if (!all && std::none_of(checks.begin(), checks.end(),
                                 [&](const SyscallCheck& c) { return n == c.name; })) {
            say(n + ": unknown-check");
            return 2;
        }
    return 0;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int cmd_status() {
    std::istringstream in(read_text("/proc/self/status"));
    std::string line, out = "status:";
    for (const char* key : {"NoNewPrivs", "Seccomp", "Seccomp_filters", "CapInh", "CapPrm",
                            "CapEff", "CapBnd", "CapAmb"}) {
        in.clear();
        in.seekg(0);
        std::string value = "absent";
        while (std::getline(in, line)) {
            std::string prefix = std::string(key) + ":";
            if (line.rfind(prefix, 0) == 0) {
                value = line.substr(prefix.size());
                value.erase(0, value.find_first_not_of(" \t"));
                break;
            }
        }
        out += ' ';
        out += key;
        out += '=';
        out += value;
    }
    say(out);
    return 0;
}

int cmd_ifaces() {
    std::vector<std::string> names;
    if (DIR* d = ::opendir("/sys/class/net")) {
        while (dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') names.push_back(e->d_name);
        ::closedir(d);
    } else {
        // No sysfs: ask the kernel for the configured IPv4 interfaces.
        int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        char buf[4096];
        ifconf ifc{};
        ifc.ifc_len = sizeof buf;
        ifc.ifc_buf = buf;
        if (s >= 0 && ::ioctl(s, SIOCGIFCONF, &ifc) == 0)
            for (size_t i = 0; i < ifc.ifc_len / sizeof(ifreq); ++i)
                names.push_back(ifc.ifc_req[i].ifr_name);
        if (s >= 0) ::close(s);
    }
    std::sort(names.begin(), names.end());
    std::string out = "ifaces:";
    for (auto& n : names) out += " " + n;
    say(out);
    return 0;
}

int cmd_routes() {
    // /proc/net/route has one header line; ipv6_route none. Every line ends
    // with the device name, so routes through anything but lo are counted too.
    auto count = [](const std::string& path, int header, int dev_field, int& non_lo) {
        std::istringstream in(read_text(path));
        std::string line;
        int n = 0;
        while (std::getline(in, line)) {
            if (header-- > 0 || line.empty()) continue;
            ++n;
            std::istringstream f(line);
            std::vector<std::string> fields;
            std::string w;
            while (f >> w) fields.push_back(w);
            std::string dev = dev_field < 0 ? (fields.empty() ? "" : fields.back())
                                            : (int(fields.size()) > dev_field ? fields[dev_field] : "");
            if (dev != "lo") ++non_lo;
        }
        return n;
    };
    int v4_non_lo = 0, v6_non_lo = 0;
    int v4 = count("/proc/net/route", 1, 0, v4_non_lo);
    int v6 = count("/proc/net/ipv6_route", 0, -1, v6_non_lo);
    say("routes: ipv4=" + std::to_string(v4) + " ipv6=" + std::to_string(v6) +
        " ipv4_non_lo=" + std::to_string(v4_non_lo) + " ipv6_non_lo=" + std::to_string(v6_non_lo));
    return 0;
}

int cmd_rlimit(const std::string& name) {
    static const std::pair<const char*, int> limits[] = {
        {"CPU", RLIMIT_CPU},       {"FSIZE", RLIMIT_FSIZE},     {"DATA", RLIMIT_DATA},
        {"STACK", RLIMIT_STACK},   {"CORE", RLIMIT_CORE},       {"RSS", RLIMIT_RSS},
        {"NPROC", RLIMIT_NPROC},   {"NOFILE", RLIMIT_NOFILE},   {"MEMLOCK", RLIMIT_MEMLOCK},
        {"AS", RLIMIT_AS},         {"LOCKS", RLIMIT_LOCKS},     {"SIGPENDING", RLIMIT_SIGPENDING},
        {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE},   {"RTPRIO", RLIMIT_RTPRIO},
        {"RTTIME", RLIMIT_RTTIME},
    };
    std::string key = name.rfind("RLIMIT_", 0) == 0 ? name.substr(7) : name;
    for (auto& [n, r] : limits)
        if (key == n) {
            rlimit rl{};
            ::getrlimit(r, &rl);
            auto v = [](rlim_t x) {
                return x == RLIM_INFINITY ? std::string("unlimited") : std::to_string(x);
            };
            say("rlimit " + key + ": soft=" + v(rl.rlim_cur) + " hard=" + v(rl.rlim_max));
            return 0;
        }
    say("rlimit " + key + ": unknown-limit");
    return 2;
}

int cmd_fds() {
    // The leaked-fd check: everything open beyond stdio, with its target.
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) {
        say(std::string("fds: ") + outcome(-1));
        return 0;
    }
    std::vector<int> fds;
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        int fd = std::atoi(e->d_name);
        if (fd > 2 && fd != ::dirfd(d)) fds.push_back(fd);
    }
    std::sort(fds.begin(), fds.end());
    std::string out = "fds:";
    for (int fd : fds) {
        char target[4096];
        ssize_t n = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target,
                               sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        out += ' ';
        out += std::to_string(fd);
        out += '=';
        out += target;
    }
    ::closedir(d);
    say(out);
    return 0;
}

int cmd_write(const std::string& path, const std::string& data) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    long rc = fd;
    if (fd >= 0) {
        rc = ::write(fd, data.data(), data.size());
        int e = errno;
        ::close(fd);
        errno = e;
    }
    say("write " + path + ": " + outcome(rc));
    return 0;
}

int cmd_read(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    long rc = fd;
    if (fd >= 0) {
        char buf[4096];
        rc = ::read(fd, buf, sizeof buf);
        int e = errno;
        ::close(fd);
        errno = e;
    }
    say("read " + path + ": " + outcome(rc));
    return 0;
}

int cmd_mknod(const std::string& path) {
    long rc = ::mknod(path.c_str(), S_IFCHR | 0666, makedev(1, 3));
    say("mknod " + path + ": " + outcome(rc));
    if (rc == 0) ::unlink(path.c_str());
    return 0;
}

int cmd_exe_write(const std::string& pid) {
    // The CVE-2019-5736 class: can the container open a runtime's binary for writing?
    int fd = ::open(("/proc/" + pid + "/exe").c_str(), O_WRONLY | O_CLOEXEC);
    say("exe-write " + pid + ": " + outcome(fd));
    if (fd >= 0) ::close(fd);  // never write anything
    return 0;
}

int cmd_tcp_loop() {
    // A listener on 127.0.0.1 and a connection to it, both in this process.
    int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    long rc = l;
    if (rc >= 0) rc = ::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (rc >= 0) rc = ::listen(l, 1);
    if (rc >= 0) rc = ::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len);
    int c = -1;
    if (rc >= 0) rc = c = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (rc >= 0) rc = ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
    int e = errno;
    if (c >= 0) ::close(c);
    if (l >= 0) ::close(l);
    errno = e;
    say("tcp-loop: " + outcome(rc));
    return 0;
}

int cmd_ids(const std::string& which) {
    if (which == "uid") {
        uid_t r, e, s;
        ::getresuid(&r, &e, &s);
        say("uid: ruid=" + std::to_string(r) + " euid=" + std::to_string(e) + " suid=" + std::to_string(s));
    } else if (which == "gid") {
        gid_t r, e, s;
        ::getresgid(&r, &e, &s);
        say("gid: rgid=" + std::to_string(r) + " egid=" + std::to_string(e) + " sgid=" + std::to_string(s));
    } else {
        gid_t groups[256];
        int n = ::getgroups(256, groups);
        std::string out = "groups:";
        for (int i = 0; i < n; ++i) {
            out += ' ';
            out += std::to_string(groups[i]);
        }
        say(out);
    }
    return 0;
}

int cmd_signal(const std::string& pid) {
    // Signal 0 checks permission only (Landlock's signal scoping applies to it).
    say("signal " + pid + ": " + outcome(::kill(std::atoi(pid.c_str()), 0)));
    return 0;
}

int cmd_unix_abstract(const std::string& name) {
    // Connect to the abstract unix socket "@name" (scoped by Landlock ABI 6).
    int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    size_t n = std::min(name.size(), sizeof a.sun_path - 1);
    std::memcpy(a.sun_path + 1, name.data(), n);
    long rc = s;
    if (s >= 0)
        rc = ::connect(s, reinterpret_cast<sockaddr*>(&a),
                       static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + n));
    int e = errno;
    if (s >= 0) ::close(s);
    errno = e;
    say("unix-abstract " + name + ": " + outcome(rc));
    return 0;
}

int usage() {
    std::fputs(
        "usage: moat-probe syscall NAME...|all | write PATH [DATA] | read PATH | mknod PATH |\n"
        "       status | ifaces | routes | rlimit NAME | uid | gid | groups | cwd | hostname |\n"
        "       fds | exe-write PID | tcp-loop | env NAME | signal PID | unix-abstract NAME\n",
        stderr);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    std::string cmd = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    auto need = [&](size_t n) { return args.size() >= n; };

    if (cmd == "syscall" && need(1)) return cmd_syscall(args);
    if (cmd == "write" && need(1)) return cmd_write(args[0], need(2) ? args[1] : "x\n");
    if (cmd == "read" && need(1)) return cmd_read(args[0]);
    if (cmd == "mknod" && need(1)) return cmd_mknod(args[0]);
    if (cmd == "status") return cmd_status();
    if (cmd == "ifaces") return cmd_ifaces();
    if (cmd == "routes") return cmd_routes();
    if (cmd == "rlimit" && need(1)) return cmd_rlimit(args[0]);
    if (cmd == "uid" || cmd == "gid" || cmd == "groups") return cmd_ids(cmd);
    if (cmd == "fds") return cmd_fds();
    if (cmd == "exe-write" && need(1)) return cmd_exe_write(args[0]);
    if (cmd == "tcp-loop") return cmd_tcp_loop();
    if (cmd == "signal" && need(1)) return cmd_signal(args[0]);
    if (cmd == "unix-abstract" && need(1)) return cmd_unix_abstract(args[0]);
    if (cmd == "cwd") {
        char buf[4096];
        say(std::string("cwd: ") + (::getcwd(buf, sizeof buf) ? buf : outcome(-1)));
        return 0;
    }
    if (cmd == "hostname") {
        char buf[256] = {};
        ::gethostname(buf, sizeof buf - 1);
        say(std::string("hostname: ") + buf);
        return 0;
    }
    if (cmd == "env" && need(1)) {
        const char* v = std::getenv(args[0].c_str());
        say("env " + args[0] + ": " + (v ? std::string("=") + v : std::string("unset")));
        return 0;
    }
    return usage();
}
