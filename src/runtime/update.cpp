// `update`: change the limits of a live container. The changes go to the
// kernel first (the cgroup Manager's apply(), which names the field of any
// value the kernel refuses) and then into the saved config, so that `events`,
// receipts and a later update read the limits the container really has.
#include <unistd.h>

#include <cerrno>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "linux/fd.hpp"
#include "runtime/container.hpp"
#include "runtime/launch.hpp"

namespace moat::runtime {

namespace {

template <class T>
void take(std::optional<T>& into, const std::optional<T>& from) {
    if (from) into = from;
}

std::string flag_error(std::string_view flag, std::string_view value, std::string_view what) {
    return "--" + std::string(flag) + ": \"" + std::string(value) + "\" " + std::string(what);
}

// A whole number; "-1" only where the flag documents it as "no limit".
Result<int64_t> parse_int(std::string_view flag, std::string_view text, bool minus_one_ok) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return fail(flag_error(flag, text, "is not a whole number"), EINVAL);
    if (v < 0 && !(minus_one_ok && v == -1))
        return fail(flag_error(flag, text, minus_one_ok ? "is negative (only -1, meaning no limit, is allowed)"
                                                        : "is negative"),
                    EINVAL);
    return v;
}

Result<int64_t> parse_size_flag(std::string_view flag, std::string_view text, bool minus_one_ok) {
    if (minus_one_ok && text == "-1") return -1;
    auto v = parse_memory_size(text);
    if (!v) return fail("--" + std::string(flag) + ": " + v.error().message, EINVAL);
    return v;
}

spec::Memory& memory(spec::Resources& r) { return r.memory ? *r.memory : r.memory.emplace(); }
spec::Cpu& cpu(spec::Resources& r) { return r.cpu ? *r.cpu : r.cpu.emplace(); }

Status apply_flag(spec::Resources& r, const std::string& name, const std::string& value) {
    if (name == "memory") memory(r).limit = MOAT_TRY(parse_size_flag(name, value, false));
    else if (name == "memory-reservation") memory(r).reservation = MOAT_TRY(parse_size_flag(name, value, false));
    else if (name == "memory-swap") memory(r).swap = MOAT_TRY(parse_size_flag(name, value, true));
    else if (name == "kernel-memory") memory(r).kernel = MOAT_TRY(parse_size_flag(name, value, false));
    else if (name == "kernel-memory-tcp") memory(r).kernel_tcp = MOAT_TRY(parse_size_flag(name, value, false));
    else if (name == "cpu-shares") cpu(r).shares = static_cast<uint64_t>(MOAT_TRY(parse_int(name, value, false)));
    else if (name == "cpu-quota") cpu(r).quota = MOAT_TRY(parse_int(name, value, true));
    else if (name == "cpu-period") cpu(r).period = static_cast<uint64_t>(MOAT_TRY(parse_int(name, value, false)));
    else if (name == "cpu-rt-runtime") cpu(r).realtime_runtime = MOAT_TRY(parse_int(name, value, false));
    else if (name == "cpu-rt-period")
        cpu(r).realtime_period = static_cast<uint64_t>(MOAT_TRY(parse_int(name, value, false)));
    else if (name == "cpuset-cpus") cpu(r).cpus = value;
    else if (name == "cpuset-mems") cpu(r).mems = value;
    else if (name == "pids-limit") {
        auto v = MOAT_TRY(parse_int(name, value, true));
        if (v == 0) return fail(flag_error(name, value, "is not a limit (use -1 for no limit)"), EINVAL);
        r.pids = spec::Pids{v};
    } else if (name == "blkio-weight") {
        auto v = MOAT_TRY(parse_int(name, value, false));
        if (v < 10 || v > 1000) return fail(flag_error(name, value, "is outside 10..1000"), EINVAL);
        if (!r.block_io) r.block_io.emplace();
        r.block_io->weight = static_cast<uint16_t>(v);
    } else {
        return fail("update: unknown resource flag --" + name, EINVAL);
    }
    return {};
}

// The policy's ceilings hold for updates too: otherwise `update --memory 100g`
// would undo what create enforced. An update above a ceiling is refused (not
// clamped: the caller asked for a number and should learn it did not happen).
// Only in audit mode does it go through, with a warning.
// Only the groups the update touches are checked.
Status check_policy(const Global& g, const std::string& id, const spec::Resources& changes,
                    const spec::Resources& merged) {
    auto active = MOAT_TRY(context(load_active_policy(g), "update " + id));
    const auto& pol = active.policy;
    const auto& rp = pol.resources;
    std::string problem;
    auto& mc = changes.memory;
    auto& cc = changes.cpu;
    if (auto& m = merged.memory; m && mc && (mc->limit || mc->swap)) {
        if (m->limit && (*m->limit <= 0 || *m->limit > rp.memory_max))
            problem = "linux.resources.memory.limit (--memory): " + std::to_string(*m->limit);
        else if (m->swap && (*m->swap <= 0 || *m->swap > rp.memory_max))
            problem = "linux.resources.memory.swap (--memory-swap): " + std::to_string(*m->swap);
        if (!problem.empty())
            problem += " is not within the policy's memory maximum " + std::to_string(rp.memory_max);
    }
    if (problem.empty() && changes.pids && merged.pids && (merged.pids->limit <= 0 || merged.pids->limit > rp.pids_max))
        problem = "linux.resources.pids.limit (--pids-limit): " + std::to_string(merged.pids->limit) +
                  " is not within the policy's maximum " + std::to_string(rp.pids_max);
    if (problem.empty() && merged.cpu && cc && (cc->quota || cc->period)) {
        auto quota = merged.cpu->quota.value_or(-1);
        uint64_t period = merged.cpu->period.value_or(100000);
        if (quota <= 0 || period == 0 ||
            static_cast<unsigned __int128>(quota) * 1000 > static_cast<unsigned __int128>(rp.cpus_max_milli) * period)
            problem = "linux.resources.cpu.quota (--cpu-quota): " + std::to_string(quota) + " per period " +
                      std::to_string(period) + " is more CPU than the policy's maximum of " +
                      std::to_string(rp.cpus_max_milli) + " milli-CPUs";
    }
    if (problem.empty()) return {};
    if (pol.mode == policy::Mode::audit) {
        if (g.log) g.log->warn("update " + id + ": " + problem + " (audit mode: allowed)");
        return {};
    }
    return fail("update " + id + ": " + problem + " (policy \"" + pol.name + "\")", EPERM);
}

// In an update a 0 means "leave as it is", as runc reads it: engines send the
// whole resources object with zeros in the fields the user did not give, and
// writing them would set a 0-byte memory limit or lift the pids limit.
void drop_zeros(spec::Resources& r) {
    auto drop = [](auto& field) {
        if (field && *field == 0) field.reset();
    };
    if (r.memory) {
        drop(r.memory->limit);
        drop(r.memory->reservation);
        drop(r.memory->swap);
        drop(r.memory->kernel);
        drop(r.memory->kernel_tcp);
    }
    if (r.cpu) {
        drop(r.cpu->shares);
        drop(r.cpu->quota);
        drop(r.cpu->period);
        drop(r.cpu->realtime_runtime);
        drop(r.cpu->realtime_period);
        if (r.cpu->cpus && r.cpu->cpus->empty()) r.cpu->cpus.reset();
        if (r.cpu->mems && r.cpu->mems->empty()) r.cpu->mems.reset();
    }
    if (r.pids && r.pids->limit == 0) r.pids.reset();
    if (r.block_io) {
        drop(r.block_io->weight);
        drop(r.block_io->leaf_weight);
    }
}

Result<std::string> read_input(const std::string& path) {
    if (path == "-") return linux::read_fd(STDIN_FILENO);
    return linux::read_file(path);
}

}  // namespace

Result<int64_t> parse_memory_size(std::string_view text) {
    // As docker's units.RAMInBytes: a decimal number, an optional space and an
    // optional unit k/m/g/t/p (any case, "b", "ib" and "kb"-style suffixes
    // accepted), all binary.
    auto bad = [&] { return fail("\"" + std::string(text) + "\" is not a size (like 512m or 1g)", EINVAL); };
    size_t i = 0;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
    if (i == 0) return bad();
    // strtod, not from_chars(double): libstdc++'s from_chars for doubles needs
    // fesetround, i.e. libm.so linked into every moat process for this one flag.
    const std::string digits(text.substr(0, i));
    char* end = nullptr;
    errno = 0;
    double number = std::strtod(digits.c_str(), &end);
    if (errno != 0 || end != digits.c_str() + digits.size()) return bad();
    std::string unit;
    for (char c : text.substr(i))
        if (c != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!unit.empty() && unit.back() == 'b') unit.pop_back();
    if (!unit.empty() && unit.back() == 'i') unit.pop_back();
    double scale = 1;
    if (unit.size() > 1) return bad();
    if (unit.size() == 1) {
        static const std::string units = "kmgtp";
        auto at = units.find(unit[0]);
        if (at == std::string::npos) return bad();
        for (size_t k = 0; k <= at; ++k) scale *= 1024;
    }
    // The number is non-negative, so the cast's truncation is docker's floor
    // (and keeps libm out of the binary at every optimisation level).
    double bytes = number * scale;
    if (!(bytes < static_cast<double>(std::numeric_limits<int64_t>::max()))) return bad();
    return static_cast<int64_t>(bytes);
}

const std::vector<std::string>& update_flag_names() {
    static const std::vector<std::string> names = {
        "memory",     "memory-reservation", "memory-swap",    "kernel-memory", "kernel-memory-tcp",
        "cpu-shares", "cpu-quota",          "cpu-period",     "cpu-rt-runtime", "cpu-rt-period",
        "cpuset-cpus", "cpuset-mems",       "pids-limit",     "blkio-weight",
    };
    return names;
}

Result<spec::Resources> update_changes(const UpdateRequest& request) {
    spec::Resources r;
    if (!request.resources_file.empty()) {
        auto where = request.resources_file == "-" ? std::string("stdin") : request.resources_file;
        auto text = MOAT_TRY(context(read_input(request.resources_file), "--resources " + where));
        r = MOAT_TRY(context(spec::parse_resources(text), "--resources " + where));
    }
    for (auto& [name, value] : request.flags) MOAT_CHECK(apply_flag(r, name, value));
    return r;
}

spec::Resources merge_resources(spec::Resources base, const spec::Resources& c) {
    if (c.memory) {
        auto& m = memory(base);
        take(m.limit, c.memory->limit);
        take(m.reservation, c.memory->reservation);
        take(m.swap, c.memory->swap);
        take(m.kernel, c.memory->kernel);
        take(m.kernel_tcp, c.memory->kernel_tcp);
        take(m.swappiness, c.memory->swappiness);
        take(m.disable_oom_killer, c.memory->disable_oom_killer);
        take(m.use_hierarchy, c.memory->use_hierarchy);
        take(m.check_before_update, c.memory->check_before_update);
    }
    if (c.cpu) {
        auto& p = cpu(base);
        take(p.shares, c.cpu->shares);
        take(p.quota, c.cpu->quota);
        take(p.burst, c.cpu->burst);
        take(p.period, c.cpu->period);
        take(p.realtime_runtime, c.cpu->realtime_runtime);
        take(p.realtime_period, c.cpu->realtime_period);
        take(p.cpus, c.cpu->cpus);
        take(p.mems, c.cpu->mems);
        take(p.idle, c.cpu->idle);
    }
    if (c.pids) base.pids = c.pids;
    if (c.block_io) {
        if (!base.block_io) base.block_io.emplace();
        auto& b = *base.block_io;
        take(b.weight, c.block_io->weight);
        take(b.leaf_weight, c.block_io->leaf_weight);
        auto lists = {std::pair{&b.weight_device, &c.block_io->weight_device}};
        for (auto [into, from] : lists)
            if (!from->empty()) *into = *from;
        auto throttles = {std::pair{&b.throttle_read_bps_device, &c.block_io->throttle_read_bps_device},
                          std::pair{&b.throttle_write_bps_device, &c.block_io->throttle_write_bps_device},
                          std::pair{&b.throttle_read_iops_device, &c.block_io->throttle_read_iops_device},
                          std::pair{&b.throttle_write_iops_device, &c.block_io->throttle_write_iops_device}};
        for (auto [into, from] : throttles)
            if (!from->empty()) *into = *from;
    }
    for (auto& h : c.hugepage_limits) {
        bool found = false;
        for (auto& mine : base.hugepage_limits)
            if (mine.page_size == h.page_size) mine.limit = h.limit, found = true;
        if (!found) base.hugepage_limits.push_back(h);
    }
    if (c.network) {
        if (!base.network) base.network.emplace();
        take(base.network->class_id, c.network->class_id);
        if (!c.network->priorities.empty()) base.network->priorities = c.network->priorities;
    }
    for (auto& [dev, limits] : c.rdma) base.rdma[dev] = limits;
    for (auto& [key, value] : c.unified) base.unified[key] = value;
    // devices: never changed by update (see runtime.hpp).
    return base;
}

Status update(const Global& g, const std::string& id, const spec::Resources& requested) {
    StateStore store(g.root);
    auto c = MOAT_TRY(load_container(store, id));
    if (c.status == "stopped")
        return fail("cannot update container \"" + id + "\": it is stopped", ESRCH);

    spec::Resources changes = requested;
    drop_zeros(changes);
    if (!changes.devices.empty()) {
        debug(g, "update " + id + ": linux.resources.devices ignored (update does not change devices)");
        changes.devices.clear();
    }

    auto config = MOAT_TRY(context(store.load_config(id), "update " + id + ": read saved config"));
    auto s = MOAT_TRY(context(spec::parse_config(config), "update " + id + ": saved config"));
    spec::Resources current = s.linux.resources.value_or(spec::Resources{});

    // Memory and memory+swap are checked against each other by the kernel at
    // every write; give the cgroup layer both so it can order the writes (and
    // its validation can say when the new limit passes the recorded swap).
    // "No swap on top" (swap equal to the limit, what hardening sets) stays so.
    if (changes.memory && changes.memory->limit && !changes.memory->swap && current.memory &&
        current.memory->swap && *current.memory->swap > 0)
        changes.memory->swap = current.memory->swap == current.memory->limit ? changes.memory->limit
                                                                              : current.memory->swap;
    auto merged = merge_resources(current, changes);
    MOAT_CHECK(check_policy(g, id, changes, merged));

    auto cg = MOAT_TRY(context(container_cgroup(c.record), "update " + id));
    MOAT_CHECK_CTX(cg->apply(changes), "update " + id);

    s.linux.resources = std::move(merged);
    MOAT_CHECK_CTX(store.save_config(id, spec::to_json(s, false)), "update " + id + ": record new limits");
    return {};
}

}  // namespace moat::runtime
