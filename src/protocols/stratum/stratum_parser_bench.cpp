// Throughput of the line parser on typical Stratum traffic: a pool's mining.notify and a miner's submit.
#include <benchmark/benchmark.h>

#include <string_view>

#include "protocols/jsonrpc/jsonrpc_parser.hpp"

namespace {

using minewatch::protocols::MiningMessage;
using minewatch::protocols::ParseStatus;
using minewatch::protocols::jsonrpc::JsonRpcParser;

constexpr std::string_view kNotify =
    R"({"params": ["bf", "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000", "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008", "072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000", ["57351e8569cb9d036187a79fd1844fd930c1309efcd16c46af9bb9713b6ee734", "936ab9c33420f187acae660fcdb07ffdffa081273674f0f41e6ecc1347451d23"], "00000002", "1c2ac4af", "504e86b9", false], "id": null, "method": "mining.notify"})";
constexpr std::string_view kSubmit =
    R"({"params": ["slush.miner1", "bf", "00000001", "504e86ed", "b2957c02"], "id": 4, "method": "mining.submit"})";

void run(benchmark::State& state, std::string_view line) {
  JsonRpcParser parser;
  MiningMessage msg;
  minewatch::Anomaly anomaly{};
  for (auto _ : state) {
    auto status = parser.parse_line(line, msg, anomaly);
    if (status != ParseStatus::Parsed) state.SkipWithError("not parsed");
    benchmark::DoNotOptimize(msg);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(line.size()));
}

void BM_StratumNotify(benchmark::State& state) { run(state, kNotify); }
void BM_StratumSubmit(benchmark::State& state) { run(state, kSubmit); }

BENCHMARK(BM_StratumNotify);
BENCHMARK(BM_StratumSubmit);

}  // namespace
