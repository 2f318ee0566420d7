// Bundles for integration tests: a busybox rootfs and a runc-like config.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "moat_test.hpp"

namespace fs = std::filesystem;

namespace moat::test {

#ifndef MOAT_BINARY
#define MOAT_BINARY ""
#endif
#ifndef MOAT_PROBE
#define MOAT_PROBE ""
#endif

std::string moat_binary() { return MOAT_BINARY; }
std::string probe_binary() { return MOAT_PROBE; }
bool probe_available() { return !probe_binary().empty() && fs::exists(probe_binary()); }

const std::vector<std::string>& busybox_applets() {
    static const std::vector<std::string> applets = {
        "sh", "cat", "echo", "ls", "mount", "touch", "id", "hostname", "sleep", "true",
        "false", "grep", "head", "wc", "ps", "kill", "mkdir", "rm", "ip", "readlink",
        "stat", "ln", "env", "printf", "cut", "test", "["};
    return applets;
}

namespace {

spec::Mount mount(std::string destination, std::string type, std::string source,
                  std::vector<std::string> options) {
    spec::Mount m;
    m.destination = std::move(destination);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

spec::Namespace new_namespace(std::string type) {
    spec::Namespace n;
    n.type = std::move(type);
    return n;
}

}  // namespace

spec::Spec minimal_spec(std::vector<std::string> args) {
    spec::Spec s;
    s.has_process = true;
    s.process.args = std::move(args);
    s.process.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    s.process.cwd = "/";
    s.root.path = "rootfs";
    s.hostname = "moat-test";
    s.mounts = {
        mount("/proc", "proc", "proc", {}),
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mount("/dev/pts", "devpts", "devpts",
              {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
        mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
    };
    for (auto type : {"pid", "mount", "ipc", "uts", "network"})
        s.linux.namespaces.push_back(new_namespace(type));
    return s;
}

namespace {

void write_text(const fs::path& path, std::string_view content, unsigned mode) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
    fs::permissions(path, static_cast<fs::perms>(mode));
}

}  // namespace

Bundle::Bundle() : Bundle(Options{}) {}

Bundle::Bundle(Options options) : dir_("moat-bundle"), spec_(minimal_spec()) {
    fs::path root = rootfs();
    for (auto d : {"bin", "dev", "etc", "proc", "sys", "tmp", "root"})
        fs::create_directories(root / d);
    fs::permissions(root / "tmp", static_cast<fs::perms>(01777));

    // busybox-static's binary needs no libraries inside the rootfs.
    if (!fs::exists("/bin/busybox"))
        throw std::runtime_error("/bin/busybox not found (apt-get install busybox-static)");
    fs::copy_file("/bin/busybox", root / "bin/busybox");
    for (auto& applet : busybox_applets()) fs::create_symlink("busybox", root / "bin" / applet);

    write_text(root / "etc/passwd",
               "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", 0644);
    write_text(root / "etc/group", "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n", 0644);

    if (options.probe) {
        if (!probe_available())
            throw std::runtime_error("the probe was not built (tests/probe), yet the test asked for it");
        fs::copy_file(probe_binary(), root / "bin/moat-probe");
        fs::permissions(root / "bin/moat-probe", static_cast<fs::perms>(0755));
    }
}

void Bundle::write() const { write_text(config_path(), spec::to_json(spec_), 0644); }

void Bundle::write_file(std::string_view path_in_rootfs, std::string_view content,
                        unsigned mode) const {
    fs::path rel(path_in_rootfs);
    write_text(fs::path(rootfs()) / rel.relative_path(), content, mode);
}

}  // namespace moat::test
