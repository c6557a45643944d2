#pragma once
// What the prober says to a suspected pool and how it judges the answer. Pure: requests are fixed
// text, replies are bytes in, a judgement out. Replies are read with the project's own parsers
// (jsonrpc + stratum/cryptonote/ethproxy interpreters), never by substring.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocols/jsonrpc/jsonrpc_parser.hpp"

namespace minewatch::probe {

enum class Dialect : std::uint8_t { Stratum, CryptoNote, EthProxy };
inline constexpr Dialect kAllDialects[] = {Dialect::Stratum, Dialect::CryptoNote, Dialect::EthProxy};

std::string_view dialect_name(Dialect d);
std::optional<Dialect> parse_dialect(std::string_view s);

// The lines a probe sends (each ends in '\n'), and how many of them expect an answer.
// Stratum: mining.subscribe. CryptoNote: login with a throw-away wallet. ETHProxy: eth_submitLogin then
// eth_getWork.
struct ProbeRequest {
  std::string text;
  int expected_answers = 1;
};
ProbeRequest probe_request(Dialect d);

enum class Judgement : std::uint8_t {
  NeedMore,   // nothing decisive yet
  Mining,     // an answer only a pool gives (subscribe result, job, work package, pool push)
  NotMining,  // text that is not JSON-RPC (HTTP, SMTP, banners), binary, errors to every request
};

class ReplyJudge {
 public:
  explicit ReplyJudge(Dialect d) : dialect_(d), expected_(probe_request(d).expected_answers) {}

  // Feeds reply bytes; returns the judgement so far. Once decided, further bytes change nothing.
  Judgement feed(std::span<const std::uint8_t> bytes);
  // The peer closed or time ran out: what the bytes so far mean.
  Judgement finish();

  [[nodiscard]] Judgement judgement() const { return judgement_; }
  // Which protocol answered (may differ from the one asked: a pool answering in its own dialect).
  [[nodiscard]] std::optional<Dialect> answered_dialect() const { return answered_; }
  // Details an analyst wants: extranonce1, extranonce2_size, job_id, algo, difficulty, target, error ...
  [[nodiscard]] const std::map<std::string, std::string>& details() const { return details_; }
  [[nodiscard]] const std::string& reason() const { return reason_; }
  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }

 private:
  void judge_line(std::string_view line);
  void decide(Judgement j, std::string reason);

  Dialect dialect_;
  int expected_;
  int answers_ = 0;
  int errors_ = 0;
  protocols::jsonrpc::JsonRpcParser json_;
  std::string buffer_;
  std::uint64_t bytes_ = 0;
  Judgement judgement_ = Judgement::NeedMore;
  std::optional<Dialect> answered_;
  std::map<std::string, std::string> details_;
  std::string reason_;
};

// A printable, bounded snippet of raw bytes for reports.
std::string snippet(std::string_view bytes, std::size_t max = 60);

}  // namespace minewatch::probe
