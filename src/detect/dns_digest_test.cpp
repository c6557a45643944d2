// A DNS digest crosses threads as bytes: what decode() reads back is what encode() wrote, at every
// size the parser allows, and bytes that are not an encoding are refused.
#include "detect/dns_digest.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace minewatch::detect {
namespace {

DnsDigest random_digest(std::mt19937& gen, std::size_t addresses, std::size_t name_size) {
  DnsDigest d;
  d.parsed = gen() % 2 == 0;
  d.anomaly = static_cast<Anomaly>(gen() % 0x10000);
  d.has_question = gen() % 2 == 0;
  d.is_response = gen() % 2 == 0;
  d.pool = gen() % 2 == 0;
  d.min_ttl = static_cast<std::uint32_t>(gen());
  d.address_count = static_cast<std::uint8_t>(addresses);
  for (std::size_t i = 0; i < addresses; ++i) {
    for (auto& b : d.addresses[i].bytes) b = static_cast<std::uint8_t>(gen());
    d.addresses[i].is_v6 = gen() % 2 == 0;
  }
  d.name_size = static_cast<std::uint8_t>(name_size);
  for (std::size_t i = 0; i < name_size; ++i) d.name[i] = static_cast<char>('a' + gen() % 26);
  return d;
}

void expect_same(const DnsDigest& a, const DnsDigest& b) {
  EXPECT_EQ(a.parsed, b.parsed);
  EXPECT_EQ(a.anomaly, b.anomaly);
  EXPECT_EQ(a.has_question, b.has_question);
  EXPECT_EQ(a.is_response, b.is_response);
  EXPECT_EQ(a.pool, b.pool);
  EXPECT_EQ(a.min_ttl, b.min_ttl);
  EXPECT_EQ(a.name_view(), b.name_view());
  ASSERT_EQ(a.address_count, b.address_count);
  for (std::size_t i = 0; i < a.address_count; ++i) EXPECT_EQ(a.addresses[i], b.addresses[i]) << i;
}

TEST(DnsDigest, WhatIsDecodedIsWhatWasEncodedAtEverySize) {
  std::mt19937 gen(5);
  for (std::size_t addresses : {0u, 1u, 2u, 7u, 32u}) {
    for (std::size_t name : {0u, 1u, 18u, 64u, 253u}) {
      const DnsDigest d = random_digest(gen, addresses, name);
      std::vector<std::byte> bytes(d.encoded_size() + 64, std::byte{0xee});  // a ring chunk's padding after it
      d.encode(bytes.data());
      DnsDigest back;
      back.address_count = 9;  // leftovers of an earlier digest must not show
      ASSERT_TRUE(DnsDigest::decode(bytes, back)) << addresses << " " << name;
      expect_same(d, back);
      EXPECT_LE(d.encoded_size(), DnsDigest::kMaxEncodedBytes);
    }
  }
}

TEST(DnsDigest, TwoAddressesAndAShortNameTakeTwoCacheLinesNotTheWholeStruct) {
  std::mt19937 gen(6);
  const DnsDigest d = random_digest(gen, 2, 24);
  EXPECT_LE(d.encoded_size(), 128u);
  EXPECT_GT(sizeof(DnsDigest), 800u);
}

TEST(DnsDigest, BytesThatAreNoEncodingAreRefused) {
  std::mt19937 gen(7);
  const DnsDigest d = random_digest(gen, 3, 40);
  std::vector<std::byte> bytes(d.encoded_size());
  d.encode(bytes.data());
  DnsDigest out;
  EXPECT_FALSE(DnsDigest::decode(std::span(bytes).first(bytes.size() - 1), out)) << "cut short";
  EXPECT_FALSE(DnsDigest::decode(std::span(bytes).first(5), out)) << "header cut short";
  auto bad = bytes;
  bad[0] = std::byte{0x80};
  EXPECT_FALSE(DnsDigest::decode(bad, out)) << "unknown flag";
  bad = bytes;
  bad[4] = std::byte{33};
  EXPECT_FALSE(DnsDigest::decode(bad, out)) << "more addresses than a message keeps";
  bad = bytes;
  bad[3] = std::byte{254};
  bad.resize(bad.size() + 254);
  EXPECT_FALSE(DnsDigest::decode(bad, out)) << "a name longer than DNS allows";
  bad = bytes;
  bad[DnsDigest::kHeaderBytes + 16] = std::byte{2};
  EXPECT_FALSE(DnsDigest::decode(bad, out)) << "an address family that is neither";
  EXPECT_TRUE(DnsDigest::decode(bytes, out));
}

}  // namespace
}  // namespace minewatch::detect
