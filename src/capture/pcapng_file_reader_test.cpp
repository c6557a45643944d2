#include "capture/pcapng_file_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "capture/capture_test_util.hpp"
#include "capture/frame_source.hpp"
#include "capture/libpcap_reader.hpp"
#include "capture/section_walk_check.hpp"

namespace minewatch::capture {
namespace {

using testing::Bytes;
using testing::counting_frame;
using ::testing::HasSubstr;
using testing::PcapngBuilder;
using testing::TempFile;

using Ng = testing::PcapngWriter;

struct Read {
  std::vector<Frame> frames;  // data points into the reader's bytes (they outlive the batch)
  std::vector<std::string> warnings;
};

Read read_all(std::span<const std::uint8_t> bytes, AnomalyCounters& anomalies, std::size_t batch = 3) {
  auto reader = PcapngFileReader::from_buffer(bytes, "t.pcapng", anomalies);
  EXPECT_TRUE(reader.has_value()) << (reader ? "" : reader.error().message);
  Read r;
  if (!reader) return r;
  std::vector<Frame> out(batch);
  while (const std::size_t n = (*reader)->read_batch(out))
    r.frames.insert(r.frames.end(), out.begin(), out.begin() + n);
  r.warnings = (*reader)->warnings();
  EXPECT_EQ((*reader)->read_batch(out), 0u);
  return r;
}

Bytes data_of(const Frame& f) { return {f.data.begin(), f.data.end()}; }

constexpr std::int64_t kSec = 1'000'000'000;

TEST(PcapngFileReader, ReadsWhatLibpcapReads) {
  // The differential check: the same frames, times and lengths as libpcap gives for the same file.
  for (const int resol : {6, 9, 3, 0x94}) {
    SCOPED_TRACE(::testing::Message() << "if_tsresol " << resol);
    Ng ng;
    ng.section().interface(1, 65535, static_cast<std::uint8_t>(resol));
    std::uint64_t ups = 1;  // units per second
    for (int k = 0; k < (resol & 0x7f); ++k) ups *= (resol & 0x80) ? 2 : 10;
    for (std::uint8_t i = 0; i < 20; ++i) {
      ng.epb(0, 1'700'000'000ULL * ups + i * (ups / 7 + 1), counting_frame(60 + i * 37u, i), 1514);
    }
    TempFile file(ng.bytes(), ".pcapng");
    AnomalyCounters a1, a2;
    auto ours = PcapngFileReader::open(file.path(), a1);
    auto theirs = LibpcapReader::open(file.path(), a2);
    ASSERT_TRUE(ours.has_value()) << ours.error().message;
    ASSERT_TRUE(theirs.has_value()) << theirs.error().message;
    std::vector<Frame> f1(64), f2(64);
    const std::size_t n1 = (*ours)->read_batch(f1), n2 = (*theirs)->read_batch(f2);
    ASSERT_EQ(n1, 20u);
    ASSERT_EQ(n2, 20u);
    for (std::size_t i = 0; i < n1; ++i) {
      EXPECT_EQ(f1[i].ts.ns, f2[i].ts.ns) << i;
      EXPECT_EQ(f1[i].wire_len, f2[i].wire_len) << i;
      EXPECT_EQ(f1[i].link_type, f2[i].link_type) << i;
      EXPECT_EQ(data_of(f1[i]), data_of(f2[i])) << i;
    }
    EXPECT_TRUE((*ours)->warnings().empty());
  }
}

TEST(PcapngFileReader, ResolutionsOffsetsAndBothByteOrders) {
  for (const bool big : {false, true}) {
    SCOPED_TRACE(::testing::Message() << "big endian " << big);
    Ng ng(big);
    ng.section()
        .interface(1, 0)             // µs (the default)
        .interface(101, 0, 9)        // ns
        .interface(1, 0, 0x80 | 20)  // 2^-20 s
        .interface(1, 0, 3, -3600);  // ms, an hour earlier
    ng.epb(0, 1'700'000'000'250'000ULL, counting_frame(60, 1));
    ng.epb(1, 1'700'000'000'000'000'007ULL, counting_frame(40, 2));
    ng.epb(2, (1'700'000'000ULL << 20) + (1u << 19), counting_frame(50, 3));
    ng.epb(3, 1'700'003'600'500ULL, counting_frame(70, 4));
    AnomalyCounters anomalies;
    const Read r = read_all(ng.bytes(), anomalies);
    ASSERT_EQ(r.frames.size(), 4u) << (r.warnings.empty() ? "" : r.warnings[0]);
    EXPECT_TRUE(r.warnings.empty());
    EXPECT_EQ(r.frames[0].ts.ns, 1'700'000'000 * kSec + 250'000'000);
    EXPECT_EQ(r.frames[1].ts.ns, 1'700'000'000 * kSec + 7);
    EXPECT_EQ(r.frames[1].link_type, 101u);
    EXPECT_EQ(r.frames[2].ts.ns, 1'700'000'000 * kSec + 500'000'000);
    EXPECT_EQ(r.frames[3].ts.ns, 1'700'000'000 * kSec + 500'000'000);
    EXPECT_EQ(data_of(r.frames[3]), counting_frame(70, 4));
  }
}

TEST(PcapngFileReader, EachSectionHasItsOwnInterfacesAndByteOrder) {
  Ng first;
  first.section().interface(1, 0).epb(0, 1'000'000, counting_frame(60, 1));
  Ng second(true);
  second.section().interface(113, 0, 9).epb(0, 2 * kSec, counting_frame(44, 2));
  Bytes bytes = first.bytes();
  bytes.insert(bytes.end(), second.bytes().begin(), second.bytes().end());
  AnomalyCounters anomalies;
  const Read r = read_all(bytes, anomalies);
  ASSERT_EQ(r.frames.size(), 2u) << (r.warnings.empty() ? "" : r.warnings[0]);
  EXPECT_EQ(r.frames[0].link_type, 1u);
  EXPECT_EQ(r.frames[0].ts.ns, kSec);
  EXPECT_EQ(r.frames[1].link_type, 113u);
  EXPECT_EQ(r.frames[1].ts.ns, 2 * kSec);
  EXPECT_EQ(data_of(r.frames[1]), counting_frame(44, 2));
}

TEST(PcapngFileReader, SimpleAndObsoletePacketBlocksAndOtherBlocksSkipped) {
  Ng ng;
  ng.section().interface(1, 64);
  ng.other(4, 24);  // name resolution
  ng.epb(0, 5'000'000, counting_frame(60, 1));
  ng.spb(1514, counting_frame(100, 2));  // snapped to the interface's 64 bytes
  ng.other(0x40000BAD, 8);               // a custom block
  ng.pb(0, 7'000'000, counting_frame(30, 3));
  ng.other(5, 12);  // interface statistics
  AnomalyCounters anomalies;
  const Read r = read_all(ng.bytes(), anomalies, 1);
  ASSERT_EQ(r.frames.size(), 3u);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.frames[1].ts.ns, 5 * kSec);  // a simple packet carries no time: the one before it
  EXPECT_EQ(r.frames[1].data.size(), 64u);
  EXPECT_EQ(r.frames[1].wire_len, 1514u);
  const Bytes whole = counting_frame(100, 2);
  EXPECT_EQ(data_of(r.frames[1]), Bytes(whole.begin(), whole.begin() + 64));
  EXPECT_EQ(r.frames[2].ts.ns, 7 * kSec);
  EXPECT_EQ(data_of(r.frames[2]), counting_frame(30, 3));
}

// Frames before the damage are kept; the warning names the offset; reading stops there.
void expect_stops_after(const Bytes& bytes, std::size_t frames_before, Anomaly anomaly, const std::string& says) {
  AnomalyCounters anomalies;
  const Read r = read_all(bytes, anomalies);
  EXPECT_EQ(r.frames.size(), frames_before);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("t.pcapng: "));
  EXPECT_THAT(r.warnings[0], HasSubstr(says));
  EXPECT_EQ(anomalies.get(anomaly), 1u);
}

TEST(PcapngFileReader, DamageStopsReadingWithAWarningAndKeepsWhatCameBefore) {
  Ng ng;
  ng.section().interface(1, 0).epb(0, 1, counting_frame(60, 1));
  const std::size_t second = ng.bytes().size();
  ng.epb(0, 2, counting_frame(60, 2)).epb(0, 3, counting_frame(60, 3));
  const std::string at = "byte offset " + std::to_string(second);
  {
    Bytes b = ng.bytes();
    b[second + 4] = 0x4A;  // length not a multiple of 4
    expect_stops_after(b, 1, Anomaly::CaptureBadRecordLength, "corrupt block length 74 at " + at);
  }
  {
    Bytes b = ng.bytes();
    b[second + 4] += 4;  // no longer repeated at the block's end
    expect_stops_after(b, 1, Anomaly::CaptureBadRecordLength, "is not repeated at the block's end");
  }
  {
    Bytes b = ng.bytes();
    b.erase(b.end() - 10, b.end());  // the last block cut short
    expect_stops_after(b, 2, Anomaly::CaptureTruncatedRecord, "truncated block at");
  }
  {
    Bytes b = ng.bytes();
    b.resize(b.size() + 6, 0);  // a few stray bytes after the last block
    expect_stops_after(b, 3, Anomaly::CaptureTruncatedRecord, "truncated block header");
  }
  {
    Bytes b = ng.bytes();
    b[second + 8] = 7;  // interface 7
    expect_stops_after(b, 1, Anomaly::CaptureBadRecordLength, "names interface 7, which no block described");
  }
  {
    Bytes b = ng.bytes();
    b[second + 20] = 0xF0;  // captured length beyond the block
    expect_stops_after(b, 1, Anomaly::CaptureBadRecordLength,
                       "corrupt captured length 240 in the packet block at " + at);
  }
  {
    Ng before_interface;
    before_interface.section().epb(0, 1, counting_frame(60, 1));
    expect_stops_after(before_interface.bytes(), 0, Anomaly::CaptureBadRecordLength, "names interface 0");
  }
}

TEST(PcapngFileReader, OpenRejectsWhatIsNotPcapngWithTheFileName) {
  AnomalyCounters anomalies;
  Bytes bytes = PcapngBuilder().bytes();
  bytes[8] = 0x00;  // the byte-order magic
  TempFile mangled(bytes, ".pcapng");
  auto r = open_capture(mangled.path(), anomalies);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr(mangled.path()));
  EXPECT_THAT(r.error().message, HasSubstr("byte-order magic"));
  const Bytes garbage = counting_frame(64, 9);
  EXPECT_FALSE(PcapngFileReader::from_buffer(garbage, "g", anomalies).has_value());
}

TEST(PcapngFileReader, OpenCapturePicksItAndItsFramesOutliveTheBatch) {
  PcapngBuilder ng;
  for (std::uint8_t i = 0; i < 10; ++i) ng.add(i, counting_frame(80, i));
  TempFile file(ng.bytes(), ".pcapng");
  AnomalyCounters anomalies;
  auto source = open_capture(file.path(), anomalies);
  ASSERT_TRUE(source.has_value()) << source.error().message;
  ASSERT_TRUE((*source)->frames_outlive_batch());
  std::vector<Frame> all, batch(4);
  while (const std::size_t n = (*source)->read_batch(batch)) {
    all.insert(all.end(), batch.begin(), batch.begin() + n);
    (*source)->prefetch_step();
  }
  ASSERT_EQ(all.size(), 10u);
  for (std::uint8_t i = 0; i < 10; ++i) EXPECT_EQ(data_of(all[i]), counting_frame(80, i));
  EXPECT_EQ((*source)->position_bytes(), ng.bytes().size());
}

// ---- Sections: the parallel pipeline's segmented walk ----

// Where the blocks of pcapng bytes `b` start, and the end of the bytes.
std::vector<std::size_t> block_starts(const Bytes& b, bool big_endian) {
  std::vector<std::size_t> starts;
  for (std::size_t p = 0; p + 8 <= b.size();) {
    starts.push_back(p);
    std::uint32_t len;
    std::memcpy(&len, b.data() + p + 4, 4);
    if (big_endian) len = __builtin_bswap32(len);
    p += len;
  }
  starts.push_back(b.size());
  return starts;
}

std::unique_ptr<PcapngFileReader> ng_reader(const Bytes& bytes, AnomalyCounters& anomalies) {
  auto r = PcapngFileReader::from_buffer(bytes, "t.pcapng", anomalies);
  EXPECT_TRUE(r.has_value());
  return std::move(*r);
}

TEST(PcapngFileReaderSections, FindRecordGuessesTheNextBlockFromAnyOffsetInsideOne) {
  for (const bool big : {false, true}) {
    Ng ng(big);
    ng.section().interface(1, 0).interface(101, 0, 9);
    for (std::uint32_t i = 0; i < 60; ++i) {
      // Payloads of counting bytes, zeros and block-like noise (a length field repeated).
      Bytes data = i % 3 == 0 ? counting_frame(40 + (i * 37) % 1400, static_cast<std::uint8_t>(i))
                              : Bytes(40 + (i * 53) % 900, i % 3 == 1 ? 0 : 0x20);
      ng.epb(i % 2, 1'700'000'000'000'000ULL + i, data);
    }
    const Bytes& b = ng.bytes();
    const auto starts = block_starts(b, big);
    AnomalyCounters anomalies;
    auto reader = ng_reader(b, anomalies);
    auto state = reader->section(0, 0, anomalies);  // the file's state at its first packet
    for (std::size_t i = 3; i + 1 < starts.size(); ++i) {
      EXPECT_EQ(state->find_record(starts[i], b.size()), starts[i]) << i;
      for (std::size_t at = starts[i] + 1; at < starts[i + 1]; at += 5) {
        ASSERT_EQ(state->find_record(at, b.size()), starts[i + 1]) << "block " << i << " offset " << at;
      }
    }
    // A chain shorter than kResyncBlocks that ends exactly at the end of the file counts.
    EXPECT_EQ(state->find_record(starts[starts.size() - 3] + 2, b.size()), starts[starts.size() - 2]);
    // None before the limit.
    EXPECT_EQ(state->find_record(starts[10] + 4, starts[11]), starts[11]);
    // Packet blocks must name an interface of the state guessed in: with none, no chain holds.
    EXPECT_EQ(reader->find_record(starts[10] + 4, b.size()), b.size());
  }
}

// The segmented walk's pieces give exactly the frames and warnings of one walk, whatever the pieces'
// size, on files whose state changes along the way.
void expect_pieces_read_as_one(const Bytes& b, std::size_t min_rewalks = 0) {
  AnomalyCounters anomalies;
  auto reader = ng_reader(b, anomalies);
  const testing::Walked whole = testing::walk_whole(*reader);
  ASSERT_FALSE(whole.frames.empty());
  std::size_t rewalks = 0;
  for (const std::size_t piece : {12u, 16u, 100u, 333u, 1000u, 4096u}) {
    const testing::Walked pieces = testing::walk_in_pieces(*reader, piece);
    EXPECT_EQ(pieces.frames.size(), whole.frames.size()) << "pieces of " << piece;
    for (std::size_t i = 0; i < std::min(pieces.frames.size(), whole.frames.size()); ++i) {
      const auto &p = pieces.frames[i], &w = whole.frames[i];
      if (!(p == w)) {
        ADD_FAILURE() << "pieces of " << piece << " frame " << i << " ts " << p.ts.ns << " vs " << w.ts.ns << " link "
                      << p.link_type << " vs " << w.link_type << " size " << p.size << " vs " << w.size;
        break;
      }
    }
    EXPECT_EQ(pieces.warnings, whole.warnings) << "pieces of " << piece;
    rewalks += pieces.rewalks;
  }
  EXPECT_GE(rewalks, min_rewalks);
}

TEST(PcapngFileReaderSections, PiecesReadAsOneWalk) {
  Ng plain;
  plain.section().interface(1, 0);
  for (std::uint8_t i = 0; i < 40; ++i) plain.epb(0, 1'000'000ULL * i, counting_frame(60 + i * 31u, i));
  expect_pieces_read_as_one(plain.bytes());
}

TEST(PcapngFileReaderSections, PiecesFollowInterfacesAddedLaterAndSimplePacketTimes) {
  Ng ng;
  ng.section().interface(1, 0);
  for (std::uint8_t i = 0; i < 15; ++i) ng.epb(0, 1'000'000ULL * i, counting_frame(200 + i * 11u, i));
  // A second interface (Linux cooked, nanoseconds, an offset) described mid-file, then used.
  ng.interface(113, 0, 9, 3600);
  for (std::uint8_t i = 0; i < 15; ++i) {
    ng.epb(1, 2'000'000'000ULL * i, counting_frame(120 + i * 7u, i));
    // Simple packets take the time of the packet before them, whichever piece read it.
    ng.spb(300, counting_frame(300, i)).spb(90, counting_frame(90, i));
    ng.epb(0, 5'000'000ULL * i, counting_frame(64, i));
  }
  expect_pieces_read_as_one(ng.bytes(), 1);
}

TEST(PcapngFileReaderSections, PiecesFollowASecondSectionInTheOtherByteOrder) {
  Ng first;
  first.section().interface(1, 0);
  for (std::uint8_t i = 0; i < 20; ++i) first.epb(0, 1'000'000ULL * i, counting_frame(150 + i * 13u, i));
  Ng second(true);
  second.section().interface(113, 0, 9).interface(1, 0);
  for (std::uint8_t i = 0; i < 20; ++i) second.epb(i % 2, 3'000'000'000ULL * i, counting_frame(100 + i * 17u, i));
  Bytes both = first.bytes();
  both.insert(both.end(), second.bytes().begin(), second.bytes().end());
  // Pieces guessed in the first section's state past the second section header are walked again.
  expect_pieces_read_as_one(both, 1);
}

TEST(PcapngFileReaderSections, PiecesStopWhereOneWalkStopsWithItsWarning) {
  Ng ng;
  ng.section().interface(1, 0);
  for (std::uint8_t i = 0; i < 30; ++i) ng.epb(0, 1'000'000ULL * i, counting_frame(100 + i * 9u, i));
  Bytes b = ng.bytes();
  const auto starts = block_starts(b, false);
  b[starts[20] + 4] ^= 0x40;  // a corrupt length in the middle
  expect_pieces_read_as_one(b);
  AnomalyCounters anomalies;
  auto reader = ng_reader(b, anomalies);
  const testing::Walked whole = testing::walk_whole(*reader);
  ASSERT_EQ(whole.warnings.size(), 1u);
  EXPECT_THAT(whole.warnings[0], HasSubstr("byte offset " + std::to_string(starts[20])));
}

}  // namespace
}  // namespace minewatch::capture
