#include "linux/fd.hpp"

#include <cerrno>

namespace moat::linux {

Result<std::string> read_fd(int fd, size_t max) {
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail("read");
        }
        if (n == 0) return out;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > max) return fail("larger than " + std::to_string(max) + " bytes", EFBIG);
    }
}

Result<std::string> read_file(const std::string& path, size_t max) {
    auto fd = MOAT_TRY(open_fd(path, O_RDONLY));
    return context(read_fd(fd.get(), max), "read " + path);
}

Status write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail("write");
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

Status write_file(const std::string& path, std::string_view data, int flags) {
    auto fd = MOAT_TRY(open_fd(path, flags, 0644));
    return context(write_all(fd.get(), data), "write " + path);
}

}  // namespace moat::linux
