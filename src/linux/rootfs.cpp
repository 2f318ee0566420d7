#include "linux/rootfs.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>

#include "linux/devices.hpp"
#include "linux/mount_options.hpp"
#include "linux/mounts.hpp"
#include "linux/path.hpp"

namespace moat::linux {

namespace {

bool dev_is_fresh(const RootfsPlan& plan) {
    for (auto& m : plan.mounts)
        if (clean_path(m.destination) == "/dev" && m.type != "bind") return true;
    return false;
}

}  // namespace

Status apply_sysctl(const std::map<std::string, std::string>& sysctl) {
    for (auto& [key, value] : sysctl) {
        if (key.empty() || key.find("..") != std::string::npos || key.front() == '.' ||
            key.find('/') != std::string::npos)
            return fail("linux.sysctl: invalid key \"" + key + "\"");
        std::string path = "/proc/sys/" + key;
        for (size_t i = 10; i < path.size(); ++i)
            if (path[i] == '.') path[i] = '/';
        MOAT_CHECK_CTX(write_file(path, value), "linux.sysctl." + key);
    }
    return {};
}

Status prepare_rootfs(const RootfsPlan& plan) {
    unsigned long prop = MS_SLAVE | MS_REC;
    if (!plan.propagation.empty()) {
        prop = propagation_flags(plan.propagation);
        if (!prop) return fail("linux.rootfsPropagation: unknown value " + plan.propagation);
        // A shared root would make pivot_root fail; shared is applied after it.
        if (prop & MS_SHARED) prop = MS_SLAVE | MS_REC;
    }
    if (::mount(nullptr, "/", nullptr, prop, nullptr) < 0) return sys_fail("make / rslave");
    if (::mount(plan.rootfs.c_str(), plan.rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0)
        return sys_fail("bind rootfs " + plan.rootfs);

    auto root = MOAT_TRY(open_fd(plan.rootfs, O_DIRECTORY | O_RDONLY));
    auto dev_null = MOAT_TRY(open_fd("/dev/null", O_PATH));
    MountContext ctx{root.get(), dev_null.get(), plan.in_user_ns, &plan.cgroup_host};

    for (auto& m : plan.mounts) MOAT_CHECK(mount_entry(ctx, m));
    if (dev_is_fresh(plan)) {
        MOAT_CHECK(create_devices(ctx, default_devices()));
        MOAT_CHECK(create_dev_symlinks(ctx));
    }
    MOAT_CHECK(create_devices(ctx, plan.devices));
    MOAT_CHECK(apply_sysctl(plan.sysctl));
    for (auto& p : plan.masked_paths) MOAT_CHECK(mask_path(ctx, p));
    for (auto& p : plan.readonly_paths) MOAT_CHECK(make_path_readonly(ctx, p));
    if (plan.readonly) MOAT_CHECK(remount_bind(root.get(), MS_RDONLY, "rootfs read-only"));
    return {};
}

Status enter_rootfs(const RootfsPlan& plan) {
    auto newroot = MOAT_TRY(open_fd(plan.rootfs, O_DIRECTORY | O_RDONLY));
    if (plan.no_pivot) {
        if (::fchdir(newroot.get()) < 0) return sys_fail("chdir " + plan.rootfs);
        if (::mount(".", "/", nullptr, MS_MOVE, nullptr) < 0) return sys_fail("move rootfs to /");
        if (::chroot(".") < 0) return sys_fail("chroot");
    } else {
        auto oldroot = MOAT_TRY(open_fd("/", O_DIRECTORY | O_RDONLY));
        if (::fchdir(newroot.get()) < 0) return sys_fail("chdir " + plan.rootfs);
        // pivot_root(".", ".") stacks the old root on top of the new one;
        // detaching it leaves only the container's tree.
        if (::syscall(SYS_pivot_root, ".", ".") < 0) return sys_fail("pivot_root");
        if (::fchdir(oldroot.get()) < 0) return sys_fail("chdir old root");
        if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
            return sys_fail("make old root rslave");
        if (::umount2(".", MNT_DETACH) < 0) return sys_fail("detach old root");
    }
    if (::chdir("/") < 0) return sys_fail("chdir /");
    if (!plan.propagation.empty()) {
        unsigned long prop = propagation_flags(plan.propagation);
        if (::mount(nullptr, "/", nullptr, prop, nullptr) < 0)
            return sys_fail("linux.rootfsPropagation " + plan.propagation);
    }
    return {};
}

}  // namespace moat::linux
