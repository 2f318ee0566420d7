#include "runtime/handshake.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "linux/unix_socket.hpp"

namespace moat::runtime {

namespace {
constexpr size_t kMaxMessage = 64 * 1024;
constexpr size_t kHeader = 1 + sizeof(int32_t);
}  // namespace

const char* step_name(Step s) {
    switch (s) {
        case Step::go: return "go";
        case Step::hooks: return "hooks";
        case Step::resume: return "resume";
        case Step::ready: return "ready";
        case Step::start: return "start";
        case Step::error: return "error";
        case Step::listener: return "listener";
    }
    return "unknown";
}

Result<std::pair<Channel, Channel>> Channel::make_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return sys_fail("socketpair");
    return std::pair{Channel(linux::UniqueFd(fds[0])), Channel(linux::UniqueFd(fds[1]))};
}

Status Channel::send(Step step, std::string_view payload, int32_t code, int fd) {
    if (payload.size() > kMaxMessage - kHeader) payload = payload.substr(0, kMaxMessage - kHeader);
    std::string buf(kHeader, '\0');
    buf[0] = static_cast<char>(step);
    std::memcpy(buf.data() + 1, &code, sizeof code);
    buf.append(payload);  // not memcpy: an empty view's data() may be null (UBSan)
    if (fd >= 0) return linux::send_fd(fd_.get(), fd, buf);
    while (::send(fd_.get(), buf.data(), buf.size(), MSG_NOSIGNAL) < 0)
        if (errno != EINTR) return sys_fail(std::string("send ") + step_name(step));
    return {};
}

Result<Message> Channel::receive_raw() {
    // Not zero-filled: the kernel writes only the message's bytes, so only the
    // pages they land on are touched. A zeroed 64 KiB buffer cost 16 page faults
    // per receive in the parent and again (copy-on-write) in the child.
    auto buf = std::make_unique_for_overwrite<char[]>(kMaxMessage);
    struct iovec iov {buf.get(), kMaxMessage};
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr mh {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    ssize_t n;
    while ((n = ::recvmsg(fd_.get(), &mh, MSG_CMSG_CLOEXEC)) < 0)
        if (errno != EINTR) return sys_fail("receive from container init");
    linux::UniqueFd passed;
    if (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c && c->cmsg_type == SCM_RIGHTS) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
        passed.reset(fd);
    }
    if (n == 0) return fail("container init exited", ECHILD);
    if (static_cast<size_t>(n) < kHeader) return fail("short message from container init", EBADMSG);
    Message m;
    m.step = static_cast<Step>(buf[0]);
    std::memcpy(&m.code, buf.get() + 1, sizeof m.code);
    m.payload.assign(buf.get() + kHeader, static_cast<size_t>(n) - kHeader);
    m.fd = std::move(passed);
    if (m.step == Step::error) return fail(m.payload, m.code);
    return m;
}

Result<Message> Channel::receive_either(Step a, Step b) {
    auto m = receive_raw();
    if (!m) {
        if (m.error().code == ECHILD)
            return fail(std::string("container init exited before ") + step_name(a), ECHILD);
        return m;
    }
    if (m->step != a && m->step != b)
        return fail(std::string("protocol error: expected ") + step_name(a) + ", got " +
                        step_name(m->step),
                    EPROTO);
    return m;
}

Result<Message> Channel::receive(Step expected) { return receive_either(expected, expected); }

Status Channel::wait_exec() {
    auto m = receive_raw();
    if (!m && m.error().code == ECHILD) return {};
    if (!m) return std::unexpected(std::move(m.error()));
    return fail(std::string("protocol error: expected the exec, got ") + step_name(m->step), EPROTO);
}

}  // namespace moat::runtime
