#include "model/flow_features.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace minewatch::model {

const std::array<std::string_view, kFeatureCount> kFeatureNames = {
    "n_pkts",         "frac_up",          "mean_size_up",    "mean_size_down",    "std_size_up",  "std_size_down",
    "max_size",       "log_bytes_up",     "log_bytes_down",  "dir_change_rate",   "mode_frac",    "distinct_frac",
    "first_size",     "second_size",      "log_duration_ms", "log_iat_median_ms", "mean_log_iat", "iat_cv",
    "log_iat_max_ms", "frac_iat_zero",    "up_iat_cv",       "down_iat_cv",       "small_frac",   "counters_valid",
    "log_pkts_total", "payload_pkt_frac", "log_pkt_ratio",   "log_reply_ms",      "up_mode_frac", "down_mode_frac",
    "log_gap_ms",
};

void FlowSample::add(bool from_initiator, std::uint32_t payload_len, Timestamp ts) {
  // Whole milliseconds, rounded down (CESNET's exporter truncates packet times to milliseconds).
  std::int64_t ms = ts.ns >= 0 ? ts.ns / 1'000'000 : -((-ts.ns + 999'999) / 1'000'000);
  add_ms(from_initiator, payload_len, ms);
}

void FlowSample::add_ms(bool from_initiator, std::uint32_t payload_len, std::int64_t time_ms) {
  if (count_ >= kMaxPackets) return;
  if (count_ == 0) first_ms_ = time_ms;
  std::int64_t off = time_ms - first_ms_;
  constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
  off = std::clamp<std::int64_t>(off, -kMax, kMax);
  offsets_ms_[count_] = static_cast<std::int32_t>(off);
  sizes_[count_] = static_cast<std::uint16_t>(std::min<std::uint32_t>(payload_len, 0xffff));
  if (from_initiator) up_bits_ |= 1u << count_;
  ++count_;
}

namespace {

// Small fixed-capacity list of doubles: the arithmetic below mirrors the Python (left-to-right sums,
// population standard deviation, lower median) so both sides round identically.
struct Values {
  std::array<double, kMaxPackets> v{};
  std::size_t n = 0;
  void push(double x) { v[n++] = x; }
  [[nodiscard]] bool empty() const { return n == 0; }
  [[nodiscard]] double sum() const {
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += v[i];
    return s;
  }
  [[nodiscard]] double mean() const { return n ? sum() / static_cast<double>(n) : 0.0; }
  [[nodiscard]] double std() const {
    if (n < 2) return 0.0;
    double m = mean(), s = 0;
    for (std::size_t i = 0; i < n; ++i) s += (v[i] - m) * (v[i] - m);
    return std::sqrt(s / static_cast<double>(n));
  }
  [[nodiscard]] double cv() const {
    double m = mean();
    return m > 0 ? std() / m : 0.0;
  }
  [[nodiscard]] double median() const {
    if (n == 0) return 0.0;
    std::array<double, kMaxPackets> s = v;
    auto mid = s.begin() + static_cast<std::ptrdiff_t>((n - 1) / 2);
    std::nth_element(s.begin(), mid, s.begin() + static_cast<std::ptrdiff_t>(n));
    return *mid;
  }
  [[nodiscard]] double max() const {
    return n ? *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)) : 0.0;
  }
};

// Largest multiplicity among (key) values; keys are small so a sort of a copy is cheapest.
template <std::size_t N>
std::pair<std::size_t, std::size_t> mode_and_distinct(std::array<std::int32_t, N> keys, std::size_t n) {
  if (n == 0) return {0, 0};
  std::sort(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(n));
  std::size_t best = 1, run = 1, distinct = 1;
  for (std::size_t i = 1; i < n; ++i) {
    if (keys[i] == keys[i - 1]) {
      best = std::max(best, ++run);
    } else {
      run = 1;
      ++distinct;
    }
  }
  return {best, distinct};
}

double pos(std::int64_t x) { return x > 0 ? static_cast<double>(x) : 0.0; }

// log1p of a whole number of milliseconds. Gaps between a flow's packets are mostly short, and libm's
// log1p cost half of the features' time: the table holds libm's own results (computed at start-up
// through a pointer, so the compiler cannot fold them into differently rounded constants), so every
// feature stays bit-identical to the direct call.
constexpr std::size_t kLog1pTable = 4096;
const std::array<double, kLog1pTable> log1p_table = [] {
  double (*volatile fn)(double) = static_cast<double (*)(double)>(std::log1p);
  std::array<double, kLog1pTable> t{};
  for (std::size_t i = 0; i < kLog1pTable; ++i) t[i] = fn(static_cast<double>(i));
  return t;
}();
double log1p_whole(double x) {
  return x < static_cast<double>(kLog1pTable) ? log1p_table[static_cast<std::size_t>(x)] : std::log1p(x);
}

}  // namespace

FeatureVector compute_features(const FlowSample& s, std::uint64_t pkts_up, std::uint64_t pkts_down) {
  const std::size_t n = s.size();
  if (n == 0) return FeatureVector{};
  const auto nd = static_cast<double>(n);
  Values up, down, iats, up_iats, down_iats, replies, gaps, log_iats;
  std::array<std::int32_t, kMaxPackets> pair_keys{}, up_keys{}, down_keys{};
  std::size_t n_up_keys = 0, n_down_keys = 0, changes = 0, small = 0;
  double max_size = 0;
  std::int64_t last_up = 0, last_down = 0;
  bool seen_up = false, seen_down = false;
  for (std::size_t i = 0; i < n; ++i) {
    const bool u = s.from_initiator(i);
    const std::int32_t size = s.payload(i);
    const std::int64_t t = s.offset_ms(i);
    (u ? up : down).push(size);
    pair_keys[i] = u ? size : -size - 1;
    if (u) {
      up_keys[n_up_keys++] = size;
      if (seen_up) up_iats.push(pos(t - last_up));
      last_up = t;
      seen_up = true;
    } else {
      down_keys[n_down_keys++] = size;
      if (seen_down) down_iats.push(pos(t - last_down));
      last_down = t;
      seen_down = true;
    }
    max_size = std::max(max_size, static_cast<double>(size));
    if (size < 300) ++small;
    if (i > 0) {
      const bool prev_u = s.from_initiator(i - 1);
      const double gap = pos(t - s.offset_ms(i - 1));
      iats.push(gap);
      log_iats.push(log1p_whole(gap));
      if (u != prev_u) ++changes;
      if (!u && prev_u) replies.push(gap);
      if (u && !prev_u) gaps.push(gap);
    }
  }
  auto [mode, distinct] = mode_and_distinct(pair_keys, n);
  auto [up_mode, up_distinct] = mode_and_distinct(up_keys, n_up_keys);
  auto [down_mode, down_distinct] = mode_and_distinct(down_keys, n_down_keys);
  (void)up_distinct;
  (void)down_distinct;
  std::size_t zero_iats = 0;
  for (std::size_t i = 0; i < iats.n; ++i) zero_iats += iats.v[i] == 0.0;

  const bool valid = n < kMaxPackets;
  const std::uint64_t total = pkts_up + pkts_down;
  auto signed_size = [&](std::size_t i) {
    return s.from_initiator(i) ? static_cast<double>(s.payload(i)) : -static_cast<double>(s.payload(i));
  };
  FeatureVector f{};
  std::size_t k = 0;
  f[k++] = nd;
  f[k++] = static_cast<double>(up.n) / nd;
  f[k++] = up.mean();
  f[k++] = down.mean();
  f[k++] = up.std();
  f[k++] = down.std();
  f[k++] = max_size;
  f[k++] = log1p_whole(up.sum());
  f[k++] = log1p_whole(down.sum());
  f[k++] = n > 1 ? static_cast<double>(changes) / static_cast<double>(n - 1) : 0.0;
  f[k++] = static_cast<double>(mode) / nd;
  f[k++] = static_cast<double>(distinct) / nd;
  f[k++] = signed_size(0);
  f[k++] = n > 1 ? signed_size(1) : 0.0;
  f[k++] = log1p_whole(pos(s.offset_ms(n - 1) - s.offset_ms(0)));
  f[k++] = log1p_whole(iats.median());
  f[k++] = log_iats.mean();
  f[k++] = iats.cv();
  f[k++] = log1p_whole(iats.max());
  f[k++] = iats.empty() ? 0.0 : static_cast<double>(zero_iats) / static_cast<double>(iats.n);
  f[k++] = up_iats.cv();
  f[k++] = down_iats.cv();
  f[k++] = static_cast<double>(small) / nd;
  f[k++] = valid ? 1.0 : 0.0;
  f[k++] = valid ? log1p_whole(static_cast<double>(total)) : 0.0;
  f[k++] = valid && total > 0 ? nd / static_cast<double>(total) : 0.0;
  f[k++] = valid ? std::log(static_cast<double>(pkts_up + 1) / static_cast<double>(pkts_down + 1)) : 0.0;
  f[k++] = replies.empty() ? -1.0 : log1p_whole(replies.median());
  f[k++] = up.empty() ? 0.0 : static_cast<double>(up_mode) / static_cast<double>(up.n);
  f[k++] = down.empty() ? 0.0 : static_cast<double>(down_mode) / static_cast<double>(down.n);
  f[k++] = gaps.empty() ? -1.0 : log1p_whole(gaps.median());
  return f;
}

}  // namespace minewatch::model
