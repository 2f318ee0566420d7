// run.moat.* annotations: a container may ask for a relaxation only through
// an annotation the policy permits, and only up to the policy's maximum. The
// result is the policy this one container runs under; every request the
// policy does not allow is a refusal naming the annotation (and the maximum).
#include <algorithm>
#include <charconv>

#include "paths.hpp"
#include "record.hpp"
#include "units.hpp"

namespace moat::policy {
namespace {

constexpr std::string_view prefix = "run.moat.";

std::string field(const std::string& key) { return "annotations[" + key + "]"; }

// Applies one annotation to `eff`; returns why it is refused, or "".
std::string apply_one(const std::string& key, const std::string& value, const Policy& base,
                      Policy& eff, std::string& egress_name) {
    if (key == "run.moat.memory") {
        auto v = units::parse_size(value);
        if (!v) return v.error().message;
        if (*v == 0 || *v > static_cast<uint64_t>(base.resources.memory_max))
            return units::format_size(*v) + " exceeds the policy maximum " +
                   units::format_size(static_cast<uint64_t>(base.resources.memory_max));
        eff.resources.memory = eff.resources.memory_max = static_cast<int64_t>(*v);
        return {};
    }
    if (key == "run.moat.pids") {
        int64_t n = 0;
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || p != value.data() + value.size() || n <= 0)
            return "\"" + value + "\" is not a positive integer";
        if (n > base.resources.pids_max)
            return std::to_string(n) + " exceeds the policy maximum " + std::to_string(base.resources.pids_max);
        eff.resources.pids = eff.resources.pids_max = n;
        return {};
    }
    if (key == "run.moat.cpus") {
        auto v = units::parse_cpus(value);
        if (!v) return v.error().message;
        if (*v > base.resources.cpus_max_milli)
            return units::format_cpus(*v) + " CPUs exceeds the policy maximum " +
                   units::format_cpus(base.resources.cpus_max_milli);
        eff.resources.cpus_max_milli = *v;
        eff.resources.cpu_quota = static_cast<int64_t>(*v * base.resources.cpu_period / 1000);
        eff.resources.cpu_period = base.resources.cpu_period;
        return {};
    }
    if (key == "run.moat.timeout") {
        auto v = units::parse_duration(value);
        if (!v) return v.error().message;
        // With no ceiling and no policy timeout, any limit only tightens.
        auto max = base.timeout_max ? base.timeout_max : base.timeout;
        if (max && *v > *max)
            return units::format_duration(*v) + " exceeds the policy maximum " + units::format_duration(*max);
        eff.timeout = *v;
        return {};
    }
    if (key == "run.moat.tmpsize") {
        auto v = units::parse_size(value);
        if (!v) return v.error().message;
        if (*v == 0 || *v > base.tmp.size_max)
            return units::format_size(*v) + " exceeds the policy maximum " + units::format_size(base.tmp.size_max);
        eff.tmp.size = eff.tmp.size_max = *v;
        return {};
    }
    if (key == "run.moat.writable") {
        // Comma-separated destinations, each on the policy's on-request list.
        size_t start = 0;
        std::vector<std::string> add;
        while (start <= value.size()) {
            size_t end = value.find(',', start);
            if (end == std::string::npos) end = value.size();
            std::string dest = paths::normalize(std::string_view(value).substr(start, end - start));
            start = end + 1;
            if (dest == ".") continue;
            if (!dest.starts_with('/')) return "destination \"" + dest + "\" is not absolute";
            auto ok = [&](const std::vector<std::string>& list) {
                return std::any_of(list.begin(), list.end(), [&](auto& w) {
                    return paths::same_or_under(dest, paths::normalize(w));
                });
            };
            if (!ok(base.binds.writable_on_request) && !ok(base.binds.writable))
                return dest + " is not on the policy's writableOnRequest list";
            add.push_back(dest);
        }
        for (auto& d : add) eff.binds.writable.push_back(d);
        return {};
    }
    if (key == "run.moat.network") {
        if (value == "none" || value == "loopback") {
            eff.network.mode = value == "none" ? NetworkMode::none : NetworkMode::loopback;
            return {};
        }
        if (value == "host") {
            if (!base.network.allow_host && base.network.mode != NetworkMode::host)
                return "the policy does not allow the host network";
            eff.network.mode = NetworkMode::host;
            return {};
        }
        auto it = base.network.allowlists.find(value);
        if (it == base.network.allowlists.end()) {
            std::string known;
            for (auto& [name, _] : base.network.allowlists) known += (known.empty() ? "" : ", ") + name;
            return "the policy has no allowlist named \"" + value + "\"" +
                   (known.empty() ? std::string(" (it defines none)") : " (known: " + known + ")");
        }
        eff.network.mode = NetworkMode::allowlist;
        eff.network.allowlist = it->second;
        egress_name = value;
        return {};
    }
    return "unknown moat annotation";
}

}  // namespace

Policy apply_annotations(const spec::Spec& s, const Policy& base, Recorder& rec,
                         std::string& egress_name) {
    Policy eff = base;
    for (auto& [key, value] : s.annotations) {  // std::map: a stable order
        if (!key.starts_with(prefix)) continue;
        bool permitted = std::find(base.annotations.begin(), base.annotations.end(), key) !=
                         base.annotations.end();
        // Applied to a copy: a refused request changes nothing.
        Policy trial = eff;
        std::string name = egress_name;
        std::string why = apply_one(key, value, base, trial, name);
        if (why != "unknown moat annotation" && !permitted)
            why = "not permitted by policy \"" + base.name + "\"";
        if (why.empty()) {
            eff = std::move(trial);
            egress_name = std::move(name);
        } else rec.refuse(field(key), value, "annotations", key + ": " + why);
    }
    return eff;
}

}  // namespace moat::policy
