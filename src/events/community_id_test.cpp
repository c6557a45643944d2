#include "events/community_id.hpp"

#include <gtest/gtest.h>

namespace minewatch::events {
namespace {

IpAddress ip(const char* s) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::parse(s, a));
  return a;
}

// Vectors from the Community ID specification's README and baseline.
TEST(CommunityId, MatchesTheSpecificationExampleForTcp) {
  EXPECT_EQ(community_id_v1(ip("128.232.110.120"), 34855, ip("66.35.250.204"), 80, 6),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

TEST(CommunityId, IsTheSameInBothDirections) {
  EXPECT_EQ(community_id_v1(ip("66.35.250.204"), 80, ip("128.232.110.120"), 34855, 6),
            community_id_v1(ip("128.232.110.120"), 34855, ip("66.35.250.204"), 80, 6));
}

TEST(CommunityId, DependsOnTheSeed) {
  EXPECT_NE(community_id_v1(ip("10.0.0.1"), 1, ip("10.0.0.2"), 2, 6, 1),
            community_id_v1(ip("10.0.0.1"), 1, ip("10.0.0.2"), 2, 6, 0));
}

TEST(CommunityId, HashesIpv6Addresses) {
  auto id = community_id_v1(ip("2001:db8::1"), 5000, ip("2001:db8::2"), 3333, 6);
  EXPECT_EQ(id.size(), 30u);
  EXPECT_EQ(id.substr(0, 2), "1:");
}

}  // namespace
}  // namespace minewatch::events
