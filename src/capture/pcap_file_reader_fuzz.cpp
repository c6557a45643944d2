// open_pcap_buffer on arbitrary bytes, reading every batch and touching every frame byte, with the
// prefetch hints a consumer gives between frames.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "capture/frame_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  minewatch::AnomalyCounters anomalies;
  auto source = minewatch::capture::open_pcap_buffer(std::span<const std::uint8_t>(data, size), "fuzz", anomalies);
  if (!source) return 0;
  std::array<minewatch::capture::Frame, 7> frames{};  // odd size so batches split records unevenly
  std::uint64_t sum = 0;
  while (const std::size_t n = (*source)->read_batch(frames)) {
    for (std::size_t i = 0; i < n; ++i) {
      for (const std::uint8_t b : frames[i].data) sum += b;
      if (frames[i].wire_len < frames[i].data.size()) __builtin_trap();
      (*source)->prefetch_step();
    }
    if ((*source)->position_bytes() > (*source)->size_bytes()) __builtin_trap();
  }
  return sum == 0xFFFFFFFFFFFFFFFFull ? 1 : 0;
}
