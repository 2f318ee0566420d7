// Capability names to bitmasks (parent), and the prctl/capset sequence (child).
#include "linux/capabilities.hpp"

#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>

namespace moat::linux {

namespace {

Status add_set(uint64_t& out, const std::vector<std::string>& names, const std::string& path,
               int last_cap) {
    for (size_t i = 0; i < names.size(); ++i) {
        cap_value_t v;
        // cap_from_name also accepts bare numbers; the OCI spec wants names.
        bool named = names[i].size() > 4 && (names[i].compare(0, 4, "CAP_") == 0 ||
                                             names[i].compare(0, 4, "cap_") == 0);
        if (!named || cap_from_name(names[i].c_str(), &v) != 0)
            return fail(path + "[" + std::to_string(i) + "]: unknown capability " + names[i]);
        if (v > last_cap) continue;  // known to libcap, not to this kernel
        out |= uint64_t{1} << v;
    }
    return {};
}

}  // namespace

int last_capability() {
    // cap_max_bits() reads /proc/sys/kernel/cap_last_cap (or probes) once.
    return static_cast<int>(cap_max_bits()) - 1;
}

Result<CapSets> parse_capabilities(const spec::Capabilities& caps) {
    CapSets out;
    out.last_cap = last_capability();
    const std::string base = "process.capabilities.";
    MOAT_CHECK(add_set(out.bounding, caps.bounding, base + "bounding", out.last_cap));
    MOAT_CHECK(add_set(out.effective, caps.effective, base + "effective", out.last_cap));
    MOAT_CHECK(add_set(out.permitted, caps.permitted, base + "permitted", out.last_cap));
    MOAT_CHECK(add_set(out.inheritable, caps.inheritable, base + "inheritable", out.last_cap));
    MOAT_CHECK(add_set(out.ambient, caps.ambient, base + "ambient", out.last_cap));
    // The kernel only raises an ambient capability that is also permitted and
    // inheritable; runc drops the others rather than failing (the spec says a
    // runtime SHOULD NOT fail on a capability it cannot grant).
    out.ambient &= out.permitted & out.inheritable;
    return out;
}

// The loops below run over all 64 bits rather than to last_cap, so that a
// CapSets the caller built by hand (last_cap 0) still drops everything; the
// kernel answers EINVAL for numbers it does not know.
int drop_bounding_set(const CapSets& caps) noexcept {
    for (int c = 0; c < 64; ++c) {
        if (caps.bounding & (uint64_t{1} << c)) continue;
        if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) return -errno;
    }
    return 0;
}

int set_keep_caps(bool keep) noexcept {
    return ::prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) < 0 ? -errno : 0;
}

int apply_capabilities(const CapSets& caps) noexcept {
    __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; ++i) {
        data[i].effective = static_cast<uint32_t>(caps.effective >> (32 * i));
        data[i].permitted = static_cast<uint32_t>(caps.permitted >> (32 * i));
        data[i].inheritable = static_cast<uint32_t>(caps.inheritable >> (32 * i));
    }
    if (::syscall(SYS_capset, &hdr, data) < 0) return -errno;

    // Clear first so nothing inherited from the runtime survives.
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return -errno;
    for (int c = 0; c < 64; ++c) {
        if (!(caps.ambient & (uint64_t{1} << c))) continue;
        if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) return -errno;
    }
    return 0;
}

}  // namespace moat::linux
