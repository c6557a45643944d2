#pragma once
// HTTP/1.x over a reassembled TCP byte stream, for getwork / getblocktemplate / Ethereum getwork mining:
// parse_message() frames one message (request or response) without allocating; interpret() turns a
// framed message into a MiningMessage (family HttpGetwork) or says it is not mining.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/anomaly.hpp"
#include "protocols/jsonrpc/jsonrpc_parser.hpp"
#include "protocols/mining_message.hpp"

namespace minewatch::protocols::http {

enum class Role : std::uint8_t { Request, Response };
enum class HttpStatus : std::uint8_t { Parsed, NeedMore, Malformed };

inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;  // start line + headers + blank line
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;    // body kept for interpretation
inline constexpr std::size_t kMaxBasicUserBytes = 128;

// True when a header was present (even with an empty value): its view then points into the stream.
constexpr bool has_header(std::string_view value) { return value.data() != nullptr; }

struct HttpMessage {
  // Start line. Request: method, target. Response: status_code, reason.
  std::string_view method;
  std::string_view target;
  std::uint16_t status_code = 0;
  std::string_view reason;
  std::uint8_t version_minor = 1;  // HTTP/1.<minor>
  // Headers of interest (names matched case-insensitively), values trimmed; views into the stream.
  std::string_view host;
  std::string_view user_agent;
  std::string_view content_type;
  std::string_view authorization;
  std::string_view transfer_encoding;
  std::string_view x_mining_extensions;  // cgminer lineage: "longpoll midstate rollntime submitold"
  std::string_view x_mining_hashrate;    // miner's own H/s
  std::string_view x_stratum;            // server: stratum URL to switch to
  std::string_view x_long_polling;       // server: long-poll path
  std::string_view x_roll_ntime;         // server: ntime rolling allowed
  bool has_content_length = false;
  std::uint64_t content_length = 0;
  bool chunked = false;
  std::size_t header_count = 0;
  // Body: a view into the stream. Chunked bodies show their first non-empty chunk. body_truncated when
  // the body exceeds kMaxBodyBytes or has further chunks; body_until_close for a response framed by
  // connection close (no Content-Length, not chunked): the body is what the stream held.
  std::string_view body;
  bool body_truncated = false;
  bool body_until_close = false;
  // User name decoded from "Authorization: Basic base64(user:password)"; the password is dropped.
  std::array<char, kMaxBasicUserBytes> basic_user_bytes{};
  std::size_t basic_user_size = 0;

  [[nodiscard]] std::string_view basic_user() const { return {basic_user_bytes.data(), basic_user_size}; }
};

// Frames the message at the start of `stream`.
//   Parsed: out describes it and `consumed` is its length; when a Content-Length body exceeds
//     kMaxBodyBytes, body is truncated, anomaly = HttpBodyTooLong and `consumed` (header + full
//     Content-Length) may exceed stream.size(): the caller skips the rest as it arrives.
//   NeedMore: the message is incomplete. Malformed: anomaly = HttpMalformed / HttpHeaderTooLong /
//     HttpBodyTooLong (an unfinished chunked body longer than kMaxBodyBytes).
HttpStatus parse_message(std::span<const std::uint8_t> stream, Role role, HttpMessage& out, std::size_t& consumed,
                         Anomaly& anomaly);

// Mining meaning of a framed message; string views in out point into msg's stream, msg itself (login
// from Basic auth) and json's buffer. Requests: a JSON-RPC body calling getwork (no params -> GetWork,
// data -> SubmitWork), getblocktemplate, submitblock or eth_getWork / eth_submitWork / eth_submitHashrate /
// eth_submitLogin, or any request carrying X-Mining-Extensions (-> GetWork). Responses: a getwork result
// {data, target} (-> WorkPackage), a getblocktemplate result (-> BlockTemplate), an Ethereum work package,
// or X-Stratum / X-Long-Polling / X-Roll-Ntime headers (-> Result, family HttpGetwork). A bare
// true/false/null/error response is a Result with family Unknown (pair it with the request). Everything
// else, e.g. web3 JSON-RPC to an Ethereum node, is NotMining.
ParseStatus interpret(const HttpMessage& msg, Role role, jsonrpc::JsonRpcParser& json, MiningMessage& out,
                      Anomaly& anomaly);

}  // namespace minewatch::protocols::http
