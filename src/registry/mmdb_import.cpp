// MaxMind DB import: walks the whole search tree with libmaxminddb and turns each network's record into
// an organisation (ASN, ISP, Enterprise databases) and/or a region (City, Country, Enterprise).
#include <maxminddb.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <unordered_map>

#include "core/ascii.hpp"
#include "registry/importers_internal.hpp"
#include "registry/registry.hpp"

namespace minewatch::registry {

namespace {

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

// What one data record says.
struct Record {
  bool ok = true;
  std::optional<OrgIndex> org;
  bool has_region = false;
  std::string country;
  std::string province;
  std::string city;
};

class MmdbImporter {
 public:
  MmdbImporter(MMDB_s& db, const std::filesystem::path& path, RegistryData& data, ImportReport& report,
               std::string source)
      : db_(db), file_(path.string()), data_(data), report_(report), source_(std::move(source)) {}

  void walk() {
    const std::uint32_t node_count = db_.metadata.node_count;
    const unsigned bits = db_.metadata.ip_version == 6 ? 128 : 32;
    visited_.assign(node_count, false);
    struct Frame {
      std::uint32_t node;
      unsigned depth;
      std::array<std::uint8_t, 16> path;
    };
    std::vector<Frame> stack{{0, 0, {}}};
    std::uint32_t ipv4_node = node_count;  // set when the walk reaches ::/96 in an IPv6 tree
    while (!stack.empty()) {
      const Frame f = stack.back();
      stack.pop_back();
      if (f.node >= node_count) continue;
      if (visited_[f.node]) {
        // MaxMind IPv6 databases alias ::ffff:0:0/96 and 2002::/16 to the IPv4 subtree; anything else
        // reaching a node twice is a broken (or hostile) tree.
        if (f.node != ipv4_node) reject(0, node_name(f.node) + " is reached twice");
        continue;
      }
      visited_[f.node] = true;
      if (bits == 128 && f.depth == 96 &&
          std::all_of(f.path.begin(), f.path.begin() + 12, [](auto b) { return b == 0; }))
        ipv4_node = f.node;
      MMDB_search_node_s node;
      if (const int status = MMDB_read_node(&db_, f.node, &node); status != MMDB_SUCCESS) {
        reject(0, node_name(f.node) + ": " + MMDB_strerror(status));
        continue;
      }
      // Right first so the left (lower addresses) is handled first.
      for (int side = 1; side >= 0; --side) {
        const unsigned depth = f.depth + 1;
        auto path = f.path;
        if (side == 1) path[(depth - 1) / 8] |= static_cast<std::uint8_t>(0x80u >> ((depth - 1) % 8));
        const std::uint8_t type = side ? node.right_record_type : node.left_record_type;
        const std::uint64_t record = side ? node.right_record : node.left_record;
        switch (type) {
          case MMDB_RECORD_TYPE_SEARCH_NODE:
            if (depth >= bits) {
              reject(0, "search tree deeper than " + std::to_string(bits) + " bits at node " + std::to_string(f.node));
            } else {
              stack.push_back({static_cast<std::uint32_t>(record), depth, path});
            }
            break;
          case MMDB_RECORD_TYPE_DATA:
            add_network(path, depth, bits, side ? node.right_record_entry : node.left_record_entry);
            break;
          case MMDB_RECORD_TYPE_EMPTY: break;
          default:
            reject(0, node_name(f.node) + " points outside the data section (record " + std::to_string(record) + ")");
            break;
        }
      }
    }
  }

 private:
  // "search tree node N (byte N*record bytes)": where a tree problem sits in the file.
  [[nodiscard]] std::string node_name(std::uint32_t node) const {
    const std::uint64_t bytes = static_cast<std::uint64_t>(node) * db_.metadata.record_size / 4;
    return "search tree node " + std::to_string(node) + " (byte " + std::to_string(bytes) + ")";
  }

  void reject(std::size_t offset, std::string message) {
    ++report_.rows_rejected;
    if (report_.diagnostics.size() < kMaxDiagnostics)
      report_.diagnostics.push_back({file_, 0, offset, std::move(message)});
  }

  void add_network(const std::array<std::uint8_t, 16>& path, unsigned depth, unsigned bits, MMDB_entry_s entry) {
    ++report_.rows;
    Prefix prefix;
    if (bits == 128 && depth >= 96 && std::all_of(path.begin(), path.begin() + 12, [](auto b) { return b == 0; })) {
      prefix.address = IpAddress::v4(path.data() + 12);  // the IPv4 subtree at ::/96
      prefix.length = static_cast<std::uint8_t>(depth - 96);
    } else if (bits == 128) {
      prefix.address = IpAddress::v6(path.data());
      prefix.length = static_cast<std::uint8_t>(depth);
    } else {
      prefix.address = IpAddress::v4(path.data());
      prefix.length = static_cast<std::uint8_t>(depth);
    }
    auto it = cache_.find(entry.offset);
    if (it == cache_.end()) it = cache_.emplace(entry.offset, decode(entry)).first;
    const Record& rec = it->second;
    if (!rec.ok) return;
    if (rec.org) {
      data_.prefixes.push_back({prefix, *rec.org});
      ++report_.prefixes_added;
    }
    if (rec.has_region) {
      data_.regions.push_back({prefix, rec.country, rec.province, rec.city});
      ++report_.regions_added;
    }
  }

  // The value at `keys`; nullopt when absent, or when the record is broken (then `bad` is set and the
  // record reported).
  std::optional<MMDB_entry_data_s> get_value(MMDB_entry_s entry, std::initializer_list<const char*> keys, bool& bad) {
    std::vector<const char*> path(keys);
    path.push_back(nullptr);
    MMDB_entry_data_s value{};
    const int status = MMDB_aget_value(&entry, &value, path.data());
    if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR) return std::nullopt;
    if (status != MMDB_SUCCESS) {
      bad = true;
      reject(entry.offset, std::string("data record: ") + MMDB_strerror(status));
      return std::nullopt;
    }
    return value;
  }

  // A string at `path` (nullptr-terminated list of keys); empty when absent or not a string.
  std::optional<std::string> get_string(MMDB_entry_s entry, std::initializer_list<const char*> keys, bool& bad) {
    auto found = get_value(entry, keys, bad);
    if (!found) return std::nullopt;
    const MMDB_entry_data_s& value = *found;
    if (!value.has_data || value.type != MMDB_DATA_TYPE_UTF8_STRING) return std::nullopt;
    return std::string(value.utf8_string, value.data_size);
  }

  std::optional<std::uint64_t> get_uint(MMDB_entry_s entry, std::initializer_list<const char*> keys, bool& bad) {
    auto found = get_value(entry, keys, bad);
    if (!found) return std::nullopt;
    const MMDB_entry_data_s& value = *found;
    if (!value.has_data) return std::nullopt;
    switch (value.type) {
      case MMDB_DATA_TYPE_UINT16: return value.uint16;
      case MMDB_DATA_TYPE_UINT32: return value.uint32;
      case MMDB_DATA_TYPE_UINT64: return value.uint64;
      case MMDB_DATA_TYPE_INT32:
        return value.int32 >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(value.int32)) : std::nullopt;
      default: return std::nullopt;
    }
  }

  std::optional<bool> get_bool(MMDB_entry_s entry, std::initializer_list<const char*> keys, bool& bad) {
    auto found = get_value(entry, keys, bad);
    if (!found) return std::nullopt;
    const MMDB_entry_data_s& value = *found;
    if (!value.has_data || value.type != MMDB_DATA_TYPE_BOOLEAN) return std::nullopt;
    return value.boolean;
  }

  // MaxMind user_type → our type, only where the value says it.
  static OrgType from_user_type(std::string_view t) {
    if (t == "college" || t == "school") return OrgType::University;
    if (t == "government" || t == "military") return OrgType::Government;
    if (t == "hosting" || t == "content_delivery_network" || t == "content_delivery") return OrgType::Cloud;
    if (t == "residential" || t == "cellular") return OrgType::Residential;
    return OrgType::Unknown;  // business, cafe, library, router, traveler, search_engine ...: not enough
  }

  Record decode(MMDB_entry_s entry) {
    Record rec;
    bool bad = false;
    auto organization = get_string(entry, {"organization"}, bad);
    if (!organization) organization = get_string(entry, {"traits", "organization"}, bad);
    auto isp = get_string(entry, {"isp"}, bad);
    if (!isp) isp = get_string(entry, {"traits", "isp"}, bad);
    auto as_org = get_string(entry, {"autonomous_system_organization"}, bad);
    if (!as_org) as_org = get_string(entry, {"traits", "autonomous_system_organization"}, bad);
    auto asn = get_uint(entry, {"autonomous_system_number"}, bad);
    if (!asn) asn = get_uint(entry, {"traits", "autonomous_system_number"}, bad);
    auto user_type = get_string(entry, {"user_type"}, bad);
    if (!user_type) user_type = get_string(entry, {"traits", "user_type"}, bad);
    auto hosting = get_bool(entry, {"is_hosting_provider"}, bad);
    if (!hosting) hosting = get_bool(entry, {"traits", "is_hosting_provider"}, bad);
    auto connection = get_string(entry, {"connection_type"}, bad);
    if (!connection) connection = get_string(entry, {"traits", "connection_type"}, bad);
    auto country = get_string(entry, {"country", "iso_code"}, bad);
    auto province = get_string(entry, {"subdivisions", "0", "names", "en"}, bad);
    auto city = get_string(entry, {"city", "names", "en"}, bad);
    if (bad) {
      rec.ok = false;
      return rec;
    }

    Organisation org;
    if (organization && !organization->empty()) {
      org.name = *organization;
      org.id = "org:" + slug(org.name);
    } else if (isp && !isp->empty()) {
      org.name = *isp;
      org.id = "isp:" + slug(org.name);
      org.carrier = true;  // only the access provider is known: the user is one of its customers
    } else if (asn) {
      org.id = "AS" + std::to_string(*asn);
      org.name = as_org && !as_org->empty() ? *as_org : org.id;
    } else if (as_org && !as_org->empty()) {
      org.name = *as_org;
      org.id = "as:" + slug(org.name);
    }
    if (!org.id.empty()) {
      org.type = user_type ? from_user_type(*user_type) : OrgType::Unknown;
      if (org.type == OrgType::Unknown && hosting.value_or(false)) org.type = OrgType::Cloud;
      if (org.type == OrgType::Unknown) org.type = infer_org_type(org.name);
      if (org.type == OrgType::Residential) org.carrier = true;
      if (org.type == OrgType::Unknown && connection && *connection == "Cable/DSL") org.carrier = true;
      org.source = source_;
      const std::size_t before = data_.orgs.size();
      rec.org = data_.add_org(std::move(org));
      if (data_.orgs.size() != before) ++report_.orgs_added;
    }
    if (country || province || city) {
      rec.has_region = true;
      rec.country = country.value_or("");
      rec.province = province.value_or("");
      rec.city = city.value_or("");
    }
    if (!rec.org && !rec.has_region) ++unused_;
    return rec;
  }

 public:
  std::size_t unused_ = 0;

 private:
  MMDB_s& db_;
  std::string file_;
  RegistryData& data_;
  ImportReport& report_;
  std::string source_;
  std::vector<bool> visited_;
  std::unordered_map<std::uint32_t, Record> cache_;
};

}  // namespace

Result<ImportReport> import_mmdb(const std::filesystem::path& path, RegistryData& data, const ImportOptions& options) {
  MMDB_s db;
  if (const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db); status != MMDB_SUCCESS) {
    std::string message = path.string() + ": not a usable MaxMind DB: " + MMDB_strerror(status);
    if (status == MMDB_IO_ERROR) message += std::string(" (") + std::strerror(errno) + ")";
    return make_error(std::move(message));
  }
  ImportReport report;
  std::string source = options.source;
  if (source.empty()) {
    source = "mmdb:";
    source += db.metadata.database_type != nullptr ? db.metadata.database_type : path.filename().string();
  }
  MmdbImporter importer(db, path, data, report, source);
  importer.walk();
  MMDB_close(&db);
  if (report.rows > 0 && report.prefixes_added == 0 && report.regions_added == 0 && report.rows_rejected == 0) {
    report.diagnostics.push_back({path.string(), 0, 0,
                                  "no record names an organisation (organization, isp, autonomous_system_*) or a "
                                  "region (country, subdivisions, city); nothing imported"});
  }
  return report;
}

}  // namespace minewatch::registry
