// moat sandbox: one hardened run of a host command, no bundle needed. It
// synthesizes an OCI bundle (the host's system directories bound read-only,
// or a given rootfs), expresses its limits as run.moat.* annotations so the
// policy decides what is allowed, and runs it on the same path as `moat run`.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "moat/error.hpp"
#include "moat/runtime.hpp"

namespace moat::sandbox {

struct Input {
    std::string source;       // host path
    std::string destination;  // inside the sandbox
};

struct Options {
    std::vector<std::string> args;
    std::optional<std::string> rootfs;  // default: the host's /usr, /bin, /lib*, a minimal /etc
    std::vector<Input> inputs;           // read-only
    std::optional<std::string> output;   // host dir the sandbox's /output is copied to afterwards
    std::string timeout = "30s";
    std::optional<std::string> memory, pids, cpus, tmp_size;
    std::string network = "loopback";    // none | loopback
    std::vector<std::string> env;
    std::string cwd = "/";
    bool pass_stdin = false;
    uint64_t output_limit = 1 << 20;     // bytes of stdout and of stderr kept
    bool json = false;
};

struct Outcome {
    std::string id;
    int exit_code = 0;             // what `moat sandbox` exits with
    std::optional<int> signal;
    bool timed_out = false;
    bool oom_killed = false;
    std::string reason;            // plain-language, when the sandbox stopped the command
    int64_t duration_ms = 0;
    uint64_t peak_memory = 0, cpu_user_ns = 0, cpu_system_ns = 0;
    std::string out, err;
    bool out_truncated = false, err_truncated = false;
    std::vector<std::string> output_files;
    std::string adjustments_json = "[]";
};

// Without --json, stdout/stderr are relayed live (up to the limit).
Result<Outcome> run(const runtime::Global& g, const Options& o);

std::string to_json(const Outcome& outcome);

}  // namespace moat::sandbox
