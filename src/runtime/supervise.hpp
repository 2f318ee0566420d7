// Waiting for a process moat started (run, foreground exec): signals sent to
// moat are forwarded to it, and an optional wall-clock limit calls on_timeout
// once. Returns the wait status.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "moat/error.hpp"

namespace moat::runtime {

// A pipe from the process whose data is handed to on_data as it arrives, and
// drained to EOF after the process exits (bounded: a descendant that kept the
// pipe open does not hold moat forever).
struct Stream {
    int fd = -1;
    std::function<void(std::string_view)> on_data;
};

Result<int> supervise(int pidfd, pid_t pid, std::optional<std::chrono::milliseconds> limit = std::nullopt,
                      const std::function<void()>& on_timeout = {},
                      const std::vector<Stream>& streams = {});

// 0-255 from a wait status: the exit code, or 128+signal.
int exit_code(int wait_status);

}  // namespace moat::runtime
