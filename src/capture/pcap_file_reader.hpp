#pragma once
// Classic pcap (µs or ns timestamps, either byte order) read by walking an mmap'd file in place:
// frames point straight into the mapping, so a batch costs no copies (and frames outlive the batch:
// they stay valid as long as the reader). See capture/mapped_file.hpp for the mapping and its prefetch.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "capture/frame_source.hpp"
#include "capture/mapped_file.hpp"
#include "core/anomaly.hpp"
#include "core/result.hpp"

namespace minewatch::capture {

class PcapFileReader final : public MappedSource {
 public:
  // Larger records cannot come from any real capture (libpcap's own limit is 256 KiB): the length
  // field is corrupt and everything after it is noise.
  static constexpr std::uint32_t kMaxRecordBytes = 256 * 1024;
  // How far a record may exceed the header's snaplen before we call the length corrupt; writers
  // that under-report snaplen by a little exist, by this much they do not.
  static constexpr std::uint32_t kSnaplenSlack = 64 * 1024;
  static constexpr std::size_t kFileHeaderBytes = 24;
  // The walk's prefetch step and page-mapping chunk (the parallel pipeline's walkers use them too).
  static constexpr std::size_t kStepLines = WalkPrefetch::kStepLines;
  static constexpr std::size_t kPopulateChunk = WalkPrefetch::kPopulateChunk;
  static constexpr std::size_t kRecordHeaderBytes = 16;

  // True when the first four bytes are one of the classic pcap magics this reader handles.
  static bool is_classic_magic(std::span<const std::uint8_t> first_bytes);

  // Maps `path`. `anomalies` must outlive the reader.
  [[nodiscard]] static Result<std::unique_ptr<PcapFileReader>> open(const std::string& path,
                                                                    AnomalyCounters& anomalies);
  // Reads a pcap held in memory; `bytes` and `anomalies` must outlive the reader.
  [[nodiscard]] static Result<std::unique_ptr<PcapFileReader>> from_buffer(std::span<const std::uint8_t> bytes,
                                                                           std::string name,
                                                                           AnomalyCounters& anomalies);

  ~PcapFileReader() override;
  PcapFileReader(const PcapFileReader&) = delete;
  PcapFileReader& operator=(const PcapFileReader&) = delete;

  std::size_t read_batch(std::span<Frame> out) override;

  // Sections (MappedSource). Records are found by chains of kResyncRecords plausible headers: lengths
  // within the limits, microseconds or nanoseconds in range, each timestamp within an hour of the one
  // before and within a year of the file's first.
  [[nodiscard]] std::size_t data_start() const override { return kFileHeaderBytes; }
  [[nodiscard]] std::unique_ptr<MappedSource> section(std::size_t from, std::size_t until, AnomalyCounters& anomalies,
                                                      const MappedSource* after = nullptr) const override;
  // Random bytes pass one record's checks about once in 10^5 offsets (and payloads of zeros fail the
  // timestamp check), a chain of this many essentially never.
  static constexpr std::size_t kResyncRecords = 8;
  [[nodiscard]] std::size_t find_record(std::size_t from, std::size_t limit) const override;
  [[nodiscard]] bool continues(const MappedSource&) const override { return true; }
  [[nodiscard]] std::unique_ptr<MappedSource> ended_after(const MappedSource*,
                                                          AnomalyCounters& anomalies) const override {
    return section(pos_, pos_, anomalies);
  }

  [[nodiscard]] std::uint32_t link_type() const { return link_type_; }
  [[nodiscard]] std::uint32_t snaplen() const { return snaplen_; }
  [[nodiscard]] bool nanosecond_timestamps() const { return nanoseconds_; }
  [[nodiscard]] bool byte_swapped() const { return swapped_; }

 private:
  friend class MappedSource;
  PcapFileReader(std::span<const std::uint8_t> bytes, MappedFile file, std::string name, AnomalyCounters& anomalies)
      : MappedSource(bytes, std::move(file), std::move(name), anomalies) {}
  [[nodiscard]] Result<void> parse_header();
  [[nodiscard]] std::uint32_t u32_at(const std::uint8_t* p) const;

  std::uint32_t link_type_ = 0;
  std::uint32_t snaplen_ = 0;
  bool swapped_ = false;
  bool nanoseconds_ = false;
};

}  // namespace minewatch::capture
