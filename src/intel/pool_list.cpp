#include "intel/pool_list.hpp"

#include <algorithm>
#include <cctype>

#include "core/ascii.hpp"

namespace minewatch::intel {

namespace {

std::string normalise(std::string_view host) {
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  while (!host.empty() && host.front() == '.') host.remove_prefix(1);
  return lower_ascii(host.substr(0, 253));
}

// Lowercases `host` into buf (253 bytes); empty when it does not fit.
std::string_view lower_into(std::string_view host, char (&buf)[253]) {
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > sizeof(buf)) return {};
  for (std::size_t i = 0; i < host.size(); ++i) {
    buf[i] = lower_ascii(host[i]);
  }
  return {buf, host.size()};
}

}  // namespace

PoolMatch PoolList::to_match(std::string_view domain, const DomainInfo& info) const {
  return PoolMatch{domain,        info.coin_hint, info.pool_name, source_name(info.source), info.stratum_ports,
                   info.tls_ports};
}

std::uint16_t PoolList::source_id(std::string_view source) {
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    if (sources_[i] == source) return static_cast<std::uint16_t>(i);
  }
  if (sources_.size() >= 0xffff) return 0xfffe;  // absurdly many lists: lump the rest together
  sources_.emplace_back(source);
  return static_cast<std::uint16_t>(sources_.size() - 1);
}

void PoolList::add(std::string_view domain, std::string_view coin_hint, std::string_view source,
                   std::string_view pool_name, bool curated) {
  auto d = normalise(domain);
  if (d.empty()) return;
  // The first list to name a domain keeps it (the built-in list is loaded first, so its curated
  // facts survive imports); later lists only fill in what it did not say.
  if (auto it = pools_.find(d); it != pools_.end()) {
    it->second.curated = it->second.curated || curated;
    if (it->second.coin_hint.empty()) it->second.coin_hint = coin_hint;
    if (it->second.pool_name.empty()) it->second.pool_name = pool_name;
    return;
  }
  DomainInfo info;
  info.coin_hint = coin_hint;
  info.pool_name = pool_name;
  info.source = source_id(source);
  info.curated = curated;
  note_tail(d);
  pools_.emplace(std::move(d), std::move(info));
}

namespace {
// "b.pool.org" -> "pool.org"; "org" -> "org".
std::string_view last_two_labels(std::string_view d) {
  const auto last = d.rfind('.');
  if (last == std::string_view::npos || last == 0) return d;
  const auto before = d.rfind('.', last - 1);
  return before == std::string_view::npos ? d : d.substr(before + 1);
}
}  // namespace

void PoolList::note_tail(std::string_view domain) {
  if (domain.find('.') == std::string_view::npos) single_label_entry_ = true;
  const std::string_view tail = last_two_labels(domain);
  if (!tails_.contains(tail)) tails_.emplace(tail);
}

void PoolList::set_ports(std::string_view domain, std::span<const std::uint16_t> stratum,
                         std::span<const std::uint16_t> tls) {
  auto it = pools_.find(normalise(domain));
  if (it == pools_.end()) return;
  it->second.stratum_ports.assign(stratum.begin(), stratum.end());
  it->second.tls_ports.assign(tls.begin(), tls.end());
}

void PoolList::allow(std::string_view domain, std::string_view source) {
  auto d = normalise(domain);
  if (d.empty()) return;
  note_tail(d);
  allowed_.insert_or_assign(std::move(d), source_id(source));
}

void PoolList::add_address(const IpAddress& address, std::uint16_t port, std::string_view coin_hint,
                           std::string_view source) {
  auto& info = addresses_[address];
  if (info.ports.empty() && !info.any_port && info.coin_hint.empty()) info.source = source_id(source);
  if (port == 0) {
    info.any_port = true;
  } else if (!std::binary_search(info.ports.begin(), info.ports.end(), port)) {
    info.ports.insert(std::upper_bound(info.ports.begin(), info.ports.end(), port), port);
  }
  if (info.coin_hint.empty()) info.coin_hint = coin_hint;
}

void PoolList::allow_address(const IpAddress& address, std::string_view source) {
  allowed_addresses_.insert_or_assign(address, source_id(source));
}

void PoolList::merge(const PoolList& other) {
  for (const auto& [d, info] : other.pools_) {
    add(d, info.coin_hint, other.source_name(info.source), info.pool_name, info.curated);
    set_ports(d, info.stratum_ports, info.tls_ports);
  }
  for (const auto& [d, src] : other.allowed_) allow(d, other.source_name(src));
  for (const auto& [a, info] : other.addresses_) {
    if (info.any_port) add_address(a, 0, info.coin_hint, other.source_name(info.source));
    for (auto p : info.ports) add_address(a, p, info.coin_hint, other.source_name(info.source));
  }
  for (const auto& [a, src] : other.allowed_addresses_) allow_address(a, other.source_name(src));
}

const std::pair<const std::string, PoolList::DomainInfo>* PoolList::decide(std::string_view h) const {
  // Walk suffixes from the whole name down ("a.b.pool.org", "b.pool.org", "pool.org", "org"). The most
  // specific listed pool suffix is the candidate; any allow-listed suffix of the name vetoes it, unless
  // the candidate is curated and more specific than the allowed suffix. So the built-in list can name an
  // exchange's own pool host ("pool.binance.com") while the exchange ("binance.com") is allowed, but an
  // imported block list naming "www.coinbase.com" never beats the allowed "coinbase.com".
  if (!single_label_entry_ && !tails_.contains(last_two_labels(h))) return nullptr;
  const std::pair<const std::string, DomainInfo>* candidate = nullptr;
  for (std::size_t pos = 0;;) {
    std::string_view suffix = h.substr(pos);
    if (allowed_.find(suffix) != allowed_.end()) {
      if (candidate && candidate->second.curated) return candidate;
      return nullptr;
    }
    if (!candidate) {
      if (auto it = pools_.find(suffix); it != pools_.end()) candidate = &*it;
    }
    auto dot = h.find('.', pos);
    if (dot == std::string_view::npos) return candidate;
    pos = dot + 1;
  }
}

std::optional<PoolMatch> PoolList::match(std::string_view host) const {
  char buf[253];
  const std::string_view h = lower_into(host, buf);
  if (h.empty()) return std::nullopt;
  if (const auto* e = decide(h)) return to_match(e->first, e->second);
  return std::nullopt;
}

NameVerdict PoolList::explain(std::string_view host) const {
  NameVerdict v;
  char buf[253];
  const std::string_view h = lower_into(host, buf);
  if (h.empty()) return v;
  for (std::size_t pos = 0;;) {
    std::string_view suffix = h.substr(pos);
    if (auto it = allowed_.find(suffix); it != allowed_.end() && v.allowed_suffix.empty()) {
      v.allowed_suffix = it->first;
      v.allowed_source = source_name(it->second);
    }
    if (auto it = pools_.find(suffix); it != pools_.end() && !v.pool) {
      v.pool = to_match(it->first, it->second);
    }
    auto dot = h.find('.', pos);
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  v.is_pool = match(host).has_value();
  return v;
}

std::optional<AddressMatch> PoolList::match_address(const IpAddress& address, std::uint16_t port) const {
  if (addresses_.empty()) return std::nullopt;
  auto it = addresses_.find(address);
  if (it == addresses_.end() || allowed_addresses_.count(address)) return std::nullopt;
  const AddressInfo& info = it->second;
  bool listed = std::binary_search(info.ports.begin(), info.ports.end(), port);
  return AddressMatch{info.coin_hint, source_name(info.source), listed};
}

std::vector<IpAddress> PoolList::allowed_address_list() const {
  std::vector<IpAddress> out;
  for (const auto& [a, src] : allowed_addresses_) out.push_back(a);
  std::sort(out.begin(), out.end());
  return out;
}

bool PoolList::is_allowed_address(const IpAddress& address) const { return allowed_addresses_.count(address) != 0; }

std::vector<PoolList::DomainEntry> PoolList::domains() const {
  std::vector<DomainEntry> out;
  out.reserve(pools_.size());
  for (const auto& [d, info] : pools_) out.push_back({d, info.coin_hint, info.pool_name, source_name(info.source)});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.domain < b.domain; });
  return out;
}

std::vector<PoolList::AddressEntry> PoolList::addresses() const {
  std::vector<AddressEntry> out;
  out.reserve(addresses_.size());
  for (const auto& [a, info] : addresses_) {
    AddressEntry e{a, info.any_port ? std::vector<std::uint16_t>{} : info.ports, info.coin_hint,
                   source_name(info.source)};
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.address < b.address; });
  return out;
}

std::vector<PoolList::AllowEntry> PoolList::allowed() const {
  std::vector<AllowEntry> out;
  for (const auto& [d, src] : allowed_) out.push_back({d, source_name(src)});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace minewatch::intel
