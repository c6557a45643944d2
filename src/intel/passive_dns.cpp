#include "intel/passive_dns.hpp"

#include <algorithm>
#include <cstring>

#include "core/ascii.hpp"
#include "core/free_ids.hpp"
#include "core/prefetch.hpp"

namespace minewatch::intel {

namespace {

std::string_view trim_dots(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 33);
}

std::uint64_t address_hash(const IpAddress& a) {
  return mix(a.word(0) * 0x9E3779B97F4A7C15ull ^ a.word(1) ^ static_cast<std::uint64_t>(a.is_v6));
}

// Lowercases `name` into `buf` and hashes it, eight bytes at a time instead of byte by byte. Only the
// index's placement depends on the hash, never an answer.
std::uint64_t name_hash(std::string_view name, char* buf) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  std::uint64_t h = 0xcbf29ce484222325ull ^ name.size();
  for (std::size_t i = 0; i < name.size(); i += 8) {
    std::uint64_t w = 0;
    const std::size_t n = std::min<std::size_t>(8, name.size() - i);
    std::memcpy(&w, name.data() + i, n);
    // Bytes in 'A'..'Z' get 0x20 added: per byte, (b & 0x7f) + (0x80 - 'A') sets the high bit when
    // b >= 'A', + (0x80 - 'Z' - 1) when b > 'Z'; a byte with its own high bit set is not ASCII.
    const std::uint64_t low7 = w & ~kHigh;
    const std::uint64_t upper = ((low7 + (0x80 - 'A') * kOnes) ^ (low7 + (0x80 - 'Z' - 1) * kOnes)) & ~w & kHigh;
    w |= upper >> 2;
    std::memcpy(buf + i, &w, n);
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
  }
  return h;
}

}  // namespace

const PassiveDns::AddressSlot* PassiveDns::find_slot(const IpAddress& address) const {
  const std::uint32_t s =
      by_address_.find(address_hash(address), [&](std::uint32_t id) { return slots_[id].address == address; });
  return s == kNone ? nullptr : &slots_[s];
}

// Puts entry i at the front of its address's list.
void PassiveDns::link_front(std::uint32_t i) {
  Entry& e = entries_[i];
  AddressSlot& slot = slots_[e.slot];
  std::uint32_t& head = e.pool ? slot.pool_head : slot.other_head;
  if (!e.pool) ++slot.others;
  e.addr_prev = kNone;
  e.addr_next = head;
  if (head != kNone) entries_[head].addr_prev = i;
  head = i;
}

void PassiveDns::unlink(std::uint32_t i) {
  Entry& e = entries_[i];
  AddressSlot& slot = slots_[e.slot];
  std::uint32_t& head = e.pool ? slot.pool_head : slot.other_head;
  (e.addr_prev != kNone ? entries_[e.addr_prev].addr_next : head) = e.addr_next;
  if (e.addr_next != kNone) entries_[e.addr_next].addr_prev = e.addr_prev;
  if (!e.pool) --slot.others;
}

void PassiveDns::record(std::string_view name, const IpAddress& address, std::uint32_t ttl, Timestamp now, bool pool) {
  record(name, std::span<const IpAddress>{&address, 1}, ttl, now, pool);
}

void PassiveDns::record(std::string_view name, std::span<const IpAddress> addresses, std::uint32_t ttl, Timestamp now,
                        bool pool) {
  name = trim_dots(name);
  if (name.empty() || name.size() > kMaxName || config_.max_entries == 0 || addresses.empty()) return;
  // The name is lowercased and hashed once for all its addresses.
  std::array<char, kMaxName> lowered;  // name_hash writes only the name's own bytes
  const std::uint64_t nh = name_hash(name, lowered.data());
  for (const IpAddress& address : addresses) {
    Pending& p = pending_[pending_size_++];
    p.address_hash = address_hash(address);
    p.key_hash = mix(nh ^ p.address_hash);
    p.address = address;
    p.expires = now + std::chrono::seconds{ttl};
    p.name_size = static_cast<std::uint8_t>(name.size());
    p.pool = pool;
    std::memcpy(p.name.data(), lowered.data(), name.size());
    if (pending_size_ == kBatch) apply_pending();
  }
}

void PassiveDns::apply_pending() {
  if (pending_size_ == 0) return;
  const std::span<const Pending> pending{pending_.data(), pending_size_};
  // Hints only, in three passes so each pass's loads find the previous pass's lines arrived: the
  // indices' home slots, then the entry and slot they name; then the answers, in order.
  for (const Pending& p : pending) {
    by_key_.prefetch(p.key_hash);
    by_address_.prefetch(p.address_hash);
  }
  for (const Pending& p : pending) {
    if (const std::uint32_t id = by_key_.first_candidate(p.key_hash); id != kNone) prefetch_line(&entries_[id]);
    if (const std::uint32_t id = by_address_.first_candidate(p.address_hash); id != kNone)
      prefetch_range(&slots_[id], sizeof(AddressSlot));
  }
  for (const Pending& p : pending) apply(p);
  pending_size_ = 0;
}

void PassiveDns::apply(const Pending& p) {
  const std::uint64_t h = p.key_hash;
  const std::string_view lowered{p.name.data(), p.name_size};
  const IpAddress& address = p.address;
  const Timestamp expires = p.expires;
  const std::uint32_t found = by_key_.find(h, [&](std::uint32_t id) {
    const Entry& e = entries_[id];
    return e.key_hash == h && name_of(id) == lowered && slots_[e.slot].address == address;
  });
  if (found != kNone) {
    Entry& e = entries_[found];
    e.expires = std::max(e.expires, expires);
    e.seq = ++seq_;
    queue_.push_back(Stamp{found, e.seq});
    // Newest first in its address's list: usually it already leads it (an address answers for one name).
    const AddressSlot& slot = slots_[e.slot];
    if ((e.pool ? slot.pool_head : slot.other_head) != found) {
      unlink(found);
      link_front(found);
    }
    if (queue_.size() > 2 * size_ + 64) compact_queue();
    return;
  }
  while (size_ >= config_.max_entries) evict_oldest();
  // The address's slot, made on its first name.
  const std::uint64_t ah = p.address_hash;
  std::uint32_t slot = by_address_.find(ah, [&](std::uint32_t id) { return slots_[id].address == address; });
  if (slot == kNone) {
    slot = take_id(slots_, free_slots_);
    slots_[slot] = AddressSlot{};
    slots_[slot].address = address;
    by_address_.insert(ah, slot);
  }
  const std::uint32_t i = take_id(entries_, free_);
  Entry& e = entries_[i];
  e.name_size = static_cast<std::uint8_t>(lowered.size());
  if (lowered.size() <= kInlineName) {
    std::copy(lowered.begin(), lowered.end(), e.text.begin());
  } else {
    if (long_names_.size() <= i) long_names_.resize(entries_.size());
    long_names_[i].assign(lowered);  // reuses the recycled entry's buffer
  }
  e.key_hash = h;
  e.slot = slot;
  e.pool = p.pool;
  e.expires = expires;
  e.seq = ++seq_;
  queue_.push_back(Stamp{i, e.seq});
  by_key_.insert(h, i);
  link_front(i);
  ++size_;
}

void PassiveDns::evict_oldest() {
  // The oldest stamp still current names the least recently written entry.
  std::uint32_t i = kNone;
  while (i == kNone) {
    const Stamp st = queue_.front();
    queue_.pop_front();
    const Entry& e = entries_[st.entry];
    if (e.slot != kNone && e.seq == st.seq) i = st.entry;
  }
  unlink(i);
  Entry& e = entries_[i];
  by_key_.erase(e.key_hash, i);
  AddressSlot& slot = slots_[e.slot];
  if (slot.pool_head == kNone && slot.other_head == kNone) {
    by_address_.erase(address_hash(slot.address), e.slot);
    free_slots_.push_back(e.slot);
  }
  e.slot = kNone;
  free_.push_back(i);
  --size_;
  ++evictions_;
}

// Drops the stale stamps (entries written again since, or freed), keeping the order: the queue stays
// within a small multiple of the cache's size however often answers repeat.
void PassiveDns::compact_queue() {
  std::erase_if(queue_, [&](const Stamp& st) {
    const Entry& e = entries_[st.entry];
    return e.slot == kNone || e.seq != st.seq;
  });
}

PassiveDns::AddressNames PassiveDns::lookup(const IpAddress& address, Timestamp now) {
  AddressNames out;
  if (pending_size_ > 0) {
    // Most questions are about an address no answer named. Then the waiting answers cannot change
    // the result (nothing of the address is there to refresh or evict), and they stay in their batch:
    // batches applied whole overlap more misses than the few answers that arrive between two questions.
    const std::uint64_t h = address_hash(address);
    bool named = find_slot(address) != nullptr;
    for (std::size_t i = 0; i < pending_size_ && !named; ++i) {
      named = pending_[i].address_hash == h && pending_[i].address == address;
    }
    if (!named) return out;
    apply_pending();
  }
  const AddressSlot* slot = find_slot(address);
  if (!slot) return out;
  for (std::uint32_t i = slot->pool_head; i != kNone; i = entries_[i].addr_next) {
    if (valid(entries_[i], now)) {
      out.pool_name = name_of(i);
      break;
    }
  }
  // Newest first: the first entry is nearly always still valid, so this stops at once.
  for (std::uint32_t i = slot->other_head; i != kNone; i = entries_[i].addr_next) {
    if (valid(entries_[i], now)) {
      out.other_names = slot->others;
      break;
    }
  }
  return out;
}

std::vector<IpAddress> PassiveDns::addresses_for(std::string_view name, Timestamp now) {
  apply_pending();
  name = trim_dots(name);
  std::vector<IpAddress> out;
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    const std::string_view n = name_of(i);
    if (e.slot != kNone && n.size() == name.size() && valid(e, now) &&
        std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) { return a == lower_ascii(b); })) {
      out.push_back(slots_[e.slot].address);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace minewatch::intel
