// The IP registry persisted: organisations by their stable key, prefixes, regions and NAT mappings.
#include <fmt/format.h>

#include <map>

#include "registry/registry.hpp"
#include "store/sql_store.hpp"

namespace minewatch::store {

namespace {

constexpr std::size_t kBatchRows = 50'000;

}  // namespace

Result<RegistryCounts> SqlStore::save_registry(const registry::RegistryData& data) {
  RegistryCounts out;
  auto& db = *db_;
  if (auto r = db.begin(); !r) return std::unexpected(r.error());
  auto fail = [&](Error e) -> Result<RegistryCounts> {
    db.rollback();
    return std::unexpected(std::move(e));
  };
  std::vector<std::int64_t> org_ids(data.orgs.size(), 0);
  for (std::size_t i = 0; i < data.orgs.size(); ++i) {
    const auto& o = data.orgs[i];
    std::vector<Value> p{o.id,   o.name,   std::string(registry::to_string(o.type)), o.province,
                         o.city, o.source, std::int64_t{o.carrier ? 1 : 0}};
    // A later import fills in or corrects what it knows; it never blanks what an earlier one said.
    auto r = db.query(
        "INSERT INTO organisations (org_key, name, type, province, city, source, carrier) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_key) DO UPDATE SET "
        "name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE organisations.name END, "
        "type = CASE WHEN excluded.type <> 'unknown' THEN excluded.type ELSE organisations.type END, "
        "province = CASE WHEN excluded.province <> '' THEN excluded.province ELSE organisations.province END, "
        "city = CASE WHEN excluded.city <> '' THEN excluded.city ELSE organisations.city END, "
        "source = excluded.source, "
        "carrier = CASE WHEN excluded.carrier <> 0 THEN excluded.carrier ELSE organisations.carrier END "
        "RETURNING id",
        p);
    if (!r) return fail(r.error());
    org_ids[i] = r->int64(0, 0);
    ++out.orgs;
  }
  static constexpr std::string_view kPrefixCols[] = {"cidr", "org_id"};
  static constexpr std::string_view kCidrKey[] = {"cidr"};
  std::vector<Value> batch;
  // Later entries win within one import, as in the lookup table: keep the last of each prefix.
  std::map<std::string, std::int64_t> prefixes;
  for (const auto& p : data.prefixes) {
    if (p.org == registry::kNoOrg || p.org >= org_ids.size()) continue;
    prefixes[p.prefix.to_string()] = org_ids[p.org];
  }
  for (auto it = prefixes.begin(); it != prefixes.end();) {
    batch.clear();
    for (std::size_t n = 0; it != prefixes.end() && n < kBatchRows; ++it, ++n) {
      batch.emplace_back(it->first);
      batch.emplace_back(it->second);
    }
    if (auto r = db.bulk_upsert("prefixes", kPrefixCols, kCidrKey, batch); !r) return fail(r.error());
  }
  out.prefixes = prefixes.size();
  std::map<std::string, const registry::RegionEntry*> regions;
  for (const auto& r : data.regions) regions[r.prefix.to_string()] = &r;
  static constexpr std::string_view kRegionCols[] = {"cidr", "country", "province", "city"};
  for (auto it = regions.begin(); it != regions.end();) {
    batch.clear();
    for (std::size_t n = 0; it != regions.end() && n < kBatchRows; ++it, ++n) {
      batch.emplace_back(it->first);
      batch.emplace_back(it->second->country);
      batch.emplace_back(it->second->province);
      batch.emplace_back(it->second->city);
    }
    if (auto r = db.bulk_upsert("regions", kRegionCols, kCidrKey, batch); !r) return fail(r.error());
  }
  out.regions = regions.size();
  for (const auto& m : data.mappings) {
    std::vector<Value> p{m.public_ip.to_string(),
                         std::int64_t{m.port_first},
                         std::int64_t{m.port_last},
                         m.start.ns,
                         m.end.ns,
                         m.subscriber};
    if (m.org != registry::kNoOrg && m.org < org_ids.size()) {
      p.emplace_back(std::in_place_type<std::int64_t>, org_ids[m.org]);
    } else {
      p.emplace_back(std::in_place_type<std::monostate>);
    }
    auto r = db.exec(
        "INSERT INTO mappings (public_ip, port_first, port_last, start_ns, end_ns, subscriber, org_id) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (public_ip, port_first, start_ns) DO UPDATE SET "
        "port_last = excluded.port_last, end_ns = excluded.end_ns, subscriber = excluded.subscriber, "
        "org_id = excluded.org_id",
        p);
    if (!r) return fail(r.error());
    ++out.mappings;
  }
  if (auto r = db.commit(); !r) return fail(r.error());
  return out;
}

Result<void> SqlStore::load_registry(registry::RegistryData& out) {
  auto orgs =
      db_->query("SELECT id, org_key, name, type, province, city, source, carrier FROM organisations ORDER BY id");
  if (!orgs) return std::unexpected(orgs.error());
  std::map<std::int64_t, registry::OrgIndex> index;
  for (std::size_t i = 0; i < orgs->size(); ++i) {
    registry::Organisation o;
    o.id = orgs->text(i, 1);
    o.name = orgs->text(i, 2);
    o.type = registry::parse_org_type(orgs->text(i, 3)).value_or(registry::OrgType::Unknown);
    o.province = orgs->text(i, 4);
    o.city = orgs->text(i, 5);
    o.source = orgs->text(i, 6);
    o.carrier = orgs->int64(i, 7) != 0;
    index[orgs->int64(i, 0)] = out.add_org(std::move(o));
  }
  auto prefixes = db_->query("SELECT cidr, org_id FROM prefixes ORDER BY id");
  if (!prefixes) return std::unexpected(prefixes.error());
  out.prefixes.reserve(out.prefixes.size() + prefixes->size());
  for (std::size_t i = 0; i < prefixes->size(); ++i) {
    auto p = registry::Prefix::parse(prefixes->text(i, 0));
    auto it = index.find(prefixes->int64(i, 1));
    if (!p || it == index.end())
      return make_error(fmt::format("{}: prefixes: bad row {}", db_->name(), prefixes->text(i, 0)));
    out.prefixes.push_back({*p, it->second});
  }
  auto regions = db_->query("SELECT cidr, country, province, city FROM regions ORDER BY id");
  if (!regions) return std::unexpected(regions.error());
  for (std::size_t i = 0; i < regions->size(); ++i) {
    auto p = registry::Prefix::parse(regions->text(i, 0));
    if (!p) return make_error(fmt::format("{}: regions: bad row {}", db_->name(), regions->text(i, 0)));
    out.regions.push_back({*p, regions->text(i, 1), regions->text(i, 2), regions->text(i, 3)});
  }
  auto maps = db_->query(
      "SELECT public_ip, port_first, port_last, start_ns, end_ns, subscriber, org_id FROM mappings ORDER BY id");
  if (!maps) return std::unexpected(maps.error());
  for (std::size_t i = 0; i < maps->size(); ++i) {
    registry::NatMapping m;
    if (!IpAddress::parse(maps->text(i, 0), m.public_ip))
      return make_error(fmt::format("{}: mappings: bad address {}", db_->name(), maps->text(i, 0)));
    m.port_first = static_cast<std::uint16_t>(maps->int64(i, 1));
    m.port_last = static_cast<std::uint16_t>(maps->int64(i, 2));
    m.start = Timestamp{maps->int64(i, 3)};
    m.end = Timestamp{maps->int64(i, 4)};
    m.subscriber = maps->text(i, 5);
    if (!maps->is_null(i, 6)) {
      auto it = index.find(maps->int64(i, 6));
      if (it != index.end()) m.org = it->second;
    }
    out.mappings.push_back(std::move(m));
  }
  return {};
}

Result<RegistryCounts> SqlStore::registry_counts() {
  auto r = db_->query(
      "SELECT (SELECT COUNT(*) FROM organisations), (SELECT COUNT(*) FROM prefixes), (SELECT COUNT(*) FROM regions), "
      "(SELECT COUNT(*) FROM mappings)");
  if (!r) return std::unexpected(r.error());
  return RegistryCounts{static_cast<std::size_t>(r->int64(0, 0)), static_cast<std::size_t>(r->int64(0, 1)),
                        static_cast<std::size_t>(r->int64(0, 2)), static_cast<std::size_t>(r->int64(0, 3))};
}

}  // namespace minewatch::store
