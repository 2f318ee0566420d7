#include "linux/unix_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace moat::linux {

Result<UniqueFd> connect_unix(const std::string& path, int type) {
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return fail("socket path too long: " + path, ENAMETOOLONG);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    if (!fd) return sys_fail("socket");
    if (::connect(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0)
        return sys_fail("connect " + path);
    return fd;
}

Status send_fd(int sock, int fd, std::string_view payload) {
    if (payload.empty()) payload = "\0";
    struct iovec iov {const_cast<char*>(payload.data()), payload.size()};
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    while (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR) return sys_fail("send fd");
    }
    return {};
}

Result<UniqueFd> recv_fd(int sock, std::string* payload, size_t max) {
    std::vector<char> buf(max ? max : 1);
    struct iovec iov {buf.data(), buf.size()};
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    while ((n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0)
        if (errno != EINTR) return sys_fail("receive fd");
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS) return fail("receive fd: no fd in message", EBADMSG);
    int fd;
    std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
    if (payload) payload->assign(buf.data(), static_cast<size_t>(n));
    return UniqueFd(fd);
}

}  // namespace moat::linux
