// The built-in profile's lists (DESIGN.md section 2). Scalars default in
// policy.hpp; the long lists live here so the header stays readable.
#include "moat/policy.hpp"

namespace moat::policy {

std::string_view to_string(Mode m) {
    switch (m) {
        case Mode::enforce: return "enforce";
        case Mode::refuse: return "refuse";
        case Mode::audit: return "audit";
    }
    return "?";
}

std::string_view to_string(NetworkMode m) {
    switch (m) {
        case NetworkMode::none: return "none";
        case NetworkMode::loopback: return "loopback";
        case NetworkMode::allowlist: return "allowlist";
        case NetworkMode::host: return "host";
    }
    return "?";
}

const std::vector<std::string>& capability_names() {
    static const std::vector<std::string> names = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};
    return names;
}

namespace defaults {

std::vector<std::string> namespaces() {
    return {"pid", "mount", "ipc", "uts", "network", "cgroup"};
}

std::vector<RlimitPolicy> rlimits() {
    return {{"RLIMIT_CORE", 0}, {"RLIMIT_NOFILE", 1024}};
}

std::vector<std::string> masked_paths() {
    return {"/proc/acpi",         "/proc/asound",       "/proc/kcore",
            "/proc/keys",         "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats",  "/proc/sched_debug",  "/proc/scsi",
            "/sys/firmware",      "/sys/devices/virtual/powercap",
            "/sys/kernel/debug",  "/sys/kernel/security"};
}

std::vector<std::string> readonly_paths() {
    return {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
}

// The devices every OCI runtime provides, with their real numbers: a config
// that names "/dev/null" with another major/minor does not match.
std::vector<DevicePolicy> devices() {
    return {{"/dev/null", "c", 1, 3},    {"/dev/zero", "c", 1, 5},
            {"/dev/full", "c", 1, 7},    {"/dev/random", "c", 1, 8},
            {"/dev/urandom", "c", 1, 9}, {"/dev/tty", "c", 5, 0},
            {"/dev/ptmx", "c", 5, 2}};
}

// What engines mount for a container; anything else (ext4 from /dev/sda1,
// overlay with host lowerdirs, nfs) is refused.
std::vector<std::string> mount_types() {
    return {"proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2", "shm"};
}

// Refused when a bind source is one of these or an ancestor of one: binding
// them (or a parent) hands the host's system over. What lies under them
// (/etc/passwd, /home/me/project) is the operator's business.
std::vector<std::string> refused_sources() {
    return {"/", "/etc", "/root", "/home", "/proc", "/sys", "/dev", "/boot", "/var/run", "/run"};
}

// Refused when a bind source is, contains or lies under one of these:
// container engine sockets and state, kernel interfaces, host credentials.
std::vector<std::string> refused_trees() {
    return {
        // engine sockets (both spellings: harden() cannot resolve /var/run -> /run)
        "/var/run/docker.sock", "/run/docker.sock", "/var/run/docker", "/run/docker",
        "/var/run/containerd", "/run/containerd", "/var/run/podman", "/run/podman",
        "/var/run/crio", "/run/crio", "/var/run/containers", "/run/containers",
        "/var/run/dockershim.sock", "/run/dockershim.sock", "/var/run/buildkit", "/run/buildkit",
        "/var/run/moat", "/run/moat", "/var/run/runc", "/run/runc", "/run/crun",
        "/var/run/dbus", "/run/dbus", "/var/run/systemd", "/run/systemd", "/run/user",
        // engine state: other containers' files, layers, configs
        "/var/lib/docker", "/var/lib/containerd", "/var/lib/containers", "/var/lib/kubelet",
        "/var/lib/moat",
        // kernel interfaces: /proc/1/root is the host, /dev/sda a disk
        "/proc", "/sys", "/dev",
        // host credentials
        "/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d", "/etc/ssh",
        "/etc/kubernetes", "/etc/docker", "/etc/containerd", "/etc/moat",
        "/root/.ssh", "/root/.aws", "/root/.docker", "/root/.kube", "/root/.gnupg",
    };
}

// What engines bind from their own state for a container: hosts, hostname,
// resolv.conf, the /dev/shm tmpfs, named volumes, pod volumes. Without these
// `docker run`, podman, containerd CRI and kubelet would all break.
std::vector<std::string> allowed_sources() {
    return {
        "/var/lib/docker/containers/*/*",  // hosts hostname resolv.conf mounts/shm
        "/var/lib/docker/volumes/*/_data",
        "/var/lib/containers/storage/overlay-containers/*/userdata/*",
        "/var/lib/containers/storage/volumes/*/_data",
        "/run/containers/storage/overlay-containers/*/userdata/*",
        "/var/run/containers/storage/overlay-containers/*/userdata/*",
        "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/*/*",
        "/var/lib/containerd/io.containerd.grpc.v1.cri/containers/*/volumes/*",
        "/run/containerd/io.containerd.grpc.v1.cri/sandboxes/*/*",
        "/var/run/containerd/io.containerd.grpc.v1.cri/sandboxes/*/*",
        "/var/lib/kubelet/pods/*/*",
    };
}

std::vector<std::string> secret_env() {
    return {"*_TOKEN",      "*_TOKEN_*",     "*_SECRET*",       "*SECRET_ACCESS_KEY*",
            "AWS_*",        "*_PASSWORD",    "*_PASSWD",        "*_API_KEY",
            "*_APIKEY",     "*_ACCESS_KEY",  "*_PRIVATE_KEY",   "*_CREDENTIALS",
            "GITHUB_TOKEN", "GH_TOKEN",      "NPM_TOKEN",       "DOCKER_AUTH_CONFIG",
            "SSH_AUTH_SOCK"};
}

std::vector<std::string> annotations() {
    return {"run.moat.network", "run.moat.memory",   "run.moat.pids",   "run.moat.cpus",
            "run.moat.timeout", "run.moat.writable", "run.moat.tmpsize"};
}

}  // namespace defaults
}  // namespace moat::policy
