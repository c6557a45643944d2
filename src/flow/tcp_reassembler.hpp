#pragma once
// In-order delivery of one direction of a TCP stream, bounded. Handles out-of-order, retransmitted
// and overlapping segments, and streams whose start was never seen (capture began mid-connection).
// Policy on overlap: the first bytes received for a sequence range win (as most stacks do).
#include <cstdint>
#include <span>
#include <vector>

#include "core/anomaly.hpp"

namespace minewatch::flow {

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void on_stream_data(std::span<const std::uint8_t> bytes) = 0;
  // Bytes are missing before the next delivery (lost or never captured): line state must resync.
  virtual void on_stream_gap(std::uint32_t missing_bytes) = 0;
};

class TcpReassembler {
 public:
  static constexpr std::uint32_t kDefaultMaxPending = 32 * 1024;

  explicit TcpReassembler(std::uint32_t max_pending_bytes = kDefaultMaxPending) : max_pending_(max_pending_bytes) {}

  // A SYN fixes the initial sequence number; data then starts at isn + 1.
  void on_syn(std::uint32_t isn);
  // Feeds one segment's payload. Delivers whatever becomes contiguous to `sink`.
  void on_segment(std::uint32_t seq, std::span<const std::uint8_t> payload, StreamSink& sink,
                  AnomalyCounters& anomalies);
  // Delivers everything still pending, announcing the holes before it (end of flow).
  void flush(StreamSink& sink, AnomalyCounters& anomalies);

  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] std::uint32_t next_seq() const { return next_seq_; }
  [[nodiscard]] std::size_t pending_bytes() const { return pending_bytes_; }
  [[nodiscard]] std::uint64_t delivered_bytes() const { return delivered_; }

 private:
  struct Pending {
    std::uint32_t seq;
    std::vector<std::uint8_t> bytes;
  };
  void deliver_ready(StreamSink& sink);
  void insert_pending(std::uint32_t seq, std::span<const std::uint8_t> payload, AnomalyCounters& anomalies);
  void skip_to_first_pending(StreamSink& sink, AnomalyCounters& anomalies);

  std::vector<Pending> pending_;  // sorted by seq relative to next_seq_, non-overlapping
  std::uint32_t max_pending_;
  std::uint32_t next_seq_ = 0;
  std::size_t pending_bytes_ = 0;
  std::uint64_t delivered_ = 0;
  bool started_ = false;
};

// Signed distance a - b in sequence space (RFC 1982 serial arithmetic).
constexpr std::int32_t seq_diff(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b); }

}  // namespace minewatch::flow
