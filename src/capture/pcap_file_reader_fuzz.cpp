// open_pcap_buffer on arbitrary bytes, reading every batch and touching every frame byte, with the
// prefetch hints a consumer gives between frames. Then the parallel pipeline's way: sections of a
// few hundred bytes, each from the record find_record guesses, must read exactly the frames of the
// whole walk when each is checked against where the walk before it ended (and walked again if not).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "capture/frame_source.hpp"
#include "capture/pcap_file_reader.hpp"
#include "capture/section_walk_check.hpp"

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

  auto reader =
      minewatch::capture::PcapFileReader::from_buffer(std::span<const std::uint8_t>(data, size), "fuzz", anomalies);
  if (!reader) return 0;
  namespace t = minewatch::capture::testing;
  const t::Walked whole = t::walk_whole(**reader);
  const t::Walked pieces = t::walk_in_pieces(**reader, 300);
  if (pieces.frames != whole.frames || pieces.warnings != whole.warnings) __builtin_trap();
  return sum == 0xFFFFFFFFFFFFFFFFull ? 1 : 0;
}
