#pragma once
// Time comes from packets: nanoseconds since the Unix epoch.
#include <chrono>
#include <cstdint>
#include <optional>

namespace minewatch {

using Duration = std::chrono::nanoseconds;

struct Timestamp {
  std::int64_t ns = 0;

  // Seconds a Timestamp can hold: int64 nanoseconds span 1677-09-21 to 2262-04-11.
  static constexpr std::int64_t kMaxSeconds = 9'223'372'035;
  static constexpr Timestamp from_parts(std::int64_t sec, std::int64_t nsec) { return {sec * 1'000'000'000 + nsec}; }
  // from_parts for untrusted input: nullopt when the instant is outside the representable span.
  static constexpr std::optional<Timestamp> checked_from_parts(std::int64_t sec, std::int64_t nsec) {
    if (sec > kMaxSeconds || sec < -kMaxSeconds || nsec < 0 || nsec >= 1'000'000'000) return std::nullopt;
    return from_parts(sec, nsec);
  }
  [[nodiscard]] constexpr std::int64_t seconds() const {
    return ns >= 0 ? ns / 1'000'000'000 : -((-ns + 999'999'999) / 1'000'000'000);
  }
  [[nodiscard]] constexpr std::int64_t subsec_ns() const { return ns - seconds() * 1'000'000'000; }
  [[nodiscard]] constexpr double to_seconds() const { return static_cast<double>(ns) / 1e9; }
  constexpr auto operator<=>(const Timestamp&) const = default;
  constexpr Timestamp operator+(Duration d) const { return {ns + d.count()}; }
  constexpr Duration operator-(Timestamp o) const { return Duration{ns - o.ns}; }
};

}  // namespace minewatch
