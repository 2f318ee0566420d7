#include "runtime/container.hpp"

#include <sys/stat.h>

#include "linux/proc.hpp"

namespace moat::runtime {

void debug(const Global& g, std::string_view msg) {
    if (g.log) g.log->debug(msg);
}

Result<std::unique_ptr<cgroups::Manager>> container_cgroup(const Record& r) {
    auto host = MOAT_TRY(cgroups::probe_host());
    return cgroups::reopen(host, r.cgroup_path);
}

Result<Container> load_container(const StateStore& store, const std::string& id) {
    MOAT_CHECK(validate_id(id));
    Container c{MOAT_TRY(store.load(id)), "stopped"};
    const Record& r = c.record;
    if (!linux::process_alive(r.pid, r.start_time)) return c;
    struct stat st {};
    if (::stat(store.fifo(id).c_str(), &st) == 0) {
        c.status = "created";
        return c;
    }
    c.status = "running";
    if (auto cg = container_cgroup(r)) {
        if (auto frozen = (*cg)->frozen(); frozen && *frozen) c.status = "paused";
    }
    return c;
}

spec::State oci_state(const Container& c) {
    spec::State s;
    s.id = c.record.id;
    s.status = c.status;
    s.pid = c.status == "stopped" ? 0 : c.record.pid;
    s.bundle = c.record.bundle;
    s.annotations = c.record.annotations;
    return s;
}

}  // namespace moat::runtime
