// libFuzzer target for the share-rhythm test: any sample of up to 30 packets (direction, size, time,
// times in any order) gives a verdict without reading outside the sample, and its summary is sane.
#include <cstddef>
#include <cstdint>

#include "model/mining_rhythm.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minewatch::model;
  FlowSample s;
  std::int64_t t = 0;
  // 5 bytes a packet: direction bit + size (15 bits), then a signed time step (24 bits, ms).
  for (std::size_t i = 0; i + 5 <= size && s.size() < kMaxPackets; i += 5) {
    const std::uint32_t head = static_cast<std::uint32_t>(data[i]) << 8 | data[i + 1];
    const std::int32_t step = static_cast<std::int32_t>(static_cast<std::uint32_t>(data[i + 2]) << 24 |
                                                        static_cast<std::uint32_t>(data[i + 3]) << 16 |
                                                        static_cast<std::uint32_t>(data[i + 4]) << 8) >>
                              8;
    t += step;
    s.add_ms((head & 0x8000u) != 0, head & 0x7fffu, t);
  }
  const Rhythm r = mining_rhythm(s);
  if (r.requests > kMaxPackets || r.answered < 0.0 || r.answered > 1.0 || r.gap_cv < 0.0) __builtin_trap();
  if (r.match() && (r.requests < RhythmParams{}.min_requests || r.gap_cv < RhythmParams{}.min_gap_cv)) __builtin_trap();
  (void)rhythm_verdict_name(r.verdict);
  return 0;
}
