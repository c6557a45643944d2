#pragma once
// Open-addressing flow table keyed by the canonical 5-tuple, with an intrusive recency list for
// timeouts driven by packet time and eviction under a hard cap on concurrent flows.
// `Payload` is the per-flow state the owner keeps (counters, inspection state).
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "core/flow_key.hpp"
#include "core/timestamp.hpp"

namespace minewatch::flow {

template <typename Payload>
class FlowTable {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  struct Entry {
    FlowKey key;
    std::uint64_t hash = 0;
    Timestamp last_seen{};
    std::uint32_t prev = kNone;  // recency list: older neighbour
    std::uint32_t next = kNone;  // newer neighbour
    bool live = false;
    Payload payload{};
  };

  explicit FlowTable(std::uint32_t max_flows) : max_flows_(max_flows) {
    std::uint32_t cap = 16;
    while (cap < max_flows_ * 2u) cap <<= 1;
    index_.assign(cap, kNone);
    mask_ = cap - 1;
    entries_.reserve(std::min<std::uint32_t>(max_flows_, 1u << 16));
  }

  [[nodiscard]] std::uint32_t size() const { return live_; }
  [[nodiscard]] std::uint32_t capacity() const { return max_flows_; }
  [[nodiscard]] bool full() const { return live_ >= max_flows_; }

  // Finds the flow; nullptr when absent.
  Entry* find(const FlowKey& key, std::uint64_t hash) {
    for (std::uint32_t i = static_cast<std::uint32_t>(hash) & mask_;; i = (i + 1) & mask_) {
      std::uint32_t e = index_[i];
      if (e == kNone) return nullptr;
      Entry& en = entries_[e];
      if (en.hash == hash && en.key == key) return &en;
    }
  }

  // Inserts a new flow; the caller must have checked that it is absent and that the table is not full.
  Entry& insert(const FlowKey& key, std::uint64_t hash, Timestamp now) {
    std::uint32_t e;
    if (!free_.empty()) {
      e = free_.back();
      free_.pop_back();
    } else {
      e = static_cast<std::uint32_t>(entries_.size());
      entries_.emplace_back();
    }
    Entry& en = entries_[e];
    en.key = key;
    en.hash = hash;
    en.last_seen = now;
    en.live = true;
    en.payload = Payload{};
    std::uint32_t i = static_cast<std::uint32_t>(hash) & mask_;
    while (index_[i] != kNone) i = (i + 1) & mask_;
    index_[i] = e;
    link_newest(e);
    ++live_;
    return en;
  }

  // Marks the flow as just seen: moves it to the young end of the recency list.
  void touch(Entry& en, Timestamp now) {
    if (now > en.last_seen) en.last_seen = now;
    std::uint32_t e = index_of(en);
    if (newest_ == e) return;
    unlink(e);
    link_newest(e);
  }

  // The least recently seen flow, or nullptr.
  Entry* oldest() { return oldest_ == kNone ? nullptr : &entries_[oldest_]; }
  Entry* newer(const Entry& en) { return en.next == kNone ? nullptr : &entries_[en.next]; }

  // Removes a flow; its payload is reset (destructors run now).
  void erase(Entry& en) {
    std::uint32_t e = index_of(en);
    std::uint32_t i = static_cast<std::uint32_t>(en.hash) & mask_;
    while (index_[i] != e) i = (i + 1) & mask_;
    // Backward-shift deletion keeps probe sequences intact without tombstones.
    std::uint32_t hole = i;
    for (std::uint32_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      std::uint32_t x = index_[j];
      if (x == kNone) break;
      std::uint32_t home = static_cast<std::uint32_t>(entries_[x].hash) & mask_;
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

  // Visits live flows in insertion-independent, deterministic order: oldest first.
  template <typename F>
  void for_each_oldest_first(F&& f) {
    for (std::uint32_t e = oldest_; e != kNone; e = entries_[e].next) f(entries_[e]);
  }

 private:
  std::uint32_t index_of(const Entry& en) const { return static_cast<std::uint32_t>(&en - entries_.data()); }
  void unlink(std::uint32_t e) {
    Entry& en = entries_[e];
    if (en.prev != kNone)
      entries_[en.prev].next = en.next;
    else
      oldest_ = en.next;
    if (en.next != kNone)
      entries_[en.next].prev = en.prev;
    else
      newest_ = en.prev;
    en.prev = en.next = kNone;
  }
  void link_newest(std::uint32_t e) {
    Entry& en = entries_[e];
    en.prev = newest_;
    en.next = kNone;
    if (newest_ != kNone)
      entries_[newest_].next = e;
    else
      oldest_ = e;
    newest_ = e;
  }

  std::vector<Entry> entries_;
  std::vector<std::uint32_t> index_;
  std::vector<std::uint32_t> free_;
  std::uint32_t mask_ = 0;
  std::uint32_t max_flows_;
  std::uint32_t live_ = 0;
  std::uint32_t oldest_ = kNone;
  std::uint32_t newest_ = kNone;
};

}  // namespace minewatch::flow
