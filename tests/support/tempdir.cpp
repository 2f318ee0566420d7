// TempDir: a temporary directory that removes itself, carefully.
#include <ftw.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "moat_test.hpp"
#include "mountinfo.hpp"

namespace moat::test {

TempDir::TempDir(std::string_view prefix) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + std::string(prefix) + ".XXXXXX";
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp " + templ + " failed");
    path_ = templ;
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

namespace {

int remove_entry(const char* path, const struct stat*, int, struct FTW*) {
    ::remove(path);  // best effort: keep going, a leftover is reported by the leak check
    return 0;
}

}  // namespace

TempDir::~TempDir() {
    if (path_.empty()) return;
    // Detach mounts a runtime left under the directory, deepest first, so the
    // walk below only sees our own files.
    auto mounts = mount_points_under(path_);
    std::sort(mounts.begin(), mounts.end(), [](auto& a, auto& b) { return a.size() > b.size(); });
    for (auto& m : mounts) umount2(m.c_str(), MNT_DETACH);
    // FTW_PHYS: never follow symlinks; FTW_MOUNT: never cross into another filesystem.
    nftw(path_.c_str(), remove_entry, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

}  // namespace moat::test
