#include "linux/namespaces.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>

namespace moat::linux {

namespace {

struct NsInfo {
    const char* type;
    const char* proc;
    int flag;
};

constexpr NsInfo kNamespaces[] = {
    {"user", "user", CLONE_NEWUSER}, {"pid", "pid", CLONE_NEWPID},
    {"network", "net", CLONE_NEWNET}, {"mount", "mnt", CLONE_NEWNS},
    {"ipc", "ipc", CLONE_NEWIPC},     {"uts", "uts", CLONE_NEWUTS},
    {"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", CLONE_NEWTIME},
};

std::string map_text(const std::vector<spec::IdMapping>& maps) {
    std::string s;
    for (auto& m : maps)
        s += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " +
             std::to_string(m.size) + "\n";
    return s;
}

}  // namespace

int namespace_flag(const std::string& type) {
    for (auto& n : kNamespaces)
        if (type == n.type) return n.flag;
    return 0;
}

std::string namespace_proc_name(const std::string& type) {
    for (auto& n : kNamespaces)
        if (type == n.type) return n.proc;
    return {};
}

Result<NamespacePlan> plan_namespaces(const spec::Linux& linux) {
    NamespacePlan plan;
    for (size_t i = 0; i < linux.namespaces.size(); ++i) {
        auto& ns = linux.namespaces[i];
        const std::string where = "linux.namespaces[" + std::to_string(i) + "]";
        int flag = namespace_flag(ns.type);
        if (!flag) return fail(where + ".type: unknown namespace type \"" + ns.type + "\"");
        if (ns.path.empty()) {
            if (flag == CLONE_NEWCGROUP) plan.new_cgroup = true;
            else if (flag == CLONE_NEWTIME) plan.new_time = true;
            else plan.clone_flags |= flag;
            continue;
        }
        auto fd = open_fd(ns.path, O_RDONLY);
        if (!fd) return std::unexpected(std::move(fd.error()).wrap(where + ".path"));
        plan.joins.push_back({flag, ns.path, std::move(*fd)});
    }
    // Joining a user namespace first gives the privileges the other joins need.
    std::stable_partition(plan.joins.begin(), plan.joins.end(),
                          [](const NamespaceJoin& j) { return j.flag == CLONE_NEWUSER; });
    if (!linux.uid_mappings.empty() && !(plan.clone_flags & CLONE_NEWUSER))
        return fail("linux.uidMappings: given without a new user namespace");
    return plan;
}

Status join_namespaces(const NamespacePlan& plan) {
    for (auto& j : plan.joins)
        if (::setns(j.fd.get(), j.flag) < 0) return sys_fail("join namespace " + j.path);
    return {};
}

Status write_id_maps(pid_t pid, const std::vector<spec::IdMapping>& uids,
                     const std::vector<spec::IdMapping>& gids) {
    const std::string base = "/proc/" + std::to_string(pid) + "/";
    if (!uids.empty()) MOAT_CHECK_CTX(write_file(base + "uid_map", map_text(uids)), "linux.uidMappings");
    if (!gids.empty()) MOAT_CHECK_CTX(write_file(base + "gid_map", map_text(gids)), "linux.gidMappings");
    return {};
}

Result<bool> is_own_namespace(int fd, const std::string& proc_name) {
    struct stat theirs {}, ours {};
    if (::fstat(fd, &theirs) < 0) return sys_fail("stat namespace");
    const std::string own = "/proc/thread-self/ns/" + proc_name;
    if (::stat(own.c_str(), &ours) < 0) return sys_fail("stat " + own);
    return theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

Status pin_namespace(pid_t pid, const std::string& proc_name, const std::string& at) {
    const std::string source = "/proc/" + std::to_string(pid) + "/ns/" + proc_name;
    MOAT_TRY(open_fd(at, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (::mount(source.c_str(), at.c_str(), nullptr, MS_BIND, nullptr) < 0) {
        auto err = sys_fail("pin " + source + " at " + at);
        ::unlink(at.c_str());
        return err;
    }
    return {};
}

Status unpin_namespace(const std::string& at) {
    if (::umount2(at.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        return sys_fail("unmount " + at);
    if (::unlink(at.c_str()) < 0 && errno != ENOENT) return sys_fail("remove " + at);
    return {};
}

}  // namespace moat::linux
