// Egress allowlist entries: "CIDR[:PORT[-PORT]][/tcp|/udp]", IPv6 with a port
// in brackets ("[2001:db8::/32]:443/tcp"). Every error names the entry, so an
// operator sees which line of the policy is wrong; nothing is ever widened.
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "moat/policy.hpp"

namespace moat::policy {
namespace {

bool looks_like_hostname(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](unsigned char c) {
        return std::isalpha(c) && !std::isxdigit(c);
    }) || (s.find('.') != std::string_view::npos &&
           std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isalpha(c); }));
}

Result<uint64_t> parse_number(std::string_view s) {
    uint64_t n = 0;
    if (s.empty()) return fail("empty number");
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size()) return fail("not a number: \"" + std::string(s) + "\"");
    return n;
}

Result<uint16_t> parse_port(std::string_view s) {
    auto n = parse_number(s);
    if (!n) return fail("bad port \"" + std::string(s) + "\"");
    if (*n == 0 || *n > 65535)
        return fail("port " + std::string(s) + " out of range 1..65535");
    return static_cast<uint16_t>(*n);
}

}  // namespace

std::string IpAddress::str() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
    return buf;
}

Result<IpAddress> parse_ip_address(std::string_view text) {
    std::string s(text);
    IpAddress a;
    if (s.find(':') != std::string::npos) {
        a.family = 6;
        if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) return a;
    } else {
        a.family = 4;
        if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
    }
    if (looks_like_hostname(text))
        return fail("\"" + s + "\" is a hostname; an IP address is required");
    return fail("\"" + s + "\" is not an IP address");
}

Result<EgressRule> parse_egress_rule(std::string_view entry) {
    auto bad = [&](std::string why) {
        return fail("allow entry \"" + std::string(entry) + "\": " + why);
    };
    EgressRule r;
    r.text = std::string(entry);
    std::string_view s = entry;

    if (s.ends_with("/tcp")) {
        r.protocol = EgressRule::Protocol::tcp;
        s.remove_suffix(4);
    } else if (s.ends_with("/udp")) {
        r.protocol = EgressRule::Protocol::udp;
        s.remove_suffix(4);
    }

    std::string_view cidr = s, ports;
    if (s.starts_with('[')) {
        auto close = s.find(']');
        if (close == std::string_view::npos) return bad("missing ']'");
        cidr = s.substr(1, close - 1);
        auto rest = s.substr(close + 1);
        if (!rest.empty()) {
            if (rest[0] != ':') return bad("expected ':PORT' after ']'");
            ports = rest.substr(1);
            if (ports.empty()) return bad("empty port");
        }
    } else if (std::count(s.begin(), s.end(), ':') == 1) {
        auto colon = s.find(':');
        cidr = s.substr(0, colon);
        ports = s.substr(colon + 1);
        if (ports.empty()) return bad("empty port");
    }  // more than one ':' without brackets: a bare IPv6 CIDR

    if (cidr.empty()) return bad("empty address");
    std::string_view addr = cidr, prefix;
    if (auto slash = cidr.find('/'); slash != std::string_view::npos) {
        addr = cidr.substr(0, slash);
        prefix = cidr.substr(slash + 1);
    }
    auto ip = parse_ip_address(addr);
    if (!ip) return bad(ip.error().message);
    int max_prefix = ip->family == 4 ? 32 : 128;
    r.prefix = max_prefix;
    if (!prefix.empty() || cidr.find('/') != std::string_view::npos) {
        auto n = parse_number(prefix);
        if (!n || *n > static_cast<uint64_t>(max_prefix))
            return bad("prefix \"/" + std::string(prefix) + "\" must be 0.." + std::to_string(max_prefix));
        r.prefix = static_cast<int>(*n);
    }
    // Clear host bits so equal networks compare equal and nftables gets a network.
    r.network = *ip;
    for (int bit = r.prefix; bit < max_prefix; ++bit)
        r.network.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));

    if (!ports.empty()) {
        auto dash = ports.find('-');
        auto first = parse_port(ports.substr(0, dash));
        if (!first) return bad(first.error().message);
        r.port_first = r.port_last = *first;
        if (dash != std::string_view::npos) {
            auto last = parse_port(ports.substr(dash + 1));
            if (!last) return bad(last.error().message);
            if (*last < *first) return bad("port range " + std::string(ports) + " is reversed");
            r.port_last = *last;
        }
    }
    return r;
}

}  // namespace moat::policy
