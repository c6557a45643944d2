// `minewatch registry import FILE... --db DB` and `minewatch registry lookup IP [--at TIME] --db DB`:
// the IP registry library (src/registry) persisted in the store.
#include <fmt/format.h>

#include <memory>

#include "app/command.hpp"
#include "app/report_table.hpp"
#include "registry/registry.hpp"
#include "store/store.hpp"

namespace minewatch::app {

namespace {

// --at: what registry::parse_time reads, plus the forms a person types: "2024-03-01" (midnight UTC) and
// "2024-03-01 12:00:00" / "2024-03-01T12:00:00" without a zone (UTC).
std::optional<Timestamp> parse_at(std::string_view text) {
  if (auto t = registry::parse_time(text)) return t;
  std::string s(text);
  if (s.size() == 10) return registry::parse_time(s + "T00:00:00Z");
  if (s.size() == 19) return registry::parse_time(s + "Z");
  return std::nullopt;
}

std::unique_ptr<store::Store> open_or_report(const std::string& db) {
  auto s = store::open_store(db);
  if (!s) {
    fmt::print(stderr, "minewatch: {}\n", s.error().message);
    return nullptr;
  }
  return std::move(*s);
}

}  // namespace

void add_registry_command(CLI::App& cli, CommandSet& commands) {
  struct Args {
    std::string db;
    std::vector<std::string> files;
    std::string format = "auto";
    std::string org, source;
    std::string ip, at, output = "table";
    int port = -1;
  };
  auto a = std::make_shared<Args>();
  auto* reg = cli.add_subcommand("registry", "The IP registry: who owns an address (organisations, prefixes, NAT)");
  reg->require_subcommand(1);
  auto* imp = reg->add_subcommand("import", "Import registry files (CSV, MMDB, CIDR lists, ...) into the store");
  imp->add_option("files", a->files, "Files to import")->required();
  imp->add_option(
      "--format", a->format,
      "auto|organisations|prefixes|mappings|mmdb|ipcat|cidr-list|ip2asn|asn-names (default: from the file)");
  imp->add_option("--org", a->org, "CIDR lists: the organisation every prefix belongs to");
  imp->add_option("--source", a->source, "Source label stored with new organisations (default: the file name)");
  auto* look = reg->add_subcommand("lookup", "Who owned an address (at a time, behind a port)");
  look->add_option("ip", a->ip, "Address")->required();
  look->add_option("--at", a->at, "Time: 2024-03-01T12:00:00Z, 2024-03-01 or Unix seconds (NAT/DHCP mappings)");
  look->add_option("--port", a->port, "Source port (CGNAT port ranges)")->check(CLI::Range(0, 65535));
  look->add_option("--format", a->output, "table|csv|json");
  for (auto* sub : {imp, look})
    sub->add_option("--db", a->db, "SQLite file or postgresql:// URI")->required()->envname("MINEWATCH_DB");

  commands.add(imp, [a] {
    registry::ImportOptions opts;
    if (a->format != "auto") {
      auto f = registry::parse_import_format(a->format);
      if (!f) {
        fmt::print(stderr, "minewatch: unknown registry format '{}'\n", a->format);
        return 2;
      }
      opts.format = *f;
    }
    opts.org = a->org;
    opts.source = a->source;
    auto db = open_or_report(a->db);
    if (!db) return 2;
    // Start from what the store holds, so files refer to organisations imported earlier.
    registry::RegistryData data;
    if (auto r = db->load_registry(data); !r) {
      fmt::print(stderr, "minewatch: {}\n", r.error().message);
      return 2;
    }
    int status = 0;
    for (const auto& file : a->files) {
      auto rep = registry::import_file(file, data, opts);
      if (!rep) {
        fmt::print(stderr, "minewatch: {}\n", rep.error().message);
        status = 1;
        continue;
      }
      for (const auto& d : rep->diagnostics) fmt::print(stderr, "minewatch: {}\n", registry::to_string(d));
      if (rep->rows_rejected > rep->diagnostics.size())
        fmt::print(stderr, "minewatch: {}: {} more rejected row(s) not listed\n", file,
                   rep->rows_rejected - rep->diagnostics.size());
      fmt::print("{}: {} row(s): {} organisation(s), {} prefix(es), {} mapping(s), {} region(s) added; {} rejected\n",
                 file, rep->rows, rep->orgs_added, rep->prefixes_added, rep->mappings_added, rep->regions_added,
                 rep->rows_rejected);
      if (rep->rows_rejected) status = 1;
    }
    auto saved = db->save_registry(data);
    if (!saved) {
      fmt::print(stderr, "minewatch: cannot save the registry in {}: {}\n", db->name(), saved.error().message);
      return 2;
    }
    fmt::print("{}: registry now {} organisation(s), {} prefix(es), {} region(s), {} mapping(s)\n", db->name(),
               saved->orgs, saved->prefixes, saved->regions, saved->mappings);
    return status;
  });

  commands.add(look, [a] {
    IpAddress ip;
    if (!IpAddress::parse(a->ip, ip)) {
      fmt::print(stderr, "minewatch: '{}' is not an IP address\n", a->ip);
      return 2;
    }
    std::optional<Timestamp> at;
    if (!a->at.empty()) {
      at = parse_at(a->at);
      if (!at) {
        fmt::print(stderr, "minewatch: --at '{}': expected 2024-03-01T12:00:00Z, 2024-03-01 or Unix seconds\n", a->at);
        return 2;
      }
    }
    auto fmt_out = parse_report_format(a->output);
    if (!fmt_out) {
      fmt::print(stderr, "minewatch: --format '{}': expected table, csv or json\n", a->output);
      return 2;
    }
    auto db = open_or_report(a->db);
    if (!db) return 2;
    registry::RegistryData data;
    if (auto r = db->load_registry(data); !r) {
      fmt::print(stderr, "minewatch: {}\n", r.error().message);
      return 2;
    }
    registry::Registry reg_index(std::move(data));
    std::optional<std::uint16_t> port;
    if (a->port >= 0) port = static_cast<std::uint16_t>(a->port);
    auto owner = at ? reg_index.lookup(ip, *at, port) : reg_index.lookup(ip);
    ReportTable t({{"ip"},
                   {"prefix"},
                   {"org_id"},
                   {"organisation"},
                   {"type"},
                   {"carrier"},
                   {"province"},
                   {"city"},
                   {"subscriber"}});
    t.add({ip.to_string(), owner.prefix ? owner.prefix->to_string() : "", owner.org ? owner.org->id : "",
           owner.org ? owner.org->name : "", owner.org ? std::string(registry::to_string(owner.org->type)) : "",
           owner.org ? (owner.org->carrier ? "yes" : "no") : "", std::string(owner.province), std::string(owner.city),
           owner.mapping ? owner.mapping->subscriber : ""});
    t.print(stdout, *fmt_out);
    return owner.found() ? 0 : 1;
  });
}

}  // namespace minewatch::app
