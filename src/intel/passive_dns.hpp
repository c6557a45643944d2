#pragma once
// Passive DNS: what the traffic's own DNS answers said, address -> the names that resolved to it, so a
// later flow to an address can be tied to the name it was looked up as (a pool's name, even when the
// flow itself is encrypted and has no server name). Time is packet time, so the same input always
// yields the same cache; each Engine owns one (no globals), and the parallel pipeline shows every
// worker every DNS answer, so their caches are identical.
//
// Built for the one question the engine asks per flow: "which pool name resolved to this address, and
// does the address answer for other names too (a CDN's, shared)?". Whether a name is a pool's is
// decided once, when its answer is recorded (the caller's pool list). So the cache keeps, per address,
// one slot: its newest kPoolNames pool names (their text: they name the pool in the alert) and its
// newest kOtherNames other names (only a 64-bit hash each: only their number is ever told). A repeated
// answer refreshes its name and makes it the newest; a new name beyond the limit pushes out the
// address's oldest-written name of that kind. Bounded: at most `max_entries` addresses, the least
// recently written evicted first.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/id_index.hpp"
#include "core/ip_address.hpp"
#include "core/timestamp.hpp"

namespace minewatch::intel {

struct PassiveDnsConfig {
  std::size_t max_entries = 1u << 16;  // addresses kept
  // Answers stay usable this long past their TTL: stub resolvers and miners keep connecting to an
  // address after its record expired, and pools often publish TTLs of a minute.
  std::chrono::seconds grace{600};
};

class PassiveDns {
 public:
  static constexpr std::size_t kPoolNames = 2;   // pool names kept per address, newest first
  static constexpr std::size_t kOtherNames = 4;  // other names kept per address (as hashes), newest first

  explicit PassiveDns(PassiveDnsConfig config = {}) : config_(config), pending_(kBatch) {}

  // `name` (the name the client asked for, CNAMEs already followed) resolved to `address` for `ttl`
  // seconds from `now`; `pool`: the name is a listed pool's (the caller's pool list decided). Names
  // compare without case and without trailing dots.
  // Answers are applied in batches, in order, before any question they could change is answered (see
  // pending_ and lookup()): every question sees exactly the answers recorded before it.
  void record(std::string_view name, const IpAddress& address, std::uint32_t ttl, Timestamp now, bool pool = false);
  // The same for each of `addresses` in turn (one answer's address list).
  void record(std::string_view name, std::span<const IpAddress> addresses, std::uint32_t ttl, Timestamp now,
              bool pool = false);

  struct AddressNames {
    std::string_view pool_name;  // the newest kept pool name still valid at `now`, "" when none
    // The other names kept for the address (at most kOtherNames), when at least one of them is still
    // valid at `now` (0 otherwise): the address is shared, e.g. a CDN's. kOtherNames means "that many
    // or more".
    std::size_t other_names = 0;
  };
  // The view into pool_name lives until the next record() or lookup().
  [[nodiscard]] AddressNames lookup(const IpAddress& address, Timestamp now);

  // Addresses kept, and addresses evicted so far.
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

  // One kind of names of one address, newest first: the lowercased name's hash and when it expires.
  template <std::size_t N>
  struct Names {
    std::array<std::uint64_t, N> hash{};
    std::array<Timestamp, N> expires{};
  };
  struct alignas(64) Slot {
    IpAddress address;
    std::uint8_t pools = 0, others = 0;  // names kept of each kind
    bool used = false;
    std::uint64_t seq = 0;  // last write: the least recently written address is evicted first
    Names<kPoolNames> pool;
    Names<kOtherNames> other;
  };
  static_assert(sizeof(Slot) == 128);
  // Eviction order, oldest first: (slot, its seq then). Every write appends; a pair whose slot has been
  // written since (or freed) is stale and skipped, so nothing is relinked on a refresh.
  struct Stamp {
    std::uint32_t slot;
    std::uint64_t seq;
  };
  // A pool name's text, shared by the slots that keep it.
  struct PoolText {
    std::string text;
    std::uint32_t refs = 0;
  };
  [[nodiscard]] bool valid(Timestamp expires, Timestamp now) const { return now <= expires + config_.grace; }
  [[nodiscard]] const Slot* find_slot(const IpAddress& address, std::uint64_t address_hash) const;
  // Makes `hash` the newest of `names` (expiring at the later of its two times when it was there).
  // Returns the hash pushed out to make room (0 when none), and whether the name is new to them.
  template <std::size_t N>
  static std::uint64_t make_newest(Names<N>& names, std::uint8_t& size, std::uint64_t hash, Timestamp expires,
                                   bool& added);
  void release_pool_text(std::uint64_t hash);
  void evict_oldest();

  // An answer waiting to be applied: the name's hash (and its lowercased text when it is a pool's).
  struct Pending {
    std::uint64_t name_hash;
    std::uint64_t address_hash;
    IpAddress address;
    Timestamp expires;
    bool pool;
    std::uint8_t name_size;  // pool names only
    std::array<char, kMaxName> name;
  };
  void apply_pending();
  void apply(const Pending& p);
  void compact_queue();

  PassiveDnsConfig config_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  IdIndex by_address_;  // address -> slot
  std::deque<Stamp> queue_;
  std::unordered_map<std::uint64_t, PoolText> pool_text_;  // by name hash
  std::size_t size_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t evictions_ = 0;
  // Answers recorded but not applied yet. Each answer touches a few cache lines at random (the index
  // and the address's slot); applied one at a time as they arrive, every miss stalled the packet path.
  // Applied in a batch, the lines of all of them are prefetched first and the misses overlap.
  static constexpr std::size_t kBatch = 16;
  std::vector<Pending> pending_;  // kBatch slots, the first pending_size_ in use
  std::size_t pending_size_ = 0;
};

}  // namespace minewatch::intel
