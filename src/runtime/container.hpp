// Shared pieces of the lifecycle operations: loading a container's record
// and computing its OCI status from what the kernel says.
#pragma once

#include <memory>
#include <string>

#include "moat/cgroups.hpp"
#include "moat/runtime.hpp"
#include "runtime/log.hpp"
#include "runtime/state_store.hpp"

namespace moat::runtime {

struct Container {
    Record record;
    std::string status;  // created running paused stopped
};

// created: init waits on the exec fifo; running: init alive; paused: its
// cgroup is frozen; stopped: init is gone (or its pid was reused).
Result<Container> load_container(const StateStore& store, const std::string& id);

spec::State oci_state(const Container& c);

// The container's cgroup, re-opened from the record.
Result<std::unique_ptr<cgroups::Manager>> container_cgroup(const Record& r);

void debug(const Global& g, std::string_view msg);

}  // namespace moat::runtime
