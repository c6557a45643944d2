#include "detect/mining_session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace minewatch::detect {

using protocols::Family;
using protocols::MessageKind;
using protocols::MiningMessage;
using protocols::Outcome;

namespace {

constexpr std::size_t kMaxFieldBytes = 256;

void keep_first(std::string& field, std::string_view value) {
  if (field.empty() && !value.empty()) field.assign(value.substr(0, kMaxFieldBytes));
}

bool is_share(MessageKind k) {
  return k == MessageKind::Submit || k == MessageKind::SubmitWork || k == MessageKind::SubmitBlock;
}

// Stratum V2 is binary: a strictly laid-out SetupConnection(mining) is specific but not proof alone;
// with an OpenChannel, jobs or shares it is. The Noise handshake's shape is not a message but a signal
// (Signal::StratumV2Shape, weighted by [fusion] stratum_v2_shape; the flow inspector converts it).
double stratum2_weight(MessageKind kind) {
  switch (kind) {
    case MessageKind::EncryptedHandshake: return 0.0;
    case MessageKind::Subscribe: return 0.6;  // SetupConnection, protocol = mining
    case MessageKind::Authorize: return 0.8;  // Open*MiningChannel
    case MessageKind::SubscribeResult: return 0.6;
    case MessageKind::Notify: return 0.8;
    case MessageKind::SetTarget: return 0.5;
    case MessageKind::Submit: return 0.8;
    default: return 0.0;
  }
}

}  // namespace

double evidence_weight(Family family, MessageKind kind) {
  if (family == Family::Stratum2) return stratum2_weight(kind);
  switch (kind) {
    case MessageKind::Result: return 0.0;
    case MessageKind::EncryptedHandshake: return 0.5;
    case MessageKind::KeepAlive:
    case MessageKind::SetExtranonce:
    case MessageKind::Reconnect:
    case MessageKind::ShowMessage: return 0.5;
    case MessageKind::Login: return 0.7;
    case MessageKind::TlsServerName:
    case MessageKind::DnsLookup:
      return 0.8;  // a name on the curated pool list; the allow-list keeps exchanges and wallets off it  // "login"
                   // with a login/pass object is CryptoNote-shaped but the method name is generic
    case MessageKind::Submit: return family == Family::CryptoNote ? 0.8 : 0.9;
    case MessageKind::ExtranonceSubscribe:
    case MessageKind::SuggestDifficulty:
    case MessageKind::GetTransactions: return 0.8;
    default: return 0.9;
  }
}

std::string_view kind_method_name(Family family, MessageKind kind) {
  if (family == Family::Stratum2) {
    switch (kind) {
      case MessageKind::EncryptedHandshake: return "noise-handshake";
      case MessageKind::Subscribe: return "SetupConnection";
      case MessageKind::Authorize: return "OpenMiningChannel";
      case MessageKind::SubscribeResult: return "OpenMiningChannel.Success";
      case MessageKind::Notify: return "NewMiningJob";
      case MessageKind::SetTarget: return "SetTarget";
      case MessageKind::Submit: return "SubmitShares";
      default: break;
    }
  }
  switch (kind) {
    case MessageKind::Subscribe: return "mining.subscribe";
    case MessageKind::Authorize: return "mining.authorize";
    case MessageKind::Configure: return "mining.configure";
    case MessageKind::ExtranonceSubscribe: return "mining.extranonce.subscribe";
    case MessageKind::SuggestDifficulty: return "mining.suggest_difficulty";
    case MessageKind::GetTransactions: return "mining.get_transactions";
    case MessageKind::Submit: return family == Family::CryptoNote ? "submit" : "mining.submit";
    case MessageKind::Login: return "login";
    case MessageKind::KeepAlive: return "keepalived";
    case MessageKind::SubmitLogin: return "eth_submitLogin";
    case MessageKind::GetWork: return family == Family::HttpGetwork ? "getwork" : "eth_getWork";
    case MessageKind::SubmitWork: return family == Family::HttpGetwork ? "getwork-submit" : "eth_submitWork";
    case MessageKind::SubmitHashrate: return "eth_submitHashrate";
    case MessageKind::GetBlockTemplate: return "getblocktemplate";
    case MessageKind::SubmitBlock: return "submitblock";
    case MessageKind::TlsServerName: return "sni-pool";
    case MessageKind::DnsLookup: return "pool-lookup";
    case MessageKind::EncryptedHandshake: return "encrypted-handshake";
    case MessageKind::Notify: return "mining.notify";
    case MessageKind::SetDifficulty: return "mining.set_difficulty";
    case MessageKind::SetTarget: return "mining.set_target";
    case MessageKind::SetExtranonce: return "mining.set_extranonce";
    case MessageKind::Reconnect: return "client.reconnect";
    case MessageKind::ShowMessage: return "client.show_message";
    case MessageKind::Job: return "job";
    case MessageKind::WorkPackage: return "work-package";
    case MessageKind::SubscribeResult: return "subscribe-result";
    case MessageKind::BlockTemplate: return "block-template";
    case MessageKind::Result: return "result";
  }
  return "unknown";
}

void MiningSession::add(const MiningMessage& msg, Direction dir, Timestamp ts) {
  if (messages_++ == 0) first_ts_ = ts;
  last_ts_ = ts;
  auto kind_bit = std::uint64_t{1} << static_cast<unsigned>(msg.kind);

  if (msg.kind != MessageKind::Result) {
    if (family_ == Family::Unknown || family_ == Family::Stratum) {
      // EthProxy methods inside a Stratum-looking session mean ETHProxy; otherwise first family wins.
      if (family_ == Family::Unknown || msg.family == Family::EthProxy) family_ = msg.family;
    }
    auto d = static_cast<std::size_t>(dir);
    if (protocols::sent_by_miner(msg.kind)) {
      votes_[d] += 1;
    } else {
      votes_[d ^ 1u] += 1;
    }
    if ((kinds_seen_ & kind_bit) == 0) add_evidence(msg);
    kinds_seen_ |= kind_bit;
  }

  keep_first(agent_, msg.agent);
  keep_first(login_, msg.login);
  keep_first(worker_, msg.worker);
  keep_first(pool_host_, msg.pool_host);
  keep_first(algo_, msg.algo);
  keep_first(variant_, msg.protocol_variant);
  if (msg.self_hashrate > 0) self_hashrate_ = msg.self_hashrate;
  if (msg.difficulty > 0) set_difficulty(msg.difficulty);

  // Work per share as the pool assigned it: targets are absolute, set_difficulty needs the algorithm's
  // multiplier (applied by the estimator once the coin is known). A miner's suggest_difficulty is a wish.
  if (msg.target_work > 0) {
    ledger_.set_work(msg.target_work, estimate::WorkUnit::Absolute, ts);
  } else if (msg.difficulty > 0 && !protocols::sent_by_miner(msg.kind)) {
    ledger_.set_work(msg.difficulty, estimate::WorkUnit::Difficulty, ts);
  }
  if (is_share(msg.kind)) {
    ++shares_.submitted;
    ledger_.add_share(ts);
  }
  if (msg.has_id && protocols::sent_by_miner(msg.kind)) note_request(msg.id_hash, msg.kind);

  if (msg.kind == MessageKind::Result && msg.has_id) {
    if (auto req = take_request(msg.id_hash); req && is_share(*req)) {
      // BIP 22: submitblock answers null for an accepted block, so "no outcome" means accepted there.
      Outcome o = msg.outcome == Outcome::None && msg.null_result && *req == MessageKind::SubmitBlock
                      ? Outcome::Accepted
                      : msg.outcome;
      if (o == Outcome::Accepted) ++shares_.accepted;
      if (o == Outcome::Rejected) ++shares_.rejected;
    }
  }
}

void MiningSession::set_difficulty(double d) {
  if (!std::isfinite(d)) return;
  if (difficulty_ > 0 && d != difficulty_) ++difficulty_changes_;
  difficulty_ = d;
}

void MiningSession::note_request(std::uint64_t id_hash, MessageKind kind) {
  pending_[pending_next_] = {id_hash, kind, true};
  pending_next_ = (pending_next_ + 1) % pending_.size();
}

std::optional<MessageKind> MiningSession::take_request(std::uint64_t id_hash) {
  for (auto& p : pending_) {
    if (p.used && p.id_hash == id_hash) {
      p.used = false;
      return p.kind;
    }
  }
  return std::nullopt;
}

void MiningSession::add_evidence(const MiningMessage& msg) {
  if (evidence_.size() >= kMaxEvidence) return;
  Evidence e;
  e.kind = fmt::format("{}.{}", protocols::family_name(msg.family), kind_method_name(msg.family, msg.kind));
  std::string detail;
  auto append = [&detail](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    if (!detail.empty()) detail += ' ';
    detail += key;
    detail += '=';
    detail.append(value.substr(0, 96));
  };
  append("agent", msg.agent);
  append("login", msg.login);
  append("host", msg.pool_host);
  append("algo", msg.algo);
  append("variant", msg.protocol_variant);
  append("ja4", msg.fingerprint);
  if (msg.difficulty > 0) append("difficulty", fmt::format("{:.6g}", msg.difficulty));
  if (msg.self_hashrate > 0) append("reported_hashrate", fmt::format("{:.6g}", msg.self_hashrate));
  e.detail =
      detail.empty() ? std::string{protocols::sent_by_miner(msg.kind) ? "sent by miner" : "sent by pool"} : detail;
  e.weight = evidence_weight(msg.family, msg.kind);
  evidence_.push_back(std::move(e));
}

void MiningSession::add_signal(Signal signal, double weight, std::string detail, Timestamp ts, Family family) {
  if (!(weight > 0)) return;
  weight = std::min(weight, 0.99);
  if (messages_ == 0 && signal_bits_ == 0) first_ts_ = ts;
  if (family_ == Family::Unknown) family_ = family;
  auto i = static_cast<std::size_t>(signal);
  const std::string_view kind = signal_name(signal);
  if (has_signal(signal)) {
    if (weight <= signal_weight_[i]) return;
    for (auto& e : evidence_) {
      if (e.kind == kind) {
        e.detail = std::move(detail);
        e.weight = weight;
      }
    }
    signal_weight_[i] = weight;
    return;
  }
  signal_bits_ |= static_cast<std::uint16_t>(1u << i);
  signal_weight_[i] = weight;
  // Reasons are the point of a signal-only verdict: they are kept even when messages filled the list.
  if (evidence_.size() < kMaxEvidence + kSignalCount)
    evidence_.push_back(Evidence{std::string{kind}, std::move(detail), weight, true});
}

void MiningSession::note_shape(std::string_view variant, Direction miner_dir) {
  keep_first(variant_, variant);
  votes_[static_cast<std::size_t>(miner_dir)] += 1;
}

void MiningSession::add_external_evidence(Evidence e) {
  external_miss_ *= 1.0 - std::clamp(e.weight, 0.0, 1.0);
  if (evidence_.size() < kMaxEvidence + kSignalCount + 2) evidence_.push_back(std::move(e));
}

bool MiningSession::is_mining(double threshold) const {
  if (confidence() < threshold) return false;
  if (kinds_seen_ != 0) return true;
  std::size_t weak = 0, other = 0;
  for (std::size_t i = 0; i < kSignalCount; ++i) {
    if (!(signal_bits_ & (1u << i))) continue;
    (strength_of(static_cast<Signal>(i)) == Strength::Weak ? weak : other) += 1;
  }
  return other > 0 || weak > 1;
}

double MiningSession::confidence() const {
  double miss = external_miss_;
  for (std::size_t i = 0; i < kSignalCount; ++i) {
    if (signal_bits_ & (1u << i)) miss *= 1.0 - signal_weight_[i];
  }
  for (unsigned k = 0; k < 64; ++k) {
    if (kinds_seen_ & (std::uint64_t{1} << k)) miss *= 1.0 - evidence_weight(family_, static_cast<MessageKind>(k));
  }
  return 1.0 - miss;
}

std::optional<Direction> MiningSession::miner_to_pool_direction() const {
  if (votes_[0] == votes_[1]) return std::nullopt;
  return votes_[0] > votes_[1] ? Direction::AtoB : Direction::BtoA;
}

}  // namespace minewatch::detect
