// Bringing up the loopback interface over rtnetlink (libmnl).
#include "linux/netlink.hpp"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <memory>
#include <vector>

namespace moat::linux {

namespace {
struct MnlCloser {
    void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
}  // namespace

Status bring_up_loopback() {
    const std::string what = "bring up lo";
    std::unique_ptr<mnl_socket, MnlCloser> nl(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC));
    if (!nl) return sys_fail(what + ": netlink socket");
    if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0) return sys_fail(what + ": bind");

    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    const unsigned seq = static_cast<unsigned>(time(nullptr));
    nlh->nlmsg_seq = seq;
    auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_change = IFF_UP;
    ifm->ifi_flags = IFF_UP;
    // lo is always index 1 in a new namespace, but name it rather than assume.
    mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");

    if (mnl_socket_sendto(nl.get(), nlh, nlh->nlmsg_len) < 0) return sys_fail(what + ": send");
    const unsigned portid = mnl_socket_get_portid(nl.get());
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl.get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail(what + ": receive");
        }
        // mnl_cb_run turns an NLMSG_ERROR with a non-zero code into -1/errno
        // and stops (returns MNL_CB_STOP == 0) at the ack.
        int rc = mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, portid, nullptr, nullptr);
        if (rc < 0) return sys_fail(what + ": RTM_NEWLINK");
        if (rc == MNL_CB_STOP) return {};
    }
}

}  // namespace moat::linux
