// Reading /proc/self/mountinfo, for TempDir cleanup and the leak check.
#pragma once

#include <string>
#include <vector>

namespace moat::test {

// Mount points (decoded) in /proc/self/mountinfo equal to or under dir.
std::vector<std::string> mount_points_under(const std::string& dir);

// Lines of /proc/self/mountinfo whose mount point or root mention text.
std::vector<std::string> mountinfo_lines_mentioning(const std::string& text);

}  // namespace moat::test
