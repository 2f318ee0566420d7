#include <cerrno>

#include "cli/command.hpp"

namespace moat::cli {

namespace {

Result<uint32_t> parse_gid(const std::string& s) {
    try {
        size_t used = 0;
        unsigned long v = std::stoul(s, &used);
        if (used == s.size() && v <= 0xffffffffu) return static_cast<uint32_t>(v);
    } catch (...) {
    }
    return fail("--additional-gids: not a group id: " + s, EINVAL);
}

}  // namespace

extern const Command kExec{
    "exec", "run a process inside a running container", "[options] ID [COMMAND [ARG…]]",
    {
        {"process", 'p', true, "process.json to run instead of COMMAND", "FILE"},
        {"tty", 't', false, "allocate a pty (needs --console-socket)"},
        {"console-socket", 0, true, "unix socket that receives the pty master", "PATH"},
        {"detach", 'd', false, "return once the process is running"},
        {"pid-file", 0, true, "write the process's pid to this file", "PATH"},
        {"cwd", 0, true, "working directory inside the container", "DIR"},
        {"env", 'e', true, "set an environment variable (repeatable)", "KEY=VALUE", true},
        {"user", 'u', true, "uid[:gid] or name[:group] from the container's /etc/passwd", "USER"},
        {"additional-gids", 'g', true, "an additional group id (repeatable)", "GID", true},
        {"cap", 'c', true, "ask for a capability (the policy decides; repeatable)", "CAP", true},
        {"no-new-privs", 0, false, "set no_new_privs"},
        {"preserve-fds", 0, true, "pass this many extra fds (3, 4, …)", "N"},
        {"apparmor", 0, true, "accepted for runc compatibility; moat has no AppArmor support", "PROFILE"},
        {"process-label", 0, true, "accepted for runc compatibility; moat has no SELinux support", "LABEL"},
    },
    true,
    [](const runtime::Global& g, const Parsed& p) -> Result<int> {
        if (p.positional.empty()) return fail("expected a container ID", EINVAL);
        runtime::ExecOptions o;
        o.id = p.positional[0];
        o.args.assign(p.positional.begin() + 1, p.positional.end());
        o.process_file = p.get("process");
        o.tty = p.has("tty");
        o.console_socket = p.get("console-socket");
        o.detach = p.has("detach");
        o.pid_file = p.get("pid-file");
        o.cwd = p.get("cwd");
        o.env = p.all("env");
        o.user = p.get("user");
        for (auto& gid : p.all("additional-gids")) o.additional_gids.push_back(MOAT_TRY(parse_gid(gid)));
        o.caps = p.all("cap");
        o.no_new_privs = p.has("no-new-privs");
        if (p.has("preserve-fds")) o.preserve_fds = static_cast<int>(MOAT_TRY(parse_gid(p.get("preserve-fds"))));
        if (!o.process_file.empty() && !o.args.empty())
            return fail("give either --process or a command, not both", EINVAL);
        return runtime::exec(g, o);
    }};

}  // namespace moat::cli
