#pragma once
// Mining pool domains with suffix matching ("xmr-eu1.nanopool.org" matches "nanopool.org"), and an
// allow-list that always wins (exchanges and wallet sites appear in some public block lists and must
// never make a host a miner). The built-in default list is curated from public pool documentation.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace minewatch::intel {

struct PoolMatch {
  std::string_view domain;     // the listed suffix that matched
  std::string_view coin_hint;  // e.g. "XMR", "" when the pool is multi-coin or unknown
};

class PoolList {
 public:
  // The curated default list (src/intel/default_pools.cpp).
  static const PoolList& builtin();

  void add(std::string_view domain, std::string_view coin_hint = {});
  void allow(std::string_view domain);
  // Longest listed suffix of `host` (case-insensitive, trailing dot ignored), unless allow-listed.
  [[nodiscard]] std::optional<PoolMatch> match(std::string_view host) const;
  [[nodiscard]] std::size_t size() const { return pools_.size(); }

 private:
  std::unordered_map<std::string, std::string> pools_;  // domain -> coin hint
  std::unordered_set<std::string> allowed_;
};

}  // namespace minewatch::intel
