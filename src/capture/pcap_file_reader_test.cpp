#include "capture/pcap_file_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
