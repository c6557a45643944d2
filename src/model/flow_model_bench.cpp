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

// Flows as the mix has them: sizes and gaps in no order, so anything that sorts them mispredicts.
void BM_FlowFeaturesVaried(benchmark::State& state) {
  std::mt19937 rng(7);
  std::vector<FlowSample> samples(1024);
  for (FlowSample& s : samples) {
    std::int64_t t = 0;
    for (std::size_t k = 0; k < kMaxPackets; ++k) {
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
BENCHMARK(BM_FlowFeaturesVaried);

// Short flows (a few payload packets: a web request or two), scored when they end.
void BM_FlowFeaturesShort(benchmark::State& state) {
  std::mt19937 rng(11);
  std::vector<FlowSample> samples(1024);
  for (FlowSample& s : samples) {
    std::int64_t t = 0;
    for (std::size_t k = 0, n = 2 + rng() % 7; k < n; ++k) {
      t += static_cast<std::int64_t>(rng() % 500);
      s.add_ms(rng() % 2 == 0, static_cast<std::uint32_t>(40 + rng() % 1400), t);
    }
  }
  std::size_t i = 0;
  for (auto _ : state) {
    FeatureVector f = compute_features(samples[i++ & 1023], 4, 3);
    benchmark::DoNotOptimize(f);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
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
