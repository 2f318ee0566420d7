// A directory tree that looks like a cgroupfs, in a temporary directory, for
// running the v1, v2 and hybrid code without a kernel. The kernel makes a
// cgroup's files when the directory is made; here the test makes them
// (touch()), since moat never creates cgroup files itself.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "moat/cgroups.hpp"

namespace moat::cgroups::testing {

class FakeCgroupfs {
public:
    FakeCgroupfs() {
        char tmpl[] = "/tmp/moat-test-cgroupfs-XXXXXX";
        root = ::mkdtemp(tmpl);
    }
    ~FakeCgroupfs() { std::filesystem::remove_all(root); }
    FakeCgroupfs(const FakeCgroupfs&) = delete;
    FakeCgroupfs& operator=(const FakeCgroupfs&) = delete;

    std::string path(const std::string& rel) const { return root + "/" + rel; }
    void mkdir(const std::string& rel) const { std::filesystem::create_directories(path(rel)); }
    void write(const std::string& rel, const std::string& text) const {
        std::filesystem::create_directories(std::filesystem::path(path(rel)).parent_path());
        std::ofstream(path(rel)) << text;
    }
    // Make empty files in a directory, as the kernel would.
    void touch(const std::string& dir, const std::vector<std::string>& files) const {
        mkdir(dir);
        for (auto& f : files) write(dir + "/" + f, "");
    }
    std::string read(const std::string& rel) const {
        std::ifstream in(path(rel));
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    bool exists(const std::string& rel) const { return std::filesystem::exists(path(rel)); }

    // A v1 host: each controller mounted at root/<controller>.
    Host v1(const std::vector<std::string>& controllers) const {
        Host h;
        h.layout = Layout::v1;
        h.root = root;
        for (auto& c : controllers) {
            mkdir(c);
            h.v1_mounts[c] = path(c);
        }
        return h;
    }
    // A v2 host: cgroup2 at root/unified with these controllers.
    Host v2(const std::vector<std::string>& controllers) const {
        Host h;
        h.layout = Layout::v2;
        h.root = path("unified");
        h.unified_mount = path("unified");
        std::string list;
        for (auto& c : controllers) list += (list.empty() ? "" : " ") + c;
        write("unified/cgroup.controllers", list + "\n");
        write("unified/cgroup.subtree_control", "");
        return h;
    }
    Host hybrid(const std::vector<std::string>& v1_controllers, const std::vector<std::string>& v2_controllers) const {
        Host h = v1(v1_controllers);
        Host u = v2(v2_controllers);
        h.layout = Layout::hybrid;
        h.unified_mount = u.unified_mount;
        return h;
    }

    std::string root;
};

}  // namespace moat::cgroups::testing
