// cgroup v2: one directory, controllers enabled from the parent's
// cgroup.subtree_control, v1 values converted to v2's scales.
#include <algorithm>
#include <cerrno>

#include "cgroups/internal.hpp"

namespace moat::cgroups::detail::v2 {

namespace {

std::string devno(int64_t major, int64_t minor) {
    return std::to_string(major) + ":" + std::to_string(minor);
}

Status unsupported(std::string_view field, std::string_view what) {
    return fail("linux.resources." + std::string(field) + ": " + std::string(what) +
                    " is not supported on cgroup v2",
                EOPNOTSUPP);
}

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
    if (m.limit && *m.limit > 0 && m.check_before_update.value_or(false)) {
        // OCI's checkBeforeUpdate: refuse a limit below what is in use now
        // rather than have the kernel reclaim or OOM-kill to reach it.
        auto current = MOAT_TRY(context(read_u64(join_path(dir, "memory.current")), "linux.resources.memory.limit"));
        if (current && *current > static_cast<uint64_t>(*m.limit))
            return fail("linux.resources.memory.limit: " + std::to_string(*m.limit) +
                            " is below the current usage (" + std::to_string(*current) +
                            ") and checkBeforeUpdate is set",
                        EBUSY);
    }
    if (m.limit) MOAT_CHECK(put(dir, "memory.max", limit_v2(*m.limit), "memory.limit"));
    if (m.swap) {
        auto value = MOAT_TRY(swap_v2(m.limit, *m.swap));
        if (value) {
            if (!exists(join_path(dir, "memory.swap.max")))
                return fail("linux.resources.memory.swap: swap accounting is not available on this host "
                            "(no memory.swap.max)",
                            EOPNOTSUPP);
            MOAT_CHECK(put(dir, "memory.swap.max", *value, "memory.swap"));
        }
    }
    if (m.reservation) MOAT_CHECK(put(dir, "memory.low", limit_v2(*m.reservation), "memory.reservation"));
    // kernel, kernelTCP, swappiness and disableOOMKiller have no v2 files; like
    // runc we leave them unset rather than fail configs written for v1.
    return {};
}

Status cpu(const std::string& dir, const spec::Cpu& c) {
    if (c.realtime_period && *c.realtime_period != 0) return unsupported("cpu.realtimePeriod", "realtime scheduling");
    if (c.realtime_runtime && *c.realtime_runtime != 0)
        return unsupported("cpu.realtimeRuntime", "realtime scheduling");
    if (c.shares && *c.shares != 0)
        MOAT_CHECK(put(dir, "cpu.weight", std::to_string(shares_to_weight(*c.shares)), "cpu.shares"));
    if (auto max = cpu_max(c.quota, c.period))
        MOAT_CHECK(put(dir, "cpu.max", *max, c.quota ? "cpu.quota" : "cpu.period"));
    if (c.burst) MOAT_CHECK(optional_file(dir, "cpu.max.burst", std::to_string(*c.burst), "cpu.burst", "CPU burst"));
    if (c.idle) MOAT_CHECK(optional_file(dir, "cpu.idle", std::to_string(*c.idle), "cpu.idle", "SCHED_IDLE groups"));
    return {};
}

Status io(const std::string& dir, const spec::BlockIO& b) {
    if (b.leaf_weight && *b.leaf_weight != 0) return unsupported("blockIO.leafWeight", "a leaf weight");
    // BFQ takes blkio's own scale; io.weight (the generic one) takes 1..10000.
    bool bfq = exists(join_path(dir, "io.bfq.weight"));
    auto weight = [&](uint64_t w) { return std::to_string(bfq ? w : blkio_weight_to_io_weight(w)); };
    std::string weight_file = bfq ? "io.bfq.weight" : "io.weight";
    if (b.weight && *b.weight != 0)
        MOAT_CHECK(optional_file(dir, weight_file, "default " + weight(*b.weight), "blockIO.weight",
                                 "block IO weight"));
    for (size_t i = 0; i < b.weight_device.size(); ++i) {
        auto& d = b.weight_device[i];
        auto at = "blockIO.weightDevice[" + std::to_string(i) + "]";
        if (d.leaf_weight && *d.leaf_weight != 0) return unsupported(at + ".leafWeight", "a leaf weight");
        if (d.weight)
            MOAT_CHECK(optional_file(dir, weight_file, devno(d.major, d.minor) + " " + weight(*d.weight),
                                     at + ".weight", "per-device block IO weight"));
    }
    auto throttles = {std::tuple{&b.throttle_read_bps_device, "throttleReadBpsDevice", "rbps"},
                      std::tuple{&b.throttle_write_bps_device, "throttleWriteBpsDevice", "wbps"},
                      std::tuple{&b.throttle_read_iops_device, "throttleReadIOPSDevice", "riops"},
                      std::tuple{&b.throttle_write_iops_device, "throttleWriteIOPSDevice", "wiops"}};
    for (auto [list, name, key] : throttles)
        for (size_t i = 0; i < list->size(); ++i) {
            auto& t = (*list)[i];
            // v1's rate 0 removes the limit; v2 spells that "max".
            std::string rate = t.rate == 0 ? "max" : std::to_string(t.rate);
            MOAT_CHECK(optional_file(dir, "io.max", devno(t.major, t.minor) + " " + key + "=" + rate,
                                     std::string("blockIO.") + name + "[" + std::to_string(i) + "]",
                                     "block IO throttling"));
        }
    return {};
}

Status unified(const std::string& dir, const std::map<std::string, std::string>& values) {
    for (auto& [key, value] : values) {
        auto field = "unified[\"" + key + "\"]";
        if (!exists(join_path(dir, key)))
            return fail("linux.resources." + field + ": no such cgroup file in " + dir +
                            " (unknown key, or its controller is not enabled)",
                        ENOENT);
        MOAT_CHECK(put(dir, key, value, field));
    }
    return {};
}

void enable_controllers(const std::string& mount, const std::string& inner) {
    std::string dir = mount;
    auto parts = split(inner, '/');
    for (size_t i = 0; i < parts.size(); ++i) {
        if (parts[i].empty()) continue;
        auto available = read_file(join_path(dir, "cgroup.controllers"));
        auto enabled = read_file(join_path(dir, "cgroup.subtree_control"));
        if (available && enabled) {
            auto on = split(trim(*enabled), ' ');
            std::vector<std::string> wanted;
            for (auto& c : split(trim(*available), ' '))
                if (!c.empty() && std::find(on.begin(), on.end(), c) == on.end()) wanted.push_back("+" + c);
            std::string all;
            for (auto& w : wanted) all += (all.empty() ? "" : " ") + w;
            // One write enables them all; if the kernel refuses one, enable
            // what it will take one by one.
            auto file = join_path(dir, "cgroup.subtree_control");
            if (!wanted.empty() && !write_file(file, all))
                for (auto& w : wanted) (void)write_file(file, w);
        }
        dir = join_path(dir, parts[i]);
    }
}

}  // namespace moat::cgroups::detail::v2
