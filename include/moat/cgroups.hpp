// One cgroup interface over three host layouts: pure v1, pure v2 (unified)
// and hybrid (v1 controllers plus a cgroup2 mount, as on our build machines).
// The back end is chosen by probing the host at run time. Every function takes
// the cgroupfs root as data, so unit tests run the same code on a temporary
// directory that looks like a cgroupfs.
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
    std::map<std::string, std::string> v1_mounts;
    // v2 (or the hybrid's cgroup2 mount): its mount point, empty when absent.
    std::string unified_mount;
};

// Probe the running host (reads /proc/self/mountinfo).
Result<Host> probe_host();

// Where a container's cgroup goes, before any directory is made.
struct Placement {
    std::string id;           // container id
    std::string path;         // linux.cgroupsPath as given (may be empty)
    bool systemd = false;     // --systemd-cgroup: path is "slice:prefix:name"
};

// Runc's stats shape (`events --stats`), filled from whichever controllers exist.
struct Stats {
    struct { uint64_t total = 0, user = 0, kernel = 0; std::vector<uint64_t> percpu;
             uint64_t throttled_periods = 0, throttled_time = 0, periods = 0; } cpu;
    struct { uint64_t usage = 0, max_usage = 0, limit = 0, failcnt = 0;
             uint64_t swap_usage = 0, swap_limit = 0, kernel_usage = 0;
             uint64_t oom_kill = 0; std::map<std::string, uint64_t> raw; } memory;
    struct { uint64_t current = 0, limit = 0, peak = 0; } pids;
    struct Entry { uint64_t major = 0, minor = 0; std::string op; uint64_t value = 0; };
    struct { std::vector<Entry> io_service_bytes_recursive, io_serviced_recursive; } blkio;
    std::map<std::string, std::pair<uint64_t, uint64_t>> hugetlb;  // size -> (usage, max)
};

class Manager {
public:
    virtual ~Manager() = default;

    // Make the cgroup directories (every controller on v1). Idempotent.
    virtual Status create() = 0;
    // Write linux.resources; an error names the field and, where a controller is
    // missing, the controller. Used by create and by `update`.
    virtual Status apply(const spec::Resources& resources) = 0;
    virtual Status add_process(pid_t pid) = 0;
    virtual Status freeze() = 0;
    virtual Status thaw() = 0;
    virtual Result<bool> frozen() = 0;
    virtual Result<std::vector<pid_t>> processes() = 0;  // every pid in the cgroup
    virtual Result<Stats> stats() = 0;
    // Signal every process in the cgroup (kill --all, delete --force, timeouts).
    virtual Status kill_all(int signal) = 0;
    // Remove the directories; kills nothing, fails with EBUSY if processes remain.
    virtual Status destroy() = 0;
    // The path inside the hierarchy ("/moat/ID"), as stored in state.
    virtual std::string path() const = 0;
};

// Resolve where the cgroup goes (an error for a path that escapes the root,
// such as "../..") and build the manager for the host's layout.
Result<std::unique_ptr<Manager>> open(const Host& host, const Placement& placement);

// Re-open the cgroup of an existing container from its stored path.
Result<std::unique_ptr<Manager>> reopen(const Host& host, const std::string& path);

}  // namespace moat::cgroups
