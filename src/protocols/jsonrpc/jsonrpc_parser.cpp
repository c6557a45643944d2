#include "protocols/jsonrpc/jsonrpc_parser.hpp"

#include <charconv>
#include <cstring>

#include "protocols/cryptonote/cryptonote_parser.hpp"
#include "protocols/ethproxy/ethproxy_parser.hpp"
#include "protocols/jsonrpc/rpc_message.hpp"
#include "protocols/stratum/stratum_parser.hpp"

namespace minewatch::protocols::jsonrpc {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Ids are scalars in practice; structured ids are hashed to this depth, deeper parts as a marker.
constexpr int kMaxIdDepth = 16;

constexpr bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

template <typename T>
std::uint64_t hash_number(T v, std::uint64_t h) {
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc{}) return fnv1a64("?", h);
  return fnv1a64(std::string_view(buf, static_cast<std::size_t>(end - buf)), h);
}

// FNV-1a over the id's compact JSON text (strings as their decoded content in quotes), so a request
// and its response hash alike whatever whitespace either side used.
std::uint64_t hash_json(element e, std::uint64_t h, int depth) {
  if (depth > kMaxIdDepth) return fnv1a64("...", h);
  switch (e.type()) {
    case element_type::STRING: {
      std::string_view s;
      if (e.get_string().get(s) != simdjson::SUCCESS) return fnv1a64("?", h);
      return fnv1a64("\"", fnv1a64(s, fnv1a64("\"", h)));
    }
    case element_type::INT64: {
      std::int64_t v = 0;
      if (e.get_int64().get(v) != simdjson::SUCCESS) return fnv1a64("?", h);
      return hash_number(v, h);
    }
    case element_type::UINT64: {
      std::uint64_t v = 0;
      if (e.get_uint64().get(v) != simdjson::SUCCESS) return fnv1a64("?", h);
      return hash_number(v, h);
    }
    case element_type::DOUBLE: {
      double v = 0;
      if (e.get_double().get(v) != simdjson::SUCCESS) return fnv1a64("?", h);
      return hash_number(v, h);
    }
    case element_type::BOOL: {
      bool v = false;
      if (e.get_bool().get(v) != simdjson::SUCCESS) return fnv1a64("?", h);
      return fnv1a64(v ? "true" : "false", h);
    }
    case element_type::NULL_VALUE: return fnv1a64("null", h);
    case element_type::ARRAY: {
      simdjson::dom::array a;
      if (e.get_array().get(a) != simdjson::SUCCESS) return fnv1a64("?", h);
      h = fnv1a64("[", h);
      bool first = true;
      for (element child : a) {
        if (!first) h = fnv1a64(",", h);
        first = false;
        h = hash_json(child, h, depth + 1);
      }
      return fnv1a64("]", h);
    }
    case element_type::OBJECT: {
      simdjson::dom::object o;
      if (e.get_object().get(o) != simdjson::SUCCESS) return fnv1a64("?", h);
      h = fnv1a64("{", h);
      bool first = true;
      for (auto kv : o) {
        if (!first) h = fnv1a64(",", h);
        first = false;
        h = fnv1a64("\":", fnv1a64(kv.key, fnv1a64("\"", h)));
        h = hash_json(kv.value, h, depth + 1);
      }
      return fnv1a64("}", h);
    }
  }
  return h;
}

ParseStatus result(MiningMessage& out, Outcome outcome) {
  out.kind = MessageKind::Result;
  out.outcome = outcome;
  return ParseStatus::Parsed;
}

}  // namespace

struct JsonRpcParser::Impl {
  simdjson::dom::parser parser{kMaxLineBytes};
  std::unique_ptr<char[]> buffer{new char[kMaxLineBytes + simdjson::SIMDJSON_PADDING]};
  RpcMessage msg;
  bool allocated = false;

  Impl() {
    // Allocate the DOM once for the longest line so parse_line never allocates afterwards.
    allocated = parser.allocate(kMaxLineBytes) == simdjson::SUCCESS;
    std::memset(buffer.get(), 0, kMaxLineBytes + simdjson::SIMDJSON_PADDING);
  }
};

JsonRpcParser::JsonRpcParser() : impl_(std::make_unique<Impl>()) {}
JsonRpcParser::~JsonRpcParser() = default;
JsonRpcParser::JsonRpcParser(JsonRpcParser&&) noexcept = default;
JsonRpcParser& JsonRpcParser::operator=(JsonRpcParser&&) noexcept = default;

const RpcMessage* JsonRpcParser::decode(std::string_view text, Anomaly& anomaly) {
  if (text.size() > kMaxLineBytes) {
    anomaly = Anomaly::JsonLineTooLong;
    return nullptr;
  }
  text = trim(text);
  if (text.empty() || !impl_->allocated) {
    anomaly = Anomaly::JsonMalformed;
    return nullptr;
  }
  std::memcpy(impl_->buffer.get(), text.data(), text.size());
  element root;
  if (impl_->parser.parse(impl_->buffer.get(), text.size(), false).get(root) != simdjson::SUCCESS) {
    anomaly = Anomaly::JsonMalformed;
    return nullptr;
  }
  RpcMessage& m = impl_->msg;
  m = RpcMessage{};
  if (root.get_object().get(m.root) != simdjson::SUCCESS) {
    anomaly = Anomaly::JsonNotRpc;
    return nullptr;
  }
  element id;
  bool has_id_key = false;
  for (auto kv : m.root) {
    if (kv.key == "method") {
      if (kv.value.get_string().get(m.method) != simdjson::SUCCESS) {
        anomaly = Anomaly::JsonNotRpc;  // a non-string "method" is not JSON-RPC
        return nullptr;
      }
      m.has_method = true;
    } else if (kv.key == "params") {
      m.params = kv.value;
      m.has_params = true;
    } else if (kv.key == "result") {
      m.result = kv.value;
      m.has_result = true;
    } else if (kv.key == "error") {
      m.error = kv.value;
      m.has_error = true;
    } else if (kv.key == "id") {
      id = kv.value;
      has_id_key = true;
    }
  }
  if (!m.has_method && !m.has_result && !m.has_error) {
    anomaly = Anomaly::JsonNotRpc;
    return nullptr;
  }
  if (has_id_key && !is_null(id)) {
    m.has_id = true;
    m.id_hash = hash_json(id, 0xcbf29ce484222325ULL, 0);
  }
  return &m;
}

ParseStatus JsonRpcParser::interpret(const RpcMessage& msg, MiningMessage& out, Anomaly& anomaly) {
  out = MiningMessage{};
  out.has_id = msg.has_id;
  out.id_hash = msg.id_hash;
  if (msg.has_method) {
    if (stratum::StratumParser::owns_method(msg.method)) {
      return stratum::StratumParser::interpret_request(msg, out, anomaly);
    }
    if (ethproxy::EthproxyParser::owns_method(msg.method)) {
      return ethproxy::EthproxyParser::interpret_request(msg, out, anomaly);
    }
    if (cryptonote::CryptonoteParser::owns_method(msg.method)) {
      return cryptonote::CryptonoteParser::interpret_request(msg, out, anomaly);
    }
    return ParseStatus::NotMining;
  }
  // A response. An error wins over any result; bare true/false/null results are kept only so the
  // session can pair them with its own pending requests by id.
  if (msg.has_error && !is_null(msg.error)) return result(out, Outcome::Rejected);
  if (!msg.has_result || is_null(msg.result)) {
    auto st = result(out, Outcome::None);
    out.null_result = msg.has_result;
    return st;
  }
  if (msg.result.type() == element_type::BOOL) {
    bool ok = false;
    if (msg.result.get_bool().get(ok) != simdjson::SUCCESS) return ParseStatus::NotMining;
    return result(out, ok ? Outcome::Accepted : Outcome::Rejected);
  }
  if (stratum::StratumParser::interpret_result(msg, out)) return ParseStatus::Parsed;
  if (ethproxy::EthproxyParser::interpret_result(msg, out)) return ParseStatus::Parsed;
  if (cryptonote::CryptonoteParser::interpret_result(msg, out)) return ParseStatus::Parsed;
  out = MiningMessage{};
  return ParseStatus::NotMining;
}

ParseStatus JsonRpcParser::parse_line(std::string_view line, MiningMessage& out, Anomaly& anomaly) {
  const RpcMessage* msg = decode(line, anomaly);
  if (msg == nullptr) {
    out = MiningMessage{};
    return ParseStatus::Malformed;
  }
  return interpret(*msg, out, anomaly);
}

}  // namespace minewatch::protocols::jsonrpc
