#pragma once
// What one mining session is estimated to be: which coin (with the reasons), how much hashrate (from the
// shares, with its Poisson error and 2-sigma interval, beside the miner's own report) and how much
// electricity (estimate x the efficiency of the likeliest hardware class, with its source).
// Unknown values stay empty/zero and are omitted from output, never invented.
#include <cstdint>
#include <string>
#include <vector>

#include "core/timestamp.hpp"
#include "detect/engine.hpp"
#include "detect/mining_session.hpp"

namespace minewatch::estimate {

struct SessionEstimate {
  // Coin: catalog id ("XMR", "ZEC", ...) and name, or "unknown" when nothing supports a guess.
  std::string coin_id = "unknown";
  std::string coin_name;
  std::vector<std::string> coin_reasons;  // why this coin, one short sentence each
  // Algorithm as in the catalog ("sha256d", "scrypt", "ethash", "randomx", "equihash-200-9" ...); empty when
  // unknown. Hashrates of different algorithms are never summed.
  std::string algorithm;
  std::string hashrate_unit = "H/s";  // "H/s", or "Sol/s" for Equihash

  // Hashrate from shares: sum(work per share) / elapsed time, in hashrate_unit. 0 = unknown.
  double hashrate_hs = 0;
  double hashrate_sigma = 0;  // one standard deviation (Poisson, 1/sqrt(N) relative)
  double hashrate_lower = 0;  // 2-sigma interval
  double hashrate_upper = 0;
  std::uint64_t shares_used = 0;  // shares the estimate rests on
  double window_seconds = 0;      // time span the estimate covers
  bool low_confidence = true;     // too few shares (or work per share not known for sure)
  std::string hashrate_note;      // why unknown or low-confidence ("encrypted", "no shares", "1 share" ...)
  double self_reported_hs = 0;    // the miner's own report (eth_submitHashrate, X-Mining-Hashrate); 0 = none
  double recent_hs = 0;           // the last hour alone (sessions longer than two hours); 0 = not computed
  double recent_seconds = 0;
  std::uint64_t recent_shares = 0;

  // Energy: hashrate x efficiency of the likeliest hardware class.
  std::string hardware_class;     // e.g. "asic", "gpu", "cpu"
  std::string hardware_model;     // the reference device of the class, e.g. "Antminer S19 Pro"
  double efficiency_j_per_h = 0;  // joules per hash (per solution for Sol/s)
  std::string efficiency_source;  // public source of the figure
  double power_w = 0;             // hashrate x efficiency
  double kwh_per_day = 0;         // power x 24 h; 0 = unknown

  [[nodiscard]] bool coin_known() const { return coin_id != "unknown"; }
  [[nodiscard]] bool hashrate_known() const { return hashrate_hs > 0; }
};

// Estimate for a session that ended (or was last seen) at `end`; `pool_port` is a weak coin hint.
// Uses the catalog built into the binary.
SessionEstimate estimate_session(const detect::MiningSession& session, Timestamp end, std::uint16_t pool_port = 0);
// Same, with end time and pool port from the oriented flow.
SessionEstimate estimate_session(const detect::OrientedFlow& flow, const detect::MiningSession& session);

}  // namespace minewatch::estimate
