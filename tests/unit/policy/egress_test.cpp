// Egress allowlist entries: accepted forms and every rejected one, by name.
#include <gtest/gtest.h>

#include "moat/policy.hpp"

namespace moat::policy {
namespace {

TEST(Egress, Ipv4CidrPortProtocol) {
    auto r = parse_egress_rule("10.1.2.0/24:443/tcp");
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->network.str(), "10.1.2.0");
    EXPECT_EQ(r->prefix, 24);
    EXPECT_EQ(r->port_first, 443);
    EXPECT_EQ(r->port_last, 443);
    EXPECT_EQ(r->protocol, EgressRule::Protocol::tcp);
    EXPECT_EQ(r->text, "10.1.2.0/24:443/tcp");
}

TEST(Egress, BareAddressIsAHost) {
    auto r = parse_egress_rule("192.0.2.7");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->prefix, 32);
    EXPECT_FALSE(r->has_ports());
    EXPECT_EQ(r->protocol, EgressRule::Protocol::any);
}

TEST(Egress, PortRangeAndUdp) {
    auto r = parse_egress_rule("10.0.0.0/8:8000-8100/udp");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->port_first, 8000);
    EXPECT_EQ(r->port_last, 8100);
    EXPECT_EQ(r->protocol, EgressRule::Protocol::udp);
}

TEST(Egress, ProtocolWithoutPort) {
    auto r = parse_egress_rule("10.0.0.0/8/udp");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->prefix, 8);
    EXPECT_FALSE(r->has_ports());
    EXPECT_EQ(r->protocol, EgressRule::Protocol::udp);
}

TEST(Egress, HostBitsCleared) {
    auto r = parse_egress_rule("10.1.2.3/16");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->network.str(), "10.1.0.0");
}

TEST(Egress, Ipv6BareAndBracketed) {
    auto a = parse_egress_rule("2001:db8::/32");
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(a->network.family, 6);
    EXPECT_EQ(a->prefix, 32);
    EXPECT_FALSE(a->has_ports());
    auto b = parse_egress_rule("[2001:db8::1]:443/tcp");
    ASSERT_TRUE(b) << b.error().message;
    EXPECT_EQ(b->prefix, 128);
    EXPECT_EQ(b->port_first, 443);
    EXPECT_EQ(b->network.str(), "2001:db8::1");
}

void expect_error(std::string_view entry, std::string_view words) {
    auto r = parse_egress_rule(entry);
    ASSERT_FALSE(r) << entry;
    EXPECT_NE(r.error().message.find("\"" + std::string(entry) + "\""), std::string::npos)
        << "error does not name the entry: " << r.error().message;
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
}

TEST(Egress, Rejected) {
    expect_error("10.0.0.0/33", "prefix");
    expect_error("2001:db8::/129", "prefix");
    expect_error("10.0.0.0/", "prefix");
    expect_error("10.0.0.1:0", "out of range");
    expect_error("10.0.0.1:65536", "out of range");
    expect_error("10.0.0.1:70000/tcp", "out of range");
    expect_error("10.0.0.1:443-80", "reversed");
    expect_error("10.0.0.1:", "empty port");
    expect_error("10.0.0.1:https", "bad port");
    expect_error("pypi.org:443", "hostname");
    expect_error("example.com", "hostname");
    expect_error("10.0.0.256", "not an IP address");
    expect_error("[2001:db8::1", "missing ']'");
    expect_error("", "empty address");
}

TEST(Egress, DnsAddress) {
    EXPECT_TRUE(parse_ip_address("10.0.0.2"));
    EXPECT_TRUE(parse_ip_address("fd00::53"));
    auto h = parse_ip_address("dns.google");
    ASSERT_FALSE(h);
    EXPECT_NE(h.error().message.find("hostname"), std::string::npos);
}

}  // namespace
}  // namespace moat::policy
