#include "registry/prefix_table.hpp"

#include <gtest/gtest.h>

#include <random>

namespace minewatch::registry {
namespace {

PrefixTable::Item v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t len,
                     std::uint32_t value) {
  PrefixTable::Item item;
  item.key[0] = a;
  item.key[1] = b;
  item.key[2] = c;
  item.key[3] = d;
  item.length = len;
  item.value = value;
  return item;
}

// Reference: the longest matching item by linear scan (later duplicates win).
std::uint32_t naive(const std::vector<PrefixTable::Item>& items, const std::uint8_t* key, unsigned key_bytes) {
  int best_len = -1;
  std::uint32_t best = PrefixTable::kNone;
  for (const auto& item : items) {
    bool match = true;
    for (unsigned bit = 0; bit < item.length && bit < key_bytes * 8; ++bit) {
      const unsigned m = 0x80u >> (bit % 8);
      if ((item.key[bit / 8] & m) != (key[bit / 8] & m)) {
        match = false;
        break;
      }
    }
    if (match && static_cast<int>(item.length) >= best_len) {
      best_len = item.length;
      best = item.value;
    }
  }
  return best;
}

TEST(PrefixTable, EmptyTableMatchesNothing) {
  PrefixTable t(4, {});
  const std::uint8_t key[4] = {1, 2, 3, 4};
  EXPECT_EQ(t.lookup(key), PrefixTable::kNone);
}

TEST(PrefixTable, LongestPrefixWinsAcrossLevels) {
  PrefixTable t(4, {v4(10, 0, 0, 0, 8, 1), v4(10, 1, 0, 0, 16, 2), v4(10, 1, 2, 0, 24, 3), v4(10, 1, 2, 128, 25, 4),
                    v4(10, 1, 2, 200, 32, 5), v4(0, 0, 0, 0, 0, 6)});
  auto at = [&](std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    const std::uint8_t key[4] = {a, b, c, d};
    return t.lookup(key);
  };
  EXPECT_EQ(at(10, 9, 9, 9), 1u);
  EXPECT_EQ(at(10, 1, 9, 9), 2u);
  EXPECT_EQ(at(10, 1, 2, 1), 3u);
  EXPECT_EQ(at(10, 1, 2, 129), 4u);
  EXPECT_EQ(at(10, 1, 2, 200), 5u);
  EXPECT_EQ(at(10, 1, 2, 201), 4u);
  EXPECT_EQ(at(11, 0, 0, 0), 6u);  // the default route
}

TEST(PrefixTable, LaterDuplicateWinsAndIsCounted) {
  PrefixTable t(4, {v4(192, 168, 0, 0, 16, 1), v4(192, 168, 0, 0, 16, 2)});
  const std::uint8_t key[4] = {192, 168, 3, 4};
  EXPECT_EQ(t.lookup(key), 2u);
  EXPECT_EQ(t.duplicates(), 1u);
  EXPECT_EQ(t.size(), 1u);
}

TEST(PrefixTable, HostBitsPastTheLengthAreIgnored) {
  PrefixTable t(4, {v4(172, 16, 99, 99, 12, 7)});
  const std::uint8_t in[4] = {172, 31, 255, 255};
  const std::uint8_t out[4] = {172, 32, 0, 0};
  EXPECT_EQ(t.lookup(in), 7u);
  EXPECT_EQ(t.lookup(out), PrefixTable::kNone);
}

TEST(PrefixTable, AgreesWithLinearScanOnRandomIpv4Prefixes) {
  std::mt19937 rng(42);
  std::vector<PrefixTable::Item> items;
  for (std::uint32_t i = 0; i < 3000; ++i) {
    // Cluster the keys so that prefixes nest.
    const auto len = static_cast<std::uint8_t>(rng() % 33);
    items.push_back(v4(static_cast<std::uint8_t>(rng() % 4), static_cast<std::uint8_t>(rng() % 3),
                       static_cast<std::uint8_t>(rng() % 256), static_cast<std::uint8_t>(rng()), len, i));
  }
  PrefixTable t(4, items);
  for (int i = 0; i < 4000; ++i) {
    const std::uint8_t key[4] = {static_cast<std::uint8_t>(rng() % 5), static_cast<std::uint8_t>(rng() % 4),
                                 static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng())};
    ASSERT_EQ(t.lookup(key), naive(items, key, 4))
        << int(key[0]) << "." << int(key[1]) << "." << int(key[2]) << "." << int(key[3]);
  }
}

TEST(PrefixTable, AgreesWithLinearScanOnRandomIpv6Prefixes) {
  std::mt19937 rng(7);
  std::vector<PrefixTable::Item> items;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    PrefixTable::Item item;
    item.key[0] = 0x20;
    item.key[1] = static_cast<std::uint8_t>(rng() % 2);
    for (int b = 2; b < 16; ++b) item.key[b] = static_cast<std::uint8_t>(rng() % 3);
    item.length = static_cast<std::uint8_t>(rng() % 129);
    item.value = i;
    items.push_back(item);
  }
  PrefixTable t(16, items);
  for (int i = 0; i < 4000; ++i) {
    std::uint8_t key[16];
    key[0] = 0x20;
    key[1] = static_cast<std::uint8_t>(rng() % 2);
    for (int b = 2; b < 16; ++b) key[b] = static_cast<std::uint8_t>(rng() % 3);
    ASSERT_EQ(t.lookup(key), naive(items, key, 16));
  }
}

}  // namespace
}  // namespace minewatch::registry
