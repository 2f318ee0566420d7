// Owned file descriptors. Every fd moat opens lives in a UniqueFd, is opened
// O_CLOEXEC, and is closed when its owner goes out of scope.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "moat/error.hpp"

namespace moat::linux {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) reset(o.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// open(2) into a UniqueFd; O_CLOEXEC is always added. The error names the path.
inline Result<UniqueFd> open_fd(const std::string& path, int flags, mode_t mode = 0) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) return sys_fail("open " + path);
    return UniqueFd(fd);
}

inline Result<UniqueFd> openat_fd(int dirfd, const std::string& path, int flags, mode_t mode = 0) {
    int fd = ::openat(dirfd, path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) return sys_fail("open " + path);
    return UniqueFd(fd);
}

// Read a whole (small) file; write a whole string. Errors name the path.
// Reading stops with EFBIG ("larger than N bytes") past `max`: a file that
// is a symlink to /dev/zero must not eat memory.
Result<std::string> read_file(const std::string& path, size_t max = SIZE_MAX);
Result<std::string> read_fd(int fd, size_t max = SIZE_MAX);
Status write_file(const std::string& path, std::string_view data, int flags = O_WRONLY | O_TRUNC);
Status write_all(int fd, std::string_view data);

}  // namespace moat::linux
