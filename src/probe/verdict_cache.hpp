#pragma once
// Probe verdicts by target and dialect, kept for a TTL: the same endpoint seen in many flows is probed
// once.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "probe/clock.hpp"

namespace minewatch::probe {

template <typename V>
class VerdictCache {
 public:
  VerdictCache(Duration ttl, TimeSource& time, std::size_t max_entries = 100'000)
      : ttl_(ttl), time_(&time), max_entries_(max_entries) {}

  [[nodiscard]] std::optional<V> get(const std::string& key) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (time_->now() >= it->second.expires) {
      entries_.erase(it);
      return std::nullopt;
    }
    ++hits_;
    return it->second.value;
  }
  void put(const std::string& key, V value) {
    if (ttl_ <= Duration::zero()) return;
    if (entries_.size() >= max_entries_) {
      TimePoint now = time_->now();
      std::erase_if(entries_, [&](const auto& kv) { return now >= kv.second.expires; });
      if (entries_.size() >= max_entries_) entries_.erase(entries_.begin());
    }
    entries_.insert_or_assign(key, Entry{std::move(value), time_->now() + ttl_});
  }
  [[nodiscard]] std::size_t hits() const { return hits_; }
  [[nodiscard]] std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    V value;
    TimePoint expires;
  };
  Duration ttl_;
  TimeSource* time_;
  std::size_t max_entries_;
  std::map<std::string, Entry> entries_;
  std::size_t hits_ = 0;
};

}  // namespace minewatch::probe
