#include "intel/intel_toml.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "intel/list_importer.hpp"

namespace minewatch::intel {

namespace {

std::string where(std::string_view origin, const toml::node& n) {
  return fmt::format("{}:{}", origin, n.source().begin.line);
}

// Reads an array of strings; errors name the file and line.
Result<std::vector<std::string>> strings(std::string_view origin, const toml::table& t, std::string_view key) {
  std::vector<std::string> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  if (auto s = n->value<std::string>()) {
    out.push_back(*s);
    return out;
  }
  const toml::array* a = n->as_array();
  if (!a) return make_error(fmt::format("{}: '{}' must be a string or an array of strings", where(origin, *n), key));
  for (const auto& e : *a) {
    auto s = e.value<std::string>();
    if (!s) return make_error(fmt::format("{}: '{}' must hold strings", where(origin, e), key));
    out.push_back(*s);
  }
  return out;
}

Result<std::vector<std::uint16_t>> ports(std::string_view origin, const toml::table& t, std::string_view key) {
  std::vector<std::uint16_t> out;
  const toml::node* n = t.get(key);
  if (!n) return out;
  const toml::array* a = n->as_array();
  if (!a) return make_error(fmt::format("{}: '{}' must be an array of ports", where(origin, *n), key));
  for (const auto& e : *a) {
    auto v = e.value<std::int64_t>();
    if (!v || *v < 1 || *v > 65535) return make_error(fmt::format("{}: '{}' holds a bad port", where(origin, e), key));
    out.push_back(static_cast<std::uint16_t>(*v));
  }
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string toml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

Result<TomlCounts> read_intel_toml(std::string_view text, std::string_view origin, std::string_view source,
                                   bool as_allow, PoolList& into) {
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return make_error(fmt::format("{}:{}: {}", origin, e.source().begin.line, e.description()));
  }
  TomlCounts counts;
  std::string label{source};
  if (auto l = doc["list"].value<std::string>()) label = *l;
  // Only the built-in list (data/pools.toml, compiled in) is curated; see PoolList::add.
  const bool curated = origin == "data/pools.toml" && source == "builtin";
  for (const auto& [key, node] : doc) {
    if (key != "list" && key != "pool" && key != "address" && key != "allow" && key != "description") {
      return make_error(
          fmt::format("{}: unknown key '{}' (expected list, pool, address, allow)", where(origin, node), key.str()));
    }
  }
  auto tables = [&](std::string_view key) -> Result<const toml::array*> {
    const toml::node* n = doc.get(key);
    if (!n) return nullptr;
    const toml::array* a = n->as_array();
    if (!a || !a->is_array_of_tables())
      return make_error(fmt::format("{}: '{}' must be an array of tables ([[{}]])", where(origin, *n), key, key));
    return a;
  };
  auto pools = tables("pool");
  if (!pools) return std::unexpected(pools.error());
  if (*pools) {
    for (const auto& e : **pools) {
      const toml::table& t = *e.as_table();
      auto domains = strings(origin, t, "domains");
      if (!domains) return std::unexpected(domains.error());
      if (domains->empty()) return make_error(fmt::format("{}: a [[pool]] needs 'domains'", where(origin, t)));
      auto coins = strings(origin, t, "coins");
      if (!coins) return std::unexpected(coins.error());
      auto sp = ports(origin, t, "stratum_ports");
      if (!sp) return std::unexpected(sp.error());
      auto tp = ports(origin, t, "tls_ports");
      if (!tp) return std::unexpected(tp.error());
      std::string name = t["name"].value_or(std::string{});
      std::string coin = join(*coins, "/");
      for (const auto& d : *domains) {
        if (!is_domain_name(d)) return make_error(fmt::format("{}: '{}' is not a host name", where(origin, t), d));
        if (as_allow) {
          into.allow(d, label);
          ++counts.allowed;
        } else {
          into.add(d, coin, label, name, curated);
          into.set_ports(d, *sp, *tp);
          ++counts.domains;
        }
      }
    }
  }
  auto addresses = tables("address");
  if (!addresses) return std::unexpected(addresses.error());
  if (*addresses) {
    for (const auto& e : **addresses) {
      const toml::table& t = *e.as_table();
      auto list = strings(origin, t, "addresses");
      if (!list) return std::unexpected(list.error());
      auto ps = ports(origin, t, "ports");
      if (!ps) return std::unexpected(ps.error());
      std::string coin = t["coin"].value_or(std::string{});
      for (const auto& text_addr : *list) {
        IpAddress a;
        if (!IpAddress::parse(text_addr, a))
          return make_error(fmt::format("{}: '{}' is not an IP address", where(origin, t), text_addr));
        if (as_allow) {
          into.allow_address(a, label);
          ++counts.allowed;
          continue;
        }
        if (ps->empty()) into.add_address(a, 0, coin, label);
        for (auto p : *ps) into.add_address(a, p, coin, label);
        ++counts.addresses;
      }
    }
  }
  auto allows = tables("allow");
  if (!allows) return std::unexpected(allows.error());
  if (*allows) {
    for (const auto& e : **allows) {
      const toml::table& t = *e.as_table();
      auto domains = strings(origin, t, "domains");
      if (!domains) return std::unexpected(domains.error());
      auto addrs = strings(origin, t, "addresses");
      if (!addrs) return std::unexpected(addrs.error());
      for (const auto& d : *domains) {
        if (!is_domain_name(d)) return make_error(fmt::format("{}: '{}' is not a host name", where(origin, t), d));
        into.allow(d, label);
        ++counts.allowed;
      }
      for (const auto& text_addr : *addrs) {
        IpAddress a;
        if (!IpAddress::parse(text_addr, a))
          return make_error(fmt::format("{}: '{}' is not an IP address", where(origin, t), text_addr));
        into.allow_address(a, label);
        ++counts.allowed;
      }
    }
  }
  return counts;
}

std::string write_intel_toml(const PoolList& list, std::string_view list_name, std::string_view comment) {
  std::string out;
  for (std::size_t pos = 0; pos < comment.size();) {
    auto nl = comment.find('\n', pos);
    out += "# ";
    out += comment.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    out += '\n';
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  out += fmt::format("list = {}\n", toml_quote(list_name));
  // Group domains by (coin, pool name) so a 6,000-entry list stays one readable table per group.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> groups;
  for (const auto& d : list.domains())
    groups[{std::string{d.coin_hint}, std::string{d.pool_name}}].emplace_back(d.domain);
  for (const auto& [key, domains] : groups) {
    out += "\n[[pool]]\n";
    if (!key.second.empty()) out += fmt::format("name = {}\n", toml_quote(key.second));
    if (!key.first.empty()) {
      out += "coins = [";
      std::string_view c = key.first;
      bool first = true;
      while (!c.empty()) {
        auto slash = c.find('/');
        out += (first ? "" : ", ") + toml_quote(c.substr(0, slash));
        first = false;
        if (slash == std::string_view::npos) break;
        c.remove_prefix(slash + 1);
      }
      out += "]\n";
    }
    out += "domains = [\n";
    for (const auto& d : domains) out += fmt::format("  {},\n", toml_quote(d));
    out += "]\n";
  }
  std::map<std::pair<std::vector<std::uint16_t>, std::string>, std::vector<std::string>> agroups;
  for (const auto& a : list.addresses()) agroups[{a.ports, std::string{a.coin_hint}}].push_back(a.address.to_string());
  for (const auto& [key, addrs] : agroups) {
    out += "\n[[address]]\n";
    if (!key.first.empty()) out += fmt::format("ports = [{}]\n", fmt::join(key.first, ", "));
    if (!key.second.empty()) out += fmt::format("coin = {}\n", toml_quote(key.second));
    out += "addresses = [\n";
    for (const auto& a : addrs) out += fmt::format("  {},\n", toml_quote(a));
    out += "]\n";
  }
  auto allowed = list.allowed();
  auto allowed_addrs = list.allowed_address_list();
  if (!allowed.empty() || !allowed_addrs.empty()) {
    out += "\n[[allow]]\ndomains = [\n";
    for (const auto& a : allowed) out += fmt::format("  {},\n", toml_quote(a.name));
    out += "]\naddresses = [\n";
    for (const auto& a : allowed_addrs) out += fmt::format("  {},\n", toml_quote(a.to_string()));
    out += "]\n";
  }
  return out;
}

std::string default_intel_dir() {
  if (const char* d = std::getenv("MINEWATCH_INTEL_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string{x} + "/minewatch/intel";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string{h} + "/.local/share/minewatch/intel";
  return {};
}

Result<TomlCounts> load_intel_path(const std::string& path, PoolList& into, std::vector<std::string>& warnings) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (e.is_regular_file(ec) && !e.path().filename().string().starts_with(".")) files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
  } else if (fs::exists(path, ec)) {
    files.push_back(path);
  } else {
    return make_error(fmt::format("intel path {} does not exist", path));
  }
  TomlCounts total;
  for (const auto& f : files) {
    auto r = import_file(f, ListFormat::Auto, false, into);
    if (!r) return std::unexpected(r.error());
    for (const auto& e : r->errors) warnings.push_back(e);
    total.domains += r->domains;
    total.addresses += r->addresses;
    total.allowed += r->allowed;
  }
  return total;
}

}  // namespace minewatch::intel
