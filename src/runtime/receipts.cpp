#include "runtime/receipts.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "linux/fd.hpp"
#include "linux/netfilter.hpp"
#include "runtime/log.hpp"

namespace moat::runtime {

std::optional<cgroups::Usage> finish_receipt(const StateStore& store, const Record& r,
                                             cgroups::Manager* cgroup, std::optional<int> wait_status,
                                             std::string* warning) {
    auto text = linux::read_file(store.receipt(r.id));
    if (!text) return std::nullopt;  // created before receipts existed, or already filed
    auto rec = receipt::parse(*text);
    if (!rec) {
        if (warning) *warning = "receipt of " + r.id + ": " + rec.error().message;
        return std::nullopt;
    }
    if (auto started = linux::read_file(store.started_marker(r.id))) rec->started = *started;
    rec->ended = now_rfc3339();
    rec->status = "stopped";
    struct stat st {};
    rec->timed_out = ::stat(store.timeout_marker(r.id).c_str(), &st) == 0;
    if (wait_status) {
        if (WIFEXITED(*wait_status)) rec->exit_code = WEXITSTATUS(*wait_status);
        if (WIFSIGNALED(*wait_status)) {
            rec->signal = WTERMSIG(*wait_status);
            rec->exit_code = 128 + WTERMSIG(*wait_status);
        }
    }
    if (cgroup)
        if (auto stats = cgroup->stats()) rec->usage = cgroups::usage_from(*stats);
    if (!rec->egress_allowlist.empty()) {
        if (auto drops = linux::read_drop_counters(store.netns(r.id))) {
            rec->egress_dropped = receipt::EgressDrops{drops->ipv4_packets, drops->ipv4_bytes,
                                                       drops->ipv6_packets, drops->ipv6_bytes};
        } else {
            rec->egress_note = "drop counters unavailable: " + drops.error().message;
        }
    }
    std::string json = receipt::to_json(*rec);
    bool filed = false;
    if (!r.receipts_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(r.receipts_dir, ec);
        auto w = write_atomic(r.receipts_dir + "/" + r.id + ".json", json, 0640);
        if (!w && warning) *warning = "file receipt: " + w.error().message;
        filed = w.has_value();
    }
    if (!r.audit_log.empty()) {
        auto a = receipt::append_audit_log(r.audit_log, *rec);
        if (!a && warning) *warning = a.error().message;
    }
    // Filed once: a later delete of the same container finds nothing to file.
    // Not filed (no receipts directory, or it failed): the final receipt stays
    // with the container's state, where `moat receipt` and a later delete find it.
    if (filed) ::unlink(store.receipt(r.id).c_str());
    else (void)linux::write_file(store.receipt(r.id), json, O_WRONLY | O_TRUNC);
    return rec->usage;
}

Result<std::string> find_receipt(const StateStore& store, const std::string& receipts_dir,
                                 const std::string& id) {
    if (auto live = linux::read_file(store.receipt(id))) return live;
    auto filed = linux::read_file(receipts_dir + "/" + id + ".json");
    if (!filed) return fail("no receipt for container \"" + id + "\" (looked in " + store.dir(id) +
                                " and " + receipts_dir + ")",
                            ENOENT);
    return filed;
}

}  // namespace moat::runtime
