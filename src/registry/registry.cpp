#include "registry/registry.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>

#include "core/ascii.hpp"
#include "registry/prefix_table.hpp"

namespace minewatch::registry {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower_ascii(x) == lower_ascii(y); });
}

unsigned max_length(const IpAddress& a) { return a.is_v6 ? 128u : 32u; }

bool bit_at(const IpAddress& a, unsigned bit) { return (a.bytes[bit / 8] >> (7 - bit % 8)) & 1u; }

void clear_from(IpAddress& a, unsigned length) {
  const unsigned total = max_length(a);
  if (length >= total) return;
  unsigned byte = length / 8;
  if (length % 8 != 0) {
    a.bytes[byte] &= static_cast<std::uint8_t>(0xff00u >> (length % 8));
    ++byte;
  }
  for (; byte < total / 8; ++byte) a.bytes[byte] = 0;
}

bool host_bits_clear(const IpAddress& a, unsigned length) {
  for (unsigned bit = length; bit < max_length(a); ++bit) {
    if (bit_at(a, bit)) return false;
  }
  return true;
}

// Last address of the block (address, length).
IpAddress block_last(const IpAddress& a, unsigned length) {
  IpAddress last = a;
  for (unsigned bit = length; bit < max_length(a); ++bit)
    last.bytes[bit / 8] |= static_cast<std::uint8_t>(0x80u >> (bit % 8));
  return last;
}

// a + 1; false on overflow past the family's last address.
bool increment(IpAddress& a) {
  const int n = a.is_v6 ? 16 : 4;
  for (int i = n - 1; i >= 0; --i) {
    if (++a.bytes[i] != 0) return true;
  }
  return false;
}

// Organisations an owner table can name (23 bits beside the 8-bit prefix length); beyond: no org.
constexpr OrgIndex kTableNoOrg = (PrefixTable::kMaxValue >> 8);

PrefixTable::Item to_item(const Prefix& p, std::uint32_t value) {
  PrefixTable::Item item;
  std::copy(p.address.bytes.begin(), p.address.bytes.end(), item.key.begin());
  item.length = p.length;
  item.value = value;
  return item;
}

// The block of `length` bits holding ip. Whole-word masks: byte-wise stores read back as words stall
// store forwarding, and that stall serialised consecutive lookups (8x slower in the benchmark).
Prefix masked(const IpAddress& ip, unsigned length) {
  Prefix p;
  p.length = static_cast<std::uint8_t>(length);
  p.address.is_v6 = ip.is_v6;
  std::uint64_t w[2];
  std::memcpy(w, ip.bytes.data(), 16);
  for (unsigned i = 0; i < 2; ++i) {
    const unsigned keep = length > 64 * i ? std::min(64u, length - 64 * i) : 0u;
    const std::uint64_t mask = keep == 0 ? 0 : __builtin_bswap64(~std::uint64_t{0} << (64 - keep));
    w[i] &= mask;
  }
  std::memcpy(p.address.bytes.data(), w, 16);
  return p;
}

// ::ffff:a.b.c.d is looked up as a.b.c.d.
IpAddress unmap(const IpAddress& ip) {
  if (!ip.is_v6) return ip;
  std::uint64_t head;
  std::memcpy(&head, ip.bytes.data(), 8);
  if (head != 0 || ip.bytes[8] != 0 || ip.bytes[9] != 0 || ip.bytes[10] != 0xff || ip.bytes[11] != 0xff) return ip;
  return IpAddress::v4(ip.bytes.data() + 12);
}

}  // namespace

std::string_view to_string(OrgType type) {
  switch (type) {
    case OrgType::StateOwned: return "soe";
    case OrgType::Government: return "government";
    case OrgType::University: return "university";
    case OrgType::PrivateEnterprise: return "private";
    case OrgType::Residential: return "residential";
    case OrgType::Cloud: return "idc";
    case OrgType::Unknown: break;
  }
  return "unknown";
}

std::optional<OrgType> parse_org_type(std::string_view text) {
  struct Alias {
    std::string_view name;
    OrgType type;
  };
  static constexpr Alias kAliases[] = {
      {"unknown", OrgType::Unknown},
      {"", OrgType::Unknown},
      {"soe", OrgType::StateOwned},
      {"state-owned", OrgType::StateOwned},
      {"state_owned", OrgType::StateOwned},
      {"state-owned enterprise", OrgType::StateOwned},
      {"government", OrgType::Government},
      {"gov", OrgType::Government},
      {"party", OrgType::Government},
      {"agency", OrgType::Government},
      {"party/government agency", OrgType::Government},
      {"university", OrgType::University},
      {"edu", OrgType::University},
      {"education", OrgType::University},
      {"private", OrgType::PrivateEnterprise},
      {"private enterprise", OrgType::PrivateEnterprise},
      {"enterprise", OrgType::PrivateEnterprise},
      {"residential", OrgType::Residential},
      {"home", OrgType::Residential},
      {"idc", OrgType::Cloud},
      {"cloud", OrgType::Cloud},
      {"hosting", OrgType::Cloud},
      {"idc/cloud", OrgType::Cloud},
      {"datacenter", OrgType::Cloud},
  };
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  for (const auto& alias : kAliases) {
    if (iequals(alias.name, text)) return alias.type;
  }
  return std::nullopt;
}

Result<Prefix> Prefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view addr_text = text.substr(0, slash);
  Prefix p;
  if (!IpAddress::parse(addr_text, p.address)) {
    return make_error("'" + std::string(addr_text) + "' is not an IP address");
  }
  p.length = static_cast<std::uint8_t>(max_length(p.address));
  if (slash != std::string_view::npos) {
    const std::string_view len_text = text.substr(slash + 1);
    unsigned len = 0;
    const auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (ec != std::errc{} || ptr != len_text.data() + len_text.size() || len_text.empty() ||
        len > max_length(p.address)) {
      return make_error("'" + std::string(len_text) + "' is not a prefix length for " +
                        (p.address.is_v6 ? "IPv6 (0-128)" : "IPv4 (0-32)"));
    }
    p.length = static_cast<std::uint8_t>(len);
  }
  if (!host_bits_clear(p.address, p.length)) {
    Prefix fixed = p;
    clear_from(fixed.address, fixed.length);
    return make_error("'" + std::string(text) + "' has host bits set (did you mean " + fixed.to_string() + "?)");
  }
  return p;
}

std::vector<Prefix> Prefix::from_range(const IpAddress& first, const IpAddress& last) {
  std::vector<Prefix> out;
  if (first.is_v6 != last.is_v6 || last < first) return out;
  IpAddress cur = first;
  const unsigned total = max_length(first);
  while (true) {
    // Largest block starting at cur that is aligned and does not pass `last`.
    unsigned length = total;
    while (length > 0 && !bit_at(cur, length - 1) && host_bits_clear(cur, length - 1) &&
           !(last < block_last(cur, length - 1))) {
      --length;
    }
    out.push_back(Prefix{cur, static_cast<std::uint8_t>(length)});
    IpAddress end = block_last(cur, length);
    if (!(end < last)) break;
    cur = end;
    if (!increment(cur)) break;
  }
  return out;
}

bool Prefix::contains(const IpAddress& ip) const {
  if (ip.is_v6 != address.is_v6) return false;
  const unsigned full = length / 8;
  if (!std::equal(address.bytes.begin(), address.bytes.begin() + full, ip.bytes.begin())) return false;
  if (length % 8 == 0) return true;
  const auto m = static_cast<std::uint8_t>(0xff00u >> (length % 8));
  return (ip.bytes[full] & m) == address.bytes[full];
}

std::string Prefix::to_string() const { return address.to_string() + "/" + std::to_string(length); }

OrgIndex RegistryData::add_org(Organisation org) {
  if (by_id_.size() != orgs.size()) {
    // `orgs` was filled directly (e.g. by the store); index it now.
    by_id_.clear();
    for (std::size_t i = 0; i < orgs.size(); ++i) by_id_.emplace(orgs[i].id, static_cast<OrgIndex>(i));
  }
  if (auto it = by_id_.find(org.id); it != by_id_.end()) {
    Organisation& have = orgs[it->second];
    if (have.name.empty() || have.name == have.id) {
      if (!org.name.empty()) have.name = std::move(org.name);
    }
    if (have.type == OrgType::Unknown) have.type = org.type;
    if (have.province.empty()) have.province = std::move(org.province);
    if (have.city.empty()) have.city = std::move(org.city);
    if (have.source.empty()) have.source = std::move(org.source);
    have.carrier = have.carrier || org.carrier;
    return it->second;
  }
  const auto index = static_cast<OrgIndex>(orgs.size());
  by_id_.emplace(org.id, index);
  orgs.push_back(std::move(org));
  return index;
}

std::optional<OrgIndex> RegistryData::find_org(std::string_view id) const {
  if (by_id_.size() == orgs.size()) {
    if (auto it = by_id_.find(std::string(id)); it != by_id_.end()) return it->second;
    return std::nullopt;
  }
  for (std::size_t i = 0; i < orgs.size(); ++i) {
    if (orgs[i].id == id) return static_cast<OrgIndex>(i);
  }
  return std::nullopt;
}

std::string to_string(const Diagnostic& d) {
  std::string out = d.file;
  if (d.line != 0) {
    out += ":" + std::to_string(d.line);
  } else if (d.offset != 0) {
    out += ": offset " + std::to_string(d.offset);
  }
  out += ": ";
  out += d.message;
  return out;
}

Registry::Registry(RegistryData data) : data_(std::move(data)) {
  std::vector<PrefixTable::Item> v4;
  std::vector<PrefixTable::Item> v6;
  for (std::size_t i = 0; i < data_.prefixes.size(); ++i) {
    const auto& p = data_.prefixes[i].prefix;
    // The table holds (org, length) rather than the entry's index: the owner and the matched prefix come
    // straight from the leaf, without a dependent read of the (large) prefix list.
    const OrgIndex org = data_.prefixes[i].org < kTableNoOrg ? data_.prefixes[i].org : kTableNoOrg;
    (p.address.is_v6 ? v6 : v4).push_back(to_item(p, (org << 8) | p.length));
  }
  stats_.v4_prefixes = v4.size();
  stats_.v6_prefixes = v6.size();
  v4_ = std::make_unique<PrefixTable>(4, std::move(v4));
  v6_ = std::make_unique<PrefixTable>(16, std::move(v6));
  stats_.duplicate_prefixes = v4_->duplicates() + v6_->duplicates();

  std::vector<PrefixTable::Item> r4;
  std::vector<PrefixTable::Item> r6;
  for (std::size_t i = 0; i < data_.regions.size(); ++i) {
    const auto& p = data_.regions[i].prefix;
    (p.address.is_v6 ? r6 : r4).push_back(to_item(p, static_cast<std::uint32_t>(i)));
  }
  // The same block in a country, a province and a city list: the most detailed entry wins.
  auto detail = [&](const PrefixTable::Item& item) {
    const auto& r = data_.regions[item.value];
    return (r.city.empty() ? 0 : 4) + (r.province.empty() ? 0 : 2) + (r.country.empty() ? 0 : 1);
  };
  auto by_detail = [&](const PrefixTable::Item& a, const PrefixTable::Item& b) { return detail(a) < detail(b); };
  std::stable_sort(r4.begin(), r4.end(), by_detail);
  std::stable_sort(r6.begin(), r6.end(), by_detail);
  region_v4_ = std::make_unique<PrefixTable>(4, std::move(r4));
  region_v6_ = std::make_unique<PrefixTable>(16, std::move(r6));

  mapping_order_.resize(data_.mappings.size());
  for (std::size_t i = 0; i < mapping_order_.size(); ++i) mapping_order_[i] = static_cast<std::uint32_t>(i);
  std::stable_sort(mapping_order_.begin(), mapping_order_.end(), [&](std::uint32_t a, std::uint32_t b) {
    const auto& ma = data_.mappings[a];
    const auto& mb = data_.mappings[b];
    if (ma.public_ip != mb.public_ip) return ma.public_ip < mb.public_ip;
    return ma.start < mb.start;
  });
  stats_.mappings = data_.mappings.size();
  stats_.memory_bytes = v4_->memory_bytes() + v6_->memory_bytes() + region_v4_->memory_bytes() +
                        region_v6_->memory_bytes() + mapping_order_.capacity() * sizeof(std::uint32_t);
}

Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;
Registry::~Registry() = default;

const Organisation* Registry::lookup_org(const IpAddress& address) const {
  const IpAddress ip = unmap(address);
  const std::uint32_t v = ip.is_v6 ? v6_->lookup(ip.bytes.data()) : v4_->lookup(ip.bytes.data());
  const OrgIndex org = v >> 8;
  return org < data_.orgs.size() ? &data_.orgs[org] : nullptr;
}

Owner Registry::lookup(const IpAddress& address) const {
  const IpAddress ip = unmap(address);
  Owner owner;
  const std::uint32_t v = ip.is_v6 ? v6_->lookup(ip.bytes.data()) : v4_->lookup(ip.bytes.data());
  if (v != PrefixTable::kNone) {
    const OrgIndex org = v >> 8;
    owner.prefix = masked(ip, v & 0xff);
    if (org < data_.orgs.size()) owner.org = &data_.orgs[org];
  }
  fill_region(owner, ip);
  return owner;
}

Owner Registry::lookup(const IpAddress& address, Timestamp at, std::optional<std::uint16_t> port) const {
  const IpAddress ip = unmap(address);
  Owner owner = lookup(ip);
  auto lo = std::lower_bound(mapping_order_.begin(), mapping_order_.end(), ip,
                             [&](std::uint32_t i, const IpAddress& a) { return data_.mappings[i].public_ip < a; });
  const NatMapping* with_port = nullptr;  // the latest-starting mapping covering `port`
  const NatMapping* lease = nullptr;      // the latest DHCP lease (whole port range)
  const NatMapping* shared = nullptr;     // CGNAT mappings at `at`, when they all name one subscriber
  bool ambiguous = false;
  for (auto it = lo; it != mapping_order_.end(); ++it) {
    const NatMapping& m = data_.mappings[*it];
    if (m.public_ip != ip || at < m.start) break;  // sorted by start: the rest start after `at`
    if (!(at < m.end)) continue;
    if (port && *port >= m.port_first && *port <= m.port_last) with_port = &m;
    if (m.port_first == 0 && m.port_last == 65535) {
      lease = &m;
    } else if (shared == nullptr || (shared->subscriber == m.subscriber && shared->org == m.org)) {
      shared = &m;
    } else {
      ambiguous = true;  // several subscribers share the address and no port says which
    }
  }
  const NatMapping* found = port ? with_port : (lease != nullptr ? lease : (ambiguous ? nullptr : shared));
  if (found != nullptr) {
    owner.mapping = found;
    if (found->org < data_.orgs.size()) {
      owner.org = &data_.orgs[found->org];
      owner.province = owner.org->province;
      owner.city = owner.org->city;
      if (owner.province.empty()) fill_region(owner, ip);
    }
  }
  return owner;
}

void Registry::fill_region(Owner& owner, const IpAddress& ip) const {
  if (owner.org != nullptr && !owner.org->province.empty()) {
    owner.province = owner.org->province;
    owner.city = owner.org->city;
  }
  if (data_.regions.empty()) return;
  const std::uint32_t r = ip.is_v6 ? region_v6_->lookup(ip.bytes.data()) : region_v4_->lookup(ip.bytes.data());
  if (r == PrefixTable::kNone) return;
  const auto& region = data_.regions[r];
  owner.country = region.country;
  if (owner.province.empty()) {
    owner.province = region.province;
    owner.city = region.city;
  }
}

}  // namespace minewatch::registry
