// Framing and interpreting HTTP: a cgminer-style getwork POST, and the ordinary web traffic that is
// most of what an ISP link carries over HTTP (a browser's GET, the start of an HTML response whose
// body is skipped once its first bytes show it is not JSON-RPC).
#include <benchmark/benchmark.h>

#include <string>

#include "protocols/http/http_parser.hpp"

namespace {

using namespace minewatch::protocols;

const std::string kGetworkRequest =
    "POST / HTTP/1.1\r\nHost: pool.example:3333\r\nAuthorization: Basic dXNlci53b3JrZXI6eA==\r\nAccept: */*\r\n"
    "Content-type: application/json\r\nX-Mining-Extensions: longpoll midstate rollntime submitold\r\n"
    "Content-Length: 44\r\nUser-Agent: cgminer/4.10.0\r\n\r\n"
    R"({"method": "getwork", "params": [], "id":0})"
    "\n";
const std::string kBrowserGet =
    "GET /news/today.html HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\nAccept: */*\r\n"
    "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n";
const std::string kHtmlResponse =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Fri, 01 Mar 2024 00:00:00 GMT\r\n"
    "Content-Type: text/html; charset=utf-8\r\nContent-Length: 5120\r\nConnection: keep-alive\r\n\r\n"
    "<!DOCTYPE html><html><head><title>Example</title></head><body><p>Lorem ipsum dolor sit amet</p>";

// parse_message + interpret of `text`, which must frame; `mining`: and interpret to a mining message.
void parse_and_interpret(benchmark::State& state, const std::string& text, http::Role role, bool mining) {
  jsonrpc::JsonRpcParser json;
  http::HttpMessage msg;
  MiningMessage out;
  minewatch::Anomaly anomaly{};
  std::span<const std::uint8_t> stream(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  for (auto _ : state) {
    std::size_t consumed = 0;
    if (http::parse_message(stream, role, msg, consumed, anomaly) != http::HttpStatus::Parsed) {
      state.SkipWithError("not framed");
    }
    const ParseStatus st = http::interpret(msg, role, json, out, anomaly);
    if (mining && st != ParseStatus::Parsed) state.SkipWithError("not a mining message");
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}

void BM_HttpGetworkRequest(benchmark::State& state) {
  parse_and_interpret(state, kGetworkRequest, http::Role::Request, true);
}
BENCHMARK(BM_HttpGetworkRequest);
void BM_HttpBrowserGet(benchmark::State& state) { parse_and_interpret(state, kBrowserGet, http::Role::Request, false); }
BENCHMARK(BM_HttpBrowserGet);
void BM_HttpHtmlResponse(benchmark::State& state) {
  parse_and_interpret(state, kHtmlResponse, http::Role::Response, false);
}
BENCHMARK(BM_HttpHtmlResponse);

}  // namespace
