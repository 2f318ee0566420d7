// One cgroup interface over three host layouts: pure v1, pure v2 (unified)
// and hybrid (v1 controllers plus a cgroup2 mount, as on our build machines).
// The back end is chosen by probing the host at run time. Every function takes
// the cgroupfs mounts as data, so unit tests run the same code on a temporary
// directory that looks like a cgroupfs.
//
// How the runtime drives it:
//   open(probe_host(), placement) -> create() -> apply(resources)
//   -> add_process(init pid)   (before init unshares its cgroup namespace)
//   ... freeze/thaw (pause/resume), apply (update), stats (events, receipt),
//   kill_all (kill --all, delete --force, timeouts)
//   -> destroy() at delete; later commands use reopen(probe_host(), path()).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "moat/error.hpp"
#include "moat/spec.hpp"

namespace moat::cgroups {

enum class Layout { v1, v2, hybrid };

// What the host offers, found by reading mountinfo (or given by a test).
struct Host {
    Layout layout = Layout::v2;
    std::string root = "/sys/fs/cgroup";  // where the hierarchies are mounted
    // v1: controller name -> mount point ("memory" -> /sys/fs/cgroup/memory).
    // Co-mounted controllers ("cpu,cpuacct") share a mount point. Named
    // hierarchies (name=systemd) are not resource controllers and are left out.
    std::map<std::string, std::string> v1_mounts;
    // v2 (or the hybrid's cgroup2 mount): its mount point, empty when absent.
    std::string unified_mount;
    // moat's own cgroup in each hierarchy, from /proc/self/cgroup: v1 controller
    // name -> path, "unified" -> the cgroup2 path. Relative cgroupsPaths start here;
    // a hierarchy missing from the map counts as "/".
    std::map<std::string, std::string> self;
};

// Probe the running host (reads /proc/self/mountinfo and /proc/self/cgroup).
Result<Host> probe_host();

// Where a container's cgroup goes, before any directory is made.
struct Placement {
    std::string id;           // container id
    std::string path;         // linux.cgroupsPath as given (may be empty: "/moat/<id>")
    bool systemd = false;     // --systemd-cgroup: path is "slice:prefix:name"
};

// Runc's stats shape (`events --stats`), filled from whichever controllers exist.
// Times are nanoseconds, sizes bytes. A limit of "max" reads as UINT64_MAX
// (memory) or 0 (pids: unlimited), as runc reports them.
struct Stats {
    struct { uint64_t total = 0, user = 0, kernel = 0; std::vector<uint64_t> percpu;
             uint64_t throttled_periods = 0, throttled_time = 0, periods = 0; } cpu;
    struct { uint64_t usage = 0, max_usage = 0, limit = 0, failcnt = 0;
             uint64_t swap_usage = 0, swap_limit = 0, kernel_usage = 0;
             uint64_t oom_kill = 0; std::map<std::string, uint64_t> raw; } memory;
    struct { uint64_t current = 0, limit = 0, peak = 0; } pids;
    struct Entry { uint64_t major = 0, minor = 0; std::string op; uint64_t value = 0; };
    struct { std::vector<Entry> io_service_bytes_recursive, io_serviced_recursive; } blkio;
    std::map<std::string, std::pair<uint64_t, uint64_t>> hugetlb;  // size -> (usage, max usage)
};

// What a receipt records about resource use, derived from Stats alone.
struct Usage {
    uint64_t peak_memory = 0;       // bytes: max_usage (memory.peak), else current usage
    uint64_t cpu_user_ns = 0;
    uint64_t cpu_system_ns = 0;
    uint64_t peak_pids = 0;         // pids.peak where the kernel has it, else current
    uint64_t oom_kills = 0;
};
Usage usage_from(const Stats& stats);

class Manager {
public:
    virtual ~Manager() = default;

    // Make the cgroup directories (every hierarchy on v1; on v2 also enable the
    // parents' controllers; v1 cpuset gets cpus/mems copied down). Idempotent.
    virtual Status create() = 0;
    // Write linux.resources; an error names the field and, where a controller is
    // missing, the controller. Used by create and by `update`.
    virtual Status apply(const spec::Resources& resources) = 0;
    // Move a process into the cgroup in every hierarchy.
    virtual Status add_process(pid_t pid) = 0;
    virtual Status freeze() = 0;   // returns once the cgroup is frozen
    virtual Status thaw() = 0;
    virtual Result<bool> frozen() = 0;
    virtual Result<std::vector<pid_t>> processes() = 0;  // every pid, sorted, over all hierarchies
    virtual Result<Stats> stats() = 0;
    // Signal every process in the cgroup (kill --all, delete --force, timeouts).
    // SIGKILL uses cgroup.kill where the kernel has it; otherwise the cgroup is
    // frozen while the signals go out, so a fork bomb cannot outrun the loop.
    virtual Status kill_all(int signal) = 0;
    // Remove the container's directories (and any it made inside them), deepest
    // first, in every hierarchy; waits briefly for exiting processes. Kills
    // nothing: fails with EBUSY if processes remain. Shared parents (/moat) stay.
    // Succeeds when the directories are already gone.
    virtual Status destroy() = 0;
    // The path inside the hierarchies ("/moat/ID"), as stored in state and
    // given back to reopen(). When a relative cgroupsPath lands at different
    // places per hierarchy, this is "ctrl=/path;ctrl=/path" (cgroup2 is "unified").
    virtual std::string path() const = 0;
};

// Resolve where the cgroup goes (an error for a path that escapes the root,
// such as "../..") and build the manager for the host's layout.
Result<std::unique_ptr<Manager>> open(const Host& host, const Placement& placement);

// Re-open the cgroup of an existing container from its stored path().
Result<std::unique_ptr<Manager>> reopen(const Host& host, const std::string& path);

}  // namespace moat::cgroups
