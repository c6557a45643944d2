#include "protocols/http/http_parser.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

#include "protocols/ethproxy/ethproxy_parser.hpp"
#include "protocols/jsonrpc/rpc_message.hpp"
#include "protocols/target_math.hpp"

namespace minewatch::protocols::http {
namespace {

constexpr std::size_t kMaxMethodBytes = 16;
// Chunk framing (size lines, CRLFs, trailers) allowed on top of kMaxBodyBytes of chunk data.
constexpr std::size_t kMaxChunkOverheadBytes = 4096;

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool icontains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

constexpr bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 9110 token characters.
constexpr bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

// Next line of `text` from `pos` without its "\n" / "\r\n"; nullopt when no '\n' yet.
std::optional<std::string_view> next_line(std::string_view text, std::size_t& pos) {
  auto nl = text.find('\n', pos);
  if (nl == std::string_view::npos) return std::nullopt;
  auto line = text.substr(pos, nl - pos);
  pos = nl + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Can `prefix` (possibly incomplete) still be the start of a start line for `role`?
bool plausible_start(std::string_view prefix, Role role) {
  if (role == Role::Response) {
    constexpr std::string_view kHttp = "HTTP/";
    auto n = std::min(prefix.size(), kHttp.size());
    return prefix.substr(0, n) == kHttp.substr(0, n);
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i] == ' ') return i > 0;
    if (!is_upper(prefix[i]) || i >= kMaxMethodBytes) return false;
  }
  return true;
}

bool parse_version(std::string_view v, HttpMessage& out) {
  if (v.size() != 8 || v.substr(0, 7) != "HTTP/1." || !is_digit(v[7])) return false;
  out.version_minor = static_cast<std::uint8_t>(v[7] - '0');
  return true;
}

bool parse_request_line(std::string_view line, HttpMessage& out) {
  auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0 || sp1 > kMaxMethodBytes) return false;
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return false;
  out.method = line.substr(0, sp1);
  for (char c : out.method) {
    if (!is_upper(c)) return false;
  }
  out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  return parse_version(line.substr(sp2 + 1), out);
}

bool parse_status_line(std::string_view line, HttpMessage& out) {
  if (line.size() < 12 || !parse_version(line.substr(0, 8), out) || line[8] != ' ') return false;
  if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11])) return false;
  if (line.size() > 12 && line[12] != ' ') return false;
  out.status_code = static_cast<std::uint16_t>((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
  out.reason = line.size() > 13 ? line.substr(13) : std::string_view{};
  return true;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

constexpr int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// "Basic <base64(user:password)>" -> user into out.basic_user_bytes; nothing on any irregularity.
void decode_basic_user(std::string_view authorization, HttpMessage& out) {
  auto sp = authorization.find(' ');
  if (sp == std::string_view::npos || !iequals(authorization.substr(0, sp), "basic")) return;
  auto encoded = trim_ows(authorization.substr(sp + 1));
  std::uint32_t bits = 0;
  int nbits = 0;
  std::size_t n = 0;
  for (char c : encoded) {
    if (c == '=') break;
    int v = base64_value(c);
    if (v < 0) return;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      char byte = static_cast<char>((bits >> nbits) & 0xFF);
      if (byte == ':') {
        out.basic_user_size = n;
        return;
      }
      if (n == out.basic_user_bytes.size()) return;  // absurdly long user: keep nothing
      out.basic_user_bytes[n++] = byte;
    }
  }
  out.basic_user_size = n;  // no ':' : the whole credential is the user
}

enum class HeaderResult : std::uint8_t { Ok, Malformed };

HeaderResult apply_header(std::string_view name, std::string_view value, HttpMessage& out) {
  ++out.header_count;
  if (iequals(name, "Content-Length")) {
    auto n = parse_decimal(value);
    if (!n || (out.has_content_length && *n != out.content_length)) return HeaderResult::Malformed;
    out.has_content_length = true;
    out.content_length = *n;
    return HeaderResult::Ok;
  }
  // The headers a miner or pool reveals itself by; the first occurrence of each wins.
  static constexpr std::pair<std::string_view, std::string_view HttpMessage::*> kKept[] = {
      {"Transfer-Encoding", &HttpMessage::transfer_encoding},
      {"Host", &HttpMessage::host},
      {"User-Agent", &HttpMessage::user_agent},
      {"Content-Type", &HttpMessage::content_type},
      {"Authorization", &HttpMessage::authorization},
      {"X-Mining-Extensions", &HttpMessage::x_mining_extensions},
      {"X-Mining-Hashrate", &HttpMessage::x_mining_hashrate},
      {"X-Stratum", &HttpMessage::x_stratum},
      {"X-Long-Polling", &HttpMessage::x_long_polling},
      {"X-Roll-Ntime", &HttpMessage::x_roll_ntime},
  };
  for (const auto& [header, member] : kKept) {
    if (!iequals(name, header)) continue;
    if (!has_header(out.*member)) out.*member = value;
    if (member == &HttpMessage::transfer_encoding && icontains(value, "chunked")) out.chunked = true;
    break;
  }
  return HeaderResult::Ok;
}

HttpStatus fail(Anomaly& anomaly, Anomaly why) {
  anomaly = why;
  return HttpStatus::Malformed;
}

// Chunked body starting at text[pos]. Returns NeedMore/Malformed, or Parsed with end = one past the
// final CRLF.
HttpStatus parse_chunked(std::string_view text, std::size_t pos, HttpMessage& out, std::size_t& end, Anomaly& anomaly) {
  const std::size_t start = pos;
  const std::size_t limit = start + kMaxBodyBytes + kMaxChunkOverheadBytes;
  auto too_long = [&]() { return text.size() > limit; };
  while (true) {
    auto size_line = next_line(text, pos);
    if (!size_line) return too_long() ? fail(anomaly, Anomaly::HttpBodyTooLong) : HttpStatus::NeedMore;
    auto hex = size_line->substr(0, size_line->find(';'));
    hex = trim_ows(hex);
    if (hex.empty() || hex.size() > 8 || !is_hex(hex)) return fail(anomaly, Anomaly::HttpMalformed);
    std::uint64_t size = 0;
    for (char c : hex) size = size * 16 + static_cast<std::uint64_t>(hex_digit(c));
    if (size == 0) break;
    if (pos - start + size > kMaxBodyBytes + kMaxChunkOverheadBytes) return fail(anomaly, Anomaly::HttpBodyTooLong);
    if (text.size() - pos < size + 1) return HttpStatus::NeedMore;
    auto data = text.substr(pos, size);
    if (out.body.empty()) {
      out.body = data;
    } else {
      out.body_truncated = true;
    }
    pos += size;
    auto crlf = next_line(text, pos);
    if (!crlf) return HttpStatus::NeedMore;
    if (!crlf->empty()) return fail(anomaly, Anomaly::HttpMalformed);
  }
  // Trailer section ends with an empty line.
  while (true) {
    auto trailer = next_line(text, pos);
    if (!trailer) return too_long() ? fail(anomaly, Anomaly::HttpBodyTooLong) : HttpStatus::NeedMore;
    if (trailer->empty()) break;
  }
  end = pos;
  return HttpStatus::Parsed;
}

// False when the first non-blank byte shows the text is not a JSON object or array (nor blank).
bool json_start_possible(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return true;
}

bool status_has_no_body(std::uint16_t code) { return (code >= 100 && code < 200) || code == 204 || code == 304; }

// --- interpretation -------------------------------------------------------------------------------

using jsonrpc::as_array;
using jsonrpc::as_object;
using jsonrpc::field;
using jsonrpc::string_at;
using jsonrpc::string_field;

void fill_from_headers(const HttpMessage& msg, MiningMessage& out) {
  out.family = Family::HttpGetwork;
  if (out.pool_host.empty()) out.pool_host = msg.host;
  if (out.agent.empty()) out.agent = msg.user_agent;
  if (out.login.empty()) out.login = msg.basic_user();
  if (!msg.x_mining_hashrate.empty() && out.self_hashrate == 0) {
    double rate = 0;
    auto v = msg.x_mining_hashrate;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), rate);
    if (ec == std::errc{} && ptr == v.data() + v.size() && std::isfinite(rate) && rate > 0) out.self_hashrate = rate;
  }
  if (!msg.x_stratum.empty()) out.redirect_url = msg.x_stratum;
}

void set_work_from_target(double target, MiningMessage& out) {
  if (auto work = work_from_target256(target)) {
    out.target_work = *work;
    out.difficulty = *work / kTwoPow32;
  }
}

ParseStatus interpret_request(const HttpMessage& msg, jsonrpc::JsonRpcParser& json, MiningMessage& out,
                              Anomaly& anomaly) {
  Anomaly body_anomaly{};  // a body that is not JSON-RPC is ordinary web traffic, not an anomaly
  const jsonrpc::RpcMessage* rpc =
      !msg.body.empty() && json_start_possible(msg.body) ? json.decode(msg.body, body_anomaly) : nullptr;
  bool mining = false;
  if (rpc != nullptr && rpc->has_method) {
    out.has_id = rpc->has_id;
    out.id_hash = rpc->id_hash;
    const std::string_view m = rpc->method;
    if (m == "getwork") {
      // BIP draft getwork: no params asks for work, ["<data>"] submits a solution.
      auto params = rpc->has_params ? as_array(rpc->params) : std::nullopt;
      out.kind = (params && string_at(*params, 0)) ? MessageKind::SubmitWork : MessageKind::GetWork;
      mining = true;
    } else if (m == "getblocktemplate") {
      out.kind = MessageKind::GetBlockTemplate;
      mining = true;
    } else if (m == "submitblock") {
      out.kind = MessageKind::SubmitBlock;
      mining = true;
    } else if (ethproxy::EthproxyParser::owns_method(m)) {
      auto st = ethproxy::EthproxyParser::interpret_request(*rpc, out, anomaly);
      if (st == ParseStatus::Malformed) return st;
      mining = st == ParseStatus::Parsed;
    }
  }
  if (!mining && has_header(msg.x_mining_extensions)) {
    out.kind = MessageKind::GetWork;  // cgminer lineage announces its getwork extensions on every request
    mining = true;
  }
  if (!mining) {
    out = MiningMessage{};
    return ParseStatus::NotMining;
  }
  fill_from_headers(msg, out);
  return ParseStatus::Parsed;
}

// getwork result {"data": "<128 bytes hex>", "target": "<32 bytes little-endian hex>", (midstate, hash1)}.
bool read_getwork_result(simdjson::dom::object result, MiningMessage& out) {
  auto data = string_field(result, "data");
  auto target = string_field(result, "target");
  if (!data || !target || !is_hex(*data)) return false;
  out.kind = MessageKind::WorkPackage;
  if (target->size() == 64) {
    if (auto t = hex_le_to_double(*target)) set_work_from_target(*t, out);
  }
  return true;
}

// getblocktemplate result (BIP22): previousblockhash plus coinbasevalue or transactions; target is
// big-endian hex.
bool read_block_template(simdjson::dom::object result, MiningMessage& out) {
  if (!string_field(result, "previousblockhash")) return false;
  if (!field(result, "coinbasevalue") && !field(result, "transactions")) return false;
  out.kind = MessageKind::BlockTemplate;
  if (auto target = string_field(result, "target")) {
    if (auto t = hex_be_to_double(*target)) set_work_from_target(*t, out);
  }
  return true;
}

Outcome bare_outcome(const jsonrpc::RpcMessage& rpc) {
  if (rpc.has_error && !jsonrpc::is_null(rpc.error)) return Outcome::Rejected;
  bool ok = false;
  if (rpc.has_result && rpc.result.get_bool().get(ok) == simdjson::SUCCESS) {
    return ok ? Outcome::Accepted : Outcome::Rejected;
  }
  // BIP 22: submitblock answers a reason string ("high-hash", "duplicate") when it rejects a block.
  if (rpc.has_result && rpc.result.type() == simdjson::dom::element_type::STRING) return Outcome::Rejected;
  return Outcome::None;
}

bool is_bare_result(const jsonrpc::RpcMessage& rpc) {
  if (rpc.has_method) return false;
  if (rpc.has_error && !jsonrpc::is_null(rpc.error)) return true;
  if (!rpc.has_result) return true;
  auto t = rpc.result.type();
  return t == simdjson::dom::element_type::NULL_VALUE || t == simdjson::dom::element_type::BOOL;
}

ParseStatus interpret_response(const HttpMessage& msg, jsonrpc::JsonRpcParser& json, MiningMessage& out) {
  Anomaly body_anomaly{};
  const jsonrpc::RpcMessage* rpc =
      !msg.body.empty() && json_start_possible(msg.body) ? json.decode(msg.body, body_anomaly) : nullptr;
  bool mining = false;
  if (rpc != nullptr) {
    out.has_id = rpc->has_id;
    out.id_hash = rpc->id_hash;
    bool failed = rpc->has_error && !jsonrpc::is_null(rpc->error);
    if (!failed && rpc->has_result && !rpc->has_method) {
      if (auto result = as_object(rpc->result)) {
        mining = read_getwork_result(*result, out) || read_block_template(*result, out);
      } else if (ethproxy::EthproxyParser::interpret_result(*rpc, out)) {
        mining = true;
      }
    }
  }
  const bool getwork_headers =
      has_header(msg.x_stratum) || has_header(msg.x_long_polling) || has_header(msg.x_roll_ntime);
  if (!mining && (getwork_headers || (rpc != nullptr && is_bare_result(*rpc)))) {
    out.kind = MessageKind::Result;
    out.outcome = rpc != nullptr ? bare_outcome(*rpc) : Outcome::None;
    out.null_result = rpc != nullptr && rpc->has_result && jsonrpc::is_null(rpc->result) &&
                      !(rpc->has_error && !jsonrpc::is_null(rpc->error));
    if (!getwork_headers) {
      out.family = Family::Unknown;  // a bare result is not evidence on its own: pair it with its request
      return ParseStatus::Parsed;
    }
    mining = true;
  }
  if (!mining) {
    out = MiningMessage{};
    return ParseStatus::NotMining;
  }
  fill_from_headers(msg, out);
  return ParseStatus::Parsed;
}

}  // namespace

HttpStatus parse_message(std::span<const std::uint8_t> stream, Role role, HttpMessage& out, std::size_t& consumed,
                         Anomaly& anomaly) {
  out = HttpMessage{};
  consumed = 0;
  const std::string_view text(reinterpret_cast<const char*>(stream.data()), stream.size());
  const std::string_view first = text.substr(0, text.find('\n'));
  if (!plausible_start(first, role)) return fail(anomaly, Anomaly::HttpMalformed);

  // Header block: lines up to the first empty one, within kMaxHeaderBytes.
  const std::string_view head = text.substr(0, kMaxHeaderBytes);
  std::size_t pos = 0;
  auto start_line = next_line(head, pos);
  if (!start_line) {
    return text.size() >= kMaxHeaderBytes ? fail(anomaly, Anomaly::HttpHeaderTooLong) : HttpStatus::NeedMore;
  }
  bool ok = role == Role::Request ? parse_request_line(*start_line, out) : parse_status_line(*start_line, out);
  if (!ok) return fail(anomaly, Anomaly::HttpMalformed);
  while (true) {
    auto line = next_line(head, pos);
    if (!line) {
      out = HttpMessage{};
      return text.size() >= kMaxHeaderBytes ? fail(anomaly, Anomaly::HttpHeaderTooLong) : HttpStatus::NeedMore;
    }
    if (line->empty()) break;
    if (is_ows(line->front())) continue;  // obsolete line folding: ignore the continuation
    auto colon = line->find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(anomaly, Anomaly::HttpMalformed);
    auto name = line->substr(0, colon);
    for (char c : name) {
      if (!is_tchar(c)) return fail(anomaly, Anomaly::HttpMalformed);
    }
    if (apply_header(name, trim_ows(line->substr(colon + 1)), out) == HeaderResult::Malformed) {
      return fail(anomaly, Anomaly::HttpMalformed);
    }
  }
  if (!out.authorization.empty()) decode_basic_user(out.authorization, out);
  const std::size_t header_end = pos;

  if (out.chunked) {
    std::size_t end = 0;
    auto st = parse_chunked(text, header_end, out, end, anomaly);
    if (st != HttpStatus::Parsed) {
      if (st == HttpStatus::NeedMore) out = HttpMessage{};
      return st;
    }
    consumed = end;
    return HttpStatus::Parsed;
  }
  if (out.has_content_length) {
    const std::size_t available = text.size() - header_end;
    if (out.content_length > kMaxBodyBytes) {
      // Keep what fits, report the full length so the caller can skip the rest.
      out.body = text.substr(header_end, std::min(available, kMaxBodyBytes));
      out.body_truncated = true;
      consumed = header_end + static_cast<std::size_t>(out.content_length);
      anomaly = Anomaly::HttpBodyTooLong;
      return HttpStatus::Parsed;
    }
    const auto length = static_cast<std::size_t>(out.content_length);
    if (available < length) {
      if (!json_start_possible(text.substr(header_end))) {
        // Its first bytes show the body is not JSON-RPC: done now, without it (the caller skips the
        // rest) instead of holding up to kMaxBodyBytes and parsing the headers again per segment.
        out.body = text.substr(header_end);
        out.body_truncated = true;
        consumed = header_end + length;
        return HttpStatus::Parsed;
      }
      out = HttpMessage{};
      return HttpStatus::NeedMore;
    }
    out.body = text.substr(header_end, length);
    consumed = header_end + length;
    return HttpStatus::Parsed;
  }
  if (role == Role::Response && !status_has_no_body(out.status_code)) {
    const std::size_t available = text.size() - header_end;
    out.body = text.substr(header_end, std::min(available, kMaxBodyBytes));
    out.body_truncated = available > kMaxBodyBytes;
    out.body_until_close = true;
    consumed = text.size();
    return HttpStatus::Parsed;
  }
  consumed = header_end;
  return HttpStatus::Parsed;
}

ParseStatus interpret(const HttpMessage& msg, Role role, jsonrpc::JsonRpcParser& json, MiningMessage& out,
                      Anomaly& anomaly) {
  out = MiningMessage{};
  return role == Role::Request ? interpret_request(msg, json, out, anomaly) : interpret_response(msg, json, out);
}

}  // namespace minewatch::protocols::http
