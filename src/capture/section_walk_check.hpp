#pragma once
// Tests and fuzz targets only: a file read the way the parallel pipeline's segmented walk reads it
// (pieces of a fixed size, each from the record find_record guesses in the state the pieces before
// ended in, checked with MappedSource::holds and walked again when it does not hold), next to the
// same file read in one walk. Both must give the same frames and the same warnings.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/mapped_file.hpp"

namespace minewatch::capture::testing {

struct WalkedFrame {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::uint32_t wire_len = 0;
  std::uint32_t link_type = 0;
  Timestamp ts{};
  bool operator==(const WalkedFrame&) const = default;
};

struct Walked {
  std::vector<WalkedFrame> frames;
  std::vector<std::string> warnings;
  std::size_t rewalks = 0;
};

inline void read_section(MappedSource& section, Walked& out) {
  std::array<Frame, 7> frames{};  // odd size so batches split records unevenly
  while (const std::size_t n = section.read_batch(frames)) {
    for (std::size_t i = 0; i < n; ++i) {
      const Frame& f = frames[i];
      out.frames.push_back({f.data.data(), f.data.size(), f.wire_len, f.link_type, f.ts});
    }
  }
  out.warnings.insert(out.warnings.end(), section.warnings().begin(), section.warnings().end());
}

// The whole file in one section.
inline Walked walk_whole(const MappedSource& reader) {
  Walked out;
  AnomalyCounters anomalies;
  auto section = reader.section(reader.data_start(), reader.bytes().size(), anomalies);
  read_section(*section, out);
  return out;
}

// The file in pieces of `piece` bytes, as the segmented walk's finaliser accepts them.
inline Walked walk_in_pieces(const MappedSource& reader, std::size_t piece) {
  Walked out;
  AnomalyCounters anomalies;
  const std::size_t size = reader.bytes().size();
  std::unique_ptr<MappedSource> before;  // the state the accepted pieces ended in
  std::size_t expected = reader.data_start();
  for (std::size_t begin = reader.data_start(); begin < size; begin += piece) {
    const std::size_t end = std::min(size, begin + piece);
    // Walked first, checked after, as the pipeline's finaliser checks a segment its walker read.
    std::unique_ptr<MappedSource> section;
    Walked got;
    if (before == nullptr) {
      section = reader.section(begin, end, anomalies);
      read_section(*section, got);
    } else {
      // A guess in the state of the pieces accepted so far or, every other piece, in the file's state
      // at its first packet: the pipeline's walkers may guess before the pieces before are accepted.
      auto state =
          (begin / piece) % 2 == 0 ? before->ended_after(nullptr, anomalies) : reader.section(begin, begin, anomalies);
      const std::size_t guess = state->find_record(begin, end);
      if (guess < begin || guess > end) __builtin_trap();
      section = reader.section(guess, end, anomalies, state.get());
      read_section(*section, got);
      if (!section->holds(guess, expected, end, before.get())) {
        section = reader.section(expected, end, anomalies, before.get());
        got = Walked{};
        read_section(*section, got);
        ++out.rewalks;
      }
    }
    out.frames.insert(out.frames.end(), got.frames.begin(), got.frames.end());
    out.warnings.insert(out.warnings.end(), got.warnings.begin(), got.warnings.end());
    expected = std::max(expected, static_cast<std::size_t>(section->position_bytes()));
    before = section->ended_after(before.get(), anomalies);
    if (section->stopped()) break;
  }
  return out;
}

}  // namespace minewatch::capture::testing
