// Device nodes and the standard /dev symlinks inside a container root.
#pragma once

#include <vector>

#include "linux/mounts.hpp"
#include "moat/spec.hpp"

namespace moat::linux {

// null zero full random urandom tty: what every container gets (OCI "default devices").
std::vector<spec::Device> default_devices();

// Make each device inside the root: mknod, or (in a user namespace, where
// mknod is not allowed) a bind mount of the host's node onto an empty file.
// An existing entry at the path (say, a symlink planted in the image) is
// replaced, never followed.
Status create_devices(const MountContext& ctx, const std::vector<spec::Device>& devices);

// /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr and /dev/ptmx -> pts/ptmx.
Status create_dev_symlinks(const MountContext& ctx);

}  // namespace moat::linux
