#include "probe/probing_sink.hpp"

#include <fmt/format.h>

#include "probe/probe_report.hpp"

namespace minewatch::probe {

using protocols::Family;

bool ProbingSink::wants_probe(const detect::MiningSession& s) {
  // Sessions proven by messages in the clear need no confirmation; encrypted ones do.
  if (s.family() == Family::Stratum2) return s.protocol_variant().starts_with("Noise");
  return s.family() == Family::Tls || s.family() == Family::Unknown;
}

ProbeResult ProbingSink::probe_into(const detect::OrientedFlow& flow, detect::MiningSession& session) {
  ProbeResult r = prober_->probe(flow.pool, flow.pool_port);
  ++verdicts_[r.verdict];
  detect::Evidence e;
  switch (r.verdict) {
    case Verdict::MiningPool:
      e.kind = "probe.mining-pool";
      e.detail = probe_detail_text(r);
      e.weight = kConfirmedWeight;
      break;
    case Verdict::NotMining:
    case Verdict::Silent:
    case Verdict::Refused:
    case Verdict::Timeout:
      // A pool may refuse strangers or speak a dialect we do not (Stratum V2 over Noise): an unconfirmed
      // probe is reported, but weighs nothing either way.
      e.kind = fmt::format("probe.{}", verdict_name(r.verdict));
      e.detail = r.reason;
      e.weight = 0;
      break;
    case Verdict::Unreachable:
    case Verdict::NotAllowed:
    case Verdict::RateLimited: return r;  // nothing was learnt about the endpoint
  }
  if (r.cached) e.detail += " (cached)";
  session.add_external_evidence(std::move(e));
  return r;
}

void ProbingSink::on_alert(const detect::OrientedFlow& flow, const detect::MiningSession& session, Timestamp ts) {
  // The engine alerts once per host; a host this sink already alerted for (a confirmed suspect) is not
  // alerted again.
  if (!alerted_.insert(flow.miner).second) return;
  inner_->on_alert(flow, session, ts);
}

void ProbingSink::on_session(const detect::OrientedFlow& flow, const detect::MiningSession& session) {
  if (!wants_probe(session)) {
    inner_->on_session(flow, session);
    return;
  }
  detect::MiningSession copy = session;
  probe_into(flow, copy);
  inner_->on_session(flow, copy);
}

void ProbingSink::on_suspect(const detect::OrientedFlow& flow, const detect::MiningSession& session) {
  detect::MiningSession copy = session;
  ProbeResult r = probe_into(flow, copy);
  if (r.verdict != Verdict::MiningPool || !copy.is_mining(threshold_)) {
    inner_->on_suspect(flow, copy);
    return;
  }
  ++confirmed_;
  if (alerted_.insert(flow.miner).second) inner_->on_alert(flow, copy, flow.end);
  inner_->on_session(flow, copy);
}

}  // namespace minewatch::probe
