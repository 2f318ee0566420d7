// The egress ruleset through libnftnl: building the batch, reading the drop
// counters back. Only the moat-nft helper links this file.
#include "linux/nftables.hpp"

#include <arpa/inet.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "linux/netlink.hpp"

namespace moat::linux::nftables {

namespace {

template <auto Free>
struct Deleter {
    template <typename T>
    void operator()(T* p) const { Free(p); }
};
using Table = std::unique_ptr<nftnl_table, Deleter<nftnl_table_free>>;
using Chain = std::unique_ptr<nftnl_chain, Deleter<nftnl_chain_free>>;
using Rule = std::unique_ptr<nftnl_rule, Deleter<nftnl_rule_free>>;
using Object = std::unique_ptr<nftnl_obj, Deleter<nftnl_obj_free>>;

constexpr const char* kCounter4 = "dropped_ipv4";
constexpr const char* kCounter6 = "dropped_ipv6";
// Every message in the batch fits in this (a rule is a few hundred bytes).
constexpr size_t kMessageRoom = 4096;

// Appends nfnetlink messages to one buffer; every change asks for an ack so
// the sender knows when the kernel has answered them all.
class Batch {
public:
    explicit Batch(size_t messages) : buf_((messages + 2) * kMessageRoom) {
        next(nftnl_batch_begin(here(), seq_++));
    }
    template <typename Obj, typename Payload>
    void add(uint16_t type, uint16_t flags, Obj* obj, Payload payload) {
        nlmsghdr* nlh = nftnl_nlmsg_build_hdr(here(), type, NFPROTO_INET, flags | NLM_F_ACK, seq_++);
        payload(nlh, obj);
        next(nlh);
        ++acks_;
    }
    std::vector<char> finish() && {
        next(nftnl_batch_end(here(), seq_++));
        buf_.resize(used_);
        return std::move(buf_);
    }

private:
    char* here() { return buf_.data() + used_; }
    void next(nlmsghdr* nlh) { used_ += NLMSG_ALIGN(nlh->nlmsg_len); }
    std::vector<char> buf_;
    size_t used_ = 0;
    uint32_t seq_ = 1;
    size_t acks_ = 0;
};

// ---- rule expressions (all through register 1) ----

void add_expr(nftnl_rule* r, const char* name, auto&& set) {
    nftnl_expr* e = nftnl_expr_alloc(name);
    set(e);
    nftnl_rule_add_expr(r, e);  // the rule owns it
}

void load_meta(nftnl_rule* r, uint32_t key) {
    add_expr(r, "meta", [&](nftnl_expr* e) {
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
        nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
    });
}

void load_payload(nftnl_rule* r, uint32_t base, uint32_t offset, uint32_t len) {
    add_expr(r, "payload", [&](nftnl_expr* e) {
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
        nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
    });
}

void compare(nftnl_rule* r, uint32_t op, const void* data, uint32_t len) {
    add_expr(r, "cmp", [&](nftnl_expr* e) {
        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
        nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
    });
}

void mask(nftnl_rule* r, const void* bits, uint32_t len) {
    const std::array<uint8_t, 16> zero{};
    add_expr(r, "bitwise", [&](nftnl_expr* e) {
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
        nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, bits, len);
        nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero.data(), len);
    });
}

void in_range(nftnl_rule* r, const void* from, const void* to, uint32_t len) {
    add_expr(r, "range", [&](nftnl_expr* e) {
        nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
        nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, from, len);
        nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, to, len);
    });
}

void match_u8(nftnl_rule* r, uint32_t meta_key, uint8_t value) {
    load_meta(r, meta_key);
    compare(r, NFT_CMP_EQ, &value, 1);
}

void count(nftnl_rule* r, const char* counter) {
    add_expr(r, "objref", [&](nftnl_expr* e) {
        nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
        nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, counter);
    });
}

void verdict(nftnl_rule* r, int v) {
    add_expr(r, "immediate", [&](nftnl_expr* e) {
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
        nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(v));
    });
}

Rule new_rule() {
    Rule r(nftnl_rule_alloc());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, kEgressTable);
    nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, kEgressChain);
    nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
    return r;
}

uint8_t nfproto(int family) { return family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4; }

// One accepted destination; ports without a protocol mean the caller made
// one rule per protocol (a port only exists for TCP and UDP).
Rule destination_rule(const EgressDestination& d, uint8_t protocol) {
    Rule rule = new_rule();
    nftnl_rule* r = rule.get();
    match_u8(r, NFT_META_NFPROTO, nfproto(d.family));
    const uint32_t len = d.family == 6 ? 16 : 4;
    const uint32_t bits = len * 8;
    if (d.prefix > 0) {
        load_payload(r, NFT_PAYLOAD_NETWORK_HEADER, d.family == 6 ? 24 : 16, len);
        if (static_cast<uint32_t>(d.prefix) < bits) {
            std::array<uint8_t, 16> m{};
            for (int i = 0; i < d.prefix; ++i) m[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
            mask(r, m.data(), len);
        }
        compare(r, NFT_CMP_EQ, d.address.data(), len);
    }
    if (protocol) match_u8(r, NFT_META_L4PROTO, protocol);
    if (d.port_first) {
        load_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
        uint16_t first = htons(d.port_first), last = htons(d.port_last);
        if (first == last) compare(r, NFT_CMP_EQ, &first, 2);
        else in_range(r, &first, &last, 2);
    }
    verdict(r, NF_ACCEPT);
    return rule;
}

std::vector<Rule> egress_rules(const std::vector<EgressDestination>& allow) {
    std::vector<Rule> rules;
    {
        Rule r = new_rule();
        char lo[IFNAMSIZ] = "lo";
        load_meta(r.get(), NFT_META_OIFNAME);
        compare(r.get(), NFT_CMP_EQ, lo, sizeof lo);
        verdict(r.get(), NF_ACCEPT);
        rules.push_back(std::move(r));
    }
    {
        Rule r = new_rule();
        add_expr(r.get(), "ct", [](nftnl_expr* e) {
            nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
            nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
        });
        const uint32_t state = NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED);
        const uint32_t zero = 0;
        mask(r.get(), &state, 4);
        compare(r.get(), NFT_CMP_NEQ, &zero, 4);
        verdict(r.get(), NF_ACCEPT);
        rules.push_back(std::move(r));
    }
    {
        // Neighbour discovery: without it no IPv6 address on the link is reachable.
        Rule r = new_rule();
        match_u8(r.get(), NFT_META_NFPROTO, NFPROTO_IPV6);
        match_u8(r.get(), NFT_META_L4PROTO, IPPROTO_ICMPV6);
        load_payload(r.get(), NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
        const uint8_t solicit = 135, advert = 136;
        in_range(r.get(), &solicit, &advert, 1);
        verdict(r.get(), NF_ACCEPT);
        rules.push_back(std::move(r));
    }
    for (auto& d : allow) {
        if (d.port_first && !d.protocol) {
            rules.push_back(destination_rule(d, IPPROTO_TCP));
            rules.push_back(destination_rule(d, IPPROTO_UDP));
        } else {
            rules.push_back(destination_rule(d, d.protocol));
        }
    }
    for (auto [family, counter] : {std::pair{4, kCounter4}, std::pair{6, kCounter6}}) {
        Rule r = new_rule();
        match_u8(r.get(), NFT_META_NFPROTO, nfproto(family));
        count(r.get(), counter);
        verdict(r.get(), NF_DROP);
        rules.push_back(std::move(r));
    }
    return rules;
}

Object counter_object(const char* name) {
    Object o(nftnl_obj_alloc());
    nftnl_obj_set_str(o.get(), NFTNL_OBJ_TABLE, kEgressTable);
    nftnl_obj_set_str(o.get(), NFTNL_OBJ_NAME, name);
    nftnl_obj_set_u32(o.get(), NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
    return o;
}

}  // namespace

Result<std::vector<char>> egress_batch(const std::vector<EgressDestination>& allow) {
    for (auto& d : allow)
        if ((d.family != 4 && d.family != 6) || d.prefix < 0 || d.prefix > (d.family == 6 ? 128 : 32) ||
            d.port_first > d.port_last)
            return fail("egress destination out of range", EINVAL);
    auto rules = egress_rules(allow);
    Batch batch(rules.size() + 6);

    Table table(nftnl_table_alloc());
    nftnl_table_set_str(table.get(), NFTNL_TABLE_NAME, kEgressTable);
    // add, delete, add: a ruleset left by an earlier container in this
    // namespace is replaced, atomically, within the one transaction.
    batch.add(NFT_MSG_NEWTABLE, NLM_F_CREATE, table.get(), nftnl_table_nlmsg_build_payload);
    batch.add(NFT_MSG_DELTABLE, 0, table.get(), nftnl_table_nlmsg_build_payload);
    batch.add(NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, table.get(), nftnl_table_nlmsg_build_payload);
    for (const char* name : {kCounter4, kCounter6}) {
        Object counter = counter_object(name);
        batch.add(NFT_MSG_NEWOBJ, NLM_F_CREATE | NLM_F_EXCL, counter.get(), nftnl_obj_nlmsg_build_payload);
    }
    Chain chain(nftnl_chain_alloc());
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TABLE, kEgressTable);
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_NAME, kEgressChain);
    nftnl_chain_set_str(chain.get(), NFTNL_CHAIN_TYPE, "filter");
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_OUT);
    nftnl_chain_set_s32(chain.get(), NFTNL_CHAIN_PRIO, 0);
    nftnl_chain_set_u32(chain.get(), NFTNL_CHAIN_POLICY, NF_DROP);
    batch.add(NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, chain.get(), nftnl_chain_nlmsg_build_payload);
    for (auto& r : rules)
        batch.add(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, r.get(), nftnl_rule_nlmsg_build_payload);
    return std::move(batch).finish();
}

Result<DropCounters> drop_counters() {
    auto nl = MOAT_TRY(NetlinkSocket::open(NETLINK_NETFILTER));
    DropCounters out;
    for (auto [name, packets, bytes] : {std::tuple{kCounter4, &out.ipv4_packets, &out.ipv4_bytes},
                                        std::tuple{kCounter6, &out.ipv6_packets, &out.ipv6_bytes}}) {
        std::vector<char> buf(kMessageRoom);
        Object query = counter_object(name);
        nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETOBJ, NFPROTO_INET, NLM_F_ACK, 1);
        nftnl_obj_nlmsg_build_payload(nlh, query.get());
        MOAT_CHECK_CTX(nl.send({buf.data(), nlh->nlmsg_len}), std::string("counter ") + name);
        MOAT_CHECK_CTX(nl.receive_acks(1,
                                       [&](const nlmsghdr* msg) -> Status {
                                           Object obj(nftnl_obj_alloc());
                                           if (nftnl_obj_nlmsg_parse(msg, obj.get()) < 0)
                                               return fail("malformed counter from nf_tables", EPROTO);
                                           *packets = nftnl_obj_get_u64(obj.get(), NFTNL_OBJ_CTR_PKTS);
                                           *bytes = nftnl_obj_get_u64(obj.get(), NFTNL_OBJ_CTR_BYTES);
                                           return {};
                                       }),
                       std::string("counter ") + name);
    }
    return out;
}

}  // namespace moat::linux::nftables
