#pragma once
// Passive DNS: what the traffic's own DNS answers said, name -> addresses with their TTL, so a later
// flow to an address can be tied to the name it was looked up as (a pool's name, even when the flow
// itself is encrypted and has no server name). Bounded: at most `max_entries` (name, address) pairs,
// least recently written evicted first. Time is packet time, so the same input always yields the same
// cache; each Engine owns one (no globals), and the parallel pipeline shows every worker every DNS
// answer, so their caches are identical.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ip_address.hpp"
#include "core/timestamp.hpp"

namespace minewatch::intel {

struct PassiveDnsConfig {
  std::size_t max_entries = 1u << 16;
  // Answers stay usable this long past their TTL: stub resolvers and miners keep connecting to an
  // address after its record expired, and pools often publish TTLs of a minute.
  std::chrono::seconds grace{600};
};

class PassiveDns {
 public:
  explicit PassiveDns(PassiveDnsConfig config = {}) : config_(config) {}

  // `name` (the name the client asked for, CNAMEs already followed) resolved to `address` for `ttl`
  // seconds from `now`. A repeated answer refreshes the entry.
  void record(std::string_view name, const IpAddress& address, std::uint32_t ttl, Timestamp now);

  // Calls f(name) for each name still valid at `now` that resolved to `address`, newest first.
  // Stops early when f returns false.
  template <typename F>
  void names_for(const IpAddress& address, Timestamp now, F&& f) const {
    auto [lo, hi] = by_address_.equal_range(address);
    std::vector<const Entry*> found;
    for (auto it = lo; it != hi; ++it) {
      if (valid(*it->second, now)) found.push_back(&*it->second);
    }
    std::sort(found.begin(), found.end(), [](const Entry* a, const Entry* b) { return a->seq > b->seq; });
    for (const Entry* e : found) {
      if (!f(e->name())) return;
    }
  }
  // Addresses `name` resolved to, still valid at `now`, in address order.
  [[nodiscard]] std::vector<IpAddress> addresses_for(std::string_view name, Timestamp now) const;

  [[nodiscard]] std::size_t size() const { return lru_.size(); }
  [[nodiscard]] std::uint64_t evictions() const { return evictions_; }

 private:
  struct Entry {
    std::string key;  // name '\0' address bytes
    std::size_t name_len = 0;
    IpAddress address;
    Timestamp expires{};
    std::uint64_t seq = 0;  // write order, for "newest first"
    [[nodiscard]] std::string_view name() const { return std::string_view{key}.substr(0, name_len); }
  };
  struct IpHash {
    std::size_t operator()(const IpAddress& a) const {
      return std::hash<std::string_view>{}(
          std::string_view{reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size()});
    }
  };
  using List = std::list<Entry>;
  [[nodiscard]] bool valid(const Entry& e, Timestamp now) const { return now <= e.expires + config_.grace; }
  void evict_oldest();

  PassiveDnsConfig config_;
  List lru_;                                                   // front: most recently written
  std::map<std::string, List::iterator, std::less<>> by_key_;  // ordered: a name's addresses are adjacent
  std::unordered_multimap<IpAddress, List::iterator, IpHash> by_address_;
  std::uint64_t seq_ = 0;
  std::uint64_t evictions_ = 0;
};

}  // namespace minewatch::intel
