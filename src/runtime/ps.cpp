// `ps`: the container's processes are the pids in its cgroup. The json form
// is what containerd parses (a bare array of pids); the table form runs the
// host's ps and keeps the lines whose PID column is one of them, as runc does.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "linux/exec.hpp"
#include "linux/fd.hpp"
#include "runtime/container.hpp"

namespace moat::runtime {

namespace {

// Run `ps ARGS` from the host's PATH; its stdout, or an error with its status.
Result<std::string> run_ps(const std::vector<std::string>& ps_args) {
    std::vector<std::string> env;
    if (const char* path = ::getenv("PATH")) env.push_back(std::string("PATH=") + path);
    auto exe = MOAT_TRY(linux::find_executable("ps", env));
    std::vector<std::string> args = {"ps"};
    args.insert(args.end(), ps_args.begin(), ps_args.end());
    linux::ExecArgs exec(args, env);

    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0) return sys_fail("pipe");
    linux::UniqueFd rd(pipefd[0]), wr(pipefd[1]);
    pid_t pid = ::fork();
    if (pid < 0) return sys_fail("fork");
    if (pid == 0) {
        ::dup2(wr.get(), STDOUT_FILENO);
        ::execve(exe.c_str(), exec.argv.data(), exec.envp.data());
        ::_exit(127);
    }
    wr.reset();
    auto out = linux::read_fd(rd.get());
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return sys_fail("wait for ps");
    if (!out) return std::unexpected(std::move(out.error()));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail("ps exited with status " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status)
                                                                                 : 128 + WTERMSIG(status)));
    return *out;
}

std::vector<std::string> fields(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string f; in >> f;) out.push_back(f);
    return out;
}

}  // namespace

Result<std::vector<pid_t>> processes(const Global& g, const std::string& id) {
    StateStore store(g.root);
    auto c = MOAT_TRY(load_container(store, id));
    auto cg = MOAT_TRY(context(container_cgroup(c.record), "ps " + id));
    auto pids = cg->processes();
    // A stopped container whose cgroup is already gone has no processes.
    if (!pids && pids.error().code == ENOENT && c.status == "stopped") return std::vector<pid_t>{};
    return context(std::move(pids), "ps " + id);
}

Result<std::string> ps_table(const Global& g, const std::string& id, const std::vector<std::string>& ps_args) {
    auto pids = MOAT_TRY(processes(g, id));
    auto text = MOAT_TRY(context(run_ps(ps_args.empty() ? std::vector<std::string>{"-ef"} : ps_args), "ps " + id));

    std::istringstream in(text);
    std::string header;
    std::getline(in, header);
    auto columns = fields(header);
    auto at = std::find(columns.begin(), columns.end(), "PID");
    if (at == columns.end())
        return fail("ps " + id + ": no PID column in ps output (ps options must keep the pid column)", EINVAL);
    size_t pid_col = static_cast<size_t>(at - columns.begin());

    std::string out = header + "\n";
    for (std::string line; std::getline(in, line);) {
        auto f = fields(line);
        if (f.size() <= pid_col) continue;
        char* end = nullptr;
        long pid = std::strtol(f[pid_col].c_str(), &end, 10);
        if (end == f[pid_col].c_str() || *end != '\0') continue;
        if (std::binary_search(pids.begin(), pids.end(), static_cast<pid_t>(pid))) out += line + "\n";
    }
    return out;
}

}  // namespace moat::runtime
