// Netlink for the container's network namespace, over a plain socket: moat's
// default network is a new, empty namespace in which only `lo` exists, brought
// up here, and the egress allowlist's nftables batch is sent the same way.
// No libmnl in moat itself: the binary links statically (bench/README.md).
#pragma once

#include <linux/netlink.h>

#include <functional>
#include <string_view>

#include "linux/fd.hpp"
#include "moat/error.hpp"

namespace moat::linux {

// A bound NETLINK_* socket in the calling thread's network namespace.
class NetlinkSocket {
public:
    static Result<NetlinkSocket> open(int protocol);
    // Sends one buffer of messages (a request or a whole batch).
    Status send(std::string_view messages);
    // Reads answers until `acks` acknowledgements have come; every other
    // message goes to on_message. The first error the kernel reports is returned.
    Status receive_acks(size_t acks, const std::function<Status(const nlmsghdr*)>& on_message = {});

private:
    explicit NetlinkSocket(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

// The messages in `messages` that ask for an acknowledgement (NLM_F_ACK).
size_t count_acks(std::string_view messages);

// Set IFF_UP on "lo" in the calling thread's network namespace (RTM_NEWLINK,
// acknowledged by the kernel). Needs CAP_NET_ADMIN in that namespace. Call it
// in the child after joining/creating the network namespace and before
// dropping capabilities. Allocates: not for use after the seccomp filter.
Status bring_up_loopback();

}  // namespace moat::linux
