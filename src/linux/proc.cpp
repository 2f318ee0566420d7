#include "linux/proc.hpp"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "linux/fd.hpp"

namespace moat::linux {

namespace {

// Fields after the command name, which may itself contain spaces and ')'.
std::optional<std::string> stat_tail(pid_t pid) {
    auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!text) return std::nullopt;
    auto close = text->rfind(')');
    if (close == std::string::npos || close + 2 >= text->size()) return std::nullopt;
    return text->substr(close + 2);  // starts at field 3 (state)
}

}  // namespace

namespace {

// Field 22 (starttime) from the fields after the command name.
std::optional<uint64_t> start_time_of(const std::string& tail) {
    size_t pos = 0;
    for (int field = 3; field < 22; ++field) {
        pos = tail.find(' ', pos);
        if (pos == std::string::npos) return std::nullopt;
        ++pos;
    }
    return std::stoull(tail.substr(pos, tail.find(' ', pos) - pos));
}

}  // namespace

std::optional<uint64_t> process_start_time(pid_t pid) {
    auto tail = stat_tail(pid);
    if (!tail) return std::nullopt;
    return start_time_of(*tail);
}

// One read of /proc/PID/stat: state and start time come from the same line.
bool process_alive(pid_t pid, uint64_t start_time) {
    auto tail = stat_tail(pid);
    if (!tail || tail->empty() || (*tail)[0] == 'Z' || (*tail)[0] == 'X') return false;
    auto st = start_time_of(*tail);
    return st && *st == start_time;
}

bool executable_is_own_path() {
    char path[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) return false;
    path[n] = '\0';
    struct stat exe {}, named {};
    if (::stat("/proc/self/exe", &exe) != 0 || ::stat(path, &named) != 0) return false;
    return exe.st_dev == named.st_dev && exe.st_ino == named.st_ino;
}

}  // namespace moat::linux
