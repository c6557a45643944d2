// Framing and interpreting a cgminer-style getwork POST.
#include <benchmark/benchmark.h>

#include <string>

#include "protocols/http/http_parser.hpp"

namespace {

using namespace minewatch::protocols;

const std::string kRequest =
    "POST / HTTP/1.1\r\nHost: pool.example:3333\r\nAuthorization: Basic dXNlci53b3JrZXI6eA==\r\nAccept: */*\r\n"
    "Content-type: application/json\r\nX-Mining-Extensions: longpoll midstate rollntime submitold\r\n"
    "Content-Length: 44\r\nUser-Agent: cgminer/4.10.0\r\n\r\n"
    R"({"method": "getwork", "params": [], "id":0})"
    "\n";

void BM_HttpGetworkRequest(benchmark::State& state) {
  jsonrpc::JsonRpcParser json;
  http::HttpMessage msg;
  MiningMessage out;
  minewatch::Anomaly anomaly{};
  std::span<const std::uint8_t> stream(reinterpret_cast<const std::uint8_t*>(kRequest.data()), kRequest.size());
  for (auto _ : state) {
    std::size_t consumed = 0;
    if (http::parse_message(stream, http::Role::Request, msg, consumed, anomaly) != http::HttpStatus::Parsed ||
        http::interpret(msg, http::Role::Request, json, out, anomaly) != ParseStatus::Parsed) {
      state.SkipWithError("not parsed");
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kRequest.size()));
}

BENCHMARK(BM_HttpGetworkRequest);

}  // namespace
