#pragma once
// Pool intelligence: mining pool domains (suffix-matched: "xmr-eu1.nanopool.org" matches
// "nanopool.org"), pool addresses (IPv4/IPv6, optionally with the ports the pool listens on), and an
// allow-list of domains and addresses that always wins (exchanges and wallet sites appear in some
// public block lists and must never make a host a miner). Every entry remembers which list it came
// from, so a verdict can say why. The built-in default is data/pools.toml, embedded at build time.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/ip_address.hpp"

namespace minewatch::intel {

struct PoolMatch {
  std::string_view domain;                       // the listed suffix that matched
  std::string_view coin_hint;                    // e.g. "XMR", "" when the pool is multi-coin or unknown
  std::string_view pool_name;                    // e.g. "SupportXMR", "" when the list did not say
  std::string_view source;                       // the list the entry came from ("builtin", a file name ...)
  std::span<const std::uint16_t> stratum_ports;  // documented plain stratum ports (may be empty)
  std::span<const std::uint16_t> tls_ports;      // documented stratum+ssl ports (may be empty)
};

struct AddressMatch {
  std::string_view coin_hint;
  std::string_view source;
  bool port_listed = false;  // the list named this very port (not just the address)
};

// Why a name is (not) a pool: for `minewatch intel check`.
struct NameVerdict {
  std::optional<PoolMatch> pool;    // most specific listed pool suffix, ignoring the allow-list
  std::string_view allowed_suffix;  // most specific allow-listed suffix ("" when none)
  std::string_view allowed_source;
  bool is_pool = false;  // what match() answers
};

class PoolList {
 public:
  // The curated default list (data/pools.toml).
  static const PoolList& builtin();

  // `curated`: an entry of the built-in list, reviewed by hand. Only a curated entry more specific than
  // an allow-listed suffix beats it ("pool.binance.com" under an allowed "binance.com"); any other
  // list's entry under an allowed suffix is ignored, so an exchange's "www." named by a block list
  // never makes a host a miner.
  void add(std::string_view domain, std::string_view coin_hint = {}, std::string_view source = "user",
           std::string_view pool_name = {}, bool curated = false);
  void allow(std::string_view domain, std::string_view source = "user");
  // The documented ports of a listed domain (no effect when the domain is not listed).
  void set_ports(std::string_view domain, std::span<const std::uint16_t> stratum, std::span<const std::uint16_t> tls);
  // port 0: every port of the address.
  void add_address(const IpAddress& address, std::uint16_t port = 0, std::string_view coin_hint = {},
                   std::string_view source = "user");
  void allow_address(const IpAddress& address, std::string_view source = "user");
  // Adds every entry of `other`. A domain already listed keeps its first source and facts.
  void merge(const PoolList& other);

  // Longest listed suffix of `host` (case-insensitive, trailing dot ignored), unless allow-listed.
  [[nodiscard]] std::optional<PoolMatch> match(std::string_view host) const;
  [[nodiscard]] NameVerdict explain(std::string_view host) const;
  // A listed pool address; with `port` listed for it when the list named ports.
  [[nodiscard]] std::optional<AddressMatch> match_address(const IpAddress& address, std::uint16_t port) const;
  [[nodiscard]] bool is_allowed_address(const IpAddress& address) const;

  [[nodiscard]] std::size_t size() const { return pools_.size(); }
  [[nodiscard]] std::size_t address_count() const { return addresses_.size(); }
  [[nodiscard]] std::size_t allowed_count() const { return allowed_.size() + allowed_addresses_.size(); }
  [[nodiscard]] bool empty() const { return pools_.empty() && addresses_.empty() && allowed_.empty(); }

  // Visitors in a stable (sorted) order, for listings and persistence.
  struct DomainEntry {
    std::string_view domain, coin_hint, pool_name, source;
  };
  struct AddressEntry {
    IpAddress address;
    std::vector<std::uint16_t> ports;  // empty: any port
    std::string_view coin_hint, source;
  };
  struct AllowEntry {
    std::string_view name, source;  // name: a domain or an address text
  };
  [[nodiscard]] std::vector<DomainEntry> domains() const;
  [[nodiscard]] std::vector<AddressEntry> addresses() const;
  [[nodiscard]] std::vector<AllowEntry> allowed() const;
  [[nodiscard]] std::vector<IpAddress> allowed_address_list() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct IpHash {
    std::size_t operator()(const IpAddress& a) const {
      return std::hash<std::string_view>{}(
                 std::string_view{reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size()}) ^
             static_cast<std::size_t>(a.is_v6);
    }
  };
  struct DomainInfo {
    std::string coin_hint, pool_name;
    std::vector<std::uint16_t> stratum_ports, tls_ports;
    std::uint16_t source = 0;
    bool curated = false;
  };
  struct AddressInfo {
    std::vector<std::uint16_t> ports;  // sorted; empty = any port
    bool any_port = false;
    std::string coin_hint;
    std::uint16_t source = 0;
  };
  std::uint16_t source_id(std::string_view source);
  [[nodiscard]] PoolMatch to_match(std::string_view domain, const DomainInfo& info) const;
  // The deciding pool entry for lowercase `h`, nullptr when none or when the allow-list wins.
  [[nodiscard]] const std::pair<const std::string, DomainInfo>* decide(std::string_view h) const;
  [[nodiscard]] std::string_view source_name(std::uint16_t id) const { return sources_[id]; }

  std::vector<std::string> sources_;
  // Heterogeneous lookup: match() probes with string_views into a stack buffer, allocating nothing
  // (it runs for every DNS question and TLS server name).
  std::unordered_map<std::string, DomainInfo, Hash, std::equal_to<>> pools_;
  std::unordered_map<std::string, std::uint16_t, Hash, std::equal_to<>> allowed_;
  std::unordered_map<IpAddress, AddressInfo, IpHash> addresses_;
  std::unordered_map<IpAddress, std::uint16_t, IpHash> allowed_addresses_;
  // The last two labels of every listed and allowed domain: a name whose own last two labels are not
  // here cannot have a listed suffix, so most names are answered with one lookup instead of two per
  // label. Not used when some entry is a single label (then every name needs the full walk).
  std::unordered_set<std::string, Hash, std::equal_to<>> tails_;
  bool single_label_entry_ = false;
  void note_tail(std::string_view domain);
};

}  // namespace minewatch::intel
