// Path work inside a container's root. Symlinks in an image are hostile input:
// every lookup resolves with openat2(RESOLVE_IN_ROOT), so ".." and absolute
// links stay inside the root, and missing components are created one at a
// time relative to an fd, never by string concatenation followed by open().
#pragma once

#include <string>

#include "linux/fd.hpp"

namespace moat::linux {

// Open `path` (absolute or relative, interpreted inside root) with O_PATH.
Result<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags = O_PATH,
                              bool follow_last = true);

// Make sure `path` exists inside root (directories along the way, and the last
// component as a directory, or as an empty file when `as_file`), then return an
// O_PATH fd on it. The final component may be an existing symlink; it is
// resolved within root too.
Result<UniqueFd> ensure_in_root(int root_fd, const std::string& path, bool as_file);

// Fails (ELOOP) when some component of `path` inside root is a symlink; a
// path that does not exist yet is fine. For procfs and sysfs destinations,
// which runc too refuses to mount through an image's symlink.
Status refuse_symlinks(int root_fd, const std::string& path);

// "/proc/self/fd/N": the path that mount(2) and friends follow to the very
// inode an fd refers to.
std::string fd_path(int fd);

// Lexically clean an absolute path ("/a/./b//c/" -> "/a/b/c"); ".." is kept.
std::string clean_path(const std::string& path);

}  // namespace moat::linux
