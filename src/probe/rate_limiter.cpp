#include "probe/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace minewatch::probe {

double TokenBucket::tokens_at(TimePoint now) const {
  double dt = std::chrono::duration<double>(now - last_).count();
  if (dt < 0) dt = 0;
  return std::min(config_.burst, tokens_ + dt * config_.rate_per_second);
}

void TokenBucket::refill(TimePoint now) {
  tokens_ = tokens_at(now);
  if (now > last_) last_ = now;
}

Duration TokenBucket::wait_time(TimePoint now) const {
  double have = tokens_at(now);
  if (have >= 1.0) return Duration::zero();
  if (config_.rate_per_second <= 0) return Duration::max();
  double secs = (1.0 - have) / config_.rate_per_second;
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(secs)) + Duration{1};
}

bool TokenBucket::try_take(TimePoint now) {
  refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

TokenBucket& RateLimiter::bucket_for(const std::string& target) {
  auto it = targets_.find(target);
  if (it != targets_.end()) return it->second;
  if (targets_.size() >= config_.max_targets) {
    // Drop buckets that are full again: forgetting them changes nothing.
    TimePoint now = time_->now();
    std::erase_if(targets_, [&](const auto& kv) {
      TokenBucket probe_copy = kv.second;
      for (int i = 0; i < static_cast<int>(config_.per_target.burst); ++i) {
        if (!probe_copy.try_take(now)) return false;
      }
      return true;
    });
  }
  return targets_.emplace(target, TokenBucket{config_.per_target, time_->now()}).first->second;
}

Duration RateLimiter::wait_time(const std::string& target) const {
  TimePoint now = time_->now();
  Duration w = global_.wait_time(now);
  if (auto it = targets_.find(target); it != targets_.end()) w = std::max(w, it->second.wait_time(now));
  return w;
}

RateLimiter::Decision RateLimiter::acquire(const std::string& target) {
  Decision d;
  TokenBucket& bucket = bucket_for(target);
  for (;;) {
    TimePoint now = time_->now();
    Duration w = std::max(global_.wait_time(now), bucket.wait_time(now));
    if (w == Duration::zero()) {
      global_.try_take(now);
      bucket.try_take(now);
      ++granted_;
      return d;
    }
    if (d.waited + w > config_.max_wait) {
      ++refused_;
      d.outcome = Outcome::Refused;
      return d;
    }
    time_->sleep_for(w);
    d.waited += w;
  }
}

}  // namespace minewatch::probe
