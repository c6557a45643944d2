#include "probe/dialect.hpp"

#include <fmt/format.h>

#include <cstring>

#include "protocols/jsonrpc/rpc_message.hpp"

namespace minewatch::probe {

namespace jr = protocols::jsonrpc;
using protocols::Family;
using protocols::MessageKind;

namespace {

constexpr std::size_t kMaxReplyLine = 64 * 1024;
constexpr std::string_view kAgent = "minewatch-probe/0.1";

std::optional<Dialect> dialect_of(Family f) {
  switch (f) {
    case Family::Stratum: return Dialect::Stratum;
    case Family::CryptoNote: return Dialect::CryptoNote;
    case Family::EthProxy: return Dialect::EthProxy;
    default: return std::nullopt;
  }
}

std::string number_text(simdjson::dom::element e) {
  if (auto s = jr::as_string(e)) return std::string{*s};
  if (auto d = jr::as_number(e)) return fmt::format("{:.10g}", *d);
  return {};
}

}  // namespace

std::string_view dialect_name(Dialect d) {
  switch (d) {
    case Dialect::Stratum: return "stratum";
    case Dialect::CryptoNote: return "cryptonote";
    case Dialect::EthProxy: return "ethproxy";
  }
  return "?";
}

std::optional<Dialect> parse_dialect(std::string_view s) {
  for (Dialect d : kAllDialects) {
    if (dialect_name(d) == s) return d;
  }
  return std::nullopt;
}

ProbeRequest probe_request(Dialect d) {
  switch (d) {
    case Dialect::Stratum:
      return {fmt::format("{{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"{}\"]}}\n", kAgent), 1};
    case Dialect::CryptoNote:
      return {
          fmt::format("{{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{{\"login\":\"minewatch-probe\","
                      "\"pass\":\"x\",\"agent\":\"{}\",\"algo\":[\"rx/0\",\"cn/r\",\"cn/0\"]}}}}\n",
                      kAgent),
          1};
    case Dialect::EthProxy:
      return {
          "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"eth_submitLogin\",\"params\":"
          "[\"0x0000000000000000000000000000000000000000\",\"x\"],\"worker\":\"minewatch-probe\"}\n"
          "{\"id\":2,\"jsonrpc\":\"2.0\",\"method\":\"eth_getWork\",\"params\":[]}\n",
          2};
  }
  return {};
}

std::string snippet(std::string_view bytes, std::size_t max) {
  std::string out;
  for (char c : bytes.substr(0, max)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n') {
      out += ' ';
    } else if (u < 0x20 || u > 0x7e) {
      out += '.';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (bytes.size() > max) out += "...";
  return out;
}

void ReplyJudge::decide(Judgement j, std::string reason) {
  if (judgement_ != Judgement::NeedMore) return;
  judgement_ = j;
  reason_ = std::move(reason);
  std::string{}.swap(buffer_);
}

Judgement ReplyJudge::feed(std::span<const std::uint8_t> bytes) {
  if (judgement_ != Judgement::NeedMore || bytes.empty()) return judgement_;
  bytes_ += bytes.size();
  if (buffer_.empty() && bytes_ == bytes.size()) {
    // The very first reply byte: JSON-RPC answers start with '{' (after whitespace). Anything else that is
    // binary is no pool of these dialects.
    std::uint8_t c = bytes[0];
    if (c < 0x20 && c != '\r' && c != '\n' && c != '\t') {
      decide(Judgement::NotMining,
             fmt::format("binary reply: {}", snippet({reinterpret_cast<const char*>(bytes.data()), bytes.size()}, 16)));
      return judgement_;
    }
  }
  buffer_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::size_t start = 0;
  for (;;) {
    auto nl = buffer_.find('\n', start);
    if (nl == std::string::npos) break;
    judge_line(std::string_view{buffer_}.substr(start, nl - start));
    if (judgement_ != Judgement::NeedMore) return judgement_;
    start = nl + 1;
  }
  buffer_.erase(0, start);
  if (buffer_.size() > kMaxReplyLine) decide(Judgement::NotMining, "reply line longer than 64 KiB");
  return judgement_;
}

Judgement ReplyJudge::finish() {
  if (judgement_ == Judgement::NeedMore && !buffer_.empty()) {
    std::string last = std::move(buffer_);
    buffer_.clear();
    judge_line(last);
  }
  if (judgement_ == Judgement::NeedMore && bytes_ > 0) {
    decide(Judgement::NotMining,
           errors_ > 0 ? fmt::format("json-rpc error: {}", details_["error"]) : "answered without any mining message");
  }
  return judgement_;
}

void ReplyJudge::judge_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.empty()) return;
  if (line.front() != '{') {
    // HTTP status lines, SMTP/FTP banners, shell prompts ...: a service, but not a pool.
    details_["reply"] = snippet(line);
    decide(Judgement::NotMining, fmt::format("not json-rpc: {}", snippet(line)));
    return;
  }
  Anomaly anomaly{};
  const jr::RpcMessage* rpc = json_.decode(line, anomaly);
  if (rpc == nullptr) {
    details_["reply"] = snippet(line);
    decide(Judgement::NotMining, fmt::format("not json-rpc ({})", anomaly_name(anomaly)));
    return;
  }
  protocols::MiningMessage m;
  auto st = jr::JsonRpcParser::interpret(*rpc, m, anomaly);
  if (rpc->has_error && !jr::is_null(rpc->error)) {
    ++errors_;
    std::string err;
    if (auto s = jr::as_string(rpc->error)) {
      err = std::string{*s};
    } else if (auto o = jr::as_object(rpc->error)) {
      if (auto msg = jr::string_field(*o, "message")) err = std::string{*msg};
    } else if (auto a = jr::as_array(rpc->error)) {
      if (auto msg = jr::string_at(*a, 1)) err = std::string{*msg};  // stratum: [code, "message", data]
    }
    details_["error"] = snippet(err.empty() ? line : err);
  }
  if (rpc->has_result || rpc->has_error) ++answers_;
  // Only what a pool sends counts: an echo service repeating our request is no pool.
  if (st == protocols::ParseStatus::Parsed && m.kind != MessageKind::Result && !protocols::sent_by_miner(m.kind)) {
    if (auto d = dialect_of(m.family)) {
      answered_ = d;
    } else {
      answered_ = dialect_;
    }
    if (m.difficulty > 0) details_["difficulty"] = fmt::format("{:.6g}", m.difficulty);
    if (!m.algo.empty()) details_["algo"] = std::string{m.algo};
    if (!m.protocol_variant.empty()) details_["variant"] = std::string{m.protocol_variant};
    switch (m.kind) {
      case MessageKind::SubscribeResult:
        if (auto a = jr::as_array(rpc->result)) {
          if (auto e1 = jr::string_at(*a, 1)) details_["extranonce1"] = std::string{*e1};
          if (auto e2 = jr::at(*a, 2)) details_["extranonce2_size"] = number_text(*e2);
        }
        break;
      case MessageKind::Job: {
        // login result {id, job: {...}, status} or a pushed job {params: {...}}
        std::optional<simdjson::dom::object> job;
        if (auto r = jr::as_object(rpc->result)) {
          if (auto id = jr::string_field(*r, "id")) details_["session_id"] = snippet(*id, 40);
          if (auto j = jr::field(*r, "job")) job = jr::as_object(*j);
        } else if (auto p = jr::as_object(rpc->params)) {
          job = p;
        }
        if (job) {
          if (auto id = jr::string_field(*job, "job_id")) details_["job_id"] = snippet(*id, 40);
          if (auto algo = jr::string_field(*job, "algo")) details_["algo"] = std::string{*algo};
          if (auto target = jr::string_field(*job, "target")) details_["target"] = snippet(*target, 20);
        }
        break;
      }
      case MessageKind::Notify:
        if (auto a = jr::as_array(rpc->params)) {
          if (auto id = jr::string_at(*a, 0)) details_["job_id"] = snippet(*id, 40);
        }
        break;
      case MessageKind::WorkPackage:
        if (auto a = jr::as_array(rpc->result)) {
          if (auto h = jr::string_at(*a, 0)) details_["header"] = snippet(*h, 20);
          if (auto b = jr::string_at(*a, 2)) details_["boundary"] = snippet(*b, 70);
        }
        break;
      default: break;
    }
    std::string_view what = m.kind == MessageKind::SubscribeResult ? "subscribe result"
                            : m.kind == MessageKind::Job           ? "job"
                            : m.kind == MessageKind::WorkPackage   ? "work package"
                                                                   : "pool message";
    decide(Judgement::Mining, fmt::format("{} {}", dialect_name(*answered_), what));
    return;
  }
  if (answers_ >= expected_) {
    decide(Judgement::NotMining, errors_ > 0 ? fmt::format("json-rpc error: {}", details_["error"])
                                             : "json-rpc answers without any mining message");
  }
}

}  // namespace minewatch::probe
