// Netlink: in a fresh network namespace lo starts down; bring_up_loopback()
// brings it up, and TCP over 127.0.0.1 then works inside that namespace.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>

#include "linux/fd.hpp"
#include "linux/netlink.hpp"

using namespace moat;
using namespace moat::linux;

namespace {

std::string in_child(const std::function<std::string()>& fn) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return "pipe failed";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[0]);
        std::string r = fn();
        (void)!::write(p[1], r.data(), r.size());
        ::_exit(0);
    }
    ::close(p[1]);
    std::string out = read_fd(p[0]).value_or("read failed");
    ::close(p[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) out += "child failed\n";
    return out;
}

// lo's flags in the calling process's network namespace (sysfs would show
// the namespace that mounted it, so ask the kernel directly).
int lo_flags() {
    UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr{};
    std::strcpy(ifr.ifr_name, "lo");
    if (!s || ::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0) return -1;
    return ifr.ifr_flags;
}

}  // namespace

TEST(Netlink, BringsUpLoopbackInANewNamespace) {
    std::string out = in_child([] {
        if (::unshare(CLONE_NEWNET) != 0) return std::string("unshare(CLONE_NEWNET) failed\n");
        std::string r;
        int before = lo_flags();
        if (before < 0 || (before & IFF_UP)) r += "lo was not down before\n";

        auto up = bring_up_loopback();
        if (!up) return r + up.error().message + "\n";
        int after = lo_flags();
        if (after < 0 || !(after & IFF_UP)) r += "lo is not up after\n";

        // TCP over loopback, both ends in this namespace.
        UniqueFd lst(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(lst.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(lst.get(), 1) != 0 ||
            ::getsockname(lst.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
            return r + "listen on 127.0.0.1 failed: " + std::strerror(errno) + "\n";
        UniqueFd cli(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (::connect(cli.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            return r + "connect to 127.0.0.1 failed: " + std::strerror(errno) + "\n";
        UniqueFd srv(::accept4(lst.get(), nullptr, nullptr, SOCK_CLOEXEC));
        char c = 0;
        if (!srv || ::write(cli.get(), "k", 1) != 1 || ::read(srv.get(), &c, 1) != 1 || c != 'k')
            r += "no data over loopback\n";

        // Idempotent: a second call on an up interface is fine too.
        if (auto again = bring_up_loopback(); !again) r += again.error().message + "\n";
        return r;
    });
    EXPECT_EQ(out, "");
}

TEST(Netlink, ConnectFailsWhileLoopbackIsDown) {
    // The control: without bring_up_loopback(), 127.0.0.1 is unreachable.
    std::string out = in_child([] {
        if (::unshare(CLONE_NEWNET) != 0) return std::string("unshare failed\n");
        UniqueFd cli(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(9);
        if (::connect(cli.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0)
            return std::string("connect succeeded with lo down\n");
        return errno == ENETUNREACH ? std::string() : "errno " + std::string(std::strerror(errno)) + "\n";
    });
    EXPECT_EQ(out, "");
}
