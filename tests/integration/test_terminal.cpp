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
