// Parsing a Chrome-shaped TLS 1.3 ClientHello, JA3 and JA4 included, in one record and in 100-byte
// records (the reassembly path).
#include <benchmark/benchmark.h>

#include <vector>

#include "protocols/tls/tls_client_hello.hpp"

namespace {

using namespace minewatch::protocols;
using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& b, std::size_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

void ext(Bytes& b, std::uint16_t type, const Bytes& body) {
  put16(b, type);
  put16(b, body.size());
  b.insert(b.end(), body.begin(), body.end());
}

Bytes list16(std::initializer_list<std::uint16_t> values) {
  Bytes b;
  put16(b, values.size() * 2);
  for (auto v : values) put16(b, v);
  return b;
}

Bytes chrome_like_records(std::size_t fragment) {
  Bytes exts;
  ext(exts, 0x2a2a, {});
  const std::string_view host = "pool.example.com";
  Bytes sni;
  put16(sni, host.size() + 3);
  sni.push_back(0);
  put16(sni, host.size());
  sni.insert(sni.end(), host.begin(), host.end());
  ext(exts, 0x0000, sni);
  ext(exts, 0x0017, {});
  ext(exts, 0xff01, {0});
  ext(exts, 0x000a, list16({0x3a3a, 0x001d, 0x0017, 0x0018}));
  ext(exts, 0x000b, {1, 0});
  ext(exts, 0x0023, {});
  ext(exts, 0x0010, {0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'});
  ext(exts, 0x0005, {1, 0, 0, 0, 0});
  ext(exts, 0x000d, list16({0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}));
  ext(exts, 0x0012, {});
  Bytes key_share = {0, 36, 0, 0x1d, 0, 32};
  key_share.resize(key_share.size() + 32, 0x5c);
  ext(exts, 0x0033, key_share);
  ext(exts, 0x002d, {1, 1});
  ext(exts, 0x002b, {6, 0x5a, 0x5a, 3, 4, 3, 3});
  ext(exts, 0x001b, {2, 0, 2});
  ext(exts, 0x4469, {0, 3, 2, 'h', '2'});
  ext(exts, 0x0015, Bytes(40, 0));
  ext(exts, 0x1a1a, {0});

  Bytes body = {3, 3};
  body.resize(body.size() + 32, 0x42);
  body.push_back(32);
  body.resize(body.size() + 32, 0xa5);
  Bytes ciphers = list16({0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                          0xc014, 0x009c, 0x009d, 0x002f, 0x0035});
  body.insert(body.end(), ciphers.begin(), ciphers.end());
  body.push_back(1);
  body.push_back(0);
  put16(body, exts.size());
  body.insert(body.end(), exts.begin(), exts.end());

  Bytes handshake = {1, 0};
  put16(handshake, body.size());
  handshake.insert(handshake.end(), body.begin(), body.end());
  Bytes out;
  for (std::size_t off = 0; off < handshake.size(); off += fragment) {
    const std::size_t n = std::min(fragment, handshake.size() - off);
    out.push_back(22);
    put16(out, 0x0301);
    put16(out, n);
    out.insert(out.end(), handshake.begin() + static_cast<std::ptrdiff_t>(off),
               handshake.begin() + static_cast<std::ptrdiff_t>(off + n));
  }
  return out;
}

void BM_TlsClientHello(benchmark::State& state) {
  const Bytes stream = chrome_like_records(static_cast<std::size_t>(state.range(0)));
  tls::ClientHello hello;
  minewatch::Anomaly anomaly{};
  for (auto _ : state) {
    if (tls::parse_client_hello(stream, hello, anomaly) != tls::HelloStatus::Parsed) state.SkipWithError("not parsed");
    benchmark::DoNotOptimize(hello.ja4_bytes.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
}

BENCHMARK(BM_TlsClientHello)->Arg(16384)->Arg(100);

}  // namespace
