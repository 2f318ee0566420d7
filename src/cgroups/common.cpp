// Controllers whose files are the same on v1 and v2.
#include "cgroups/internal.hpp"

namespace moat::cgroups::detail {

Status cpuset(const std::string& dir, const spec::Cpu& c) {
    if (c.cpus && !c.cpus->empty()) MOAT_CHECK(put(dir, "cpuset.cpus", *c.cpus, "cpu.cpus"));
    if (c.mems && !c.mems->empty()) MOAT_CHECK(put(dir, "cpuset.mems", *c.mems, "cpu.mems"));
    return {};
}

Status pids(const std::string& dir, const spec::Pids& p) {
    return put(dir, "pids.max", p.limit > 0 ? std::to_string(p.limit) : "max", "pids.limit");
}

Status rdma(const std::string& dir, const std::map<std::string, spec::Rdma>& rdma) {
    for (auto& [device, limits] : rdma) {
        std::string line = device;
        if (limits.hca_handles) line += " hca_handle=" + std::to_string(*limits.hca_handles);
        if (limits.hca_objects) line += " hca_object=" + std::to_string(*limits.hca_objects);
        if (line == device) continue;
        MOAT_CHECK(put(dir, "rdma.max", line, "rdma[\"" + device + "\"]"));
    }
    return {};
}

}  // namespace moat::cgroups::detail
