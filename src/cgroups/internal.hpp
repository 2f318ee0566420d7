// What the cgroups module's files share and nothing outside it needs: file
// helpers for cgroupfs, path resolution, the pure conversions between OCI
// values and kernel files, the v1 and v2 writers and the eBPF device filter.
// Unit tests include this header to test the pieces on their own.
#pragma once

#include <linux/bpf.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moat/cgroups.hpp"

namespace moat::cgroups::detail {

// ---- fs.cpp: small cgroupfs file helpers (kept here so the module does not
// link moat_linux). Errors name the file.
Result<std::string> read_file(const std::string& path);
// Writes never create: a cgroupfs file that is not there is a missing feature.
Status write_file(const std::string& path, std::string_view data);
// A cgroupfs file opened once for several values, each its own write(2)
// (devices.allow takes one rule per write). Opened at the first write.
class WriteOnlyFile {
public:
    explicit WriteOnlyFile(std::string path) : path_(std::move(path)) {}
    WriteOnlyFile(const WriteOnlyFile&) = delete;
    WriteOnlyFile& operator=(const WriteOnlyFile&) = delete;
    ~WriteOnlyFile();
    Status write(std::string_view data);

private:
    std::string path_;
    int fd_ = -1;
};
bool exists(const std::string& path);
std::string trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::optional<uint64_t> parse_u64(std::string_view s);
// A number file; "max" reads as nullopt.
Result<std::optional<uint64_t>> read_u64(const std::string& path);
// "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control).
Result<std::map<std::string, uint64_t>> read_keyed(const std::string& path);
// cgroup.procs: one pid a line.
Result<std::vector<pid_t>> read_pids(const std::string& path);
std::string join_path(std::string_view a, std::string_view b);
// Write dir/file; an error is prefixed with the OCI field it came from.
Status put(const std::string& dir, const std::string& file, std::string_view value, std::string_view field);

// ---- probe.cpp: pure parsers behind probe_host().
Result<Host> parse_mountinfo(std::string_view mountinfo);
std::map<std::string, std::string> parse_proc_cgroup(std::string_view proc_cgroup);

// ---- path.cpp: where the cgroup goes inside each hierarchy.
// Normalise "/a/./b/../c" to "/a/c"; nullopt when ".." climbs above the start.
std::optional<std::string> normalize(std::string_view path);
// "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" -> "/".
Result<std::string> expand_slice(std::string_view slice);
// "slice:prefix:name" -> cgroupfs path, as runc's systemd driver names units.
Result<std::string> systemd_path(std::string_view spec, std::string_view id);
// The hierarchies of a host: key ("memory", "cpu,cpuacct" collapsed to the first
// controller mounted there, "unified" for cgroup2) -> mount point.
struct Hierarchy {
    std::string key;          // "memory" … or "unified"
    std::string mount;        // mount point
    std::vector<std::string> controllers;  // v1 controllers mounted there
    bool v2 = false;
};
std::vector<Hierarchy> hierarchies(const Host& host);
// Inner path of the container's cgroup per hierarchy key.
Result<std::map<std::string, std::string>> resolve(const Host& host, const Placement& placement);
// path() encoding and its inverse.
std::string encode_paths(const std::map<std::string, std::string>& paths);
Result<std::map<std::string, std::string>> decode_paths(const Host& host, std::string_view text);

// ---- convert.cpp: OCI values -> kernel file contents; pure.
uint64_t shares_to_weight(uint64_t shares);            // cpu.shares -> cpu.weight
uint64_t blkio_weight_to_io_weight(uint64_t weight);   // blkio.weight -> io.weight
// OCI swap is memory+swap; v2 memory.swap.max is swap alone. nullopt: write nothing.
Result<std::optional<std::string>> swap_v2(std::optional<int64_t> limit, int64_t swap);
// cpu.max from quota and period; nullopt when neither is set.
std::optional<std::string> cpu_max(std::optional<int64_t> quota, std::optional<uint64_t> period);
std::string limit_v2(int64_t value);  // -1 -> "max"
std::string device_rule_v1(const spec::DeviceCgroup& rule);  // "c 1:3 rwm"
// Impossible values (negative where the kernel wants a count, weights out of
// range, bad device types) are errors naming the field.
Status validate(const spec::Resources& resources);

// ---- device_filter_bpf.cpp: the v2 devices "controller" is an eBPF program.
// Rules are OCI linux.resources.devices in order; the last matching rule wins,
// a device no rule matches is allowed (as on a fresh v1 devices cgroup).
std::vector<bpf_insn> build_device_filter(const std::vector<spec::DeviceCgroup>& rules);
// Load the program and attach it to the cgroup directory, replacing moat's
// earlier program there.
Status attach_device_filter(const std::string& cgroup_dir, const std::vector<bpf_insn>& program);

// ---- v1.cpp / v2.cpp: writers for one controller's files in one directory.
namespace v1 {
Status memory(const std::string& dir, const spec::Memory& m);
Status cpu(const std::string& dir, const spec::Cpu& c);
Status blkio(const std::string& dir, const spec::BlockIO& b);
Status devices(const std::string& dir, const std::vector<spec::DeviceCgroup>& rules);
Status net_cls(const std::string& dir, uint32_t class_id);
Status net_prio(const std::string& dir, const std::vector<spec::NetworkPriority>& priorities);
// v1 cpuset refuses tasks until cpus and mems are set: copy them from the parent.
Status cpuset_inherit(const std::string& mount, const std::string& inner);
}  // namespace v1
namespace v2 {
Status memory(const std::string& dir, const spec::Memory& m);
Status cpu(const std::string& dir, const spec::Cpu& c);
Status io(const std::string& dir, const spec::BlockIO& b);
Status unified(const std::string& dir, const std::map<std::string, std::string>& values);
// Enable every available controller in cgroup.subtree_control from the mount
// down to the cgroup's parent. Best effort per controller: a controller that
// cannot be enabled shows up later as missing from the cgroup's own
// cgroup.controllers, which apply() reports by field.
void enable_controllers(const std::string& mount, const std::string& inner);
}  // namespace v2
// Same files on v1 and v2.
Status cpuset(const std::string& dir, const spec::Cpu& c);
Status pids(const std::string& dir, const spec::Pids& p);
Status rdma(const std::string& dir, const std::map<std::string, spec::Rdma>& rdma);


// ---- cgroup.cpp: one container's cgroup, resolved on every hierarchy, and
// which directory (and which version's files) serves each controller. This is
// where hybrid hosts are handled: a controller mounted on v1 is served by v1,
// one only in the cgroup2 mount (hugetlb on our hosts) by v2 files.
struct Place {
    Hierarchy hierarchy;
    std::string inner;  // "/moat/ID"
    std::string dir;    // mount + inner
};
struct Target {
    std::string dir;
    bool v2 = false;
};
struct Cgroup {
    std::vector<Place> places;
    // v1_name on a v1 hierarchy, or v2_name among the cgroup2 controllers
    // this cgroup has (its cgroup.controllers; the mount's before create).
    std::optional<Target> find(std::string_view v1_name, std::string_view v2_name) const;
    const Place* unified() const;  // the cgroup2 place, if any
};
Cgroup make_cgroup(const Host& host, const std::map<std::string, std::string>& inner);

// ---- resources.cpp: linux.resources onto the controllers that serve them.
Status apply_resources(const Cgroup& cgroup, const spec::Resources& resources);

// ---- stats.cpp
Result<Stats> read_stats(const Cgroup& cgroup);

// ---- freezer.cpp: v1 freezer.state, or v2 cgroup.freeze where no v1
// freezer is mounted. set_frozen returns once the kernel reports the state.
Status set_frozen(const Cgroup& cgroup, bool frozen);
Result<bool> is_frozen(const Cgroup& cgroup);

}  // namespace moat::cgroups::detail
