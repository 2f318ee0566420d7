#include "linux/mount_options.hpp"

#include <linux/mount.h>
#include <sys/mount.h>

#include <string_view>

namespace moat::linux {
namespace {

struct FlagOption {
    std::string_view name;
    bool clear;  // true: the option removes the flag (rw, suid…)
    unsigned long flag;
};

constexpr FlagOption kFlagOptions[] = {
    {"ro", false, MS_RDONLY},           {"rw", true, MS_RDONLY},
    {"nosuid", false, MS_NOSUID},       {"suid", true, MS_NOSUID},
    {"nodev", false, MS_NODEV},         {"dev", true, MS_NODEV},
    {"noexec", false, MS_NOEXEC},       {"exec", true, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},     {"remount", false, MS_REMOUNT},
    {"mand", false, MS_MANDLOCK},       {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},        {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},  {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},   {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME}, {"nostrictatime", true, MS_STRICTATIME},
    {"lazytime", false, MS_LAZYTIME},   {"nolazytime", true, MS_LAZYTIME},
    {"silent", false, MS_SILENT},       {"loud", true, MS_SILENT},
    {"iversion", false, MS_I_VERSION},  {"noiversion", true, MS_I_VERSION},
};

struct PropagationOption {
    std::string_view name;
    unsigned long flags;
};

constexpr PropagationOption kPropagation[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

struct RecursiveOption {
    std::string_view name;
    bool clear;
    unsigned long attr;
};

constexpr RecursiveOption kRecursive[] = {
    {"rro", false, MOUNT_ATTR_RDONLY},       {"rrw", true, MOUNT_ATTR_RDONLY},
    {"rnosuid", false, MOUNT_ATTR_NOSUID},   {"rsuid", true, MOUNT_ATTR_NOSUID},
    {"rnodev", false, MOUNT_ATTR_NODEV},     {"rdev", true, MOUNT_ATTR_NODEV},
    {"rnoexec", false, MOUNT_ATTR_NOEXEC},   {"rexec", true, MOUNT_ATTR_NOEXEC},
    {"rnoatime", false, MOUNT_ATTR_NOATIME}, {"ratime", true, MOUNT_ATTR_NOATIME},
    {"rnodiratime", false, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", true, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", false, MOUNT_ATTR_RELATIME},
    {"rnorelatime", true, MOUNT_ATTR_RELATIME},
    {"rstrictatime", false, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", true, MOUNT_ATTR_STRICTATIME},
};

}  // namespace

unsigned long propagation_flags(const std::string& name) {
    for (auto& p : kPropagation)
        if (p.name == name) return p.flags;
    return 0;
}

Result<MountOptions> parse_mount_options(const std::vector<std::string>& options) {
    MountOptions out;
    for (const auto& opt : options) {
        if (opt.empty()) return fail("empty mount option");
        if (opt == "bind" || opt == "rbind") {
            out.bind = true;
            out.recursive = out.recursive || opt == "rbind";
            continue;
        }
        bool matched = false;
        for (auto& f : kFlagOptions) {
            if (f.name != opt) continue;
            if (f.clear) {
                out.flags &= ~f.flag;
                out.clear |= f.flag;
            } else {
                out.flags |= f.flag;
                out.clear &= ~f.flag;
            }
            matched = true;
            break;
        }
        if (matched) continue;
        if (unsigned long p = propagation_flags(opt)) {
            out.propagation = p;
            continue;
        }
        for (auto& r : kRecursive) {
            if (r.name != opt) continue;
            (r.clear ? out.recursive_clear : out.recursive_set) |= r.attr;
            matched = true;
            break;
        }
        if (matched) continue;
        // idmap/ridmap (idmapped mounts) and tmpcopyup are extensions moat does not do;
        // ignoring them silently would change what the container sees.
        if (opt == "idmap" || opt == "ridmap" || opt == "tmpcopyup")
            return fail("mount option " + opt + " is not supported");
        if (!out.data.empty()) out.data += ',';
        out.data += opt;
    }
    return out;
}

}  // namespace moat::linux
