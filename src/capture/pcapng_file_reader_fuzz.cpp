// PcapngFileReader on arbitrary bytes: every batch read, every frame byte touched, the prefetch hints a
// consumer gives between frames. Frames must lie inside the input, their wire length cover their
// captured bytes, and reading must end (at the end of the input or at a warning) without going past it.
// Then the parallel pipeline's way: pieces of a few hundred bytes, each from the block find_record
// guesses and checked as the segmented walk checks it, must read exactly the frames and warnings of one
// walk.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "capture/pcapng_file_reader.hpp"
#include "capture/section_walk_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  minewatch::AnomalyCounters anomalies;
  const std::span<const std::uint8_t> input(data, size);
  auto reader = minewatch::capture::PcapngFileReader::from_buffer(input, "fuzz", anomalies);
  if (!reader) return 0;
  std::array<minewatch::capture::Frame, 5> frames{};  // odd size so batches split blocks unevenly
  std::uint64_t sum = 0;
  while (const std::size_t n = (*reader)->read_batch(frames)) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto& f = frames[i];
      if (f.data.data() < data || f.data.data() + f.data.size() > data + size) __builtin_trap();
      if (f.wire_len < f.data.size()) __builtin_trap();
      for (const std::uint8_t b : f.data) sum += b;
      (*reader)->prefetch_step();
    }
    if ((*reader)->position_bytes() > (*reader)->size_bytes()) __builtin_trap();
  }
  if ((*reader)->position_bytes() != size && (*reader)->warnings().empty()) __builtin_trap();
  namespace t = minewatch::capture::testing;
  const t::Walked whole = t::walk_whole(**reader);
  for (const std::size_t piece : {64u, 300u}) {
    const t::Walked pieces = t::walk_in_pieces(**reader, piece);
    if (pieces.frames != whole.frames || pieces.warnings != whole.warnings) __builtin_trap();
  }
  return static_cast<int>(sum & 0);
}
