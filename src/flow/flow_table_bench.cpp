// Flow lookup and in-order reassembly: the per-packet costs of the flow stage.
#include <benchmark/benchmark.h>

#include <vector>

#include "decode/packet_view.hpp"
#include "flow/flow_table.hpp"
#include "flow/tcp_reassembler.hpp"

namespace {

using namespace minewatch;

std::vector<FlowKey> make_keys(std::size_t n) {
  std::vector<FlowKey> keys;
  keys.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t a[4] = {10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                         static_cast<std::uint8_t>(i)};
    std::uint8_t b[4] = {203, 0, 113, static_cast<std::uint8_t>(i * 7)};
    Direction d;
    keys.push_back(
        FlowKey::make(IpAddress::v4(a), static_cast<std::uint16_t>(1024 + i % 60000), IpAddress::v4(b), 443, 6, d));
  }
  return keys;
}

void BM_FlowTableLookupHit(benchmark::State& state) {
  auto n = static_cast<std::size_t>(state.range(0));
  auto keys = make_keys(n);
  flow::FlowTable<std::uint64_t> table(static_cast<std::uint32_t>(n));
  for (auto& k : keys) table.insert(k, k.hash(), Timestamp{0});
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& k = keys[i];
    auto* e = table.find(k, k.hash());
    table.touch(*e, Timestamp{static_cast<std::int64_t>(i)});
    benchmark::DoNotOptimize(e);
    i = (i + 7919) % n;  // stride through the table, not in insertion order
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_FlowTableLookupHit)->Arg(10'000)->Arg(1'000'000);

// Keying a batch of 256 decoded packets, as Engine::run_prefetched does before each batch: the key built
// and returned by make(), copied and hashed from the copy (range 0: how the engine keyed packets until
// stop 24), or hashed from the packet's words and written in place (range 1: FlowKey::make_into).
void BM_FlowKeyBatch(benchmark::State& state) {
  struct Lookup {
    FlowKey key;
    std::uint64_t hash = 0;
    Direction dir = Direction::AtoB;
  };
  std::vector<decode::PacketView> pkts(256);
  for (std::size_t i = 0; i < pkts.size(); ++i) {
    std::uint8_t a[4] = {10, 1, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    std::uint8_t b[4] = {203, 0, 113, static_cast<std::uint8_t>(i * 7)};
    const bool up = i % 2 == 0;
    pkts[i].src = IpAddress::v4(up ? a : b);
    pkts[i].dst = IpAddress::v4(up ? b : a);
    pkts[i].sport = static_cast<std::uint16_t>(up ? 40000 + i : 443);
    pkts[i].dport = static_cast<std::uint16_t>(up ? 443 : 40000 + i);
    pkts[i].proto = 6;
  }
  std::vector<Lookup> flows(pkts.size());
  const bool in_place = state.range(0) == 1;
  for (auto _ : state) {
    for (std::size_t k = 0; k < pkts.size(); ++k) {
      const decode::PacketView& p = pkts[k];
      if (in_place) {
        flows[k].hash = FlowKey::make_into(p.src, p.sport, p.dst, p.dport, p.proto, flows[k].dir, flows[k].key);
      } else {
        Lookup l;
        l.key = FlowKey::make(p.src, p.sport, p.dst, p.dport, p.proto, l.dir);
        l.hash = l.key.hash();
        flows[k] = l;
      }
    }
    benchmark::DoNotOptimize(flows.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * pkts.size()));
}
BENCHMARK(BM_FlowKeyBatch)->Arg(0)->Arg(1);

void BM_FlowTableInsertErase(benchmark::State& state) {
  auto keys = make_keys(1 << 16);
  flow::FlowTable<std::uint64_t> table(1 << 16);
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& k = keys[i];
    auto& e = table.insert(k, k.hash(), Timestamp{0});
    table.erase(e);
    i = (i + 1) & 0xffff;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_FlowTableInsertErase);

struct NullSink final : flow::StreamSink {
  std::size_t bytes = 0;
  void on_stream_data(std::span<const std::uint8_t> b) override { bytes += b.size(); }
  void on_stream_gap(std::uint32_t) override {}
};

void BM_ReassemblyInOrder(benchmark::State& state) {
  std::vector<std::uint8_t> seg(static_cast<std::size_t>(state.range(0)), 'x');
  flow::TcpReassembler r;
  NullSink sink;
  AnomalyCounters anomalies;
  r.on_syn(0);
  std::uint32_t seq = 1;
  for (auto _ : state) {
    r.on_segment(seq, seg, sink, anomalies);
    seq += static_cast<std::uint32_t>(seg.size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * seg.size()));
}
BENCHMARK(BM_ReassemblyInOrder)->Arg(100)->Arg(1460);

void BM_ReassemblySwappedPairs(benchmark::State& state) {
  std::vector<std::uint8_t> seg(1460, 'x');
  flow::TcpReassembler r;
  NullSink sink;
  AnomalyCounters anomalies;
  r.on_syn(0);
  std::uint32_t seq = 1;
  for (auto _ : state) {
    r.on_segment(seq + 1460, seg, sink, anomalies);  // arrives early, is buffered
    r.on_segment(seq, seg, sink, anomalies);         // fills the hole, both delivered
    seq += 2 * 1460;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 2));
}
BENCHMARK(BM_ReassemblySwappedPairs);

}  // namespace
