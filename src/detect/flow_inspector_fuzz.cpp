// Chunked harness: the input is a sequence of deliveries, each a header byte (bit 7: direction,
// bit 6: leave a 3-byte hole first, bits 0-5: length) followed by that many bytes, fed through TCP
// reassembly into the flow inspector and the mining parsers.
#include <cstddef>
#include <cstdint>
#include <span>

#include "detect/flow_inspector.hpp"
#include "flow/tcp_reassembler.hpp"

namespace {

struct Sink final : minewatch::flow::StreamSink {
  minewatch::detect::FlowInspector* insp;
  minewatch::Direction dir;
  void on_stream_data(std::span<const std::uint8_t> b) override { insp->on_data(dir, b, minewatch::Timestamp{1}); }
  void on_stream_gap(std::uint32_t) override { insp->on_gap(dir); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minewatch;
  static detect::InspectContext ctx;
  AnomalyCounters anomalies;
  ctx.anomalies = &anomalies;
  detect::FlowInspector insp(ctx);
  flow::TcpReassembler streams[2] = {flow::TcpReassembler(4096), flow::TcpReassembler(4096)};
  Sink sinks[2];
  std::uint32_t seq[2] = {0, 0};
  for (int d = 0; d < 2; ++d) {
    sinks[d].insp = &insp;
    sinks[d].dir = static_cast<Direction>(d);
    streams[d].on_syn(0xFFFFFF00u);
    seq[d] = 0xFFFFFF01u;
  }
  std::size_t i = 0;
  while (i < size) {
    std::uint8_t h = data[i++];
    int d = h >> 7;
    std::size_t len = h & 0x3f;
    bool skip_ahead = (h & 0x40) != 0;  // deliver out of order: leave a hole of 3 bytes
    if (len > size - i) len = size - i;
    std::uint32_t s = seq[d] + (skip_ahead ? 3u : 0u);
    streams[d].on_segment(s, {data + i, len}, sinks[d], anomalies);
    seq[d] = s + static_cast<std::uint32_t>(len);
    i += len;
  }
  for (int d = 0; d < 2; ++d) streams[d].flush(sinks[d], anomalies);
  insp.finish(Timestamp{2});
  if (insp.session()) (void)insp.session()->confidence();
  return 0;
}
