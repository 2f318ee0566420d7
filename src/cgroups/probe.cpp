// Finding the host's cgroup layout: v1 controllers and a cgroup2 mount from
// /proc/self/mountinfo, moat's own cgroup from /proc/self/cgroup.
#include <set>

#include "cgroups/internal.hpp"

namespace moat::cgroups::detail {

namespace {

// The v1 resource controllers. Anything else in a cgroup mount's super
// options (rw, name=systemd, xattr, release_agent=…) is not a controller.
const std::set<std::string, std::less<>> kV1Controllers = {
    "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
    "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc"};

std::string dirname(const std::string& p) {
    auto i = p.rfind('/');
    if (i == std::string::npos || i == 0) return "/";
    return p.substr(0, i);
}

}  // namespace

Result<Host> parse_mountinfo(std::string_view mountinfo) {
    Host host;
    host.root.clear();
    for (auto& line : split(mountinfo, '\n')) {
        // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL…] - FSTYPE SOURCE SUPEROPTS"
        auto sep = line.find(" - ");
        if (sep == std::string::npos) continue;
        auto head = split(line.substr(0, sep), ' ');
        auto tail = split(line.substr(sep + 3), ' ');
        if (head.size() < 5 || tail.size() < 3) continue;
        const std::string& mount_point = head[4];
        const std::string& fstype = tail[0];
        if (fstype == "cgroup2") {
            if (host.unified_mount.empty()) host.unified_mount = mount_point;
        } else if (fstype == "cgroup") {
            for (auto& opt : split(tail[2], ',')) {
                if (kV1Controllers.contains(opt) && !host.v1_mounts.contains(opt))
                    host.v1_mounts[opt] = mount_point;
            }
        } else {
            continue;
        }
        if (host.root.empty()) host.root = dirname(mount_point);
    }
    if (host.v1_mounts.empty() && host.unified_mount.empty())
        return fail("no cgroup hierarchy is mounted (see /proc/self/mountinfo)", ENOENT);
    if (host.v1_mounts.empty()) {
        host.layout = Layout::v2;
        host.root = host.unified_mount;
    } else {
        host.layout = host.unified_mount.empty() ? Layout::v1 : Layout::hybrid;
    }
    return host;
}

std::map<std::string, std::string> parse_proc_cgroup(std::string_view proc_cgroup) {
    // "ID:CONTROLLERS:PATH"; "0::PATH" is cgroup2; "N:name=systemd:PATH" is named.
    std::map<std::string, std::string> self;
    for (auto& line : split(proc_cgroup, '\n')) {
        auto a = line.find(':');
        if (a == std::string::npos) continue;
        auto b = line.find(':', a + 1);
        if (b == std::string::npos) continue;
        std::string controllers = line.substr(a + 1, b - a - 1);
        std::string path = line.substr(b + 1);
        if (line.substr(0, a) == "0" && controllers.empty()) {
            self["unified"] = path;
            continue;
        }
        for (auto& c : split(controllers, ','))
            if (kV1Controllers.contains(c)) self[c] = path;
    }
    return self;
}

}  // namespace moat::cgroups::detail

namespace moat::cgroups {

Result<Host> probe_host() {
    auto mountinfo = MOAT_TRY(detail::read_file("/proc/self/mountinfo"));
    auto host = MOAT_TRY(context(detail::parse_mountinfo(mountinfo), "probe cgroups"));
    auto self = MOAT_TRY(detail::read_file("/proc/self/cgroup"));
    host.self = detail::parse_proc_cgroup(self);
    return host;
}

}  // namespace moat::cgroups
