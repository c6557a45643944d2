#include "intel/passive_dns.hpp"

#include <algorithm>
#include <cctype>

namespace minewatch::intel {

namespace {

constexpr std::size_t kMaxName = 255;  // RFC 1035: a name is at most 255 octets on the wire

// Lowercase name '\0' address bytes family, written into `buf` (no allocation on the packet path).
std::string_view make_key(std::string_view name, const IpAddress& a, char (&buf)[kMaxName + 19]) {
  std::size_t n = 0;
  for (char c : name) buf[n++] = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  buf[n++] = '\0';
  for (std::uint8_t b : a.bytes) buf[n++] = static_cast<char>(b);
  buf[n++] = a.is_v6 ? '6' : '4';
  return {buf, n};
}

std::string_view trim_dots(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

}  // namespace

// Puts entry i at the front of the cache's LRU list and of its address's list.
void PassiveDns::link_front(std::uint32_t i) {
  Entry& e = entries_[i];
  e.lru_prev = kNone;
  e.lru_next = lru_head_;
  if (lru_head_ != kNone) entries_[lru_head_].lru_prev = i;
  lru_head_ = i;
  if (lru_tail_ == kNone) lru_tail_ = i;
  AddressSlot& slot = by_address_[e.address];
  std::uint32_t& head = e.pool ? slot.pool_head : slot.other_head;
  if (!e.pool) ++slot.others;
  e.addr_prev = kNone;
  e.addr_next = head;
  if (head != kNone) entries_[head].addr_prev = i;
  head = i;
}

void PassiveDns::unlink(std::uint32_t i) {
  Entry& e = entries_[i];
  (e.lru_prev != kNone ? entries_[e.lru_prev].lru_next : lru_head_) = e.lru_next;
  (e.lru_next != kNone ? entries_[e.lru_next].lru_prev : lru_tail_) = e.lru_prev;
  auto slot = by_address_.find(e.address);
  std::uint32_t& head = e.pool ? slot->second.pool_head : slot->second.other_head;
  (e.addr_prev != kNone ? entries_[e.addr_prev].addr_next : head) = e.addr_next;
  if (e.addr_next != kNone) entries_[e.addr_next].addr_prev = e.addr_prev;
  if (!e.pool) --slot->second.others;
  if (slot->second.pool_head == kNone && slot->second.other_head == kNone) by_address_.erase(slot);
}

void PassiveDns::record(std::string_view name, const IpAddress& address, std::uint32_t ttl, Timestamp now, bool pool) {
  name = trim_dots(name);
  if (name.empty() || name.size() > kMaxName || config_.max_entries == 0) return;
  char buf[kMaxName + 19];
  const std::string_view key = make_key(name, address, buf);
  const Timestamp expires = now + std::chrono::seconds{ttl};
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    const std::uint32_t i = it->second;
    Entry& e = entries_[i];
    e.expires = std::max(e.expires, expires);
    e.seq = ++seq_;
    unlink(i);
    link_front(i);
    return;
  }
  while (size_ >= config_.max_entries) evict_oldest();
  std::uint32_t i;
  if (!free_.empty()) {
    i = free_.back();
    free_.pop_back();
  } else {
    i = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  auto [slot, inserted] = by_key_.emplace(std::string{key}, i);
  Entry& e = entries_[i];
  e = Entry{};
  e.key = &slot->first;
  e.name_len = static_cast<std::uint16_t>(name.size());
  e.pool = pool;
  e.address = address;
  e.expires = expires;
  e.seq = ++seq_;
  link_front(i);
  ++size_;
}

void PassiveDns::evict_oldest() {
  const std::uint32_t i = lru_tail_;
  unlink(i);
  by_key_.erase(*entries_[i].key);
  entries_[i].key = nullptr;
  free_.push_back(i);
  --size_;
  ++evictions_;
}

PassiveDns::AddressNames PassiveDns::lookup(const IpAddress& address, Timestamp now) const {
  AddressNames out;
  auto it = by_address_.find(address);
  if (it == by_address_.end()) return out;
  for (std::uint32_t i = it->second.pool_head; i != kNone; i = entries_[i].addr_next) {
    if (valid(entries_[i], now)) {
      out.pool_name = entries_[i].name();
      break;
    }
  }
  // Newest first: the first entry is nearly always still valid, so this stops at once.
  for (std::uint32_t i = it->second.other_head; i != kNone; i = entries_[i].addr_next) {
    if (valid(entries_[i], now)) {
      out.other_names = it->second.others;
      break;
    }
  }
  return out;
}

std::vector<IpAddress> PassiveDns::addresses_for(std::string_view name, Timestamp now) const {
  name = trim_dots(name);
  std::vector<IpAddress> out;
  for (std::uint32_t i = lru_head_; i != kNone; i = entries_[i].lru_next) {
    const Entry& e = entries_[i];
    const std::string_view n = e.name();
    if (n.size() == name.size() && valid(e, now) && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      out.push_back(e.address);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace minewatch::intel
