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

Result<spec::State> state(const Global& g, const std::string& id);
Result<std::vector<spec::State>> list(const Global& g);
Status kill(const Global& g, const std::string& id, int signal, bool all);
Status remove(const Global& g, const std::string& id, bool force);

// Signal names and numbers as runc accepts them: "KILL", "SIGKILL", "9".
Result<int> parse_signal(const std::string& text);

// A container id is a safe file name: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 1024 bytes.
Status validate_id(const std::string& id);

}  // namespace moat::runtime
