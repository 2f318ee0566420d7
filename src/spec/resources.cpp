// linux.resources: cgroup limits, in config.json and alone for `update --resources`.
#include <set>

#include "spec/codec.hpp"

namespace moat::spec {
namespace codec {

Status read(const Value& v, DeviceCgroup& out) {
    static const std::vector<std::string_view> types = {"a", "c", "b"};
    MOAT_CHECK(required_field(v, "allow", out.allow));
    if (auto type = member(v, "type")) {
        MOAT_CHECK(read(*type, out.type));
        MOAT_CHECK(check_one_of(*type, *out.type, types));
    }
    MOAT_CHECK(field(v, "major", out.major));
    MOAT_CHECK(field(v, "minor", out.minor));
    if (auto access = member(v, "access")) {
        MOAT_CHECK(read(*access, out.access));
        if (out.access->find_first_not_of("rwm") != std::string::npos)
            return access->error("\"" + *out.access + "\" is not a combination of r w m");
    }
    return {};
}

Status read(const Value& v, Memory& out) {
    MOAT_CHECK(v.members());
    MOAT_CHECK(field(v, "limit", out.limit));
    MOAT_CHECK(field(v, "reservation", out.reservation));
    MOAT_CHECK(field(v, "swap", out.swap));
    MOAT_CHECK(field(v, "kernel", out.kernel));
    MOAT_CHECK(field(v, "kernelTCP", out.kernel_tcp));
    if (auto sw = member(v, "swappiness")) {
        MOAT_CHECK(read(*sw, out.swappiness));
        if (*out.swappiness > 100) return sw->error(std::to_string(*out.swappiness) + " is outside 0..100");
    }
    MOAT_CHECK(field(v, "disableOOMKiller", out.disable_oom_killer));
    MOAT_CHECK(field(v, "useHierarchy", out.use_hierarchy));
    MOAT_CHECK(field(v, "checkBeforeUpdate", out.check_before_update));
    return {};
}

Status read(const Value& v, Cpu& out) {
    MOAT_CHECK(v.members());
    MOAT_CHECK(field(v, "shares", out.shares));
    MOAT_CHECK(field(v, "quota", out.quota));
    MOAT_CHECK(field(v, "burst", out.burst));
    MOAT_CHECK(field(v, "period", out.period));
    MOAT_CHECK(field(v, "realtimeRuntime", out.realtime_runtime));
    MOAT_CHECK(field(v, "realtimePeriod", out.realtime_period));
    MOAT_CHECK(field(v, "cpus", out.cpus));
    MOAT_CHECK(field(v, "mems", out.mems));
    MOAT_CHECK(field(v, "idle", out.idle));
    return {};
}

Status read(const Value& v, Pids& out) {
    MOAT_CHECK(required_field(v, "limit", out.limit));
    return {};
}

Status read(const Value& v, WeightDevice& out) {
    MOAT_CHECK(required_field(v, "major", out.major));
    MOAT_CHECK(required_field(v, "minor", out.minor));
    MOAT_CHECK(field(v, "weight", out.weight));
    MOAT_CHECK(field(v, "leafWeight", out.leaf_weight));
    return {};
}

Status read(const Value& v, ThrottleDevice& out) {
    MOAT_CHECK(required_field(v, "major", out.major));
    MOAT_CHECK(required_field(v, "minor", out.minor));
    MOAT_CHECK(required_field(v, "rate", out.rate));
    return {};
}

Status read(const Value& v, BlockIO& out) {
    MOAT_CHECK(v.members());
    MOAT_CHECK(field(v, "weight", out.weight));
    MOAT_CHECK(field(v, "leafWeight", out.leaf_weight));
    MOAT_CHECK(field(v, "weightDevice", out.weight_device));
    MOAT_CHECK(field(v, "throttleReadBpsDevice", out.throttle_read_bps_device));
    MOAT_CHECK(field(v, "throttleWriteBpsDevice", out.throttle_write_bps_device));
    MOAT_CHECK(field(v, "throttleReadIOPSDevice", out.throttle_read_iops_device));
    MOAT_CHECK(field(v, "throttleWriteIOPSDevice", out.throttle_write_iops_device));
    return {};
}

Status read(const Value& v, HugepageLimit& out) {
    MOAT_CHECK(required_field(v, "pageSize", out.page_size));
    MOAT_CHECK(required_field(v, "limit", out.limit));
    return {};
}

Status read(const Value& v, NetworkPriority& out) {
    MOAT_CHECK(required_field(v, "name", out.name));
    MOAT_CHECK(required_field(v, "priority", out.priority));
    return {};
}

Status read(const Value& v, Network& out) {
    MOAT_CHECK(v.members());
    MOAT_CHECK(field(v, "classID", out.class_id));
    MOAT_CHECK(field(v, "priorities", out.priorities));
    return {};
}

Status read(const Value& v, Rdma& out) {
    MOAT_CHECK(v.members());
    MOAT_CHECK(field(v, "hcaHandles", out.hca_handles));
    MOAT_CHECK(field(v, "hcaObjects", out.hca_objects));
    return {};
}

Status read(const Value& v, Resources& out) {
    MOAT_CHECK(v.members());
    MOAT_CHECK(field(v, "devices", out.devices));
    MOAT_CHECK(field(v, "memory", out.memory));
    MOAT_CHECK(field(v, "cpu", out.cpu));
    MOAT_CHECK(field(v, "pids", out.pids));
    MOAT_CHECK(field(v, "blockIO", out.block_io));
    MOAT_CHECK(field(v, "hugepageLimits", out.hugepage_limits));
    MOAT_CHECK(field(v, "network", out.network));
    MOAT_CHECK(field(v, "rdma", out.rdma));
    MOAT_CHECK(field(v, "unified", out.unified));
    return {};
}

// ---- writing ----

void write(Writer& w, const DeviceCgroup& d) {
    w.begin_object().field("allow", d.allow);
    put(w, "type", d.type);
    put(w, "major", d.major);
    put(w, "minor", d.minor);
    put(w, "access", d.access);
    w.end_object();
}

void write(Writer& w, const Memory& m) {
    w.begin_object();
    put(w, "limit", m.limit);
    put(w, "reservation", m.reservation);
    put(w, "swap", m.swap);
    put(w, "kernel", m.kernel);
    put(w, "kernelTCP", m.kernel_tcp);
    put(w, "swappiness", m.swappiness);
    put(w, "disableOOMKiller", m.disable_oom_killer);
    put(w, "useHierarchy", m.use_hierarchy);
    put(w, "checkBeforeUpdate", m.check_before_update);
    w.end_object();
}

void write(Writer& w, const Cpu& c) {
    w.begin_object();
    put(w, "shares", c.shares);
    put(w, "quota", c.quota);
    put(w, "burst", c.burst);
    put(w, "period", c.period);
    put(w, "realtimeRuntime", c.realtime_runtime);
    put(w, "realtimePeriod", c.realtime_period);
    put(w, "cpus", c.cpus);
    put(w, "mems", c.mems);
    put(w, "idle", c.idle);
    w.end_object();
}

void write(Writer& w, const Pids& p) { w.begin_object().field("limit", p.limit).end_object(); }

void write(Writer& w, const WeightDevice& d) {
    w.begin_object().field("major", d.major).field("minor", d.minor);
    put(w, "weight", d.weight);
    put(w, "leafWeight", d.leaf_weight);
    w.end_object();
}

void write(Writer& w, const ThrottleDevice& d) {
    w.begin_object().field("major", d.major).field("minor", d.minor).field("rate", d.rate).end_object();
}

void write(Writer& w, const BlockIO& b) {
    w.begin_object();
    put(w, "weight", b.weight);
    put(w, "leafWeight", b.leaf_weight);
    put(w, "weightDevice", b.weight_device);
    put(w, "throttleReadBpsDevice", b.throttle_read_bps_device);
    put(w, "throttleWriteBpsDevice", b.throttle_write_bps_device);
    put(w, "throttleReadIOPSDevice", b.throttle_read_iops_device);
    put(w, "throttleWriteIOPSDevice", b.throttle_write_iops_device);
    w.end_object();
}

void write(Writer& w, const HugepageLimit& h) {
    w.begin_object().field("pageSize", h.page_size).field("limit", h.limit).end_object();
}

void write(Writer& w, const NetworkPriority& p) {
    w.begin_object().field("name", p.name).field("priority", p.priority).end_object();
}

void write(Writer& w, const Network& n) {
    w.begin_object();
    put(w, "classID", n.class_id);
    put(w, "priorities", n.priorities);
    w.end_object();
}

void write(Writer& w, const Rdma& r) {
    w.begin_object();
    put(w, "hcaHandles", r.hca_handles);
    put(w, "hcaObjects", r.hca_objects);
    w.end_object();
}

void write(Writer& w, const Resources& r) {
    w.begin_object();
    put(w, "devices", r.devices);
    put(w, "memory", r.memory);
    put(w, "cpu", r.cpu);
    put(w, "pids", r.pids);
    put(w, "blockIO", r.block_io);
    put(w, "hugepageLimits", r.hugepage_limits);
    put(w, "network", r.network);
    put(w, "rdma", r.rdma);
    put(w, "unified", r.unified);
    w.end_object();
}

}  // namespace codec

Result<Resources> parse_resources(std::string_view json) {
    auto doc = MOAT_TRY(json::Document::parse(json, "resources"));
    Resources r;
    MOAT_CHECK(codec::read(doc.root(), r));
    return r;
}

std::string to_json(const Resources& resources, bool pretty) {
    json::Writer w(pretty);
    codec::write(w, resources);
    return w.str();
}

}  // namespace moat::spec
