// Devices: only the standard nodes and the policy's allowlist (matched by
// path, type and numbers, so "/dev/null" with a disk's numbers is removed),
// and a device cgroup that denies everything else.
#include <algorithm>

#include "paths.hpp"
#include "record.hpp"

namespace moat::policy {
namespace {

bool allowed(const spec::Device& d, const Policy& p) {
    return std::any_of(p.devices.begin(), p.devices.end(), [&](const DevicePolicy& a) {
        return paths::normalize(a.path) == paths::normalize(d.path) && a.type == d.type &&
               a.major == d.major && (!a.minor || *a.minor == d.minor);
    });
}

std::string describe(const spec::Device& d) {
    return d.path + " (" + d.type + " " + std::to_string(d.major) + ":" + std::to_string(d.minor) + ")";
}

std::string describe(const std::vector<spec::DeviceCgroup>& rules) {
    std::string s = "[";
    for (size_t i = 0; i < rules.size(); ++i) {
        auto& r = rules[i];
        s += (i ? ", " : "");
        s += r.allow ? "allow " : "deny ";
        s += r.type.value_or("a") + " ";
        s += (r.major ? std::to_string(*r.major) : "*") + ":" + (r.minor ? std::to_string(*r.minor) : "*");
        s += " " + r.access.value_or("rwm");
    }
    return s + "]";
}

bool same_rule(const spec::DeviceCgroup& a, const spec::DeviceCgroup& b) {
    return a.allow == b.allow && a.type.value_or("a") == b.type.value_or("a") &&
           a.major == b.major && a.minor == b.minor && a.access.value_or("rwm") == b.access.value_or("rwm");
}

}  // namespace

std::vector<spec::DeviceCgroup> device_cgroup_rules(const std::vector<spec::Device>& kept,
                                                    const Policy& p) {
    std::vector<spec::DeviceCgroup> rules{{false, "a", std::nullopt, std::nullopt, "rwm"}};
    auto add = [&](spec::DeviceCgroup r) {
        for (auto& have : rules)
            if (same_rule(have, r)) return;
        rules.push_back(std::move(r));
    };
    // The standard nodes every runtime creates, whatever linux.devices says,
    // and the pty slaves behind /dev/ptmx.
    for (auto& d : defaults::devices())
        if (std::find(p.devices.begin(), p.devices.end(), d) != p.devices.end())
            add({true, d.type, d.major, d.minor, "rwm"});
    add({true, "c", 136, std::nullopt, "rwm"});
    for (auto& d : kept) add({true, d.type, d.major, d.minor, "rwm"});
    return rules;
}

void harden_devices(spec::Spec& s, const Policy& p, Recorder& rec) {
    auto& devs = s.linux.devices;
    std::vector<spec::Device> kept;
    for (size_t i = 0; i < devs.size(); ++i) {
        if (allowed(devs[i], p)) kept.push_back(devs[i]);
        else rec.change("linux.devices[" + std::to_string(i) + "]", describe(devs[i]), "(removed)", "devices");
    }
    devs = std::move(kept);

    auto want = device_cgroup_rules(devs, p);
    if (!s.linux.resources) s.linux.resources.emplace();
    auto& have = s.linux.resources->devices;
    bool same = have.size() == want.size() &&
                std::equal(have.begin(), have.end(), want.begin(), same_rule);
    if (!same) {
        rec.change("linux.resources.devices", describe(have), describe(want), "devices");
        have = std::move(want);
    }
}

}  // namespace moat::policy
