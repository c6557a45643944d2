// Parsing a DNS response and resolving its chain: one with a CNAME and four addresses (compressed
// names), and the commonest kind, one address for the name asked.
#include <benchmark/benchmark.h>

#include <vector>

#include "protocols/dns/dns_parser.hpp"

namespace {

using namespace minewatch::protocols;
using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& b, std::size_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

void name(Bytes& b, std::initializer_list<std::string_view> labels) {
  for (auto l : labels) {
    b.push_back(static_cast<std::uint8_t>(l.size()));
    b.insert(b.end(), l.begin(), l.end());
  }
  b.push_back(0);
}

void rr(Bytes& b, std::uint16_t type, std::size_t rdlength) {
  put16(b, type);
  put16(b, 1);
  put16(b, 0);
  put16(b, 300);
  put16(b, rdlength);
}

// A response's header and its question (pool.example.com, type A) with `answers` records to follow.
Bytes response_to_pool_query(std::uint8_t answers) {
  Bytes m = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, answers, 0, 0, 0, 0};
  name(m, {"pool", "example", "com"});
  put16(m, dns::kTypeA);
  put16(m, 1);
  return m;
}

Bytes cname_response() {
  Bytes m = response_to_pool_query(5);
  put16(m, 0xC00C);
  rr(m, dns::kTypeCname, 26);
  const std::size_t target = m.size();
  name(m, {"lb-eu-west-1", "example", "net"});
  for (std::uint8_t i = 1; i <= 4; ++i) {
    put16(m, 0xC000 | target);
    rr(m, dns::kTypeA, 4);
    m.insert(m.end(), {203, 0, 113, i});
  }
  return m;
}

Bytes a_response() {
  Bytes m = response_to_pool_query(1);
  put16(m, 0xC00C);
  rr(m, dns::kTypeA, 4);
  m.insert(m.end(), {203, 0, 113, 7});
  return m;
}

// `addresses`: how many addresses the chain must resolve to.
void parse_and_resolve(benchmark::State& state, const Bytes& msg, std::size_t addresses) {
  dns::DnsMessage out;
  dns::ResolvedChain chain;
  minewatch::Anomaly anomaly{};
  for (auto _ : state) {
    if (dns::parse_message(msg, out, anomaly) != dns::DnsStatus::Parsed ||
        dns::resolve_chain(out, chain) != addresses) {
      state.SkipWithError("not parsed");
    }
    benchmark::DoNotOptimize(chain.addresses.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(msg.size()));
}

void BM_DnsCnameResponse(benchmark::State& state) { parse_and_resolve(state, cname_response(), 4); }
void BM_DnsAResponse(benchmark::State& state) { parse_and_resolve(state, a_response(), 1); }

BENCHMARK(BM_DnsCnameResponse);
BENCHMARK(BM_DnsAResponse);

}  // namespace
