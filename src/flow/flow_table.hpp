#pragma once
// Open-addressing flow table keyed by the canonical 5-tuple, with intrusive recency lists for
// timeouts driven by packet time and eviction under a hard cap on concurrent flows.
// `Payload` is the per-flow state the owner keeps (counters, inspection state).
//
// Flows live on one of `kLists` recency lists (the owner's classes, e.g. "closed", "idle TCP",
// "UDP", "mining"), each ordered by last touch. Every insert/touch carries an `order` stamp that
// grows with input position (the owner passes the global packet index; by default the table counts
// itself), so lists can be merged oldest-first and every list's timed-out flows form a prefix.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "core/flow_key.hpp"
#include "core/free_ids.hpp"
#include "core/huge_pages.hpp"
#include "core/prefetch.hpp"
#include "core/timestamp.hpp"

namespace minewatch::flow {

template <typename Payload, std::size_t kLists = 1>
class FlowTable {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint64_t kAutoOrder = std::numeric_limits<std::uint64_t>::max();

  struct Entry {
    FlowKey key;
    std::uint8_t list = 0;
    bool live = false;
    std::uint64_t hash = 0;
    Timestamp last_seen{};       // latest packet time of this flow
    Timestamp touched{};         // the owner's clock at the last touch (for timeouts)
    std::uint64_t order = 0;     // position of the last touch in the input
    std::uint32_t prev = kNone;  // recency list: older neighbour
    std::uint32_t next = kNone;  // newer neighbour
    Payload payload{};
  };

  explicit FlowTable(std::uint32_t max_flows) : max_flows_(max_flows) {
    // The index starts small and doubles at half load, up to twice the cap: a few thousand flows
    // probe a few pages, not an array sized for a million.
    std::uint32_t cap = 16;
    while (cap < max_flows_ * 2u) cap <<= 1;
    max_index_ = cap;
    index_.assign(std::min<std::uint32_t>(cap, kInitialIndex), kNone);
    mask_ = static_cast<std::uint32_t>(index_.size()) - 1;
    // Index slots hold the entry id in the low id_bits (ids < max_flows, so a slot is never all ones
    // = kNone) and a tag of the hash above it: most probes that meet another flow's slot are rejected
    // without loading that flow's entry (a cache miss each).
    const auto id_bits = static_cast<std::uint32_t>(std::bit_width(max_flows_));
    id_mask_ = id_bits >= 32 ? ~0u : (1u << id_bits) - 1;
    tag_mask_ = id_bits >= 32 ? 0u : ~0u >> id_bits;
    tag_shift_ = std::min(id_bits, 31u);  // with no tag bits the (masked) tag is always 0
    // Address space only: pages become resident when an entry is first used, and the vector never
    // moves (no copy of every flow, no transient double footprint) below 4 M flows. Lookups land at
    // random in tens of MB, so the array asks for huge pages (1 GiB mix, 1 thread, 21 alternating
    // rounds: task-clock 4% lower, faster in 15 of 21; decision 0009, stop 15).
    reserve_huge(entries_, std::min<std::uint32_t>(max_flows_, 1u << 22));
    oldest_.fill(kNone);
    newest_.fill(kNone);
  }

  [[nodiscard]] std::uint32_t size() const { return live_; }
  [[nodiscard]] std::uint32_t capacity() const { return max_flows_; }
  [[nodiscard]] bool full() const { return live_ >= max_flows_; }
  // Bytes the table itself has touched (entries ever used, index, free list); payload heap extra.
  [[nodiscard]] std::size_t memory_bytes() const {
    return entries_.size() * sizeof(Entry) + index_.capacity() * sizeof(std::uint32_t) +
           free_.capacity() * sizeof(std::uint32_t);
  }

  // Software pipelining over a batch of lookups: fetch a hash's home slot early, then (once the slot
  // is in cache) the entry it names. Only hints: correct whatever happens in between.
  void prefetch_slot(std::uint64_t hash) const { prefetch_line(&index_[static_cast<std::uint32_t>(hash) & mask_]); }
  void prefetch_entry(std::uint64_t hash) const {
    // The first slot of the probe sequence whose tag matches: usually the flow itself.
    const std::uint32_t tag = tag_of(hash);
    for (std::uint32_t i = static_cast<std::uint32_t>(hash) & mask_, n = 0; n < 4; i = (i + 1) & mask_, ++n) {
      const std::uint32_t s = index_[i];
      if (s == kNone) return;
      if ((s >> tag_shift_ & tag_mask_) != tag) continue;
      // Every line the entry spans (entries are not line-aligned: 3 lines may be 4).
      prefetch_range(&entries_[s & id_mask_], sizeof(Entry));
      return;
    }
  }

  // Finds the flow; nullptr when absent.
  Entry* find(const FlowKey& key, std::uint64_t hash) {
    const std::uint32_t tag = tag_of(hash);
    for (std::uint32_t i = static_cast<std::uint32_t>(hash) & mask_;; i = (i + 1) & mask_) {
      const std::uint32_t s = index_[i];
      if (s == kNone) return nullptr;
      if ((s >> tag_shift_ & tag_mask_) != tag) continue;
      Entry& en = entries_[s & id_mask_];
      if (en.hash == hash && en.key == key) return &en;
    }
  }

  // Inserts a new flow; the caller must have checked that it is absent and that the table is not full.
  Entry& insert(const FlowKey& key, std::uint64_t hash, Timestamp now, std::uint64_t order = kAutoOrder,
                std::uint8_t list = 0) {
    if ((live_ + 1) * 2 > index_.size() && index_.size() < max_index_) grow_index();
    const std::uint32_t e = take_id(entries_, free_);
    Entry& en = entries_[e];
    en.key = key;
    en.hash = hash;
    en.last_seen = now;
    en.touched = now;
    en.order = order == kAutoOrder ? next_order_++ : order;
    en.list = list;
    en.live = true;
    en.payload = Payload{};
    std::uint32_t i = static_cast<std::uint32_t>(hash) & mask_;
    while (index_[i] != kNone) i = (i + 1) & mask_;
    index_[i] = slot_of(e, hash);
    link_newest(e);
    ++live_;
    return en;
  }

  // Marks the flow as just seen: moves it to the young end of its recency list. `now` is the
  // packet's time, `clock` the owner's monotonic clock (defaults to the packet time).
  void touch(Entry& en, Timestamp now, std::uint64_t order = kAutoOrder, Timestamp clock = Timestamp{-1}) {
    if (now > en.last_seen) en.last_seen = now;
    en.touched = clock.ns < 0 ? en.last_seen : clock;
    en.order = order == kAutoOrder ? next_order_++ : order;
    std::uint32_t e = index_of(en);
    if (newest_[en.list] == e) return;
    unlink(e);
    link_newest(e);
  }

  // Moves the flow to the young end of another list (its class changed).
  void move_to(Entry& en, std::uint8_t list) {
    if (en.list == list) return;
    std::uint32_t e = index_of(en);
    unlink(e);
    en.list = list;
    link_newest(e);
  }

  // The least recently touched flow of one list, or nullptr.
  Entry* oldest_in(std::size_t list) { return oldest_[list] == kNone ? nullptr : &entries_[oldest_[list]]; }
  // The least recently touched flow of all lists, or nullptr.
  Entry* oldest() {
    Entry* best = nullptr;
    for (std::size_t l = 0; l < kLists; ++l) {
      Entry* h = oldest_in(l);
      if (h && (!best || h->order < best->order)) best = h;
    }
    return best;
  }
  Entry* newer(const Entry& en) { return en.next == kNone ? nullptr : &entries_[en.next]; }

  // Removes a flow; its payload is reset (destructors run now).
  void erase(Entry& en) {
    std::uint32_t e = index_of(en);
    std::uint32_t i = static_cast<std::uint32_t>(en.hash) & mask_;
    while ((index_[i] & id_mask_) != e) i = (i + 1) & mask_;
    // Backward-shift deletion keeps probe sequences intact without tombstones.
    std::uint32_t hole = i;
    for (std::uint32_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      std::uint32_t x = index_[j];
      if (x == kNone) break;
      std::uint32_t home = static_cast<std::uint32_t>(entries_[x & id_mask_].hash) & mask_;
      bool movable = (hole <= j) ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        index_[hole] = x;
        hole = j;
      }
    }
    index_[hole] = kNone;
    unlink(e);
    en.live = false;
    en.payload = Payload{};
    free_.push_back(e);
    --live_;
  }

  // Visits live flows oldest first (by last touch, across lists): deterministic for a given input.
  template <typename F>
  void for_each_oldest_first(F&& f) {
    std::array<std::uint32_t, kLists> cur = oldest_;
    for (;;) {
      std::size_t pick = kLists;
      for (std::size_t l = 0; l < kLists; ++l) {
        if (cur[l] != kNone && (pick == kLists || entries_[cur[l]].order < entries_[cur[pick]].order)) pick = l;
      }
      if (pick == kLists) return;
      Entry& en = entries_[cur[pick]];
      cur[pick] = en.next;
      f(en);
    }
  }

 private:
  static constexpr std::uint32_t kInitialIndex = 1u << 12;
  void grow_index() {
    std::vector<std::uint32_t> grown;
    reserve_huge(grown, index_.size() * 2);
    grown.assign(index_.size() * 2, kNone);
    index_ = std::move(grown);
    mask_ = static_cast<std::uint32_t>(index_.size()) - 1;
    for (std::uint32_t e = 0; e < entries_.size(); ++e) {
      if (!entries_[e].live) continue;
      std::uint32_t i = static_cast<std::uint32_t>(entries_[e].hash) & mask_;
      while (index_[i] != kNone) i = (i + 1) & mask_;
      index_[i] = slot_of(e, entries_[e].hash);
    }
  }
  [[nodiscard]] std::uint32_t tag_of(std::uint64_t hash) const {
    return static_cast<std::uint32_t>(hash >> 32) & tag_mask_;
  }
  [[nodiscard]] std::uint32_t slot_of(std::uint32_t e, std::uint64_t hash) const {
    return e | tag_of(hash) << tag_shift_;
  }
  std::uint32_t index_of(const Entry& en) const { return static_cast<std::uint32_t>(&en - entries_.data()); }
  void unlink(std::uint32_t e) {
    Entry& en = entries_[e];
    if (en.prev != kNone)
      entries_[en.prev].next = en.next;
    else
      oldest_[en.list] = en.next;
    if (en.next != kNone)
      entries_[en.next].prev = en.prev;
    else
      newest_[en.list] = en.prev;
    en.prev = en.next = kNone;
  }
  void link_newest(std::uint32_t e) {
    Entry& en = entries_[e];
    en.prev = newest_[en.list];
    en.next = kNone;
    if (newest_[en.list] != kNone)
      entries_[newest_[en.list]].next = e;
    else
      oldest_[en.list] = e;
    newest_[en.list] = e;
  }

  std::vector<Entry> entries_;
  std::vector<std::uint32_t> index_;
  std::vector<std::uint32_t> free_;
  std::uint32_t mask_ = 0;
  std::uint32_t id_mask_ = ~0u, tag_mask_ = 0, tag_shift_ = 31;
  std::uint32_t max_index_ = 0;
  std::uint32_t max_flows_;
  std::uint32_t live_ = 0;
  std::uint64_t next_order_ = 0;
  std::array<std::uint32_t, kLists> oldest_{};
  std::array<std::uint32_t, kLists> newest_{};
};

}  // namespace minewatch::flow
