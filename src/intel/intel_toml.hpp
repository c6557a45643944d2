#pragma once
// minewatch's own intel format (TOML): the curated default list (data/pools.toml) and the files
// `minewatch intel import` writes into the user intel directory.
//
//   list = "name"                       # optional: label of every entry (default: the file name)
//   [[pool]]                            # one pool (or one group of domains with the same facts)
//   name = "SupportXMR"                 # optional
//   domains = ["supportxmr.com"]        # suffix-matched
//   coins = ["XMR"]                     # optional coin hints
//   stratum_ports = [3333, 5555]        # optional: documented plain stratum ports
//   tls_ports = [9000, 443]             # optional: documented stratum+ssl ports
//   source = "https://..."              # optional: where the facts come from
//   [[address]]                         # pool addresses
//   addresses = ["192.0.2.7"]
//   ports = [3333]                      # optional: only these ports (default: any)
//   coin = "XMR"                        # optional
//   [[allow]]                           # never a pool, whatever the lists say
//   domains = ["binance.com"]
//   addresses = ["192.0.2.9"]
//   reason = "exchange"                 # optional
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "intel/pool_list.hpp"

namespace minewatch::intel {

struct TomlCounts {
  std::size_t domains = 0, addresses = 0, allowed = 0;
};

// `source` labels the entries unless the file sets `list`. `as_allow`: pools become allow entries.
Result<TomlCounts> read_intel_toml(std::string_view text, std::string_view origin, std::string_view source,
                                   bool as_allow, PoolList& into);
// The whole list as TOML that read_intel_toml reads back to the same entries.
std::string write_intel_toml(const PoolList& list, std::string_view list_name, std::string_view comment);

// The user intel directory: $MINEWATCH_INTEL_DIR, else $XDG_DATA_HOME/minewatch/intel, else
// ~/.local/share/minewatch/intel. "" when none of those variables is set.
std::string default_intel_dir();
// Loads a file (any list format, sniffed) or every file of a directory (sorted by name) into `into`.
// A missing default directory is not an error for the caller to report: check existence first.
Result<TomlCounts> load_intel_path(const std::string& path, PoolList& into, std::vector<std::string>& warnings);

}  // namespace minewatch::intel
