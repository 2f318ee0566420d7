// create and run share one path: prepare the plan in the parent, clone the
// init into its namespaces, drive the handshake, save state. A failure at any
// step undoes everything done so far (child, cgroup, state directory).
#pragma once

#include <memory>

#include "linux/fd.hpp"
#include "moat/cgroups.hpp"
#include "moat/policy.hpp"
#include "moat/runtime.hpp"
#include "runtime/handshake.hpp"
#include "runtime/init.hpp"
#include "runtime/state_store.hpp"

namespace moat::runtime {

enum class LaunchMode { create, run };

struct Launched {
    Record record;
    spec::Spec spec;                 // the hardened config
    policy::Hardened hardened;       // adjustments and enforcement
    std::unique_ptr<cgroups::Manager> cgroup;
    Channel channel;                 // run mode: still open, for the start step
    linux::UniqueFd pidfd;
};

Result<Launched> launch(const Global& g, const CreateOptions& o, LaunchMode mode);

// Shared with exec: what confines a process (rlimits, capabilities, the
// seccomp filters compiled here in the parent, the Landlock rules).
Status plan_confinement(const spec::Spec& s, const policy::Hardened& h, const policy::Policy& pol,
                        InitPlan& p);
// clone3 with CLONE_PIDFD, fork-like (the child returns 0).
Result<pid_t> clone_process(int flags, int* pidfd);
// process.oomScoreAdj, written by the parent: inside a new user namespace the
// child may not write its own (raising needs no privilege from outside).
Status set_oom_score_adj(pid_t pid, const spec::Process& process);
// Pid and time namespaces are entered by the parent (they apply to children).
Status enter_parent_namespaces(linux::NamespacePlan& ns);

// The policy in force: --policy, else /etc/moat/policy.json if present, else
// the built-in profile. A malformed file is an error, never "no policy".
struct ActivePolicy {
    policy::Policy policy;
    std::string sha256 = "builtin";
};
Result<ActivePolicy> load_active_policy(const Global& g);

}  // namespace moat::runtime
