// linux.resources, group by group, onto whichever hierarchy serves each
// controller. A limit that is set but has no controller on this host is an
// error naming the field and the controller; unset groups are skipped.
#include <cerrno>

#include "cgroups/internal.hpp"

namespace moat::cgroups::detail {

namespace {

// v1 and v2 differ only in the file suffix ("limit_in_bytes" / "max").
Status hugetlb(const std::string& dir, const spec::HugepageLimit& h, const std::string& field,
               const std::string& suffix) {
    auto file = "hugetlb." + h.page_size + "." + suffix;
    if (!exists(join_path(dir, file)))
        return fail("linux.resources." + field + ": huge page size " + h.page_size +
                        " is not supported on this host (no " + file + ")",
                    EINVAL);
    MOAT_CHECK(put(dir, file, std::to_string(h.limit), field));
    // Reservations count too, or a mapping can reserve past the limit.
    auto rsvd = "hugetlb." + h.page_size + ".rsvd." + suffix;
    if (exists(join_path(dir, rsvd))) MOAT_CHECK(put(dir, rsvd, std::to_string(h.limit), field));
    return {};
}

// On v2 a controller the host has may still be missing from this cgroup:
// the parent did not (or could not, having processes of its own) enable it.
Status missing(std::string_view field, std::string_view controller, const Cgroup& cg,
               std::string_view v2_name = {}) {
    std::string head = "linux.resources." + std::string(field) + ": the " + std::string(controller) + " controller ";
    if (auto* u = cg.unified(); u && !v2_name.empty())
        if (auto root = read_file(join_path(u->hierarchy.mount, "cgroup.controllers")))
            for (auto& c : split(trim(*root), ' '))
                if (c == v2_name)
                    return fail(head + "is not enabled for " + u->dir +
                                    " (see cgroup.subtree_control of its parents)",
                                EOPNOTSUPP);
    return fail(head + "is not available on this host", EOPNOTSUPP);
}

// The first field of a group that is set, to name it in an error.
std::optional<std::string> first_set(const spec::Memory& m) {
    if (m.limit) return "memory.limit";
    if (m.reservation) return "memory.reservation";
    if (m.swap) return "memory.swap";
    if (m.kernel) return "memory.kernel";
    if (m.kernel_tcp) return "memory.kernelTCP";
    if (m.swappiness) return "memory.swappiness";
    if (m.disable_oom_killer) return "memory.disableOOMKiller";
    return std::nullopt;
}

std::optional<std::string> first_set_cpu(const spec::Cpu& c) {
    if (c.shares) return "cpu.shares";
    if (c.quota) return "cpu.quota";
    if (c.period) return "cpu.period";
    if (c.burst) return "cpu.burst";
    if (c.realtime_runtime) return "cpu.realtimeRuntime";
    if (c.realtime_period) return "cpu.realtimePeriod";
    if (c.idle) return "cpu.idle";
    return std::nullopt;
}

std::optional<std::string> first_set_cpuset(const spec::Cpu& c) {
    if (c.cpus && !c.cpus->empty()) return "cpu.cpus";
    if (c.mems && !c.mems->empty()) return "cpu.mems";
    return std::nullopt;
}

std::optional<std::string> first_set(const spec::BlockIO& b) {
    if (b.weight) return "blockIO.weight";
    if (b.leaf_weight) return "blockIO.leafWeight";
    if (!b.weight_device.empty()) return "blockIO.weightDevice";
    if (!b.throttle_read_bps_device.empty()) return "blockIO.throttleReadBpsDevice";
    if (!b.throttle_write_bps_device.empty()) return "blockIO.throttleWriteBpsDevice";
    if (!b.throttle_read_iops_device.empty()) return "blockIO.throttleReadIOPSDevice";
    if (!b.throttle_write_iops_device.empty()) return "blockIO.throttleWriteIOPSDevice";
    return std::nullopt;
}

}  // namespace

Status apply_resources(const Cgroup& cg, const spec::Resources& r) {
    MOAT_CHECK(validate(r));

    if (r.memory)
        if (auto f = first_set(*r.memory)) {
            auto t = cg.find("memory", "memory");
            if (!t) return missing(*f, "memory", cg, "memory");
            MOAT_CHECK(t->v2 ? v2::memory(t->dir, *r.memory) : v1::memory(t->dir, *r.memory));
        }
    if (r.cpu) {
        if (auto f = first_set_cpu(*r.cpu)) {
            auto t = cg.find("cpu", "cpu");
            if (!t) return missing(*f, "cpu", cg, "cpu");
            MOAT_CHECK(t->v2 ? v2::cpu(t->dir, *r.cpu) : v1::cpu(t->dir, *r.cpu));
        }
        if (auto f = first_set_cpuset(*r.cpu)) {
            auto t = cg.find("cpuset", "cpuset");
            if (!t) return missing(*f, "cpuset", cg, "cpuset");
            MOAT_CHECK(cpuset(t->dir, *r.cpu));
        }
    }
    if (r.pids) {
        auto t = cg.find("pids", "pids");
        if (!t) return missing("pids.limit", "pids", cg, "pids");
        MOAT_CHECK(pids(t->dir, *r.pids));
    }
    if (r.block_io)
        if (auto f = first_set(*r.block_io)) {
            auto t = cg.find("blkio", "io");
            if (!t) return missing(*f, "blkio (io)", cg, "io");
            MOAT_CHECK(t->v2 ? v2::io(t->dir, *r.block_io) : v1::blkio(t->dir, *r.block_io));
        }
    for (size_t i = 0; i < r.hugepage_limits.size(); ++i) {
        auto field = "hugepageLimits[" + std::to_string(i) + "]";
        auto t = cg.find("hugetlb", "hugetlb");
        if (!t) return missing(field, "hugetlb", cg, "hugetlb");
        auto& h = r.hugepage_limits[i];
        MOAT_CHECK(hugetlb(t->dir, h, field, t->v2 ? "max" : "limit_in_bytes"));
    }
    if (r.network) {
        // cgroup v2 has no net_cls/net_prio; only a v1 mount can take these.
        if (r.network->class_id) {
            auto t = cg.find("net_cls", "");
            if (!t) return missing("network.classID", "net_cls", cg);
            MOAT_CHECK(v1::net_cls(t->dir, *r.network->class_id));
        }
        if (!r.network->priorities.empty()) {
            auto t = cg.find("net_prio", "");
            if (!t) return missing("network.priorities", "net_prio", cg);
            MOAT_CHECK(v1::net_prio(t->dir, r.network->priorities));
        }
    }
    if (!r.rdma.empty()) {
        auto t = cg.find("rdma", "rdma");
        if (!t) return missing("rdma", "rdma", cg, "rdma");
        MOAT_CHECK(rdma(t->dir, r.rdma));
    }
    if (!r.devices.empty()) {
        // v1 has a devices controller; on v2 every cgroup can take an eBPF filter.
        if (auto t = cg.find("devices", "")) {
            MOAT_CHECK(v1::devices(t->dir, r.devices));
        } else if (auto* u = cg.unified()) {
            MOAT_CHECK(attach_device_filter(u->dir, build_device_filter(r.devices)));
        } else {
            return missing("devices", "devices", cg);
        }
    }
    if (!r.unified.empty()) {
        auto* u = cg.unified();
        if (!u)
            return fail("linux.resources.unified: cgroup v2 is not available on this host", EOPNOTSUPP);
        MOAT_CHECK(v2::unified(u->dir, r.unified));
    }
    return {};
}

}  // namespace moat::cgroups::detail
