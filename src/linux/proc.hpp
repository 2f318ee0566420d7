// Facts about host processes read from /proc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace moat::linux {

// Start time (clock ticks since boot, /proc/PID/stat field 22): with the pid
// it identifies a process across pid reuse. nullopt when the process is gone.
std::optional<uint64_t> process_start_time(pid_t pid);

// True if `pid` exists, has this start time and is not a zombie.
bool process_alive(pid_t pid, uint64_t start_time);

// True when this process's executable is the file at its own path as this
// process sees the filesystem. False for the runtime binary started inside a
// container through /proc/self/exe (a script whose interpreter is
// /proc/self/exe: the CVE-2019-5736 pattern), where that path names another
// file or none; moat then stops before doing anything.
bool executable_is_own_path();

}  // namespace moat::linux
