// Issue 4's deliberately permissive config (declared in moat_test.hpp).
#include <filesystem>
#include <fstream>

#include "moat/policy.hpp"
#include "moat_test.hpp"

namespace fs = std::filesystem;

namespace moat::test {

namespace {

uint64_t held_bounding_set() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("CapBnd:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
    return ~0ull;
}

}  // namespace

void make_permissive(Bundle& b, std::vector<std::string> args, const Permissive& how) {
    const auto& caps = policy::capability_names();
    auto& s = b.spec();
    s.process.args = std::move(args);
    spec::Capabilities c;
    std::vector<std::string> wanted;
    uint64_t held = how.held_caps_only ? held_bounding_set() : ~0ull;
    for (size_t i = 0; i < caps.size(); ++i)  // caps[i] is capability number i
        if (held & (1ull << i)) wanted.push_back(caps[i]);
    c.bounding = c.effective = c.inheritable = c.permitted = c.ambient = wanted;
    s.process.capabilities = c;
    s.process.no_new_privileges = false;
    s.process.env.push_back(std::string("AWS_SECRET_ACCESS_KEY=") + kPermissiveSecret);
    s.root.readonly = false;
    s.linux.seccomp.reset();
    for (auto& ns : s.linux.namespaces)
        if (ns.type == "network") ns.path = how.net_path;
    spec::Device kmsg;
    kmsg.type = "c";
    kmsg.path = "/dev/kmsg";
    kmsg.major = 1;
    kmsg.minor = 11;
    spec::Device mem = kmsg;
    mem.path = "/dev/mem";
    mem.minor = 1;
    s.linux.devices = {kmsg, mem};
    // As `docker run --privileged` does: every device allowed in the device cgroup.
    spec::DeviceCgroup all;
    all.allow = true;
    all.access = "rwm";
    if (!s.linux.resources) s.linux.resources = spec::Resources{};
    s.linux.resources->devices = {all};
    spec::Mount scratch;
    scratch.destination = "/scratch";
    scratch.type = "tmpfs";
    scratch.source = "tmpfs";
    scratch.options = {"rw", "mode=1777", "size=16m"};
    s.mounts.push_back(scratch);
    fs::create_directories(b.rootfs() + "/scratch");
    b.write();
}

}  // namespace moat::test
