// Namespaces: which to create (clone flags), which to join (setns by path),
// and user-namespace id maps (written by the parent).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "linux/fd.hpp"
#include "moat/spec.hpp"

namespace moat::linux {

// CLONE_NEW* of an OCI namespace type ("network" -> CLONE_NEWNET); 0 if unknown.
int namespace_flag(const std::string& type);

// /proc/<pid>/ns/<name> file name of an OCI namespace type ("network" -> "net").
std::string namespace_proc_name(const std::string& type);

struct NamespaceJoin {
    int flag = 0;
    std::string path;
    UniqueFd fd;  // opened by the parent, joined by the child
};

struct NamespacePlan {
    int clone_flags = 0;      // created at clone time
    bool new_cgroup = false;  // unshared by the child after it is placed in its cgroup
    bool new_time = false;
    std::vector<NamespaceJoin> joins;  // user first, then the rest
};

// Validate and open every `path` namespace (the parent opens them, so a bad
// path fails before anything is created).
Result<NamespacePlan> plan_namespaces(const spec::Linux& linux);

// In the child: setns into each joined namespace (user namespace first).
Status join_namespaces(const NamespacePlan& plan);

// In the parent: write uid_map/gid_map (and setgroups=deny when no gid map
// helper is in use) for the child.
Status write_id_maps(pid_t pid, const std::vector<spec::IdMapping>& uids,
                     const std::vector<spec::IdMapping>& gids);

// Whether the namespace file open at `fd` is the calling thread's own
// namespace of that kind ("net" -> /proc/thread-self/ns/net).
Result<bool> is_own_namespace(int fd, const std::string& proc_name);

// Keep a process's namespace alive at `at` (a bind mount of its nsfs file,
// as `ip netns add` does), so it can be read after the process is gone.
Status pin_namespace(pid_t pid, const std::string& proc_name, const std::string& at);
// Undo pin_namespace: detach the mount and remove the file. Absent is fine.
Status unpin_namespace(const std::string& at);

}  // namespace moat::linux
