#pragma once
// Token buckets: one global, one per target. A probe takes one token from each; when a bucket is empty
// the limiter says how long until both have a token, and the caller waits (up to a bound) or refuses.
#include <cstddef>
#include <map>
#include <string>

#include "probe/clock.hpp"

namespace minewatch::probe {

struct BucketConfig {
  double rate_per_second = 1.0;  // refill
  double burst = 1.0;            // capacity
};

class TokenBucket {
 public:
  TokenBucket(BucketConfig config, TimePoint now) : config_(config), tokens_(config.burst), last_(now) {}
  // Time until one token is available (zero when one is available now).
  [[nodiscard]] Duration wait_time(TimePoint now) const;
  // Takes a token if one is available now.
  bool try_take(TimePoint now);

 private:
  void refill(TimePoint now);
  [[nodiscard]] double tokens_at(TimePoint now) const;
  BucketConfig config_;
  double tokens_;
  TimePoint last_;
};

struct RateLimitConfig {
  BucketConfig global{10.0, 20.0};
  BucketConfig per_target{0.1, 3.0};             // a burst of 3 (one auto probe), then one every 10 s
  Duration max_wait = std::chrono::seconds{30};  // longer waits are refused
  std::size_t max_targets = 100'000;             // idle per-target buckets are dropped beyond this
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimitConfig config, TimeSource& time) : config_(config), time_(&time) {}

  enum class Outcome { Granted, Refused };
  struct Decision {
    Outcome outcome = Outcome::Granted;
    Duration waited{};  // how long the caller was made to wait
  };
  // Takes a token for `target` from both buckets, sleeping on the time source while they refill if the
  // wait is at most max_wait; otherwise refuses without taking anything.
  Decision acquire(const std::string& target);
  // Without waiting: how long acquire() would wait now.
  [[nodiscard]] Duration wait_time(const std::string& target) const;

  [[nodiscard]] std::uint64_t granted() const { return granted_; }
  [[nodiscard]] std::uint64_t refused() const { return refused_; }

 private:
  TokenBucket& bucket_for(const std::string& target);
  RateLimitConfig config_;
  TimeSource* time_;
  TokenBucket global_{config_.global, time_->now()};
  std::map<std::string, TokenBucket> targets_;
  std::uint64_t granted_ = 0, refused_ = 0;
};

}  // namespace minewatch::probe
