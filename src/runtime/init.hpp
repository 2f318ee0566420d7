// The container's init: everything the child of clone does before it becomes
// the container's process. The parent prepares an InitPlan (parsing,
// compiling seccomp, opening namespace files) so the child only makes system
// calls; the child never prints — errors go back over the channel.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "linux/capabilities.hpp"
#include "linux/fd.hpp"
#include "linux/landlock.hpp"
#include "linux/namespaces.hpp"
#include "linux/rlimits.hpp"
#include "linux/rootfs.hpp"
#include "linux/seccomp.hpp"
#include "moat/spec.hpp"
#include "runtime/handshake.hpp"

namespace moat::runtime {

struct InitPlan {
    std::string id;
    spec::Process process;  // args, env, cwd, user, terminal, oomScoreAdj…
    std::string hostname;
    std::optional<std::string> domainname;
    linux::NamespacePlan namespaces;
    bool user_namespace = false;
    linux::RootfsPlan rootfs;
    std::vector<linux::RlimitValue> rlimits;
    std::optional<linux::CapSets> capabilities;  // absent: leave as is (no capabilities object)
    std::optional<linux::SeccompProgram> moat_filter, spec_filter;
    std::optional<linux::LandlockRules> landlock;
    bool loopback_up = false;
    std::vector<char> egress_batch;  // nftables batch for the network namespace; empty: none
    bool new_keyring = true;
    linux::UniqueFd console_socket;  // connected by the parent when process.terminal
    linux::UniqueFd exec_fifo;       // create mode: read end (O_RDWR); run mode: none
    int preserve_fds = 0;
    // Hooks that run inside the container, with the state JSON on stdin.
    std::vector<spec::Hook> create_container_hooks, start_container_hooks;
    bool pause_for_runtime_hooks = false;  // prestart/createRuntime run by the parent
    std::string state_json;
    // exec: join the running container's namespaces instead of building one,
    // resolve process.user from a name in the container's /etc/passwd, and
    // exec as soon as the parent has seen `ready`.
    bool join_existing = false;
    std::optional<std::string> user_name;
    bool wait_for_start = true;
};

// Runs in the child of clone (container init) or of fork (exec); never
// returns: it execs the process, or reports an error and exits.
[[noreturn]] void container_init(InitPlan& plan, Channel& channel);

}  // namespace moat::runtime
