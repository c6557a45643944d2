#include "estimate/session_estimate.hpp"

namespace minewatch::estimate {

// First landing: the interface only. Coin identification, hashrate and energy follow.
SessionEstimate estimate_session(const detect::MiningSession& session, Timestamp /*end*/, std::uint16_t /*pool_port*/) {
  SessionEstimate e;
  e.self_reported_hs = session.self_hashrate();
  e.hashrate_note = "not estimated yet";
  return e;
}

SessionEstimate estimate_session(const detect::OrientedFlow& flow, const detect::MiningSession& session) {
  return estimate_session(session, flow.end, flow.pool_port);
}

}  // namespace minewatch::estimate
