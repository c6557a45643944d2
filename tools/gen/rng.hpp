// Deterministic random numbers for the generator. Our own distributions: the output of a seed must not
// change with the standard library version.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

namespace mwgen {

__extension__ typedef unsigned __int128 u128;

constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman & Vigna).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }

  // An independent stream for a sub-task (one flow), derived from this stream and a tag.
  Rng fork(std::uint64_t tag) { return Rng{next() ^ (tag * 0xD1B54A32D192ED03ULL)}; }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  std::uint32_t u32() { return static_cast<std::uint32_t>(next() >> 32); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(next() >> 48); }
  std::uint8_t u8() { return static_cast<std::uint8_t>(next() >> 56); }

  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [lo, hi] (inclusive); Lemire's multiply-shift, bias negligible for our ranges.
  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) {
    const std::uint64_t span = hi - lo + 1;
    if (span == 0) return next();
    return lo + static_cast<std::uint64_t>((static_cast<u128>(next()) * span) >> 64);
  }
  int irange(int lo, int hi) { return static_cast<int>(range(0, static_cast<std::uint64_t>(hi - lo))) + lo; }
  bool chance(double p) { return uniform() < p; }
  double exponential(double mean) { return -mean * std::log1p(-uniform()); }
  double normal(double mean, double stddev) {
    double u1 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    const double u2 = uniform();
    return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double lognormal(double median, double sigma) { return median * std::exp(normal(0.0, sigma)); }
  // Pareto with minimum xm and shape alpha: a heavy tail.
  double pareto(double xm, double alpha) { return xm / std::pow(1.0 - uniform(), 1.0 / alpha); }

  template <typename T>
  const T& pick(std::span<const T> items) {
    return items[range(0, items.size() - 1)];
  }
  template <typename T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[range(0, N - 1)];
  }
  template <typename T>
  void shuffle(std::span<T> items) {
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[range(0, i - 1)]);
  }

  void fill(std::span<std::uint8_t> out) {
    for (auto& b : out) b = u8();
  }
  std::string hex(std::size_t digits) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s(digits, '0');
    for (auto& c : s) c = kDigits[next() >> 60];
    return s;
  }
  std::string alnum(std::size_t n) {
    static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s(n, 'a');
    for (auto& c : s) c = kChars[range(0, 35)];
    return s;
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
};

}  // namespace mwgen
