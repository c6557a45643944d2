#pragma once
// Who owns an address: organisations, prefix → organisation (IPv4 and IPv6, longest match wins), and
// time-ranged CGNAT/DHCP mappings (public address + port range over a time span → subscriber).
//
// RegistryData is the plain, importable and storable form; Registry is the immutable lookup structure
// built from it. Importers append to a RegistryData, so several files can be merged into one registry.
// See docs/registry.md for the file formats and docs/decisions/ for the lookup structure.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ip_address.hpp"
#include "core/result.hpp"
#include "core/timestamp.hpp"

namespace minewatch::registry {

enum class OrgType : std::uint8_t {
  Unknown,
  StateOwned,         // state-owned enterprise
  Government,         // party or government agency, public institution
  University,         // universities and education/research networks
  PrivateEnterprise,  // private company
  Residential,        // home subscribers
  Cloud,              // IDC, hosting, cloud
};

// Stable short names used in CSV files, the store and the CLI: unknown, soe, government, university,
// private, residential, idc.
[[nodiscard]] std::string_view to_string(OrgType type);
// Accepts the short names and a few spelled-out aliases ("state-owned", "cloud", "edu", ...);
// case-insensitive. nullopt when the text names no type.
[[nodiscard]] std::optional<OrgType> parse_org_type(std::string_view text);

// Index of an organisation in RegistryData::orgs.
using OrgIndex = std::uint32_t;
inline constexpr OrgIndex kNoOrg = 0xffffffffu;

struct Organisation {
  std::string id;  // stable key, unique within a registry ("cn-unicom", "AS4134", ...)
  std::string name;
  OrgType type = OrgType::Unknown;
  std::string province;
  std::string city;
  std::string source;  // where the row came from ("organisations.csv", "mmdb:GeoLite2-ASN", ...)
  // A network operator whose ranges are mostly assigned to its subscribers: a match names who routes the
  // address, not who uses it (reports should say "subscriber of China Unicom", not "China Unicom").
  bool carrier = false;
};

// An address block: `address` has every bit past `length` cleared.
struct Prefix {
  IpAddress address;
  std::uint8_t length = 0;  // 0..32 for IPv4, 0..128 for IPv6

  // "10.0.0.0/8", "2001:db8::/32"; a bare address is a host prefix. Host bits past the length are an
  // error (a sign of a typo), not silently cleared.
  [[nodiscard]] static Result<Prefix> parse(std::string_view text);
  // The smallest set of prefixes covering [first, last] (same family, first <= last).
  [[nodiscard]] static std::vector<Prefix> from_range(const IpAddress& first, const IpAddress& last);
  [[nodiscard]] bool contains(const IpAddress& ip) const;
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const Prefix&, const Prefix&) = default;
};

struct PrefixEntry {
  Prefix prefix;
  OrgIndex org = kNoOrg;
};

// Region-only knowledge (e.g. per-city lists): used when the owning organisation has no region.
struct RegionEntry {
  Prefix prefix;
  std::string country;  // ISO 3166-1 alpha-2 ("CN"); may be empty
  std::string province;
  std::string city;
};

// CGNAT / DHCP: `public_ip` ports [port_first, port_last] during [start, end) belonged to `subscriber`
// (a line id, MAC, account ...), who belongs to `org` (kNoOrg when only the subscriber is known).
// DHCP leases use the full port range 0..65535.
struct NatMapping {
  IpAddress public_ip;
  std::uint16_t port_first = 0;
  std::uint16_t port_last = 65535;
  Timestamp start;
  Timestamp end;
  std::string subscriber;
  OrgIndex org = kNoOrg;
};

struct RegistryData {
  std::vector<Organisation> orgs;
  std::vector<PrefixEntry> prefixes;
  std::vector<NatMapping> mappings;
  std::vector<RegionEntry> regions;

  // Adds `org`, or, when its id exists, returns the existing index and fills the existing row's empty
  // fields (name, province, city, unknown type) from `org`.
  OrgIndex add_org(Organisation org);
  [[nodiscard]] std::optional<OrgIndex> find_org(std::string_view id) const;

 private:
  std::unordered_map<std::string, OrgIndex> by_id_;
};

// One problem in one input, with the place it was found. Importers keep going past bad rows.
struct Diagnostic {
  std::string file;
  std::size_t line = 0;    // 1-based line of a text file; 0 when not applicable
  std::size_t offset = 0;  // byte offset (MMDB: data or tree offset); 0 when not applicable
  std::string message;
};
// "file:line: message" or "file: offset N: message".
[[nodiscard]] std::string to_string(const Diagnostic& d);

struct ImportReport {
  std::size_t rows = 0;  // rows or records read
  std::size_t orgs_added = 0;
  std::size_t prefixes_added = 0;
  std::size_t mappings_added = 0;
  std::size_t regions_added = 0;
  std::size_t rows_rejected = 0;
  std::vector<Diagnostic> diagnostics;  // capped at kMaxDiagnostics; rows_rejected keeps counting
};
inline constexpr std::size_t kMaxDiagnostics = 1000;

enum class ImportFormat : std::uint8_t {
  Auto,           // from the file name/contents (see detect_format)
  Organisations,  // organisations.csv: id,name,type,province,city[,carrier]
  Prefixes,       // prefixes.csv: cidr,org[,...]
  Mappings,       // mappings.csv: public_ip,port_first,port_last,start,end,subscriber[,org]
  Mmdb,           // MaxMind DB (ASN, ISP, Enterprise, City/Country, Connection-Type, ...)
  Ipcat,          // client9-ipcat datacenters.csv: first,last,name,url → IDC/cloud
  CidrList,       // one CIDR per line (gaoyifan, metowolf, chnroutes2) → options.org / inferred
  Ip2Asn,         // tab-separated first,last,asn,country,description (iptoasn.com / jpastuszek)
  AsnNames,       // asn,name,source (vincentbernat asn2org): names/types for AS<n> organisations
};
[[nodiscard]] std::string_view to_string(ImportFormat f);
[[nodiscard]] std::optional<ImportFormat> parse_import_format(std::string_view text);

struct ImportOptions {
  ImportFormat format = ImportFormat::Auto;
  // CidrList: the organisation every prefix belongs to (created when absent). Empty: inferred from the
  // file name for the known lists (chinanet.txt → China Telecom, cernet.txt → CERNET, aliyun.txt →
  // Alibaba Cloud, cncity/440100.txt → region Guangdong/Guangzhou, CN-GD.txt → region Guangdong, ...).
  std::string org;
  // Source label stored with new organisations; default: the file name.
  std::string source;
};

// Guess of the format from the path (and first bytes); nullopt when it cannot tell.
[[nodiscard]] std::optional<ImportFormat> detect_format(const std::filesystem::path& path);

// Imports one file into `data`. Fails only when the file as a whole is unusable (unreadable, not an
// MMDB, unknown format); bad rows become diagnostics and the rest loads.
[[nodiscard]] Result<ImportReport> import_file(const std::filesystem::path& path, RegistryData& data,
                                               const ImportOptions& options = {});
// The same from memory (tests, fuzzing); `name` is used in diagnostics. Not for MMDB.
[[nodiscard]] Result<ImportReport> import_text(std::string_view text, std::string_view name, RegistryData& data,
                                               const ImportOptions& options);

// Conservative type from an organisation name: only when the name says it ("... University",
// "Ministry of ...", "Amazon", "Alibaba Cloud", "China Telecom" ...). Unknown otherwise.
[[nodiscard]] OrgType infer_org_type(std::string_view name);

// What a lookup found.
struct Owner {
  const Organisation* org = nullptr;    // nullptr when only a subscriber or region is known
  std::optional<Prefix> prefix;         // the longest matching prefix, if any
  const NatMapping* mapping = nullptr;  // the NAT/DHCP mapping used, if any
  std::string_view country;             // from the region lists (ISO 3166-1 alpha-2)
  std::string_view province;            // org's region, else the region lists'
  std::string_view city;
  [[nodiscard]] bool found() const { return org != nullptr || mapping != nullptr; }
};

struct RegistryStats {
  std::size_t v4_prefixes = 0;
  std::size_t v6_prefixes = 0;
  std::size_t mappings = 0;
  std::size_t duplicate_prefixes = 0;  // same prefix listed twice: the later entry wins
  std::size_t memory_bytes = 0;        // lookup structures (not the organisations' strings)
};

class PrefixTable;  // compact longest-prefix-match table (prefix_table.hpp)

class Registry {
 public:
  explicit Registry(RegistryData data);
  Registry(Registry&&) noexcept;
  Registry& operator=(Registry&&) noexcept;
  ~Registry();

  // Longest-prefix match.
  [[nodiscard]] Owner lookup(const IpAddress& ip) const;
  // Only the owning organisation of the longest matching prefix (nullptr when none): the hot path for
  // bulk attribution, without the matched prefix and region.
  [[nodiscard]] const Organisation* lookup_org(const IpAddress& ip) const;
  // NAT/DHCP mapping first (the one covering `at` and `port`; with no port, any mapping of the address at
  // that time, DHCP first), then the prefix match. The mapping's org, when set, is the owner.
  [[nodiscard]] Owner lookup(const IpAddress& ip, Timestamp at, std::optional<std::uint16_t> port = {}) const;

  [[nodiscard]] const RegistryData& data() const { return data_; }
  [[nodiscard]] const RegistryStats& stats() const { return stats_; }

 private:
  void fill_region(Owner& owner, const IpAddress& ip) const;

  RegistryData data_;
  RegistryStats stats_;
  std::unique_ptr<PrefixTable> v4_;
  std::unique_ptr<PrefixTable> v6_;
  std::unique_ptr<PrefixTable> region_v4_;
  std::unique_ptr<PrefixTable> region_v6_;
  std::vector<std::uint32_t> mapping_order_;  // mappings sorted by (address, start)
};

// RFC 3339 ("2026-11-21T03:00:00Z", "+08:00" offsets, fractions) or Unix seconds ("1700000000.5");
// nullopt for anything else, or outside what a Timestamp holds (1677-2262). Mapping rows and
// `registry lookup --at` read times with it.
[[nodiscard]] std::optional<Timestamp> parse_time(std::string_view text);

}  // namespace minewatch::registry
