// `minewatch report orgs|daily|summary --db DB`: who owns the miners, from the store and its registry.
#include <fmt/format.h>
#include <unistd.h>

#include <memory>

#include "app/command.hpp"
#include "app/org_report.hpp"
#include "app/report_table.hpp"

namespace minewatch::app {

namespace {

struct Args {
  std::string db, type, region, day, from, to, format, weights;
};

struct Prepared {
  std::unique_ptr<store::Store> db;
  std::unique_ptr<registry::Registry> reg;
  classify::Weights weights;
  ReportFilter filter;
  ReportFormat format = ReportFormat::Table;
};

std::optional<Prepared> prepare(const Args& a) {
  Prepared p;
  auto bad = [](std::string msg) -> std::optional<Prepared> {
    fmt::print(stderr, "minewatch: {}\n", msg);
    return std::nullopt;
  };
  if (!a.format.empty()) {
    auto f = parse_report_format(a.format);
    if (!f) return bad(fmt::format("--format '{}': expected table, csv or json", a.format));
    p.format = *f;
  } else {
    p.format = isatty(STDOUT_FILENO) ? ReportFormat::Table : ReportFormat::Csv;
  }
  if (!a.type.empty()) {
    p.filter.type = registry::parse_org_type(a.type);
    if (!p.filter.type)
      return bad(fmt::format("--type '{}': expected soe, government, university, private, residential, idc or unknown",
                             a.type));
  }
  p.filter.region = a.region;
  auto day = [&](const std::string& text, const char* opt, std::optional<store::Day>& out) {
    if (text.empty()) return true;
    out = store::parse_day(text);
    if (!out) fmt::print(stderr, "minewatch: {} '{}': expected a date like 2024-03-01\n", opt, text);
    return out.has_value();
  };
  if (!a.day.empty()) {
    if (!day(a.day, "--day", p.filter.from)) return std::nullopt;
    p.filter.to = p.filter.from;
  }
  if (!day(a.from, "--from", p.filter.from) || !day(a.to, "--to", p.filter.to)) return std::nullopt;
  if (!a.weights.empty()) {
    auto w = classify::load_weights(a.weights);
    if (!w) return bad(w.error().message);
    p.weights = std::move(*w);
  } else {
    p.weights = classify::Weights::defaults();
  }
  auto db = store::open_store(a.db);
  if (!db) return bad(db.error().message);
  p.db = std::move(*db);
  registry::RegistryData data;
  if (auto r = p.db->load_registry(data); !r) return bad(r.error().message);
  p.reg = std::make_unique<registry::Registry>(std::move(data));
  return p;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : ",") + x;
  return out;
}

// JSON forms: coins as an array, hashrate as {"algorithm": {"value": H, "unit": "H/s"}, ...}.
std::string json_array(const std::set<std::string>& s) {
  std::string out = "[";
  for (const auto& x : s) out += (out.size() > 1 ? ", " : "") + json_string(x);
  return out + "]";
}

std::string json_rates(const std::map<std::string, RateSum>& r) {
  std::string out = "{";
  for (const auto& [algo, v] : r) {
    out += fmt::format("{}{}: {{\"value\": {:.6g}, \"unit\": {}}}", out.size() > 1 ? ", " : "", json_string(algo),
                       v.hashrate, json_string(v.unit));
  }
  return out + "}";
}

std::string rates(const std::map<std::string, RateSum>& r, bool human) {
  std::string out;
  for (const auto& [algo, v] : r) {
    out += (out.empty() ? ""
            : human     ? "; "
                        : ";") +
           algo + (human ? " " : "=") +
           (human ? format_rate(v.hashrate, v.unit) : fmt::format("{:.6g} {}", v.hashrate, v.unit));
  }
  return out;
}

}  // namespace

void add_report_command(CLI::App& cli, CommandSet& commands) {
  auto a = std::make_shared<Args>();
  auto* rep = cli.add_subcommand("report", "Reports from the store: owners of the miners, daily activity");
  rep->require_subcommand(1);
  auto* orgs = rep->add_subcommand("orgs",
                                   "Per organisation: type, region, mining IPs, coins, hashrate, kWh/day, "
                                   "deliberate/compromised");
  auto* daily = rep->add_subcommand("daily", "Active mining IPs per day by region and owner type");
  auto* summary = rep->add_subcommand("summary",
                                      "One statement: N IPs at M organisations of a type; K deliberate, "
                                      "L compromised");
  for (auto* sub : {orgs, daily, summary}) {
    sub->add_option("--db", a->db, "SQLite file or postgresql:// URI")->required()->envname("MINEWATCH_DB");
    sub->add_option("--type", a->type, "Owner type: soe, government, university, private, residential, idc, unknown");
    sub->add_option("--day", a->day, "One UTC day (2024-03-01)");
    sub->add_option("--from", a->from, "First UTC day");
    sub->add_option("--to", a->to, "Last UTC day");
    sub->add_option("--format", a->format, "table|csv|json (default: table on a terminal, CSV otherwise)");
    sub->add_option("--weights", a->weights, "Classifier weights (TOML) instead of the built-in calibration");
    if (sub != summary) sub->add_option("--region", a->region, "Province or city");
  }

  commands.add(orgs, [a] {
    auto p = prepare(*a);
    if (!p) return 2;
    auto hosts = load_hosts(*p->db, *p->reg, p->weights, p->filter);
    if (!hosts) {
      fmt::print(stderr, "minewatch: {}\n", hosts.error().message);
      return 2;
    }
    bool human = p->format == ReportFormat::Table;
    ReportTable t({{"org_id"},
                   {"organisation"},
                   {"type"},
                   {"province"},
                   {"city"},
                   {"mining_ips", true},
                   {"coins"},
                   {"hashrate"},
                   {"kwh_per_day", true},
                   {"deliberate", true},
                   {"compromised", true},
                   {"undetermined", true}});
    for (const auto& o : group_by_org(*hosts)) {
      t.add({o.org_id, o.name, std::string(registry::to_string(o.type)), o.province, o.city, std::to_string(o.ips),
             join(o.coins), rates(o.hashrate, human), fmt::format("{:.{}f}", o.kwh_per_day, human ? 1 : 3),
             std::to_string(o.deliberate), std::to_string(o.compromised), std::to_string(o.undetermined)},
            {"", "", "", "", "", "", json_array(o.coins), json_rates(o.hashrate)});
    }
    t.print(stdout, p->format);
    return 0;
  });

  commands.add(daily, [a] {
    auto p = prepare(*a);
    if (!p) return 2;
    auto rows = daily_by_region(*p->db, *p->reg, p->filter);
    if (!rows) {
      fmt::print(stderr, "minewatch: {}\n", rows.error().message);
      return 2;
    }
    ReportTable t({{"day"}, {"province"}, {"owner_type"}, {"mining_ips", true}});
    for (const auto& r : *rows)
      t.add({store::format_day(r.day), r.province, std::string(registry::to_string(r.type)), std::to_string(r.ips)});
    t.print(stdout, p->format);
    return 0;
  });

  commands.add(summary, [a] {
    auto type = a->type.empty() ? std::optional(registry::OrgType::StateOwned) : registry::parse_org_type(a->type);
    Args all = *a;
    all.type.clear();  // the statement counts every host for its total
    auto p = prepare(all);
    if (!p) return 2;
    if (!type) {
      fmt::print(stderr, "minewatch: --type '{}': unknown owner type\n", a->type);
      return 2;
    }
    auto hosts = load_hosts(*p->db, *p->reg, p->weights, p->filter);
    if (!hosts) {
      fmt::print(stderr, "minewatch: {}\n", hosts.error().message);
      return 2;
    }
    auto s = make_statement(*hosts, *type);
    s.from = p->filter.from;
    s.to = p->filter.to;
    if (a->format == "json") {
      fmt::print(
          "{{\"owner_type\": \"{}\", \"ips\": {}, \"organisations\": {}, \"deliberate\": {}, \"compromised\": {}, "
          "\"undetermined\": {}, \"all_mining_ips\": {}, \"statement\": {}}}\n",
          registry::to_string(s.type), s.ips, s.orgs, s.deliberate, s.compromised, s.undetermined, s.all_ips,
          json_string(s.sentence()));
    } else if (a->format == "csv") {
      fmt::print(
          "owner_type,ips,organisations,deliberate,compromised,undetermined,all_mining_ips\n{},{},{},{},{},{},{}\n",
          registry::to_string(s.type), s.ips, s.orgs, s.deliberate, s.compromised, s.undetermined, s.all_ips);
    } else {
      fmt::print("{}\n", s.sentence());
    }
    return 0;
  });
}

}  // namespace minewatch::app
