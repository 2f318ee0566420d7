// process.terminal with --console-socket: moat sends the pty master over the
// unix socket (SCM_RIGHTS), as containerd and conmon expect; the container's
// output comes through it and consoleSize sets its window size.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "moat_test.hpp"

namespace moat::test {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A console-socket receiver: listens on a path, accepts one connection and
// takes the fd that arrives with SCM_RIGHTS.
class ConsoleSocket {
public:
    ConsoleSocket() : dir_("moat-console") {
        path_ = dir_ / "console.sock";
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
            ::listen(fd_, 4) < 0)
            throw std::runtime_error("console socket: " + std::string(std::strerror(errno)));
    }
    ~ConsoleSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    const std::string& path() const { return path_; }

    // The received fd, or -1 (nothing within the timeout).
    int receive(int timeout_ms = 10000) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) != 1) return -1;
        int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0) return -1;
        char data[256];
        iovec iov{data, sizeof data};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        int fd = -1;
        if (::recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) > 0)
            for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                    std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
        ::close(conn);
        return fd;
    }

private:
    TempDir dir_;
    std::string path_;
    int fd_ = -1;
};

// Everything readable from the master until the slave side closes (EIO) or
// `until` appears, within a time limit.
std::string drain(int master, const std::string& until, std::chrono::milliseconds limit = 15s) {
    std::string out;
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end && (until.empty() || !contains(out, until))) {
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        char buf[4096];
        ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

class Terminal : public MoatTest {
protected:
    // create with the console socket, receive the master, start; the output.
    std::string run_on_tty(Bundle& b, const std::string& until) {
        b.spec().process.terminal = true;
        b.write();
        ConsoleSocket sock;
        auto id = new_id();
        auto r = moat({"create", "--console-socket", sock.path(), "--bundle", b.path(), id});
        EXPECT_EQ(r.status, 0) << r;
        if (r.status != 0) return "";
        int master = sock.receive();
        EXPECT_GE(master, 0) << "no pty master arrived on the console socket";
        if (master < 0) return "";
        EXPECT_TRUE(::isatty(master)) << "the received fd is not a terminal";
        auto started = moat({"start", id});
        EXPECT_EQ(started.status, 0) << started;
        auto out = drain(master, until);
        ::close(master);
        moat({"delete", "--force", id});
        EXPECT_TRUE(no_leaks(b, id));
        return out;
    }
};

TEST_F(Terminal, OutputComesThroughTheMaster) {
    Bundle b;
    b.spec().process.args = {"sh", "-c", "test -t 0 && test -t 1 && echo on-a-tty; readlink /proc/self/fd/1; echo done-$((6*7))"};
    auto out = run_on_tty(b, "done-42");
    EXPECT_TRUE(contains(out, "on-a-tty")) << out;
    EXPECT_TRUE(contains(out, "/dev/pts/")) << out;
    EXPECT_TRUE(contains(out, "done-42")) << out;
}

TEST_F(Terminal, ConsoleSizeSetsTheWindowSize) {
    Bundle b;
    b.spec().process.args = {"sh", "-c", "busybox stty size; echo end-of-size"};
    b.spec().process.console_size = spec::ConsoleSize{.height = 33, .width = 111};
    auto out = run_on_tty(b, "end-of-size");
    EXPECT_TRUE(contains(out, "33 111")) << out;
}

TEST_F(Terminal, TerminalWithoutConsoleSocketFails) {
    Bundle b;
    b.spec().process.args = {"true"};
    b.spec().process.terminal = true;
    b.write();
    auto id = new_id();
    auto r = moat({"create", "--bundle", b.path(), id});
    EXPECT_EQ(r.status, 1) << r;
    EXPECT_TRUE(contains(r.err, "console-socket")) << r;
    EXPECT_TRUE(no_leaks(b, id));
}

}  // namespace
}  // namespace moat::test
