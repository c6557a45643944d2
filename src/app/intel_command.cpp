// `minewatch intel import | list | check`: pool intelligence beyond the built-in list. Imported
// lists are validated once and stored as minewatch TOML in the user intel directory, which
// `minewatch analyze` loads (see intel::default_intel_dir(); `--intel PATH` adds or replaces it).
#include <fmt/format.h>

#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "app/command.hpp"
#include "intel/intel_toml.hpp"
#include "intel/list_importer.hpp"

namespace minewatch::app {

namespace {

std::string stem_of(const std::string& path) {
  std::filesystem::path p(path);
  std::string s = p.filename().string();
  for (char& c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
  }
  return s;
}

struct IntelArgs {
  std::vector<std::string> files;
  std::string format = "auto";
  bool allow = false;
  std::string dir;
  std::vector<std::string> intel_paths;
  bool no_user = false;
  std::string name;
  bool json = false;
  std::string what = "summary";
};

// The builtin list plus the user directory (or the given paths).
Result<intel::PoolList> load_all(const IntelArgs& a, std::vector<std::string>& warnings) {
  intel::PoolList l;
  l.merge(intel::PoolList::builtin());
  std::vector<std::string> paths = a.intel_paths;
  if (paths.empty() && !a.no_user) {
    auto d = a.dir.empty() ? intel::default_intel_dir() : a.dir;
    std::error_code ec;
    if (!d.empty() && std::filesystem::is_directory(d, ec)) paths.push_back(d);
  }
  for (const auto& p : paths) {
    auto r = intel::load_intel_path(p, l, warnings);
    if (!r) return std::unexpected(r.error());
  }
  return l;
}

int run_import(const IntelArgs& a) {
  auto fmt_opt = intel::parse_format(a.format);
  if (!fmt_opt) {
    fmt::print(stderr, "minewatch intel: unknown format '{}'\n", a.format);
    return 2;
  }
  std::string dir = a.dir.empty() ? intel::default_intel_dir() : a.dir;
  if (dir.empty()) {
    fmt::print(stderr, "minewatch intel: no intel directory (set --dir, MINEWATCH_INTEL_DIR or HOME)\n");
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    fmt::print(stderr, "minewatch intel: cannot create {}: {}\n", dir, ec.message());
    return 2;
  }
  int status = 0;
  for (const auto& f : a.files) {
    intel::PoolList l;
    auto r = intel::import_file(f, *fmt_opt, a.allow, l);
    if (!r) {
      fmt::print(stderr, "minewatch intel: {}\n", r.error().message);
      status = 1;
      continue;
    }
    for (const auto& e : r->errors) fmt::print(stderr, "minewatch intel: warning: {}\n", e);
    if (r->malformed > r->errors.size())
      fmt::print(stderr, "minewatch intel: warning: {} more malformed rows in {}\n", r->malformed - r->errors.size(),
                 f);
    std::string out = fmt::format("{}/{}.toml", dir, stem_of(f));
    std::string text = intel::write_intel_toml(
        l, stem_of(f),
        fmt::format("minewatch intel list imported from {} (format {}{})\nRe-import the source to update it.", f,
                    intel::format_name(r->format), a.allow ? ", as allow-list" : ""));
    std::ofstream o(out, std::ios::binary | std::ios::trunc);
    o << text;
    o.close();
    if (!o) {
      fmt::print(stderr, "minewatch intel: cannot write {}\n", out);
      status = 2;
      continue;
    }
    fmt::print(
        "{}: {} as {}: {} pool domains, {} pool addresses, {} allow-list entries, {} rows skipped, {} "
        "malformed -> {}\n",
        f, r->format == intel::ListFormat::Auto ? "auto" : "read", intel::format_name(r->format), r->domains,
        r->addresses, r->allowed, r->skipped, r->malformed, out);
  }
  return status;
}

int run_list(const IntelArgs& a) {
  std::vector<std::string> warnings;
  auto l = load_all(a, warnings);
  if (!l) {
    fmt::print(stderr, "minewatch intel: {}\n", l.error().message);
    return 1;
  }
  for (const auto& w : warnings) fmt::print(stderr, "minewatch intel: warning: {}\n", w);
  if (a.what == "domains" || a.what == "all") {
    for (const auto& d : l->domains()) {
      fmt::print("domain\t{}\t{}\t{}\t{}\n", d.domain, d.coin_hint.empty() ? "-" : d.coin_hint,
                 d.pool_name.empty() ? "-" : d.pool_name, d.source);
    }
  }
  if (a.what == "addresses" || a.what == "all") {
    for (const auto& e : l->addresses()) {
      fmt::print("address\t{}\t{}\t{}\t{}\n", e.address.to_string(),
                 e.ports.empty() ? std::string{"any"} : fmt::format("{}", fmt::join(e.ports, ",")),
                 e.coin_hint.empty() ? "-" : e.coin_hint, e.source);
    }
  }
  if (a.what == "allow" || a.what == "all") {
    for (const auto& e : l->allowed()) fmt::print("allow\t{}\t{}\n", e.name, e.source);
    for (const auto& e : l->allowed_address_list()) fmt::print("allow\t{}\n", e.to_string());
  }
  if (a.what == "summary") {
    std::map<std::string, std::array<std::size_t, 3>> per_source;
    for (const auto& d : l->domains()) per_source[std::string{d.source}][0]++;
    for (const auto& e : l->addresses()) per_source[std::string{e.source}][1]++;
    for (const auto& e : l->allowed()) per_source[std::string{e.source}][2]++;
    fmt::print("{:<40} {:>9} {:>10} {:>7}\n", "list", "domains", "addresses", "allowed");
    for (const auto& [src, c] : per_source) fmt::print("{:<40} {:>9} {:>10} {:>7}\n", src, c[0], c[1], c[2]);
    fmt::print("{:<40} {:>9} {:>10} {:>7}\n", "total", l->size(), l->address_count(), l->allowed_count());
  }
  return 0;
}

int run_check(const IntelArgs& a) {
  std::vector<std::string> warnings;
  auto l = load_all(a, warnings);
  if (!l) {
    fmt::print(stderr, "minewatch intel: {}\n", l.error().message);
    return 1;
  }
  IpAddress addr;
  if (IpAddress::parse(a.name, addr)) {
    if (l->is_allowed_address(addr)) {
      fmt::print("{}: not a pool: allow-listed address\n", a.name);
      return 1;
    }
    auto m = l->match_address(addr, 0);
    if (!m) {
      fmt::print("{}: not on any list\n", a.name);
      return 1;
    }
    for (const auto& e : l->addresses()) {
      if (e.address == addr) {
        fmt::print("{}: pool address (list {}{}{}), ports {}\n", a.name, e.source, e.coin_hint.empty() ? "" : ", coin ",
                   e.coin_hint, e.ports.empty() ? std::string{"any"} : fmt::format("{}", fmt::join(e.ports, ",")));
      }
    }
    return 0;
  }
  auto v = l->explain(a.name);
  if (v.is_pool) {
    const auto& p = *v.pool;
    fmt::print("{}: POOL: matches '{}' on list {}", a.name, p.domain, p.source);
    if (!p.pool_name.empty()) fmt::print(" ({})", p.pool_name);
    if (!p.coin_hint.empty()) fmt::print(", coins {}", p.coin_hint);
    if (!p.stratum_ports.empty()) fmt::print(", stratum ports {}", fmt::join(p.stratum_ports, ","));
    if (!p.tls_ports.empty()) fmt::print(", stratum+ssl ports {}", fmt::join(p.tls_ports, ","));
    fmt::print("\n");
    if (!v.allowed_suffix.empty())
      fmt::print("  (the allow-list entry '{}' from {} is less specific and this entry is curated, so it wins)\n",
                 v.allowed_suffix, v.allowed_source);
    return 0;
  }
  if (v.pool) {
    fmt::print("{}: not a pool: listed as '{}' on {}, but the allow-list wins ('{}' from {})\n", a.name, v.pool->domain,
               v.pool->source, v.allowed_suffix, v.allowed_source);
    return 1;
  }
  if (!v.allowed_suffix.empty()) {
    fmt::print("{}: not a pool: allow-listed ('{}' from {})\n", a.name, v.allowed_suffix, v.allowed_source);
    return 1;
  }
  fmt::print("{}: not on any list\n", a.name);
  return 1;
}

}  // namespace

void add_intel_command(CLI::App& cli, CommandSet& commands) {
  auto args = std::make_shared<IntelArgs>();
  auto* in = cli.add_subcommand("intel", "Pool intelligence: import lists, list and check names");
  in->require_subcommand(1);
  const std::string dir_help =
      "User intel directory (default: $MINEWATCH_INTEL_DIR, else "
      "$XDG_DATA_HOME/minewatch/intel, else ~/.local/share/minewatch/intel)";

  auto* imp = in->add_subcommand("import", "Validate lists and store them in the user intel directory");
  imp->add_option("files", args->files, "List files")->required()->check(CLI::ExistingFile);
  imp->add_option("--format", args->format,
                  "auto | hosts | domains | adblock | ips | hostport | csv | smashed | urls | toml")
      ->check(
          CLI::IsMember({"auto", "hosts", "domains", "adblock", "ips", "hostport", "csv", "smashed", "urls", "toml"}));
  imp->add_flag("--allow", args->allow, "The lists are allow-lists (exchanges, wallets): never pools");
  imp->add_option("--dir", args->dir, dir_help);
  commands.add(imp, [args] { return run_import(*args); });

  auto* ls = in->add_subcommand("list", "Show the loaded intel: per-list counts, or every entry");
  ls->add_option("what", args->what, "summary | domains | addresses | allow | all")
      ->check(CLI::IsMember({"summary", "domains", "addresses", "allow", "all"}));
  ls->add_option("--dir", args->dir, dir_help);
  ls->add_option("--intel", args->intel_paths, "Load these intel files/directories instead of the user directory");
  ls->add_flag("--builtin-only", args->no_user, "Only the built-in list");
  commands.add(ls, [args] { return run_list(*args); });

  auto* ck = in->add_subcommand("check", "Is NAME (host name or address) a pool? Says which list and why");
  ck->add_option("name", args->name, "Host name or IP address")->required();
  ck->add_option("--dir", args->dir, dir_help);
  ck->add_option("--intel", args->intel_paths, "Load these intel files/directories instead of the user directory");
  ck->add_flag("--builtin-only", args->no_user, "Only the built-in list");
  commands.add(ck, [args] { return run_check(*args); });
}

}  // namespace minewatch::app
