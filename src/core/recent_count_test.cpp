#include "core/recent_count.hpp"

#include <gtest/gtest.h>

namespace minewatch {
namespace {

TEST(RecentCount, CountsTheEventsOfTheLastWindowOfPacketTime) {
  RecentCount c(std::chrono::seconds{3});
  const Timestamp t0{1'000'000'000'000'000'000};
  auto at = [&](double s) { return t0 + std::chrono::nanoseconds{static_cast<std::int64_t>(s * 1e9)}; };
  EXPECT_EQ(c.count(at(0)), 0u);
  c.add(at(0));
  c.add(at(0.5));
  c.add(at(2.9));
  EXPECT_EQ(c.count(at(3.9)), 3u) << "seconds 0 to 3";
  EXPECT_EQ(c.count(at(4)), 1u) << "second 0 left the window";
  c.add(at(4.2));
  EXPECT_EQ(c.count(at(6)), 1u);
  EXPECT_EQ(c.count(at(1000)), 0u) << "long idle: everything left";
  c.add(at(1000));
  EXPECT_EQ(c.count(at(1003)), 1u);
  EXPECT_EQ(c.count(at(1004)), 0u);
}

}  // namespace
}  // namespace minewatch
