#pragma once
// Passive DNS: what the traffic's own DNS answers said, name -> addresses with their TTL, so a later
// flow to an address can be tied to the name it was looked up as (a pool's name, even when the flow
// itself is encrypted and has no server name). Bounded: at most `max_entries` (name, address) pairs,
// least recently written evicted first. Time is packet time, so the same input always yields the same
// cache; each Engine owns one (no globals), and the parallel pipeline shows every worker every DNS
// answer, so their caches are identical.
//
// Built for the per-flow question "which pool name, and how many other names, resolved to this
// address?": whether a name is a pool's is decided once when its answer is recorded, and each address
// keeps its pool names and its other names in two newest-first lists, so the question costs a few
// entries even for a CDN address that answers for thousands of names.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/id_index.hpp"
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
  // seconds from `now`; `pool`: the name is a listed pool's (the caller's pool list decided). A
  // repeated answer refreshes the entry.
  void record(std::string_view name, const IpAddress& address, std::uint32_t ttl, Timestamp now, bool pool = false);

  struct AddressNames {
    std::string_view pool_name;  // the newest pool name still valid at `now`, "" when none
    // Names that are not pools' cached for the address, when at least one of them is still valid at
    // `now` (0 otherwise): the address is shared, e.g. a CDN's.
    std::size_t other_names = 0;
  };
  [[nodiscard]] AddressNames lookup(const IpAddress& address, Timestamp now) const;

  // Calls f(name) for each name still valid at `now` that resolved to `address`, newest first.
  // Stops early when f returns false. For diagnostics and tests; the engine asks lookup().
  template <typename F>
  void names_for(const IpAddress& address, Timestamp now, F&& f) const {
    std::vector<const Entry*> found;
    if (const AddressSlot* slot = find_slot(address)) {
      for (std::uint32_t head : {slot->pool_head, slot->other_head}) {
        for (std::uint32_t i = head; i != kNone; i = entries_[i].addr_next) {
          if (valid(entries_[i], now)) found.push_back(&entries_[i]);
        }
      }
    }
    std::sort(found.begin(), found.end(), [](const Entry* a, const Entry* b) { return a->seq > b->seq; });
    for (const Entry* e : found) {
      if (!f(e->view())) return;
    }
  }
  // Addresses `name` resolved to, still valid at `now`, in address order. Scans the whole cache: for
  // diagnostics and tests, not for the packet path.
  [[nodiscard]] std::vector<IpAddress> addresses_for(std::string_view name, Timestamp now) const;

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::uint64_t evictions() const { return evictions_; }

 private:
  static constexpr std::uint32_t kNone = IdIndex::kNone;
  struct Entry {
    std::string name;  // lowercase; its buffer is reused when the entry is recycled
    std::uint64_t key_hash = 0;
    std::uint32_t slot = kNone;  // the address's slot
    bool pool = false;
    Timestamp expires{};
    std::uint64_t seq = 0;                               // write order, for "newest first"
    std::uint32_t lru_prev = kNone, lru_next = kNone;    // all entries, most recently written first
    std::uint32_t addr_prev = kNone, addr_next = kNone;  // this address's pool or other names
    [[nodiscard]] std::string_view view() const { return name; }
  };
  struct AddressSlot {
    IpAddress address;
    std::uint32_t pool_head = kNone, other_head = kNone;
    std::uint32_t others = 0;  // entries in the other_head list
  };
  [[nodiscard]] bool valid(const Entry& e, Timestamp now) const { return now <= e.expires + config_.grace; }
  [[nodiscard]] const AddressSlot* find_slot(const IpAddress& address) const;
  void link_front(std::uint32_t i);
  void unlink(std::uint32_t i);
  void evict_oldest();

  PassiveDnsConfig config_;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> free_;
  std::uint32_t lru_head_ = kNone, lru_tail_ = kNone;
  std::size_t size_ = 0;
  IdIndex by_key_;                  // (name, address) -> entry
  std::vector<AddressSlot> slots_;  // per address
  std::vector<std::uint32_t> free_slots_;
  IdIndex by_address_;  // address -> slot
  std::uint64_t seq_ = 0;
  std::uint64_t evictions_ = 0;
};

}  // namespace minewatch::intel
