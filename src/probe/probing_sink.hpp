#pragma once
// `analyze --probe`: sits between the engine and the outputs. Suspected sessions (some evidence, below
// the threshold, e.g. a Stratum V2 handshake shape) and mining sessions seen only through encryption
// (TLS, Stratum V2) get their pool endpoint probed; the verdict becomes a "probe" evidence, and a
// confirmed suspect becomes a mining session (with its alert). Probing obeys the prober's allow-list,
// rate limits and cache.
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "detect/engine.hpp"
#include "probe/prober.hpp"

namespace minewatch::probe {

class ProbingSink final : public detect::EventSink {
 public:
  ProbingSink(detect::EventSink& inner, Prober& prober, double alert_threshold)
      : inner_(&inner), prober_(&prober), threshold_(alert_threshold) {}

  void on_alert(const detect::OrientedFlow& flow, const detect::MiningSession& session, Timestamp ts) override;
  void on_session(const detect::OrientedFlow& flow, const detect::MiningSession& session) override;
  void on_suspect(const detect::OrientedFlow& flow, const detect::MiningSession& session) override;

  // Weight of a probe that found a pool: strong, as the pool itself answered.
  static constexpr double kConfirmedWeight = 0.9;

  [[nodiscard]] const std::map<Verdict, std::uint64_t>& verdicts() const { return verdicts_; }
  [[nodiscard]] std::uint64_t confirmed_suspects() const { return confirmed_; }

 private:
  // Probes the flow's pool and adds the verdict to `session` as evidence; the result is returned.
  ProbeResult probe_into(const detect::OrientedFlow& flow, detect::MiningSession& session);
  static bool wants_probe(const detect::MiningSession& s);

  detect::EventSink* inner_;
  Prober* prober_;
  double threshold_;
  std::set<IpAddress> alerted_;
  std::map<Verdict, std::uint64_t> verdicts_;
  std::uint64_t confirmed_ = 0;
};

}  // namespace minewatch::probe
