// libFuzzer target: the first byte picks the role (even: request, odd: response); the rest is a TCP
// byte stream framed message by message with parse_message, each message interpreted.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocols/http/http_parser.hpp"

namespace {

std::uint64_t touch(const minewatch::protocols::MiningMessage& m, const minewatch::protocols::http::HttpMessage& h) {
  std::uint64_t x = 0;
  for (std::string_view s : {m.agent, m.login, m.worker, m.pool_host, m.algo, m.protocol_variant, m.redirect_url,
                             h.method, h.target, h.host, h.body, h.basic_user()}) {
    x = minewatch::protocols::jsonrpc::fnv1a64(s, x);
  }
  return x;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minewatch::protocols;
  if (size == 0) return 0;
  static jsonrpc::JsonRpcParser json;
  const auto role = (data[0] & 1) != 0 ? http::Role::Response : http::Role::Request;
  std::span<const std::uint8_t> stream(data + 1, size - 1);
  std::uint64_t sink = 0;
  while (!stream.empty()) {
    http::HttpMessage msg;
    std::size_t consumed = 0;
    minewatch::Anomaly anomaly{};
    if (http::parse_message(stream, role, msg, consumed, anomaly) != http::HttpStatus::Parsed) break;
    MiningMessage out;
    sink += static_cast<std::uint64_t>(http::interpret(msg, role, json, out, anomaly));
    sink += touch(out, msg);
    if (consumed == 0 || consumed >= stream.size()) break;  // a truncated body may claim more than we hold
    stream = stream.subspan(consumed);
  }
  volatile std::uint64_t keep = sink;
  (void)keep;
  return 0;
}
