#include "flow/flow_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace minewatch::flow {
namespace {

FlowKey key_for(std::uint32_t n) {
  std::uint8_t a[4] = {10, 0, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  std::uint8_t b[4] = {192, 0, 2, 1};
  Direction d;
  return FlowKey::make(IpAddress::v4(a), static_cast<std::uint16_t>(1024 + n % 50000), IpAddress::v4(b), 443, 6, d);
}

TEST(FlowKey, IsTheSameForBothDirections) {
  std::uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
  Direction d1, d2;
  auto k1 = FlowKey::make(IpAddress::v4(a), 5000, IpAddress::v4(b), 80, 6, d1);
  auto k2 = FlowKey::make(IpAddress::v4(b), 80, IpAddress::v4(a), 5000, 6, d2);
  EXPECT_EQ(k1, k2);
  EXPECT_EQ(k1.hash(), k2.hash());
  EXPECT_NE(d1, d2);
}

TEST(FlowKey, MakeIntoGivesTheKeyItsHashAndTheDirectionBothWays) {
  std::uint8_t a[4] = {198, 51, 100, 7}, b[4] = {203, 0, 113, 9};
  std::uint8_t c[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::uint8_t e[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  struct Case {
    IpAddress src, dst;
    std::uint16_t sport, dport;
    std::uint64_t hash;  // as computed before make_into existed (534e8be): flow ids derive from it
  };
  const Case cases[] = {
      {IpAddress::v4(a), IpAddress::v4(b), 50123, 3333, 0xde467de361b49a02ull},
      {IpAddress::v6(e), IpAddress::v6(c), 443, 40001, 0x262f03579a2d8318ull},
  };
  for (const Case& t : cases) {
    Direction d1, d2;
    FlowKey k1, k2;
    const std::uint64_t h1 = FlowKey::make_into(t.src, t.sport, t.dst, t.dport, 6, d1, k1);
    const std::uint64_t h2 = FlowKey::make_into(t.dst, t.dport, t.src, t.sport, 6, d2, k2);
    EXPECT_EQ(h1, t.hash);
    EXPECT_EQ(h1, k1.hash());
    EXPECT_EQ(h2, h1);
    EXPECT_EQ(k2, k1);
    EXPECT_NE(d1, d2);
  }
  // One address on both sides: the lower port is side A.
  Direction d;
  FlowKey k;
  const std::uint64_t h = FlowKey::make_into(IpAddress::v4(a), 9000, IpAddress::v4(a), 80, 17, d, k);
  EXPECT_EQ(d, Direction::BtoA);
  EXPECT_EQ(k.port_a, 80);
  EXPECT_EQ(k.port_b, 9000);
  EXPECT_EQ(h, k.hash());
}

TEST(FlowTable, FindsInsertedFlowsAndForgetsErasedOnes) {
  FlowTable<int> t(1000);
  for (std::uint32_t i = 0; i < 1000; ++i) {
    auto k = key_for(i);
    t.insert(k, k.hash(), Timestamp{i}).payload = static_cast<int>(i);
  }
  EXPECT_TRUE(t.full());
  for (std::uint32_t i = 0; i < 1000; i += 2) {
    auto k = key_for(i);
    t.erase(*t.find(k, k.hash()));
  }
  for (std::uint32_t i = 0; i < 1000; ++i) {
    auto k = key_for(i);
    auto* e = t.find(k, k.hash());
    if (i % 2 == 0) {
      EXPECT_EQ(e, nullptr) << i;
    } else {
      ASSERT_NE(e, nullptr) << i;
      EXPECT_EQ(e->payload, static_cast<int>(i));
    }
  }
  EXPECT_EQ(t.size(), 500u);
}

TEST(FlowTable, SurvivesRandomInsertEraseAgainstAReferenceMap) {
  // Backward-shift deletion must keep every probe chain reachable.
  FlowTable<std::uint32_t> t(512);
  std::map<std::uint32_t, bool> ref;
  std::mt19937 rng(42);
  for (int step = 0; step < 20000; ++step) {
    auto n = static_cast<std::uint32_t>(rng() % 2000);
    auto k = key_for(n);
    auto* e = t.find(k, k.hash());
    ASSERT_EQ(e != nullptr, ref.count(n) == 1) << step;
    if (e) {
      EXPECT_EQ(e->payload, n);
      t.erase(*e);
      ref.erase(n);
    } else if (!t.full()) {
      t.insert(k, k.hash(), Timestamp{step}).payload = n;
      ref[n] = true;
    }
  }
  EXPECT_EQ(t.size(), ref.size());
}

TEST(FlowTable, TaggedIndexStaysCorrectWhenHashesClusterAndTagsCollide) {
  // Hashes squeezed onto a few home slots and a few tags: long probe chains, many slots whose tag
  // matches another flow's, and backward shifts across them.
  for (std::uint64_t squeeze : {0x0000000300000007ull, 0x000000000000001full, 0xffffffff00000003ull}) {
    FlowTable<std::uint32_t> t(700);
    std::map<std::uint32_t, bool> ref;
    std::mt19937 rng(static_cast<std::uint32_t>(squeeze));
    for (int step = 0; step < 30000; ++step) {
      auto n = static_cast<std::uint32_t>(rng() % 1500);
      auto k = key_for(n);
      const std::uint64_t h = k.hash() & squeeze;
      t.prefetch_entry(h);
      auto* e = t.find(k, h);
      ASSERT_EQ(e != nullptr, ref.count(n) == 1) << step;
      if (e) {
        ASSERT_EQ(e->payload, n);
        t.erase(*e);
        ref.erase(n);
      } else if (!t.full()) {
        t.insert(k, h, Timestamp{step}).payload = n;
        ref[n] = true;
      }
    }
    EXPECT_EQ(t.size(), ref.size());
  }
}

TEST(FlowTable, OrdersFlowsByRecencyForTimeouts) {
  FlowTable<int> t(16);
  auto k0 = key_for(0), k1 = key_for(1), k2 = key_for(2);
  auto& e0 = t.insert(k0, k0.hash(), Timestamp{0});
  t.insert(k1, k1.hash(), Timestamp{1});
  t.insert(k2, k2.hash(), Timestamp{2});
  EXPECT_EQ(t.oldest(), &e0);
  t.touch(e0, Timestamp{3});
  EXPECT_EQ(t.oldest()->key, k1);
  std::vector<FlowKey> order;
  t.for_each_oldest_first([&](auto& e) { order.push_back(e.key); });
  EXPECT_EQ(order, (std::vector<FlowKey>{k1, k2, k0}));
}

}  // namespace
}  // namespace minewatch::flow
