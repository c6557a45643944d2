#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "decode/decoder.hpp"

namespace minewatch::decode {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put16(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}

Bytes tcp_segment(std::size_t payload) {
  Bytes b = {0xc3, 0x50, 0x0d, 0x05, 0, 0, 0x03, 0xe8, 0, 0, 0x07, 0xd0, 0x80, 0x18, 0xff, 0xff, 0, 0, 0, 0};
  // 12 bytes of options: NOP NOP timestamps, as most Linux segments carry.
  b.insert(b.end(), {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2});
  b.resize(b.size() + payload, 'x');
  return b;
}

Bytes ethernet_ipv4_tcp() {
  Bytes f = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00};
  const Bytes seg = tcp_segment(120);  // a typical stratum submit
  f.insert(f.end(), {0x45, 0});
  put16(f, static_cast<std::uint32_t>(20 + seg.size()));
  f.insert(f.end(), {0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 192, 0, 2, 2});
  f.insert(f.end(), seg.begin(), seg.end());
  return f;
}

Bytes ethernet_vlan_ipv6_tcp() {
  Bytes f = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x81, 0x00, 0x00, 0x64, 0x86, 0xDD};
  const Bytes seg = tcp_segment(120);
  f.insert(f.end(), {0x60, 0, 0, 0});
  put16(f, static_cast<std::uint32_t>(seg.size()));
  f.insert(f.end(), {6, 64});
  for (int i = 0; i < 32; ++i) f.push_back(static_cast<std::uint8_t>(i));
  f.insert(f.end(), seg.begin(), seg.end());
  return f;
}

void run(benchmark::State& state, const Bytes& bytes) {
  capture::Frame frame;
  frame.link_type = 1;
  frame.wire_len = static_cast<std::uint32_t>(bytes.size());
  frame.data = bytes;
  AnomalyCounters anomalies;
  PacketView view;
  for (auto _ : state) {
    benchmark::DoNotOptimize(frame.data.data());
    benchmark::DoNotOptimize(decode_frame(frame, view, anomalies));
    benchmark::DoNotOptimize(view);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}

void BM_DecodeEthernetIpv4Tcp(benchmark::State& state) { run(state, ethernet_ipv4_tcp()); }
void BM_DecodeEthernetVlanIpv6Tcp(benchmark::State& state) { run(state, ethernet_vlan_ipv6_tcp()); }
BENCHMARK(BM_DecodeEthernetIpv4Tcp);
BENCHMARK(BM_DecodeEthernetVlanIpv6Tcp);

}  // namespace
}  // namespace minewatch::decode
