#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "capture/frame.hpp"
#include "core/anomaly.hpp"
#include "core/result.hpp"

namespace minewatch::capture {

// A stream of frames from a file (or later a live interface), read in batches.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // Fills up to out.size() frames and returns how many; 0 means the input is exhausted.
  // Frames stay valid until the next call.
  virtual std::size_t read_batch(std::span<Frame> out) = 0;
  // Problems met while reading (truncated last record, corrupt record header): each names the
  // file and byte offset. Reading stops at a corrupt record; what came before is kept.
  [[nodiscard]] virtual const std::vector<std::string>& warnings() const = 0;
  // For progress display: input size and how far the reader has got, in bytes (0 when unknown).
  [[nodiscard]] virtual std::uint64_t size_bytes() const = 0;
  [[nodiscard]] virtual std::uint64_t position_bytes() const = 0;
  // True when frames stay valid as long as the source (an mmap'd file), not only until the next
  // read_batch(): the parallel pipeline can then hand them to workers without copying.
  [[nodiscard]] virtual bool frames_outlive_batch() const { return false; }
  // A hint a consumer gives once per packet it handles: warm a little more of what the next
  // read_batch() will walk, so the walk finds it in cache. Sources that have nothing to warm ignore it.
  virtual void prefetch_step() {}
};

// Opens a capture file, choosing the reader by magic number: classic pcap (µs or ns, either byte
// order) and pcapng go through our mmap walks, anything else libpcap reads through libpcap.
// Errors (missing, unreadable, not a capture, empty) name the file.
[[nodiscard]] Result<std::unique_ptr<FrameSource>> open_capture(const std::string& path, AnomalyCounters& anomalies);

// Reads a classic pcap held in memory (the bytes must outlive the source). For fuzzing and tests.
[[nodiscard]] Result<std::unique_ptr<FrameSource>> open_pcap_buffer(std::span<const std::uint8_t> bytes,
                                                                    std::string name, AnomalyCounters& anomalies);

}  // namespace minewatch::capture
