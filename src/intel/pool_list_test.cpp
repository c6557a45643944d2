#include "intel/pool_list.hpp"

#include <gtest/gtest.h>

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
  l.add("pool.binance.com");
  l.allow("www.binance.com");
  l.allow("binance.com");
  EXPECT_FALSE(l.match("www.binance.com"));
  EXPECT_FALSE(l.match("binance.com"));
  EXPECT_FALSE(l.match("api.binance.com")) << "an allow-listed parent domain covers its other subdomains";
  EXPECT_TRUE(l.match("pool.binance.com")) << "the more specific pool entry wins";
}

TEST(PoolList, BuiltinListCoversManyPools) { EXPECT_GE(PoolList::builtin().size(), 100u); }

}  // namespace
}  // namespace minewatch::intel
