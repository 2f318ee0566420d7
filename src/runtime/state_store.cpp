#include "runtime/state_store.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <filesystem>

#include "linux/fd.hpp"
#include "linux/namespaces.hpp"
#include "spec/json.hpp"

namespace moat::runtime {

namespace {

Status mkdir_p(const std::string& path) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return fail("create state root " + path + ": " + ec.message(), ec.value());
    return {};
}

std::string to_json(const Record& r) {
    json::Writer w(true);
    w.begin_object();
    w.field("id", r.id).field("bundle", r.bundle).field("rootfs", r.rootfs);
    w.field("pid", static_cast<int64_t>(r.pid)).field("startTime", r.start_time);
    w.field("cgroupPath", r.cgroup_path).field("systemdCgroup", r.systemd_cgroup);
    w.field("created", r.created).field("configSha256", r.config_sha256);
    w.field("terminal", r.has_terminal).field("poststart", r.has_poststart).field("timeoutMs", r.timeout_ms);
    w.field("receiptsDir", r.receipts_dir).field("auditLog", r.audit_log);
    w.key("annotations").begin_object();
    for (auto& [k, v] : r.annotations) w.field(k, v);
    w.end_object();
    w.end_object();
    return w.str();
}

Result<Record> from_json(const std::string& text, const std::string& what) {
    auto doc = MOAT_TRY(json::Document::parse(text, what));
    auto root = doc.root();
    Record r;
    auto str = [&](const char* key, std::string& out) -> Status {
        if (auto v = root.get(key)) out = MOAT_TRY(v->string());
        return {};
    };
    MOAT_CHECK(str("id", r.id));
    MOAT_CHECK(str("bundle", r.bundle));
    MOAT_CHECK(str("rootfs", r.rootfs));
    MOAT_CHECK(str("cgroupPath", r.cgroup_path));
    MOAT_CHECK(str("created", r.created));
    MOAT_CHECK(str("configSha256", r.config_sha256));
    MOAT_CHECK(str("receiptsDir", r.receipts_dir));
    MOAT_CHECK(str("auditLog", r.audit_log));
    if (auto v = root.get("timeoutMs")) r.timeout_ms = MOAT_TRY(v->int64());
    if (auto v = root.get("pid")) r.pid = static_cast<pid_t>(MOAT_TRY(v->int64()));
    if (auto v = root.get("startTime")) r.start_time = MOAT_TRY(v->uint64());
    if (auto v = root.get("systemdCgroup")) r.systemd_cgroup = MOAT_TRY(v->boolean());
    if (auto v = root.get("terminal")) r.has_terminal = MOAT_TRY(v->boolean());
    if (auto v = root.get("poststart")) r.has_poststart = MOAT_TRY(v->boolean());
    if (auto v = root.get("annotations"))
        for (auto& [k, val] : MOAT_TRY(v->members())) r.annotations[k] = MOAT_TRY(val.string());
    return r;
}

}  // namespace

Status write_atomic(const std::string& path, std::string_view data, mode_t mode) {
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    {
        auto fd = MOAT_TRY(linux::open_fd(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode));
        MOAT_CHECK_CTX(linux::write_all(fd.get(), data), "write " + tmp);
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return sys_fail("rename " + tmp + " to " + path, err);
    }
    return {};
}

Status StateStore::claim(const std::string& id) {
    MOAT_CHECK(mkdir_p(root_));
    if (::mkdir(dir(id).c_str(), 0711) < 0) {
        if (errno == EEXIST) return fail("container \"" + id + "\" already exists", EEXIST);
        return sys_fail("create state directory " + dir(id));
    }
    return {};
}

Status StateStore::save(const Record& r) {
    return write_atomic(dir(r.id) + "/state.json", to_json(r));
}

Result<Record> StateStore::load(const std::string& id) const {
    std::string path = dir(id) + "/state.json";
    auto text = linux::read_file(path);
    if (!text) {
        if (text.error().code == ENOENT) {
            struct stat st {};
            if (::stat(dir(id).c_str(), &st) == 0)
                return fail("container \"" + id + "\" is still being created", EBUSY);
            return fail("container \"" + id + "\" does not exist", ENOENT);
        }
        return std::unexpected(std::move(text.error()));
    }
    return from_json(*text, path);
}

Status StateStore::save_config(const std::string& id, const std::string& json) {
    return write_atomic(dir(id) + "/config.json", json);
}

Result<std::string> StateStore::load_config(const std::string& id) const {
    return linux::read_file(dir(id) + "/config.json");
}

Status StateStore::remove(const std::string& id) {
    MOAT_CHECK(linux::unpin_namespace(netns(id)));
    std::error_code ec;
    std::filesystem::remove_all(dir(id), ec);
    // A concurrent delete of the same container may remove it first.
    if (ec && ec != std::errc::no_such_file_or_directory)
        return fail("remove state directory " + dir(id) + ": " + ec.message(), ec.value());
    return {};
}

Result<std::vector<std::string>> StateStore::ids() const {
    std::vector<std::string> out;
    DIR* d = ::opendir(root_.c_str());
    if (!d) {
        if (errno == ENOENT) return out;
        return sys_fail("read state root " + root_);
    }
    while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == ".." || e->d_type != DT_DIR) continue;
        out.push_back(name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace moat::runtime
