// libFuzzer target: the first byte picks the transport (even: the rest is one UDP payload, odd: a TCP
// stream framed message by message); every message is parsed and its CNAME chain resolved, and must be
// decided exactly as the reference parser (dns_parser_reference.hpp) decides it.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocols/dns/dns_parser.hpp"
#include "protocols/dns/dns_parser_reference.hpp"

namespace {

using namespace minewatch::protocols::dns;

std::uint64_t hash(std::string_view s, std::uint64_t x) {
  for (char c : s) x = (x ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return x;
}

std::uint64_t check(std::span<const std::uint8_t> body) {
  static DnsMessage msg;
  static reference::DnsMessage ref;
  static ResolvedChain chain;
  if (!reference::differences(body, msg, ref).empty()) __builtin_trap();
  minewatch::Anomaly anomaly{};
  if (parse_message(body, msg, anomaly) != DnsStatus::Parsed) return static_cast<std::uint64_t>(anomaly);
  std::uint64_t x = hash(msg.question.name.view(), msg.id);
  for (const auto& a : msg.answer_records()) x = hash(a.target, hash(a.name, x + a.ttl));
  const std::size_t n = resolve_chain(msg, chain);
  if (n != chain.addresses_size || chain.cname_hops > kMaxCnameDepth) __builtin_trap();
  return hash(chain.canonical, x + n);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::span<const std::uint8_t> rest(data + 1, size - 1);
  std::uint64_t sink = 0;
  if ((data[0] & 1) == 0) {
    sink = check(rest);
  } else {
    for (;;) {
      std::span<const std::uint8_t> body;
      std::size_t consumed = 0;
      minewatch::Anomaly anomaly{};
      if (next_tcp_message(rest, body, consumed, anomaly) != DnsStatus::Parsed) break;
      sink += check(body);
      rest = rest.subspan(consumed);
    }
  }
  volatile std::uint64_t keep = sink;
  (void)keep;
  return 0;
}
