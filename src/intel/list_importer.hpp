#pragma once
// Readers for the public pool lists people actually have: hosts files, plain domain lists, adblock
// filter lists (`||domain^`, `@@||domain^` exceptions go to the allow-list), IP lists (optionally with
// ports), host:port lists, CSV with a header (domain/fqdn/host, port, coin, pool_name ...), the sMaSheD
// pool catalogue (fqdn, pool, addresses, port:coin), NoCoin URL patterns and minewatch's own TOML.
// A malformed row is reported as "file:line: why" and skipped; the rest of the file is still read.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "intel/pool_list.hpp"

namespace minewatch::intel {

enum class ListFormat : std::uint8_t { Auto, Hosts, Domains, Adblock, Ips, HostPort, Csv, Smashed, UrlPatterns, Toml };

[[nodiscard]] std::string_view format_name(ListFormat f);
[[nodiscard]] std::optional<ListFormat> parse_format(std::string_view name);
// Guesses the format from the first meaningful lines.
[[nodiscard]] ListFormat sniff_format(std::string_view text);

struct ImportReport {
  ListFormat format = ListFormat::Auto;
  std::size_t domains = 0;          // pool domains added
  std::size_t addresses = 0;        // pool address (or address:port) entries added
  std::size_t allowed = 0;          // allow-list entries added
  std::size_t skipped = 0;          // rows that are valid but say nothing about pools (cosmetic filters, paths ...)
  std::size_t malformed = 0;        // rows that could not be read; the first ones are in `errors`
  std::vector<std::string> errors;  // "file:line: message"

  [[nodiscard]] std::size_t entries() const { return domains + addresses + allowed; }
};

inline constexpr std::size_t kMaxReportedErrors = 20;

// Reads `text` (named `origin` in messages) into `into`, every entry tagged with `source`. `as_allow`:
// every domain and address of the list goes to the allow-list instead (e.g. a whitelist file). Fails
// only when nothing usable was found in a non-empty list.
Result<ImportReport> import_text(std::string_view text, std::string_view origin, std::string_view source,
                                 ListFormat format, bool as_allow, PoolList& into);
Result<ImportReport> import_file(const std::string& path, ListFormat format, bool as_allow, PoolList& into);

// True for a syntactically valid DNS host name with at least two labels (not an IP literal).
[[nodiscard]] bool is_domain_name(std::string_view s);

}  // namespace minewatch::intel
