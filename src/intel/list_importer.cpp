#include "intel/list_importer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "core/ascii.hpp"
#include "intel/intel_toml.hpp"

namespace minewatch::intel {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view strip_bom(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  return s;
}

bool parse_port(std::string_view s, std::uint16_t& out) {
  s = trim(s);
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v == 0 || v > 65535) return false;
  out = static_cast<std::uint16_t>(v);
  return true;
}

// Splits a CSV line (RFC 4180 quotes; no multi-line fields in these lists).
std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(std::move(cur));
  return out;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j]))) ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_ip(std::string_view s) {
  IpAddress a;
  return IpAddress::parse(s, a);
}

// "host:port", "[v6]:port", "v4:port" or a bare host / address.
bool split_host_port(std::string_view s, std::string_view& host, std::uint16_t& port) {
  port = 0;
  if (s.starts_with("[")) {
    auto close = s.find(']');
    if (close == std::string_view::npos) return false;
    host = s.substr(1, close - 1);
    auto rest = s.substr(close + 1);
    if (rest.empty()) return true;
    return rest.starts_with(":") && parse_port(rest.substr(1), port);
  }
  auto colon = s.rfind(':');
  if (colon != std::string_view::npos && s.find(':') == colon) {
    host = s.substr(0, colon);
    return parse_port(s.substr(colon + 1), port);
  }
  host = s;  // no port, or a bare IPv6 address
  return true;
}

// Strips a scheme ("stratum+tcp://") and path from a URL-ish host column.
std::string_view bare_host(std::string_view s) {
  if (auto p = s.find("://"); p != std::string_view::npos) s.remove_prefix(p + 3);
  if (auto p = s.find('/'); p != std::string_view::npos) s = s.substr(0, p);
  return s;
}

class Reader {
 public:
  Reader(std::string_view origin, std::string_view source, bool as_allow, PoolList& into, ImportReport& report)
      : origin_(origin), source_(source), as_allow_(as_allow), into_(into), report_(report) {}

  void error(std::size_t line, std::string_view why) {
    ++report_.malformed;
    if (report_.errors.size() < kMaxReportedErrors)
      report_.errors.push_back(fmt::format("{}:{}: {}", origin_, line, why));
  }

  bool domain(std::size_t line, std::string_view name, std::string_view coin = {}, std::string_view pool = {}) {
    name = trim(name);
    if (name.starts_with("*.")) name.remove_prefix(2);
    while (!name.empty() && name.back() == '.') name.remove_suffix(1);
    if (!is_domain_name(name)) {
      error(line, fmt::format("'{}' is not a host name", name.substr(0, 80)));
      return false;
    }
    if (as_allow_) {
      into_.allow(name, source_);
      ++report_.allowed;
    } else {
      into_.add(name, coin, source_, pool);
      ++report_.domains;
    }
    return true;
  }

  bool address(std::size_t line, std::string_view text, std::uint16_t port = 0, std::string_view coin = {}) {
    IpAddress a;
    text = trim(text);
    if (!IpAddress::parse(text, a)) {
      error(line, fmt::format("'{}' is not an IP address", text.substr(0, 80)));
      return false;
    }
    if (as_allow_) {
      into_.allow_address(a, source_);
      ++report_.allowed;
    } else {
      into_.add_address(a, port, coin, source_);
      ++report_.addresses;
    }
    return true;
  }

  // A host column that may hold a name or an address.
  bool host(std::size_t line, std::string_view h, std::uint16_t port, std::string_view coin, std::string_view pool) {
    h = trim(h);
    if (is_ip(h)) return address(line, h, port, coin);
    return domain(line, h, coin, pool);
  }

  // An exception rule of a block list: allowed whatever the import mode.
  bool allow_domain(std::size_t line, std::string_view name) {
    if (!is_domain_name(name)) {
      error(line, fmt::format("'{}' is not a host name", name.substr(0, 80)));
      return false;
    }
    into_.allow(name, source_);
    ++report_.allowed;
    return true;
  }

  void skip() { ++report_.skipped; }

 private:
  std::string_view origin_, source_;
  bool as_allow_;
  PoolList& into_;
  ImportReport& report_;
};

template <typename F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t n = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(++n, line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

std::string_view strip_comment(std::string_view line) {
  if (auto h = line.find('#'); h != std::string_view::npos) line = line.substr(0, h);
  return trim(line);
}

void read_hosts(std::string_view text, Reader& r) {
  for_each_line(text, [&](std::size_t n, std::string_view raw) {
    auto line = strip_comment(raw);
    if (line.empty()) return;
    auto f = split_ws(line);
    if (f.size() < 2 || !is_ip(f[0])) {
      r.error(n, "expected 'address name...' (hosts file)");
      return;
    }
    for (std::size_t i = 1; i < f.size(); ++i) {
      auto name = lower_ascii(f[i]);
      if (name == "localhost" || name == "localhost.localdomain" || name == "broadcasthost" || name == "local" ||
          name.starts_with("ip6-") || is_ip(name)) {
        r.skip();
        continue;
      }
      r.domain(n, f[i]);
    }
  });
}

void read_domains(std::string_view text, Reader& r) {
  for_each_line(text, [&](std::size_t n, std::string_view raw) {
    auto line = strip_comment(raw);
    if (line.empty() || line.starts_with("!")) return;
    auto f = split_ws(line);
    if (f.size() != 1) {
      r.error(n, "expected one domain name per line");
      return;
    }
    r.domain(n, f[0]);
  });
}

void read_adblock(std::string_view text, Reader& r) {
  for_each_line(text, [&](std::size_t n, std::string_view raw) {
    auto line = trim(raw);
    if (line.empty() || line.starts_with("!") || line.starts_with("[")) return;
    // Cosmetic and scriptlet filters name the web sites they apply to, not pools.
    if (line.find("##") != std::string_view::npos || line.find("#@#") != std::string_view::npos ||
        line.find("#$#") != std::string_view::npos || line.find("#?#") != std::string_view::npos) {
      r.skip();
      return;
    }
    bool exception = line.starts_with("@@");
    if (exception) line.remove_prefix(2);
    if (!line.starts_with("||")) {
      r.skip();  // a URL pattern or path rule: not a whole host
      return;
    }
    line.remove_prefix(2);
    auto opts = line.find('$');
    std::string_view rule = line.substr(0, opts);
    std::string_view host = rule;
    if (auto caret = rule.find('^'); caret != std::string_view::npos) {
      host = rule.substr(0, caret);
      if (caret + 1 != rule.size()) {
        r.skip();  // "||host^path": a path on the host
        return;
      }
    } else if (rule.find_first_of("/*") != std::string_view::npos) {
      r.skip();
      return;
    }
    if (host.find('*') != std::string_view::npos) {
      r.skip();
      return;
    }
    if (exception) {
      if (is_ip(host)) {
        r.skip();  // an exception for an address: the address lists' allow-lists cover those
        return;
      }
      r.allow_domain(n, host);
      return;
    }
    if (is_ip(host)) {
      r.address(n, host);
      return;
    }
    r.domain(n, host);
  });
}

void read_ips(std::string_view text, Reader& r) {
  for_each_line(text, [&](std::size_t n, std::string_view raw) {
    auto line = strip_comment(raw);
    if (line.empty() || line.starts_with("!")) return;
    line = strip_bom(line);
    // "address", "address,port", "address port", "v4:port", "[v6]:port"
    std::string_view host;
    std::uint16_t port = 0;
    if (auto sep = line.find_first_of(", \t"); sep != std::string_view::npos) {
      host = trim(line.substr(0, sep));
      if (!parse_port(line.substr(sep + 1), port)) {
        if (n == 1 && !is_ip(host)) return;  // a header row ("address,port")
        r.error(n, fmt::format("'{}' is not a port", trim(line.substr(sep + 1)).substr(0, 40)));
        return;
      }
    } else if (!split_host_port(line, host, port)) {
      r.error(n, "expected 'address[:port]'");
      return;
    }
    r.address(n, host, port);
  });
}

void read_host_port(std::string_view text, Reader& r) {
  std::string coin;  // "# BTC" section headers (RulesGenerator lists) name the coin of the rows below
  for_each_line(text, [&](std::size_t n, std::string_view raw) {
    auto line = trim(raw);
    if (line.empty()) return;
    if (line.starts_with("#")) {
      auto c = trim(line.substr(1));
      if (!c.empty() && c.size() <= 10 && std::all_of(c.begin(), c.end(), [](char ch) {
            return std::isupper(static_cast<unsigned char>(ch)) || std::isdigit(static_cast<unsigned char>(ch));
          }))
        coin = c;
      return;
    }
    line = strip_comment(line);
    if (line.find(',') != std::string_view::npos) {
      // host,port[,port...]
      auto f = split_csv(line);
      std::string_view h = bare_host(trim(f[0]));
      std::vector<std::uint16_t> ports;
      for (std::size_t i = 1; i < f.size(); ++i) {
        std::uint16_t p = 0;
        if (trim(f[i]).empty()) continue;
        if (!parse_port(f[i], p)) {
          r.error(n, fmt::format("'{}' is not a port", trim(f[i]).substr(0, 40)));
          return;
        }
        ports.push_back(p);
      }
      if (ports.empty()) ports.push_back(0);
      for (auto p : ports) {
        if (!r.host(n, h, p, coin, {})) return;
      }
      return;
    }
    std::string_view h;
    std::uint16_t port = 0;
    if (!split_host_port(bare_host(line), h, port)) {
      r.error(n, "expected 'host:port'");
      return;
    }
    r.host(n, h, port, coin, {});
  });
}

void read_url_patterns(std::string_view text, Reader& r) {
  for_each_line(text, [&](std::size_t n, std::string_view raw) {
    auto line = strip_comment(raw);
    if (line.empty() || line.starts_with("!")) return;
    auto p = line.find("://");
    if (p == std::string_view::npos) {
      r.error(n, "expected a URL pattern 'scheme://host/path'");
      return;
    }
    std::string_view host = line.substr(p + 3);
    host = host.substr(0, host.find_first_of("/:?"));
    if (host.starts_with("*.")) host.remove_prefix(2);
    if (host.find('*') != std::string_view::npos) {
      r.skip();
      return;
    }
    r.domain(n, host);
  });
}

int column(const std::vector<std::string>& header, std::initializer_list<std::string_view> names) {
  for (auto want : names) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (lower_ascii(trim(header[i])) == want) return static_cast<int>(i);
    }
  }
  return -1;
}

std::string_view field(const std::vector<std::string>& row, int i) {
  if (i < 0 || static_cast<std::size_t>(i) >= row.size()) return {};
  return trim(row[static_cast<std::size_t>(i)]);
}

// Coin columns say "UNKNOWN" or "ANONYMOUS" when they do not know.
std::string_view coin_of(std::string_view c) {
  if (c == "UNKNOWN" || c == "ANONYMOUS" || c == "unknown") return {};
  return c;
}

Result<bool> read_csv(std::string_view text, std::string_view origin, Reader& r) {
  std::vector<std::string> header;
  int c_host = -1, c_port = -1, c_coin = -1, c_pool = -1, c_addr = -1;
  bool ok = true;
  std::string failure;
  for_each_line(text, [&](std::size_t n, std::string_view raw) {
    if (!ok) return;
    auto line = trim(raw);
    if (line.empty() || line.starts_with("#")) return;
    if (header.empty()) {
      header = split_csv(strip_bom(line));
      c_host = column(header, {"domain", "fqdn", "host", "hostname", "website_domain", "server"});
      c_addr = column(header, {"address", "ip", "ipv4_addresses", "addresses"});
      c_port = column(header, {"port", "pool_port"});
      c_coin = column(header, {"coin", "symbol", "currency"});
      c_pool = column(header, {"pool_name", "pool", "name"});
      if (c_host < 0 && c_addr < 0) {
        ok = false;
        failure =
            fmt::format("{}:{}: no domain/fqdn/host or address column in the header (is this a pool list?)", origin, n);
      }
      return;
    }
    auto row = split_csv(line);
    if (row.size() != header.size()) {
      r.error(n, fmt::format("{} fields where the header has {}", row.size(), header.size()));
      return;
    }
    std::uint16_t port = 0;
    if (auto p = field(row, c_port); !p.empty() && !parse_port(p, port)) {
      r.error(n, fmt::format("'{}' is not a port", p.substr(0, 40)));
      return;
    }
    auto coin = coin_of(field(row, c_coin));
    auto pool = field(row, c_pool);
    if (auto h = bare_host(field(row, c_host)); !h.empty()) {
      std::string_view host;
      std::uint16_t p2 = 0;
      if (split_host_port(h, host, p2) && p2 != 0 && port == 0) port = p2;
      if (!r.host(n, host.empty() ? h : host, port, coin, pool)) return;
    }
    for (auto a : split_ws(field(row, c_addr))) r.address(n, a, port, coin);
  });
  if (!ok) return make_error(failure);
  return true;
}

// sMaSheD (nesfit, 2018): pool_servers.csv "fqdn,pool,pool_url,ipv4_addresses,port:coin" and
// mining_properties.csv "fqdn,address,protocol,port,status,reason,..." (status 1: a pool answered).
Result<bool> read_smashed(std::string_view text, std::string_view origin, Reader& r) {
  std::vector<std::string> header;
  int c_fqdn = -1, c_pool = -1, c_addrs = -1, c_portcoin = -1, c_addr = -1, c_port = -1, c_status = -1;
  bool ok = true;
  std::string failure;
  for_each_line(text, [&](std::size_t n, std::string_view raw) {
    if (!ok) return;
    auto line = trim(raw);
    if (line.empty()) return;
    if (header.empty()) {
      header = split_csv(strip_bom(line));
      c_fqdn = column(header, {"fqdn"});
      c_pool = column(header, {"pool"});
      c_addrs = column(header, {"ipv4_addresses"});
      c_portcoin = column(header, {"port:coin"});
      c_addr = column(header, {"address"});
      c_port = column(header, {"port"});
      c_status = column(header, {"status"});
      if (c_fqdn < 0 || (c_portcoin < 0 && c_port < 0)) {
        ok = false;
        failure = fmt::format("{}:{}: not a sMaSheD table (expected fqdn and port:coin or port columns)", origin, n);
      }
      return;
    }
    auto row = split_csv(line);
    if (row.size() != header.size()) {
      r.error(n, fmt::format("{} fields where the header has {}", row.size(), header.size()));
      return;
    }
    if (c_portcoin >= 0) {
      // One entry per port:coin pair; the pool's addresses listen on those ports.
      std::vector<std::pair<std::uint16_t, std::string>> pcs;
      for (auto pc : split_ws(field(row, c_portcoin))) {
        auto colon = pc.find(':');
        std::uint16_t p = 0;
        if (colon == std::string_view::npos || !parse_port(pc.substr(0, colon), p)) {
          r.error(n, fmt::format("'{}' is not port:coin", pc.substr(0, 40)));
          return;
        }
        pcs.emplace_back(p, std::string{pc.substr(colon + 1)});
      }
      std::string coins;
      for (const auto& [p, c] : pcs) {
        if (coins.find(c) == std::string::npos) coins += (coins.empty() ? "" : "/") + c;
      }
      if (!r.host(n, field(row, c_fqdn), 0, coins, field(row, c_pool))) return;
      for (auto a : split_ws(field(row, c_addrs))) {
        if (pcs.empty()) r.address(n, a, 0, coins);
        for (const auto& [p, c] : pcs) r.address(n, a, p, c);
      }
      return;
    }
    std::uint16_t port = 0;
    if (!parse_port(field(row, c_port), port)) {
      r.error(n, fmt::format("'{}' is not a port", field(row, c_port).substr(0, 40)));
      return;
    }
    if (field(row, c_status) != "1") {
      r.skip();  // the probe found no pool there
      return;
    }
    r.domain(n, field(row, c_fqdn));
    if (c_addr >= 0) r.address(n, field(row, c_addr), port);
  });
  if (!ok) return make_error(failure);
  return true;
}

}  // namespace

bool is_domain_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || is_ip(s)) return false;
  std::size_t labels = 0, label_len = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      if (label_len == 0 || label_len > 63) return false;
      if (s[i - 1] == '-') return false;
      ++labels;
      label_len = 0;
      continue;
    }
    char c = s[i];
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c == '-' && label_len > 0);
    if (!ok) return false;
    ++label_len;
  }
  return labels >= 2;
}

std::string_view format_name(ListFormat f) {
  switch (f) {
    case ListFormat::Auto: return "auto";
    case ListFormat::Hosts: return "hosts";
    case ListFormat::Domains: return "domains";
    case ListFormat::Adblock: return "adblock";
    case ListFormat::Ips: return "ips";
    case ListFormat::HostPort: return "hostport";
    case ListFormat::Csv: return "csv";
    case ListFormat::Smashed: return "smashed";
    case ListFormat::UrlPatterns: return "urls";
    case ListFormat::Toml: return "toml";
  }
  return "auto";
}

std::optional<ListFormat> parse_format(std::string_view name) {
  for (auto f :
       {ListFormat::Auto, ListFormat::Hosts, ListFormat::Domains, ListFormat::Adblock, ListFormat::Ips,
        ListFormat::HostPort, ListFormat::Csv, ListFormat::Smashed, ListFormat::UrlPatterns, ListFormat::Toml}) {
    if (format_name(f) == name) return f;
  }
  return std::nullopt;
}

ListFormat sniff_format(std::string_view text) {
  text = strip_bom(text);
  std::size_t looked = 0;
  ListFormat guess = ListFormat::Domains;
  bool decided = false;
  bool first = true;
  for_each_line(text, [&](std::size_t, std::string_view raw) {
    if (decided || looked >= 50) return;
    auto line = trim(raw);
    if (line.empty()) return;
    if (first) {
      first = false;
      if (line.starts_with("[Adblock") || line.starts_with("[uBlock")) {
        guess = ListFormat::Adblock;
        decided = true;
        return;
      }
      if (line.find(',') != std::string_view::npos) {
        auto lowered = lower_ascii(line);
        if (lowered.find("fqdn") != std::string::npos &&
            (lowered.find("port:coin") != std::string::npos || lowered.find("status") != std::string::npos)) {
          guess = ListFormat::Smashed;
          decided = true;
          return;
        }
        auto h = split_csv(lowered);
        if (column(h, {"domain", "fqdn", "host", "hostname", "website_domain", "address", "ip", "node_host"}) >= 0) {
          guess = ListFormat::Csv;
          decided = true;
          return;
        }
      }
    }
    if (line.starts_with("!")) {
      guess = ListFormat::Adblock;
      return;
    }
    if (line.starts_with("#") || line.starts_with("[")) {
      if (line.starts_with("[[") || line.starts_with("[pool") || line.starts_with("[allow")) {
        guess = ListFormat::Toml;
        decided = true;
      }
      return;
    }
    ++looked;
    auto f = split_ws(strip_comment(line));
    if (f.empty()) return;
    if (line.starts_with("||") || line.starts_with("@@||") || line.find("##") != std::string_view::npos) {
      guess = ListFormat::Adblock;
      decided = true;
    } else if (line.find("://") != std::string_view::npos) {
      guess = ListFormat::UrlPatterns;
      decided = true;
    } else if (f.size() >= 2 && is_ip(f[0]) && !is_ip(f[1])) {
      guess = ListFormat::Hosts;
      decided = true;
    } else if (line.find('=') != std::string_view::npos) {
      guess = ListFormat::Toml;
      decided = true;
    } else {
      std::string_view h;
      std::uint16_t p = 0;
      auto first_field = f[0].substr(0, f[0].find(','));
      if (is_ip(first_field) || (split_host_port(first_field, h, p) && is_ip(h))) {
        guess = ListFormat::Ips;
        decided = true;
      } else if (line.find(',') != std::string_view::npos || (split_host_port(f[0], h, p) && p != 0)) {
        guess = ListFormat::HostPort;
        decided = true;
      }
    }
  });
  return guess;
}

Result<ImportReport> import_text(std::string_view text, std::string_view origin, std::string_view source,
                                 ListFormat format, bool as_allow, PoolList& into) {
  ImportReport report;
  report.format = format == ListFormat::Auto ? sniff_format(text) : format;
  Reader r(origin, source, as_allow, into, report);
  switch (report.format) {
    case ListFormat::Hosts: read_hosts(text, r); break;
    case ListFormat::Auto:
    case ListFormat::Domains: read_domains(text, r); break;
    case ListFormat::Adblock: read_adblock(text, r); break;
    case ListFormat::Ips: read_ips(text, r); break;
    case ListFormat::HostPort: read_host_port(text, r); break;
    case ListFormat::UrlPatterns: read_url_patterns(text, r); break;
    case ListFormat::Csv:
      if (auto ok = read_csv(text, origin, r); !ok) return std::unexpected(ok.error());
      break;
    case ListFormat::Smashed:
      if (auto ok = read_smashed(text, origin, r); !ok) return std::unexpected(ok.error());
      break;
    case ListFormat::Toml: {
      auto ok = read_intel_toml(text, origin, source, as_allow, into);
      if (!ok) return std::unexpected(ok.error());
      report.domains = ok->domains;
      report.addresses = ok->addresses;
      report.allowed = ok->allowed;
      break;
    }
  }
  if (report.entries() == 0 && report.malformed > 0) {
    return make_error(fmt::format("{}: no usable entry as {} ({} malformed rows; first: {})", origin,
                                  format_name(report.format), report.malformed, report.errors.front()));
  }
  return report;
}

Result<ImportReport> import_file(const std::string& path, ListFormat format, bool as_allow, PoolList& into) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(fmt::format("cannot read {}", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.find('\0') != std::string::npos) return make_error(fmt::format("{}: binary file, not a list", path));
  std::string_view name = path;
  if (auto slash = name.rfind('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  return import_text(text, path, name, format, as_allow, into);
}

}  // namespace minewatch::intel
