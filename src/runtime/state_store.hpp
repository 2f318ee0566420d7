// The state directory: <root>/<id>/ holds state.json (moat's record of the
// container), exec.fifo while the container waits for `start`, and config.json
// (the hardened config, for exec). Claiming an id is mkdir, which is atomic, so
// of two concurrent creates of one id exactly one wins; records are written to
// a temporary file and renamed into place, so a reader never sees half a file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "moat/error.hpp"
#include "moat/spec.hpp"

namespace moat::runtime {

struct Record {
    std::string id;
    std::string bundle;
    std::string rootfs;
    pid_t pid = 0;
    uint64_t start_time = 0;  // of pid, to tell it from a reused pid
    std::string cgroup_path;
    std::string created;      // RFC 3339
    std::string config_sha256;
    std::map<std::string, std::string> annotations;
    bool systemd_cgroup = false;
    bool has_terminal = false;
    bool has_poststart = false;  // start need not read the config when false
    int64_t timeout_ms = 0;     // wall-clock limit from the policy; 0: none
    std::string receipts_dir;   // where the receipt is filed at delete
    std::string audit_log;      // JSON-lines log to append it to; empty: none
};

class StateStore {
public:
    explicit StateStore(std::string root) : root_(std::move(root)) {}

    const std::string& root() const { return root_; }
    std::string dir(const std::string& id) const { return root_ + "/" + id; }
    std::string fifo(const std::string& id) const { return dir(id) + "/exec.fifo"; }
    std::string receipt(const std::string& id) const { return dir(id) + "/receipt.json"; }
    // Markers written outside the record: when start released the init, and
    // that the watchdog killed the container.
    std::string started_marker(const std::string& id) const { return dir(id) + "/started"; }
    std::string timeout_marker(const std::string& id) const { return dir(id) + "/timedout"; }
    // The container's network namespace, pinned while an egress allowlist
    // filters it, so its drop counters can be read after the process is gone.
    std::string netns(const std::string& id) const { return dir(id) + "/netns"; }
    // The cgroup a create is making, written before the cgroup exists and
    // removed once state.json is saved: if the create is killed in between,
    // delete --force finds the cgroup (and the init waiting in it) here.
    std::string creating_cgroup(const std::string& id) const { return dir(id) + "/cgroup.creating"; }

    // mkdir <root>/<id>; EEXIST becomes "container <id> already exists".
    Status claim(const std::string& id);
    Status save(const Record& r);
    Result<Record> load(const std::string& id) const;  // unknown id: clear error
    Status save_config(const std::string& id, const std::string& json);
    Result<std::string> load_config(const std::string& id) const;
    Status remove(const std::string& id);  // unpins netns(id) first
    Result<std::vector<std::string>> ids() const;

private:
    std::string root_;
};

// Atomically replace `path` with `data` (temp file + rename).
Status write_atomic(const std::string& path, std::string_view data, mode_t mode = 0600);

}  // namespace moat::runtime
