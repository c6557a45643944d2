// How the parallel pipeline deals flows to engines: symmetric, by address pair, and weighted so the
// reader's own engine gets the smaller share its other work leaves it.
#include "pipeline/parallel_analyzer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace minewatch::pipeline {
namespace {

struct NullSink final : detect::EventSink {
  void on_alert(const detect::OrientedFlow&, const detect::MiningSession&, Timestamp) override {}
  void on_session(const detect::OrientedFlow&, const detect::MiningSession&) override {}
};

IpAddress v4(std::uint32_t x) { return IpAddress::v4(reinterpret_cast<const std::uint8_t*>(&x)); }

decode::PacketView packet(std::uint32_t src, std::uint16_t sport, std::uint32_t dst, std::uint16_t dport) {
  decode::PacketView p;
  p.src = v4(src);
  p.dst = v4(dst);
  p.sport = sport;
  p.dport = dport;
  p.proto = decode::kProtoTcp;
  return p;
}

TEST(ParallelAnalyzer, DispatchIsByAddressPairAndSymmetric) {
  std::mt19937 gen(7);
  for (int k = 0; k < 1000; ++k) {
    const std::uint32_t a = static_cast<std::uint32_t>(gen()), b = static_cast<std::uint32_t>(gen());
    const auto h = dispatch_hash(packet(a, 40000, b, 3333));
    EXPECT_EQ(h, dispatch_hash(packet(b, 3333, a, 40000)));  // the reply
    EXPECT_EQ(h, dispatch_hash(packet(a, 51234, b, 443)));   // another flow of the pair
  }
}

TEST(ParallelAnalyzer, ReaderEngineGetsItsWeightedShareAndWorkersShareTheRestEvenly) {
  NullSink sink;
  AnomalyCounters anomalies;
  detect::EngineConfig config;
  for (std::size_t threads : {2u, 3u, 4u}) {
    ParallelAnalyzer pa(config, threads, sink, anomalies);
    std::vector<std::size_t> count(threads, 0);
    std::mt19937 gen(11);
    constexpr std::size_t kPairs = 200'000;
    for (std::size_t k = 0; k < kPairs; ++k) {
      const std::size_t owner = pa.owner_of(
          dispatch_hash(packet(static_cast<std::uint32_t>(gen()), 1000, static_cast<std::uint32_t>(gen()), 2000)));
      ASSERT_LT(owner, threads);
      ++count[owner];
    }
    // Weight kReaderShare for the reader, 1 for each worker.
    constexpr double weight = ParallelAnalyzer::kReaderShare;
    const double reader = weight / (weight + static_cast<double>(threads - 1));
    EXPECT_NEAR(static_cast<double>(count[0]) / kPairs, reader, 0.01) << threads;
    for (std::size_t w = 1; w < threads; ++w) {
      EXPECT_NEAR(static_cast<double>(count[w]) / kPairs, (1 - reader) / static_cast<double>(threads - 1), 0.01)
          << threads << " worker " << w;
    }
  }
}

}  // namespace
}  // namespace minewatch::pipeline
