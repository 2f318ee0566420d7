// harden(): the profile applied area by area (record.hpp lists them), then
// the mode decides what the caller gets: enforce returns the changed config,
// refuse turns any change into an error naming every field, audit returns the
// config untouched with the list of what would have changed. Pure.
#include <algorithm>

#include "enforcement.hpp"
#include "record.hpp"

namespace moat::policy {
namespace {

std::string line(const Adjustment& a) {
    if (a.refused) return a.field + ": " + a.note + " (rule " + a.rule + ")";
    return a.field + ": " + a.old_value + " -> " + a.new_value + " (rule " + a.rule + ")";
}

// The mode's verdict on a list of adjustments: an error, or nothing.
Status verdict(const Policy& p, const std::vector<Adjustment>& list, std::string_view what) {
    std::vector<const Adjustment*> named;
    for (auto& a : list)
        if (p.mode == Mode::refuse ? true : (p.mode == Mode::enforce && a.refused)) named.push_back(&a);
    if (named.empty()) return {};
    std::string msg = "policy \"" + p.name + "\" (" + std::string(to_string(p.mode)) + " mode) refuses " +
                      std::string(what) + ": ";
    msg += std::to_string(named.size()) + (named.size() == 1 ? " violation: " : " violations: ");
    for (size_t i = 0; i < named.size(); ++i) msg += (i ? "; " : "") + line(*named[i]);
    return fail(std::move(msg), EPERM);
}

}  // namespace

Result<Hardened> harden(const spec::Spec& in, const Policy& policy) {
    Recorder rec;
    std::string egress_name = "policy";
    const Policy eff = apply_annotations(in, policy, rec, egress_name);

    spec::Spec s = in;
    harden_root(s, eff, rec);
    harden_tmp(s, eff, rec);
    harden_binds(s, eff, rec);
    harden_kernel_views(s, eff, rec);
    harden_namespaces(s, eff, rec);
    harden_resources(s, eff, rec);
    harden_devices(s, eff, rec);
    if (in.has_process) harden_process_fields(s.process, eff, rec, "process");

    MOAT_CHECK(verdict(eff, rec.list(), "the config"));
    Hardened h;
    h.spec = eff.mode == Mode::audit ? in : std::move(s);
    h.enforcement = plan_enforcement(h.spec, eff, egress_name);
    h.adjustments = rec.take();
    return h;
}

Result<HardenedProcess> harden_process(const spec::Process& in, const spec::Spec& container,
                                       const Policy& policy) {
    // An exec never gains what the container was denied: its capabilities are
    // bounded by the container's too, and no-new-privileges carries over.
    Policy eff = policy;
    if (container.has_process && container.process.capabilities) {
        auto& bound = container.process.capabilities->bounding;
        std::erase_if(eff.capabilities, [&](auto& c) {
            return std::find(bound.begin(), bound.end(), c) == bound.end();
        });
    }
    if (container.has_process && container.process.no_new_privileges) eff.no_new_privileges = true;

    Recorder rec;
    spec::Process p = in;
    harden_process_fields(p, eff, rec, "");
    MOAT_CHECK(verdict(eff, rec.list(), "the exec process"));
    HardenedProcess h;
    h.process = eff.mode == Mode::audit ? in : std::move(p);
    h.adjustments = rec.take();
    return h;
}

}  // namespace moat::policy
