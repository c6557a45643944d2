#include "intel/list_importer.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "intel/intel_toml.hpp"

namespace minewatch::intel {
namespace {

ImportReport must_import(std::string_view text, ListFormat f, PoolList& l, bool allow = false) {
  auto r = import_text(text, "test.txt", "test", f, allow, l);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : ImportReport{};
}

TEST(ListImporter, ReadsHostsFilesAndNamesMalformedLines) {
  PoolList l;
  auto r = must_import(
      "# comment\n0.0.0.0 coinhive.com\n127.0.0.1 localhost\n0.0.0.0 a.miner.net b.miner.net # x\n"
      "0.0.0.0 bad..name\njunk\n",
      ListFormat::Auto, l);
  EXPECT_EQ(r.format, ListFormat::Hosts);
  EXPECT_EQ(r.domains, 3u);
  EXPECT_EQ(r.malformed, 2u);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], "test.txt:5: 'bad..name' is not a host name");
  EXPECT_EQ(r.errors[1], "test.txt:6: expected 'address name...' (hosts file)");
  EXPECT_TRUE(l.match("ws1.coinhive.com"));
  EXPECT_TRUE(l.match("b.miner.net"));
  EXPECT_FALSE(l.match("localhost"));
}

TEST(ListImporter, AdblockKeepsWholeHostRulesAndExceptions) {
  PoolList l;
  auto r = must_import(
      "[Adblock Plus 2.0]\n! Title\n||coinhive.com^\n||miner.example.org^$third-party\n||site.com/miner.js\n"
      "example.com##.miner\n@@||wallet.example.org^\n||192.0.2.5^\n/coinhive.min.js\n",
      ListFormat::Auto, l);
  EXPECT_EQ(r.format, ListFormat::Adblock);
  EXPECT_EQ(r.domains, 2u);
  EXPECT_EQ(r.addresses, 1u);
  EXPECT_EQ(r.allowed, 1u);
  EXPECT_EQ(r.skipped, 3u) << "path rules, cosmetic filters and URL patterns name no pool host";
  EXPECT_FALSE(l.match("site.com"));
  EXPECT_FALSE(l.match("example.com"));
  IpAddress a;
  ASSERT_TRUE(IpAddress::parse("192.0.2.5", a));
  EXPECT_TRUE(l.match_address(a, 443));
}

TEST(ListImporter, IpListsWithAndWithoutPorts) {
  PoolList l;
  auto r = must_import("address,port\n192.0.2.1,3333\n192.0.2.2\n2001:db8::1\n[2001:db8::2]:14444\n300.1.1.1\n",
                       ListFormat::Ips, l);
  EXPECT_EQ(r.addresses, 4u);
  EXPECT_EQ(r.malformed, 1u);
  EXPECT_EQ(r.errors[0], "test.txt:6: '300.1.1.1' is not an IP address");
  IpAddress a;
  ASSERT_TRUE(IpAddress::parse("192.0.2.1", a));
  auto m = l.match_address(a, 3333);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->port_listed);
  EXPECT_FALSE(l.match_address(a, 443)->port_listed);
}

TEST(ListImporter, HostPortListsWithCoinSections) {
  PoolList l;
  auto r = must_import("# BTC\nbtc.f2pool.example,3333,1314\n# XMR\nxmr.pool.example:14444\nnodot:3333\n",
                       ListFormat::HostPort, l);
  EXPECT_EQ(r.domains, 3u);
  EXPECT_EQ(r.malformed, 1u);
  auto m = l.match("xmr.pool.example");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->coin_hint, "XMR");
}

TEST(ListImporter, CsvNeedsAHostColumn) {
  PoolList l;
  auto r = must_import(
      "domain,port,scheme,pool_name,coin\nerg.pool.example,18888,stratum+ssl,Pool,ERG\n"
      "192.0.2.9,3380,stratum+tcp,x,UNKNOWN\nshort,row\n",
      ListFormat::Auto, l);
  EXPECT_EQ(r.format, ListFormat::Csv);
  EXPECT_EQ(r.domains, 1u);
  EXPECT_EQ(r.addresses, 1u);
  EXPECT_EQ(r.malformed, 1u);
  auto bad = import_text("node_host,port\n1.2.3.4,16661\n", "nodes.csv", "nodes", ListFormat::Csv, false, l);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("nodes.csv:1:"), std::string::npos);
}

TEST(ListImporter, SmashedCatalogue) {
  PoolList l;
  auto r = must_import(
      "fqdn,pool,pool_url,ipv4_addresses,port:coin\nstratum.pool.example,P,https://p,192.0.2.1 192.0.2.2,3333:BTC "
      "443:BCH\n",
      ListFormat::Auto, l);
  EXPECT_EQ(r.format, ListFormat::Smashed);
  EXPECT_EQ(r.domains, 1u);
  EXPECT_EQ(r.addresses, 4u);
  EXPECT_EQ(l.match("stratum.pool.example")->coin_hint, "BTC/BCH");
}

TEST(ListImporter, AllowListImportNeverMakesPools) {
  PoolList l;
  l.add("exchange.example");
  must_import("exchange.example\n", ListFormat::Domains, l, true);
  EXPECT_FALSE(l.match("www.exchange.example"));
  auto v = l.explain("www.exchange.example");
  ASSERT_TRUE(v.pool);
  EXPECT_EQ(v.allowed_suffix, "exchange.example");
}

TEST(IntelToml, RoundTripsEveryKindOfEntry) {
  PoolList l;
  must_import("0.0.0.0 a.pool.example\n", ListFormat::Hosts, l);
  must_import("192.0.2.1,3333\n192.0.2.1,443\n", ListFormat::Ips, l);
  must_import("wallet.example\n", ListFormat::Domains, l, true);
  std::string text = write_intel_toml(l, "x", "comment");
  PoolList back;
  auto r = read_intel_toml(text, "x.toml", "x", false, back);
  ASSERT_TRUE(r) << r.error().message << "\n" << text;
  EXPECT_EQ(back.size(), 1u);
  EXPECT_EQ(back.address_count(), 1u);
  EXPECT_EQ(back.allowed_count(), 1u);
  IpAddress a;
  ASSERT_TRUE(IpAddress::parse("192.0.2.1", a));
  EXPECT_TRUE(back.match_address(a, 443)->port_listed);
}

TEST(IntelToml, ErrorsNameFileAndLine) {
  PoolList l;
  auto r = read_intel_toml("list = \"x\"\n[[pool]]\ndomains = [\"ok.example\", 3]\n", "my.toml", "x", false, l);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("my.toml:3"), std::string::npos) << r.error().message;
  auto bad_syntax = read_intel_toml("[[pool]\n", "b.toml", "x", false, l);
  ASSERT_FALSE(bad_syntax);
  EXPECT_NE(bad_syntax.error().message.find("b.toml:1"), std::string::npos) << bad_syntax.error().message;
}

// The public lists in ../shared/data/intel: every file of every format is read, and the allow-list
// keeps the exchanges that blocklistproject's crypto list contains from ever being pools.
class RealIntelLists : public ::testing::Test {
 protected:
  void SetUp() override {
    // Beside the project (/work/main) or beside a worktree's parent (/work/wt/NAME).
    for (const char* rel : {"/../shared/data/intel", "/../../shared/data/intel"}) {
      if (std::filesystem::is_directory(std::string{MW_SOURCE_DIR} + rel)) {
        dir_ = std::string{MW_SOURCE_DIR} + rel;
        return;
      }
    }
    GTEST_SKIP() << "no ../shared/data/intel";
  }
  std::string dir_;
};

TEST_F(RealIntelLists, EveryFormatImports) {
  struct Case {
    const char* path;
    ListFormat format;
    std::size_t min_domains, min_addresses;
  };
  const Case cases[] = {
      {"CoinBlockerLists-bigred2k-mirror/hosts", ListFormat::Hosts, 5000, 0},
      {"CoinBlockerLists-bigred2k-mirror/list.txt", ListFormat::Domains, 5000, 0},
      {"CoinBlockerLists-bigred2k-mirror/MiningServerIPList.txt", ListFormat::Ips, 0, 1000},
      {"hoshsadiq-adblock-nocoin-list/nocoin.txt", ListFormat::Adblock, 150, 5},
      {"hoshsadiq-adblock-nocoin-list/hosts.txt", ListFormat::Hosts, 300, 0},
      {"anudeepND-blacklist/CoinMiner.txt", ListFormat::Hosts, 5000, 0},
      {"blocklistproject-Lists/crypto.txt", ListFormat::Hosts, 1000, 0},
      {"blocklistproject-Lists/crypto-nl.txt", ListFormat::Domains, 1000, 0},
      {"plnyrich-RulesGenerator/blacklists/list_cato.txt", ListFormat::HostPort, 800, 0},
      {"plnyrich-RulesGenerator/blacklists/list_custom.txt", ListFormat::HostPort, 200, 0},
      {"nesfit-sMaSheD-20180513/pool_servers.csv", ListFormat::Smashed, 150, 1000},
      {"nesfit-sMaSheD-20180513/cgminer-probe-csv/stratum_up.csv", ListFormat::Ips, 0, 500},
      {"keraf-NoCoin/src/blacklist.txt", ListFormat::UrlPatterns, 100, 0},
      {"AdamYoung71-mining-pool-domain-intel/data/mining_pool_domains.csv", ListFormat::Csv, 1000, 10},
  };
  for (const auto& c : cases) {
    PoolList l;
    auto r = import_file(dir_ + "/" + c.path, ListFormat::Auto, false, l);
    ASSERT_TRUE(r) << c.path << ": " << r.error().message;
    EXPECT_EQ(r->format, c.format) << c.path;
    EXPECT_GE(r->domains, c.min_domains) << c.path;
    EXPECT_GE(r->addresses, c.min_addresses) << c.path;
    EXPECT_LT(r->malformed, 10u) << c.path;
    for (const auto& e : r->errors) EXPECT_EQ(e.rfind(dir_ + "/" + c.path + ":", 0), 0u) << e;
  }
}

TEST_F(RealIntelLists, AllowListWinsOverExchangesInBlockLists) {
  PoolList l;
  l.merge(PoolList::builtin());
  ASSERT_TRUE(import_file(dir_ + "/blocklistproject-Lists/crypto.txt", ListFormat::Auto, false, l));
  ASSERT_TRUE(l.explain("coinbase.com").pool) << "the list does name coinbase.com";
  for (const char* site : {"coinbase.com", "www.kraken.com", "blockchain.com", "metamask.io", "api.binance.com"}) {
    EXPECT_FALSE(l.match(site)) << site;
  }
  EXPECT_TRUE(l.match("huobipool.com"));
}

TEST_F(RealIntelLists, NodeListIsRefusedAsPoolList) {
  PoolList l;
  auto r = import_file(dir_ + "/AdamYoung71-mining-pool-domain-intel/data/blockchain_node_candidates.csv",
                       ListFormat::Auto, false, l);
  EXPECT_FALSE(r) << "blockchain peers are not pools";
}

}  // namespace
}  // namespace minewatch::intel
