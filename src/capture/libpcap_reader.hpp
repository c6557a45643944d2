#pragma once
// pcapng and the other formats libpcap understands. libpcap hands out one packet at a time and
// reuses its buffer, so a batch is copied into an arena that is allocated once and reused.
#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "capture/frame_source.hpp"
#include "core/anomaly.hpp"
#include "core/result.hpp"

namespace minewatch::capture {

class LibpcapReader final : public FrameSource {
 public:
  // At least libpcap's largest snapshot length, so any one packet always fits an empty arena.
  static constexpr std::size_t kArenaBytes = 1 << 20;

  // `anomalies` must outlive the reader. Errors name the file and carry libpcap's reason.
  [[nodiscard]] static Result<std::unique_ptr<LibpcapReader>> open(const std::string& path, AnomalyCounters& anomalies);

  ~LibpcapReader() override;
  LibpcapReader(const LibpcapReader&) = delete;
  LibpcapReader& operator=(const LibpcapReader&) = delete;

  std::size_t read_batch(std::span<Frame> out) override;
  [[nodiscard]] const std::vector<std::string>& warnings() const override { return warnings_; }
  [[nodiscard]] std::uint64_t size_bytes() const override { return size_; }
  [[nodiscard]] std::uint64_t position_bytes() const override;

  [[nodiscard]] std::uint32_t link_type() const { return link_type_; }

 private:
  LibpcapReader(pcap_t* pcap, std::string path, std::uint64_t size, AnomalyCounters& anomalies);
  // Copies the packet libpcap last returned into the arena; false when it does not fit.
  bool append_pending(Frame& frame);

  pcap_t* pcap_;
  std::string path_;
  std::uint64_t size_;
  AnomalyCounters& anomalies_;
  std::vector<std::string> warnings_;
  std::vector<std::uint8_t> arena_;
  std::size_t arena_used_ = 0;
  std::uint32_t link_type_ = 0;
  std::uint64_t frames_read_ = 0;
  // A packet fetched from libpcap that did not fit the previous batch; its data stays valid until
  // the next pcap_next_ex call.
  const pcap_pkthdr* pending_header_ = nullptr;
  const std::uint8_t* pending_data_ = nullptr;
  bool done_ = false;
};

}  // namespace minewatch::capture
