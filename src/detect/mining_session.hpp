#pragma once
// What one flow has shown of mining: messages folded into identity (agent, login, pool host),
// share counters, difficulty, evidence and a verdict. Owned by the flow, created only once a flow
// has produced its first mining message, so its strings cost nothing on ordinary traffic.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/flow_key.hpp"
#include "core/timestamp.hpp"
#include "detect/fusion.hpp"
#include "estimate/share_ledger.hpp"
#include "protocols/mining_message.hpp"

namespace minewatch::detect {

struct Evidence {
  std::string kind;    // e.g. "stratum.mining.subscribe"
  std::string detail;  // short human-readable detail
  double weight = 0;
  bool is_signal = false;  // from outside the payload (fusion.hpp): its weight is reported
};

struct ShareCounts {
  std::uint64_t submitted = 0;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
};

class MiningSession {
 public:
  // A message parsed from the flow, sent in direction `dir` (canonical key direction).
  void add(const protocols::MiningMessage& msg, Direction dir, Timestamp ts);

  // A signal from outside the payload (destination, client fingerprint, behaviour; see fusion.hpp).
  // Each kind counts once, at the highest weight it was given. `family` names the flow's framing when
  // no message did (e.g. Tls for a ClientHello that named no pool).
  void add_signal(Signal signal, double weight, std::string detail, Timestamp ts,
                  protocols::Family family = protocols::Family::Unknown);
  // What a shape signal (Stratum V2's Noise handshake) also tells: the protocol variant and which side
  // is the miner (the handshake's initiator).
  void note_shape(std::string_view variant, Direction miner_dir);
  [[nodiscard]] bool has_signal(Signal s) const { return (signal_bits_ >> static_cast<unsigned>(s)) & 1u; }
  [[nodiscard]] bool has_signals() const { return signal_bits_ != 0; }
  // True when some mining message (not only outside signals) was seen.
  [[nodiscard]] bool has_messages() const { return kinds_seen_ != 0; }
  // Evidence from outside the flow's bytes (an active probe of the pool): listed with the rest and
  // folded into the confidence with its weight.
  void add_external_evidence(Evidence e);

  // Confidence that this flow is a mining session, in [0, 1]: 1 - prod(1 - w) over distinct
  // message kinds and signals seen. Generic responses carry no weight.
  [[nodiscard]] double confidence() const;
  // confidence() >= threshold, except that one weak signal alone is never enough.
  [[nodiscard]] bool is_mining(double threshold) const;
  // Which canonical side is the miner, from who sent requests and who sent pool notifications.
  // nullopt when no message voted (caller falls back to the connection initiator).
  [[nodiscard]] std::optional<Direction> miner_to_pool_direction() const;

  [[nodiscard]] protocols::Family family() const { return family_; }
  [[nodiscard]] const std::string& agent() const { return agent_; }
  [[nodiscard]] const std::string& login() const { return login_; }
  [[nodiscard]] const std::string& worker() const { return worker_; }
  [[nodiscard]] const std::string& pool_host() const { return pool_host_; }
  [[nodiscard]] const std::string& algorithm() const { return algo_; }
  [[nodiscard]] const std::string& protocol_variant() const { return variant_; }
  [[nodiscard]] const ShareCounts& shares() const { return shares_; }
  [[nodiscard]] double difficulty() const { return difficulty_; }
  [[nodiscard]] std::uint32_t difficulty_changes() const { return difficulty_changes_; }
  [[nodiscard]] double self_hashrate() const { return self_hashrate_; }
  [[nodiscard]] const std::vector<Evidence>& evidence() const { return evidence_; }
  [[nodiscard]] std::uint64_t messages() const { return messages_; }
  [[nodiscard]] Timestamp first_message() const { return first_ts_; }
  [[nodiscard]] Timestamp last_message() const { return last_ts_; }
  // Shares booked with the work per share the pool had assigned (for the hashrate estimate).
  [[nodiscard]] const estimate::ShareLedger& ledger() const { return ledger_; }
  [[nodiscard]] bool saw(protocols::MessageKind kind) const {
    return (kinds_seen_ & (std::uint64_t{1} << static_cast<unsigned>(kind))) != 0;
  }

  static constexpr std::size_t kMaxEvidence = 12;

 private:
  void note_request(std::uint64_t id_hash, protocols::MessageKind kind);
  std::optional<protocols::MessageKind> take_request(std::uint64_t id_hash);
  void add_evidence(const protocols::MiningMessage& msg);
  void set_difficulty(double d);

  protocols::Family family_ = protocols::Family::Unknown;
  std::string agent_, login_, worker_, pool_host_, algo_, variant_;
  ShareCounts shares_;
  double difficulty_ = 0;
  std::uint32_t difficulty_changes_ = 0;
  double self_hashrate_ = 0;
  std::vector<Evidence> evidence_;
  std::uint64_t kinds_seen_ = 0;   // bitset of MessageKind
  std::uint16_t signal_bits_ = 0;  // bitset of Signal
  std::array<double, kSignalCount> signal_weight_{};
  double external_miss_ = 1.0;  // prod(1 - w) over external evidence
  std::uint64_t messages_ = 0;
  std::array<std::int64_t, 2> votes_{};  // per canonical direction: +1 when that direction looks miner->pool
  // Outstanding requests by id, to read the pool's verdict on each share. Small ring: pools answer fast.
  struct PendingRequest {
    std::uint64_t id_hash = 0;
    protocols::MessageKind kind = protocols::MessageKind::Result;
    bool used = false;
  };
  std::array<PendingRequest, 16> pending_{};
  std::size_t pending_next_ = 0;
  Timestamp first_ts_{}, last_ts_{};
  estimate::ShareLedger ledger_;
};

// Weight of one message kind as evidence of mining (0 for generic responses).
double evidence_weight(protocols::Family family, protocols::MessageKind kind);
std::string_view kind_method_name(protocols::Family family, protocols::MessageKind kind);

}  // namespace minewatch::detect
