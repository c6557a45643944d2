#include "capture/pcap_file_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "capture/capture_test_util.hpp"
#include "capture/frame_source.hpp"

namespace minewatch::capture {
namespace {

using testing::Bytes;
using testing::counting_frame;
using ::testing::HasSubstr;
using testing::PcapBuilder;
using testing::TempFile;

struct Captured {
  Bytes data;
  Frame frame;  // data span re-pointed at `data`
};

// Reads everything, copying each frame before the next batch invalidates it.
std::vector<Captured> read_all(FrameSource& source, std::size_t batch = 64) {
  std::vector<Captured> out;
  std::vector<Frame> frames(batch);
  while (const std::size_t n = source.read_batch(frames)) {
    for (std::size_t i = 0; i < n; ++i) out.push_back({Bytes(frames[i].data.begin(), frames[i].data.end()), frames[i]});
  }
  for (auto& c : out) c.frame.data = c.data;
  return out;
}

std::unique_ptr<FrameSource> open_ok(const std::string& path, AnomalyCounters& anomalies) {
  auto source = open_capture(path, anomalies);
  EXPECT_TRUE(source.has_value()) << (source ? "" : source.error().message);
  return source ? std::move(*source) : nullptr;
}

TEST(PcapFileReader, ReadsAllFourMagicsAndByteOrders) {
  for (const bool nanos : {false, true}) {
    for (const bool big_endian : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "nanos " << nanos << " big endian " << big_endian);
      PcapBuilder pcap(1, nanos, big_endian);
      pcap.add(1700000000, nanos ? 123456789 : 123456, counting_frame(60, 1), 1514);
      pcap.add(1700000001, 5, counting_frame(42, 2));
      TempFile file(pcap.bytes());
      AnomalyCounters anomalies;
      auto source = open_ok(file.path(), anomalies);
      ASSERT_NE(source, nullptr);
      const auto frames = read_all(*source);
      ASSERT_EQ(frames.size(), 2u);
      EXPECT_EQ(frames[0].frame.ts.ns, 1700000000LL * 1'000'000'000 + 123456789LL - (nanos ? 0 : 789));
      EXPECT_EQ(frames[1].frame.ts.ns, 1700000001LL * 1'000'000'000 + (nanos ? 5 : 5000));
      EXPECT_EQ(frames[0].frame.link_type, 1u);
      EXPECT_EQ(frames[0].frame.wire_len, 1514u);
      EXPECT_EQ(frames[0].data, counting_frame(60, 1));
      EXPECT_EQ(frames[1].frame.wire_len, 42u);
      EXPECT_EQ(frames[1].data, counting_frame(42, 2));
      EXPECT_TRUE(source->warnings().empty());
      EXPECT_EQ(source->position_bytes(), source->size_bytes());
    }
  }
}

TEST(PcapFileReader, TakesLinkTypeFromTheHeaderWithoutFcsBits) {
  PcapBuilder pcap(0x10000000u | 113u);
  pcap.add(1, 0, counting_frame(30, 0));
  AnomalyCounters anomalies;
  auto reader = PcapFileReader::from_buffer(pcap.bytes(), "mem", anomalies);
  ASSERT_TRUE(reader.has_value());
  EXPECT_EQ((*reader)->link_type(), 113u);
  std::array<Frame, 4> frames{};
  ASSERT_EQ((*reader)->read_batch(frames), 1u);
  EXPECT_EQ(frames[0].link_type, 113u);
}

TEST(PcapFileReader, FillsBatchesAndFramesStayValidAcrossBatches) {
  PcapBuilder pcap;
  for (std::uint8_t i = 0; i < 7; ++i) pcap.add(i, 0, counting_frame(64 + i, i));
  AnomalyCounters anomalies;
  auto source = open_pcap_buffer(pcap.bytes(), "mem", anomalies);
  ASSERT_TRUE(source.has_value());
  std::array<Frame, 3> frames{};
  EXPECT_EQ((*source)->read_batch(frames), 3u);
  EXPECT_EQ(Bytes(frames[2].data.begin(), frames[2].data.end()), counting_frame(66, 2));
  EXPECT_EQ((*source)->read_batch(frames), 3u);
  EXPECT_EQ((*source)->read_batch(frames), 1u);
  EXPECT_EQ(Bytes(frames[0].data.begin(), frames[0].data.end()), counting_frame(70, 6));
  EXPECT_EQ((*source)->read_batch(frames), 0u);
  EXPECT_EQ((*source)->read_batch(frames), 0u);
}

// Reads everything like read_all, giving `steps` prefetch hints after every frame.
std::vector<Captured> read_all_stepping(FrameSource& source, int steps, std::size_t batch = 256) {
  std::vector<Captured> out;
  std::vector<Frame> frames(batch);
  while (const std::size_t n = source.read_batch(frames)) {
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back({Bytes(frames[i].data.begin(), frames[i].data.end()), frames[i]});
      for (int k = 0; k < steps; ++k) source.prefetch_step();
    }
  }
  for (auto& c : out) c.frame.data = c.data;
  return out;
}

TEST(PcapFileReader, PrefetchHintsAcrossMappedChunksChangeNothing) {
  // ~20 MiB: the hints map the file ahead in several chunks and run to its end (many hints per frame),
  // and the last record is truncated. Frames, warnings and counters equal a read without hints.
  PcapBuilder pcap;
  for (std::uint32_t i = 0; i < 14000; ++i)
    pcap.add(i, 0, counting_frame(1400 + i % 100, static_cast<std::uint8_t>(i)));
  pcap.add_record(20000, 0, 100, 100, counting_frame(40, 0));
  TempFile file(pcap.bytes());
  AnomalyCounters plain_anomalies, hinted_anomalies;
  auto plain = open_ok(file.path(), plain_anomalies);
  auto hinted = open_ok(file.path(), hinted_anomalies);
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(hinted, nullptr);
  const auto want = read_all(*plain);
  for (int k = 0; k < 3; ++k) hinted->prefetch_step();  // before the first batch too
  const auto got = read_all_stepping(*hinted, 50);
  ASSERT_EQ(want.size(), 14000u);
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i].data, want[i].data) << "frame " << i;
    ASSERT_EQ(got[i].frame.ts.ns, want[i].frame.ts.ns) << "frame " << i;
  }
  EXPECT_EQ(hinted->warnings(), plain->warnings());
  EXPECT_EQ(hinted_anomalies.get(Anomaly::CaptureTruncatedRecord), 1u);
  // A capture held in memory takes the hints too (nothing to map).
  AnomalyCounters mem_anomalies;
  auto mem = open_pcap_buffer(pcap.bytes(), "mem", mem_anomalies);
  ASSERT_TRUE(mem.has_value());
  EXPECT_EQ(read_all_stepping(**mem, 50).size(), want.size());
}

TEST(PcapFileReader, WarnsAboutTruncatedLastRecordDataAndKeepsEarlierFrames) {
  PcapBuilder pcap;
  pcap.add(1, 0, counting_frame(100, 0));
  pcap.add_record(2, 0, 100, 100, counting_frame(40, 0));  // 60 bytes missing
  TempFile file(pcap.bytes());
  AnomalyCounters anomalies;
  auto source = open_ok(file.path(), anomalies);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(read_all(*source).size(), 1u);
  ASSERT_EQ(source->warnings().size(), 1u);
  EXPECT_THAT(source->warnings()[0], HasSubstr(file.path()));
  EXPECT_THAT(source->warnings()[0], HasSubstr("byte offset 140"));  // 24 + 16 + 100
  EXPECT_EQ(anomalies.get(Anomaly::CaptureTruncatedRecord), 1u);
}

TEST(PcapFileReader, WarnsAboutTruncatedLastRecordHeader) {
  Bytes bytes = PcapBuilder().add(1, 0, counting_frame(50, 0)).bytes();
  bytes.insert(bytes.end(), {1, 2, 3, 4, 5, 6, 7});
  TempFile file(bytes);
  AnomalyCounters anomalies;
  auto source = open_ok(file.path(), anomalies);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(read_all(*source).size(), 1u);
  ASSERT_EQ(source->warnings().size(), 1u);
  EXPECT_THAT(source->warnings()[0], HasSubstr(file.path()));
  EXPECT_THAT(source->warnings()[0], HasSubstr("byte offset 90"));
  EXPECT_EQ(anomalies.get(Anomaly::CaptureTruncatedRecord), 1u);
}

TEST(PcapFileReader, StopsAtAnAbsurdRecordLength) {
  PcapBuilder pcap(1, false, false, 262144);
  pcap.add(1, 0, counting_frame(60, 0));
  pcap.add_record(2, 0, 0x7fffffff, 60, counting_frame(60, 0));
  pcap.add(3, 0, counting_frame(60, 0));
  AnomalyCounters anomalies;
  auto source = open_pcap_buffer(pcap.bytes(), "corrupt.pcap", anomalies);
  ASSERT_TRUE(source.has_value());
  EXPECT_EQ(read_all(**source).size(), 1u);
  ASSERT_EQ((*source)->warnings().size(), 1u);
  EXPECT_THAT((*source)->warnings()[0], HasSubstr("corrupt.pcap"));
  EXPECT_THAT((*source)->warnings()[0], HasSubstr("byte offset 100"));
  EXPECT_EQ(anomalies.get(Anomaly::CaptureBadRecordLength), 1u);
}

TEST(PcapFileReader, StopsAtARecordFarBeyondTheSnaplen) {
  PcapBuilder pcap(1, false, false, 96);
  pcap.add_record(1, 0, 200000, 200000, counting_frame(200000, 0));
  AnomalyCounters anomalies;
  auto source = open_pcap_buffer(pcap.bytes(), "mem", anomalies);
  ASSERT_TRUE(source.has_value());
  EXPECT_EQ(read_all(**source).size(), 0u);
  EXPECT_EQ(anomalies.get(Anomaly::CaptureBadRecordLength), 1u);
}

TEST(PcapFileReader, KeepsARecordSlightlyOverTheSnaplenAndCountsIt) {
  PcapBuilder pcap(1, false, false, 96);
  pcap.add(1, 0, counting_frame(128, 0));
  AnomalyCounters anomalies;
  auto source = open_pcap_buffer(pcap.bytes(), "mem", anomalies);
  ASSERT_TRUE(source.has_value());
  EXPECT_EQ(read_all(**source).size(), 1u);
  EXPECT_EQ(anomalies.get(Anomaly::CaptureSnaplenExceeded), 1u);
  EXPECT_TRUE((*source)->warnings().empty());
}

TEST(PcapFileReader, ReadsAHeaderOnlyFileAsEmpty) {
  TempFile file(PcapBuilder().bytes());
  AnomalyCounters anomalies;
  auto source = open_ok(file.path(), anomalies);
  ASSERT_NE(source, nullptr);
  EXPECT_TRUE(read_all(*source).empty());
  EXPECT_TRUE(source->warnings().empty());
  EXPECT_EQ(source->size_bytes(), 24u);
}

TEST(PcapFileReader, ReportsProgressInBytes) {
  PcapBuilder pcap;
  for (std::uint8_t i = 0; i < 4; ++i) pcap.add(i, 0, counting_frame(84, i));  // 100 bytes per record
  TempFile file(pcap.bytes());
  AnomalyCounters anomalies;
  auto source = open_ok(file.path(), anomalies);
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->size_bytes(), 424u);
  EXPECT_EQ(source->position_bytes(), 24u);
  std::array<Frame, 2> frames{};
  ASSERT_EQ(source->read_batch(frames), 2u);
  EXPECT_EQ(source->position_bytes(), 224u);
}

// The parallel pipeline's walkers: sections of a file, started from a guessed first record.

// A capture of `n` records of assorted sizes (some holding noise, some zeros), with where each starts.
struct Sections {
  Bytes bytes;
  std::vector<std::size_t> starts;
};
Sections assorted_records(std::size_t n, std::uint32_t snaplen = 65535) {
  PcapBuilder pcap(1, false, false, snaplen);
  Sections s;
  std::uint32_t seed = 12345;
  for (std::size_t i = 0; i < n; ++i) {
    s.starts.push_back(pcap.bytes().size());
    const std::size_t size = 40 + (i * 37) % 1400;
    Bytes data = counting_frame(size, static_cast<std::uint8_t>(i));
    if (i % 3 == 1) std::fill(data.begin() + 20, data.end(), std::uint8_t{0});
    if (i % 3 == 2) {
      for (auto& b : data) b = static_cast<std::uint8_t>((seed = seed * 1103515245u + 12345u) >> 16);
    }
    pcap.add(1'700'000'000u + static_cast<std::uint32_t>(i / 10), static_cast<std::uint32_t>(i * 997 % 1'000'000),
             data);
  }
  s.starts.push_back(pcap.bytes().size());
  s.bytes = pcap.bytes();
  return s;
}

std::unique_ptr<PcapFileReader> file_reader(const Bytes& bytes, AnomalyCounters& anomalies) {
  auto r = PcapFileReader::from_buffer(bytes, "mem.pcap", anomalies);
  EXPECT_TRUE(r.has_value());
  return std::move(*r);
}

TEST(PcapFileReaderSections, FindRecordGuessesTheNextRecordFromAnyOffsetInsideOne) {
  const Sections s = assorted_records(60);
  AnomalyCounters anomalies;
  auto reader = file_reader(s.bytes, anomalies);
  for (std::size_t i = 0; i + 1 < s.starts.size(); ++i) {
    // From a record's own start, and from every offset inside it (its payload holds counting bytes,
    // zeros or noise): the next record.
    EXPECT_EQ(reader->find_record(s.starts[i], s.bytes.size()), s.starts[i]) << i;
    for (std::size_t at = s.starts[i] + 1; at < s.starts[i + 1]; at += 7) {
      ASSERT_EQ(reader->find_record(at, s.bytes.size()), s.starts[i + 1]) << "record " << i << " offset " << at;
    }
  }
  // Fewer than kResyncRecords records left: a chain that ends exactly at the end of the file counts.
  EXPECT_EQ(reader->find_record(s.starts[58] + 3, s.bytes.size()), s.starts[59]);
  // None before the limit.
  EXPECT_EQ(reader->find_record(s.starts[5] + 1, s.starts[6]), s.starts[6]);
  EXPECT_EQ(reader->find_record(s.starts[5] + 1, s.starts[5] + 20), s.starts[5] + 20);
}

TEST(PcapFileReaderSections, FindRecordFallsForAChainOfFakeHeadersInsideAPayload) {
  // A payload that is itself ten plausible records: a guess, which the pipeline checks.
  PcapBuilder fake;
  for (int k = 0; k < 10; ++k) fake.add(1'700'000'000u, 5, Bytes(40, 0));
  const Bytes chain(fake.bytes().begin() + 24, fake.bytes().end());
  PcapBuilder pcap;
  pcap.add(1'700'000'000u, 0, counting_frame(100, 0));
  pcap.add(1'700'000'000u, 1, chain);
  pcap.add(1'700'000'000u, 2, counting_frame(100, 1));
  AnomalyCounters anomalies;
  auto reader = file_reader(pcap.bytes(), anomalies);
  const std::size_t second = 24 + 16 + 100;
  EXPECT_EQ(reader->find_record(second + 1, pcap.bytes().size()), second + 16);  // the fake
}

TEST(PcapFileReaderSections, ASectionReadsTheRecordsThatStartInItsRangeAndEndsAtTheNext) {
  const Sections s = assorted_records(40);
  AnomalyCounters anomalies;
  auto reader = file_reader(s.bytes, anomalies);
  // Cut the file at arbitrary offsets: every record is read by exactly one section, in order.
  std::vector<std::size_t> cuts{24};
  for (std::size_t at = 24 + 999; at < s.bytes.size(); at += 999) cuts.push_back(at);
  cuts.push_back(s.bytes.size());
  std::size_t next = 24, records = 0;
  for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
    AnomalyCounters section_anomalies;
    auto section = reader->section(next, cuts[c + 1], section_anomalies);
    for (const auto& f : read_all(*section)) {
      ASSERT_LT(records, 40u);
      EXPECT_EQ(f.data.size(), 40 + (records * 37) % 1400) << records;
      ++records;
    }
    EXPECT_FALSE(section->stopped());
    EXPECT_TRUE(section->warnings().empty());
    next = section->position_bytes();
    const auto first_after = *std::lower_bound(s.starts.begin(), s.starts.end(), cuts[c + 1]);
    EXPECT_EQ(next, first_after) << "cut " << c;
    reader->absorb(*section);
  }
  EXPECT_EQ(records, 40u);
  EXPECT_EQ(reader->position_bytes(), s.bytes.size());
}

TEST(PcapFileReaderSections, ASectionStopsAtACorruptRecordAndHandsItsWarningBack) {
  PcapBuilder pcap(1, false, false, 262144);
  pcap.add(1, 0, counting_frame(60, 0));
  pcap.add(1, 1, counting_frame(60, 1));
  pcap.add_record(2, 0, 0x7fffffff, 60, counting_frame(60, 0));
  pcap.add(3, 0, counting_frame(60, 0));
  AnomalyCounters anomalies, section_anomalies;
  auto reader = file_reader(pcap.bytes(), anomalies);
  auto section = reader->section(24 + 76, pcap.bytes().size(), section_anomalies);
  EXPECT_EQ(read_all(*section).size(), 1u);
  EXPECT_TRUE(section->stopped());
  EXPECT_EQ(section_anomalies.get(Anomaly::CaptureBadRecordLength), 1u);
  EXPECT_EQ(anomalies.get(Anomaly::CaptureBadRecordLength), 0u);
  reader->absorb(*section);
  EXPECT_TRUE(reader->stopped());
  ASSERT_EQ(reader->warnings().size(), 1u);
  EXPECT_THAT(reader->warnings()[0], HasSubstr("mem.pcap: corrupt record length"));
  EXPECT_THAT(reader->warnings()[0], HasSubstr("byte offset 176"));
}

TEST(Capture, RejectsAnEmptyFileNamingIt) {
  TempFile file({});
  AnomalyCounters anomalies;
  auto source = open_capture(file.path(), anomalies);
  ASSERT_FALSE(source.has_value());
  EXPECT_THAT(source.error().message, HasSubstr(file.path()));
  EXPECT_THAT(source.error().message, HasSubstr("empty"));
}

TEST(Capture, RejectsAFileTooShortForAHeader) {
  TempFile file({0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0});
  AnomalyCounters anomalies;
  auto source = open_capture(file.path(), anomalies);
  ASSERT_FALSE(source.has_value());
  EXPECT_THAT(source.error().message, HasSubstr(file.path()));
  EXPECT_THAT(source.error().message, HasSubstr("too short"));
}

TEST(Capture, RejectsUnknownMagicNamingTheFile) {
  TempFile file(Bytes(100, 'x'));
  AnomalyCounters anomalies;
  auto source = open_capture(file.path(), anomalies);
  ASSERT_FALSE(source.has_value());
  EXPECT_THAT(source.error().message, HasSubstr(file.path()));
}

TEST(Capture, RejectsAMissingFileNamingIt) {
  AnomalyCounters anomalies;
  auto source = open_capture("/nonexistent/minewatch/capture.pcap", anomalies);
  ASSERT_FALSE(source.has_value());
  EXPECT_THAT(source.error().message, HasSubstr("/nonexistent/minewatch/capture.pcap"));
}

TEST(Capture, RejectsADirectory) {
  AnomalyCounters anomalies;
  auto source = open_capture("/tmp", anomalies);
  ASSERT_FALSE(source.has_value());
  EXPECT_THAT(source.error().message, HasSubstr("/tmp"));
}

TEST(Capture, RejectsBuffersThatAreNotClassicPcap) {
  AnomalyCounters anomalies;
  EXPECT_FALSE(open_pcap_buffer({}, "empty", anomalies).has_value());
  const Bytes short_header = {0xd4, 0xc3, 0xb2, 0xa1};
  EXPECT_FALSE(open_pcap_buffer(short_header, "short", anomalies).has_value());
  const Bytes pcapng = testing::PcapngBuilder().bytes();
  auto source = open_pcap_buffer(pcapng, "ng", anomalies);
  ASSERT_FALSE(source.has_value());
  EXPECT_THAT(source.error().message, HasSubstr("ng"));
}

}  // namespace
}  // namespace minewatch::capture
