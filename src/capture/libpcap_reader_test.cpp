#include "capture/libpcap_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "capture/capture_test_util.hpp"
#include "capture/frame_source.hpp"

namespace minewatch::capture {
namespace {

using testing::Bytes;
using testing::counting_frame;
using ::testing::HasSubstr;
using testing::PcapngBuilder;
using testing::TempFile;

TEST(LibpcapReader, ReadsPcapngFramesWithNanosecondTimestamps) {
  PcapngBuilder ng(1);
  ng.add(1700000000ULL * 1'000'000 + 250'000, counting_frame(60, 1));
  ng.add(1700000001ULL * 1'000'000, counting_frame(61, 2));
  TempFile file(ng.bytes(), ".pcapng");
  AnomalyCounters anomalies;
  auto source = LibpcapReader::open(file.path(), anomalies);
  ASSERT_TRUE(source.has_value()) << source.error().message;
  std::array<Frame, 8> frames{};
  ASSERT_EQ((*source)->read_batch(frames), 2u);
  EXPECT_EQ(frames[0].ts.ns, 1700000000LL * 1'000'000'000 + 250'000'000);
  EXPECT_EQ(frames[0].link_type, 1u);
  EXPECT_EQ(frames[0].wire_len, 60u);
  EXPECT_EQ(Bytes(frames[0].data.begin(), frames[0].data.end()), counting_frame(60, 1));
  EXPECT_EQ(Bytes(frames[1].data.begin(), frames[1].data.end()), counting_frame(61, 2));
  EXPECT_EQ((*source)->read_batch(frames), 0u);
  EXPECT_TRUE((*source)->warnings().empty());
  EXPECT_EQ((*source)->size_bytes(), ng.bytes().size());
  EXPECT_EQ((*source)->position_bytes(), ng.bytes().size());
}

TEST(LibpcapReader, ReportsRawIpAsLinktypeRawWhateverTheLocalDltValue) {
  TempFile file(PcapngBuilder(101).add(1, {0x45, 0, 0, 20}).bytes(), ".pcapng");
  AnomalyCounters anomalies;
  auto source = LibpcapReader::open(file.path(), anomalies);
  ASSERT_TRUE(source.has_value()) << source.error().message;
  std::array<Frame, 2> frames{};
  ASSERT_EQ((*source)->read_batch(frames), 1u);
  EXPECT_EQ(frames[0].link_type, static_cast<std::uint32_t>(LinkType::Raw));
}

TEST(LibpcapReader, TurnsATruncatedPcapngIntoAWarningAndKeepsEarlierFrames) {
  Bytes bytes = PcapngBuilder().add(1, counting_frame(100, 0)).add(2, counting_frame(100, 1)).bytes();
  bytes.erase(bytes.end() - 50, bytes.end());  // cut inside the last block
  TempFile file(bytes, ".pcapng");
  AnomalyCounters anomalies;
  auto source = LibpcapReader::open(file.path(), anomalies);
  ASSERT_TRUE(source.has_value()) << source.error().message;
  std::array<Frame, 8> frames{};
  EXPECT_EQ((*source)->read_batch(frames), 1u);
  EXPECT_EQ((*source)->read_batch(frames), 0u);
  ASSERT_EQ((*source)->warnings().size(), 1u);
  EXPECT_THAT((*source)->warnings()[0], HasSubstr(file.path()));
  EXPECT_EQ(anomalies.get(Anomaly::CaptureReadError), 1u);
}

TEST(LibpcapReader, CarriesAPacketThatDoesNotFitTheArenaIntoTheNextBatch) {
  PcapngBuilder ng;
  constexpr int kFrames = 12;
  for (int i = 0; i < kFrames; ++i)
    ng.add(static_cast<std::uint64_t>(i), counting_frame(200'000, static_cast<std::uint8_t>(i)));
  TempFile file(ng.bytes(), ".pcapng");
  AnomalyCounters anomalies;
  auto source = LibpcapReader::open(file.path(), anomalies);
  ASSERT_TRUE(source.has_value()) << source.error().message;
  std::vector<Frame> frames(64);
  int seen = 0;
  std::size_t batches = 0;
  while (const std::size_t n = (*source)->read_batch(frames)) {
    ++batches;
    for (std::size_t i = 0; i < n; ++i, ++seen) {
      ASSERT_EQ(Bytes(frames[i].data.begin(), frames[i].data.end()),
                counting_frame(200'000, static_cast<std::uint8_t>(seen)));
    }
  }
  EXPECT_EQ(seen, kFrames);
  EXPECT_GT(batches, 1u);  // 12 × 200 kB does not fit one 1 MiB arena
}

TEST(LibpcapReader, RejectsAPcapngWithAMangledSectionHeader) {
  Bytes bytes = PcapngBuilder().bytes();
  bytes[8] = 0x00;  // byte-order magic
  TempFile file(bytes, ".pcapng");
  AnomalyCounters anomalies;
  auto source = LibpcapReader::open(file.path(), anomalies);
  ASSERT_FALSE(source.has_value());
  EXPECT_THAT(source.error().message, HasSubstr(file.path()));
}

}  // namespace
}  // namespace minewatch::capture
