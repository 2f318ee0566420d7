// moat-nft: the one program that links libnftnl, run by moat only when an
// egress allowlist is in force (linux/netfilter.hpp has the protocol).
//   moat-nft batch              destinations on stdin -> nfnetlink batch on stdout
//   moat-nft counters NETNS     "ipv4_packets ipv4_bytes ipv6_packets ipv6_bytes"
// Errors: one line on stderr, exit status 1.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "linux/fd.hpp"
#include "linux/nftables.hpp"

using namespace moat;
using namespace moat::linux;

namespace {

Result<std::string> batch() {
    auto input = MOAT_TRY(read_fd(0));
    auto allow = MOAT_TRY(decode_destinations(input));
    auto bytes = MOAT_TRY(nftables::egress_batch(allow));
    return std::string(bytes.begin(), bytes.end());
}

Result<std::string> counters(const std::string& netns) {
    auto ns = MOAT_TRY(open_fd(netns, O_RDONLY));
    if (::setns(ns.get(), CLONE_NEWNET) < 0) return sys_fail("enter network namespace " + netns);
    return encode_counters(MOAT_TRY(nftables::drop_counters()));
}

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "";
    Result<std::string> out = fail("usage: moat-nft batch | moat-nft counters NETNS", EINVAL);
    if (command == "batch" && argc == 2) out = batch();
    else if (command == "counters" && argc == 3) out = counters(argv[2]);
    Status done = out ? context(write_all(1, *out), "write") : Status(std::unexpected(out.error()));
    if (!done) {
        std::fprintf(stderr, "%s\n", done.error().message.c_str());
        return 1;
    }
    return 0;
}
