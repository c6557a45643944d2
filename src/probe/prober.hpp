#pragma once
// Active probing of a suspected pool endpoint: connect (with a timeout), speak one mining dialect (or
// each in turn), judge the answer. Opt-in and fenced: every target is checked against the allow-list
// before any packet is sent, every connection takes a token from the global and per-target buckets,
// and verdicts are cached for a TTL.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/ip_address.hpp"
#include "probe/clock.hpp"
#include "probe/dialect.hpp"
#include "probe/rate_limiter.hpp"
#include "probe/target.hpp"
#include "probe/verdict_cache.hpp"

namespace minewatch::probe {

enum class Verdict : std::uint8_t {
  MiningPool,   // answered like a pool (dialect and details say how)
  NotMining,    // answered, but not as a pool: HTTP, SMTP, JSON-RPC errors, binary ...
  Silent,       // accepted the connection and said nothing within the read timeout
  Refused,      // connection refused (RST)
  Timeout,      // no connection within the connect timeout
  Unreachable,  // no route, name did not resolve, other socket errors
  NotAllowed,   // outside the allow-list: nothing was sent
  RateLimited,  // the rate limiter refused (the wait would exceed its bound): nothing was sent
};
std::string_view verdict_name(Verdict v);

struct ProbeConfig {
  Duration connect_timeout = std::chrono::seconds{3};
  Duration read_timeout = std::chrono::seconds{5};
  std::optional<Dialect> dialect;  // nullopt: auto (stratum, cryptonote, ethproxy in turn)
  Duration cache_ttl = std::chrono::minutes{30};
  RateLimitConfig limits;
  TargetPolicy policy = TargetPolicy::loopback_only();
  // Name resolution (getaddrinfo by default); called only for names the policy allows by name.
  std::function<Result<std::vector<IpAddress>>(const std::string&)> resolver = resolve;
};

struct Attempt {
  Dialect dialect = Dialect::Stratum;
  Verdict verdict = Verdict::Silent;
  Duration elapsed{};
  std::string reason;
  std::map<std::string, std::string> details;
  std::optional<Dialect> answered;
};

struct ProbeResult {
  std::string target;   // as asked: host:port
  std::string address;  // the address probed (empty when none)
  std::uint16_t port = 0;
  bool tls = false;
  Verdict verdict = Verdict::Unreachable;
  std::optional<Dialect> dialect;  // the dialect that answered as a pool
  std::string reason;
  std::map<std::string, std::string> details;
  std::vector<Attempt> attempts;
  bool cached = false;
  Duration elapsed{};
  Duration rate_wait{};  // time spent waiting for the rate limiter
};

class Prober {
 public:
  Prober(ProbeConfig config, TimeSource& time);

  ProbeResult probe(const Endpoint& target);
  // A flow's pool side: an address, no name.
  ProbeResult probe(const IpAddress& address, std::uint16_t port);

  [[nodiscard]] const ProbeConfig& config() const { return config_; }
  [[nodiscard]] std::uint64_t connects() const { return connects_; }  // connect() calls made
  [[nodiscard]] std::size_t cache_hits() const { return cache_.hits(); }
  [[nodiscard]] const RateLimiter& limiter() const { return limiter_; }

 private:
  ProbeResult probe(const IpAddress& address, std::uint16_t port, const std::string& name, bool tls);
  ProbeResult probe_address(const std::string& target, const IpAddress& ip, std::uint16_t port, bool tls,
                            std::string_view name);
  Attempt attempt(const IpAddress& ip, std::uint16_t port, Dialect d);

  ProbeConfig config_;
  RateLimiter limiter_;
  VerdictCache<ProbeResult> cache_;
  std::uint64_t connects_ = 0;
};

}  // namespace minewatch::probe
