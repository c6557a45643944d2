// The built-in pool list: data/pools.toml, embedded at build time (CMakeLists.txt writes it into
// pools_toml.inc as a raw string literal), parsed once on first use.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

#include "intel/intel_toml.hpp"
#include "intel/pool_list.hpp"

namespace minewatch::intel {

namespace {

constexpr char kPoolsToml[] =
#include "pools_toml.inc"
    ;

}  // namespace

const PoolList& PoolList::builtin() {
  static const PoolList list = [] {
    PoolList l;
    auto r = read_intel_toml(kPoolsToml, "data/pools.toml", "builtin", false, l);
    if (!r) {
      // The file is checked by the unit tests; a broken build must not silently run without a list.
      fmt::print(stderr, "minewatch: built-in pool list is broken: {}\n", r.error().message);
      std::abort();
    }
    return l;
  }();
  return list;
}

}  // namespace minewatch::intel
