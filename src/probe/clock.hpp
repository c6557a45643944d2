#pragma once
// Time for the prober's rate limits, cache and deadlines. Injectable so tests measure limits with a
// fake clock instead of wall time.
#include <chrono>
#include <thread>

namespace minewatch::probe {

using Clock = std::chrono::steady_clock;
using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<Clock, Duration>;

class TimeSource {
 public:
  virtual ~TimeSource() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
  virtual void sleep_for(Duration d) = 0;
};

class SystemTime final : public TimeSource {
 public:
  [[nodiscard]] TimePoint now() const override { return std::chrono::time_point_cast<Duration>(Clock::now()); }
  void sleep_for(Duration d) override {
    if (d > Duration::zero()) std::this_thread::sleep_for(d);
  }
};

// Tests: time moves only when told to (or when someone sleeps).
class FakeTime final : public TimeSource {
 public:
  [[nodiscard]] TimePoint now() const override { return now_; }
  void sleep_for(Duration d) override {
    if (d > Duration::zero()) {
      now_ += d;
      slept_ += d;
    }
  }
  void advance(Duration d) { now_ += d; }
  [[nodiscard]] Duration slept() const { return slept_; }

 private:
  TimePoint now_{std::chrono::seconds{1'000'000}};
  Duration slept_{};
};

}  // namespace minewatch::probe
