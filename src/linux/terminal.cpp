#include "linux/terminal.hpp"

#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>

#include <cstdlib>

#include "linux/path.hpp"
#include "linux/unix_socket.hpp"

namespace moat::linux {

Status setup_terminal(int console_socket, const std::optional<spec::ConsoleSize>& size) {
    auto master = MOAT_TRY(open_fd("/dev/ptmx", O_RDWR | O_NOCTTY));
    if (::unlockpt(master.get()) < 0) return sys_fail("unlockpt");
    // TIOCGPTPEER opens the slave through the master, with no path lookup a
    // container could redirect.
    UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) return sys_fail("open pty slave");
    if (size && size->height && size->width) {
        struct winsize ws {};
        ws.ws_row = static_cast<unsigned short>(size->height);
        ws.ws_col = static_cast<unsigned short>(size->width);
        if (::ioctl(slave.get(), TIOCSWINSZ, &ws) < 0) return sys_fail("process.consoleSize");
    }
    if (console_socket >= 0) MOAT_CHECK_CTX(send_fd(console_socket, master.get(), "/dev/ptmx"),
                                            "send pty master to the console socket");
    // /dev/console must be the pty, never what the image put there.
    // An image's /dev/console that is a symlink (to a procfs file, say) is
    // refused, never followed: the bind would land wherever it points.
    auto root = MOAT_TRY(open_fd("/", O_DIRECTORY | O_PATH));
    auto existing = open_in_root(root.get(), "/dev/console", O_PATH, /*follow_last=*/false);
    if (existing) {
        struct stat st {};
        if (::fstat(existing->get(), &st) < 0) return sys_fail("stat /dev/console");
        if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
            return fail("/dev/console in the container is not a regular file or device (a symlink?): refused",
                        ELOOP);
    } else if (existing.error().code != ENOENT) {
        return std::unexpected(std::move(existing.error()).wrap("/dev/console"));
    }
    auto console = ensure_in_root(root.get(), "/dev/console", true);
    if (console) {
        if (::mount(fd_path(slave.get()).c_str(), fd_path(console->get()).c_str(), nullptr, MS_BIND, nullptr) < 0)
            return sys_fail("bind the pty over /dev/console");
    } else if (console.error().code != EROFS) {  // a read-only image /dev: no console node, as before
        return std::unexpected(std::move(console.error()).wrap("/dev/console"));
    }
    if (::setsid() < 0) return sys_fail("setsid");
    if (::ioctl(slave.get(), TIOCSCTTY, 0) < 0) return sys_fail("set controlling terminal");
    for (int fd = 0; fd < 3; ++fd)
        if (::dup3(slave.get(), fd, 0) < 0) return sys_fail("dup pty to stdio");
    return {};
}

}  // namespace moat::linux
