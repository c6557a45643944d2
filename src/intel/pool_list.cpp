#include "intel/pool_list.hpp"

#include <algorithm>
#include <cctype>

namespace minewatch::intel {

namespace {

std::string normalise(std::string_view host) {
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string out(host.substr(0, 253));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

void PoolList::add(std::string_view domain, std::string_view coin_hint) {
  auto d = normalise(domain);
  if (!d.empty()) pools_.insert_or_assign(std::move(d), std::string{coin_hint});
}

void PoolList::allow(std::string_view domain) {
  auto d = normalise(domain);
  if (!d.empty()) allowed_.insert(std::move(d));
}

std::optional<PoolMatch> PoolList::match(std::string_view host) const {
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);
  char buf[253];
  if (host.empty() || host.size() > sizeof(buf)) return std::nullopt;
  for (std::size_t i = 0; i < host.size(); ++i) {
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(host[i])));
  }
  const std::string_view h{buf, host.size()};
  // Walk suffixes from the whole name down ("a.b.pool.org", "b.pool.org", "pool.org", "org"): the most
  // specific listed suffix decides, and the allow-list wins a tie. So an exchange's own pool host
  // ("pool.binance.com") can be listed while the exchange itself ("binance.com") is allowed.
  for (std::size_t pos = 0;;) {
    std::string_view suffix = h.substr(pos);
    if (allowed_.find(suffix) != allowed_.end()) return std::nullopt;
    if (auto it = pools_.find(suffix); it != pools_.end()) return PoolMatch{it->first, it->second};
    auto dot = h.find('.', pos);
    if (dot == std::string_view::npos) return std::nullopt;
    pos = dot + 1;
  }
}

}  // namespace minewatch::intel
