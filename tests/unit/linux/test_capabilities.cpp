// Capabilities: names parse to the right bits, errors name the JSON path, and
// the child-side sequence leaves exactly the requested sets, across setuid
// and exec.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "linux/capabilities.hpp"
#include "linux/fd.hpp"

using namespace moat;
using namespace moat::linux;

namespace {

// Fork; the child runs fn and writes its report (text) to the pipe.
std::string in_child(const std::function<std::string(int out_fd)>& fn) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return "pipe failed";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[0]);
        std::string r = fn(p[1]);
        (void)!::write(p[1], r.data(), r.size());
        ::_exit(0);
    }
    ::close(p[1]);
    std::string out = read_fd(p[0]).value_or("read failed");
    ::close(p[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) out += "\nchild failed";
    return out;
}

// "CapEff" -> value, from a /proc/<pid>/status text.
std::map<std::string, uint64_t> cap_lines(const std::string& status) {
    std::map<std::string, uint64_t> m;
    std::istringstream in(status);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("Cap", 0) == 0) {
            auto colon = line.find(':');
            m[line.substr(0, colon)] = std::stoull(line.substr(colon + 1), nullptr, 16);
        }
    return m;
}

std::string rc_text(const char* what, int rc) {
    return rc == 0 ? "" : std::string(what) + ": " + std::strerror(-rc) + "\n";
}

}  // namespace

TEST(Capabilities, ParsesNamesToBits) {
    spec::Capabilities c;
    c.bounding = {"CAP_CHOWN", "CAP_NET_BIND_SERVICE", "CAP_SYS_ADMIN"};
    c.effective = {"CAP_KILL"};
    c.ambient = {"CAP_NET_BIND_SERVICE"};
    auto r = parse_capabilities(c);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->bounding, (1ull << CAP_CHOWN) | (1ull << CAP_NET_BIND_SERVICE) | (1ull << CAP_SYS_ADMIN));
    EXPECT_EQ(r->effective, 1ull << CAP_KILL);
    EXPECT_EQ(r->permitted, 0u);
    EXPECT_EQ(r->inheritable, 0u);
    // Ambient without permitted+inheritable cannot be raised: dropped, as runc does.
    EXPECT_EQ(r->ambient, 0u);
    EXPECT_GE(r->last_cap, CAP_AUDIT_READ);
    c.permitted = c.inheritable = {"CAP_NET_BIND_SERVICE"};
    auto kept = parse_capabilities(c);
    ASSERT_TRUE(kept) << kept.error().message;
    EXPECT_EQ(kept->ambient, 1ull << CAP_NET_BIND_SERVICE);
    EXPECT_EQ(r->last_cap, last_capability());
}

TEST(Capabilities, UnknownNameIsAnErrorWithItsPath) {
    spec::Capabilities c;
    c.bounding = {"CAP_CHOWN", "CAP_KILL", "CAP_FLY"};
    auto r = parse_capabilities(c);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "process.capabilities.bounding[2]: unknown capability CAP_FLY");

    c.bounding = {};
    c.ambient = {"12"};  // numbers are not capability names in OCI
    r = parse_capabilities(c);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "process.capabilities.ambient[0]: unknown capability 12");
}

TEST(Capabilities, EmptySetsLeaveNothing) {
    auto caps = parse_capabilities(spec::Capabilities{});
    ASSERT_TRUE(caps) << caps.error().message;
    std::string out = in_child([&](int) {
        std::string r = rc_text("drop_bounding_set", drop_bounding_set(*caps));
        r += rc_text("apply_capabilities", apply_capabilities(*caps));
        auto status = read_file("/proc/self/status");
        if (!status) return r + status.error().message;
        auto m = cap_lines(*status);
        for (auto* k : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
            if (m[k] != 0) r += std::string(k) + " is not 0\n";
        return r;
    });
    EXPECT_EQ(out, "");
}

TEST(Capabilities, HandBuiltEmptySetsDropEverythingToo) {
    // A CapSets{} that never went through parse_capabilities (last_cap 0).
    std::string out = in_child([&](int) {
        CapSets none;
        std::string r = rc_text("drop_bounding_set", drop_bounding_set(none));
        r += rc_text("apply_capabilities", apply_capabilities(none));
        auto m = cap_lines(read_file("/proc/self/status").value_or(""));
        if (m["CapBnd"] != 0 || m["CapEff"] != 0) r += "capabilities left\n";
        return r;
    });
    EXPECT_EQ(out, "");
}

TEST(Capabilities, KeptAcrossSetuidAndExecThroughAmbient) {
    spec::Capabilities c;
    c.bounding = c.effective = c.permitted = c.inheritable = c.ambient = {"CAP_NET_BIND_SERVICE"};
    auto caps = parse_capabilities(c);
    ASSERT_TRUE(caps) << caps.error().message;
    // The child follows the documented order, becomes uid 65534, then execs
    // cat to print its own status: only ambient capabilities survive that.
    std::string out = in_child([&](int fd) {
        std::string r = rc_text("drop_bounding_set", drop_bounding_set(*caps));
        r += rc_text("set_keep_caps", set_keep_caps(true));
        if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)
            r += "setresuid failed\n";
        r += rc_text("set_keep_caps(false)", set_keep_caps(false));
        r += rc_text("apply_capabilities", apply_capabilities(*caps));
        if (!r.empty()) return r;
        ::dup2(fd, 1);
        ::execl("/bin/cat", "cat", "/proc/self/status", nullptr);
        return std::string("exec failed\n");
    });
    auto m = cap_lines(out);
    const uint64_t bind = 1ull << CAP_NET_BIND_SERVICE;
    EXPECT_EQ(m["CapEff"], bind) << out;
    EXPECT_EQ(m["CapPrm"], bind) << out;
    EXPECT_EQ(m["CapInh"], bind) << out;
    EXPECT_EQ(m["CapAmb"], bind) << out;
    EXPECT_EQ(m["CapBnd"], bind) << out;
    EXPECT_NE(out.find("Uid:\t65534"), std::string::npos) << out;
}

TEST(Capabilities, WithoutKeepCapsSetuidLosesThem) {
    // The control for the test above: the keep-caps step is what matters.
    spec::Capabilities c;
    c.bounding = c.effective = c.permitted = {"CAP_NET_BIND_SERVICE"};
    auto caps = parse_capabilities(c);
    ASSERT_TRUE(caps) << caps.error().message;
    std::string out = in_child([&](int) {
        std::string r = rc_text("drop_bounding_set", drop_bounding_set(*caps));
        if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)
            r += "setresuid failed\n";
        int rc = apply_capabilities(*caps);
        return r + (rc == -EPERM ? "" : "capset after setuid without keepcaps: " + std::to_string(rc));
    });
    EXPECT_EQ(out, "");
}
