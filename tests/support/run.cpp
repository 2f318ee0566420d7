// Running a program with captured output and a timeout, for tests.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "moat_test.hpp"

extern char** environ;

namespace moat::test {

namespace {

// A pipe end owned for the length of a run.
struct Fd {
    int fd = -1;
    Fd() = default;
    explicit Fd(int f) : fd(f) {}
    Fd(Fd&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
    Fd& operator=(Fd&& o) noexcept { reset(); fd = std::exchange(o.fd, -1); return *this; }
    ~Fd() { reset(); }
    void reset() { if (fd >= 0) ::close(fd); fd = -1; }
};

void make_pipe(Fd& read_end, Fd& write_end) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + strerror(errno));
    read_end = Fd(p[0]);
    write_end = Fd(p[1]);
}

// Read what is available now; false at end of file.
bool drain(Fd& fd, std::string& into) {
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.fd, buf, sizeof buf);
        if (n > 0) { into.append(buf, n); continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return true;
        fd.reset();
        return false;
    }
}

// argv as a shell would need it typed, for messages.
std::string join(const std::vector<std::string>& argv) {
    std::string s;
    for (auto& a : argv) {
        bool plain = !a.empty() && a.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./=:@%+,-") == std::string::npos;
        std::string quoted = "'";
        for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        s += (s.empty() ? "" : " ") + (plain ? a : quoted + "'");
    }
    return s;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const RunResult& r) {
    os << "\n$ " << r.command << "\nstatus " << r.status;
    if (r.signal) os << " (signal " << r.signal << ")";
    if (r.timed_out) os << " (timed out, killed)";
    return os << "\n--- stdout ---\n" << r.out << "\n--- stderr ---\n" << r.err << "\n---";
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
    if (argv.empty()) throw std::invalid_argument("run: empty argv");
    RunResult result;
    result.command = join(argv);
    // A program that closes its stdin early must not kill the test with SIGPIPE.
    signal(SIGPIPE, SIG_IGN);

    // Everything the child needs is built before fork: after it, only syscalls.
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    env_strings.insert(env_strings.end(), options.env.begin(), options.env.end());
    std::vector<char*> cenv;
    for (auto& e : env_strings) cenv.push_back(e.data());
    cenv.push_back(nullptr);

    Fd in_r, in_w, out_r, out_w, err_r, err_w;
    make_pipe(in_r, in_w);
    make_pipe(out_r, out_w);
    make_pipe(err_r, err_w);

    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + strerror(errno));
    if (pid == 0) {
        // Own process group, so a timeout can kill everything the program started.
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        dup2(in_r.fd, 0);
        dup2(out_w.fd, 1);
        dup2(err_w.fd, 2);
        syscall(SYS_close_range, 3, ~0U, 0);  // the program gets stdio and nothing else of ours
        execvpe(cargv[0], cargv.data(), cenv.data());
        dprintf(2, "exec %s: %s\n", cargv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);  // also here: no race with the kill below
    in_r.reset();
    out_w.reset();
    err_w.reset();

    // A pidfd tells us when the program exits even if a detached grandchild
    // keeps the output pipes open.
    Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
    if (pidfd.fd < 0) throw std::runtime_error(std::string("pidfd_open: ") + strerror(errno));
    for (Fd* f : {&in_w, &out_r, &err_r}) fcntl(f->fd, F_SETFL, O_NONBLOCK);
    size_t written = 0;
    if (options.stdin_data.empty()) in_w.reset();

    auto deadline = std::chrono::steady_clock::now() + options.timeout;
    bool exited = false;
    while (!exited) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            break;
        }
        pollfd fds[4] = {{pidfd.fd, POLLIN, 0}, {out_r.fd, POLLIN, 0}, {err_r.fd, POLLIN, 0},
                         {in_w.fd, POLLOUT, 0}};
        int n = poll(fds, 4, static_cast<int>(left.count()));
        if (n < 0 && errno != EINTR) throw std::runtime_error(std::string("poll: ") + strerror(errno));
        if (n <= 0) continue;
        if (fds[1].revents) drain(out_r, result.out);
        if (fds[2].revents) drain(err_r, result.err);
        if (fds[3].revents & POLLOUT) {
            ssize_t w = ::write(in_w.fd, options.stdin_data.data() + written,
                                options.stdin_data.size() - written);
            if (w > 0) written += w;
            if (w < 0 && errno != EAGAIN && errno != EINTR) in_w.reset();
            if (written == options.stdin_data.size()) in_w.reset();
        } else if (fds[3].revents) {
            in_w.reset();  // the program closed its stdin
        }
        exited = fds[0].revents & POLLIN;
    }

    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    // What the program wrote before exiting is in the pipes now.
    if (out_r.fd >= 0) drain(out_r, result.out);
    if (err_r.fd >= 0) drain(err_r, result.err);
    if (WIFEXITED(status)) {
        result.status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
        result.status = 128 + result.signal;
    }
    return result;
}

std::string unique_id() {
    static std::atomic<unsigned> counter{0};
    return "mt-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

}  // namespace moat::test
