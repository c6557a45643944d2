#pragma once
// Evidence fusion for flows whose payload does not speak mining in the clear: signals about the
// destination (an address a pool's name resolved to, an address on an intel list, a pool this host
// already mined on), about the client (JA4 of a miner's TLS stack) and about behaviour (the flow
// model's score, Stratum V2's handshake shape) combine with whatever messages the flow showed into
// one confidence: 1 - prod(1 - w). Every signal has a strength class; a session whose only evidence
// is ONE weak signal is never mining, whatever the weights. Weights and the threshold come from the
// [fusion] table of the config file (docs/configuration.md); the defaults are below.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace minewatch::detect {

enum class Signal : std::uint8_t {
  PoolAddressDns,     // the destination is an address a pool name resolved to (passive DNS)
  PoolAddressIntel,   // the destination address is on an intel list (any port)
  PoolEndpointIntel,  // the destination address and port are on an intel list
  KnownMinerPool,     // this host already mined on this address earlier in the input
  Ja4Miner,           // the ClientHello's JA4 is a known miner TLS stack
  FlowModel,          // the flow-behaviour model's score (weight scaled by the score)
  StratumV2Shape,     // Stratum V2 handshake shape / framing
  MiningRhythm,       // share-driven request/ack rhythm of an encrypted flow (model/mining_rhythm.hpp)
  TlsNoServerName,    // the ClientHello named no server (added only beside a behaviour signal)
};
inline constexpr std::size_t kSignalCount = 9;

enum class Strength : std::uint8_t { Weak, Moderate, Strong };

[[nodiscard]] Strength strength_of(Signal s);
[[nodiscard]] std::string_view signal_name(Signal s);  // evidence kind in EVE, e.g. "intel.pool-address-dns"

struct FusionConfig {
  double threshold = 0.7;  // session confidence needed to call a flow mining (analyze --threshold)
  double pool_address_dns = 0.75;
  double pool_address_intel = 0.45;   // lists age and addresses get reused: not enough alone
  double pool_endpoint_intel = 0.75;  // address and the pool port it was listed with
  double known_miner_pool = 0.75;
  double ja4_miner = 0.3;
  double flow_model = 0.8;            // at score 1.0; scaled linearly from flow_model_min_score (0.94 -> 0.7)
  double flow_model_min_score = 0.5;  // scores below this are no evidence
  double stratum_v2_shape = 0.5;      // moderate; below the threshold: the shape never alerts alone
  double mining_rhythm = 0.6;         // moderate; below the threshold: the rhythm never alerts alone
  double tls_no_server_name = 0.3;    // weak
  // A destination signal is multiplied by this when the address also answered for names that are
  // not pools (shared hosting, CDNs) or the ClientHello names another site.
  double shared_address_factor = 0.3;
  std::vector<std::string> miner_ja4;  // JA4 fingerprints of miner TLS stacks

  [[nodiscard]] double weight(Signal s) const;
  // Weight of a flow-model score: 0 below flow_model_min_score, flow_model at 1.0.
  [[nodiscard]] double flow_model_weight(double score) const;
  [[nodiscard]] bool is_miner_ja4(std::string_view ja4) const;
};

// Reads the [fusion] table of a TOML config (other tables are ignored). Unknown keys, weights
// outside [0, 1) and a weak signal weighted at or above the threshold are errors naming file and line.
Result<FusionConfig> load_fusion_config(const std::string& path);
Result<FusionConfig> parse_fusion_config(std::string_view text, std::string_view origin);

}  // namespace minewatch::detect
