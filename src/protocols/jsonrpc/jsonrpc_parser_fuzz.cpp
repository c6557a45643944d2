// libFuzzer target: one JSON-RPC line through JsonRpcParser::parse_line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/jsonrpc/jsonrpc_parser.hpp"

namespace {

// Reads every byte the message points at, so ASan sees any dangling view.
std::uint64_t touch(const minewatch::protocols::MiningMessage& m) {
  std::uint64_t h = 0;
  for (std::string_view s : {m.agent, m.login, m.worker, m.pool_host, m.algo, m.protocol_variant, m.redirect_url}) {
    h = minewatch::protocols::jsonrpc::fnv1a64(s, h);
  }
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static minewatch::protocols::jsonrpc::JsonRpcParser parser;
  minewatch::protocols::MiningMessage msg;
  minewatch::Anomaly anomaly{};
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto status = parser.parse_line(line, msg, anomaly);
  volatile std::uint64_t sink = touch(msg) + static_cast<std::uint64_t>(status);
  (void)sink;
  return 0;
}
