#include "protocols/ethproxy/ethproxy_parser.hpp"

#include "protocols/jsonrpc/rpc_message.hpp"
#include "protocols/target_math.hpp"

namespace minewatch::protocols::ethproxy {
namespace {

using jsonrpc::as_array;
using jsonrpc::string_at;
using jsonrpc::string_field;
using simdjson::dom::array;

bool is_0x_hex(std::string_view s, std::size_t min_digits, std::size_t max_digits) {
  if (s.size() < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  auto digits = s.substr(2);
  return digits.size() >= min_digits && digits.size() <= max_digits && is_hex(digits);
}

bool is_hash256(std::string_view s) { return is_0x_hex(s, 64, 64); }

ParseStatus bad(Anomaly& anomaly) {
  anomaly = Anomaly::EthproxyBadParams;
  return ParseStatus::Malformed;
}

ParseStatus parsed(MiningMessage& out, MessageKind kind) {
  out.family = Family::EthProxy;
  out.kind = kind;
  return ParseStatus::Parsed;
}

std::optional<array> params_array(const jsonrpc::RpcMessage& msg) {
  if (!msg.has_params) return std::nullopt;
  return as_array(msg.params);
}

}  // namespace

bool EthproxyParser::owns_method(std::string_view method) {
  return method == "eth_submitLogin" || method == "eth_getWork" || method == "eth_submitWork" ||
         method == "eth_submitHashrate";
}

ParseStatus EthproxyParser::interpret_request(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly) {
  const std::string_view m = msg.method;
  if (m == "eth_getWork") {
    if (msg.has_params && !jsonrpc::is_null(msg.params) && !jsonrpc::is_array(msg.params)) return bad(anomaly);
    return parsed(out, MessageKind::GetWork);
  }
  if (m == "eth_submitLogin") {
    // [wallet(.worker), password]; Claymore adds a top-level "worker": "eth1.0".
    auto p = params_array(msg);
    if (!p) return bad(anomaly);
    auto login = string_at(*p, 0);
    if (!login) return bad(anomaly);
    out.login = *login;
    if (auto worker = string_field(msg.root, "worker"); worker && !worker->empty()) out.worker = *worker;
    return parsed(out, MessageKind::SubmitLogin);
  }
  if (m == "eth_submitWork") {
    // [nonce (0x + 16 hex), headerhash, mixhash]
    auto p = params_array(msg);
    if (!p || p->size() < 3) return bad(anomaly);
    for (std::size_t i = 0; i < 3; ++i) {
      auto s = string_at(*p, i);
      if (!s || !is_0x_hex(*s, 1, 64)) return bad(anomaly);
    }
    return parsed(out, MessageKind::SubmitWork);
  }
  if (m == "eth_submitHashrate") {
    // [hashrate (0x-hex H/s), client id (0x + 64 hex)]: params[0] is the miner's own hashrate.
    auto p = params_array(msg);
    if (!p) return bad(anomaly);
    auto rate_hex = string_at(*p, 0);
    if (!rate_hex || !is_0x_hex(*rate_hex, 1, 64)) return bad(anomaly);
    out.self_hashrate = *hex_be_to_double(*rate_hex);
    return parsed(out, MessageKind::SubmitHashrate);
  }
  return ParseStatus::NotMining;
}

bool EthproxyParser::interpret_result(const jsonrpc::RpcMessage& msg, MiningMessage& out) {
  if (!msg.has_result) return false;
  auto result = as_array(msg.result);
  if (!result || result->size() < 3) return false;
  auto header = string_at(*result, 0);
  auto seed = string_at(*result, 1);
  auto boundary = string_at(*result, 2);
  if (!header || !seed || !boundary || !is_hash256(*header) || !is_hash256(*seed) || !is_0x_hex(*boundary, 1, 64)) {
    return false;
  }
  if (auto work = work_from_target256(*hex_be_to_double(*boundary))) {
    out.target_work = *work;
    out.difficulty = *work;
  }
  out.family = Family::EthProxy;
  out.kind = MessageKind::WorkPackage;
  return true;
}

}  // namespace minewatch::protocols::ethproxy
