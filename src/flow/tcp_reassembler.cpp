#include "flow/tcp_reassembler.hpp"

#include <algorithm>

namespace minewatch::flow {

void TcpReassembler::on_syn(std::uint32_t isn) {
  if (started_) return;  // a retransmitted SYN after data must not rewind the stream
  next_seq_ = isn + 1;
  started_ = true;
}

void TcpReassembler::on_segment(std::uint32_t seq, std::span<const std::uint8_t> payload, StreamSink& sink,
                                AnomalyCounters& anomalies) {
  if (payload.empty()) return;
  if (!started_) {
    // Mid-connection start: the first data we see defines the stream's beginning.
    next_seq_ = seq;
    started_ = true;
  }
  std::int32_t off = seq_diff(seq, next_seq_);
  if (off < 0) {
    // Retransmission or overlap with bytes already delivered: keep only the new tail.
    auto already = static_cast<std::uint32_t>(-static_cast<std::int64_t>(off));
    if (already >= payload.size()) return;
    payload = payload.subspan(already);
    seq = next_seq_;
    off = 0;
  }
  if (off == 0) {
    // Pending segments that this one covers are superseded only where they overlap; deliver
    // this segment, then anything pending that became contiguous.
    sink.on_stream_data(payload);
    next_seq_ += static_cast<std::uint32_t>(payload.size());
    delivered_ += payload.size();
    deliver_ready(sink);
    return;
  }
  insert_pending(seq, payload, anomalies);
  while (pending_bytes_ > max_pending_) {
    // Too much waiting behind a hole that is not going to be filled: give the hole up.
    anomalies.add(Anomaly::ReassemblyBufferFull);
    skip_to_first_pending(sink, anomalies);
  }
}

void TcpReassembler::insert_pending(std::uint32_t seq, std::span<const std::uint8_t> payload,
                                    AnomalyCounters& anomalies) {
  // Trim the new segment against pending ones (first received wins), inserting the uncovered parts.
  std::int64_t start = seq_diff(seq, next_seq_);
  std::int64_t end = start + static_cast<std::int64_t>(payload.size());
  std::int64_t cursor = start;
  std::vector<Pending> added;
  for (const auto& p : pending_) {
    std::int64_t ps = seq_diff(p.seq, next_seq_);
    std::int64_t pe = ps + static_cast<std::int64_t>(p.bytes.size());
    if (pe <= cursor) continue;
    if (ps >= end) break;
    if (ps > cursor) {
      auto from = static_cast<std::size_t>(cursor - start);
      auto len = static_cast<std::size_t>(ps - cursor);
      added.push_back({seq + static_cast<std::uint32_t>(from),
                       {payload.begin() + static_cast<std::ptrdiff_t>(from),
                        payload.begin() + static_cast<std::ptrdiff_t>(from + len)}});
    }
    // Overlap with pending bytes: compare for conflicts (evasion or corruption), keep the old.
    std::int64_t os = std::max(cursor, ps), oe = std::min(end, pe);
    if (oe > os && !std::equal(payload.begin() + static_cast<std::ptrdiff_t>(os - start),
                               payload.begin() + static_cast<std::ptrdiff_t>(oe - start),
                               p.bytes.begin() + static_cast<std::ptrdiff_t>(os - ps))) {
      anomalies.add(Anomaly::ReassemblyOverlapConflict);
    }
    cursor = std::max(cursor, pe);
    if (cursor >= end) break;
  }
  if (cursor < end) {
    auto from = static_cast<std::size_t>(cursor - start);
    added.push_back(
        {seq + static_cast<std::uint32_t>(from), {payload.begin() + static_cast<std::ptrdiff_t>(from), payload.end()}});
  }
  for (auto& a : added) {
    pending_bytes_ += a.bytes.size();
    auto pos = std::lower_bound(pending_.begin(), pending_.end(), a.seq, [this](const Pending& p, std::uint32_t s) {
      return seq_diff(p.seq, next_seq_) < seq_diff(s, next_seq_);
    });
    pending_.insert(pos, std::move(a));
  }
}

void TcpReassembler::deliver_ready(StreamSink& sink) {
  while (!pending_.empty()) {
    auto& p = pending_.front();
    std::int32_t off = seq_diff(p.seq, next_seq_);
    if (off > 0) return;
    auto skip = static_cast<std::size_t>(-static_cast<std::int64_t>(off));
    if (skip < p.bytes.size()) {
      std::span<const std::uint8_t> rest{p.bytes.data() + skip, p.bytes.size() - skip};
      sink.on_stream_data(rest);
      next_seq_ += static_cast<std::uint32_t>(rest.size());
      delivered_ += rest.size();
    }
    pending_bytes_ -= p.bytes.size();
    pending_.erase(pending_.begin());
  }
}

void TcpReassembler::skip_to_first_pending(StreamSink& sink, AnomalyCounters& anomalies) {
  if (pending_.empty()) return;
  std::int32_t hole = seq_diff(pending_.front().seq, next_seq_);
  if (hole > 0) {
    anomalies.add(Anomaly::ReassemblyGap);
    sink.on_stream_gap(static_cast<std::uint32_t>(hole));
    next_seq_ = pending_.front().seq;
  }
  deliver_ready(sink);
}

void TcpReassembler::flush(StreamSink& sink, AnomalyCounters& anomalies) {
  while (!pending_.empty()) skip_to_first_pending(sink, anomalies);
}

}  // namespace minewatch::flow
