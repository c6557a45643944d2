#include "model/flow_features.hpp"

#include <algorithm>
#include <bit>
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
  double total = 0;  // summed as the values come, left to right: the same bits as a later pass
  void push(double x) {
    v[n++] = x;
    total += x;
  }
  [[nodiscard]] bool empty() const { return n == 0; }
  [[nodiscard]] double sum() const { return total; }
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
  [[nodiscard]] double max() const {
    return n ? *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)) : 0.0;
  }
};

// Keys of the sampled packets, one per packet: the size, negated (minus one) for the responder's, so
// equal keys mean equal size and direction. Padded with a key no packet has, so the counting loops
// below run a fixed length and vectorize.
constexpr std::size_t kKeySlots = 32;
static_assert(kKeySlots >= kMaxPackets);
constexpr std::int32_t kNoKey = std::numeric_limits<std::int32_t>::min();

struct Modes {
  std::size_t mode = 0;       // largest multiplicity of a key
  std::size_t distinct = 0;   // distinct keys
  std::size_t up_mode = 0;    // largest multiplicity among the initiator's keys
  std::size_t down_mode = 0;  // and among the responder's
};

// Multiplicities by counting, not sorting: with at most 30 keys the 32 x 32 comparisons are a few
// vector instructions per key and never mispredict, where a sort of a flow's sizes did about every
// other comparison. A key's count among all packets is its count within its own direction, since the
// key carries the direction.
Modes count_modes(const std::array<std::int32_t, kKeySlots>& keys, std::size_t n, std::uint32_t up_bits) {
  Modes m;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t key = keys[i];
    const auto at = static_cast<std::int32_t>(i);
    std::int32_t same = 0, before = 0;
    for (std::int32_t j = 0; j < static_cast<std::int32_t>(kKeySlots); ++j) {
      const std::int32_t eq = keys[j] == key;
      same += eq;
      before += eq & (j < at);
    }
    const auto count = static_cast<std::size_t>(same);
    m.mode = std::max(m.mode, count);
    m.distinct += before == 0;
    if ((up_bits >> i) & 1u)
      m.up_mode = std::max(m.up_mode, count);
    else
      m.down_mode = std::max(m.down_mode, count);
  }
  return m;
}

// The gaps between consecutive sampled packets, with which of them are replies (initiator, then
// responder) and which are pauses (responder, then initiator). Whole milliseconds: at most 2^32 - 2,
// since sample offsets are clamped to int32, so a gap is kept biased into an int32 to compare signed.
struct Gaps {
  std::array<std::int32_t, kKeySlots> keys;
  std::size_t n = 0;
  std::uint32_t reply_bits = 0, pause_bits = 0;
  Gaps() { keys.fill(std::numeric_limits<std::int32_t>::max()); }  // above every gap: never counted
  void push(std::uint32_t ms, bool reply, bool pause) {
    keys[n] = static_cast<std::int32_t>(ms ^ 0x8000'0000u);
    reply_bits |= static_cast<std::uint32_t>(reply) << n;
    pause_bits |= static_cast<std::uint32_t>(pause) << n;
    ++n;
  }
  static double value(std::int32_t key) { return static_cast<double>(static_cast<std::uint32_t>(key) ^ 0x8000'0000u); }
};

// Lower medians ((count - 1) / 2 in sorted order, as the training script's sort picks them) of all gaps,
// of the replies and of the pauses; -1 for an empty set. The gaps are put in order by rank: counting,
// for each gap, the smaller ones and the equal ones before it is branch-free, where partitioning a
// flow's gaps (in no order) mispredicted about every other comparison. One ranking serves all three.
struct GapMedians {
  double all = -1, replies = -1, pauses = -1;
};
GapMedians gap_medians(const Gaps& g) {
  std::array<std::uint8_t, kKeySlots> order{};
  for (std::size_t i = 0; i < g.n; ++i) {
    const std::int32_t key = g.keys[i];
    const auto at = static_cast<std::int32_t>(i);
    std::int32_t rank = 0;
    for (std::int32_t j = 0; j < static_cast<std::int32_t>(kKeySlots); ++j)
      rank += (g.keys[j] < key) + ((g.keys[j] == key) & (j < at));
    order[static_cast<std::size_t>(rank)] = static_cast<std::uint8_t>(i);
  }
  GapMedians m;
  const auto replies = static_cast<std::size_t>(std::popcount(g.reply_bits));
  const auto pauses = static_cast<std::size_t>(std::popcount(g.pause_bits));
  std::size_t seen_replies = 0, seen_pauses = 0;
  for (std::size_t r = 0; r < g.n; ++r) {
    const std::size_t i = order[r];
    const double v = Gaps::value(g.keys[i]);
    if (r == (g.n - 1) / 2) m.all = v;
    if ((g.reply_bits >> i) & 1u) {
      if (seen_replies++ == (replies - 1) / 2) m.replies = v;
    }
    if ((g.pause_bits >> i) & 1u) {
      if (seen_pauses++ == (pauses - 1) / 2) m.pauses = v;
    }
  }
  return m;
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
  Values up, down, iats, up_iats, down_iats, log_iats;
  Gaps gaps;
  std::array<std::int32_t, kKeySlots> keys;
  keys.fill(kNoKey);
  std::uint32_t up_bits = 0;
  std::size_t changes = 0, small = 0;
  double max_size = 0;
  std::int64_t last_up = 0, last_down = 0;
  bool seen_up = false, seen_down = false;
  for (std::size_t i = 0; i < n; ++i) {
    const bool u = s.from_initiator(i);
    const std::int32_t size = s.payload(i);
    const std::int64_t t = s.offset_ms(i);
    (u ? up : down).push(size);
    keys[i] = u ? size : -size - 1;
    up_bits |= static_cast<std::uint32_t>(u) << i;
    if (u) {
      if (seen_up) up_iats.push(pos(t - last_up));
      last_up = t;
      seen_up = true;
    } else {
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
      gaps.push(static_cast<std::uint32_t>(gap), !u && prev_u, u && !prev_u);
    }
  }
  const Modes modes = count_modes(keys, n, up_bits);
  const GapMedians medians = gap_medians(gaps);
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
  f[k++] = static_cast<double>(modes.mode) / nd;
  f[k++] = static_cast<double>(modes.distinct) / nd;
  f[k++] = signed_size(0);
  f[k++] = n > 1 ? signed_size(1) : 0.0;
  f[k++] = log1p_whole(pos(s.offset_ms(n - 1) - s.offset_ms(0)));
  f[k++] = log1p_whole(gaps.n == 0 ? 0.0 : medians.all);
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
  f[k++] = medians.replies < 0 ? -1.0 : log1p_whole(medians.replies);
  f[k++] = up.empty() ? 0.0 : static_cast<double>(modes.up_mode) / static_cast<double>(up.n);
  f[k++] = down.empty() ? 0.0 : static_cast<double>(modes.down_mode) / static_cast<double>(down.n);
  f[k++] = medians.pauses < 0 ? -1.0 : log1p_whole(medians.pauses);
  return f;
}

}  // namespace minewatch::model
