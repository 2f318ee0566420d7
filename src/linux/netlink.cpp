// Netlink requests and acknowledgements over a plain AF_NETLINK socket.
#include "linux/netlink.hpp"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace moat::linux {

Result<NetlinkSocket> NetlinkSocket::open(int protocol) {
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
    if (!fd) return sys_fail("netlink socket (protocol " + std::to_string(protocol) + ")");
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;  // nl_pid 0: the kernel assigns the port
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) < 0) return sys_fail("bind netlink socket");
    return NetlinkSocket(std::move(fd));
}

Status NetlinkSocket::send(std::string_view messages) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t n = ::sendto(fd_.get(), messages.data(), messages.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                         sizeof kernel);
    if (n < 0) return sys_fail("netlink send");
    if (static_cast<size_t>(n) != messages.size()) return fail("netlink send: short write", EMSGSIZE);
    return {};
}

Status NetlinkSocket::receive_acks(size_t acks, const std::function<Status(const nlmsghdr*)>& on_message) {
    // Large enough for any answer to one request (the kernel's own default).
    std::vector<char> buf(32768);
    while (acks > 0) {
        ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_fail("netlink receive");
        }
        int left = static_cast<int>(n);
        for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buf.data()); NLMSG_OK(nlh, left);
             nlh = NLMSG_NEXT(nlh, left)) {
            if (nlh->nlmsg_type != NLMSG_ERROR) {
                if (on_message) MOAT_CHECK(on_message(nlh));
                continue;
            }
            if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return fail("truncated netlink error", EPROTO);
            auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(nlh));
            if (err->error != 0) return sys_fail("the kernel refused the request", -err->error);
            --acks;
        }
    }
    return {};
}

size_t count_acks(std::string_view messages) {
    size_t acks = 0;
    int left = static_cast<int>(messages.size());
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(messages.data()); NLMSG_OK(nlh, left);
         nlh = NLMSG_NEXT(nlh, left))
        if (nlh->nlmsg_flags & NLM_F_ACK) ++acks;
    return acks;
}

Status bring_up_loopback() {
    const std::string what = "bring up lo";
    // lo is always index 1 in a new namespace, but name it rather than assume.
    constexpr char kName[] = "lo";
    struct {
        nlmsghdr nlh;
        ifinfomsg ifm;
        alignas(RTA_ALIGNTO) char attr[RTA_SPACE(sizeof kName)];
    } req{};
    req.nlh.nlmsg_len = sizeof req;
    req.nlh.nlmsg_type = RTM_NEWLINK;
    req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.nlh.nlmsg_seq = 1;
    req.ifm.ifi_family = AF_UNSPEC;
    req.ifm.ifi_change = IFF_UP;
    req.ifm.ifi_flags = IFF_UP;
    auto* name = reinterpret_cast<rtattr*>(req.attr);
    name->rta_type = IFLA_IFNAME;
    name->rta_len = RTA_LENGTH(sizeof kName);
    std::memcpy(RTA_DATA(name), kName, sizeof kName);

    auto nl = MOAT_TRY(context(NetlinkSocket::open(NETLINK_ROUTE), what));
    MOAT_CHECK_CTX(nl.send({reinterpret_cast<const char*>(&req), sizeof req}), what);
    return context(nl.receive_acks(1), what + ": RTM_NEWLINK");
}

}  // namespace moat::linux
