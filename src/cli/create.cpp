#include "cli/command.hpp"

namespace moat::cli {

std::vector<Flag> create_flags() {
    return {
        {"bundle", 'b', true, "path to the OCI bundle (default: current directory)", "DIR"},
        {"console-socket", 0, true, "unix socket that receives the pty master when process.terminal is set", "PATH"},
        {"pid-file", 0, true, "write the container's init pid to this file", "PATH"},
        {"no-pivot", 0, false, "use MS_MOVE + chroot instead of pivot_root (ramdisk roots)"},
        {"no-new-keyring", 0, false, "keep the caller's session keyring"},
        {"preserve-fds", 0, true, "pass this many extra fds (3, 4, …) to the container", "N"},
    };
}

Result<runtime::CreateOptions> create_options(const Parsed& p) {
    runtime::CreateOptions o;
    MOAT_CHECK(expect_args(p, 1, "a container ID"));
    o.id = p.positional[0];
    o.bundle = p.get("bundle", ".");
    o.console_socket = p.get("console-socket");
    o.pid_file = p.get("pid-file");
    o.no_pivot = p.has("no-pivot");
    o.no_new_keyring = p.has("no-new-keyring");
    if (p.has("preserve-fds")) {
        try {
            o.preserve_fds = std::stoi(p.get("preserve-fds"));
        } catch (...) {
            o.preserve_fds = -1;
        }
        if (o.preserve_fds < 0) return fail("--preserve-fds: expected a non-negative number", EINVAL);
    }
    return o;
}

extern const Command kCreate{
    "create", "create a container whose init waits for `start`", "[options] ID", create_flags(), false,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        auto o = MOAT_TRY(create_options(p));
        MOAT_CHECK(runtime::create(g, o));
        return 0;
    }};

}  // namespace moat::cli
