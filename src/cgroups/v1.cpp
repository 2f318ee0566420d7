// cgroup v1: one directory per controller hierarchy, each controller with its
// own files. These functions write one controller's files in one directory.
#include <cerrno>

#include "cgroups/internal.hpp"

namespace moat::cgroups::detail::v1 {

namespace {

std::string devno(int64_t major, int64_t minor) {
    return std::to_string(major) + ":" + std::to_string(minor);
}

// Kernels since 5.16 keep memory.kmem.limit_in_bytes but refuse writes;
// a kernel memory limit there is a no-op, as in runc.
bool kmem_unsupported(int code) { return code == EOPNOTSUPP || code == 524 /* ENOTSUPP */; }

Status optional_file(const std::string& dir, const std::string& file, std::string_view value,
                     std::string_view field, std::string_view what) {
    if (!exists(join_path(dir, file)))
        return fail("linux.resources." + std::string(field) + ": " + std::string(what) +
                        " is not supported by this kernel (no " + file + ")",
                    EOPNOTSUPP);
    return put(dir, file, value, field);
}

}  // namespace

Status memory(const std::string& dir, const spec::Memory& m) {
    bool set_swap = m.swap && *m.swap != 0;
    if (set_swap && !exists(join_path(dir, "memory.memsw.limit_in_bytes")))
        return fail("linux.resources.memory.swap: swap accounting is not available on this host "
                    "(no memory.memsw.limit_in_bytes)",
                    EOPNOTSUPP);
    if (m.limit) {
        auto r = put(dir, "memory.limit_in_bytes", std::to_string(*m.limit), "memory.limit");
        // The kernel keeps limit <= memsw at every step: when the new limit is
        // above the current memory+swap, memsw has to move first.
        if (!r && r.error().code == EINVAL && set_swap) {
            MOAT_CHECK(put(dir, "memory.memsw.limit_in_bytes", std::to_string(*m.swap), "memory.swap"));
            MOAT_CHECK(put(dir, "memory.limit_in_bytes", std::to_string(*m.limit), "memory.limit"));
            set_swap = false;
        } else if (!r) {
            return r;
        }
    }
    if (set_swap) MOAT_CHECK(put(dir, "memory.memsw.limit_in_bytes", std::to_string(*m.swap), "memory.swap"));
    if (m.reservation)
        MOAT_CHECK(put(dir, "memory.soft_limit_in_bytes", std::to_string(*m.reservation), "memory.reservation"));
    if (m.kernel && exists(join_path(dir, "memory.kmem.limit_in_bytes"))) {
        auto r = put(dir, "memory.kmem.limit_in_bytes", std::to_string(*m.kernel), "memory.kernel");
        if (!r && !kmem_unsupported(r.error().code)) return r;
    }
    if (m.kernel_tcp && exists(join_path(dir, "memory.kmem.tcp.limit_in_bytes"))) {
        auto r = put(dir, "memory.kmem.tcp.limit_in_bytes", std::to_string(*m.kernel_tcp), "memory.kernelTCP");
        if (!r && !kmem_unsupported(r.error().code)) return r;
    }
    if (m.swappiness)
        MOAT_CHECK(put(dir, "memory.swappiness", std::to_string(*m.swappiness), "memory.swappiness"));
    if (m.disable_oom_killer)
        MOAT_CHECK(put(dir, "memory.oom_control", *m.disable_oom_killer ? "1" : "0", "memory.disableOOMKiller"));
    return {};
}

Status cpu(const std::string& dir, const spec::Cpu& c) {
    if (c.shares && *c.shares != 0) MOAT_CHECK(put(dir, "cpu.shares", std::to_string(*c.shares), "cpu.shares"));
    // Period first: the quota is checked against it.
    if (c.period && *c.period != 0)
        MOAT_CHECK(put(dir, "cpu.cfs_period_us", std::to_string(*c.period), "cpu.period"));
    if (c.quota && *c.quota != 0) MOAT_CHECK(put(dir, "cpu.cfs_quota_us", std::to_string(*c.quota), "cpu.quota"));
    if (c.burst) MOAT_CHECK(optional_file(dir, "cpu.cfs_burst_us", std::to_string(*c.burst), "cpu.burst", "CPU burst"));
    if (c.realtime_period && *c.realtime_period != 0)
        MOAT_CHECK(optional_file(dir, "cpu.rt_period_us", std::to_string(*c.realtime_period),
                                 "cpu.realtimePeriod", "realtime scheduling"));
    if (c.realtime_runtime && *c.realtime_runtime != 0)
        MOAT_CHECK(optional_file(dir, "cpu.rt_runtime_us", std::to_string(*c.realtime_runtime),
                                 "cpu.realtimeRuntime", "realtime scheduling"));
    if (c.idle) MOAT_CHECK(optional_file(dir, "cpu.idle", std::to_string(*c.idle), "cpu.idle", "SCHED_IDLE groups"));
    return {};
}

Status blkio(const std::string& dir, const spec::BlockIO& b) {
    // Kernels with only the BFQ scheduler name the weight files blkio.bfq.*.
    std::string weight_file = exists(join_path(dir, "blkio.weight")) ? "blkio.weight" : "blkio.bfq.weight";
    if (b.weight && *b.weight != 0)
        MOAT_CHECK(optional_file(dir, weight_file, std::to_string(*b.weight), "blockIO.weight", "block IO weight"));
    if (b.leaf_weight && *b.leaf_weight != 0)
        MOAT_CHECK(optional_file(dir, "blkio.leaf_weight", std::to_string(*b.leaf_weight), "blockIO.leafWeight",
                                 "block IO leaf weight"));
    for (size_t i = 0; i < b.weight_device.size(); ++i) {
        auto& d = b.weight_device[i];
        auto at = "blockIO.weightDevice[" + std::to_string(i) + "]";
        if (d.weight)
            MOAT_CHECK(optional_file(dir, weight_file + "_device",
                                     devno(d.major, d.minor) + " " + std::to_string(*d.weight), at + ".weight",
                                     "per-device block IO weight"));
        if (d.leaf_weight)
            MOAT_CHECK(optional_file(dir, "blkio.leaf_weight_device",
                                     devno(d.major, d.minor) + " " + std::to_string(*d.leaf_weight),
                                     at + ".leafWeight", "per-device block IO leaf weight"));
    }
    auto throttles = {std::tuple{&b.throttle_read_bps_device, "throttleReadBpsDevice", "blkio.throttle.read_bps_device"},
                      std::tuple{&b.throttle_write_bps_device, "throttleWriteBpsDevice", "blkio.throttle.write_bps_device"},
                      std::tuple{&b.throttle_read_iops_device, "throttleReadIOPSDevice", "blkio.throttle.read_iops_device"},
                      std::tuple{&b.throttle_write_iops_device, "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device"}};
    for (auto [list, name, file] : throttles)
        for (size_t i = 0; i < list->size(); ++i) {
            auto& t = (*list)[i];
            MOAT_CHECK(optional_file(dir, file, devno(t.major, t.minor) + " " + std::to_string(t.rate),
                                     std::string("blockIO.") + name + "[" + std::to_string(i) + "]",
                                     "block IO throttling"));
        }
    return {};
}

Status devices(const std::string& dir, const std::vector<spec::DeviceCgroup>& rules) {
    // v1 applies rules as they come; later rules override earlier ones. Each
    // file is opened once for all of them.
    WriteOnlyFile allow(join_path(dir, "devices.allow")), deny(join_path(dir, "devices.deny"));
    for (size_t i = 0; i < rules.size(); ++i)
        MOAT_CHECK_CTX((rules[i].allow ? allow : deny).write(device_rule_v1(rules[i])),
                       "linux.resources.devices[" + std::to_string(i) + "]");
    return {};
}

Status net_cls(const std::string& dir, uint32_t class_id) {
    return put(dir, "net_cls.classid", std::to_string(class_id), "network.classID");
}

Status net_prio(const std::string& dir, const std::vector<spec::NetworkPriority>& priorities) {
    for (size_t i = 0; i < priorities.size(); ++i)
        MOAT_CHECK(put(dir, "net_prio.ifpriomap",
                       priorities[i].name + " " + std::to_string(priorities[i].priority),
                       "network.priorities[" + std::to_string(i) + "]"));
    return {};
}

Status cpuset_inherit(const std::string& mount, const std::string& inner) {
    // A new v1 cpuset starts with empty cpus and mems and refuses tasks until
    // both are set; give every level we pass through its parent's values.
    std::string parent = mount;
    for (auto& part : split(inner, '/')) {
        if (part.empty()) continue;
        std::string dir = join_path(parent, part);
        for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
            auto mine = trim(MOAT_TRY(read_file(join_path(dir, file))));
            if (!mine.empty()) continue;
            auto theirs = trim(MOAT_TRY(read_file(join_path(parent, file))));
            MOAT_CHECK_CTX(write_file(join_path(dir, file), theirs), "cpuset: copy " + std::string(file) + " from parent");
        }
        parent = dir;
    }
    return {};
}

}  // namespace moat::cgroups::detail::v1
