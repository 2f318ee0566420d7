// The container lifecycle, as the CLI (and engines through it) drive it.
// Each function is one runc-compatible operation; the CLI files are thin
// wrappers that parse flags into these option structs.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "moat/error.hpp"
#include "moat/spec.hpp"

namespace moat::policy {
struct Policy;
}

namespace moat::runtime {

class Logger;

// Options every command shares (runc's global flags).
struct Global {
    std::string root = "/run/moat";
    bool systemd_cgroup = false;
    bool debug = false;
    std::optional<std::string> policy_path;  // --policy; else /etc/moat/policy.json if present
    Logger* log = nullptr;
};

struct CreateOptions {
    std::string id;
    // Instead of the active policy (moat sandbox passes its derived one).
    const policy::Policy* policy = nullptr;
    std::string bundle = ".";
    std::string console_socket;
    std::string pid_file;
    bool no_pivot = false;
    bool no_new_keyring = false;
    int preserve_fds = 0;
};

Status create(const Global& g, const CreateOptions& o);
Status start(const Global& g, const std::string& id);
// create + start + wait; returns the container's exit status (128+signal
// when killed). With detach, returns 0 once the container is running.
Result<int> run(const Global& g, const CreateOptions& o, bool detach);

struct ExecOptions {
    std::string id;
    std::string process_file;           // --process: a process.json (as containerd writes it)
    std::vector<std::string> args;      // otherwise: the command and its arguments
    bool tty = false;
    bool detach = false;
    std::string console_socket, pid_file, cwd;
    std::vector<std::string> env;       // KEY=VALUE, overriding the container's
    std::string user;                   // uid[:gid] or name[:group]
    std::vector<uint32_t> additional_gids;
    std::vector<std::string> caps;      // asked for; the policy decides
    bool no_new_privs = false;
    int preserve_fds = 0;
};

// Run a process inside a running container: its namespaces, cgroup,
// rlimits, seccomp filters and Landlock rules; never a capability the
// container was denied. Returns the process's exit status (0 with detach).
Result<int> exec(const Global& g, const ExecOptions& o);

Result<spec::State> state(const Global& g, const std::string& id);
Result<std::vector<spec::State>> list(const Global& g);
Status kill(const Global& g, const std::string& id, int signal, bool all);
Status remove(const Global& g, const std::string& id, bool force);

// Signal names and numbers as runc accepts them: "KILL", "SIGKILL", "9".
Result<int> parse_signal(const std::string& text);

// A container id is a safe file name: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 1024 bytes.
Status validate_id(const std::string& id);

}  // namespace moat::runtime

// ---- resource control: update, pause/resume, ps, events (src/runtime/update.cpp,
// pause.cpp, ps.cpp, events.cpp) ----
namespace moat::runtime {

// Every field set in `changes` replaces the same field of `base`; unset ones
// keep base's value. What `update` records in the saved config.
spec::Resources merge_resources(spec::Resources base, const spec::Resources& changes);

// Write `changes` to the cgroup of a created, running or paused container and
// record the merged result in its saved config, so later reads agree.
// linux.resources.devices is ignored, as runc ignores it: engines send the
// whole resources object, and update never loosens the device policy.
Status update(const Global& g, const std::string& id, const spec::Resources& changes);

// What `update` was asked to change: `resources_file` ("-" for stdin, empty for
// none) is a linux.resources JSON object; `flags` are runc's flag forms, by
// name without dashes ("memory" -> "512m", "cpu-quota" -> "20000"), applied on
// top. Errors name the flag: "--memory: \"-1\" is not a size".
struct UpdateRequest {
    std::string resources_file;
    std::vector<std::pair<std::string, std::string>> flags;
};
Result<spec::Resources> update_changes(const UpdateRequest& request);
// The names update_changes() accepts, for the CLI's flag table.
const std::vector<std::string>& update_flag_names();
// "512m", "1g", "1.5GiB", "4096" -> bytes (binary units, as runc and docker).
Result<int64_t> parse_memory_size(std::string_view text);

// Freeze / thaw every process of a running (resp. paused) container.
Status pause(const Global& g, const std::string& id);
Status resume(const Global& g, const std::string& id);

// The pids in the container's cgroup, sorted (`ps --format json`).
Result<std::vector<pid_t>> processes(const Global& g, const std::string& id);
// `ps --format table`: run ps with `ps_args` (default -ef) on the host and keep
// the header and the lines whose PID column is one of the container's.
Result<std::string> ps_table(const Global& g, const std::string& id, const std::vector<std::string>& ps_args);

// runc's {"type":"stats","id":…,"data":{cpu,memory,pids,blkio,hugetlb}} for
// the container, one line of JSON.
Result<std::string> stats_event(const Global& g, const std::string& id);

struct EventsOptions {
    long interval_ms = 5000;  // between stats events
};
// Stream events until the container stops: a stats event every interval, and
// {"type":"oom","id":…} whenever the cgroup's OOM kill count rises. `emit`
// gets one JSON line per event; returning false from it stops the stream.
Status events(const Global& g, const std::string& id, const EventsOptions& o,
              const std::function<bool(const std::string&)>& emit);

}  // namespace moat::runtime
