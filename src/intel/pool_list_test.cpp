#include "intel/pool_list.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace minewatch::intel {
namespace {

TEST(PoolList, MatchesRegionalHostsBySuffix) {
  const auto& l = PoolList::builtin();
  auto m = l.match("xmr-eu1.nanopool.org");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->domain, "nanopool.org");
  auto x = l.match("eu1.xmr.nanopool.org");
  ASSERT_TRUE(x);
  EXPECT_EQ(x->domain, "xmr.nanopool.org") << "the longest listed suffix wins";
  EXPECT_EQ(x->coin_hint, "XMR");
  EXPECT_TRUE(l.match("ws027.authedmine.com"));
  EXPECT_TRUE(l.match("US1.BitMinter.com."));
}

TEST(PoolList, DoesNotMatchLookAlikeNames) {
  const auto& l = PoolList::builtin();
  EXPECT_FALSE(l.match("notnanopool.org"));
  EXPECT_FALSE(l.match("nanopool.org.example.com"));
  EXPECT_FALSE(l.match("org"));
  EXPECT_FALSE(l.match(""));
}

TEST(PoolList, AllowListWinsOverPoolEntries) {
  PoolList l;
  l.add("binance.com");
  l.add("pool.binance.com", {}, "builtin", {}, /*curated=*/true);
  l.add("www.coinbase.com", {}, "some-block-list");
  l.allow("coinbase.com");
  EXPECT_FALSE(l.match("www.coinbase.com")) << "an imported entry never beats an allowed parent";
  l.allow("www.binance.com");
  l.allow("binance.com");
  EXPECT_FALSE(l.match("www.binance.com"));
  EXPECT_FALSE(l.match("binance.com"));
  EXPECT_FALSE(l.match("api.binance.com")) << "an allow-listed parent domain covers its other subdomains";
  EXPECT_TRUE(l.match("pool.binance.com")) << "the more specific pool entry wins";
}

TEST(PoolList, TheTailPrefilterNeverHidesAMatch) {
  PoolList l;
  l.add("deep.sub.pool.example");  // three labels above the tail
  l.add("pool.org");
  l.allow("exchange.example.net");
  EXPECT_TRUE(l.match("x.deep.sub.pool.example"));
  EXPECT_FALSE(l.match("other.pool.example")) << "shares the tail, not the suffix";
  EXPECT_TRUE(l.match("A.Pool.Org."));
  EXPECT_FALSE(l.match("www.google.com"));
  EXPECT_FALSE(l.match("org"));
  l.add("exchange.example.net");  // allow-listed: still no match
  EXPECT_FALSE(l.match("pool.exchange.example.net"));
  // A single-label entry (a private TLD) turns the prefilter off: every name is walked.
  l.add("miner");
  EXPECT_TRUE(l.match("rig7.farm.miner"));
  EXPECT_TRUE(l.match("x.deep.sub.pool.example"));
}

TEST(PoolList, BuiltinListCoversManyPools) { EXPECT_GE(PoolList::builtin().size(), 100u); }

TEST(PoolList, BuiltinListHasCoinsAndPortsOfAtLeastFifteenCoins) {
  std::set<std::string> coins;
  std::size_t with_tls_ports = 0;
  for (const auto& d : PoolList::builtin().domains()) {
    std::string_view c = d.coin_hint;
    while (!c.empty()) {
      auto slash = c.find('/');
      coins.emplace(c.substr(0, slash));
      if (slash == std::string_view::npos) break;
      c.remove_prefix(slash + 1);
    }
    if (!PoolList::builtin().match(d.domain)->tls_ports.empty()) ++with_tls_ports;
  }
  EXPECT_GE(coins.size(), 15u);
  EXPECT_GE(with_tls_ports, 15u);
  auto m = PoolList::builtin().match("gulf.moneroocean.stream");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->pool_name, "MoneroOcean");
  EXPECT_EQ(m->source, "builtin");
}

TEST(PoolList, AddressesWithPortsAndAllowedAddresses) {
  PoolList l;
  IpAddress a, b;
  ASSERT_TRUE(IpAddress::parse("192.0.2.1", a));
  ASSERT_TRUE(IpAddress::parse("2001:db8::1", b));
  l.add_address(a, 3333, "XMR", "list1");
  l.add_address(b, 0, {}, "list2");
  EXPECT_TRUE(l.match_address(a, 3333)->port_listed);
  EXPECT_FALSE(l.match_address(a, 80)->port_listed);
  EXPECT_EQ(l.match_address(b, 80)->source, "list2");
  l.allow_address(b, "allow");
  EXPECT_FALSE(l.match_address(b, 80));
}

TEST(PoolList, FirstListKeepsItsFacts) {
  PoolList l;
  l.merge(PoolList::builtin());
  l.add("supportxmr.com", {}, "later-list");
  EXPECT_EQ(l.match("pool.supportxmr.com")->source, "builtin");
  EXPECT_EQ(l.match("pool.supportxmr.com")->coin_hint, "XMR");
}

}  // namespace
}  // namespace minewatch::intel
