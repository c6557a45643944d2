#include "core/ip_address.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace minewatch {
namespace {

std::string ntop(const IpAddress& a) {
  char buf[INET6_ADDRSTRLEN];
  EXPECT_NE(inet_ntop(a.is_v6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof(buf)), nullptr);
  return buf;
}

// The hand-written IPv4 form must be inet_ntop's, byte for byte: event text and report keys use it.
TEST(IpAddress, FormatsLikeInetNtop) {
  std::mt19937_64 rng(7);
  std::vector<IpAddress> cases;
  for (unsigned v : {0u, 1u, 9u, 10u, 99u, 100u, 199u, 200u, 255u}) {
    IpAddress a;
    a.bytes[0] = static_cast<std::uint8_t>(v);
    a.bytes[1] = static_cast<std::uint8_t>(255 - v);
    a.bytes[2] = static_cast<std::uint8_t>(v);
    a.bytes[3] = static_cast<std::uint8_t>(v / 2);
    cases.push_back(a);
  }
  for (int i = 0; i < 20000; ++i) {
    IpAddress a;
    a.is_v6 = i % 4 == 0;
    for (std::size_t b = 0; b < (a.is_v6 ? 16u : 4u); ++b) {
      // Mostly small values, so IPv6 zero runs and one- and two-digit octets are common.
      const auto r = rng();
      a.bytes[b] = static_cast<std::uint8_t>(r % 3 == 0 ? 0 : r % 3 == 1 ? (r >> 8) % 20 : (r >> 8));
    }
    cases.push_back(a);
  }
  for (const IpAddress& a : cases) {
    char buf[46];
    const std::size_t n = a.format(buf);
    const std::string want = ntop(a);
    ASSERT_EQ(std::string(buf, n), want);
    ASSERT_EQ(std::string(buf), want) << "terminated";
    ASSERT_EQ(a.to_string(), want);
    IpAddress back;
    ASSERT_TRUE(IpAddress::parse(want, back));
    ASSERT_EQ(back, a);
  }
}

}  // namespace
}  // namespace minewatch
