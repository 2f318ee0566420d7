// Unix-domain socket helpers: connect to a path, and pass an fd with SCM_RIGHTS
// (the console socket protocol of runc/containerd/conmon).
#pragma once

#include <string>
#include <sys/socket.h>

#include <string_view>

#include "linux/fd.hpp"

namespace moat::linux {

Result<UniqueFd> connect_unix(const std::string& path, int type = SOCK_STREAM);

// Send one fd along with `payload` (at least one byte is always sent).
Status send_fd(int sock, int fd, std::string_view payload);

// Receive one fd (and up to `max` payload bytes).
Result<UniqueFd> recv_fd(int sock, std::string* payload = nullptr, size_t max = 4096);

}  // namespace moat::linux
