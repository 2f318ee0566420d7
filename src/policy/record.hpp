// The list harden() builds while it works: every change with the field it
// touched, old and new value and the rule, and every refusal. Each area
// function (harden_*.cpp) takes the Spec to change and a Recorder.
#pragma once

#include <string>
#include <vector>

#include "moat/policy.hpp"

namespace moat::policy {

class Recorder {
public:
    void change(std::string field, std::string old_value, std::string new_value, std::string rule) {
        list_.push_back({std::move(field), std::move(old_value), std::move(new_value),
                         std::move(rule), false, {}});
    }
    void refuse(std::string field, std::string value, std::string rule, std::string note) {
        list_.push_back({std::move(field), std::move(value), "(refused)", std::move(rule), true,
                         std::move(note)});
    }
    const std::vector<Adjustment>& list() const { return list_; }
    std::vector<Adjustment> take() { return std::move(list_); }

private:
    std::vector<Adjustment> list_;
};

// Value rendering shared by the areas, so the table reads uniformly.
namespace show {
inline std::string boolean(bool b) { return b ? "true" : "false"; }
inline std::string absent() { return "(absent)"; }
inline std::string list(const std::vector<std::string>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s + "]";
}
template <class T>
std::string opt(const std::optional<T>& v) {
    return v ? std::to_string(*v) : absent();
}
}  // namespace show

// The areas of the profile, each in its own file, in the order harden()
// applies them. `policy` is the effective policy (annotations applied).
void harden_root(spec::Spec&, const Policy&, Recorder&);            // harden_mounts.cpp
void harden_tmp(spec::Spec&, const Policy&, Recorder&);             // harden_mounts.cpp
void harden_binds(spec::Spec&, const Policy&, Recorder&);           // harden_mounts.cpp (and mount types)
void harden_kernel_views(spec::Spec&, const Policy&, Recorder&);    // harden_mounts.cpp
void harden_namespaces(spec::Spec&, const Policy&, Recorder&);      // harden_namespaces.cpp
void harden_resources(spec::Spec&, const Policy&, Recorder&);       // harden_resources.cpp
void harden_devices(spec::Spec&, const Policy&, Recorder&);         // harden_devices.cpp
// Process fields; `prefix` is "process" for a config, "" for exec's process.json.
void harden_process_fields(spec::Process&, const Policy&, Recorder&, const std::string& prefix);

// run.moat.* annotations: returns the policy this container runs under.
// Requests beyond the policy are recorded as refusals.
Policy apply_annotations(const spec::Spec&, const Policy&, Recorder&, std::string& egress_name);

// The device cgroup rules for a set of kept devices (deny-all first).
std::vector<spec::DeviceCgroup> device_cgroup_rules(const std::vector<spec::Device>& kept,
                                                    const Policy&);

// A mount built field by field (spec::Mount grows members).
inline spec::Mount make_mount(std::string destination, std::string type, std::string source,
                              std::vector<std::string> options) {
    spec::Mount m;
    m.destination = std::move(destination);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

// A bind mount: type "bind" or a bind/rbind option.
bool is_bind(const spec::Mount&);

}  // namespace moat::policy
