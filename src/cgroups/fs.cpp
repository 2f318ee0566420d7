// Reading and writing cgroupfs files. Writes open without O_CREAT: on a real
// cgroupfs a missing file means a missing controller or kernel feature, and
// the error must say which file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <sys/stat.h>

#include "cgroups/internal.hpp"

namespace moat::cgroups::detail {

Result<std::string> read_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return sys_fail("read " + path);
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            return sys_fail("read " + path, e);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

WriteOnlyFile::~WriteOnlyFile() {
    if (fd_ >= 0) ::close(fd_);
}

Status WriteOnlyFile::write(std::string_view data) {
    if (fd_ < 0 && (fd_ = ::open(path_.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0)
        return sys_fail("write " + path_);
    // cgroupfs takes one value per write(2); a short write is an error.
    ssize_t n;
    do {
        n = ::write(fd_, data.data(), data.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return sys_fail("write " + path_ + " (\"" + std::string(data) + "\")");
    if (static_cast<size_t>(n) != data.size()) return fail("write " + path_ + ": short write", EIO);
    return {};
}

Status write_file(const std::string& path, std::string_view data) { return WriteOnlyFile(path).write(data); }

bool exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t i = s.find(sep, start);
        out.emplace_back(s.substr(start, i == std::string_view::npos ? s.npos : i - start));
        if (i == std::string_view::npos) return out;
        start = i + 1;
    }
}

std::optional<uint64_t> parse_u64(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

Result<std::optional<uint64_t>> read_u64(const std::string& path) {
    auto text = trim(MOAT_TRY(read_file(path)));
    if (text == "max") return std::optional<uint64_t>();
    // v1 reports "-1" for unlimited in a few files (cfs quota); treat as max.
    if (text == "-1") return std::optional<uint64_t>();
    auto v = parse_u64(text);
    if (!v) return fail(path + ": expected a number, got \"" + text + "\"", EINVAL);
    return std::optional<uint64_t>(*v);
}

Result<std::map<std::string, uint64_t>> read_keyed(const std::string& path) {
    auto text = MOAT_TRY(read_file(path));
    std::map<std::string, uint64_t> out;
    for (auto& line : split(text, '\n')) {
        auto sp = line.find(' ');
        if (sp == std::string::npos) continue;
        if (auto v = parse_u64(trim(std::string_view(line).substr(sp + 1)))) out[line.substr(0, sp)] = *v;
    }
    return out;
}

Result<std::vector<pid_t>> read_pids(const std::string& path) {
    auto text = MOAT_TRY(read_file(path));
    std::vector<pid_t> out;
    for (auto& line : split(text, '\n')) {
        if (line.empty()) continue;
        auto v = parse_u64(line);
        if (!v) return fail(path + ": bad pid \"" + line + "\"", EINVAL);
        out.push_back(static_cast<pid_t>(*v));
    }
    return out;
}

std::string join_path(std::string_view a, std::string_view b) {
    std::string out(a);
    while (!out.empty() && out.back() == '/') out.pop_back();
    while (!b.empty() && b.front() == '/') b.remove_prefix(1);
    if (b.empty()) return out.empty() ? "/" : out;
    out += '/';
    out += b;
    return out;
}

Status put(const std::string& dir, const std::string& file, std::string_view value, std::string_view field) {
    return context(write_file(join_path(dir, file), value), "linux.resources." + std::string(field));
}

}  // namespace moat::cgroups::detail
