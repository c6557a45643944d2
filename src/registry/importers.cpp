// Text importers: our CSV formats, ipcat, plain CIDR lists, ip2asn TSV and asn2org names.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <variant>

#include "core/ascii.hpp"
#include "registry/csv.hpp"
#include "registry/importers_internal.hpp"
#include "registry/registry.hpp"

namespace minewatch::registry {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

struct Context {
  std::string file;
  std::string source;
  RegistryData& data;
  ImportReport& report;

  void reject(std::size_t line, std::string message) {
    ++report.rows_rejected;
    if (report.diagnostics.size() < kMaxDiagnostics) report.diagnostics.push_back({file, line, 0, std::move(message)});
  }
  OrgIndex add_org(Organisation org) {
    const std::size_t before = data.orgs.size();
    if (org.source.empty()) org.source = source;
    const OrgIndex index = data.add_org(std::move(org));
    if (data.orgs.size() != before) ++report.orgs_added;
    return index;
  }
  void add_prefix(const Prefix& p, OrgIndex org) {
    data.prefixes.push_back({p, org});
    ++report.prefixes_added;
  }
};

// Column positions, from a header row when there is one, else the documented order.
class Columns {
 public:
  Columns(std::vector<std::string_view> names, std::size_t required) : names_(std::move(names)), required_(required) {
    index_.resize(names_.size());
    for (std::size_t i = 0; i < names_.size(); ++i) index_[i] = static_cast<int>(i);
  }
  // Returns false (with `missing` set) when a header lacks a required column.
  bool use_header(const std::vector<std::string>& header, std::string& missing) {
    for (auto& i : index_) i = -1;
    for (std::size_t col = 0; col < header.size(); ++col) {
      const std::string name = lower_ascii(trim(header[col]));
      for (std::size_t i = 0; i < names_.size(); ++i) {
        if (name == names_[i]) index_[i] = static_cast<int>(col);
      }
    }
    for (std::size_t i = 0; i < required_; ++i) {
      if (index_[i] < 0) {
        missing = names_[i];
        return false;
      }
    }
    return true;
  }
  [[nodiscard]] std::string_view get(const CsvRecord& r, std::size_t i) const {
    const int col = index_[i];
    if (col < 0 || static_cast<std::size_t>(col) >= r.fields.size()) return {};
    return trim(r.fields[static_cast<std::size_t>(col)]);
  }
  [[nodiscard]] bool has(const CsvRecord& r, std::size_t i) const {
    const int col = index_[i];
    return col >= 0 && static_cast<std::size_t>(col) < r.fields.size();
  }
  [[nodiscard]] std::size_t required() const { return required_; }
  [[nodiscard]] std::string_view name(std::size_t i) const { return names_[i]; }

 private:
  std::vector<std::string_view> names_;
  std::vector<int> index_;
  std::size_t required_;
};

bool is_comment(const CsvRecord& r) { return !r.fields.empty() && trim(r.fields[0]).starts_with('#'); }

// Reads rows; the first row is a header when its first field is one of `header_first`. Calls row(r)
// for each data row with at least the required columns.
template <typename Row>
Result<void> for_each_row(std::string_view text, Context& ctx, Columns& cols,
                          std::initializer_list<std::string_view> header_first, Row&& row, char separator = ',') {
  CsvReader reader(text, separator);
  CsvRecord r;
  bool first = true;
  while (reader.next(r)) {
    if (is_comment(r)) continue;
    ++ctx.report.rows;
    if (first) {
      first = false;
      const std::string head = lower_ascii(trim(r.fields[0]));
      if (std::find(header_first.begin(), header_first.end(), head) != header_first.end()) {
        --ctx.report.rows;
        std::string missing;
        if (!cols.use_header(r.fields, missing)) {
          return make_error(ctx.file + ":" + std::to_string(r.line) + ": header has no '" + missing + "' column");
        }
        continue;
      }
    }
    if (!r.error.empty()) {
      ctx.reject(r.line, r.error);
      continue;
    }
    bool complete = true;
    for (std::size_t i = 0; i < cols.required(); ++i) {
      if (!cols.has(r, i) || cols.get(r, i).empty()) {
        ctx.reject(r.line, "missing '" + std::string(cols.name(i)) + "'");
        complete = false;
        break;
      }
    }
    if (complete) row(r);
  }
  return {};
}

std::optional<bool> parse_bool(std::string_view s) {
  const std::string l = lower_ascii(s);
  if (l.empty() || l == "0" || l == "false" || l == "no" || l == "n") return false;
  if (l == "1" || l == "true" || l == "yes" || l == "y") return true;
  return std::nullopt;
}

template <typename T>
bool parse_uint(std::string_view s, T& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && ptr == s.data() + s.size() && !s.empty();
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<Timestamp> parse_time(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  // Unix seconds, optionally fractional.
  if (std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; })) {
    const auto dot = s.find('.');
    std::int64_t sec = 0;
    if (!parse_uint(s.substr(0, dot), sec)) return std::nullopt;
    std::int64_t ns = 0;
    if (dot != std::string_view::npos) {
      const std::string_view frac = s.substr(dot + 1);
      if (frac.empty() || frac.size() > 9 || !parse_uint(frac, ns)) return std::nullopt;
      for (std::size_t i = frac.size(); i < 9; ++i) ns *= 10;
    }
    return Timestamp::checked_from_parts(sec, ns);
  }
  // RFC 3339: YYYY-MM-DD[T ]HH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
      s[16] != ':') {
    return std::nullopt;
  }
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!parse_uint(s.substr(0, 4), y) || !parse_uint(s.substr(5, 2), mo) || !parse_uint(s.substr(8, 2), d) ||
      !parse_uint(s.substr(11, 2), h) || !parse_uint(s.substr(14, 2), mi) || !parse_uint(s.substr(17, 2), se)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    const std::string_view frac = s.substr(start, std::min<std::size_t>(pos - start, 9));
    if (frac.empty() || !parse_uint(frac, ns)) return std::nullopt;
    for (std::size_t i = frac.size(); i < 9; ++i) ns *= 10;
  }
  std::int64_t offset = 0;
  const std::string_view zone = s.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    unsigned oh = 0, om = 0;
    if (!parse_uint(zone.substr(1, 2), oh) || !parse_uint(zone.substr(4, 2), om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (zone[0] == '+' ? 1 : -1) * static_cast<std::int64_t>(oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  const std::int64_t sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  return Timestamp::checked_from_parts(sec, ns);
}

namespace {

Result<void> import_organisations(std::string_view text, Context& ctx) {
  Columns cols({"id", "name", "type", "province", "city", "carrier"}, 1);
  return for_each_row(text, ctx, cols, {"id"}, [&](const CsvRecord& r) {
    Organisation org;
    org.id = cols.get(r, 0);
    org.name = cols.get(r, 1);
    if (org.name.empty()) org.name = org.id;
    const auto type = parse_org_type(cols.get(r, 2));
    if (!type) {
      ctx.reject(r.line, "unknown organisation type '" + std::string(cols.get(r, 2)) +
                             "' (soe, government, university, private, residential, idc, unknown)");
      return;
    }
    org.type = *type;
    org.province = cols.get(r, 3);
    org.city = cols.get(r, 4);
    const auto carrier = parse_bool(cols.get(r, 5));
    if (!carrier) {
      ctx.reject(r.line, "carrier must be true/false, not '" + std::string(cols.get(r, 5)) + "'");
      return;
    }
    org.carrier = *carrier;
    ctx.add_org(std::move(org));
  });
}

// "10.0.0.0/8", a bare address, or a range "first-last".
std::variant<std::vector<Prefix>, std::string> parse_block(std::string_view text) {
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    IpAddress first;
    IpAddress last;
    const auto a = trim(text.substr(0, dash));
    const auto b = trim(text.substr(dash + 1));
    if (!IpAddress::parse(a, first)) return "'" + std::string(a) + "' is not an IP address";
    if (!IpAddress::parse(b, last)) return "'" + std::string(b) + "' is not an IP address";
    if (first.is_v6 != last.is_v6) return "range mixes IPv4 and IPv6";
    if (last < first) return "range ends before it starts";
    return Prefix::from_range(first, last);
  }
  auto p = Prefix::parse(text);
  if (!p) return p.error().message;
  return std::vector<Prefix>{*p};
}

Result<void> import_prefixes(std::string_view text, Context& ctx) {
  Columns cols({"cidr", "org", "name", "type", "province", "city"}, 2);
  return for_each_row(text, ctx, cols, {"cidr", "prefix", "network"}, [&](const CsvRecord& r) {
    auto block = parse_block(cols.get(r, 0));
    if (auto* err = std::get_if<std::string>(&block)) {
      ctx.reject(r.line, *err);
      return;
    }
    Organisation org;
    org.id = cols.get(r, 1);
    org.name = cols.get(r, 2);
    const auto type = parse_org_type(cols.get(r, 3));
    if (!type) {
      ctx.reject(r.line, "unknown organisation type '" + std::string(cols.get(r, 3)) + "'");
      return;
    }
    org.type = *type;
    org.province = cols.get(r, 4);
    org.city = cols.get(r, 5);
    const OrgIndex index = ctx.add_org(std::move(org));
    for (const auto& p : std::get<std::vector<Prefix>>(block)) ctx.add_prefix(p, index);
  });
}

Result<void> import_mappings(std::string_view text, Context& ctx) {
  Columns cols({"public_ip", "port_first", "port_last", "start", "end", "subscriber", "org"}, 1);
  return for_each_row(text, ctx, cols, {"public_ip", "ip"}, [&](const CsvRecord& r) {
    NatMapping m;
    const auto ip_text = cols.get(r, 0);
    if (!IpAddress::parse(ip_text, m.public_ip)) {
      ctx.reject(r.line, "'" + std::string(ip_text) + "' is not an IP address");
      return;
    }
    const auto pf = cols.get(r, 1);
    const auto pl = cols.get(r, 2);
    if ((!pf.empty() && !parse_uint(pf, m.port_first)) || (!pl.empty() && !parse_uint(pl, m.port_last))) {
      ctx.reject(r.line, "ports must be 0-65535 ('" + std::string(pf) + "', '" + std::string(pl) + "')");
      return;
    }
    if (m.port_first > m.port_last) {
      ctx.reject(r.line,
                 "port range " + std::to_string(m.port_first) + "-" + std::to_string(m.port_last) + " is empty");
      return;
    }
    const auto st = cols.get(r, 3);
    const auto en = cols.get(r, 4);
    if (st.empty()) {
      m.start = Timestamp{std::numeric_limits<std::int64_t>::min()};
    } else if (auto t = parse_time(st)) {
      m.start = *t;
    } else {
      ctx.reject(r.line, "start '" + std::string(st) + "' is not RFC 3339 or Unix seconds");
      return;
    }
    if (en.empty()) {
      m.end = Timestamp{std::numeric_limits<std::int64_t>::max()};
    } else if (auto t = parse_time(en)) {
      m.end = *t;
    } else {
      ctx.reject(r.line, "end '" + std::string(en) + "' is not RFC 3339 or Unix seconds");
      return;
    }
    if (!(m.start < m.end)) {
      ctx.reject(r.line, "mapping ends before it starts");
      return;
    }
    m.subscriber = cols.get(r, 5);
    if (m.subscriber.empty() && cols.get(r, 6).empty()) {
      ctx.reject(r.line, "mapping names neither a subscriber nor an org");
      return;
    }
    if (const auto org = cols.get(r, 6); !org.empty()) {
      Organisation o;
      o.id = org;
      m.org = ctx.add_org(std::move(o));
    }
    ctx.data.mappings.push_back(std::move(m));
    ++ctx.report.mappings_added;
  });
}

std::string slug(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += lower_ascii(c);
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// client9-ipcat: first,last,name,url — every row is a datacenter, hosting or cloud range.
Result<void> import_ipcat(std::string_view text, Context& ctx) {
  Columns cols({"first", "last", "name", "url"}, 3);
  return for_each_row(text, ctx, cols, {"start", "first"}, [&](const CsvRecord& r) {
    IpAddress first;
    IpAddress last;
    if (!IpAddress::parse(cols.get(r, 0), first) || !IpAddress::parse(cols.get(r, 1), last) ||
        first.is_v6 != last.is_v6 || last < first) {
      ctx.reject(r.line, "bad range '" + std::string(cols.get(r, 0)) + "' - '" + std::string(cols.get(r, 1)) + "'");
      return;
    }
    Organisation org;
    org.name = cols.get(r, 2);
    org.id = "ipcat:" + slug(org.name);
    org.type = OrgType::Cloud;
    const OrgIndex index = ctx.add_org(std::move(org));
    for (const auto& p : Prefix::from_range(first, last)) ctx.add_prefix(p, index);
  });
}

// iptoasn.com format: first\tlast\tasn\tcountry\tdescription; ASN 0 is "not routed".
Result<void> import_ip2asn(std::string_view text, Context& ctx) {
  Columns cols({"range_start", "range_end", "as_number", "country_code", "as_description"}, 3);
  return for_each_row(
      text, ctx, cols, {"range_start"},
      [&](const CsvRecord& r) {
        IpAddress first;
        IpAddress last;
        std::uint32_t asn = 0;
        if (!IpAddress::parse(cols.get(r, 0), first) || !IpAddress::parse(cols.get(r, 1), last) ||
            first.is_v6 != last.is_v6 || last < first) {
          ctx.reject(r.line, "bad range '" + std::string(cols.get(r, 0)) + "' - '" + std::string(cols.get(r, 1)) + "'");
          return;
        }
        if (!parse_uint(cols.get(r, 2), asn)) {
          ctx.reject(r.line, "'" + std::string(cols.get(r, 2)) + "' is not an AS number");
          return;
        }
        if (asn == 0) return;
        Organisation org;
        org.id = "AS" + std::to_string(asn);
        org.name = cols.get(r, 4);
        if (org.name.empty() || org.name == "Not routed") org.name = org.id;
        org.type = infer_org_type(org.name);
        const OrgIndex index = ctx.add_org(std::move(org));
        const auto blocks = Prefix::from_range(first, last);
        for (const auto& p : blocks) ctx.add_prefix(p, index);
        const auto country = cols.get(r, 3);
        if (country.size() == 2 && country != "None") {
          for (const auto& p : blocks) {
            ctx.data.regions.push_back({p, std::string(country), {}, {}});
            ++ctx.report.regions_added;
          }
        }
      },
      '\t');
}

// vincentbernat asn2org: "asn","name","source" — names (and inferred types) for AS<n> organisations.
Result<void> import_asn_names(std::string_view text, Context& ctx) {
  Columns cols({"asn", "name", "source"}, 2);
  return for_each_row(text, ctx, cols, {"asn"}, [&](const CsvRecord& r) {
    std::uint32_t asn = 0;
    auto asn_text = cols.get(r, 0);
    if (asn_text.starts_with("AS") || asn_text.starts_with("as")) asn_text.remove_prefix(2);
    if (!parse_uint(asn_text, asn)) {
      ctx.reject(r.line, "'" + std::string(cols.get(r, 0)) + "' is not an AS number");
      return;
    }
    Organisation org;
    org.id = "AS" + std::to_string(asn);
    org.name = cols.get(r, 1);
    org.type = infer_org_type(org.name);
    if (const auto src = cols.get(r, 2); !src.empty()) org.source = ctx.source + " (" + std::string(src) + ")";
    ctx.add_org(std::move(org));
  });
}

}  // namespace

// Known CIDR lists, by file name.
struct KnownList {
  std::string_view stem;  // file name without digits suffix and extension
  std::string_view id;
  std::string_view name;
  OrgType type;
  bool carrier;
};
constexpr KnownList kKnownLists[] = {
    {"chinanet", "cn-chinatelecom", "China Telecom", OrgType::StateOwned, true},
    {"chinatelecom", "cn-chinatelecom", "China Telecom", OrgType::StateOwned, true},
    {"unicom", "cn-chinaunicom", "China Unicom", OrgType::StateOwned, true},
    {"chinaunicom", "cn-chinaunicom", "China Unicom", OrgType::StateOwned, true},
    {"cmcc", "cn-chinamobile", "China Mobile", OrgType::StateOwned, true},
    {"chinamobile", "cn-chinamobile", "China Mobile", OrgType::StateOwned, true},
    {"cernet", "cn-cernet", "CERNET (China Education and Research Network)", OrgType::University, false},
    {"cstnet", "cn-cstnet", "CSTNET (Chinese Academy of Sciences)", OrgType::Government, false},
    {"drpeng", "cn-drpeng", "Dr. Peng Telecom & Media", OrgType::PrivateEnterprise, true},
    {"googlecn", "cn-google", "Google China", OrgType::PrivateEnterprise, false},
    {"aliyun", "cloud-aliyun", "Alibaba Cloud", OrgType::Cloud, false},
    {"tencent", "cloud-tencent", "Tencent Cloud", OrgType::Cloud, false},
    {"huawei", "cloud-huawei", "Huawei Cloud", OrgType::Cloud, false},
    {"digitalocean", "cloud-digitalocean", "DigitalOcean", OrgType::Cloud, false},
    {"googlecloud", "cloud-google", "Google Cloud", OrgType::Cloud, false},
    {"microsoft", "cloud-microsoft", "Microsoft Azure", OrgType::Cloud, false},
    {"cloudflare", "cloud-cloudflare", "Cloudflare", OrgType::Cloud, false},
    {"volcengine", "cloud-volcengine", "Volcengine", OrgType::Cloud, false},
    {"bytedance", "cloud-bytedance", "ByteDance", OrgType::Cloud, false},
};

struct Province {
  std::string_view adcode;  // first two digits of the administrative division code
  std::string_view iso;     // ISO 3166-2:CN suffix
  std::string_view name;
};
constexpr Province kProvinces[] = {
    {"11", "BJ", "Beijing"},        {"12", "TJ", "Tianjin"},   {"13", "HE", "Hebei"},     {"14", "SX", "Shanxi"},
    {"15", "NM", "Inner Mongolia"}, {"21", "LN", "Liaoning"},  {"22", "JL", "Jilin"},     {"23", "HL", "Heilongjiang"},
    {"31", "SH", "Shanghai"},       {"32", "JS", "Jiangsu"},   {"33", "ZJ", "Zhejiang"},  {"34", "AH", "Anhui"},
    {"35", "FJ", "Fujian"},         {"36", "JX", "Jiangxi"},   {"37", "SD", "Shandong"},  {"41", "HA", "Henan"},
    {"42", "HB", "Hubei"},          {"43", "HN", "Hunan"},     {"44", "GD", "Guangdong"}, {"45", "GX", "Guangxi"},
    {"46", "HI", "Hainan"},         {"50", "CQ", "Chongqing"}, {"51", "SC", "Sichuan"},   {"52", "GZ", "Guizhou"},
    {"53", "YN", "Yunnan"},         {"54", "XZ", "Tibet"},     {"61", "SN", "Shaanxi"},   {"62", "GS", "Gansu"},
    {"63", "QH", "Qinghai"},        {"64", "NX", "Ningxia"},   {"65", "XJ", "Xinjiang"},  {"71", "TW", "Taiwan"},
    {"81", "HK", "Hong Kong"},      {"82", "MO", "Macau"},
};

// Prefecture-level cities whose lists are most used; others keep their division code as the city.
struct City {
  std::string_view adcode;
  std::string_view name;
};
constexpr City kCities[] = {
    {"110100", "Beijing"},   {"120100", "Tianjin"},  {"310100", "Shanghai"},     {"500100", "Chongqing"},
    {"440100", "Guangzhou"}, {"440300", "Shenzhen"}, {"440600", "Foshan"},       {"441900", "Dongguan"},
    {"330100", "Hangzhou"},  {"330200", "Ningbo"},   {"320100", "Nanjing"},      {"320500", "Suzhou"},
    {"510100", "Chengdu"},   {"420100", "Wuhan"},    {"610100", "Xi'an"},        {"370100", "Jinan"},
    {"370200", "Qingdao"},   {"350100", "Fuzhou"},   {"350200", "Xiamen"},       {"430100", "Changsha"},
    {"410100", "Zhengzhou"}, {"340100", "Hefei"},    {"210100", "Shenyang"},     {"210200", "Dalian"},
    {"220100", "Changchun"}, {"230100", "Harbin"},   {"130100", "Shijiazhuang"}, {"140100", "Taiyuan"},
    {"150100", "Hohhot"},    {"360100", "Nanchang"}, {"450100", "Nanning"},      {"460100", "Haikou"},
    {"520100", "Guiyang"},   {"530100", "Kunming"},  {"540100", "Lhasa"},        {"620100", "Lanzhou"},
    {"630100", "Xining"},    {"640100", "Yinchuan"}, {"650100", "Urumqi"},
};

std::optional<ListTarget> known_list(const std::filesystem::path& path) {
  std::string stem = lower_ascii(path.stem().string());
  const std::string parent = lower_ascii(path.parent_path().filename().string());
  ListTarget t;
  // metowolf cncity/<adcode>.txt
  if (parent == "cncity" && stem.size() == 6 && std::all_of(stem.begin(), stem.end(), ::isdigit)) {
    t.region = true;
    t.country = "CN";
    for (const auto& p : kProvinces) {
      if (stem.starts_with(p.adcode)) t.province = p.name;
    }
    if (!stem.ends_with("0000")) {
      t.city = stem;
      for (const auto& c : kCities) {
        if (c.adcode == stem) t.city = c.name;
      }
    }
    return t;
  }
  // metowolf country/CN/CN-GD.txt and country/CN.txt
  if (stem.size() == 5 && stem.starts_with("cn-")) {
    t.region = true;
    t.country = "CN";
    for (const auto& p : kProvinces) {
      if (lower_ascii(p.iso) == stem.substr(3)) t.province = p.name;
    }
    if (t.province.empty()) return std::nullopt;
    return t;
  }
  if (stem == "cn" || stem == "china" || stem == "china46" || stem == "china6" || stem == "chnroutes") {
    t.region = true;
    t.country = "CN";
    return t;
  }
  while (!stem.empty() && std::isdigit(static_cast<unsigned char>(stem.back()))) stem.pop_back();
  for (const auto& k : kKnownLists) {
    if (k.stem == stem) {
      t.org.id = k.id;
      t.org.name = k.name;
      t.org.type = k.type;
      t.org.carrier = k.carrier;
      return t;
    }
  }
  return std::nullopt;
}

namespace {

Result<void> import_cidr_list(std::string_view text, Context& ctx, const ImportOptions& options,
                              const std::filesystem::path& path) {
  std::optional<ListTarget> target;
  if (!options.org.empty()) {
    ListTarget t;
    t.org.id = options.org;
    t.org.name = options.org;
    target = t;
  } else {
    target = known_list(path);
  }
  if (!target) {
    return make_error(ctx.file + ": a CIDR list needs an organisation (--org ID); the file name is not a known list");
  }
  OrgIndex org = kNoOrg;
  if (!target->region) org = ctx.add_org(target->org);
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    ++ctx.report.rows;
    auto block = parse_block(line);
    if (auto* err = std::get_if<std::string>(&block)) {
      ctx.reject(line_no, *err);
      continue;
    }
    for (const auto& p : std::get<std::vector<Prefix>>(block)) {
      if (target->region) {
        ctx.data.regions.push_back({p, target->country, target->province, target->city});
        ++ctx.report.regions_added;
      } else {
        ctx.add_prefix(p, org);
      }
    }
  }
  return {};
}

}  // namespace

std::string_view to_string(ImportFormat f) {
  switch (f) {
    case ImportFormat::Auto: return "auto";
    case ImportFormat::Organisations: return "organisations";
    case ImportFormat::Prefixes: return "prefixes";
    case ImportFormat::Mappings: return "mappings";
    case ImportFormat::Mmdb: return "mmdb";
    case ImportFormat::Ipcat: return "ipcat";
    case ImportFormat::CidrList: return "cidr-list";
    case ImportFormat::Ip2Asn: return "ip2asn";
    case ImportFormat::AsnNames: return "asn-names";
  }
  return "auto";
}

std::optional<ImportFormat> parse_import_format(std::string_view text) {
  const std::string l = lower_ascii(trim(text));
  for (auto f : {ImportFormat::Auto, ImportFormat::Organisations, ImportFormat::Prefixes, ImportFormat::Mappings,
                 ImportFormat::Mmdb, ImportFormat::Ipcat, ImportFormat::CidrList, ImportFormat::Ip2Asn,
                 ImportFormat::AsnNames}) {
    if (l == to_string(f)) return f;
  }
  if (l == "orgs") return ImportFormat::Organisations;
  if (l == "cidr" || l == "list") return ImportFormat::CidrList;
  if (l == "asn2org") return ImportFormat::AsnNames;
  return std::nullopt;
}

namespace {

std::optional<ImportFormat> sniff(std::string_view head) {
  // First non-comment line.
  std::size_t pos = 0;
  while (pos < head.size()) {
    auto end = head.find('\n', pos);
    if (end == std::string_view::npos) end = head.size();
    const std::string line = lower_ascii(trim(head.substr(pos, end - pos)));
    pos = end + 1;
    if (line.empty() || line.starts_with('#')) continue;
    if (line.starts_with("id,") || line == "id") return ImportFormat::Organisations;
    if (line.starts_with("cidr,") || line.starts_with("prefix,") || line.starts_with("network,"))
      return ImportFormat::Prefixes;
    if (line.starts_with("public_ip") || line.starts_with("ip,")) return ImportFormat::Mappings;
    if (line.starts_with("\"asn\"") || line.starts_with("asn,")) return ImportFormat::AsnNames;
    if (line.find('\t') != std::string::npos) return ImportFormat::Ip2Asn;
    if (Prefix::parse(line)) return ImportFormat::CidrList;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImportFormat> detect_format(const std::filesystem::path& path) {
  const std::string name = lower_ascii(path.filename().string());
  const std::string ext = lower_ascii(path.extension().string());
  if (ext == ".mmdb") return ImportFormat::Mmdb;
  if (name.starts_with("organisations") || name.starts_with("organizations") || name.starts_with("orgs"))
    return ImportFormat::Organisations;
  if (name.starts_with("prefixes")) return ImportFormat::Prefixes;
  if (name.starts_with("mappings") || name.starts_with("cgnat") || name.starts_with("dhcp"))
    return ImportFormat::Mappings;
  if (name.starts_with("datacenters")) return ImportFormat::Ipcat;
  if (name.starts_with("ip2asn") || ext == ".tsv") return ImportFormat::Ip2Asn;
  if (name == "asns.csv" || name.starts_with("asn2org")) return ImportFormat::AsnNames;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.find("\xab\xcd\xefMaxMind.com") != std::string::npos) return ImportFormat::Mmdb;
  if (ext == ".txt" && known_list(path)) return ImportFormat::CidrList;
  return sniff(head);
}

namespace {

Result<ImportReport> import_text_at(std::string_view text, const std::filesystem::path& path, RegistryData& data,
                                    const ImportOptions& options, ImportFormat format) {
  ImportReport report;
  Context ctx{path.string(), options.source.empty() ? path.filename().string() : options.source, data, report};
  Result<void> r;
  switch (format) {
    case ImportFormat::Organisations: r = import_organisations(text, ctx); break;
    case ImportFormat::Prefixes: r = import_prefixes(text, ctx); break;
    case ImportFormat::Mappings: r = import_mappings(text, ctx); break;
    case ImportFormat::Ipcat: r = import_ipcat(text, ctx); break;
    case ImportFormat::CidrList: r = import_cidr_list(text, ctx, options, path); break;
    case ImportFormat::Ip2Asn: r = import_ip2asn(text, ctx); break;
    case ImportFormat::AsnNames: r = import_asn_names(text, ctx); break;
    case ImportFormat::Mmdb:
    case ImportFormat::Auto: return make_error(path.string() + ": cannot import this format from text");
  }
  if (!r) return std::unexpected(r.error());
  return report;
}

}  // namespace

Result<ImportReport> import_text(std::string_view text, std::string_view name, RegistryData& data,
                                 const ImportOptions& options) {
  const std::filesystem::path path{std::string(name)};
  ImportFormat format = options.format;
  if (format == ImportFormat::Auto) {
    auto guessed = detect_format(path);
    if (!guessed || *guessed == ImportFormat::Mmdb) guessed = sniff(text.substr(0, 4096));
    if (!guessed) return make_error(std::string(name) + ": cannot tell the format; give it explicitly");
    format = *guessed;
  }
  return import_text_at(text, path, data, options, format);
}

Result<ImportReport> import_file(const std::filesystem::path& path, RegistryData& data, const ImportOptions& options) {
  ImportFormat format = options.format;
  if (format == ImportFormat::Auto) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return make_error(path.string() + ": not a readable file");
    const auto guessed = detect_format(path);
    if (!guessed) {
      return make_error(path.string() +
                        ": cannot tell the format (organisations, prefixes, mappings, mmdb, ipcat, cidr-list, "
                        "ip2asn, asn-names); give it explicitly");
    }
    format = *guessed;
  }
  if (format == ImportFormat::Mmdb) return import_mmdb(path, data, options);
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path.string() + ": cannot open");
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = std::move(buf).str();
  return import_text_at(text, path, data, options, format);
}

namespace {

bool has_word(std::string_view haystack, std::string_view word) {
  for (std::size_t pos = haystack.find(word); pos != std::string_view::npos; pos = haystack.find(word, pos + 1)) {
    const bool left = pos == 0 || !std::isalnum(static_cast<unsigned char>(haystack[pos - 1]));
    const std::size_t end = pos + word.size();
    const bool right = end >= haystack.size() || !std::isalnum(static_cast<unsigned char>(haystack[end]));
    if (left && right) return true;
  }
  return false;
}

}  // namespace

OrgType infer_org_type(std::string_view name) {
  const std::string l = lower_ascii(name);
  static constexpr std::string_view kUniversity[] = {"university",
                                                     "universidad",
                                                     "universitat",
                                                     "universite",
                                                     "universita",
                                                     "universiteit",
                                                     "college",
                                                     "cernet",
                                                     "education and research",
                                                     "institute of technology",
                                                     "polytechnic",
                                                     "school",
                                                     "edu"};
  static constexpr std::string_view kGovernment[] = {
      "ministry",       "government", "municipal",      "parliament",
      "police",         "military",   "armed forces",   "department of defense",
      "state council",  "gov",        "people's court", "procuratorate",
      "public security"};
  static constexpr std::string_view kCloud[] = {
      "amazon",        "aws",          "azure",        "google cloud", "alibaba", "aliyun",
      "tencent cloud", "huawei cloud", "digitalocean", "linode",       "akamai",  "ovh",
      "hetzner",       "vultr",        "choopa",       "cloudflare",   "hosting", "datacenter",
      "data center",   "datacentre",   "colocation",   "idc",          "cloud",   "vps",
      "leaseweb",      "contabo",      "scaleway",     "volcengine",   "ucloud",  "kingsoft"};
  static constexpr std::string_view kStateOwned[] = {
      "china telecom", "chinanet",           "china unicom",   "china mobile", "china netcom", "china tietong",
      "china railway", "china broadcasting", "china broadnet", "state grid",   "sinopec",      "petrochina",
      "cnpc",          "china satcom",       "china huaxia"};
  static constexpr std::string_view kResidential[] = {"residential"};
  for (auto w : kUniversity) {
    if (has_word(l, w)) return OrgType::University;
  }
  for (auto w : kGovernment) {
    if (has_word(l, w)) return OrgType::Government;
  }
  for (auto w : kCloud) {
    if (has_word(l, w)) return OrgType::Cloud;
  }
  for (auto w : kStateOwned) {
    if (has_word(l, w)) return OrgType::StateOwned;
  }
  for (auto w : kResidential) {
    if (has_word(l, w)) return OrgType::Residential;
  }
  return OrgType::Unknown;
}

}  // namespace minewatch::registry
