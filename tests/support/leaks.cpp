// What a container may leave behind: state, mounts, cgroups.
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <filesystem>
#include <system_error>

#include "linux/fd.hpp"
#include "moat_test.hpp"
#include "mountinfo.hpp"

namespace fs = std::filesystem;

namespace moat::test {

namespace {

// name contains id as a whole word: "moat-mt-12-1.scope" holds mt-12-1, "mt-12-10" does not.
bool names_id(const std::string& name, const std::string& id) {
    for (size_t at = name.find(id); at != std::string::npos; at = name.find(id, at + 1)) {
        size_t end = at + id.size();
        bool starts = at == 0 || !std::isalnum(static_cast<unsigned char>(name[at - 1]));
        bool ends = end == name.size() || !std::isalnum(static_cast<unsigned char>(name[end]));
        if (starts && ends) return true;
    }
    return false;
}

}  // namespace

std::vector<std::string> find_leaks(const std::string& state_root, const std::string& bundle,
                                    const std::string& id) {
    std::vector<std::string> leaks;
    std::error_code ec;

    for (auto& entry : fs::directory_iterator(state_root, ec))
        if (names_id(entry.path().filename().string(), id))
            leaks.push_back("state entry left: " + entry.path().string());

    for (auto& line : mountinfo_lines_mentioning(bundle))
        leaks.push_back("mount left: " + line);

    // Cgroup paths vary (/moat/<id>, system.slice/moat-<id>.scope, a caller's
    // cgroupsPath), so look for the id in every directory name a few levels
    // down, in every hierarchy (v1 controllers, the unified mount, pure v2).
    auto opts = fs::directory_options::skip_permission_denied;
    fs::recursive_directory_iterator it("/sys/fs/cgroup", opts, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        std::error_code entry_ec;
        if (!it->is_directory(entry_ec) || it->is_symlink(entry_ec)) {
            it.disable_recursion_pending();
            continue;
        }
        if (it.depth() >= 5) it.disable_recursion_pending();
        if (names_id(it->path().filename().string(), id)) {
            leaks.push_back("cgroup left: " + it->path().string());
            it.disable_recursion_pending();
        }
    }
    return leaks;
}

}  // namespace moat::test

namespace moat::test {

std::vector<ProcessEntry> list_processes() {
    std::vector<ProcessEntry> out;
    // Not an ifstream: a process that exits while it is read makes libstdc++
    // throw ("underflow error reading the file: No such process").
    auto slurp = [](const fs::path& p) { return linux::read_file(p.string()).value_or(""); };
    std::error_code ec;
    for (auto& entry : fs::directory_iterator("/proc", ec)) {
        ProcessEntry e;
        e.pid = entry.path().filename().string();
        if (e.pid.empty() || !std::isdigit(static_cast<unsigned char>(e.pid[0]))) continue;
        e.stat = slurp(entry.path() / "stat");
        auto close = e.stat.rfind(')');
        if (close == std::string::npos) continue;  // gone meanwhile
        std::string state;
        std::istringstream(e.stat.substr(close + 1)) >> state >> e.ppid;
        // A zombie has exited already; reaping it is its parent's job (for
        // a container's init, the host's init), not a leak.
        if (state == "Z") continue;
        e.cmdline = slurp(entry.path() / "cmdline");
        for (char& c : e.cmdline)
            if (c == '\0') c = ' ';
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<std::string> find_processes(const std::vector<std::string>& needles) {
    std::vector<std::string> found;
    const std::string self = std::to_string(::getpid());
    for (auto& p : list_processes()) {
        if (p.pid == self) continue;
        std::string cgroup = linux::read_file("/proc/" + p.pid + "/cgroup").value_or("");
        for (auto& n : needles) {
            if (p.cmdline.find(n) == std::string::npos && cgroup.find(n) == std::string::npos) continue;
            std::string what = p.cmdline.empty() ? p.stat : p.cmdline;
            std::string where;
            std::istringstream lines(cgroup);
            for (std::string line; std::getline(lines, line);)
                if (line.find(n) != std::string::npos) where = " (cgroup " + line + ")";
            found.push_back("process left: " + p.pid + " " + what + where);
            break;
        }
    }
    return found;
}

}  // namespace moat::test
