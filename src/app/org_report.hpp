#pragma once
// Who owns the miners: mining hosts from the store, attributed through the IP registry and classified
// (deliberate vs compromised), then grouped per organisation, per day, or into one statement.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "classify/classifier.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace minewatch::app {

struct ReportFilter {
  std::optional<store::Day> from, to;     // inclusive; unbounded when empty
  std::optional<registry::OrgType> type;  // owner type
  std::string region;                     // province or city (case-insensitive); empty = all
};

struct RateSum {
  std::string unit;
  double hashrate = 0;
};

// One mining address over the period.
struct HostView {
  std::string ip;
  std::string org_id;  // empty when the registry does not know the address
  std::string org_name;
  registry::OrgType type = registry::OrgType::Unknown;
  bool carrier = false;
  std::string subscriber;  // NAT/DHCP mapping
  std::string province, city;
  std::set<store::Day> days;
  std::set<std::string> coins;
  std::map<std::string, RateSum> hashrate;  // per algorithm: mean over the host's active days
  double kwh_per_day = 0;                   // mean over active days
  classify::Classification classification;
};

struct OrgRow {
  std::string org_id, name;
  registry::OrgType type = registry::OrgType::Unknown;
  std::string province, city;
  std::size_t ips = 0;
  std::set<std::string> coins;
  std::map<std::string, RateSum> hashrate;  // per algorithm, summed over hosts (never across algorithms)
  double kwh_per_day = 0;
  std::size_t deliberate = 0, compromised = 0, undetermined = 0;
};

struct DailyRow {
  store::Day day = 0;
  std::string province;
  registry::OrgType type = registry::OrgType::Unknown;
  std::size_t ips = 0;
};

struct Statement {
  registry::OrgType type = registry::OrgType::StateOwned;
  std::size_t ips = 0, orgs = 0, deliberate = 0, compromised = 0, undetermined = 0;
  std::size_t all_ips = 0;  // mining addresses of any owner in the period
  std::optional<store::Day> from, to;
  [[nodiscard]] std::string sentence() const;
};

// Hosts active in [filter.from, filter.to], attributed and classified; type/region filters applied.
[[nodiscard]] Result<std::vector<HostView>> load_hosts(store::Store& db, const registry::Registry& reg,
                                                       const classify::Weights& weights, const ReportFilter& filter);
[[nodiscard]] std::vector<OrgRow> group_by_org(const std::vector<HostView>& hosts);
[[nodiscard]] Result<std::vector<DailyRow>> daily_by_region(store::Store& db, const registry::Registry& reg,
                                                            const ReportFilter& filter);
[[nodiscard]] Statement make_statement(const std::vector<HostView>& all_hosts, registry::OrgType type);

// "state-owned entities", "universities", ...
[[nodiscard]] std::string_view owner_phrase(registry::OrgType type);

}  // namespace minewatch::app
