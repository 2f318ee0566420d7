// The cgroup v2 device controller: an eBPF program of type
// BPF_PROG_TYPE_CGROUP_DEVICE, attached to the cgroup with BPF_CGROUP_DEVICE,
// that the kernel runs on every open/mknod of a device node.
//
// The program sees struct bpf_cgroup_dev_ctx { access_type, major, minor },
// access_type = (access << 16) | type. It checks the rules from last to first,
// so the last matching rule wins as it does on v1, and allows what no rule
// matches (a fresh v1 devices cgroup allows everything too; configs that want
// a whitelist start with a deny-all rule, as the hardened profile does).
// An allow rule matches a request wholly inside its access; a deny rule
// matches a request that touches its access at all.
#include <sys/syscall.h>
#include <unistd.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "cgroups/internal.hpp"

namespace moat::cgroups::detail {

namespace {

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}
bpf_insn load_ctx_u32(uint8_t dst, int16_t off) { return insn(BPF_LDX | BPF_W | BPF_MEM, dst, BPF_REG_1, off, 0); }
bpf_insn mov_reg(uint8_t dst, uint8_t src) { return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn mov_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm); }
bpf_insn and_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm); }
bpf_insn rsh_imm(uint8_t dst, int32_t imm) { return insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm); }
bpf_insn jump_imm(uint8_t op, uint8_t dst, int32_t imm) { return insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

// Registers the prologue fills.
constexpr uint8_t kType = BPF_REG_3, kAccess = BPF_REG_4, kMajor = BPF_REG_5, kMinor = BPF_REG_6;

int32_t access_mask(const std::optional<std::string>& access) {
    if (!access || access->empty()) return BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
    int32_t mask = 0;
    for (char c : *access) {
        if (c == 'r') mask |= BPF_DEVCG_ACC_READ;
        if (c == 'w') mask |= BPF_DEVCG_ACC_WRITE;
        if (c == 'm') mask |= BPF_DEVCG_ACC_MKNOD;
    }
    return mask;
}

// One rule: a run of "if it does not match, skip to the next rule" checks,
// then return the rule's verdict.
std::vector<bpf_insn> rule_block(const spec::DeviceCgroup& rule) {
    std::vector<bpf_insn> block;
    std::string type = rule.type ? *rule.type : "a";
    if (type == "c") block.push_back(jump_imm(BPF_JNE, kType, BPF_DEVCG_DEV_CHAR));
    if (type == "b") block.push_back(jump_imm(BPF_JNE, kType, BPF_DEVCG_DEV_BLOCK));
    const int32_t all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
    int32_t mask = access_mask(rule.access);
    if (mask != all) {
        block.push_back(mov_reg(BPF_REG_0, kAccess));
        if (rule.allow) {
            block.push_back(and_imm(BPF_REG_0, all & ~mask));  // asks for more than allowed?
            block.push_back(jump_imm(BPF_JNE, BPF_REG_0, 0));
        } else {
            block.push_back(and_imm(BPF_REG_0, mask));  // touches what is denied?
            block.push_back(jump_imm(BPF_JEQ, BPF_REG_0, 0));
        }
    }
    if (rule.major && *rule.major >= 0)
        block.push_back(jump_imm(BPF_JNE, kMajor, static_cast<int32_t>(*rule.major)));
    if (rule.minor && *rule.minor >= 0)
        block.push_back(jump_imm(BPF_JNE, kMinor, static_cast<int32_t>(*rule.minor)));
    block.push_back(mov_imm(BPF_REG_0, rule.allow ? 1 : 0));
    block.push_back(exit_insn());
    // Every conditional jump goes to the end of the block: the next rule.
    for (size_t i = 0; i < block.size(); ++i)
        if (BPF_CLASS(block[i].code) == BPF_JMP && BPF_OP(block[i].code) != BPF_EXIT)
            block[i].off = static_cast<int16_t>(block.size() - i - 1);
    return block;
}

long bpf(int cmd, bpf_attr& attr) { return ::syscall(SYS_bpf, cmd, &attr, sizeof attr); }

}  // namespace

std::vector<bpf_insn> build_device_filter(const std::vector<spec::DeviceCgroup>& rules) {
    std::vector<bpf_insn> prog = {
        load_ctx_u32(BPF_REG_2, 0),  // access_type
        mov_reg(kType, BPF_REG_2),   and_imm(kType, 0xffff),
        mov_reg(kAccess, BPF_REG_2), rsh_imm(kAccess, 16),
        load_ctx_u32(kMajor, 4),     load_ctx_u32(kMinor, 8),
    };
    for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
        auto block = rule_block(*it);
        prog.insert(prog.end(), block.begin(), block.end());
        // A rule without conditions decides everything: the verifier refuses
        // the unreachable code that earlier rules would be.
        if (block.size() == 2) return prog;
    }
    prog.push_back(mov_imm(BPF_REG_0, 1));
    prog.push_back(exit_insn());
    return prog;
}

Status attach_device_filter(const std::string& cgroup_dir, const std::vector<bpf_insn>& program) {
    static const char license[] = "Apache-2.0";
    std::string log(16384, '\0');
    bpf_attr load{};
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insns = reinterpret_cast<uint64_t>(program.data());
    load.insn_cnt = static_cast<uint32_t>(program.size());
    load.license = reinterpret_cast<uint64_t>(license);
    load.log_buf = reinterpret_cast<uint64_t>(log.data());
    load.log_size = static_cast<uint32_t>(log.size());
    load.log_level = 1;
    int prog = static_cast<int>(bpf(BPF_PROG_LOAD, load));
    if (prog < 0) {
        int e = errno;
        log.resize(strnlen(log.data(), log.size()));
        return sys_fail("linux.resources.devices: load the device filter" + (log.empty() ? "" : " (" + trim(log) + ")"), e);
    }
    int cg = ::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg < 0) {
        int e = errno;
        ::close(prog);
        return sys_fail("linux.resources.devices: open " + cgroup_dir, e);
    }
    // Programs already attached here (moat's earlier filter on `update`).
    uint32_t old_ids[64];
    bpf_attr query{};
    query.query.target_fd = static_cast<uint32_t>(cg);
    query.query.attach_type = BPF_CGROUP_DEVICE;
    query.query.prog_ids = reinterpret_cast<uint64_t>(old_ids);
    query.query.prog_cnt = 64;
    uint32_t old_count = bpf(BPF_PROG_QUERY, query) == 0 ? query.query.prog_cnt : 0;

    // Attach the new program next to the old ones, then detach those, so the
    // cgroup is never left without a filter.
    bpf_attr attach{};
    attach.target_fd = static_cast<uint32_t>(cg);
    attach.attach_bpf_fd = static_cast<uint32_t>(prog);
    attach.attach_type = BPF_CGROUP_DEVICE;
    attach.attach_flags = BPF_F_ALLOW_MULTI;
    long rc = bpf(BPF_PROG_ATTACH, attach);
    if (rc < 0 && errno == EPERM && old_count > 0) {
        // Someone attached a single (non-multi) program: replace it outright.
        attach.attach_flags = 0;
        rc = bpf(BPF_PROG_ATTACH, attach);
        old_count = 0;
    }
    int e = errno;
    ::close(prog);
    if (rc < 0) {
        ::close(cg);
        return sys_fail("linux.resources.devices: attach the device filter to " + cgroup_dir, e);
    }
    for (uint32_t i = 0; i < old_count && i < 64; ++i) {
        bpf_attr get{};
        get.prog_id = old_ids[i];
        int old = static_cast<int>(bpf(BPF_PROG_GET_FD_BY_ID, get));
        if (old < 0) continue;
        bpf_attr detach{};
        detach.target_fd = static_cast<uint32_t>(cg);
        detach.attach_bpf_fd = static_cast<uint32_t>(old);
        detach.attach_type = BPF_CGROUP_DEVICE;
        (void)bpf(BPF_PROG_DETACH, detach);
        ::close(old);
    }
    ::close(cg);
    return {};
}

}  // namespace moat::cgroups::detail
