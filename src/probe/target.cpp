#include "probe/target.hpp"

#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/ascii.hpp"

namespace minewatch::probe {

namespace {}  // namespace

std::string Endpoint::to_string() const {
  bool v6 = host.find(':') != std::string::npos;
  return v6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

Result<Endpoint> parse_endpoint(std::string_view text) {
  Endpoint ep;
  std::string_view t = text;
  if (auto p = t.find("://"); p != std::string_view::npos) {
    std::string scheme = lower_ascii(t.substr(0, p));
    if (scheme == "stratum+ssl" || scheme == "stratum+tls" || scheme == "ssl" || scheme == "tls") {
      ep.tls = true;
    } else if (scheme != "stratum+tcp" && scheme != "tcp" && scheme != "stratum") {
      return make_error(fmt::format("{}: unknown scheme '{}'", text, scheme));
    }
    t.remove_prefix(p + 3);
  }
  if (auto slash = t.find('/'); slash != std::string_view::npos) t = t.substr(0, slash);
  std::string_view host, port;
  if (!t.empty() && t.front() == '[') {
    auto close = t.find(']');
    if (close == std::string_view::npos || close + 1 >= t.size() || t[close + 1] != ':') {
      return make_error(fmt::format("{}: expected [IPv6]:PORT", text));
    }
    host = t.substr(1, close - 1);
    port = t.substr(close + 2);
  } else {
    auto colon = t.rfind(':');
    if (colon == std::string_view::npos || t.find(':') != colon) {
      return make_error(fmt::format("{}: expected HOST:PORT", text));
    }
    host = t.substr(0, colon);
    port = t.substr(colon + 1);
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (host.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value == 0 || value > 65535) {
    return make_error(fmt::format("{}: bad host or port", text));
  }
  ep.host = std::string{host};
  ep.port = static_cast<std::uint16_t>(value);
  return ep;
}

bool Cidr::contains(const IpAddress& ip) const {
  if (ip.is_v6 != network.is_v6) return false;
  int bits = prefix;
  for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
    auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff);
    if ((ip.bytes[i] & mask) != (network.bytes[i] & mask)) return false;
  }
  return true;
}

Result<Cidr> parse_cidr(std::string_view text) {
  Cidr c;
  std::string_view addr = text;
  int max_prefix = 0;
  auto slash = text.find('/');
  if (slash != std::string_view::npos) addr = text.substr(0, slash);
  if (!IpAddress::parse(addr, c.network)) return make_error(fmt::format("{}: not an address or CIDR", text));
  max_prefix = c.network.is_v6 ? 128 : 32;
  c.prefix = max_prefix;
  if (slash != std::string_view::npos) {
    auto p = text.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), c.prefix);
    if (ec != std::errc{} || ptr != p.data() + p.size() || c.prefix < 0 || c.prefix > max_prefix) {
      return make_error(fmt::format("{}: bad prefix length", text));
    }
  }
  return c;
}

TargetPolicy TargetPolicy::loopback_only() {
  TargetPolicy p;
  (void)p.allow("127.0.0.0/8");
  (void)p.allow("::1/128");
  return p;
}

Result<void> TargetPolicy::allow(std::string_view spec) {
  if (spec.empty()) return make_error("empty allow-list entry");
  IpAddress probe_addr;
  std::string_view addr_part = spec.substr(0, spec.find('/'));
  if (IpAddress::parse(addr_part, probe_addr)) {
    auto c = parse_cidr(spec);
    if (!c) return std::unexpected(c.error());
    networks_.push_back(*c);
    return {};
  }
  std::string name = lower_ascii(spec);
  if (name.starts_with("*.")) {
    suffixes_.push_back(name.substr(1));  // ".example.org"
    return {};
  }
  for (char ch : name) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' || ch == '_')) {
      return make_error(fmt::format("{}: not a CIDR, address or host name", spec));
    }
  }
  names_.insert(name);
  return {};
}

bool TargetPolicy::allows(const IpAddress& ip, std::string_view resolved_from) const {
  for (const auto& n : networks_) {
    if (n.contains(ip)) return true;
  }
  return !resolved_from.empty() && allows_name(resolved_from) && !is_special_address(ip);
}

bool TargetPolicy::allows_name(std::string_view host) const {
  IpAddress literal;
  if (host.empty() || IpAddress::parse(host, literal)) return false;
  std::string name = lower_ascii(host);
  while (!name.empty() && name.back() == '.') name.pop_back();  // "pool.example." is "pool.example"
  if (name.empty()) return false;
  if (names_.count(name)) return true;
  return std::any_of(suffixes_.begin(), suffixes_.end(), [&](const std::string& s) { return name.ends_with(s); });
}

bool is_special_address(const IpAddress& ip) {
  static const Cidr kSpecial[] = {
      *parse_cidr("0.0.0.0/8"),      *parse_cidr("10.0.0.0/8"),      *parse_cidr("100.64.0.0/10"),
      *parse_cidr("127.0.0.0/8"),    *parse_cidr("169.254.0.0/16"),  *parse_cidr("172.16.0.0/12"),
      *parse_cidr("192.0.0.0/24"),   *parse_cidr("192.0.2.0/24"),    *parse_cidr("192.168.0.0/16"),
      *parse_cidr("198.18.0.0/15"),  *parse_cidr("198.51.100.0/24"), *parse_cidr("203.0.113.0/24"),
      *parse_cidr("224.0.0.0/3"),    *parse_cidr("::/127"),          *parse_cidr("::ffff:0:0/96"),
      *parse_cidr("64:ff9b:1::/48"), *parse_cidr("100::/64"),        *parse_cidr("2001:db8::/32"),
      *parse_cidr("fc00::/7"),       *parse_cidr("fe80::/10"),       *parse_cidr("ff00::/8")};
  return std::any_of(std::begin(kSpecial), std::end(kSpecial), [&](const Cidr& c) { return c.contains(ip); });
}

std::string TargetPolicy::describe() const {
  std::string out;
  for (const auto& n : networks_) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}/{}", n.network.to_string(), n.prefix);
  }
  for (const auto& n : names_) out += ", " + n;
  for (const auto& s : suffixes_) out += ", *" + s;
  return out;
}

Result<std::vector<IpAddress>> resolve(const std::string& host) {
  IpAddress literal;
  if (IpAddress::parse(host, literal)) return std::vector<IpAddress>{literal};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) return make_error(fmt::format("{}: {}", host, gai_strerror(rc)));
  std::vector<IpAddress> out;
  for (addrinfo* a = res; a; a = a->ai_next) {
    if (a->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      out.push_back(IpAddress::v4(reinterpret_cast<const std::uint8_t*>(&sin->sin_addr)));
    } else if (a->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      out.push_back(IpAddress::v6(reinterpret_cast<const std::uint8_t*>(&sin6->sin6_addr)));
    }
  }
  freeaddrinfo(res);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.empty()) return make_error(fmt::format("{}: no address", host));
  return out;
}

}  // namespace minewatch::probe
