// process.terminal: a pty made inside the container (from its devpts), whose
// master goes to the engine over --console-socket and whose slave becomes the
// process's controlling terminal and stdio.
#pragma once

#include <optional>

#include "linux/fd.hpp"
#include "moat/spec.hpp"

namespace moat::linux {

// In the child, after entering the rootfs: open /dev/ptmx, size the window,
// send the master over `console_socket`, bind the slave over /dev/console,
// and make the slave the controlling terminal and fds 0-2.
Status setup_terminal(int console_socket, const std::optional<spec::ConsoleSize>& size);

}  // namespace moat::linux
