// moat's command line: global flags (runc's), then one command. The command
// files do the parsing of their own flags and call libmoat; this file only
// dispatches and reports errors (stderr, and --log in text or JSON).
#include <seccomp.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "cli/command.hpp"
#include "linux/proc.hpp"
#include "runtime/log.hpp"

using namespace moat;

namespace {

const std::vector<cli::Flag>& global_flags() {
    static const std::vector<cli::Flag> flags = {
        {"root", 0, true, "state directory (default /run/moat)", "DIR"},
        {"log", 0, true, "append messages to this file", "FILE"},
        {"log-format", 0, true, "text or json (one {\"level\",\"msg\",\"time\"} object a line)", "FORMAT"},
        {"systemd-cgroup", 0, false, "read linux.cgroupsPath as slice:prefix:name"},
        {"debug", 0, false, "log what moat does"},
        {"policy", 0, true, "policy file (default /etc/moat/policy.json if present, else the built-in profile)", "FILE"},
        {"rootless", 0, true, "accepted for runc compatibility; ignored", "auto|true|false"},
        {"criu", 0, true, "accepted for runc compatibility; ignored", "PATH"},
        {"version", 'v', false, "print the version"},
        {"help", 'h', false, "print this help"},
    };
    return flags;
}

void print_help() {
    std::printf("moat — an OCI runtime with a hardened default profile for untrusted code\n\n"
                "usage: moat [global options] COMMAND [options] [arguments]\n\ncommands:\n");
    for (auto* c : cli::commands()) std::printf("  %-10s %s\n", c->name, c->summary);
    std::printf("\nglobal options:\n%s\nRun 'moat COMMAND --help' for a command's options.\n",
                cli::flags_help(global_flags()).c_str());
}

void print_version() {
    const scmp_version* v = seccomp_version();
    std::printf("moat version %s\nspec: 1.2.0\nlibseccomp: %u.%u.%u\n", MOAT_VERSION, v->major, v->minor,
                v->micro);
}

}  // namespace

int main(int argc, char** argv) {
    // The runtime binary, run inside a container through /proc/self/exe, does
    // nothing there: it exits before reading an argument (126: cannot execute).
    // Being execute-only (installed 0111), it is also non-dumpable from exec
    // on, so no process in the container can open its /proc/PID/exe.
    if (!linux::executable_is_own_path()) {
        static const char why[] = "refusing to run: this executable is not the file at its path here\n";
        (void)!::write(2, why, sizeof why - 1);
        return 126;
    }
    std::vector<std::string> args(argv + 1, argv + argc);
    // Global flags end at the first word that is not a flag: the command.
    size_t i = 0;
    std::vector<std::string> global_args;
    while (i < args.size() && args[i].size() > 1 && args[i][0] == '-') {
        global_args.push_back(args[i]);
        bool valued = false;
        for (auto& f : global_flags()) {
            std::string a = args[i];
            if (a == "--" + f.name || a == "-" + f.name || (f.short_name && a == std::string("-") + f.short_name))
                valued = f.takes_value;
        }
        if (valued && i + 1 < args.size()) global_args.push_back(args[++i]);
        ++i;
    }
    auto globals = cli::parse_args(global_flags(), global_args, false, "moat");
    std::unique_ptr<runtime::Logger> log;
    auto report = [&](const Error& e) {
        if (!log) log = std::make_unique<runtime::Logger>();
        log->error(e.message);
        return 1;
    };
    if (!globals) return report(globals.error());
    const std::string format = globals->get("log-format", "text");
    if (format != "text" && format != "json") return report(Error{EINVAL, "--log-format: expected text or json"});
    log = std::make_unique<runtime::Logger>(globals->get("log"), format == "json", globals->has("debug"));

    if (globals->has("version")) {
        print_version();
        return 0;
    }
    if (i >= args.size() || globals->has("help")) {
        print_help();
        return i >= args.size() && !globals->has("help") ? 1 : 0;
    }
    runtime::Global g;
    g.root = globals->get("root", "/run/moat");
    g.systemd_cgroup = globals->has("systemd-cgroup");
    g.debug = globals->has("debug");
    if (globals->has("policy")) g.policy_path = globals->get("policy");
    g.log = log.get();

    const std::string name = args[i];
    const cli::Command* cmd = nullptr;
    for (auto* c : cli::commands())
        if (name == c->name) cmd = c;
    if (!cmd) return report(Error{EINVAL, "unknown command \"" + name + "\" (see moat --help)"});

    std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 1, args.end());
    for (auto& a : rest) {
        if (a == "--") break;
        if (a == "--help" || a == "-h") {
            std::printf("usage: moat %s %s\n\n%s\n\noptions:\n%s", cmd->name, cmd->usage, cmd->summary,
                        cli::flags_help(cmd->flags).c_str());
            return 0;
        }
        if (cmd->stop_at_positional && !a.empty() && a[0] != '-') break;
    }
    auto parsed = cli::parse_args(cmd->flags, rest, cmd->stop_at_positional, cmd->name);
    if (!parsed) return report(parsed.error());
    auto result = cmd->fn(g, *parsed);
    if (!result) return report(std::move(result.error()).wrap(cmd->name));
    return *result;
}
