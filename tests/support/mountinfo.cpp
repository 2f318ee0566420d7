#include "mountinfo.hpp"

#include <fstream>
#include <sstream>

namespace moat::test {

namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        bool octal = s[i] == '\\' && i + 3 < s.size();
        for (size_t k = 1; octal && k <= 3; ++k) octal = s[i + k] >= '0' && s[i + k] <= '7';
        if (octal) {
            out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

struct Entry {
    std::string root, mount_point, line;
};

std::vector<Entry> read_mountinfo() {
    std::vector<Entry> entries;
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        // id parent major:minor root mount-point ...
        std::istringstream fields(line);
        std::string id, parent, dev, root, mount_point;
        if (fields >> id >> parent >> dev >> root >> mount_point)
            entries.push_back({unescape(root), unescape(mount_point), line});
    }
    return entries;
}

}  // namespace

std::vector<std::string> mount_points_under(const std::string& dir) {
    std::vector<std::string> out;
    for (auto& e : read_mountinfo())
        if (e.mount_point == dir || e.mount_point.starts_with(dir + "/")) out.push_back(e.mount_point);
    return out;
}

std::vector<std::string> mountinfo_lines_mentioning(const std::string& text) {
    std::vector<std::string> out;
    for (auto& e : read_mountinfo())
        if (e.mount_point.find(text) != std::string::npos || e.root.find(text) != std::string::npos)
            out.push_back(e.line);
    return out;
}

}  // namespace moat::test
