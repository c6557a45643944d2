// The host-day roll-up: what one address did on one UTC day, from the sessions overlapping that day.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "store/store.hpp"

namespace minewatch::store {

HostDay roll_up(const std::string& ip, Day day, std::span<const SessionRow> sessions) {
  const std::int64_t day_lo = std::int64_t{day} * kNsPerDay, day_hi = day_lo + kNsPerDay;
  HostDay h;
  h.ip = ip;
  h.day = day;
  std::set<std::pair<std::string, int>> pools;
  std::set<std::string> coins;
  // Per algorithm: work-weighted rates over the span the algorithm was seen that day, so concurrent
  // sessions (two rigs behind one address) add up and consecutive ones average.
  struct Acc {
    std::string unit;
    double rate_time = 0, var_time2 = 0, kwh_time = 0;
    std::int64_t lo = 0, hi = 0;
    double peak = 0, peak_sigma = 0, peak_kwh = 0;
    bool any = false;
  };
  std::map<std::string, Acc> algos;
  bool first = true;
  for (const auto& s : sessions) {
    std::int64_t lo = std::max(s.start_ns, day_lo), hi = std::min(s.end_ns, day_hi - 1);
    if (lo > hi) continue;
    ++h.sessions;
    pools.emplace(s.pool_ip, s.pool_port);
    if (!s.coin.empty() && s.coin != "unknown") coins.insert(s.coin);
    // A session spanning days contributes its bytes in proportion to its time in this day.
    double share =
        s.end_ns > s.start_ns ? static_cast<double>(hi - lo) / static_cast<double>(s.end_ns - s.start_ns) : 1.0;
    h.bytes_to_pools += static_cast<std::int64_t>(std::llround(static_cast<double>(s.bytes_toserver) * share));
    if (first || lo < h.first_seen_ns) h.first_seen_ns = lo;
    if (first || hi > h.last_seen_ns) h.last_seen_ns = hi;
    first = false;
    if (s.algorithm.empty() || (s.hashrate <= 0 && s.kwh_per_day <= 0)) continue;
    auto& a = algos[s.algorithm];
    double t = static_cast<double>(hi - lo) / 1e9;
    if (!a.any || lo < a.lo) a.lo = lo;
    if (!a.any || hi > a.hi) a.hi = hi;
    a.any = true;
    if (a.unit.empty()) a.unit = s.hashrate_unit;
    a.rate_time += s.hashrate * t;
    a.var_time2 += (s.hashrate_sigma * t) * (s.hashrate_sigma * t);
    a.kwh_time += s.kwh_per_day * t;
    if (s.hashrate > a.peak) {
      a.peak = s.hashrate;
      a.peak_sigma = s.hashrate_sigma;
    }
    a.peak_kwh = std::max(a.peak_kwh, s.kwh_per_day);
  }
  h.pools = static_cast<std::int64_t>(pools.size());
  for (const auto& c : coins) h.coins += (h.coins.empty() ? "" : ",") + c;
  for (auto& [algo, a] : algos) {
    double span = static_cast<double>(a.hi - a.lo) / 1e9;
    AlgoHashrate r{algo, a.unit.empty() ? "H/s" : a.unit, 0, 0};
    double kwh = 0;
    if (span > 0 && a.rate_time + a.kwh_time > 0) {
      r.hashrate = a.rate_time / span;
      r.sigma = std::sqrt(a.var_time2) / span;
      kwh = a.kwh_time / span;
    } else {  // instantaneous sessions only: no time to weight by
      r.hashrate = a.peak;
      r.sigma = a.peak_sigma;
      kwh = a.peak_kwh;
    }
    h.kwh_per_day += kwh;  // energy adds up across algorithms; hashrates never do
    if (r.hashrate > 0) h.hashrates.push_back(std::move(r));
  }
  return h;
}

}  // namespace minewatch::store
