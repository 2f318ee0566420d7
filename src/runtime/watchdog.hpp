// The wall-clock limit. In `run` the supervising moat enforces it itself; in
// create/start mode moat is not the container's parent, so `start` leaves a
// small detached watchdog that waits on a pidfd of the init and, when the
// limit passes first, marks the container as timed out and kills its whole
// cgroup. It exits as soon as the container does.
#pragma once

#include <chrono>

#include "runtime/state_store.hpp"

namespace moat::runtime {

Status spawn_watchdog(const StateStore& store, const Record& r, std::chrono::milliseconds limit);

// What the watchdog (or `run`) does when the limit passes.
void kill_for_timeout(const StateStore& store, const Record& r);

}  // namespace moat::runtime
