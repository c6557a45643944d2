// open_pcap_buffer on arbitrary bytes, reading every batch and touching every frame byte, with the
// prefetch hints a consumer gives between frames. Then the parallel pipeline's way: sections of a
// few hundred bytes, each from the record find_record guesses, must read exactly the frames of the
// whole walk when each is checked against where the walk before it ended (and walked again if not).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "capture/frame_source.hpp"
#include "capture/pcap_file_reader.hpp"

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
  auto walk = [&](std::size_t from, std::size_t until, std::vector<const std::uint8_t*>& out) {
    minewatch::AnomalyCounters a;
    auto section = (*reader)->section(from, until, a);
    while (const std::size_t n = section->read_batch(frames)) {
      for (std::size_t i = 0; i < n; ++i) out.push_back(frames[i].data.data());
    }
    return std::pair{section->position_bytes(), section->stopped()};
  };
  std::vector<const std::uint8_t*> whole, pieces;
  walk(minewatch::capture::PcapFileReader::kFileHeaderBytes, size, whole);
  constexpr std::size_t kPiece = 300;
  std::size_t expected = minewatch::capture::PcapFileReader::kFileHeaderBytes;
  for (std::size_t begin = expected; begin < size; begin += kPiece) {
    const std::size_t end = std::min(size, begin + kPiece);
    std::size_t guess = (*reader)->find_record(begin, end);
    if (guess < begin || guess > end) __builtin_trap();
    if (guess != expected && !(guess >= end && expected >= end)) guess = expected;
    std::vector<const std::uint8_t*> got;
    const auto [next, stopped] = walk(guess, end, got);
    pieces.insert(pieces.end(), got.begin(), got.end());
    expected = std::max(expected, next);
    if (stopped) break;
  }
  if (pieces != whole) __builtin_trap();
  return sum == 0xFFFFFFFFFFFFFFFFull ? 1 : 0;
}
