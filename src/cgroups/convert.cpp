// OCI resource values -> what the kernel files take, and the checks that
// refuse impossible values before anything is written. Pure functions.
#include <algorithm>

#include "cgroups/internal.hpp"

namespace moat::cgroups::detail {

uint64_t shares_to_weight(uint64_t shares) {
    // The conversion runc, crun and systemd agree on: maps v1's [2, 262144]
    // onto v2's [1, 10000], so 1024 (the default) becomes 39.
    if (shares == 0) return 0;
    shares = std::clamp<uint64_t>(shares, 2, 262144);
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t blkio_weight_to_io_weight(uint64_t weight) {
    // blkio.weight [10, 1000] onto io.weight [1, 10000].
    if (weight == 0) return 0;
    weight = std::clamp<uint64_t>(weight, 10, 1000);
    return 1 + ((weight - 10) * 9999) / 990;
}

Result<std::optional<std::string>> swap_v2(std::optional<int64_t> limit, int64_t swap) {
    const char* field = "linux.resources.memory.swap";
    if (swap == -1) return std::optional<std::string>("max");
    // 0 means "not set" in runc's reading of the spec; keep that.
    if (swap == 0) return std::optional<std::string>();
    if (!limit || *limit <= 0)
        return fail(std::string(field) + ": a swap limit needs a memory limit on cgroup v2", EINVAL);
    if (swap < *limit)
        return fail(std::string(field) + ": memory+swap (" + std::to_string(swap) +
                        ") is less than the memory limit (" + std::to_string(*limit) + ")",
                    EINVAL);
    return std::optional<std::string>(std::to_string(swap - *limit));
}

std::optional<std::string> cpu_max(std::optional<int64_t> quota, std::optional<uint64_t> period) {
    bool has_quota = quota && *quota != 0;
    bool has_period = period && *period != 0;
    if (!has_quota && !has_period) return std::nullopt;
    std::string out = has_quota && *quota > 0 ? std::to_string(*quota) : "max";
    if (has_period) {
        out += ' ';
        out += std::to_string(*period);
    }
    return out;
}

std::string limit_v2(int64_t value) { return value < 0 ? "max" : std::to_string(value); }

std::string device_rule_v1(const spec::DeviceCgroup& rule) {
    auto num = [](const std::optional<int64_t>& v) {
        return v && *v >= 0 ? std::to_string(*v) : std::string("*");
    };
    std::string type = rule.type && !rule.type->empty() ? *rule.type : "a";
    std::string access = rule.access && !rule.access->empty() ? *rule.access : "rwm";
    return type + " " + num(rule.major) + ":" + num(rule.minor) + " " + access;
}

namespace {

std::string field(std::string_view path) { return "linux.resources." + std::string(path); }

Status at_least_minus_one(std::optional<int64_t> v, std::string_view name) {
    if (v && *v < -1)
        return fail(field(name) + ": " + std::to_string(*v) + " is negative (only -1, unlimited, is allowed)",
                    EINVAL);
    return {};
}

Status weight_range(std::optional<uint16_t> v, std::string_view name) {
    if (v && *v != 0 && (*v < 10 || *v > 1000))
        return fail(field(name) + ": " + std::to_string(*v) + " is outside 10..1000", EINVAL);
    return {};
}

Status device_number(int64_t v, std::string_view name) {
    if (v < 0) return fail(field(name) + ": " + std::to_string(v) + " is negative", EINVAL);
    return {};
}

// Values go into a single write(2); a newline would smuggle in a second rule.
Status plain_token(std::string_view v, std::string_view name, std::string_view allowed = {}) {
    bool ok = !v.empty();
    for (char ch : v) {
        bool is_alnum = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        if (allowed.empty() ? (ch <= ' ' || ch == 0x7f || ch == '/') : (allowed.find(ch) == allowed.npos && !is_alnum))
            ok = false;
    }
    if (!ok) return fail(field(name) + ": \"" + std::string(v) + "\" is not a valid value", EINVAL);
    return {};
}

Status cpu_list(const std::optional<std::string>& v, std::string_view name) {
    if (!v) return {};
    for (char ch : *v)
        if (!((ch >= '0' && ch <= '9') || ch == ',' || ch == '-'))
            return fail(field(name) + ": \"" + *v + "\" is not a list like \"0-3,5\"", EINVAL);
    return {};
}

}  // namespace

Status validate(const spec::Resources& r) {
    if (auto& m = r.memory) {
        MOAT_CHECK(at_least_minus_one(m->limit, "memory.limit"));
        MOAT_CHECK(at_least_minus_one(m->reservation, "memory.reservation"));
        MOAT_CHECK(at_least_minus_one(m->swap, "memory.swap"));
        MOAT_CHECK(at_least_minus_one(m->kernel, "memory.kernel"));
        MOAT_CHECK(at_least_minus_one(m->kernel_tcp, "memory.kernelTCP"));
        if (m->swappiness && *m->swappiness > 100)
            return fail(field("memory.swappiness") + ": " + std::to_string(*m->swappiness) +
                            " is outside 0..100",
                        EINVAL);
        if (m->swap && m->limit && *m->swap > 0 && *m->limit > 0 && *m->swap < *m->limit)
            return fail(field("memory.swap") + ": memory+swap (" + std::to_string(*m->swap) +
                            ") is less than the memory limit (" + std::to_string(*m->limit) + ")",
                        EINVAL);
    }
    if (auto& c = r.cpu) {
        MOAT_CHECK(at_least_minus_one(c->quota, "cpu.quota"));
        MOAT_CHECK(at_least_minus_one(c->realtime_runtime, "cpu.realtimeRuntime"));
        if (c->idle && *c->idle != 0 && *c->idle != 1)
            return fail(field("cpu.idle") + ": " + std::to_string(*c->idle) + " is not 0 or 1", EINVAL);
        MOAT_CHECK(cpu_list(c->cpus, "cpu.cpus"));
        MOAT_CHECK(cpu_list(c->mems, "cpu.mems"));
    }
    if (auto& b = r.block_io) {
        MOAT_CHECK(weight_range(b->weight, "blockIO.weight"));
        MOAT_CHECK(weight_range(b->leaf_weight, "blockIO.leafWeight"));
        for (size_t i = 0; i < b->weight_device.size(); ++i) {
            auto& d = b->weight_device[i];
            auto at = "blockIO.weightDevice[" + std::to_string(i) + "]";
            MOAT_CHECK(device_number(d.major, at + ".major"));
            MOAT_CHECK(device_number(d.minor, at + ".minor"));
            MOAT_CHECK(weight_range(d.weight, at + ".weight"));
            MOAT_CHECK(weight_range(d.leaf_weight, at + ".leafWeight"));
        }
        auto throttles = {std::pair{&b->throttle_read_bps_device, "throttleReadBpsDevice"},
                          std::pair{&b->throttle_write_bps_device, "throttleWriteBpsDevice"},
                          std::pair{&b->throttle_read_iops_device, "throttleReadIOPSDevice"},
                          std::pair{&b->throttle_write_iops_device, "throttleWriteIOPSDevice"}};
        for (auto [list, name] : throttles)
            for (size_t i = 0; i < list->size(); ++i) {
                auto at = std::string("blockIO.") + name + "[" + std::to_string(i) + "]";
                MOAT_CHECK(device_number((*list)[i].major, at + ".major"));
                MOAT_CHECK(device_number((*list)[i].minor, at + ".minor"));
            }
    }
    for (size_t i = 0; i < r.hugepage_limits.size(); ++i) {
        auto& size = r.hugepage_limits[i].page_size;
        auto at = "hugepageLimits[" + std::to_string(i) + "].pageSize";
        // "2MB", "1GB", "64KB": the kernel's own names for its hugetlb files.
        size_t digits = 0;
        while (digits < size.size() && size[digits] >= '0' && size[digits] <= '9') ++digits;
        auto unit = std::string_view(size).substr(digits);
        if (digits == 0 || (unit != "KB" && unit != "MB" && unit != "GB"))
            return fail(field(at) + ": \"" + size + "\" is not a page size like \"2MB\"", EINVAL);
    }
    for (size_t i = 0; i < r.devices.size(); ++i) {
        auto& d = r.devices[i];
        auto at = "devices[" + std::to_string(i) + "]";
        if (d.type && !d.type->empty() && *d.type != "a" && *d.type != "c" && *d.type != "b")
            return fail(field(at + ".type") + ": \"" + *d.type + "\" is not a, c or b", EINVAL);
        if (d.major && *d.major < -1)
            return fail(field(at + ".major") + ": " + std::to_string(*d.major) + " is negative", EINVAL);
        if (d.minor && *d.minor < -1)
            return fail(field(at + ".minor") + ": " + std::to_string(*d.minor) + " is negative", EINVAL);
        if (d.access)
            for (char ch : *d.access)
                if (ch != 'r' && ch != 'w' && ch != 'm')
                    return fail(field(at + ".access") + ": \"" + *d.access + "\" is not made of r, w and m",
                                EINVAL);
    }
    if (auto& n = r.network)
        for (size_t i = 0; i < n->priorities.size(); ++i)
            MOAT_CHECK(plain_token(n->priorities[i].name, "network.priorities[" + std::to_string(i) + "].name"));
    for (auto& [dev, limits] : r.rdma) MOAT_CHECK(plain_token(dev, "rdma[\"" + dev + "\"]"));
    for (auto& [key, value] : r.unified) {
        if (key.empty() || key == "." || key == ".." || key.find('/') != key.npos || key.find("..") != key.npos)
            return fail(field("unified[\"" + key + "\"]") + ": not a cgroup file name", EINVAL);
        // Moving or killing processes is not a resource limit.
        if (key == "cgroup.procs" || key == "cgroup.threads" || key == "cgroup.kill" ||
            key == "cgroup.subtree_control" || key == "cgroup.freeze")
            return fail(field("unified[\"" + key + "\"]") + ": not a resource limit", EINVAL);
    }
    return {};
}

}  // namespace moat::cgroups::detail
