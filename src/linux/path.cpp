#include "linux/path.hpp"

#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>
#include <vector>

namespace moat::linux {

namespace {

int sys_openat2(int dirfd, const char* path, int flags, unsigned long long resolve) {
    struct open_how how {};
    how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
    how.resolve = resolve;
    return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        if (j > i) {
            std::string part = path.substr(i, j - i);
            if (part != ".") parts.push_back(std::move(part));
        }
        i = j + 1;
    }
    return parts;
}

}  // namespace

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

std::string clean_path(const std::string& path) {
    std::string out;
    for (auto& c : components(path)) {
        out += '/';
        out += c;
    }
    return out.empty() ? "/" : out;
}

Result<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags, bool follow_last) {
    std::string rel = path;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    if (!follow_last) flags |= O_NOFOLLOW;
    int fd = sys_openat2(root_fd, rel.c_str(), flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd < 0) return sys_fail("open " + path + " in container root");
    return UniqueFd(fd);
}

Status refuse_symlinks(int root_fd, const std::string& path) {
    std::string rel = path;
    while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
    if (rel.empty()) return {};
    int fd = sys_openat2(root_fd, rel.c_str(), O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
    if (fd >= 0) {
        ::close(fd);
        return {};
    }
    if (errno == ENOENT) return {};
    if (errno == ELOOP) return fail(path + " is a symlink in the rootfs (or lies under one)", ELOOP);
    return sys_fail("open " + path + " in container root");
}

namespace {

// ".." applied lexically and clamped at "/", as RESOLVE_IN_ROOT clamps it.
std::string clamp_to_root(const std::string& path) {
    std::vector<std::string> out;
    for (auto& c : components(path)) {
        if (c == "..") {
            if (!out.empty()) out.pop_back();
        } else {
            out.push_back(c);
        }
    }
    std::string s;
    for (auto& c : out) s += "/" + c;
    return s.empty() ? "/" : s;
}

std::string join_parts(const std::vector<std::string>& parts, size_t count) {
    std::string s;
    for (size_t i = 0; i < count; ++i) s += "/" + parts[i];
    return s.empty() ? "/" : s;
}

Result<UniqueFd> ensure_walk(int root_fd, const std::string& path, bool as_file, int depth) {
    if (auto fd = open_in_root(root_fd, path, O_PATH); fd) return fd;
    else if (fd.error().code != ENOENT) return std::unexpected(std::move(fd.error()));
    if (depth > 40) return fail("path " + path + ": too many levels of symbolic links", ELOOP);
    auto parts = components(path);
    if (parts.empty()) return fail("path " + path + ": the container root is gone", ENOENT);
    for (auto& part : parts)
        if (part == "..") return fail("path " + path + " contains '..'", EINVAL);

    // Start from the deepest directory that exists (usually the parent: one
    // lookup, not a walk from the root), then create what is missing. Every
    // lookup resolves within root, so a symlink planted in the image cannot
    // lead the walk outside it; a dangling symlink has its target made, inside root.
    size_t have = parts.size() - 1;
    UniqueFd dir;
    for (;; --have) {
        auto fd = open_in_root(root_fd, join_parts(parts, have), O_DIRECTORY | O_RDONLY);
        if (fd) {
            dir = std::move(*fd);
            break;
        }
        if (fd.error().code != ENOENT || have == 0) return std::unexpected(std::move(fd.error()));
    }
    for (size_t i = have; i < parts.size(); ++i) {
        std::string prefix = join_parts(parts, i + 1);
        bool last = i + 1 == parts.size();
        char target[4096];
        ssize_t n = ::readlinkat(dir.get(), parts[i].c_str(), target, sizeof target - 1);
        if (n > 0) {
            std::string t(target, static_cast<size_t>(n));
            std::string resolved = t.front() == '/' ? t : join_parts(parts, i) + "/" + t;
            std::string rest;
            for (size_t j = i + 1; j < parts.size(); ++j) rest += "/" + parts[j];
            return ensure_walk(root_fd, clamp_to_root(resolved + rest), as_file, depth + 1);
        }
        if (last && as_file) {
            int fd = ::openat(dir.get(), parts[i].c_str(),
                              O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
            if (fd < 0 && errno != EEXIST) return sys_fail("create " + prefix + " in container root");
            if (fd >= 0) ::close(fd);
        } else if (::mkdirat(dir.get(), parts[i].c_str(), 0755) < 0 && errno != EEXIST) {
            return sys_fail("mkdir " + prefix + " in container root");
        }
        if (!last) dir = MOAT_TRY(open_in_root(root_fd, prefix, O_DIRECTORY | O_RDONLY));
    }
    return open_in_root(root_fd, path, O_PATH);
}

}  // namespace

Result<UniqueFd> ensure_in_root(int root_fd, const std::string& path, bool as_file) {
    return ensure_walk(root_fd, path, as_file, 0);
}

}  // namespace moat::linux
