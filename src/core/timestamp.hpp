#pragma once
// Time comes from packets: nanoseconds since the Unix epoch.
#include <chrono>
#include <cstdint>

namespace minewatch {

using Duration = std::chrono::nanoseconds;

struct Timestamp {
  std::int64_t ns = 0;

  static constexpr Timestamp from_parts(std::int64_t sec, std::int64_t nsec) { return {sec * 1'000'000'000 + nsec}; }
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
