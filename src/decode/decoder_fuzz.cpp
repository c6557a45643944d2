// First byte picks the link type, the rest is the frame. Checks the decoder's own promises: a
// skipped frame counts exactly one anomaly, and the payload lies inside the frame.
#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>

#include "decode/decoder.hpp"

namespace {
constexpr std::array<std::uint32_t, 16> kLinkTypes = {0, 1, 9, 50, 101, 104, 108, 113, 228, 229, 276, 12, 1, 1, 1, 147};

std::uint64_t total(const minewatch::AnomalyCounters& a) {
  return std::accumulate(a.counts.begin(), a.counts.end(), std::uint64_t{0});
}

bool same_view(const minewatch::decode::PacketView& a, const minewatch::decode::PacketView& b) {
  return a.ts == b.ts && a.src == b.src && a.dst == b.dst && a.sport == b.sport && a.dport == b.dport &&
         a.proto == b.proto && a.tcp_flags == b.tcp_flags && a.seq == b.seq && a.ack == b.ack &&
         a.wire_len == b.wire_len && a.payload_wire_len == b.payload_wire_len && a.payload.data() == b.payload.data() &&
         a.payload.size() == b.payload.size();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  minewatch::capture::Frame frame;
  frame.link_type = kLinkTypes[data[0] & 0x0F];
  frame.data = std::span<const std::uint8_t>(data + 1, size - 1);
  // The high bits choose between an exact wire length and a snapped frame.
  frame.wire_len = static_cast<std::uint32_t>(frame.data.size()) + ((data[0] & 0x10) ? 1000u : 0u);
  minewatch::AnomalyCounters anomalies;
  minewatch::decode::PacketView view;
  const auto status = minewatch::decode::decode_frame(frame, view, anomalies);
  const std::uint64_t counted = total(anomalies);
  // The fast path for common frames decides exactly as the layered decoder.
  minewatch::AnomalyCounters layered_anomalies;
  minewatch::decode::PacketView layered;
  if (minewatch::decode::decode_frame_layered(frame, layered, layered_anomalies) != status) __builtin_trap();
  if (layered_anomalies.counts != anomalies.counts) __builtin_trap();
  if (status == minewatch::decode::DecodeStatus::Ok && !same_view(view, layered)) __builtin_trap();
  if (status == minewatch::decode::DecodeStatus::Skipped && counted != 1) __builtin_trap();
  if (status == minewatch::decode::DecodeStatus::Ok) {
    if (counted > 1) __builtin_trap();
    if (!view.payload.empty() && (view.payload.data() < frame.data.data() ||
                                  view.payload.data() + view.payload.size() > frame.data.data() + frame.data.size())) {
      __builtin_trap();
    }
    if (view.payload.size() > view.payload_wire_len) __builtin_trap();
  }
  return 0;
}
