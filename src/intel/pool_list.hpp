#pragma once
// Mining pool domains with suffix matching ("xmr-eu1.nanopool.org" matches "nanopool.org"), and an
// allow-list that always wins (exchanges and wallet sites appear in some public block lists and must
// never make a host a miner). The built-in default list is curated from public pool documentation.
#include <cstdint>
#include <functional>
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
  // Heterogeneous lookup: match() probes with string_views into a stack buffer, allocating nothing
  // (it runs for every DNS question and TLS server name).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> pools_;  // domain -> coin hint
  std::unordered_set<std::string, Hash, std::equal_to<>> allowed_;
};

}  // namespace minewatch::intel
