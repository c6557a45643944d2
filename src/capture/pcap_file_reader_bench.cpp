#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>

#include "capture/capture_test_util.hpp"
#include "capture/frame_source.hpp"

namespace minewatch::capture {
namespace {

// 100k frames of 66-100 bytes: the pure-ACK-and-small-JSON mix of a mining connection.
const testing::Bytes& small_frames_pcap() {
  static const testing::Bytes bytes = [] {
    testing::PcapBuilder pcap;
    for (std::uint32_t i = 0; i < 100'000; ++i)
      pcap.add(i / 1000, i % 1000, testing::counting_frame(66 + i % 35, static_cast<std::uint8_t>(i)));
    return pcap.bytes();
  }();
  return bytes;
}

std::uint64_t drain(FrameSource& source, benchmark::State& state) {
  std::array<Frame, 256> frames{};
  std::uint64_t count = 0, sum = 0;
  while (const std::size_t n = source.read_batch(frames)) {
    for (std::size_t i = 0; i < n; ++i) sum += frames[i].data[0] + frames[i].wire_len;
    count += n;
  }
  benchmark::DoNotOptimize(sum);
  state.counters["frames"] = static_cast<double>(count);
  return count;
}

void BM_PcapBufferReadSmallFrames(benchmark::State& state) {
  const auto& bytes = small_frames_pcap();
  std::uint64_t frames = 0;
  for (auto _ : state) {
    AnomalyCounters anomalies;
    auto source = open_pcap_buffer(bytes, "bench", anomalies);
    if (!source)
      state.SkipWithError(source.error().message.c_str());
    else
      frames += drain(**source, state);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(frames));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_PcapBufferReadSmallFrames)->Unit(benchmark::kMillisecond);

void BM_PcapFileMmapReadSmallFrames(benchmark::State& state) {
  const testing::TempFile file(small_frames_pcap());
  std::uint64_t frames = 0;
  for (auto _ : state) {
    AnomalyCounters anomalies;
    auto source = open_capture(file.path(), anomalies);
    if (!source)
      state.SkipWithError(source.error().message.c_str());
    else
      frames += drain(**source, state);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(frames));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(small_frames_pcap().size()));
}
BENCHMARK(BM_PcapFileMmapReadSmallFrames)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace minewatch::capture
