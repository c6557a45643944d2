#include "pipeline/spsc_ring.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

namespace minewatch::pipeline {
namespace {

TEST(SpscRing, DeliversEveryItemInOrderAcrossThreadsThroughASmallRing) {
  SpscRing<std::uint64_t> ring(16);  // tiny: both sides must wait for each other often
  constexpr std::uint64_t kItems = 200'000;
  std::uint64_t received = 0, bad = 0;
  std::thread consumer([&] {
    while (received < kItems) {
      auto run = ring.wait_readable(7);
      for (auto v : run) bad += v != received++;
      ring.release(run.size());
    }
  });
  for (std::uint64_t i = 0; i < kItems; ++i) {
    ring.claim() = i;
    if (i % 5 == 0) ring.publish();
  }
  ring.publish();
  consumer.join();
  EXPECT_EQ(received, kItems);
  EXPECT_EQ(bad, 0u);
}

TEST(SpscRing, ReadableRunsStopAtTheWrapAndAtTheRequestedMaximum) {
  SpscRing<int> ring(8);
  for (int i = 0; i < 6; ++i) ring.claim() = i;
  ring.publish();
  auto run = ring.wait_readable(4);
  ASSERT_EQ(run.size(), 4u);
  ring.release(4);
  for (int i = 6; i < 12; ++i) ring.claim() = i;
  ring.publish();
  run = ring.wait_readable(100);
  ASSERT_EQ(run.size(), 4u);  // slots 4..7, then the ring wraps
  EXPECT_EQ(run[0], 4);
  ring.release(4);
  run = ring.wait_readable(100);
  ASSERT_EQ(run.size(), 4u);
  EXPECT_EQ(run[3], 11);
}

TEST(SpscRing, TheProducerCanAskWhetherAClaimWouldWait) {
  SpscRing<int> ring(4);
  EXPECT_TRUE(ring.can_claim(4));
  EXPECT_FALSE(ring.can_claim(5));
  for (int i = 0; i < 3; ++i) ring.claim() = i;
  EXPECT_TRUE(ring.can_claim(1));
  EXPECT_FALSE(ring.can_claim(2)) << "claimed slots count even before they are published";
  ring.publish();
  auto run = ring.wait_readable(2);
  ASSERT_EQ(run.size(), 2u);
  EXPECT_FALSE(ring.can_claim(2)) << "read but not released";
  ring.release(2);
  EXPECT_TRUE(ring.can_claim(3));
  EXPECT_FALSE(ring.can_claim(4));
}

}  // namespace
}  // namespace minewatch::pipeline
