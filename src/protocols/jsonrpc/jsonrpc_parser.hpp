#pragma once
// Newline-delimited JSON-RPC as spoken by miners and pools: one line in, one typed MiningMessage out.
// JSON is parsed for real (simdjson DOM); the family is chosen from the method or the result's shape and
// the per-family interpreters (stratum/, cryptonote/, ethproxy/) fill the message.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/anomaly.hpp"
#include "protocols/mining_message.hpp"

namespace minewatch::protocols::jsonrpc {

struct RpcMessage;

// Longest line accepted; pools' mining.notify lines are a few KiB, getblocktemplate bodies more.
inline constexpr std::size_t kMaxLineBytes = 64 * 1024;

// Deterministic 64-bit FNV-1a, used for id_hash.
constexpr std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (char c : s) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

class JsonRpcParser {
 public:
  JsonRpcParser();
  ~JsonRpcParser();
  JsonRpcParser(JsonRpcParser&&) noexcept;
  JsonRpcParser& operator=(JsonRpcParser&&) noexcept;
  JsonRpcParser(const JsonRpcParser&) = delete;
  JsonRpcParser& operator=(const JsonRpcParser&) = delete;

  // One message without its '\n' (a trailing '\r' and surrounding whitespace are tolerated).
  //   Parsed    -> out holds a mining message (or a bare Result to pair with a pending request by id);
  //   NotMining -> valid JSON-RPC of something else (Electrum, wallet, web3, bitcoind ...);
  //   Malformed -> anomaly says why (JsonLineTooLong, JsonMalformed, JsonNotRpc, <family>BadParams).
  // String views in out point into this parser and are valid until the next call.
  ParseStatus parse_line(std::string_view line, MiningMessage& out, Anomaly& anomaly);

  // Lower level, for HTTP bodies: decode one JSON-RPC object without interpreting it. nullptr (and
  // anomaly set) when the text is too long, not JSON or not a JSON-RPC object. Valid until the next call.
  const RpcMessage* decode(std::string_view text, Anomaly& anomaly);

  // Interprets a decoded message as the line protocols do (Stratum, CryptoNote, EthProxy, bare results).
  static ParseStatus interpret(const RpcMessage& msg, MiningMessage& out, Anomaly& anomaly);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minewatch::protocols::jsonrpc
