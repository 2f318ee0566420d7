// moat's side of the egress allowlist: running the moat-nft helper, speaking
// its line protocol, and sending the batch it built.
#include "linux/netfilter.hpp"

#include <limits.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "linux/fd.hpp"
#include "linux/netlink.hpp"

#ifndef MOAT_NFT_INSTALLED
#define MOAT_NFT_INSTALLED "/usr/local/sbin/moat-nft"
#endif

namespace moat::linux {

namespace {

// Runs the helper with `input` on its stdin, an empty environment, and
// returns its stdout; a failure carries the helper's own one-line message.
// The input is a memfd, not a pipe: a helper that dies early cannot leave
// moat blocked on a write or killed by SIGPIPE.
Result<std::string> run_helper(const std::vector<std::string>& args, std::string_view input) {
    const std::string path = nft_helper_path();
    UniqueFd in(::memfd_create("moat-nft-input", MFD_CLOEXEC));
    if (!in) return sys_fail("memfd_create");
    MOAT_CHECK_CTX(write_all(in.get(), input), "input for " + path);
    if (::lseek(in.get(), 0, SEEK_SET) < 0) return sys_fail("input for " + path);
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) < 0) return sys_fail("pipe");
    UniqueFd out_r(out[0]), out_w(out[1]);
    if (::pipe2(err, O_CLOEXEC) < 0) return sys_fail("pipe");
    UniqueFd err_r(err[0]), err_w(err[1]);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in.get(), 0);
    posix_spawn_file_actions_adddup2(&fa, out_w.get(), 1);
    posix_spawn_file_actions_adddup2(&fa, err_w.get(), 2);
    std::vector<char*> argv{const_cast<char*>(path.c_str())};
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    char* envp[] = {nullptr};
    pid_t pid = -1;
    int rc = ::posix_spawn(&pid, path.c_str(), &fa, nullptr, argv.data(), envp);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return sys_fail("run " + path, rc);
    out_w.reset();
    err_w.reset();

    // Its stderr is one short line, so reading stdout to the end first is safe.
    auto output = read_fd(out_r.get());
    auto message = read_fd(err_r.get(), 4096);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string why = message && !message->empty() ? *message : "exit status " + std::to_string(status);
        while (!why.empty() && why.back() == '\n') why.pop_back();
        return fail(path + ": " + why, EIO);
    }
    return output;
}

template <typename T>
bool parse_number(std::string_view& text, T& out) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc{}) return false;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    return true;
}

}  // namespace

std::string nft_helper_path() {
    char self[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        std::string beside(self, static_cast<size_t>(n));
        beside = beside.substr(0, beside.rfind('/') + 1) + "moat-nft";
        if (::access(beside.c_str(), X_OK) == 0) return beside;
    }
    return MOAT_NFT_INSTALLED;
}

std::string encode_destinations(const std::vector<EgressDestination>& allow) {
    std::string out;
    for (auto& d : allow) {
        out += std::to_string(d.family) + ' ' + std::to_string(d.prefix) + ' ' + std::to_string(d.protocol) + ' ' +
               std::to_string(d.port_first) + ' ' + std::to_string(d.port_last);
        for (uint8_t b : d.address) out += ' ' + std::to_string(b);
        out += '\n';
    }
    return out;
}

Result<std::vector<EgressDestination>> decode_destinations(std::string_view text) {
    std::vector<EgressDestination> out;
    size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        auto eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        EgressDestination d;
        bool ok = parse_number(line, d.family) && parse_number(line, d.prefix) && parse_number(line, d.protocol) &&
                  parse_number(line, d.port_first) && parse_number(line, d.port_last);
        for (auto& b : d.address) ok = ok && parse_number(line, b);
        if (!ok || !line.empty()) return fail("destination " + std::to_string(line_no) + ": malformed", EINVAL);
        out.push_back(d);
    }
    return out;
}

std::string encode_counters(const DropCounters& c) {
    return std::to_string(c.ipv4_packets) + ' ' + std::to_string(c.ipv4_bytes) + ' ' +
           std::to_string(c.ipv6_packets) + ' ' + std::to_string(c.ipv6_bytes) + '\n';
}

Result<DropCounters> decode_counters(std::string_view text) {
    DropCounters c;
    if (!parse_number(text, c.ipv4_packets) || !parse_number(text, c.ipv4_bytes) ||
        !parse_number(text, c.ipv6_packets) || !parse_number(text, c.ipv6_bytes) || text != "\n")
        return fail("malformed drop counters from moat-nft", EPROTO);
    return c;
}

Result<std::vector<char>> build_egress_batch(const std::vector<EgressDestination>& allow) {
    auto bytes = MOAT_TRY(run_helper({"batch"}, encode_destinations(allow)));
    return std::vector<char>(bytes.begin(), bytes.end());
}

Status send_netfilter_batch(const std::vector<char>& batch) {
    auto nl = MOAT_TRY(NetlinkSocket::open(NETLINK_NETFILTER));
    const std::string_view messages(batch.data(), batch.size());
    MOAT_CHECK_CTX(nl.send(messages), "send to nf_tables");
    return context(nl.receive_acks(count_acks(messages)), "nf_tables");
}

Result<DropCounters> read_drop_counters(const std::string& netns) {
    return decode_counters(MOAT_TRY(run_helper({"counters", netns}, {})));
}

}  // namespace moat::linux
