#include "model/cesnet_csv.hpp"

#include <array>
#include <charconv>
#include <fstream>
#include <sstream>

namespace minewatch::model {

namespace {

template <typename T>
bool to_int(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && !s.empty();
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    std::size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) return out;
    start = p + 1;
  }
}

bool list_of(std::string_view cell, std::vector<std::string_view>& out) {
  if (cell.size() < 2 || cell.front() != '[' || cell.back() != ']') return false;
  cell = cell.substr(1, cell.size() - 2);
  out.clear();
  if (!cell.empty()) out = split(cell, '|');
  return true;
}

}  // namespace

Result<std::int64_t> parse_cesnet_time_ms(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.ffffff]
  std::int64_t y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' ||
      !to_int(t.substr(0, 4), y) || !to_int(t.substr(5, 2), mo) || !to_int(t.substr(8, 2), d) ||
      !to_int(t.substr(11, 2), h) || !to_int(t.substr(14, 2), mi) || !to_int(t.substr(17, 2), s) || mo < 1 || mo > 12 ||
      d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return make_error("bad time '" + std::string(t) + "'");
  std::int64_t ms = 0;
  if (t.size() > 19) {
    if (t[19] != '.' || t.size() == 20) return make_error("bad time '" + std::string(t) + "'");
    std::string_view frac = t.substr(20);
    int digits = 0;
    for (char c : frac) {
      if (c < '0' || c > '9') return make_error("bad time '" + std::string(t) + "'");
      if (digits < 3) ms = ms * 10 + (c - '0');
      ++digits;
    }
    for (; digits < 3; ++digits) ms *= 10;
  }
  return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60'000 + s * 1000 + ms;
}

Result<std::vector<CesnetFlow>> read_cesnet_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path + ": cannot open");
  std::string header;
  if (!std::getline(in, header)) return make_error(path + ": empty file");
  if (!header.empty() && header.back() == '\r') header.pop_back();
  enum Col { kPkts, kPktsRev, kLabel, kDirs, kSizes, kTimes, kCols };
  constexpr std::array<std::string_view, kCols> kNames = {
      "PACKETS", "PACKETS_REV", "LABEL", "PPI_PKT_DIRECTIONS", "PPI_PKT_LENGTHS", "PPI_PKT_TIMES"};
  std::array<std::size_t, kCols> col;
  col.fill(SIZE_MAX);
  auto names = split(header, ',');
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string_view n = names[i];
    if (auto sp = n.rfind(' '); sp != std::string_view::npos) n = n.substr(sp + 1);  // "uint32 PACKETS"
    for (std::size_t c = 0; c < kCols; ++c)
      if (n == kNames[c]) col[c] = i;
  }
  for (std::size_t c = 0; c < kCols; ++c)
    if (col[c] == SIZE_MAX) return make_error(path + ":1: no column " + std::string(kNames[c]));

  std::vector<CesnetFlow> flows;
  std::string line;
  std::vector<std::string_view> dirs, sizes, times;
  for (std::size_t line_no = 2; std::getline(in, line); ++line_no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto fail = [&](std::string_view why) {
      return make_error(path + ":" + std::to_string(line_no) + ": " + std::string(why));
    };
    auto cells = split(line, ',');
    if (cells.size() != names.size()) return fail("expected " + std::to_string(names.size()) + " columns");
    CesnetFlow f;
    f.line = line_no;
    f.miner = cells[col[kLabel]] == "Miner";
    if (!to_int(cells[col[kPkts]], f.pkts_up) || !to_int(cells[col[kPktsRev]], f.pkts_down))
      return fail("bad packet counter");
    if (!list_of(cells[col[kDirs]], dirs) || !list_of(cells[col[kSizes]], sizes) || !list_of(cells[col[kTimes]], times))
      return fail("packet lists must look like [a|b|...]");
    if (dirs.size() != sizes.size() || dirs.size() != times.size()) return fail("packet lists differ in length");
    if (dirs.size() < 2) continue;
    for (std::size_t i = 0; i < dirs.size() && i < kMaxPackets; ++i) {
      int dir = 0;
      std::uint32_t size = 0;
      if (!to_int(dirs[i], dir) || (dir != 1 && dir != -1)) return fail("direction must be 1 or -1");
      if (!to_int(sizes[i], size)) return fail("bad packet length");
      auto ms = parse_cesnet_time_ms(times[i]);
      if (!ms) return fail(ms.error().message);
      f.sample.add_ms(dir > 0, size, *ms);
    }
    flows.push_back(f);
  }
  return flows;
}

}  // namespace minewatch::model
