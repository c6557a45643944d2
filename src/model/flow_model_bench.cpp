// Cost of the flow model per scored flow: feature extraction from 30 packets, and tree evaluation.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "model/flow_features.hpp"
#include "model/flow_model.hpp"

namespace minewatch::model {
namespace {

FlowSample mining_like_sample() {
  FlowSample s;
  for (int k = 0; k < 15; ++k) {
    s.add_ms(true, 151, 1000 + k * 4'321);
    s.add_ms(false, 41, 1021 + k * 4'321);
  }
  return s;
}

void BM_FlowFeatures(benchmark::State& state) {
  FlowSample s = mining_like_sample();
  for (auto _ : state) {
    FeatureVector f = compute_features(s, 40, 35);
    benchmark::DoNotOptimize(f);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_FlowFeatures);

// Features of 1024 random flows of `min_packets` to `max_packets` payload packets, sizes and gaps in
// no order (as the mix has them: anything that sorts them mispredicts), cycled through.
void features_of_random_flows(benchmark::State& state, unsigned seed, std::size_t min_packets,
                              std::size_t max_packets) {
  std::mt19937 rng(seed);
  std::vector<FlowSample> samples(1024);
  for (FlowSample& s : samples) {
    std::int64_t t = 0;
    for (std::size_t k = 0, n = min_packets + rng() % (max_packets - min_packets + 1); k < n; ++k) {
      t += static_cast<std::int64_t>(rng() % 500);
      s.add_ms(rng() % 2 == 0, static_cast<std::uint32_t>(40 + rng() % 1400), t);
    }
  }
  std::size_t i = 0;
  for (auto _ : state) {
    FeatureVector f = compute_features(samples[i++ & 1023], 40, 35);
    benchmark::DoNotOptimize(f);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
// Full samples (a flow scored at its 30th payload packet).
void BM_FlowFeaturesVaried(benchmark::State& state) { features_of_random_flows(state, 7, kMaxPackets, kMaxPackets); }
BENCHMARK(BM_FlowFeaturesVaried);
// Short flows (a web request or two), scored when they end.
void BM_FlowFeaturesShort(benchmark::State& state) { features_of_random_flows(state, 11, 2, 8); }
BENCHMARK(BM_FlowFeaturesShort);

void BM_FlowModelScore(benchmark::State& state) {
  const FlowModel& m = FlowModel::embedded();
  FeatureVector f = compute_features(mining_like_sample(), 40, 35);
  for (auto _ : state) {
    double s = m.score(f);
    benchmark::DoNotOptimize(s);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_FlowModelScore);

void BM_FlowSampleCollect(benchmark::State& state) {
  for (auto _ : state) {
    FlowSample s;
    for (int k = 0; k < 30; ++k) s.add(k & 1, 100, Timestamp{1'700'000'000'000'000'000LL + k * 1'000'000LL});
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 30);
}
BENCHMARK(BM_FlowSampleCollect);

}  // namespace
}  // namespace minewatch::model
