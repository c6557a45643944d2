// libFuzzer target: the input is a client->server TCP stream. It is parsed whole, then delivered as
// growing prefixes (split points taken from its own bytes), as the flow stage would, and the answers
// must agree: a prefix shorter than the parsed hello asks for more, a longer one parses the same way.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocols/tls/tls_client_hello.hpp"

namespace {

using minewatch::protocols::tls::ClientHello;
using minewatch::protocols::tls::HelloStatus;

std::uint64_t touch(const ClientHello& h) {
  std::uint64_t x = h.cipher_suites.total + h.extensions.total;
  for (std::string_view s : {h.server_name(), h.ja3_string(), h.ja3_hash(), h.ja4()}) {
    for (char c : s) x = (x ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  for (const auto& p : h.alpn.values()) x += p.view().size();
  return x;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minewatch::protocols::tls;
  static ClientHello whole;
  static ClientHello part;
  const std::span<const std::uint8_t> stream(data, size);
  minewatch::Anomaly anomaly{};
  const auto status = parse_client_hello(stream, whole, anomaly);
  std::uint64_t sink = touch(whole);
  if (status == HelloStatus::Parsed) {
    for (std::size_t i = 0; i < 3 && i < size; ++i) {
      const std::size_t cut = (std::size_t{data[i]} * 61 + i * 257) % (size + 1);
      const auto s = parse_client_hello(stream.first(cut), part, anomaly);
      if (cut < whole.consumed && s != HelloStatus::NeedMore) __builtin_trap();
      if (cut >= whole.consumed && (s != HelloStatus::Parsed || part.ja4() != whole.ja4() ||
                                    part.ja3_hash() != whole.ja3_hash() || part.consumed != whole.consumed)) {
        __builtin_trap();
      }
      sink += touch(part);
    }
  }
  volatile std::uint64_t keep = sink;
  (void)keep;
  return 0;
}
