// Resources: memory (no swap on top), pids and CPU quota are set when absent
// or above the policy's maximum; a config that asks for less keeps it.
#include "record.hpp"
#include "units.hpp"

namespace moat::policy {

void harden_resources(spec::Spec& s, const Policy& p, Recorder& rec) {
    const auto& rp = p.resources;
    if (!s.linux.resources) s.linux.resources.emplace();
    auto& r = *s.linux.resources;

    if (!r.memory) r.memory.emplace();
    auto& mem = *r.memory;
    if (!mem.limit || *mem.limit <= 0 || *mem.limit > rp.memory_max) {
        int64_t want = mem.limit && *mem.limit > rp.memory_max ? rp.memory_max : rp.memory;
        if (want > rp.memory_max) want = rp.memory_max;
        rec.change("linux.resources.memory.limit", show::opt(mem.limit), std::to_string(want),
                   "memory");
        mem.limit = want;
    }
    // OCI's swap is memory+swap: equal to the limit means no swap on top.
    if (mem.swap != mem.limit) {
        rec.change("linux.resources.memory.swap", show::opt(mem.swap), std::to_string(*mem.limit),
                   "memory");
        mem.swap = mem.limit;
    }

    if (!r.pids || r.pids->limit <= 0 || r.pids->limit > rp.pids_max) {
        int64_t want = r.pids && r.pids->limit > rp.pids_max ? rp.pids_max : rp.pids;
        if (want > rp.pids_max) want = rp.pids_max;
        rec.change("linux.resources.pids.limit",
                   r.pids ? std::to_string(r.pids->limit) : show::absent(), std::to_string(want),
                   "pids");
        r.pids = spec::Pids{want};
    }

    if (!r.cpu) r.cpu.emplace();
    auto& cpu = *r.cpu;
    // The kernel's period when the config gives none is 100ms.
    uint64_t period = cpu.period.value_or(100000);
    bool over = !cpu.quota || *cpu.quota <= 0 || period == 0 ||
                static_cast<unsigned __int128>(*cpu.quota) * 1000 >
                    static_cast<unsigned __int128>(rp.cpus_max_milli) * period;
    if (over) {
        if (cpu.quota != rp.cpu_quota)
            rec.change("linux.resources.cpu.quota", show::opt(cpu.quota),
                       std::to_string(rp.cpu_quota), "cpu");
        if (cpu.period != rp.cpu_period)
            rec.change("linux.resources.cpu.period", show::opt(cpu.period),
                       std::to_string(rp.cpu_period), "cpu");
        cpu.quota = rp.cpu_quota;
        cpu.period = rp.cpu_period;
    }
}

}  // namespace moat::policy
