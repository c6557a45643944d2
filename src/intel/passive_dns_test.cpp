// PassiveDns against a naive model of its contract (a plain list of addresses, each with its names as
// text, scanned for every question), under heavy eviction, refreshes, expiry, more names per address
// than it keeps, pool and other names sharing addresses, names of every length, byte and case: the
// cache's index, hashed names, pool-name texts, lazy eviction queue and batches must never change an
// answer.
#include "intel/passive_dns.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/ascii.hpp"

namespace minewatch::intel {
namespace {

class NaivePassiveDns {
 public:
  NaivePassiveDns(std::size_t max_entries, std::chrono::seconds grace) : max_(max_entries), grace_(grace) {}
  void record(std::string_view name, const IpAddress& a, std::uint32_t ttl, Timestamp now, bool pool) {
    while (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (name.empty() || name.size() > 255 || max_ == 0) return;
    std::string lowered(name);
    for (char& c : lowered) c = lower_ascii(c);
    Timestamp expires = now + std::chrono::seconds{ttl};
    auto it = std::find_if(addrs_.begin(), addrs_.end(), [&](const Addr& x) { return x.address == a; });
    if (it == addrs_.end()) {
      if (addrs_.size() >= max_) {
        addrs_.erase(
            std::min_element(addrs_.begin(), addrs_.end(), [](const Addr& x, const Addr& y) { return x.seq < y.seq; }));
        ++evictions_;
      }
      addrs_.push_back(Addr{a, 0, {}, {}});
      it = addrs_.end() - 1;
    }
    it->seq = ++seq_;
    auto& list = pool ? it->pools : it->others;
    const std::size_t cap = pool ? PassiveDns::kPoolNames : PassiveDns::kOtherNames;
    auto same = std::find_if(list.begin(), list.end(), [&](const auto& n) { return n.first == lowered; });
    if (same != list.end()) {
      expires = std::max(expires, same->second);
      list.erase(same);
    }
    list.insert(list.begin(), {lowered, expires});
    if (list.size() > cap) list.pop_back();
  }
  PassiveDns::AddressNames lookup(const IpAddress& a, Timestamp now) const {
    PassiveDns::AddressNames out;
    for (const Addr& x : addrs_) {
      if (x.address != a) continue;
      for (const auto& [name, expires] : x.pools) {
        if (now <= expires + grace_) {
          out.pool_name = name;
          break;
        }
      }
      for (const auto& n : x.others) {
        if (now <= n.second + grace_) out.other_names = x.others.size();
      }
    }
    return out;
  }
  [[nodiscard]] std::size_t size() const { return addrs_.size(); }
  [[nodiscard]] std::uint64_t evictions() const { return evictions_; }

 private:
  struct Addr {
    IpAddress address;
    std::uint64_t seq;
    std::vector<std::pair<std::string, Timestamp>> pools, others;  // newest first
  };
  std::size_t max_;
  std::chrono::seconds grace_;
  std::vector<Addr> addrs_;
  std::uint64_t seq_ = 0;
  std::uint64_t evictions_ = 0;
};

// `count` addresses a.b.c.0, a.b.c.1, ...
std::vector<IpAddress> ipv4_block(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t count) {
  std::vector<IpAddress> out;
  for (std::uint8_t i = 0; i < count; ++i) {
    const std::uint8_t bytes[4] = {a, b, c, i};
    out.push_back(IpAddress::v4(bytes));
  }
  return out;
}

// Every question the cache answers, against the model: each address's pool name and count of other
// names at `at`, then the cache's size and evictions. The per-address questions come first: size() and
// evictions() apply waiting answers themselves.
::testing::AssertionResult agrees(PassiveDns& pdns, const NaivePassiveDns& naive, const std::vector<IpAddress>& addrs,
                                  Timestamp at) {
  for (const IpAddress& q : addrs) {
    const auto got = pdns.lookup(q, at);
    const auto want = naive.lookup(q, at);
    if (got.pool_name != want.pool_name || got.other_names != want.other_names) {
      return ::testing::AssertionFailure()
             << q.to_string() << ": lookup gave (" << got.pool_name << ", " << got.other_names << "), the model ("
             << want.pool_name << ", " << want.other_names << ")";
    }
  }
  if (pdns.size() != naive.size() || pdns.evictions() != naive.evictions()) {
    return ::testing::AssertionFailure() << "size " << pdns.size() << " / " << naive.size() << ", evictions "
                                         << pdns.evictions() << " / " << naive.evictions();
  }
  return ::testing::AssertionSuccess();
}

TEST(PassiveDns, AgreesWithANaiveModelUnderEvictionAndRefresh) {
  for (std::size_t cap : {1u, 2u, 7u, 64u}) {
    std::mt19937_64 rng(cap);
    PassiveDns pdns({.max_entries = cap, .grace = std::chrono::seconds{5}});
    NaivePassiveDns naive(cap, std::chrono::seconds{5});
    // Names of every length up to the longest, some differing only in case or in
    // their last byte, some with trailing dots.
    std::vector<std::string> names;
    for (std::size_t len : {1u, 5u, 20u, 23u, 24u, 25u, 26u, 27u, 40u, 100u, 255u}) {
      for (char last : {'a', 'b'}) {
        std::string n(len, 'x');
        for (std::size_t i = 0; i < len; ++i) n[i] = static_cast<char>('a' + (i * 7 + len) % 26);
        if (len > 3) n[len / 2] = '.';
        n.back() = last;
        names.push_back(n);
      }
    }
    const std::vector<IpAddress> addrs = ipv4_block(192, 0, 2, 6);
    Timestamp now{1'000'000'000'000};
    for (int step = 0; step < 6000; ++step) {
      now.ns += static_cast<std::int64_t>(rng() % 3) * 1'000'000'000;
      std::string name = names[rng() % names.size()];
      if (rng() % 5 == 0) name[0] = static_cast<char>(name[0] - 'a' + 'A');
      if (rng() % 7 == 0) name += '.';
      const IpAddress& a = addrs[rng() % addrs.size()];
      const auto ttl = static_cast<std::uint32_t>(rng() % 20);
      const bool pool = rng() % 4 == 0;
      pdns.record(name, a, ttl, now, pool);
      naive.record(name, a, ttl, now, pool);
      ASSERT_EQ(pdns.size(), naive.size()) << "step " << step;
      ASSERT_EQ(pdns.evictions(), naive.evictions()) << "step " << step;
      const Timestamp at = now + std::chrono::seconds{static_cast<int>(rng() % 30)};
      ASSERT_TRUE(agrees(pdns, naive, addrs, at)) << "step " << step;
    }
  }
}

// Answers with several addresses (one call for the list), names of any bytes (case folding must touch
// only 'A'-'Z', at every offset and length), and questions asked only now and then, so answers wait in
// batches of every size before they are applied.
TEST(PassiveDns, AgreesWithANaiveModelForAddressListsAndAnyBytes) {
  for (std::size_t cap : {3u, 50u}) {
    std::mt19937_64 rng(cap + 100);
    PassiveDns pdns({.max_entries = cap, .grace = std::chrono::seconds{5}});
    NaivePassiveDns naive(cap, std::chrono::seconds{5});
    std::vector<std::string> names;
    for (int i = 0; i < 40; ++i) {
      std::string n(1 + rng() % 60, 'x');
      for (char& c : n) c = static_cast<char>(1 + rng() % 255);
      if (n.back() == '.') n.back() = 'Q';
      names.push_back(n);
      std::string upper = n;  // the same name in another case: one entry
      for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      names.push_back(upper);
    }
    const std::vector<IpAddress> addrs = ipv4_block(198, 51, 100, 8);
    Timestamp now{1'000'000'000'000};
    for (int step = 0; step < 4000; ++step) {
      now.ns += static_cast<std::int64_t>(rng() % 2) * 1'000'000'000;
      const std::string& name = names[rng() % names.size()];
      std::vector<IpAddress> list;
      for (std::size_t k = 1 + rng() % 4; k > 0; --k) list.push_back(addrs[rng() % addrs.size()]);
      const auto ttl = static_cast<std::uint32_t>(rng() % 20);
      const bool pool = rng() % 3 == 0;
      pdns.record(name, list, ttl, now, pool);
      for (const IpAddress& a : list) naive.record(name, a, ttl, now, pool);
      if (rng() % 9 != 0) continue;  // let answers pile up unapplied
      const Timestamp at = now + std::chrono::seconds{static_cast<int>(rng() % 30)};
      ASSERT_TRUE(agrees(pdns, naive, addrs, at)) << "step " << step;
    }
  }
}

}  // namespace
}  // namespace minewatch::intel
