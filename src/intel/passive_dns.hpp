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
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <span>
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
  explicit PassiveDns(PassiveDnsConfig config = {}) : config_(config), pending_(kBatch) {}

  // `name` (the name the client asked for, CNAMEs already followed) resolved to `address` for `ttl`
  // seconds from `now`; `pool`: the name is a listed pool's (the caller's pool list decided). A
  // repeated answer refreshes the entry.
  // Answers are applied in batches, in order, before any question they could change is answered (see
  // pending_ and lookup()): every question sees exactly the answers recorded before it.
  void record(std::string_view name, const IpAddress& address, std::uint32_t ttl, Timestamp now, bool pool = false);
  // The same for each of `addresses` in turn (one answer's address list).
  void record(std::string_view name, std::span<const IpAddress> addresses, std::uint32_t ttl, Timestamp now,
              bool pool = false);

  struct AddressNames {
    std::string_view pool_name;  // the newest pool name still valid at `now`, "" when none
    // Names that are not pools' cached for the address, when at least one of them is still valid at
    // `now` (0 otherwise): the address is shared, e.g. a CDN's.
    std::size_t other_names = 0;
  };
  [[nodiscard]] AddressNames lookup(const IpAddress& address, Timestamp now);

  // Calls f(name) for each name still valid at `now` that resolved to `address`, newest first.
  // Stops early when f returns false. For diagnostics and tests; the engine asks lookup().
  template <typename F>
  void names_for(const IpAddress& address, Timestamp now, F&& f) {
    apply_pending();
    std::vector<std::uint32_t> found;
    if (const AddressSlot* slot = find_slot(address)) {
      for (std::uint32_t head : {slot->pool_head, slot->other_head}) {
        for (std::uint32_t i = head; i != kNone; i = entries_[i].addr_next) {
          if (valid(entries_[i], now)) found.push_back(i);
        }
      }
    }
    std::sort(found.begin(), found.end(),
              [&](std::uint32_t a, std::uint32_t b) { return entries_[a].seq > entries_[b].seq; });
    for (std::uint32_t i : found) {
      if (!f(name_of(i))) return;
    }
  }
  // Addresses `name` resolved to, still valid at `now`, in address order. Scans the whole cache: for
  // diagnostics and tests, not for the packet path.
  [[nodiscard]] std::vector<IpAddress> addresses_for(std::string_view name, Timestamp now);

  [[nodiscard]] std::size_t size() {
    apply_pending();
    return size_;
  }
  [[nodiscard]] std::uint64_t evictions() {
    apply_pending();
    return evictions_;
  }

 private:
  static constexpr std::uint32_t kNone = IdIndex::kNone;
  static constexpr std::size_t kMaxName = 255;  // RFC 1035: a name is at most 255 octets on the wire
  // Names this long or shorter are kept inside the entry, so the hot path (the key's equality check
  // on a repeated answer, the per-flow question) touches one cache line per entry; longer names live
  // in long_names_ under the entry's id.
  static constexpr std::size_t kInlineName = 26;
  struct alignas(64) Entry {
    std::uint64_t key_hash = 0;
    Timestamp expires{};
    std::uint64_t seq = 0;                               // write order: newest first, oldest evicted
    std::uint32_t slot = kNone;                          // the address's slot; kNone: a free entry
    std::uint32_t addr_prev = kNone, addr_next = kNone;  // this address's pool or other names
    std::uint8_t name_size = 0;
    bool pool = false;
    std::array<char, kInlineName> text{};  // lowercase name, when name_size <= kInlineName
  };
  static_assert(sizeof(Entry) == 64);
  // Eviction order, oldest first: (entry, its seq then). Every write appends; a pair whose entry has
  // been written since (or freed) is stale and skipped, so no list is relinked on a refresh.
  struct Stamp {
    std::uint32_t entry;
    std::uint64_t seq;
  };
  struct AddressSlot {
    IpAddress address;
    std::uint32_t pool_head = kNone, other_head = kNone;
    std::uint32_t others = 0;  // entries in the other_head list
  };
  [[nodiscard]] bool valid(const Entry& e, Timestamp now) const { return now <= e.expires + config_.grace; }
  [[nodiscard]] std::string_view name_of(std::uint32_t i) const {
    const Entry& e = entries_[i];
    return e.name_size <= kInlineName ? std::string_view{e.text.data(), e.name_size} : std::string_view{long_names_[i]};
  }
  [[nodiscard]] const AddressSlot* find_slot(const IpAddress& address) const;
  void link_front(std::uint32_t i);
  void unlink(std::uint32_t i);
  void evict_oldest();
  // An answer waiting to be applied: its name lowercased, its key hash.
  struct Pending {
    std::uint64_t key_hash;
    std::uint64_t address_hash;
    IpAddress address;
    Timestamp expires;
    std::uint8_t name_size;
    bool pool;
    std::array<char, kMaxName> name;
  };
  void apply_pending();
  void apply(const Pending& p);
  void compact_queue();

  PassiveDnsConfig config_;
  std::vector<Entry> entries_;
  std::vector<std::string> long_names_;  // by entry id; "" unless the name is longer than kInlineName
  std::vector<std::uint32_t> free_;
  std::deque<Stamp> queue_;
  std::size_t size_ = 0;
  IdIndex by_key_;                  // (name, address) -> entry
  std::vector<AddressSlot> slots_;  // per address
  std::vector<std::uint32_t> free_slots_;
  IdIndex by_address_;  // address -> slot
  std::uint64_t seq_ = 0;
  std::uint64_t evictions_ = 0;
  // Answers recorded but not applied yet. Each answer touches a few cache lines at random (the key
  // index, the entry, the address's slot and index); applied one at a time as they arrive, every miss
  // stalled the packet path. Applied in a batch, the lines of all of them are prefetched first and
  // the misses overlap.
  static constexpr std::size_t kBatch = 16;
  std::vector<Pending> pending_;  // kBatch slots, the first pending_size_ in use
  std::size_t pending_size_ = 0;
};

}  // namespace minewatch::intel
