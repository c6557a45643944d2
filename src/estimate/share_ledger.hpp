#pragma once
// The shares of one session, kept as aggregates so a session that lasts days costs a fixed ~0.5 KiB:
// totals since the pool first fixed the work per share, plus a ring of 5-minute buckets (the last hour)
// for a recent-window estimate. Each share is booked with the work per share in force when it was sent.
#include <array>
#include <cstdint>

#include "core/timestamp.hpp"

namespace minewatch::estimate {

// How a pool's work assignment is expressed.
enum class WorkUnit : std::uint8_t {
  None,
  Absolute,    // hashes (or Equihash solutions) per share: targets, CryptoNote difficulty, Ethash boundary
  Difficulty,  // a Stratum set_difficulty number: hashes per share = D x the algorithm's multiplier
};

struct ShareTotals {
  std::uint64_t shares = 0;  // shares with a known work per share
  double sum_work = 0;       // sum of work per share (in the ledger's unit)
  double sum_work2 = 0;      // sum of squares, for the variance under vardiff
};

class ShareLedger {
 public:
  static constexpr std::int64_t kBucketSeconds = 300;
  static constexpr std::size_t kBuckets = 12;  // the last hour

  // The pool set the work per share (set_difficulty, set_target, job target, getwork/boundary).
  void set_work(double work, WorkUnit unit, Timestamp ts) {
    if (!(work > 0) || unit == WorkUnit::None) return;
    if (unit_ == WorkUnit::None) {
      unit_ = unit;
      start_ = ts;
    } else if (unit != unit_) {
      // Mixed units within a flow (rare): keep the first, count the rest as not comparable.
      ++mixed_units_;
      return;
    }
    work_ = work;
  }
  // The miner submitted a share at `ts`.
  void add_share(Timestamp ts) {
    if (unit_ == WorkUnit::None) {
      ++shares_without_work_;
      return;
    }
    totals_.shares += 1;
    totals_.sum_work += work_;
    totals_.sum_work2 += work_ * work_;
    last_share_ = ts;
    const std::int64_t index = ts.seconds() / kBucketSeconds;
    auto& b = buckets_[static_cast<std::size_t>(index) % kBuckets];
    if (b.index != index) b = Bucket{index, {}};
    b.totals.shares += 1;
    b.totals.sum_work += work_;
    b.totals.sum_work2 += work_ * work_;
  }

  [[nodiscard]] WorkUnit unit() const { return unit_; }
  [[nodiscard]] double current_work() const { return work_; }
  [[nodiscard]] Timestamp start() const { return start_; }  // when the work per share became known
  [[nodiscard]] Timestamp last_share() const { return last_share_; }
  [[nodiscard]] const ShareTotals& totals() const { return totals_; }
  [[nodiscard]] std::uint64_t shares_without_work() const { return shares_without_work_; }
  [[nodiscard]] std::uint32_t mixed_units() const { return mixed_units_; }
  // Shares in whole buckets that start at or after `from` (seconds) and end by `to`.
  [[nodiscard]] ShareTotals window(std::int64_t from_bucket, std::int64_t to_bucket) const {
    ShareTotals t;
    for (const auto& b : buckets_) {
      if (b.index >= from_bucket && b.index <= to_bucket) {
        t.shares += b.totals.shares;
        t.sum_work += b.totals.sum_work;
        t.sum_work2 += b.totals.sum_work2;
      }
    }
    return t;
  }

 private:
  struct Bucket {
    std::int64_t index = -1;
    ShareTotals totals;
  };
  WorkUnit unit_ = WorkUnit::None;
  double work_ = 0;
  Timestamp start_{}, last_share_{};
  ShareTotals totals_;
  std::uint64_t shares_without_work_ = 0;
  std::uint32_t mixed_units_ = 0;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace minewatch::estimate
