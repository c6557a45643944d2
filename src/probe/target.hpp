#pragma once
// What may be probed, and how a target is written. Probing is opt-in and confined to an allow-list of
// networks and host names; the default is loopback only, so nothing leaves the machine unless the
// operator says so.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip_address.hpp"
#include "core/result.hpp"

namespace minewatch::probe {

struct Endpoint {
  std::string host;  // as written (name or address literal)
  std::uint16_t port = 0;
  bool tls = false;  // stratum+ssl:// or stratum+tls://
  [[nodiscard]] std::string to_string() const;
};

// HOST:PORT, [V6]:PORT, optionally with a scheme: stratum+tcp://, stratum+ssl://, stratum+tls://, tcp://.
Result<Endpoint> parse_endpoint(std::string_view text);

struct Cidr {
  IpAddress network;
  int prefix = 0;
  [[nodiscard]] bool contains(const IpAddress& ip) const;
};
Result<Cidr> parse_cidr(std::string_view text);  // "10.0.0.0/8", "::1/128", or a bare address

class TargetPolicy {
 public:
  // 127.0.0.0/8 and ::1.
  static TargetPolicy loopback_only();
  // A CIDR, an address, or a host name (exact, case-insensitive; "*.example.org" for a suffix).
  Result<void> allow(std::string_view spec);
  // An address may be probed when it is inside an allowed network, or when it was resolved from an
  // allowed host name and is a public unicast address (a name never opens loopback, private, link-local,
  // shared, multicast or reserved space that no network entry allows: no DNS rebinding inward).
  [[nodiscard]] bool allows(const IpAddress& ip, std::string_view resolved_from = {}) const;
  // A host name may be resolved (a DNS query sent) only when it is allowed by name or suffix. Address
  // literals are not names: they are checked with allows().
  [[nodiscard]] bool allows_name(std::string_view name) const;
  [[nodiscard]] std::string describe() const;

 private:
  std::vector<Cidr> networks_;
  std::set<std::string> names_;
  std::vector<std::string> suffixes_;
};

// Resolves a host (address literal or name) to addresses; names go through getaddrinfo.
Result<std::vector<IpAddress>> resolve(const std::string& host);

// Not a globally routable unicast address: loopback, private (RFC 1918, fc00::/7), link-local, shared
// (100.64/10), documentation, benchmarking, multicast, unspecified, broadcast and reserved ranges.
[[nodiscard]] bool is_special_address(const IpAddress& ip);

}  // namespace minewatch::probe
