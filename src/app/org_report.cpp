#include "app/org_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/ascii.hpp"

namespace minewatch::app {

namespace {

bool region_matches(const std::string& want, std::string_view province, std::string_view city) {
  if (want.empty()) return true;
  auto w = lower_ascii(want);
  return lower_ascii(province) == w || lower_ascii(city) == w;
}

void attribute(HostView& h, const registry::Owner& owner) {
  if (owner.org) {
    h.org_id = owner.org->id;
    h.org_name = owner.org->name;
    h.type = owner.org->type;
    h.carrier = owner.org->carrier;
  }
  if (owner.mapping) h.subscriber = owner.mapping->subscriber;
  h.province = std::string(owner.province);
  h.city = std::string(owner.city);
}

template <typename T>
T most_common(const std::map<T, int>& counts, T fallback) {
  int best = 0;
  for (const auto& [k, n] : counts) {
    if (n > best) {
      best = n;
      fallback = k;
    }
  }
  return fallback;
}

}  // namespace

std::string_view owner_phrase(registry::OrgType type) {
  switch (type) {
    case registry::OrgType::StateOwned: return "state-owned entities";
    case registry::OrgType::Government: return "party and government agencies";
    case registry::OrgType::University: return "universities";
    case registry::OrgType::PrivateEnterprise: return "private enterprises";
    case registry::OrgType::Residential: return "residential subscribers";
    case registry::OrgType::Cloud: return "IDC/cloud providers";
    case registry::OrgType::Unknown: break;
  }
  return "owners of unknown type";
}

Result<std::vector<HostView>> load_hosts(store::Store& db, const registry::Registry& reg,
                                         const classify::Weights& weights, const ReportFilter& filter) {
  auto days = db.host_days(filter.from, filter.to);
  if (!days) return std::unexpected(days.error());
  auto sessions = db.sessions(filter.from, filter.to);
  if (!sessions) return std::unexpected(sessions.error());

  std::map<std::string, HostView> hosts;
  std::map<std::string, std::map<std::string, double>> rate_sum;  // ip → algorithm → Σ daily rate
  std::map<std::string, double> kwh_sum;
  for (const auto& d : *days) {
    auto& h = hosts[d.ip];
    if (h.ip.empty()) {
      h.ip = d.ip;
      IpAddress addr;
      if (IpAddress::parse(d.ip, addr)) attribute(h, reg.lookup(addr, Timestamp{d.first_seen_ns}));
    }
    h.days.insert(d.day);
    for (std::size_t p = 0; p < d.coins.size();) {
      auto comma = d.coins.find(',', p);
      if (comma == std::string::npos) comma = d.coins.size();
      if (comma > p) h.coins.insert(d.coins.substr(p, comma - p));
      p = comma + 1;
    }
    for (const auto& a : d.hashrates) {
      rate_sum[d.ip][a.algorithm] += a.hashrate;
      h.hashrate[a.algorithm].unit = a.unit;
    }
    kwh_sum[d.ip] += d.kwh_per_day;
  }
  for (auto& [ip, h] : hosts) {
    auto n = static_cast<double>(h.days.size());
    for (auto& [algo, r] : h.hashrate) r.hashrate = rate_sum[ip][algo] / n;
    h.kwh_per_day = kwh_sum[ip] / n;
  }

  // Facts for the classifier, from the sessions of the period.
  struct Acc {
    std::set<std::string> agents, pools, wallets;
    std::map<std::string, int> hardware, coins;
    std::uint32_t sessions = 0;
    bool on_443 = false, agent_absent = false, personal_login = false;
    std::int64_t first = 0, last = 0;
  };
  std::map<std::string, Acc> facts;
  std::vector<classify::WalletSighting> sightings;
  for (const auto& s : *sessions) {
    auto it = hosts.find(s.miner_ip);
    if (it == hosts.end()) continue;
    auto& f = facts[s.miner_ip];
    if (f.sessions == 0 || s.start_ns < f.first) f.first = s.start_ns;
    if (f.sessions == 0 || s.end_ns > f.last) f.last = s.end_ns;
    ++f.sessions;
    if (!s.agent.empty()) f.agents.insert(s.agent);
    if (s.agent.empty() && (s.protocol == "stratum" || s.protocol == "cryptonote")) f.agent_absent = true;
    f.pools.insert(s.pool_host.empty() ? s.pool_ip : s.pool_host);
    if (!s.hardware_class.empty()) ++f.hardware[s.hardware_class];
    if (!s.coin.empty()) ++f.coins[s.coin];
    if (s.pool_port == 443) f.on_443 = true;
    if (s.wallet.find('@') != std::string::npos) f.personal_login = true;
    if (!s.wallet.empty()) {
      f.wallets.insert(s.wallet);
      // Carrier ranges hold many unrelated subscribers: count the subscriber (or address), not the carrier.
      const auto& h = it->second;
      std::string who =
          h.carrier || h.org_id.empty() ? (h.subscriber.empty() ? "ip:" + h.ip : "sub:" + h.subscriber) : h.org_id;
      sightings.push_back({s.wallet, who});
    }
  }
  auto shared = classify::find_shared_wallets(sightings, 2);
  std::map<std::string, std::size_t> wallet_orgs;
  for (const auto& w : shared) wallet_orgs[w.wallet] = w.org_ids.size();

  std::vector<HostView> out;
  for (auto& [ip, h] : hosts) {
    classify::HostFacts hf;
    auto fit = facts.find(ip);
    if (fit != facts.end()) {
      const auto& f = fit->second;
      hf.agents.assign(f.agents.begin(), f.agents.end());
      hf.hardware = classify::parse_hardware_class(most_common<std::string>(f.hardware, ""))
                        .value_or(classify::HardwareClass::Unknown);
      hf.sessions = f.sessions;
      hf.mining_flows = f.sessions;
      hf.observed_hours = static_cast<double>(f.last - f.first) / 3.6e12;
      hf.tls_on_443 = f.on_443;
      hf.agent_absent = f.agent_absent && f.agents.empty();
      hf.wallet_is_email_or_worker_name = f.personal_login;
      hf.pools.assign(f.pools.begin(), f.pools.end());
      hf.coin = most_common<std::string>(f.coins, "");
      for (const auto& w : f.wallets) {
        if (auto c = wallet_orgs.find(w); c != wallet_orgs.end())
          hf.wallet_org_count = std::max<std::uint32_t>(hf.wallet_org_count, static_cast<std::uint32_t>(c->second));
      }
    }
    hf.owner_type = h.type;
    hf.owner_is_carrier = h.carrier;
    h.classification = classify::classify(hf, weights);
    if (filter.type && h.type != *filter.type) continue;
    if (!region_matches(filter.region, h.province, h.city)) continue;
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<OrgRow> group_by_org(const std::vector<HostView>& hosts) {
  std::map<std::string, OrgRow> orgs;
  for (const auto& h : hosts) {
    std::string key = h.org_id.empty() ? std::string() : h.org_id;
    auto& o = orgs[key];
    if (o.ips == 0) {
      o.org_id = h.org_id;
      o.name = h.org_id.empty() ? "(not in the registry)" : h.org_name;
      o.type = h.type;
      o.province = h.province;
      o.city = h.city;
    }
    ++o.ips;
    o.coins.insert(h.coins.begin(), h.coins.end());
    for (const auto& [algo, r] : h.hashrate) {
      o.hashrate[algo].unit = r.unit;
      o.hashrate[algo].hashrate += r.hashrate;
    }
    o.kwh_per_day += h.kwh_per_day;
    switch (h.classification.verdict) {
      case classify::Verdict::Deliberate: ++o.deliberate; break;
      case classify::Verdict::Compromised: ++o.compromised; break;
      case classify::Verdict::Undetermined: ++o.undetermined; break;
    }
  }
  std::vector<OrgRow> out;
  for (auto& [k, o] : orgs) out.push_back(std::move(o));
  std::stable_sort(out.begin(), out.end(), [](const OrgRow& a, const OrgRow& b) {
    if (a.ips != b.ips) return a.ips > b.ips;
    return a.name < b.name;
  });
  return out;
}

Result<std::vector<DailyRow>> daily_by_region(store::Store& db, const registry::Registry& reg,
                                              const ReportFilter& filter) {
  auto days = db.host_days(filter.from, filter.to);
  if (!days) return std::unexpected(days.error());
  std::map<std::tuple<store::Day, std::string, registry::OrgType>, std::size_t> counts;
  for (const auto& d : *days) {
    HostView h;
    IpAddress addr;
    if (IpAddress::parse(d.ip, addr)) attribute(h, reg.lookup(addr, Timestamp{d.first_seen_ns}));
    if (filter.type && h.type != *filter.type) continue;
    if (!region_matches(filter.region, h.province, h.city)) continue;
    ++counts[{d.day, h.province, h.type}];
  }
  std::vector<DailyRow> out;
  for (const auto& [k, n] : counts) out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), n});
  return out;
}

Statement make_statement(const std::vector<HostView>& all_hosts, registry::OrgType type) {
  Statement s;
  s.type = type;
  s.all_ips = all_hosts.size();
  std::set<std::string> orgs;
  for (const auto& h : all_hosts) {
    if (h.type != type || h.org_id.empty()) continue;
    ++s.ips;
    orgs.insert(h.org_id);
    switch (h.classification.verdict) {
      case classify::Verdict::Deliberate: ++s.deliberate; break;
      case classify::Verdict::Compromised: ++s.compromised; break;
      case classify::Verdict::Undetermined: ++s.undetermined; break;
    }
  }
  s.orgs = orgs.size();
  return s;
}

std::string Statement::sentence() const {
  std::string period;
  if (from && to && *from == *to) {
    period = fmt::format(" on {}", store::format_day(*from));
  } else if (from || to) {
    period = fmt::format(" from {} to {}", from ? store::format_day(*from) : "the start",
                         to ? store::format_day(*to) : "the end");
  }
  std::string s = fmt::format("{} IPs at {} {}; {} deliberate, {} compromised", ips, orgs, owner_phrase(type),
                              deliberate, compromised);
  if (undetermined) s += fmt::format(", {} undetermined", undetermined);
  s += fmt::format(" ({} mining IPs in all{})", all_ips, period);
  return s;
}

}  // namespace minewatch::app
