#include "intel/passive_dns.hpp"

#include <algorithm>
#include <cctype>

namespace minewatch::intel {

namespace {

std::string make_key(std::string_view name, const IpAddress& a) {
  std::string k;
  k.reserve(name.size() + 18);
  for (char c : name) k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  k += '\0';
  k.append(reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size());
  k += a.is_v6 ? '6' : '4';
  return k;
}

}  // namespace

void PassiveDns::record(std::string_view name, const IpAddress& address, std::uint32_t ttl, Timestamp now) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || config_.max_entries == 0) return;
  std::string key = make_key(name, address);
  const Timestamp expires = now + std::chrono::seconds{ttl};
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    Entry& e = *it->second;
    e.expires = std::max(e.expires, expires);
    e.seq = ++seq_;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  while (lru_.size() >= config_.max_entries) evict_oldest();
  Entry e;
  e.name_len = name.size();
  e.key = std::move(key);
  e.address = address;
  e.expires = expires;
  e.seq = ++seq_;
  lru_.push_front(std::move(e));
  auto it = lru_.begin();
  by_key_.emplace(it->key, it);
  by_address_.emplace(address, it);
}

void PassiveDns::evict_oldest() {
  auto it = std::prev(lru_.end());
  auto [lo, hi] = by_address_.equal_range(it->address);
  for (auto a = lo; a != hi; ++a) {
    if (a->second == it) {
      by_address_.erase(a);
      break;
    }
  }
  by_key_.erase(it->key);
  lru_.erase(it);
  ++evictions_;
}

std::vector<IpAddress> PassiveDns::addresses_for(std::string_view name, Timestamp now) const {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string prefix;
  for (char c : name) prefix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  prefix += '\0';
  std::vector<IpAddress> out;
  for (auto it = by_key_.lower_bound(prefix); it != by_key_.end() && it->first.starts_with(prefix); ++it) {
    if (valid(*it->second, now)) out.push_back(it->second->address);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace minewatch::intel
