// The parent/child protocol of `create` and `run`, over a SOCK_SEQPACKET
// socketpair (one datagram per message, so no framing bugs):
//
//   parent (moat create)                      child (container init)
//   --------------------                      ----------------------
//   clone3(new namespaces) ---------------->  waits for go
//   put child in cgroup, write id maps
//   go ------------------------------------>  join namespaces, hostname, lo up,
//                                             mounts, devices, masks, ro root
//                          <----------------  hooks   (only when the spec has
//   run prestart/createRuntime hooks                   prestart/createRuntime/
//   continue ------------------------------>           createContainer hooks)
//                                             createContainer hooks, pivot_root,
//                                             terminal, rlimits, user, caps,
//                                             no_new_privs, landlock, seccomp
//                          <----------------  ready   (init is waiting)
//   listener fd (if the spec filter notifies) -> linux.seccomp.listenerPath
//   save state, pid file; create exits.
//   run mode only: start ------------------>  exec (create mode: the exec fifo
//                                             releases it instead, see start)
//   wait_exec: end of stream   <- - - - - -   execve succeeded (the socket is
//              or error                       close-on-exec) or failed
//
// Any time:                <----------------  error {errno, message}: the child
//                                             exits; the parent rolls back and
//                                             reports the message.
// The parent rejects a message it does not expect at that step.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "linux/fd.hpp"

namespace moat::runtime {

enum class Step : uint8_t { go = 1, hooks, resume, ready, start, error, listener };

const char* step_name(Step s);

struct Message {
    Step step{};
    int32_t code = 0;
    std::string payload;
    linux::UniqueFd fd;  // passed with SCM_RIGHTS (the seccomp listener)
};

class Channel {
public:
    Channel() = default;
    explicit Channel(linux::UniqueFd fd) : fd_(std::move(fd)) {}
    static Result<std::pair<Channel, Channel>> make_pair();

    int fd() const { return fd_.get(); }
    void close() { fd_.reset(); }

    Status send(Step step, std::string_view payload = {}, int32_t code = 0, int fd = -1);
    // Receive the next message; an error message becomes an Error, end of
    // stream becomes "container init exited before <expected>".
    Result<Message> receive(Step expected);
    // Receive one of two steps (the child either needs hooks run or is ready).
    Result<Message> receive_either(Step a, Step b);
    // After start: the end of the stream means execve succeeded (the child's
    // end is close-on-exec); an error is why it failed ("exec: ...").
    Status wait_exec();

private:
    Result<Message> receive_raw();
    linux::UniqueFd fd_;
};

}  // namespace moat::runtime
