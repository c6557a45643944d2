#include "intel/passive_dns.hpp"

#include <algorithm>
#include <cstring>

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

// Lowercases `name` into `buf` and hashes it, eight bytes at a time instead of byte by byte. Names are
// told apart by this hash alone (64 bits; never 0, which marks "none").
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
  h = mix(h);
  return h == 0 ? 1 : h;
}

}  // namespace

const PassiveDns::Slot* PassiveDns::find_slot(const IpAddress& address, std::uint64_t hash) const {
  const std::uint32_t s = by_address_.find(hash, [&](std::uint32_t id) { return slots_[id].address == address; });
  return s == kNone ? nullptr : &slots_[s];
}

template <std::size_t N>
std::uint64_t PassiveDns::make_newest(Names<N>& names, std::uint8_t& size, std::uint64_t hash, Timestamp expires,
                                      bool& added) {
  std::size_t at = 0;
  while (at < size && names.hash[at] != hash) ++at;
  std::uint64_t dropped = 0;
  added = at == size;
  if (added) {
    if (size < N) {
      ++size;
    } else {
      at = N - 1;  // the oldest-written makes room
      dropped = names.hash[at];
    }
  } else {
    expires = std::max(expires, names.expires[at]);
  }
  for (; at > 0; --at) {
    names.hash[at] = names.hash[at - 1];
    names.expires[at] = names.expires[at - 1];
  }
  names.hash[0] = hash;
  names.expires[0] = expires;
  return dropped;
}

void PassiveDns::release_pool_text(std::uint64_t hash) {
  auto it = pool_text_.find(hash);
  if (it != pool_text_.end() && --it->second.refs == 0) pool_text_.erase(it);
}

void PassiveDns::record(std::string_view name, const IpAddress& address, std::uint32_t ttl, Timestamp now, bool pool) {
  record(name, std::span<const IpAddress>{&address, 1}, ttl, now, pool);
}

void PassiveDns::record(std::string_view name, std::span<const IpAddress> addresses, std::uint32_t ttl, Timestamp now,
                        bool pool) {
  name = trim_dots(name);
  if (name.empty() || name.size() > kMaxName || config_.max_entries == 0 || addresses.empty()) return;
  // The name is lowercased and hashed once for all its addresses; only a pool's is kept as text.
  std::array<char, kMaxName> lowered;  // name_hash writes only the name's own bytes
  const std::uint64_t nh = name_hash(name, lowered.data());
  for (const IpAddress& address : addresses) {
    Pending& p = pending_[pending_size_++];
    p.name_hash = nh;
    p.address_hash = address_hash(address);
    p.address = address;
    p.expires = now + std::chrono::seconds{ttl};
    p.pool = pool;
    if (pool) {
      p.name_size = static_cast<std::uint8_t>(name.size());
      std::memcpy(p.name.data(), lowered.data(), name.size());
    }
    if (pending_size_ == kBatch) apply_pending();
  }
}

void PassiveDns::apply_pending() {
  if (pending_size_ == 0) return;
  const std::span<const Pending> pending{pending_.data(), pending_size_};
  // Hints only, in two passes so the second pass's loads find the first pass's lines arrived: the
  // index's home slots, then the slots they name; then the answers, in order.
  for (const Pending& p : pending) by_address_.prefetch(p.address_hash);
  for (const Pending& p : pending) {
    if (const std::uint32_t id = by_address_.first_candidate(p.address_hash); id != kNone)
      prefetch_range(&slots_[id], sizeof(Slot));
  }
  for (const Pending& p : pending) apply(p);
  pending_size_ = 0;
}

void PassiveDns::apply(const Pending& p) {
  std::uint32_t id = by_address_.find(p.address_hash, [&](std::uint32_t s) { return slots_[s].address == p.address; });
  if (id == kNone) {
    while (size_ >= config_.max_entries) evict_oldest();
    id = take_id(slots_, free_);
    slots_[id] = Slot{};
    slots_[id].address = p.address;
    slots_[id].used = true;
    by_address_.insert(p.address_hash, id);
    ++size_;
  }
  Slot& s = slots_[id];
  s.seq = ++seq_;
  queue_.push_back(Stamp{id, s.seq});
  bool added = false;
  if (p.pool) {
    const std::uint64_t dropped = make_newest(s.pool, s.pools, p.name_hash, p.expires, added);
    if (added) {
      PoolText& t = pool_text_[p.name_hash];
      if (t.refs++ == 0) t.text.assign(p.name.data(), p.name_size);
    }
    if (dropped != 0) release_pool_text(dropped);
  } else {
    make_newest(s.other, s.others, p.name_hash, p.expires, added);
  }
  if (queue_.size() > 2 * size_ + 64) compact_queue();
}

void PassiveDns::evict_oldest() {
  // The oldest stamp still current names the least recently written address.
  std::uint32_t id = kNone;
  while (id == kNone) {
    const Stamp st = queue_.front();
    queue_.pop_front();
    const Slot& s = slots_[st.slot];
    if (s.used && s.seq == st.seq) id = st.slot;
  }
  Slot& s = slots_[id];
  for (std::size_t k = 0; k < s.pools; ++k) release_pool_text(s.pool.hash[k]);
  by_address_.erase(address_hash(s.address), id);
  s.used = false;
  free_.push_back(id);
  --size_;
  ++evictions_;
}

// Drops the stale stamps (slots written again since, or freed), keeping the order: the queue stays
// within a small multiple of the cache's size however often answers repeat.
void PassiveDns::compact_queue() {
  std::erase_if(queue_, [&](const Stamp& st) {
    const Slot& s = slots_[st.slot];
    return !s.used || s.seq != st.seq;
  });
}

PassiveDns::AddressNames PassiveDns::lookup(const IpAddress& address, Timestamp now) {
  AddressNames out;
  const std::uint64_t h = address_hash(address);
  if (pending_size_ > 0) {
    // Most questions are about an address no answer named. Then the waiting answers cannot change
    // the result (nothing of the address is there to refresh or evict), and they stay in their batch:
    // batches applied whole overlap more misses than the few answers that arrive between two questions.
    bool named = find_slot(address, h) != nullptr;
    for (std::size_t i = 0; i < pending_size_ && !named; ++i) {
      named = pending_[i].address_hash == h && pending_[i].address == address;
    }
    if (!named) return out;
    apply_pending();
  }
  const Slot* s = find_slot(address, h);
  if (!s) return out;
  for (std::size_t k = 0; k < s->pools; ++k) {
    if (valid(s->pool.expires[k], now)) {
      out.pool_name = pool_text_.find(s->pool.hash[k])->second.text;
      break;
    }
  }
  for (std::size_t k = 0; k < s->others; ++k) {
    if (valid(s->other.expires[k], now)) {
      out.other_names = s->others;
      break;
    }
  }
  return out;
}

}  // namespace minewatch::intel
