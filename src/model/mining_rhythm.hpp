#pragma once
// The rhythm of a share-driven mining session, as encryption leaves it visible (decision 0011). A
// miner speaking stratum or CryptoNote over TLS sends shares when it finds them (a Poisson process,
// ../shared/PROTOCOLS.md), each one record of one size (a submit has a fixed format: job id, nonce and
// result of fixed length; AEAD keeps the length), and the pool acknowledges each within a round trip
// with a shorter record of one size (an ack carries no data). Jobs arrive unasked now and then.
// Nothing here looks at ports, addresses or bytes: only the first payload packets of the flow (the
// same FlowSample the flow model reads) after its opening burst (handshake, login, first job).
//
// The rhythm is a behaviour signal of moderate strength: it never raises an alert alone (its fusion
// weight stays below the threshold); a second signal must agree (a ClientHello without a server name,
// the flow model, a destination on an intel list).
#include <cstdint>
#include <string_view>

#include "model/flow_features.hpp"

namespace minewatch::model {

struct RhythmParams {
  std::int64_t opening_pause_ms = 1000;   // the opening burst ends at the first pause this long
  std::size_t min_requests = 6;           // initiator records after the opening
  std::int64_t min_span_ms = 60'000;      // the steady part lasts at least this long
  std::uint32_t max_request_bytes = 512;  // shares and keepalives are small
  std::uint32_t size_tolerance = 4;       // one "size": request ids grow by a digit now and then
  double min_size_share = 0.6;            // of requests (and of replies) in the most common size
  std::int64_t max_reply_ms = 1000;       // an ack follows its request within a round trip
  double min_answered = 0.6;              // of requests answered so
  double max_ack_ratio = 0.75;            // median ack size / median request size
  std::int64_t min_median_gap_ms = 1000;  // shares are seconds apart, not an interactive burst
  double min_gap_cv = 0.5;                // Poisson gaps (cv 1), not a heartbeat's clock (cv 0)
  double max_bulk_share = 0.25;           // of responder packets at MSS size (>= 1400 bytes)
};

enum class RhythmVerdict : std::uint8_t {
  Match,
  NoOpening,      // no pause after the opening burst in the sample
  FewRequests,    // fewer than min_requests initiator records
  Short,          // steady part shorter than min_span_ms
  LargeRequest,   // an initiator record above max_request_bytes
  Bulk,           // the responder sends bulk data
  MixedRequests,  // request sizes do not repeat
  Unanswered,     // requests are not answered within max_reply_ms
  MixedReplies,   // reply sizes do not repeat
  AckNotSmaller,  // replies as large as requests: not acknowledgements
  Interactive,    // requests less than a second apart (median)
  Periodic,       // requests on a clock (heartbeat), not Poisson
};

struct Rhythm {
  RhythmVerdict verdict = RhythmVerdict::NoOpening;
  std::uint32_t requests = 0;       // initiator records in the steady part
  std::uint32_t request_bytes = 0;  // most common request size
  std::uint32_t reply_bytes = 0;    // most common acknowledgement size
  double answered = 0;              // share of requests answered within max_reply_ms
  double gap_cv = 0;                // coefficient of variation of the gaps between same-size requests
  std::int64_t span_ms = 0;         // steady part
  [[nodiscard]] bool match() const { return verdict == RhythmVerdict::Match; }
};

[[nodiscard]] Rhythm mining_rhythm(const FlowSample& sample, const RhythmParams& p = {});
[[nodiscard]] std::string_view rhythm_verdict_name(RhythmVerdict v);

}  // namespace minewatch::model
