#pragma once
// Port-agnostic behaviour of one TCP flow: its first 30 payload-carrying packets (direction, payload
// length, time) and its packet counters, as CESNET's exporter records them in CESNET-MINER22. The
// features computed here are the ones tools/model/flow_features.py computes at training time, operation
// for operation, so a model trained in Python scores the same in C++ (src/model/flow_model_test.cpp
// holds the two to within 1e-9). Nothing here looks at ports or addresses.
#include <array>
#include <cstdint>
#include <string_view>

#include "core/timestamp.hpp"

namespace minewatch::model {

inline constexpr std::size_t kMaxPackets = 30;
inline constexpr std::size_t kFeatureCount = 31;
using FeatureVector = std::array<double, kFeatureCount>;

// Names in model order; the model file must list exactly these (a loader check against drift).
extern const std::array<std::string_view, kFeatureCount> kFeatureNames;

// The first packets of a flow that carry payload. Allocated per flow only while the flow is unscored
// and freed when it is scored, so it is compact: ~200 bytes.
class FlowSample {
 public:
  // A packet with `payload_len` > 0 bytes, sent by the flow's initiator (`from_initiator`) or the
  // responder. Ignored once kMaxPackets are held.
  void add(bool from_initiator, std::uint32_t payload_len, Timestamp ts);
  // Same, with the time already in whole milliseconds (CSV input).
  void add_ms(bool from_initiator, std::uint32_t payload_len, std::int64_t time_ms);

  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] bool full() const { return count_ == kMaxPackets; }
  [[nodiscard]] bool from_initiator(std::size_t i) const { return (up_bits_ >> i) & 1u; }
  [[nodiscard]] std::uint16_t payload(std::size_t i) const { return sizes_[i]; }
  // Milliseconds since the first packet (times are truncated to whole milliseconds first, as CESNET's).
  [[nodiscard]] std::int64_t offset_ms(std::size_t i) const { return offsets_ms_[i]; }
  // Time of the first packet, whole milliseconds since the Unix epoch.
  [[nodiscard]] std::int64_t first_ms() const { return first_ms_; }

 private:
  std::int64_t first_ms_ = 0;
  std::uint32_t up_bits_ = 0;
  std::uint8_t count_ = 0;
  std::array<std::uint16_t, kMaxPackets> sizes_{};
  std::array<std::int32_t, kMaxPackets> offsets_ms_{};
};

// Features of a flow with at least 2 sampled packets. `pkts_up`/`pkts_down` count every packet of the
// flow (payload or not) from the initiator / responder; they are used only when the flow ended before
// kMaxPackets payload packets, as in the training data.
[[nodiscard]] FeatureVector compute_features(const FlowSample& sample, std::uint64_t pkts_up, std::uint64_t pkts_down);

}  // namespace minewatch::model
