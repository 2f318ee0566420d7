// The Manager: one container's cgroup through its life — directories,
// limits, membership, freezing, signalling, removal — on v1, v2 and hybrid
// hosts alike. Per-controller work goes through Cgroup::find(), so this file
// does not care which version serves what.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "cgroups/internal.hpp"

namespace moat::cgroups {

namespace {

using namespace detail;
using namespace std::chrono_literals;

Status mkdir_p(const std::string& mount, const std::string& inner) {
    std::string dir = mount;
    for (auto& part : split(inner, '/')) {
        if (part.empty()) continue;
        dir = join_path(dir, part);
        if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return sys_fail("create cgroup " + dir);
    }
    return {};
}

// The child cgroups of a cgroup directory.
std::vector<std::string> subdirs(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (auto* e = ::readdir(d))
            if (e->d_type == DT_DIR && std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..")
                out.push_back(join_path(dir, e->d_name));
        ::closedir(d);
    }
    return out;
}

// rmdir on cgroupfs fails with EBUSY while child cgroups exist (a container
// with its own cgroup namespace may have made some) or processes remain
// (those just killed need a moment to go). Children are looked for only then:
// usually the first rmdir succeeds.
Status remove_tree(const std::string& dir) {
    for (int attempt = 0;; ++attempt) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
        int e = errno;  // EBUSY on cgroupfs, ENOTEMPTY on a plain directory tree
        if ((e != EBUSY && e != ENOTEMPTY) || attempt >= 50) return sys_fail("remove cgroup " + dir, e);
        auto children = subdirs(dir);
        for (auto& child : children) MOAT_CHECK(remove_tree(child));
        if (!children.empty()) continue;
        if (e == ENOTEMPTY) return sys_fail("remove cgroup " + dir, e);
        std::this_thread::sleep_for(attempt < 10 ? 2ms : 20ms);
    }
}

// cgroup.procs of the cgroup and every cgroup below it.
void collect_pids(const std::string& dir, std::vector<pid_t>& out) {
    if (auto pids = read_pids(join_path(dir, "cgroup.procs"))) out.insert(out.end(), pids->begin(), pids->end());
    for (auto& child : subdirs(dir)) collect_pids(child, out);
}

class CgroupManager final : public Manager {
public:
    CgroupManager(Host host, std::map<std::string, std::string> inner)
        : host_(std::move(host)), path_(encode_paths(inner)), cg_(make_cgroup(host_, inner)) {}

    Status create() override {
        // On failure, remove the container directories this call made, so a
        // failed create leaves nothing behind (shared parents stay).
        std::vector<std::string> made;
        auto undo = [&](Status failed) {
            for (auto& dir : made) (void)remove_tree(dir);
            return failed;
        };
        for (auto& p : cg_.places) {
            bool existed = exists(p.dir);
            auto r = mkdir_p(p.hierarchy.mount, p.inner);
            // A concurrent delete may have just removed the shared /moat parent.
            for (int i = 0; !r && r.error().code == ENOENT && i < 3; ++i) r = mkdir_p(p.hierarchy.mount, p.inner);
            if (!existed && exists(p.dir)) made.push_back(p.dir);
            if (!r) return undo(r);
            auto& c = p.hierarchy.controllers;
            if (!p.hierarchy.v2 && std::find(c.begin(), c.end(), "cpuset") != c.end())
                if (auto r2 = v1::cpuset_inherit(p.hierarchy.mount, p.inner); !r2)
                    return undo(context(r2, "create cgroup " + p.dir));
            if (p.hierarchy.v2) v2::enable_controllers(p.hierarchy.mount, p.inner);
        }
        return {};
    }

    Status apply(const spec::Resources& resources) override { return apply_resources(cg_, resources); }

    Status add_process(pid_t pid) override {
        for (auto& p : cg_.places)
            MOAT_CHECK_CTX(write_file(join_path(p.dir, "cgroup.procs"), std::to_string(pid)),
                           "add process " + std::to_string(pid) + " to cgroup");
        return {};
    }

    Status freeze() override { return set_frozen(cg_, true); }
    Status thaw() override { return set_frozen(cg_, false); }

    Result<bool> frozen() override { return is_frozen(cg_); }

    Result<std::vector<pid_t>> processes() override {
        std::vector<pid_t> out;
        bool any = false;
        for (auto& p : cg_.places) {
            if (!exists(p.dir)) continue;
            any = true;
            collect_pids(p.dir, out);
        }
        if (!any) return fail("processes: cgroup " + path_ + " does not exist", ENOENT);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

    Result<Stats> stats() override { return read_stats(cg_); }

    Status kill_all(int signal) override {
        // A cgroup that is already gone holds nothing to signal.
        if (std::none_of(cg_.places.begin(), cg_.places.end(), [](auto& p) { return exists(p.dir); }))
            return {};
        // cgroup.kill (5.14+) kills the whole v2 subtree atomically.
        if (auto* u = cg_.unified(); signal == SIGKILL && u && exists(join_path(u->dir, "cgroup.kill")))
            MOAT_CHECK_CTX(write_file(join_path(u->dir, "cgroup.kill"), "1"), "kill all");
        // An empty cgroup (the usual case at delete, after the init exited and
        // its pid namespace went with it) needs no freeze: a freeze/thaw pair
        // costs milliseconds on v1.
        if (auto before = processes(); before && before->empty()) return {};
        // Otherwise (and for anything outside the v2 subtree on hybrid hosts):
        // freeze so nothing forks while we signal, then thaw so the signals land.
        bool froze = static_cast<bool>(freeze());
        auto pids = processes();
        Status result;
        if (!pids) {
            result = std::unexpected(std::move(pids.error()).wrap("kill all"));
        } else {
            for (pid_t pid : *pids)
                if (::kill(pid, signal) < 0 && errno != ESRCH) {
                    result = sys_fail("kill all: signal " + std::to_string(signal) + " to " + std::to_string(pid));
                    break;
                }
        }
        if (froze) MOAT_CHECK_CTX(thaw(), "kill all");
        return result;
    }

    Status destroy() override {
        Status result;
        // Deepest hierarchies' order does not matter; every one is tried.
        for (auto& p : cg_.places) {
            auto r = remove_tree(p.dir);
            if (!r && result) result = r;
            // The default parent (/moat) is moat's alone: remove it once empty,
            // so an idle host shows no trace of moat. rmdir fails harmlessly
            // while other containers live there.
            if (r && p.inner.rfind("/moat/", 0) == 0 && p.inner.find('/', 6) == std::string::npos)
                ::rmdir(join_path(p.hierarchy.mount, "moat").c_str());
        }
        return result;
    }

    std::string path() const override { return path_; }

private:
    Host host_;
    std::string path_;
    Cgroup cg_;
};

}  // namespace

Result<std::unique_ptr<Manager>> open(const Host& host, const Placement& placement) {
    auto inner = MOAT_TRY(resolve(host, placement));
    return std::unique_ptr<Manager>(std::make_unique<CgroupManager>(host, std::move(inner)));
}

Result<std::unique_ptr<Manager>> reopen(const Host& host, const std::string& path) {
    auto inner = MOAT_TRY(decode_paths(host, path));
    return std::unique_ptr<Manager>(std::make_unique<CgroupManager>(host, std::move(inner)));
}

}  // namespace moat::cgroups
