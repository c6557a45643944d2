#include "estimate/coin_catalog.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <chrono>
#include <cstdlib>

#include "estimate/address.hpp"

namespace minewatch::estimate {

namespace {

std::int64_t unix_of(const toml::date& d) {
  using namespace std::chrono;
  const sys_days days = year{d.year} / month{d.month} / day{d.day};
  return duration_cast<seconds>(days.time_since_epoch()).count();
}

std::string str(const toml::table& t, std::string_view key) { return t[key].value_or(std::string{}); }

std::vector<std::string> strings(const toml::table& t, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* a = t[key].as_array()) {
    for (const auto& n : *a) {
      if (auto s = n.value<std::string>()) out.push_back(*s);
    }
  }
  return out;
}

double number(const toml::table& t, std::string_view key, double fallback) {
  if (auto v = t[key].value<double>()) return *v;
  return fallback;
}

Result<Algorithm> read_algorithm(const toml::table& t, std::string_view where) {
  Algorithm a;
  a.id = str(t, "id");
  a.name = str(t, "name");
  a.unit = str(t, "unit");
  if (a.id.empty() || a.unit.empty()) return make_error(fmt::format("{}: an [[algorithm]] needs id and unit", where));
  a.share_multiplier = number(t, "share_multiplier", 0);
  a.share_multiplier_source = str(t, "share_multiplier_source");
  a.agents = strings(t, "agents");
  if (const auto* hw = t["hardware"].as_array()) {
    for (const auto& n : *hw) {
      const auto* h = n.as_table();
      if (!h) continue;
      HardwareClass c;
      c.klass = str(*h, "class");
      c.model = str(*h, "model");
      c.since = static_cast<int>((*h)["since"].value_or(0));
      c.j_per_unit = number(*h, "j_per_unit", 0);
      c.source = str(*h, "source");
      if (c.klass.empty() || !(c.j_per_unit > 0) || c.source.empty()) {
        return make_error(
            fmt::format("{}: hardware of algorithm {} needs class, j_per_unit > 0 and a source", where, a.id));
      }
      a.hardware.push_back(std::move(c));
    }
  }
  return a;
}

Result<Coin> read_coin(const toml::table& t, std::string_view where) {
  Coin c;
  c.id = str(t, "id");
  c.name = str(t, "name");
  c.algorithm = str(t, "algorithm");
  c.source = str(t, "source");
  if (c.id.empty() || c.algorithm.empty() || c.source.empty()) {
    return make_error(fmt::format("{}: a [[coin]] needs id, algorithm and source", where));
  }
  for (const auto& v : strings(t, "base58_versions")) {
    auto bytes = hex_bytes(v);
    if (bytes.empty()) return make_error(fmt::format("{}: coin {}: bad base58 version '{}'", where, c.id, v));
    c.base58_versions.push_back(std::move(bytes));
  }
  if (const auto* ps = t["prefixes"].as_array()) {
    for (const auto& n : *ps) {
      if (const auto* p = n.as_table()) {
        AddressPrefix ap{str(*p, "prefix"), static_cast<std::size_t>((*p)["min"].value_or(0)),
                         static_cast<std::size_t>((*p)["max"].value_or(0))};
        if (ap.prefix.empty() || ap.min_len == 0 || ap.max_len < ap.min_len) {
          return make_error(fmt::format("{}: coin {}: a prefix needs prefix, min and max", where, c.id));
        }
        c.prefixes.push_back(std::move(ap));
      }
    }
  }
  if (const auto* es = t["eras"].as_array()) {
    for (const auto& n : *es) {
      if (const auto* e = n.as_table()) {
        auto until = (*e)["until"].value<toml::date>();
        if (!until) return make_error(fmt::format("{}: coin {}: an era needs a date 'until'", where, c.id));
        c.eras.push_back({str(*e, "algorithm"), unix_of(*until)});
      }
    }
  }
  if (auto d = t["mined_until"].value<toml::date>()) c.mined_until_unix = unix_of(*d);
  c.host_tokens = strings(t, "host_tokens");
  c.pool_domains = strings(t, "pool_domains");
  c.cryptonote_algos = strings(t, "cryptonote_algos");
  c.prior = number(t, "prior", 1);
  return c;
}

}  // namespace

const std::string& Coin::algorithm_at(std::int64_t unix_time) const {
  for (const auto& e : eras) {
    if (unix_time < e.until_unix) return e.algorithm;
  }
  return algorithm;
}

Result<CoinCatalog> CoinCatalog::parse(std::string_view text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return make_error(
        fmt::format("{}:{}:{}: {}", source_name, e.source().begin.line, e.source().begin.column, e.description()));
  }
  CoinCatalog cat;
  if (const auto* algos = root["algorithm"].as_array()) {
    for (const auto& n : *algos) {
      const auto* t = n.as_table();
      if (!t) continue;
      auto where = fmt::format("{}:{}", source_name, n.source().begin.line);
      auto a = read_algorithm(*t, where);
      if (!a) return std::unexpected(a.error());
      cat.algorithms_.push_back(std::move(*a));
    }
  }
  if (const auto* coins = root["coin"].as_array()) {
    for (const auto& n : *coins) {
      const auto* t = n.as_table();
      if (!t) continue;
      auto where = fmt::format("{}:{}", source_name, n.source().begin.line);
      auto c = read_coin(*t, where);
      if (!c) return std::unexpected(c.error());
      if (!cat.algorithm(c->algorithm)) {
        return make_error(fmt::format("{}: coin {} names unknown algorithm {}", where, c->id, c->algorithm));
      }
      for (const auto& e : c->eras) {
        if (!cat.algorithm(e.algorithm)) {
          return make_error(fmt::format("{}: coin {} era names unknown algorithm {}", where, c->id, e.algorithm));
        }
      }
      cat.coins_.push_back(std::move(*c));
    }
  }
  if (cat.coins_.empty()) return make_error(fmt::format("{}: no [[coin]] entries", source_name));
  return cat;
}

const CoinCatalog& CoinCatalog::builtin() {
  static const CoinCatalog catalog = [] {
    auto c = parse(builtin_catalog_text(), "data/coins.toml (built in)");
    if (!c) {
      // The build embeds a catalog the unit tests parse: failing here is a packaging bug.
      fmt::print(stderr, "minewatch: built-in coin catalog: {}\n", c.error().message);
      std::abort();
    }
    return std::move(*c);
  }();
  return catalog;
}

const Algorithm* CoinCatalog::algorithm(std::string_view id) const {
  for (const auto& a : algorithms_) {
    if (a.id == id) return &a;
  }
  return nullptr;
}

const Coin* CoinCatalog::coin(std::string_view id) const {
  for (const auto& c : coins_) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

}  // namespace minewatch::estimate
