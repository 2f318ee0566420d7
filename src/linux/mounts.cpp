#include "linux/mounts.hpp"

#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include <cerrno>

#include "linux/mount_options.hpp"
#include "linux/path.hpp"

namespace moat::linux {

namespace {

bool is_bind(const spec::Mount& m, const MountOptions& o) { return o.bind || m.type == "bind"; }

// Flags a remount must carry over or the kernel refuses it (EPERM) when they
// are locked on the underlying mount.
unsigned long locked_flags(int fd) {
    struct statvfs sv {};
    if (::fstatvfs(fd, &sv) < 0) return 0;
    unsigned long f = 0;
    if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
    if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
    return f;
}

Status set_recursive_attrs(int fd, const MountOptions& o, const std::string& dest) {
    if (!o.recursive_set && !o.recursive_clear) return {};
    struct mount_attr attr {};
    attr.attr_set = o.recursive_set;
    attr.attr_clr = o.recursive_clear;
    if (::syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
        return sys_fail("set recursive mount options on " + dest);
    return {};
}

// The cgroup filesystem as the container should see it: cgroup2 on a unified
// host; otherwise a tmpfs with one v1 hierarchy per controller (and the hybrid
// host's cgroup2 under "unified"), each showing the container's cgroup
// namespace root.
Status mount_cgroup(const MountContext& ctx, const spec::Mount& m, const MountOptions& o,
                    int dest_fd) {
    const unsigned long ro = o.flags & MS_RDONLY;
    const unsigned long base = (o.flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    const cgroups::Host* host = ctx.cgroup_host;
    if (!host || host->layout == cgroups::Layout::v2) {
        if (::mount("cgroup2", fd_path(dest_fd).c_str(), "cgroup2", base | ro, nullptr) < 0)
            return sys_fail("mount cgroup2 on " + m.destination);
        return {};
    }
    if (::mount("tmpfs", fd_path(dest_fd).c_str(), "tmpfs", base, "mode=755") < 0)
        return sys_fail("mount tmpfs on " + m.destination);
    auto each = [&](const std::string& name, const char* type, const std::string& data) -> Status {
        auto dir = MOAT_TRY(ensure_in_root(ctx.root_fd, m.destination + "/" + name, false));
        if (::mount("cgroup", fd_path(dir.get()).c_str(), type, base | ro,
                    data.empty() ? nullptr : data.c_str()) < 0)
            return sys_fail("mount cgroup " + name + " on " + m.destination + "/" + name);
        return {};
    };
    for (auto& [controller, mountpoint] : host->v1_mounts) {
        std::string data = controller.rfind("name=", 0) == 0 ? "none," + controller : controller;
        std::string dir = mountpoint.substr(mountpoint.rfind('/') + 1);
        MOAT_CHECK(each(dir, "cgroup", data));
    }
    if (!host->unified_mount.empty()) MOAT_CHECK(each("unified", "cgroup2", ""));
    if (ro) {
        auto again = MOAT_TRY(open_in_root(ctx.root_fd, m.destination));
        MOAT_CHECK(remount_bind(again.get(), MS_RDONLY, m.destination));
    }
    return {};
}

Result<bool> source_is_dir(const std::string& source) {
    struct stat st {};
    if (::stat(source.c_str(), &st) < 0) return sys_fail("bind source " + source);
    return S_ISDIR(st.st_mode);
}

}  // namespace

Status remount_bind(int fd, unsigned long flags, const std::string& what) {
    unsigned long f = MS_REMOUNT | MS_BIND | flags | locked_flags(fd);
    if (::mount(nullptr, fd_path(fd).c_str(), nullptr, f, nullptr) < 0)
        return sys_fail("remount " + what);
    return {};
}

Status mount_entry(const MountContext& ctx, const spec::Mount& m) {
    const std::string what = "mount " + (m.type.empty() ? std::string("bind") : m.type) + " on " +
                             m.destination;
    auto opts = MOAT_TRY(context(parse_mount_options(m.options), what));
    const bool bind = is_bind(m, opts);

    bool as_file = false;
    if (bind) as_file = !MOAT_TRY(context(source_is_dir(m.source), what));
    // Kernel trees go exactly where the config says: through an image's
    // symlink they would land elsewhere and later /proc work would follow.
    if (m.type == "proc" || m.type == "sysfs") MOAT_CHECK_CTX(refuse_symlinks(ctx.root_fd, m.destination), what);
    auto dest = MOAT_TRY(context(ensure_in_root(ctx.root_fd, m.destination, as_file), what));

    if (m.type == "cgroup" || m.type == "cgroup2") {
        MOAT_CHECK_CTX(mount_cgroup(ctx, m, opts, dest.get()), what);
    } else if (bind) {
        unsigned long f = MS_BIND | (opts.recursive ? MS_REC : 0);
        if (::mount(m.source.c_str(), fd_path(dest.get()).c_str(), nullptr, f, nullptr) < 0)
            return sys_fail(what + " from " + m.source);
        // The new mount covers dest; flags apply to it through a fresh lookup.
        auto mounted = MOAT_TRY(context(open_in_root(ctx.root_fd, m.destination), what));
        unsigned long extra = opts.flags & ~(MS_REMOUNT | MS_BIND | MS_REC);
        if (extra) MOAT_CHECK(remount_bind(mounted.get(), extra, m.destination));
        MOAT_CHECK(set_recursive_attrs(mounted.get(), opts, m.destination));
        dest = std::move(mounted);
    } else {
        unsigned long f = opts.flags & ~MS_REMOUNT;
        const char* data = opts.data.empty() ? nullptr : opts.data.c_str();
        const char* source = m.source.empty() ? m.type.c_str() : m.source.c_str();
        if (::mount(source, fd_path(dest.get()).c_str(), m.type.c_str(), f, data) < 0) {
            int err = errno;
            // sysfs cannot be mounted without owning the network namespace;
            // fall back to a read-only bind of the host's, as runc does.
            if (m.type == "sysfs" && (err == EPERM || err == EBUSY)) {
                if (::mount("/sys", fd_path(dest.get()).c_str(), nullptr, MS_BIND | MS_REC,
                            nullptr) < 0)
                    return sys_fail(what);
                auto mounted = MOAT_TRY(open_in_root(ctx.root_fd, m.destination));
                MOAT_CHECK(remount_bind(mounted.get(), MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                        m.destination));
            } else {
                return sys_fail(what, err);
            }
        }
        if (opts.recursive_set || opts.recursive_clear || opts.propagation) {
            dest = MOAT_TRY(context(open_in_root(ctx.root_fd, m.destination), what));
            MOAT_CHECK(set_recursive_attrs(dest.get(), opts, m.destination));
        }
    }
    if (opts.propagation) {
        auto mounted = MOAT_TRY(context(open_in_root(ctx.root_fd, m.destination), what));
        if (::mount(nullptr, fd_path(mounted.get()).c_str(), nullptr, opts.propagation, nullptr) < 0)
            return sys_fail("set propagation of " + m.destination);
    }
    return {};
}

namespace {

// Open a path for masking/read-only treatment without following a final symlink.
Result<std::optional<UniqueFd>> open_protected(const MountContext& ctx, const std::string& path,
                                               const char* verb) {
    auto fd = open_in_root(ctx.root_fd, path, O_PATH, /*follow_last=*/false);
    if (!fd) {
        if (fd.error().code == ENOENT) return std::optional<UniqueFd>();
        if (fd.error().code == ELOOP)
            return fail(std::string(verb) + " " + path + ": a symlink in the path: refused", ELOOP);
        return std::unexpected(std::move(fd.error()).wrap(std::string(verb) + " " + path));
    }
    struct stat st {};
    if (::fstat(fd->get(), &st) < 0) return sys_fail(std::string(verb) + " " + path);
    if (S_ISLNK(st.st_mode))
        return fail(std::string(verb) + " " + path + ": is a symlink: refused", ELOOP);
    return std::optional<UniqueFd>(std::move(*fd));
}

}  // namespace

Status mask_path(const MountContext& ctx, const std::string& path) {
    auto fd = MOAT_TRY(open_protected(ctx, path, "mask"));
    if (!fd) return {};
    struct stat st {};
    if (::fstat(fd->get(), &st) < 0) return sys_fail("mask " + path);
    if (S_ISDIR(st.st_mode)) {
        if (::mount("tmpfs", fd_path(fd->get()).c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV |
                    MS_NOEXEC, "size=0,mode=755") < 0)
            return sys_fail("mask " + path);
        return {};
    }
    if (::mount(fd_path(ctx.dev_null_fd).c_str(), fd_path(fd->get()).c_str(), nullptr, MS_BIND,
                nullptr) < 0)
        return sys_fail("mask " + path);
    return {};
}

Status make_path_readonly(const MountContext& ctx, const std::string& path) {
    auto fd = MOAT_TRY(open_protected(ctx, path, "make read-only"));
    if (!fd) return {};
    if (::mount(fd_path(fd->get()).c_str(), fd_path(fd->get()).c_str(), nullptr, MS_BIND | MS_REC,
                nullptr) < 0)
        return sys_fail("make read-only " + path);
    auto mounted = MOAT_TRY(open_in_root(ctx.root_fd, path, O_PATH, false));
    return remount_bind(mounted.get(), MS_RDONLY, path);
}

}  // namespace moat::linux
