#include "app/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

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
  struct Row {
    std::string host, sessions, protocols, pools, agents, shares;
  };
  std::vector<Row> rows;
  rows.push_back({"MINER", "SESSIONS", "PROTOCOLS", "POOLS", "AGENTS", "SHARES sub/acc/rej"});
  for (const auto& [ip, h] : hosts_) {
    rows.push_back({ip.to_string(), std::to_string(h.sessions), join(h.protocols, 3), join(h.pools, 2),
                    join(h.agents, 1),
                    fmt::format("{}/{}/{}", h.shares.submitted, h.shares.accepted, h.shares.rejected)});
  }
  std::array<std::size_t, 6> w{};
  for (const auto& r : rows) {
    const std::string* cols[] = {&r.host, &r.sessions, &r.protocols, &r.pools, &r.agents, &r.shares};
    for (std::size_t i = 0; i < 6; ++i) w[i] = std::max(w[i], std::min<std::size_t>(cols[i]->size(), 60));
  }
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const auto& r = rows[k];
    auto clip = [](const std::string& s) { return s.size() > 60 ? s.substr(0, 57) + "..." : s; };
    fmt::print(out, "{:<{}}  {:>{}}  {:<{}}  {:<{}}  {:<{}}  {:>{}}\n", clip(r.host), w[0], r.sessions, w[1],
               clip(r.protocols), w[2], clip(r.pools), w[3], clip(r.agents), w[4], r.shares, w[5]);
    if (k == 0) {
      std::size_t total = w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + 10;
      fmt::print(out, "{}\n", std::string(total, '-'));
    }
  }
  fmt::print(out, "{} miner host(s), {} mining session(s)\n", hosts_.size(), sessions_);
}

}  // namespace minewatch::app
