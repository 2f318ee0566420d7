#include "cli/command.hpp"

namespace moat::cli {

extern const Command kUpdate{
    "update", "change the resource limits of a running container", "[options] ID",
    {{"resources", 'r', true, "a linux.resources JSON file, or - for stdin", "FILE"},
     {"memory", 'm', true, "memory limit (512m, 1g)", "SIZE"},
     {"memory-reservation", 0, true, "memory soft limit", "SIZE"},
     {"memory-swap", 0, true, "memory plus swap limit (-1: no swap limit)", "SIZE"},
     {"kernel-memory", 0, true, "kernel memory limit (ignored by kernels that dropped it)", "SIZE"},
     {"kernel-memory-tcp", 0, true, "kernel TCP buffer limit", "SIZE"},
     {"cpu-shares", 0, true, "relative CPU weight", "N"},
     {"cpu-quota", 0, true, "CPU time (us) per period (-1: no quota)", "US"},
     {"cpu-period", 0, true, "CFS period (us)", "US"},
     {"cpu-rt-runtime", 0, true, "realtime runtime (us) per period", "US"},
     {"cpu-rt-period", 0, true, "realtime period (us)", "US"},
     {"cpuset-cpus", 0, true, "CPUs allowed (0-3,5)", "LIST"},
     {"cpuset-mems", 0, true, "memory nodes allowed", "LIST"},
     {"pids-limit", 0, true, "maximum number of processes (-1: no limit)", "N"},
     {"blkio-weight", 0, true, "block IO weight, 10..1000", "N"}},
    false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        MOAT_CHECK(expect_args(p, 1, "a container ID"));
        runtime::UpdateRequest request;
        request.resources_file = p.get("resources");
        for (auto& name : runtime::update_flag_names())
            if (p.has(name)) request.flags.emplace_back(name, p.get(name));
        auto changes = MOAT_TRY(runtime::update_changes(request));
        MOAT_CHECK(runtime::update(g, p.positional[0], changes));
        return 0;
    }};

}  // namespace moat::cli
