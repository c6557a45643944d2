#pragma once
// An open-addressing index from a 64-bit hash to the uint32 id of an object the caller stores (a
// slab entry), for hot lookups that std::unordered_map makes slow: one flat array of 8-byte slots, no
// node per element, linear probing and backward-shift deletion (no tombstones). The slot keeps the
// hash's low 32 bits, so most mismatches are rejected without touching the object, and growing needs
// no callback. The caller's `eq(id)` decides equality.
#include <cstdint>
#include <limits>
#include <vector>

#include "core/prefetch.hpp"

namespace minewatch {

class IdIndex {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  // The id whose hash is `hash` and for which eq(id) holds; kNone when there is none.
  template <typename Eq>
  [[nodiscard]] std::uint32_t find(std::uint64_t hash, Eq&& eq) const {
    if (slots_.empty()) return kNone;
    const auto h = static_cast<std::uint32_t>(hash);
    for (std::uint32_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == kNone) return kNone;
      if (s.hash == h && eq(s.id)) return s.id;
    }
  }

  // Hints for a find(hash) soon: its home slot's line; then (once that line is in) the first id there
  // whose stored hash matches, usually the one find() will compare first (kNone when none).
  void prefetch(std::uint64_t hash) const {
    if (!slots_.empty()) prefetch_line(&slots_[static_cast<std::uint32_t>(hash) & mask_]);
  }
  [[nodiscard]] std::uint32_t first_candidate(std::uint64_t hash) const {
    if (slots_.empty()) return kNone;
    const auto h = static_cast<std::uint32_t>(hash);
    for (std::uint32_t i = h & mask_, n = 0; n < 4; i = (i + 1) & mask_, ++n) {
      const Slot& s = slots_[i];
      if (s.id == kNone) return kNone;
      if (s.hash == h) return s.id;
    }
    return kNone;
  }

  // Adds `id` (the caller has checked it is absent). Keeps the load at most one half.
  void insert(std::uint64_t hash, std::uint32_t id) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(Slot{static_cast<std::uint32_t>(hash), id});
    ++size_;
  }

  // Removes `id`, which was inserted with `hash`.
  void erase(std::uint64_t hash, std::uint32_t id) {
    if (slots_.empty()) return;
    std::uint32_t i = static_cast<std::uint32_t>(hash) & mask_;
    while (slots_[i].id != id) {
      if (slots_[i].id == kNone) return;
      i = (i + 1) & mask_;
    }
    // Backward shift: move later members of the cluster into the hole when their home allows it.
    for (std::uint32_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].id == kNone) break;
      const std::uint32_t home = slots_[j].hash & mask_;
      // j's element may fill hole i unless its home lies cyclically in (i, j].
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = Slot{};
    --size_;
  }

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t id = kNone;
  };
  void place(Slot s) {
    std::uint32_t i = s.hash & mask_;
    while (slots_[i].id != kNone) i = (i + 1) & mask_;
    slots_[i] = s;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    mask_ = static_cast<std::uint32_t>(slots_.size() - 1);
    for (const Slot& s : old) {
      if (s.id != kNone) place(s);
    }
  }

  std::vector<Slot> slots_;
  std::uint32_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace minewatch
