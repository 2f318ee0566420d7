// Netlink (libmnl) for the container's network namespace. moat's default
// network is a new, empty namespace in which only `lo` exists, brought up here.
#pragma once

#include "moat/error.hpp"

namespace moat::linux {

// Set IFF_UP on "lo" in the calling thread's network namespace (RTM_NEWLINK,
// acknowledged by the kernel). Needs CAP_NET_ADMIN in that namespace. Call it
// in the child after joining/creating the network namespace and before
// dropping capabilities. Allocates: not for use after the seccomp filter.
Status bring_up_loopback();

}  // namespace moat::linux
