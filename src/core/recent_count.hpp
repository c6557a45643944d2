#pragma once
// Events in a sliding window of packet time, in whole seconds: counted, not kept (one counter per
// second of the window). The engine counts the DNS transactions over UDP a flow tracker would hold
// open with it (EngineStats::peak_concurrent_flows).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/timestamp.hpp"

namespace minewatch {

class RecentCount {
 public:
  explicit RecentCount(std::chrono::seconds window)
      : per_second_(static_cast<std::size_t>(std::max<std::int64_t>(window.count(), 0)) + 1, 0) {}
  // One event at `now` (a monotonic clock).
  void add(Timestamp now) {
    advance(now);
    ++per_second_[index_of(second_)];
    ++total_;
  }
  // Events at `now` or up to the window before it.
  [[nodiscard]] std::uint64_t count(Timestamp now) {
    advance(now);
    return total_;
  }

 private:
  std::size_t index_of(std::int64_t second) const {
    const auto n = static_cast<std::int64_t>(per_second_.size());
    return static_cast<std::size_t>(((second % n) + n) % n);
  }
  void advance(Timestamp now) {
    const std::int64_t second = now.ns >= 0 ? now.ns / 1'000'000'000 : -((-now.ns + 999'999'999) / 1'000'000'000);
    if (total_ == 0) {
      second_ = second;
      return;
    }
    const auto n = static_cast<std::int64_t>(per_second_.size());
    for (std::int64_t s = second_ + 1; s <= second && s <= second_ + n; ++s) {
      std::uint64_t& bucket = per_second_[index_of(s)];
      total_ -= bucket;
      bucket = 0;
    }
    if (second > second_) second_ = second;
  }
  std::vector<std::uint64_t> per_second_;
  std::int64_t second_ = 0;  // the newest second counted
  std::uint64_t total_ = 0;
};

}  // namespace minewatch
