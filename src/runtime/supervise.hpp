// Waiting for a process moat started (run, foreground exec): signals sent to
// moat are forwarded to it, and an optional wall-clock limit calls on_timeout
// once. Returns the wait status.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>

#include "moat/error.hpp"

namespace moat::runtime {

Result<int> supervise(int pidfd, pid_t pid, std::optional<std::chrono::milliseconds> limit = std::nullopt,
                      const std::function<void()>& on_timeout = {});

// 0-255 from a wait status: the exit code, or 128+signal.
int exit_code(int wait_status);

}  // namespace moat::runtime
