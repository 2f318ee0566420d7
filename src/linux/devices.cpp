#include "linux/devices.hpp"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>

#include "linux/path.hpp"

namespace moat::linux {

std::vector<spec::Device> default_devices() {
    auto dev = [](const char* path, int64_t major, int64_t minor) {
        spec::Device d;
        d.type = "c";
        d.path = path;
        d.major = major;
        d.minor = minor;
        d.file_mode = 0666;
        d.uid = 0;
        d.gid = 0;
        return d;
    };
    return {dev("/dev/null", 1, 3),    dev("/dev/zero", 1, 5), dev("/dev/full", 1, 7),
            dev("/dev/random", 1, 8), dev("/dev/urandom", 1, 9), dev("/dev/tty", 5, 0)};
}

namespace {

std::pair<std::string, std::string> split_parent(const std::string& path) {
    auto clean = clean_path(path);
    auto slash = clean.rfind('/');
    return {slash == 0 ? "/" : clean.substr(0, slash), clean.substr(slash + 1)};
}

mode_t type_bits(const std::string& type) {
    if (type == "b") return S_IFBLK;
    if (type == "p") return S_IFIFO;
    return S_IFCHR;  // "c" and "u"
}

Status create_device(const MountContext& ctx, const spec::Device& d) {
    auto [parent, name] = split_parent(d.path);
    MOAT_CHECK(ensure_in_root(ctx.root_fd, parent, false));
    auto dir = MOAT_TRY(open_in_root(ctx.root_fd, parent, O_DIRECTORY | O_RDONLY));
    if (::unlinkat(dir.get(), name.c_str(), 0) < 0 && errno != ENOENT)
        return sys_fail("replace " + d.path);
    mode_t perm = d.file_mode.value_or(0666) & 07777;
    dev_t dev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
    bool made = false;
    if (!ctx.in_user_ns) {
        if (::mknodat(dir.get(), name.c_str(), type_bits(d.type) | perm, dev) == 0) made = true;
        // The device cgroup may deny mknod of a node the config lists (no
        // matching allow rule): fall back to the host's node, as runc does.
        else if (errno != EPERM) return sys_fail("mknod " + d.path);
    }
    if (!made) {
        int fd = ::openat(dir.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0);
        if (fd < 0) return sys_fail("create " + d.path);
        UniqueFd placeholder(fd);
        if (::mount(d.path.c_str(), fd_path(fd).c_str(), nullptr, MS_BIND, nullptr) < 0)
            return sys_fail("bind device " + d.path);
        return {};
    }
    // mknod honours the umask; the spec's mode is what the container must see.
    if (::fchmodat(dir.get(), name.c_str(), perm, 0) < 0) return sys_fail("chmod " + d.path);
    if (::fchownat(dir.get(), name.c_str(), d.uid.value_or(0), d.gid.value_or(0),
                   AT_SYMLINK_NOFOLLOW) < 0)
        return sys_fail("chown " + d.path);
    return {};
}

}  // namespace

Status create_devices(const MountContext& ctx, const std::vector<spec::Device>& devices) {
    for (auto& d : devices) MOAT_CHECK(create_device(ctx, d));
    return {};
}

Status create_dev_symlinks(const MountContext& ctx) {
    static const std::pair<const char*, const char*> links[] = {
        {"/proc/self/fd", "fd"},      {"/proc/self/fd/0", "stdin"},
        {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
        {"pts/ptmx", "ptmx"},
    };
    auto dev = MOAT_TRY(open_in_root(ctx.root_fd, "/dev", O_DIRECTORY | O_RDONLY));
    for (auto& [target, name] : links) {
        // /dev/ptmx may already be a device node from the spec; keep it only if so.
        if (::symlinkat(target, dev.get(), name) < 0 && errno != EEXIST)
            return sys_fail(std::string("symlink /dev/") + name);
    }
    return {};
}

}  // namespace moat::linux
