// libFuzzer target: the input is a sequence of deliveries, each a header byte (bit 7: direction, bit 6:
// a gap before it, bits 0-5: length) followed by that many bytes, fed to Sv2Stream from the flow's first
// byte, then the flow ends. Every frame it parses must lie inside the input.
#include <cstddef>
#include <cstdint>
#include <span>

#include "protocols/sv2/sv2_parser.hpp"

namespace {

struct Sink final : minewatch::protocols::sv2::Sv2Handler {
  std::uint64_t n = 0;
  void on_sv2_message(minewatch::Direction, const minewatch::protocols::MiningMessage& m) override {
    n += m.login.size() + m.pool_host.size() + m.agent.size() + static_cast<std::uint64_t>(m.kind);
  }
  void on_sv2_anomaly(minewatch::Anomaly) override { ++n; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minewatch;
  using protocols::sv2::Sv2Stream;
  Sink sink;
  // Whole input as one first message, as the inspector's quick test sees it.
  (void)Sv2Stream::may_start({data, size});
  Sv2Stream s(Direction::AtoB);
  std::size_t i = 0;
  while (i < size) {
    std::uint8_t h = data[i++];
    auto dir = static_cast<Direction>(h >> 7);
    std::size_t len = h & 0x3f;
    if (len > size - i) len = size - i;
    if (h & 0x40) s.on_gap(dir);
    s.feed(dir, {data + i, len}, sink);
    i += len;
  }
  s.finish(sink);
  return 0;
}
