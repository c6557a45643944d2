// Every third-party capture in the shared corpus opens, reads to the end and decodes without a
// crash, and every skipped frame counts exactly one anomaly. The corpus is read in place.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "capture/frame_source.hpp"
#include "decode/decoder.hpp"

namespace minewatch::decode {
namespace {

constexpr const char* kCaptureDir = MW_SHARED_CAPTURES;  // third-party data beside the project

std::uint64_t total(const AnomalyCounters& a) {
  return std::accumulate(a.counts.begin(), a.counts.end(), std::uint64_t{0});
}

TEST(RealCaptures, EveryCaptureOpensReadsAndDecodesWithoutCrashing) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(kCaptureDir, ec)) GTEST_SKIP() << kCaptureDir << " not present";
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(kCaptureDir, ec)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".pcap" || ext == ".pcapng" || ext == ".cap")) files.push_back(entry.path());
  }
  ASSERT_FALSE(files.empty());

  std::uint64_t frames_total = 0, ok_total = 0;
  std::vector<capture::Frame> batch(256);
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    AnomalyCounters capture_anomalies;
    auto source = capture::open_capture(path.string(), capture_anomalies);
    ASSERT_TRUE(source.has_value()) << source.error().message;
    AnomalyCounters anomalies;
    std::uint64_t skipped = 0;
    while (const std::size_t n = (*source)->read_batch(batch)) {
      for (std::size_t i = 0; i < n; ++i) {
        PacketView view;
        const auto before = total(anomalies);
        const DecodeStatus status = decode_frame(batch[i], view, anomalies);
        const auto counted = total(anomalies) - before;
        ++frames_total;
        if (status == DecodeStatus::Skipped) {
          ++skipped;
          ASSERT_EQ(counted, 1u) << "frame " << i;
        } else {
          ++ok_total;
          ASSERT_LE(view.payload.size(), batch[i].data.size());
        }
      }
    }
    EXPECT_LE((*source)->position_bytes(), (*source)->size_bytes());
  }
  EXPECT_GT(frames_total, 0u);
  EXPECT_GT(ok_total, frames_total / 2);  // the corpus is overwhelmingly TCP/UDP over IP
}

}  // namespace
}  // namespace minewatch::decode
