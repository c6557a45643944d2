#include "model/mining_rhythm.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace minewatch::model {

namespace {

// The size covering the most values within +-tol of it, and how many it covers.
std::pair<std::uint32_t, std::size_t> dominant_size(const std::uint32_t* v, std::size_t n, std::uint32_t tol) {
  std::uint32_t best = 0;
  std::size_t best_n = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t c = 0;
    for (std::size_t j = 0; j < n; ++j) c += (v[j] + tol >= v[i] && v[j] <= v[i] + tol) ? 1 : 0;
    if (c > best_n) {
      best_n = c;
      best = v[i];
    }
  }
  return {best, best_n};
}

std::uint32_t lower_median(std::uint32_t* v, std::size_t n) {
  std::nth_element(v, v + (n - 1) / 2, v + n);
  return v[(n - 1) / 2];
}

}  // namespace

Rhythm mining_rhythm(const FlowSample& s, const RhythmParams& p) {
  Rhythm r;
  const std::size_t n = s.size();
  // The opening burst (TCP and TLS handshakes, login, first job) ends at the first pause.
  std::size_t k = 0;
  for (std::size_t i = 1; i < n; ++i) {
    if (s.offset_ms(i) - s.offset_ms(i - 1) >= p.opening_pause_ms) {
      k = i;
      break;
    }
  }
  if (k == 0) return r;  // NoOpening

  std::array<std::uint32_t, kMaxPackets> req_size{}, req_idx{}, reply_size{};
  std::size_t nreq = 0, nreply = 0, down = 0, bulk = 0;
  for (std::size_t i = k; i < n; ++i) {
    if (s.from_initiator(i)) {
      req_idx[nreq] = static_cast<std::uint32_t>(i);
      req_size[nreq++] = s.payload(i);
    } else {
      ++down;
      if (s.payload(i) >= 1400) ++bulk;
    }
  }
  r.requests = static_cast<std::uint32_t>(nreq);
  r.span_ms = s.offset_ms(n - 1) - s.offset_ms(k);
  if (nreq < p.min_requests) {
    r.verdict = RhythmVerdict::FewRequests;
    return r;
  }
  if (r.span_ms < p.min_span_ms) {
    r.verdict = RhythmVerdict::Short;
    return r;
  }
  for (std::size_t j = 0; j < nreq; ++j) {
    if (req_size[j] > p.max_request_bytes) {
      r.verdict = RhythmVerdict::LargeRequest;
      return r;
    }
  }
  if (static_cast<double>(bulk) > p.max_bulk_share * static_cast<double>(std::max<std::size_t>(down, 1))) {
    r.verdict = RhythmVerdict::Bulk;
    return r;
  }
  const auto [req_mode, req_n] = dominant_size(req_size.data(), nreq, p.size_tolerance);
  r.request_bytes = req_mode;
  if (static_cast<double>(req_n) < p.min_size_share * static_cast<double>(nreq)) {
    r.verdict = RhythmVerdict::MixedRequests;
    return r;
  }
  // Acknowledgements: the responder's next packet, within a round trip.
  for (std::size_t j = 0; j < nreq; ++j) {
    const std::size_t i = req_idx[j];
    if (i + 1 < n && !s.from_initiator(i + 1) && s.offset_ms(i + 1) - s.offset_ms(i) <= p.max_reply_ms)
      reply_size[nreply++] = s.payload(i + 1);
  }
  r.answered = static_cast<double>(nreply) / static_cast<double>(nreq);
  if (r.answered < p.min_answered) {
    r.verdict = RhythmVerdict::Unanswered;
    return r;
  }
  const auto [reply_mode, reply_n] = dominant_size(reply_size.data(), nreply, p.size_tolerance);
  r.reply_bytes = reply_mode;
  if (static_cast<double>(reply_n) < p.min_size_share * static_cast<double>(nreply)) {
    r.verdict = RhythmVerdict::MixedReplies;
    return r;
  }
  std::array<std::uint32_t, kMaxPackets> tmp{};
  std::copy_n(reply_size.begin(), nreply, tmp.begin());
  const std::uint32_t reply_median = lower_median(tmp.data(), nreply);
  std::copy_n(req_size.begin(), nreq, tmp.begin());
  const std::uint32_t req_median = lower_median(tmp.data(), nreq);
  if (static_cast<double>(reply_median) > p.max_ack_ratio * static_cast<double>(req_median)) {
    r.verdict = RhythmVerdict::AckNotSmaller;
    return r;
  }
  // Gaps between consecutive requests of the dominant size (the shares; keepalives have their own size).
  std::array<double, kMaxPackets> gaps{};
  std::size_t ngaps = 0;
  std::int64_t prev = -1;
  for (std::size_t j = 0; j < nreq; ++j) {
    if (!(req_size[j] + p.size_tolerance >= req_mode && req_size[j] <= req_mode + p.size_tolerance)) continue;
    const std::int64_t t = s.offset_ms(req_idx[j]);
    if (prev >= 0) gaps[ngaps++] = static_cast<double>(t - prev);
    prev = t;
  }
  if (ngaps < 2) {
    r.verdict = RhythmVerdict::FewRequests;
    return r;
  }
  std::array<double, kMaxPackets> sorted{};
  std::copy_n(gaps.begin(), ngaps, sorted.begin());
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>((ngaps - 1) / 2),
                   sorted.begin() + static_cast<std::ptrdiff_t>(ngaps));
  if (sorted[(ngaps - 1) / 2] < static_cast<double>(p.min_median_gap_ms)) {
    r.verdict = RhythmVerdict::Interactive;
    return r;
  }
  double mean = 0;
  for (std::size_t j = 0; j < ngaps; ++j) mean += gaps[j];
  mean /= static_cast<double>(ngaps);
  double var = 0;
  for (std::size_t j = 0; j < ngaps; ++j) var += (gaps[j] - mean) * (gaps[j] - mean);
  r.gap_cv = mean > 0 ? std::sqrt(var / static_cast<double>(ngaps)) / mean : 0.0;
  if (r.gap_cv < p.min_gap_cv) {
    r.verdict = RhythmVerdict::Periodic;
    return r;
  }
  r.verdict = RhythmVerdict::Match;
  return r;
}

std::string_view rhythm_verdict_name(RhythmVerdict v) {
  switch (v) {
    case RhythmVerdict::Match: return "match";
    case RhythmVerdict::NoOpening: return "no-opening";
    case RhythmVerdict::FewRequests: return "few-requests";
    case RhythmVerdict::Short: return "short";
    case RhythmVerdict::LargeRequest: return "large-request";
    case RhythmVerdict::Bulk: return "bulk";
    case RhythmVerdict::MixedRequests: return "mixed-requests";
    case RhythmVerdict::Unanswered: return "unanswered";
    case RhythmVerdict::MixedReplies: return "mixed-replies";
    case RhythmVerdict::AckNotSmaller: return "ack-not-smaller";
    case RhythmVerdict::Interactive: return "interactive";
    case RhythmVerdict::Periodic: return "periodic";
  }
  return "?";
}

}  // namespace minewatch::model
