// Load: 500 containers through create, start, wait (state until stopped)
// and delete, 8 at a time, twice. Before and after, the host is compared:
// mounts, cgroup directories, processes, this process's fds, the state
// directory; and every container's receipt must be filed and well formed.
// MOAT_LOAD_CONTAINERS overrides the 500 (the sanitizer build uses fewer).
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "moat_test.hpp"
#include "spec/json.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace moat::test {
namespace {

std::set<std::string> lines_of(const std::string& path) {
    std::set<std::string> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        // mountinfo: drop the mount and parent ids (fields 1, 2), which a
        // remount elsewhere renumbers; keep what is mounted where.
        auto cut = line.find(' ', line.find(' ') + 1);
        out.insert(cut == std::string::npos ? line : line.substr(cut + 1));
    }
    return out;
}

std::set<std::string> cgroup_dirs() {
    std::set<std::string> out;
    std::error_code ec;
    auto opts = fs::directory_options::skip_permission_denied;
    fs::recursive_directory_iterator it("/sys/fs/cgroup", opts, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        std::error_code e;
        if (!it->is_directory(e) || it->is_symlink(e)) {
            it.disable_recursion_pending();
            continue;
        }
        if (it.depth() >= 6) it.disable_recursion_pending();
        out.insert(it->path().string());
    }
    return out;
}

size_t count_entries(const std::string& dir) {
    std::error_code ec;
    size_t n = 0;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) ++n;
    return n;
}

// Allocated file handles on the whole host (/proc/sys/fs/file-nr, first field).
long host_files() {
    long n = -1;
    std::ifstream("/proc/sys/fs/file-nr") >> n;
    return n;
}

// User-space processes as "PID COMMAND LINE": kernel threads (kthreadd,
// pid 2, and its children) come and go with the kernel's work queues.
std::set<std::string> user_processes() {
    std::set<std::string> out;
    for (auto& p : list_processes())
        if (p.pid != "2" && p.ppid != "2") out.insert(p.pid + " " + p.cmdline);
    return out;
}

struct Snapshot {
    std::set<std::string> mounts;
    std::set<std::string> cgroups;
    std::set<std::string> processes;
    size_t own_fds = 0;
    long host_files = 0;
};

Snapshot snapshot() {
    Snapshot s;
    s.mounts = lines_of("/proc/self/mountinfo");
    s.cgroups = cgroup_dirs();
    s.processes = user_processes();
    s.own_fds = count_entries("/proc/self/fd");
    s.host_files = host_files();
    return s;
}

template <class T>
std::vector<T> added(const std::set<T>& before, const std::set<T>& after) {
    std::vector<T> out;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(out));
    return out;
}

class Load : public MoatTest {
protected:
    // One container's whole life; "" when all went as expected.
    std::string lifecycle(const Bundle& b, const std::string& policy, const std::string& id) {
        auto cmd = [&](std::vector<std::string> args) {
            args.insert(args.begin(), {"--policy", policy});
            return moat(std::move(args));
        };
        auto c = cmd({"create", "--bundle", b.path(), id});
        if (c.status != 0) return "create: " + ::testing::PrintToString(c);
        auto s = cmd({"start", id});
        if (s.status != 0) return "start: " + ::testing::PrintToString(s);
        auto deadline = std::chrono::steady_clock::now() + 30s;
        for (;;) {
            auto st = cmd({"state", id});
            if (st.status != 0) return "state: " + ::testing::PrintToString(st);
            if (contains(st.out, "\"status\": \"stopped\"") || contains(st.out, "\"status\":\"stopped\"")) break;
            if (std::chrono::steady_clock::now() > deadline) return "never stopped: " + st.out;
            std::this_thread::sleep_for(5ms);
        }
        auto d = cmd({"delete", id});
        if (d.status != 0) return "delete: " + ::testing::PrintToString(d);
        return {};
    }

    // The receipt filed at delete: present, JSON, with the expected fields.
    std::string check_receipt(const std::string& dir, const Bundle& b, const std::string& id) {
        std::string path = dir + "/" + id + ".json";
        if (!fs::exists(path)) return "no receipt " + path;
        auto text = slurp(path);
        auto doc = json::Document::parse(text, path);
        if (!doc) return doc.error().message;
        auto root = doc->root();
        auto str = [&](const char* key) -> std::string {
            auto v = root.get(key);
            if (!v || !v->string()) return "<missing>";
            return *v->string();
        };
        if (str("id") != id) return path + ": id is " + str("id");
        if (fs::path(str("bundle")) != fs::canonical(b.path())) return path + ": bundle is " + str("bundle");
        if (str("configSha256").size() != 64) return path + ": configSha256 is " + str("configSha256");
        if (str("status") != "stopped") return path + ": status is " + str("status");
        for (const char* key : {"created", "started", "ended", "landlock"})
            if (str(key) == "<missing>" || str(key).empty()) return path + ": no " + key;
        auto args = root.get("args");
        auto list = args ? args->strings() : Result<std::vector<std::string>>{};
        if (!list || *list != std::vector<std::string>{"true"}) return path + ": args are not [\"true\"]: " + text;
        auto policy = root.get("policy");
        if (!policy || !policy->get("mode")) return path + ": no policy.mode: " + text;
        return {};
    }
};

TEST_F(Load, FiveHundredContainersEightAtATimeTwiceLeaveTheHostAsItWas) {
    int count = 500;
    if (const char* n = getenv("MOAT_LOAD_CONTAINERS"); n && std::atoi(n) > 0) count = std::atoi(n);
    constexpr int kParallel = 8;
    TempDir dir("moat-load");
    const std::string receipts = dir / "receipts";
    const std::string policy = dir / "policy.json";
    std::ofstream(policy) << "{\"name\": \"load\", \"receipts\": \"" << receipts << "\"}\n";
    Bundle b;
    b.spec().process.args = {"true"};
    b.write();
    const std::string prefix = "mt-" + std::to_string(getpid()) + "-";

    auto before = snapshot();
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::string> failures, ids;
    std::mutex mu;
    for (int round = 0; round < 2; ++round) {
        std::atomic<int> next{0};
        std::vector<std::thread> workers;
        for (int w = 0; w < kParallel; ++w)
            workers.emplace_back([&] {
                while (next++ < count) {
                    auto id = unique_id();
                    auto err = lifecycle(b, policy, id);
                    if (!err.empty()) (void)moat({"delete", "--force", id});
                    std::lock_guard lock(mu);
                    ids.push_back(id);
                    if (!err.empty()) failures.push_back(id + ": " + err);
                }
            });
        for (auto& t : workers) t.join();
    }
    auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto after = snapshot();

    for (auto& f : failures) ADD_FAILURE() << f;
    int leaks = 0;
    auto leak = [&](const std::string& what) {
        ++leaks;
        ADD_FAILURE() << what;
    };
    // What this run's containers could have left: anything naming our ids or
    // the bundle. Other changes (other programs on the host) are reported only.
    std::vector<std::string> others;
    for (auto& m : added(before.mounts, after.mounts)) {
        if (contains(m, prefix) || contains(m, b.path()) || contains(m, state_root())) leak("mount left: " + m);
        else others.push_back("mount " + m);
    }
    for (auto& c : added(before.cgroups, after.cgroups)) {
        if (contains(c, prefix)) leak("cgroup left: " + c);
        else others.push_back("cgroup " + c);
    }
    for (auto& p : find_processes({prefix, b.path()})) leak(p);
    for (auto& p : added(before.processes, after.processes)) others.push_back("process " + p);
    if (after.own_fds != before.own_fds)
        leak("this process has " + std::to_string(after.own_fds) + " fds, had " + std::to_string(before.own_fds));
    for (auto& e : fs::directory_iterator(state_root())) leak("state entry left: " + e.path().string());
    int bad_receipts = 0;
    for (auto& id : ids)
        if (auto err = check_receipt(receipts, b, id); !err.empty()) {
            ++bad_receipts;
            if (bad_receipts <= 10) ADD_FAILURE() << err;
        }
    EXPECT_EQ(ids.size(), static_cast<size_t>(2 * count));
    EXPECT_EQ(bad_receipts, 0);

    std::cout << "load: " << ids.size() << " lifecycles (" << count << " x 2, " << kParallel << " at a time) in "
              << took << " s (" << ids.size() / took << " per s); failed " << failures.size() << "; receipts bad "
              << bad_receipts << "; leaks " << leaks << "\n"
              << "load: host before/after: mounts " << before.mounts.size() << "/" << after.mounts.size()
              << ", cgroup dirs " << before.cgroups.size() << "/" << after.cgroups.size() << ", user processes "
              << before.processes.size() << "/" << after.processes.size() << ", test fds " << before.own_fds << "/"
              << after.own_fds << ", host file handles " << before.host_files << "/" << after.host_files << "\n";
    for (auto& o : others) std::cout << "load: changed meanwhile (not ours): " << o << "\n";
    RecordProperty("lifecycles", static_cast<int>(ids.size()));
    RecordProperty("lifecycles_failed", static_cast<int>(failures.size()));
    RecordProperty("seconds", static_cast<int>(took));
    RecordProperty("leaks_found", leaks);
}

}  // namespace
}  // namespace moat::test
