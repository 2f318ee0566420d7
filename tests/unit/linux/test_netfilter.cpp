// The egress allowlist's helper protocol: what moat writes to moat-nft and
// reads back, and the real moat-nft binary answering it (its batch is the one
// the library builds; bad input is refused with a message and status 1).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "linux/fd.hpp"
#include "linux/netfilter.hpp"
#include "linux/nftables.hpp"

using namespace moat;
using namespace moat::linux;

extern char** environ;

namespace {

std::vector<EgressDestination> sample() {
    EgressDestination v4;
    v4.address = {10, 231, 0, 0};
    v4.prefix = 16;
    v4.protocol = IPPROTO_TCP;
    v4.port_first = 8000;
    v4.port_last = 8080;
    EgressDestination v6;
    v6.family = 6;
    v6.address = {0xfd, 0x00, 0x02, 0x31};
    v6.prefix = 128;
    return {v4, v6};
}

struct Ran {
    int status = -1;
    std::string out, err;
};

// Runs the built moat-nft with `input` on stdin.
Ran run_helper(const std::vector<std::string>& args, const std::string& input) {
    Ran r;
    int in[2], out[2], err[2];
    if (::pipe(in) || ::pipe(out) || ::pipe(err)) return r;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) posix_spawn_file_actions_addclose(&fa, fd);
    std::vector<char*> argv{const_cast<char*>(MOAT_NFT_BINARY)};
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid;
    int rc = ::posix_spawn(&pid, MOAT_NFT_BINARY, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]), ::close(out[1]), ::close(err[1]);
    if (rc == 0) (void)write_all(in[1], input);
    ::close(in[1]);
    r.out = read_fd(out[0]).value_or("");
    r.err = read_fd(err[0]).value_or("");
    ::close(out[0]), ::close(err[0]);
    if (rc == 0) ::waitpid(pid, &r.status, 0);
    return r;
}

}  // namespace

TEST(NetfilterProtocol, DestinationsSurviveTheLineFormat) {
    auto back = decode_destinations(encode_destinations(sample()));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, sample());
    auto none = decode_destinations("");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST(NetfilterProtocol, MalformedDestinationNamesItsLine) {
    auto text = encode_destinations(sample()) + "4 32 6 80\n";
    auto r = decode_destinations(text);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "destination 3: malformed");
    EXPECT_FALSE(decode_destinations("4 32 6 80 80 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"));
    EXPECT_FALSE(decode_destinations("4 32 999 80 80 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"));
}

TEST(NetfilterProtocol, CountersSurviveTheLineFormat) {
    DropCounters c{3, 180, 18446744073709551615ull, 80};
    auto back = decode_counters(encode_counters(c));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, c);
    EXPECT_FALSE(decode_counters("1 2 3\n"));
    EXPECT_FALSE(decode_counters("1 2 3 4 5\n"));
    EXPECT_FALSE(decode_counters("1 2 3 -4\n"));
}

TEST(NftHelper, BatchIsTheLibrarysBatch) {
    auto expected = nftables::egress_batch(sample());
    ASSERT_TRUE(expected) << expected.error().message;
    auto r = run_helper({"batch"}, encode_destinations(sample()));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, std::string(expected->begin(), expected->end()));
    // Begin and end of a batch, and table, two counters, chain, rules between.
    EXPECT_GT(r.out.size(), 1000u);
}

TEST(NftHelper, RefusesWhatItCannotBuild) {
    auto bad = sample();
    bad[0].prefix = 33;
    auto r = run_helper({"batch"}, encode_destinations(bad));
    EXPECT_EQ(WEXITSTATUS(r.status), 1);
    EXPECT_EQ(r.err, "egress destination out of range\n");
    EXPECT_TRUE(r.out.empty());

    r = run_helper({"batch"}, "not a destination\n");
    EXPECT_EQ(WEXITSTATUS(r.status), 1);
    EXPECT_EQ(r.err, "destination 1: malformed\n");

    r = run_helper({"counters", "/nonexistent/netns"}, "");
    EXPECT_EQ(WEXITSTATUS(r.status), 1);
    EXPECT_EQ(r.err, "open /nonexistent/netns: No such file or directory\n");

    r = run_helper({"frobnicate"}, "");
    EXPECT_EQ(WEXITSTATUS(r.status), 1);
    EXPECT_EQ(r.err, "usage: moat-nft batch | moat-nft counters NETNS\n");
}
