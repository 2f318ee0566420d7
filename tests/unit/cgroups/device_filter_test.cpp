// The eBPF device filter, run through a small interpreter of the
// instructions the builder emits (the real kernel run is in real_host_test).
#include <gtest/gtest.h>

#include "cgroups/internal.hpp"

using namespace moat;
using namespace moat::cgroups::detail;

namespace {

enum Access { R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD };
constexpr uint32_t kChar = BPF_DEVCG_DEV_CHAR, kBlock = BPF_DEVCG_DEV_BLOCK;

// Runs the program on one request; fails the test on anything it does not know.
int run(const std::vector<bpf_insn>& prog, uint32_t type, uint32_t access, uint32_t major, uint32_t minor) {
    uint32_t ctx[3] = {(access << 16) | type, major, minor};
    uint64_t reg[11] = {};
    size_t pc = 0;
    for (int steps = 0; steps < 10000; ++steps) {
        if (pc >= prog.size()) {
            ADD_FAILURE() << "fell off the end";
            return -1;
        }
        const bpf_insn& i = prog[pc];
        uint8_t cls = BPF_CLASS(i.code);
        if (i.code == (BPF_LDX | BPF_W | BPF_MEM)) {
            EXPECT_EQ(i.src_reg, BPF_REG_1);
            EXPECT_TRUE(i.off == 0 || i.off == 4 || i.off == 8);
            reg[i.dst_reg] = ctx[i.off / 4];
        } else if (i.code == (BPF_ALU64 | BPF_MOV | BPF_X)) {
            reg[i.dst_reg] = reg[i.src_reg];
        } else if (i.code == (BPF_ALU64 | BPF_MOV | BPF_K)) {
            reg[i.dst_reg] = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
        } else if (i.code == (BPF_ALU | BPF_AND | BPF_K)) {
            reg[i.dst_reg] = static_cast<uint32_t>(reg[i.dst_reg]) & static_cast<uint32_t>(i.imm);
        } else if (i.code == (BPF_ALU | BPF_RSH | BPF_K)) {
            reg[i.dst_reg] = static_cast<uint32_t>(reg[i.dst_reg]) >> i.imm;
        } else if (cls == BPF_JMP && BPF_OP(i.code) == BPF_EXIT) {
            return static_cast<int>(reg[0]);
        } else if (i.code == (BPF_JMP | BPF_JNE | BPF_K) || i.code == (BPF_JMP | BPF_JEQ | BPF_K)) {
            bool eq = reg[i.dst_reg] == static_cast<uint64_t>(static_cast<int64_t>(i.imm));
            bool take = BPF_OP(i.code) == BPF_JEQ ? eq : !eq;
            if (take) pc += i.off;
        } else {
            ADD_FAILURE() << "unexpected opcode " << int(i.code);
            return -1;
        }
        ++pc;
    }
    ADD_FAILURE() << "no exit";
    return -1;
}

spec::DeviceCgroup rule(bool allow, std::optional<std::string> type, std::optional<int64_t> major,
                        std::optional<int64_t> minor, std::optional<std::string> access) {
    return spec::DeviceCgroup{allow, type, major, minor, access};
}

}  // namespace

TEST(DeviceFilter, NoRulesAllowsEverything) {
    auto p = build_device_filter({});
    EXPECT_EQ(run(p, kChar, R | W, 1, 3), 1);
    EXPECT_EQ(run(p, kBlock, M, 8, 0), 1);
}

TEST(DeviceFilter, WhitelistAfterDenyAll) {
    // The hardened profile's shape: deny everything, then allow a few nodes.
    auto p = build_device_filter({
        rule(false, "a", std::nullopt, std::nullopt, "rwm"),
        rule(true, "c", 1, 3, "rwm"),  // null
        rule(true, "c", 1, 5, "rw"),   // zero: no mknod
        rule(true, "c", 136, std::nullopt, "rw"),  // any pty
    });
    EXPECT_EQ(run(p, kChar, R | W, 1, 3), 1);
    EXPECT_EQ(run(p, kChar, M, 1, 3), 1);
    EXPECT_EQ(run(p, kChar, R, 1, 5), 1);
    EXPECT_EQ(run(p, kChar, M, 1, 5), 0);
    EXPECT_EQ(run(p, kChar, R | M, 1, 5), 0);  // more than the rule allows
    EXPECT_EQ(run(p, kChar, R | W, 136, 7), 1);
    EXPECT_EQ(run(p, kBlock, R, 1, 3), 0);     // type matters
    EXPECT_EQ(run(p, kChar, R, 1, 7), 0);      // full: not listed
    EXPECT_EQ(run(p, kBlock, R, 8, 0), 0);
}

TEST(DeviceFilter, LastMatchingRuleWins) {
    auto p = build_device_filter({
        rule(true, "c", 1, 3, "rwm"),
        rule(false, "c", 1, 3, "rwm"),
    });
    EXPECT_EQ(run(p, kChar, R, 1, 3), 0);
    EXPECT_EQ(run(p, kChar, R, 1, 5), 1);  // unmatched: allowed
    auto q = build_device_filter({
        rule(false, "c", 1, 3, "rwm"),
        rule(true, "c", 1, 3, "rwm"),
    });
    EXPECT_EQ(run(q, kChar, R, 1, 3), 1);
}

TEST(DeviceFilter, DenyMatchesAnyOverlap) {
    // Denying writes to /dev/null refuses an open for read+write, not a read.
    auto p = build_device_filter({rule(false, "c", 1, 3, "w")});
    EXPECT_EQ(run(p, kChar, R | W, 1, 3), 0);
    EXPECT_EQ(run(p, kChar, W, 1, 3), 0);
    EXPECT_EQ(run(p, kChar, R, 1, 3), 1);
}

TEST(DeviceFilter, WildcardsAndMinusOne) {
    auto p = build_device_filter({
        rule(false, std::nullopt, std::nullopt, std::nullopt, std::nullopt),
        rule(true, "b", 8, -1, "r"),
    });
    EXPECT_EQ(run(p, kBlock, R, 8, 17), 1);
    EXPECT_EQ(run(p, kBlock, W, 8, 17), 0);
    EXPECT_EQ(run(p, kChar, R, 8, 17), 0);
}

TEST(DeviceFilter, NothingAfterARuleThatMatchesEverything) {
    // The kernel's verifier refuses unreachable instructions.
    auto p = build_device_filter({rule(true, "c", 1, 3, "rwm"), rule(false, "a", std::nullopt, std::nullopt, "rwm")});
    EXPECT_EQ(p.size(), 7u + 2u);  // prologue + the deny-all block, no default
    EXPECT_EQ(run(p, kChar, R, 1, 3), 0);
}
