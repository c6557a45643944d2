#include "protocols/stratum/stratum_parser.hpp"

#include <cmath>

#include "protocols/jsonrpc/rpc_message.hpp"
#include "protocols/target_math.hpp"

namespace minewatch::protocols::stratum {
namespace {

using jsonrpc::as_array;
using jsonrpc::as_number;
using jsonrpc::as_string;
using jsonrpc::at;
using jsonrpc::string_at;
using simdjson::dom::array;

// mining.notify param counts seen in the wild: EthereumStratum 4, KawPoW/ProgPoW 5-8, Equihash 8,
// SHA-256d/Scrypt 9, some altcoins add a few more.
constexpr std::size_t kMinNotifyParams = 4;
constexpr std::size_t kMaxNotifyParams = 16;

bool starts_with_letter(std::string_view s) {
  return !s.empty() && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'));
}

// "EthereumStratum/1.0.0", "NiceHash/1.0.0": a protocol name with a version, not a session id (hex).
bool looks_like_protocol_variant(std::string_view s) {
  auto slash = s.find('/');
  return starts_with_letter(s) && slash != std::string_view::npos && slash + 1 < s.size();
}

// A DNS name or address literal as miners put in subscribe params[2]: letters, digits, '.', '-', ':'.
bool looks_like_host(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  bool has_separator = false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (c == '.' || c == ':') has_separator = true;
    if (!ok && c != '.' && c != ':') return false;
  }
  return has_separator;
}

bool is_job_id(simdjson::dom::element e) { return jsonrpc::is_string(e) || jsonrpc::is_number(e); }

std::optional<array> params_array(const jsonrpc::RpcMessage& msg) {
  if (!msg.has_params) return std::nullopt;
  return as_array(msg.params);
}

ParseStatus bad(Anomaly& anomaly) {
  anomaly = Anomaly::StratumBadParams;
  return ParseStatus::Malformed;
}

ParseStatus parsed(MiningMessage& out, MessageKind kind) {
  out.family = Family::Stratum;
  out.kind = kind;
  return ParseStatus::Parsed;
}

ParseStatus subscribe(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly) {
  // Params may be absent or empty (old cpuminer); otherwise an array.
  if (msg.has_params && !jsonrpc::is_null(msg.params)) {
    auto p = as_array(msg.params);
    if (!p) return bad(anomaly);
    if (auto agent = string_at(*p, 0)) out.agent = *agent;
    if (auto second = string_at(*p, 1); second && looks_like_protocol_variant(*second)) out.protocol_variant = *second;
    if (auto host = string_at(*p, 2); host && looks_like_host(*host)) out.pool_host = *host;
  }
  return parsed(out, MessageKind::Subscribe);
}

ParseStatus authorize(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly) {
  auto p = params_array(msg);
  if (!p) return bad(anomaly);
  auto login = string_at(*p, 0);
  if (!login) return bad(anomaly);
  out.login = *login;  // "account.worker" kept whole: splitting is the consumer's policy
  return parsed(out, MessageKind::Authorize);
}

ParseStatus submit(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly) {
  // [worker, job_id, extranonce2, ntime, nonce, (version_bits)] or EthereumStratum [worker, job_id, nonce].
  auto p = params_array(msg);
  if (!p || p->size() < 3) return bad(anomaly);
  auto worker = string_at(*p, 0);
  auto job = at(*p, 1);
  if (!worker || !job || !is_job_id(*job)) return bad(anomaly);
  out.login = *worker;
  return parsed(out, MessageKind::Submit);
}

ParseStatus notify(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly) {
  auto p = params_array(msg);
  if (!p || p->size() < kMinNotifyParams || p->size() > kMaxNotifyParams) return bad(anomaly);
  auto job = at(*p, 0);
  if (!job || !is_job_id(*job)) return bad(anomaly);
  return parsed(out, MessageKind::Notify);
}

ParseStatus set_difficulty(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly) {
  auto p = params_array(msg);
  if (!p) return bad(anomaly);
  auto first = at(*p, 0);
  if (!first) return bad(anomaly);
  auto d = as_number(*first);
  if (!d || !std::isfinite(*d) || *d <= 0) return bad(anomaly);
  out.difficulty = *d;  // pool units; work per share = d * multiplier(algorithm), e.g. 2^32 for SHA-256d
  return parsed(out, MessageKind::SetDifficulty);
}

ParseStatus set_target(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly) {
  // Equihash pools: ["<256-bit big-endian hex target>"]. target_work = 2^256 / target attempts
  // (Equihash solutions) per share; difficulty on the Bitcoin difficulty-1 scale = target_work / 2^32.
  auto p = params_array(msg);
  if (!p) return bad(anomaly);
  auto hex = string_at(*p, 0);
  if (!hex) return bad(anomaly);
  auto target = hex_be_to_double(*hex);
  if (!target) return bad(anomaly);
  auto work = work_from_target256(*target);
  if (!work) return bad(anomaly);
  out.target_work = *work;
  out.difficulty = *work / kTwoPow32;
  return parsed(out, MessageKind::SetTarget);
}

ParseStatus suggest_difficulty(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly) {
  auto p = params_array(msg);
  if (!p) return bad(anomaly);
  if (auto first = at(*p, 0)) {
    if (auto d = as_number(*first); d && std::isfinite(*d) && *d > 0) out.difficulty = *d;
  }
  return parsed(out, MessageKind::SuggestDifficulty);
}

ParseStatus reconnect(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly) {
  // [host, port, wait] or [] (reconnect to the same pool).
  if (msg.has_params && !jsonrpc::is_null(msg.params)) {
    auto p = as_array(msg.params);
    if (!p) return bad(anomaly);
    if (auto host = string_at(*p, 0); host && looks_like_host(*host)) out.redirect_url = *host;
  }
  return parsed(out, MessageKind::Reconnect);
}

// Methods whose params we only require to be an array (or absent).
ParseStatus array_params(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly, MessageKind kind) {
  if (msg.has_params && !jsonrpc::is_null(msg.params) && !jsonrpc::is_array(msg.params)) return bad(anomaly);
  return parsed(out, kind);
}

bool is_subscription_pair(simdjson::dom::element e) {
  auto a = as_array(e);
  if (!a) return false;
  auto name = string_at(*a, 0);
  return name && name->starts_with("mining.");
}

}  // namespace

bool StratumParser::owns_method(std::string_view method) {
  return method.starts_with("mining.") || method.starts_with("client.");
}

ParseStatus StratumParser::interpret_request(const jsonrpc::RpcMessage& msg, MiningMessage& out, Anomaly& anomaly) {
  const std::string_view m = msg.method;
  if (m == "mining.subscribe") return subscribe(msg, out, anomaly);
  if (m == "mining.authorize") return authorize(msg, out, anomaly);
  if (m == "mining.submit") return submit(msg, out, anomaly);
  if (m == "mining.notify") return notify(msg, out, anomaly);
  if (m == "mining.set_difficulty") return set_difficulty(msg, out, anomaly);
  if (m == "mining.set_target") return set_target(msg, out, anomaly);
  if (m == "mining.suggest_difficulty") return suggest_difficulty(msg, out, anomaly);
  if (m == "mining.configure") return array_params(msg, out, anomaly, MessageKind::Configure);
  if (m == "mining.extranonce.subscribe") return array_params(msg, out, anomaly, MessageKind::ExtranonceSubscribe);
  if (m == "mining.get_transactions") return array_params(msg, out, anomaly, MessageKind::GetTransactions);
  if (m == "mining.set_extranonce") return array_params(msg, out, anomaly, MessageKind::SetExtranonce);
  if (m == "client.show_message") return array_params(msg, out, anomaly, MessageKind::ShowMessage);
  if (m == "client.reconnect") return reconnect(msg, out, anomaly);
  return ParseStatus::NotMining;
}

bool StratumParser::interpret_result(const jsonrpc::RpcMessage& msg, MiningMessage& out) {
  if (!msg.has_result) return false;
  auto result = as_array(msg.result);
  if (!result) return false;
  auto first = at(*result, 0);
  if (!first) return false;
  // Subscriptions: result[0] is a list of pairs, or one flat pair; a bare flat pair as the whole result
  // is accepted too.
  std::optional<array> flat;
  if (is_subscription_pair(*first)) {
    flat = as_array(*first);  // [["mining.notify", id, ("EthereumStratum/1.0.0")], extranonce1, ...]
  } else if (auto nested = as_array(*first)) {
    auto pair = at(*nested, 0);
    if (!pair || !is_subscription_pair(*pair)) return false;
  } else if (auto name = as_string(*first); name && name->starts_with("mining.")) {
    flat = result;  // ["mining.notify", id, ...]
  } else {
    return false;
  }
  if (flat) {
    for (auto e : *flat) {
      if (auto s = as_string(e); s && s->starts_with("EthereumStratum")) out.protocol_variant = *s;
    }
  }
  out.family = Family::Stratum;
  out.kind = MessageKind::SubscribeResult;
  return true;
}

}  // namespace minewatch::protocols::stratum
