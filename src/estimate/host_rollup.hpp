#pragma once
// Per-host totals of its mining sessions: hashrate per algorithm (never summed across algorithms),
// electricity (summed), bytes and Mbps towards pools. Hashrates and power are averaged over the host's
// observed span, weighted by each session's duration: sequential reconnects to one pool are not counted
// twice, parallel sessions to several pools add up.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/ip_address.hpp"
#include "detect/engine.hpp"
#include "estimate/session_estimate.hpp"

namespace minewatch::estimate {

struct AlgorithmRate {
  std::string algorithm;  // catalog id, or "unknown"
  std::string unit;
  double value = 0;  // time-weighted average over the host's span
  double sigma = 0;
  std::uint32_t sessions = 0;  // sessions with an estimate
};

// A coin the host's other sessions name, for its sessions that name none: the same host mined `coin`
// with the same algorithm elsewhere, and no other coin of that algorithm. An inference, reported as
// one, never written into a session's own coin.
struct InferredCoin {
  std::string coin;
  std::string algorithm;
  std::uint32_t sessions = 0;  // the host's sessions without a coin of their own, of this algorithm
  std::string reason;
};

struct HostTotals {
  IpAddress host;
  std::uint64_t sessions = 0;
  std::set<std::string> coins, pools;
  std::vector<InferredCoin> coins_inferred;  // sorted by algorithm
  std::vector<AlgorithmRate> rates;          // one per algorithm, sorted by algorithm
  double power_w = 0;                        // time-weighted over the span
  double kwh_per_day = 0;
  bool energy_partial = false;  // some sessions with a hashrate had no efficiency figure
  std::uint64_t bytes_to_pools = 0, bytes_from_pools = 0;
  double mbps_to_pools = 0;  // bytes towards pools over the span
  Timestamp first{}, last{};
  [[nodiscard]] double span_seconds() const { return static_cast<double>((last - first).count()) / 1e9; }
};

class HostRollup {
 public:
  void add(const detect::OrientedFlow& flow, const detect::MiningSession& session, const SessionEstimate& estimate);
  [[nodiscard]] std::vector<HostTotals> totals() const;
  [[nodiscard]] bool empty() const { return hosts_.empty(); }

 private:
  struct Acc {
    double work = 0;  // sum of rate x seconds
    double var = 0;   // sum of (sigma x seconds)^2
    std::string unit;
    std::uint32_t sessions = 0;
  };
  struct Host {
    std::uint64_t sessions = 0;
    std::set<std::string> coins, pools;
    std::map<std::string, Acc> algos;
    std::map<std::string, std::map<std::string, std::string>> coins_by_algo;  // algorithm -> coin -> its pool
    std::map<std::string, std::uint32_t> unnamed_by_algo;                     // sessions without a coin
    double energy_j = 0;                                                      // sum of power x seconds
    bool energy_partial = false;
    std::uint64_t bytes_to = 0, bytes_from = 0;
    Timestamp first{}, last{};
  };
  std::map<IpAddress, Host> hosts_;
};

}  // namespace minewatch::estimate
