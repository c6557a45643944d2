// Registry lookups on a 1 M-prefix IPv4 table (BGP-like length mix) and a 200 k-prefix IPv6 table:
// lookups/s (items_per_second), build time and memory.
//   minewatch_bench --benchmark_filter=Registry
#include <benchmark/benchmark.h>

#include <random>

#include "registry/prefix_table.hpp"
#include "registry/registry.hpp"

namespace minewatch::registry {
namespace {

// Roughly the length mix of a full BGP IPv4 table (about 60% /24).
std::uint8_t bgp_length(std::mt19937& rng) {
  const auto r = static_cast<unsigned>(rng() % 1000);
  if (r < 600) return 24;
  if (r < 680) return 23;
  if (r < 790) return 22;
  if (r < 850) return 21;
  if (r < 900) return 20;
  if (r < 930) return 19;
  if (r < 950) return 18;
  if (r < 960) return 17;
  if (r < 975) return 16;
  if (r < 985) return static_cast<std::uint8_t>(8 + rng() % 8);
  return static_cast<std::uint8_t>(25 + rng() % 8);
}

std::vector<PrefixTable::Item> v4_items(std::size_t n) {
  std::mt19937 rng(1);
  std::vector<PrefixTable::Item> items(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = static_cast<std::uint32_t>(rng());
    items[i].key = {static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
                    static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)};
    items[i].length = bgp_length(rng);
    items[i].value = static_cast<std::uint32_t>(i);
  }
  return items;
}

std::vector<PrefixTable::Item> v6_items(std::size_t n) {
  std::mt19937 rng(2);
  std::vector<PrefixTable::Item> items(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto& k = items[i].key;
    k[0] = static_cast<std::uint8_t>(0x20 + rng() % 2);  // 2000::/7, where the allocations are
    for (int b = 1; b < 8; ++b) k[b] = static_cast<std::uint8_t>(rng());
    const auto r = static_cast<unsigned>(rng() % 10);
    items[i].length = static_cast<std::uint8_t>(r < 5 ? 48 : r < 7 ? 32 : r < 9 ? 40 + rng() % 8 : 29 + rng() % 3);
    items[i].value = static_cast<std::uint32_t>(i);
  }
  return items;
}

const PrefixTable& table_v4() {
  static const PrefixTable t(4, v4_items(1'000'000));
  return t;
}

// Random addresses (most miss every prefix longer than the root) or addresses inside listed prefixes.
std::vector<std::array<std::uint8_t, 16>> queries(bool hits, unsigned key_bytes, std::size_t n) {
  std::mt19937 rng(3);
  std::vector<std::array<std::uint8_t, 16>> q(n);
  const auto items =
      hits ? (key_bytes == 4 ? v4_items(1'000'000) : v6_items(200'000)) : std::vector<PrefixTable::Item>{};
  for (auto& k : q) {
    for (unsigned b = 0; b < key_bytes; ++b) k[b] = static_cast<std::uint8_t>(rng());
    if (hits) {
      const auto& item = items[rng() % items.size()];
      for (unsigned bit = 0; bit < item.length; ++bit) {
        const unsigned m = 0x80u >> (bit % 8);
        k[bit / 8] = static_cast<std::uint8_t>((k[bit / 8] & ~m) | (item.key[bit / 8] & m));
      }
    }
  }
  return q;
}

void lookups(benchmark::State& state, const PrefixTable& t, bool hits, unsigned key_bytes) {
  const auto q = queries(hits, key_bytes, 1 << 20);
  std::size_t i = 0;
  std::uint64_t found = 0;
  for (auto _ : state) {
    // 16 independent lookups per iteration, as a flow table's batch would issue them.
    for (int j = 0; j < 16; ++j) {
      found += t.lookup(q[i].data()) != PrefixTable::kNone;
      i = (i + 1) & ((1 << 20) - 1);
    }
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 16);
  state.counters["table_MiB"] = static_cast<double>(t.memory_bytes()) / (1 << 20);
  state.counters["nodes"] = static_cast<double>(t.node_count());
}

void BM_RegistryLookupV4Random1M(benchmark::State& state) { lookups(state, table_v4(), false, 4); }
BENCHMARK(BM_RegistryLookupV4Random1M);

void BM_RegistryLookupV4Hits1M(benchmark::State& state) { lookups(state, table_v4(), true, 4); }
BENCHMARK(BM_RegistryLookupV4Hits1M);

void BM_RegistryLookupV6Hits200k(benchmark::State& state) {
  static const PrefixTable t(16, v6_items(200'000));
  lookups(state, t, true, 16);
}
BENCHMARK(BM_RegistryLookupV6Hits200k);

void BM_RegistryBuildV4(benchmark::State& state) {
  const auto items = v4_items(static_cast<std::size_t>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    PrefixTable t(4, items);
    bytes = t.memory_bytes();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.counters["table_MiB"] = static_cast<double>(bytes) / (1 << 20);
  state.counters["bytes_per_prefix"] = static_cast<double>(bytes) / static_cast<double>(state.range(0));
}
BENCHMARK(BM_RegistryBuildV4)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(3);

// The whole path: IpAddress → organisation only (/0) or the full Owner with matched prefix and region (/1).
void BM_RegistryOwnerLookupV4Hits1M(benchmark::State& state) {
  static const Registry reg = [] {
    RegistryData data;
    for (int i = 0; i < 1000; ++i) {
      Organisation org;
      org.id = "org" + std::to_string(i);
      org.name = "Org " + std::to_string(i);
      data.add_org(std::move(org));
    }
    auto items = v4_items(1'000'000);
    data.prefixes.reserve(items.size());
    for (const auto& item : items) {
      Prefix p{IpAddress::v4(item.key.data()), item.length};
      for (unsigned bit = p.length; bit < 32; ++bit)
        p.address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
      data.prefixes.push_back({p, item.value % 1000});
    }
    return Registry(std::move(data));
  }();
  const auto q = queries(true, 4, 1 << 20);
  std::vector<IpAddress> ips;
  ips.reserve(q.size());
  for (const auto& k : q) ips.push_back(IpAddress::v4(k.data()));
  std::size_t i = 0;
  std::uint64_t found = 0;
  for (auto _ : state) {
    for (int j = 0; j < 16; ++j) {
      found += state.range(0) ? reg.lookup(ips[i]).org != nullptr : reg.lookup_org(ips[i]) != nullptr;
      i = (i + 1) & ((1 << 20) - 1);
    }
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 16);
  state.counters["registry_MiB"] = static_cast<double>(reg.stats().memory_bytes) / (1 << 20);
}
BENCHMARK(BM_RegistryOwnerLookupV4Hits1M)->Arg(0)->Arg(1);

}  // namespace
}  // namespace minewatch::registry
