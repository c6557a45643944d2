#include "estimate/host_rollup.hpp"

#include <fmt/format.h>

#include <cmath>

namespace minewatch::estimate {

void HostRollup::add(const detect::OrientedFlow& flow, const detect::MiningSession& session, const SessionEstimate& e) {
  auto& h = hosts_[flow.miner];
  if (h.sessions++ == 0 || flow.start < h.first) h.first = flow.start;
  if (flow.end > h.last) h.last = flow.end;
  h.bytes_to += flow.bytes_toserver;
  h.bytes_from += flow.bytes_toclient;
  const std::string pool = session.pool_host().empty() ? fmt::format("{}:{}", flow.pool.to_string(), flow.pool_port)
                                                       : std::string{session.pool_host()};
  if (e.coin_known()) {
    h.coins.insert(e.coin_id);
    if (!e.algorithm.empty()) h.coins_by_algo[e.algorithm].emplace(e.coin_id, pool);
  } else if (!e.algorithm.empty()) {
    ++h.unnamed_by_algo[e.algorithm];
  }
  h.pools.insert(pool);
  if (e.hashrate_known()) {
    auto& a = h.algos[e.algorithm.empty() ? std::string{"unknown"} : e.algorithm];
    a.unit = e.hashrate_unit;
    a.work += e.hashrate_hs * e.window_seconds;
    a.var += (e.hashrate_sigma * e.window_seconds) * (e.hashrate_sigma * e.window_seconds);
    ++a.sessions;
    if (e.kwh_per_day > 0) {
      h.energy_j += e.power_w * e.window_seconds;
    } else {
      h.energy_partial = true;
    }
  }
}

std::vector<HostTotals> HostRollup::totals() const {
  std::vector<HostTotals> out;
  for (const auto& [ip, h] : hosts_) {
    HostTotals t;
    t.host = ip;
    t.sessions = h.sessions;
    t.coins = h.coins;
    t.pools = h.pools;
    t.first = h.first;
    t.last = h.last;
    for (const auto& [algo, n] : h.unnamed_by_algo) {
      auto it = h.coins_by_algo.find(algo);
      if (it == h.coins_by_algo.end() || it->second.size() != 1) continue;  // none, or ambiguous
      const auto& [coin, pool] = *it->second.begin();
      t.coins_inferred.push_back(
          {coin, algo, n,
           fmt::format("this host mined {} with {} on {}; no other coin of that algorithm", coin, algo, pool)});
    }
    t.bytes_to_pools = h.bytes_to;
    t.bytes_from_pools = h.bytes_from;
    const double span = std::max(t.span_seconds(), 1.0);
    for (const auto& [algo, a] : h.algos) {
      t.rates.push_back({algo, a.unit, a.work / span, std::sqrt(a.var) / span, a.sessions});
    }
    t.power_w = h.energy_j / span;
    t.kwh_per_day = t.power_w * 24.0 / 1000.0;
    t.energy_partial = h.energy_partial;
    t.mbps_to_pools = static_cast<double>(h.bytes_to) * 8.0 / span / 1e6;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace minewatch::estimate
