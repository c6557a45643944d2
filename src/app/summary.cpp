#include "app/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "app/report_table.hpp"
#include "estimate/session_estimate.hpp"

namespace minewatch::app {

void Summary::on_session(const detect::OrientedFlow& flow, const detect::MiningSession& session) {
  auto& h = hosts_[flow.miner];
  ++sessions_;
  ++h.sessions;
  std::string pool = flow.pool.is_v6 ? fmt::format("[{}]:{}", flow.pool.to_string(), flow.pool_port)
                                     : fmt::format("{}:{}", flow.pool.to_string(), flow.pool_port);
  if (!session.pool_host().empty()) pool += " (" + session.pool_host() + ")";
  h.pools.insert(pool);
  h.protocols.insert(std::string{protocols::family_name(session.family())});
  if (!session.agent().empty()) h.agents.insert(session.agent().substr(0, 40));
  h.shares.submitted += session.shares().submitted;
  h.shares.accepted += session.shares().accepted;
  h.shares.rejected += session.shares().rejected;
  h.bytes += flow.bytes_toserver + flow.bytes_toclient;
  rollup_.add(flow, session, estimate::estimate_session(flow, session));
}

namespace {
std::string join(const std::set<std::string>& items, std::size_t max_items) {
  std::string out;
  std::size_t n = 0;
  for (const auto& s : items) {
    if (n == max_items) {
      out += fmt::format(" +{}", items.size() - max_items);
      break;
    }
    if (!out.empty()) out += ", ";
    out += s;
    ++n;
  }
  return out.empty() ? "-" : out;
}
}  // namespace

void Summary::print(std::FILE* out) const {
  if (hosts_.empty()) {
    fmt::print(out, "No mining found.\n");
    return;
  }
  constexpr std::size_t kCols = 10;
  using Row = std::array<std::string, kCols>;
  std::vector<Row> rows;
  rows.push_back({"MINER", "SESSIONS", "PROTOCOLS", "POOLS", "AGENTS", "SHARES sub/acc/rej", "COINS",
                  "HASHRATE (per algorithm)", "kWh/day", "Mbps->pool"});
  const auto totals = rollup_.totals();
  double total_kwh = 0;
  for (const auto& [ip, h] : hosts_) {
    std::string coins = "-", rates = "-", kwh = "-", mbps = "-";
    for (const auto& t : totals) {
      if (t.host != ip) continue;
      if (!t.coins.empty()) coins = join(t.coins, 3);
      std::string r;
      for (const auto& a : t.rates) {
        if (!r.empty()) r += "; ";
        r += fmt::format("{} {} ±{:.0f}%", a.algorithm, format_rate(a.value, a.unit),
                         a.value > 0 ? 100 * a.sigma / a.value : 0);
      }
      if (!r.empty()) rates = r;
      if (t.kwh_per_day > 0) {
        kwh = fmt::format("{:.3g}{}", t.kwh_per_day, t.energy_partial ? "+" : "");
        total_kwh += t.kwh_per_day;
      }
      mbps = fmt::format("{:.3g}", t.mbps_to_pools);
    }
    rows.push_back(
        {ip.to_string(), std::to_string(h.sessions), join(h.protocols, 3), join(h.pools, 2), join(h.agents, 1),
         fmt::format("{}/{}/{}", h.shares.submitted, h.shares.accepted, h.shares.rejected), coins, rates, kwh, mbps});
  }
  std::array<std::size_t, kCols> w{};
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < kCols; ++i) w[i] = std::max(w[i], std::min<std::size_t>(r[i].size(), 60));
  }
  auto clip = [](const std::string& s) { return s.size() > 60 ? s.substr(0, 57) + "..." : s; };
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const auto& r = rows[k];
    std::string line;
    for (std::size_t i = 0; i < kCols; ++i) {
      const bool right = i == 1 || i == 5 || i == 8 || i == 9;
      line += right ? fmt::format("{:>{}}", clip(r[i]), w[i]) : fmt::format("{:<{}}", clip(r[i]), w[i]);
      if (i + 1 < kCols) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    fmt::print(out, "{}\n", line);
    if (k == 0) {
      std::size_t total = 2 * (kCols - 1);
      for (auto x : w) total += x;
      fmt::print(out, "{}\n", std::string(total, '-'));
    }
  }
  fmt::print(out, "{} miner host(s), {} mining session(s)", hosts_.size(), sessions_);
  if (total_kwh > 0)
    fmt::print(out, ", {:.3g} kWh/day estimated (hashrates are per algorithm, energy is summed)", total_kwh);
  fmt::print(out, "\n");
}

}  // namespace minewatch::app
