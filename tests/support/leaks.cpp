// What a container may leave behind: state, mounts, cgroups.
#include <cctype>
#include <filesystem>
#include <system_error>

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
