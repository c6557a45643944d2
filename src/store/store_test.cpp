// The storage suite: the same tests on SQLite and (under tests/pg/with-postgres) PostgreSQL.
#include "store/store.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "registry/registry.hpp"
#include "store/migrations.hpp"
#include "store/sql_store.hpp"
#include "store/store_test_util.hpp"

namespace minewatch::store {
namespace {

using testing::Backend;

constexpr std::int64_t kSec = 1'000'000'000;
const Day kDay = 19'783;  // 2024-03-01
const std::int64_t kT0 = std::int64_t{kDay} * kNsPerDay;

SessionRow session(std::string ip, std::string cid, std::int64_t start, std::int64_t end, std::string algo = "",
                   double rate = 0) {
  SessionRow s;
  s.community_id = std::move(cid);
  s.start_ns = start;
  s.end_ns = end;
  s.miner_ip = std::move(ip);
  s.miner_port = 40'000;
  s.pool_ip = "203.0.113.7";
  s.pool_port = 3333;
  s.protocol = "stratum";
  s.variant = "sha256d";
  s.agent = "cgminer/4.10";
  s.pool_host = "pool.example";
  s.wallet = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT";
  s.worker = "rig1";
  s.shares_submitted = 10;
  s.shares_accepted = 9;
  s.shares_rejected = 1;
  s.difficulty = 1024;
  s.confidence = 0.99;
  s.bytes_toserver = 1000;
  s.bytes_toclient = 2000;
  s.algorithm = std::move(algo);
  s.hashrate = rate;
  s.hashrate_sigma = rate / 10;
  s.hashrate_unit = "H/s";
  s.coin = rate > 0 ? "BTC" : "";
  s.kwh_per_day = rate > 0 ? 24 : 0;
  s.evidence = {{"stratum.mining.subscribe", "cgminer/4.10", 0.6}, {"stratum.mining.submit", "10 shares", 0.9}};
  return s;
}

class StoreSuite : public ::testing::TestWithParam<Backend> {};

TEST_P(StoreSuite, MigratesAFreshStoreAndDoesNotReapplyOnReopen) {
  MW_STORE_TARGET_OR_SKIP(t, GetParam());
  {
    auto s = open_store(t.target());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ((*s)->schema_version(), latest_schema_version());
  }
  auto s = open_store(t.target());
  ASSERT_TRUE(s) << s.error().message;
  auto& db = dynamic_cast<SqlStore&>(**s).connection();
  auto rows = db.query("SELECT COUNT(*), MAX(version) FROM schema_version");
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows->int64(0, 0), static_cast<std::int64_t>(migration_texts().size()));
  EXPECT_EQ(rows->int64(0, 1), latest_schema_version());
}

TEST_P(StoreSuite, RefusesASchemaNewerThanTheBinary) {
  MW_STORE_TARGET_OR_SKIP(t, GetParam());
  {
    auto s = open_store(t.target());
    ASSERT_TRUE(s) << s.error().message;
    auto& db = dynamic_cast<SqlStore&>(**s).connection();
    ASSERT_TRUE(db.exec("INSERT INTO schema_version (version, name, applied_ns) VALUES (9999, 'future.sql', 0)"));
  }
  auto s = open_store(t.target());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
}

TEST_P(StoreSuite, StoresEachSessionOnceHoweverOftenItIsIngested) {
  MW_STORE_TARGET_OR_SKIP(t, GetParam());
  auto s = open_store(t.target());
  ASSERT_TRUE(s) << s.error().message;
  auto cap = (*s)->add_capture({"fp1", "/x/a.pcap", 123});
  ASSERT_TRUE(cap) << cap.error().message;
  std::vector<SessionRow> rows{session("10.1.0.1", "1:aaa", kT0 + 10 * kSec, kT0 + 70 * kSec),
                               session("10.1.0.2", "1:bbb", kT0 + 20 * kSec, kT0 + 80 * kSec)};
  std::vector<HostAlert> alerts{{"10.1.0.1", kT0 + 11 * kSec}};
  auto first = (*s)->add_sessions(*cap, rows, alerts);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->inserted, 2u);
  EXPECT_EQ(first->duplicates, 0u);
  // The same capture again (under another name): same capture row, nothing new.
  auto again = (*s)->add_capture({"fp1", "/y/renamed.pcap", 123});
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *cap);
  auto second = (*s)->add_sessions(*again, rows, alerts);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->inserted, 0u);
  EXPECT_EQ(second->duplicates, 2u);
  auto c = (*s)->counts();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->captures, 1);
  EXPECT_EQ(c->sessions, 2);
  EXPECT_EQ(c->evidence, 4);
  EXPECT_EQ(c->hosts, 2);
  EXPECT_EQ(c->pools, 1);
  EXPECT_EQ(c->host_days, 2);
  auto problems = (*s)->check_consistency();
  ASSERT_TRUE(problems) << problems.error().message;
  EXPECT_TRUE(problems->empty()) << problems->front();
  // Everything read back as written.
  auto back = (*s)->sessions();
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].community_id, "1:aaa");
  EXPECT_EQ((*back)[0].wallet, rows[0].wallet);
  EXPECT_EQ((*back)[0].shares_rejected, 1);
  EXPECT_DOUBLE_EQ((*back)[0].confidence, 0.99);
  ASSERT_EQ((*back)[0].evidence.size(), 2u);
  EXPECT_EQ((*back)[0].evidence[1].kind, "stratum.mining.submit");
}

TEST_P(StoreSuite, ABatchIsAllOrNothing) {
  MW_STORE_TARGET_OR_SKIP(t, GetParam());
  auto s = open_store(t.target());
  ASSERT_TRUE(s) << s.error().message;
  auto cap = (*s)->add_capture({"fp", "a.pcap", 1});
  ASSERT_TRUE(cap);
  std::vector<SessionRow> rows{session("10.1.0.1", "1:ok", kT0, kT0 + kSec),
                               session("10.1.0.2", "1:bad", kT0 + 5 * kSec, kT0)};  // ends before it starts
  EXPECT_FALSE((*s)->add_sessions(*cap, rows));
  auto c = (*s)->counts();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->sessions, 0);
  EXPECT_EQ(c->hosts, 0);
  EXPECT_EQ(c->host_days, 0);
  // The store still works after the failed batch.
  rows.pop_back();
  auto ok = (*s)->add_sessions(*cap, rows);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->inserted, 1u);
}

TEST_P(StoreSuite, RollsUpPerHostAndDayKeepingAlgorithmsApart) {
  MW_STORE_TARGET_OR_SKIP(t, GetParam());
  auto s = open_store(t.target());
  ASSERT_TRUE(s) << s.error().message;
  auto cap = (*s)->add_capture({"fp", "a.pcap", 1});
  ASSERT_TRUE(cap);
  auto a = session("10.1.0.1", "1:a", kT0 + 3600 * kSec, kT0 + 7200 * kSec, "sha256d", 1e12);
  auto b = session("10.1.0.1", "1:b", kT0 + 3600 * kSec, kT0 + 7200 * kSec, "randomx", 5000);
  b.coin = "XMR";
  b.pool_port = 4444;
  b.kwh_per_day = 2.4;
  // Crosses midnight into the next day: counted on both, bytes split by time.
  auto c = session("10.1.0.1", "1:c", kT0 + 86'000 * kSec, kT0 + 86'800 * kSec, "sha256d", 1e12);
  c.bytes_toserver = 8000;
  std::vector<SessionRow> rows{a, b, c};
  ASSERT_TRUE((*s)->add_sessions(*cap, rows));
  auto days = (*s)->host_days();
  ASSERT_TRUE(days) << days.error().message;
  ASSERT_EQ(days->size(), 2u);
  const auto& d0 = (*days)[0];
  EXPECT_EQ(d0.day, kDay);
  EXPECT_EQ(d0.sessions, 3);
  EXPECT_EQ(d0.pools, 2);
  EXPECT_EQ(d0.coins, "BTC,XMR");
  EXPECT_EQ(d0.first_seen_ns, kT0 + 3600 * kSec);
  ASSERT_EQ(d0.hashrates.size(), 2u);
  EXPECT_EQ(d0.hashrates[0].algorithm, "randomx");
  EXPECT_DOUBLE_EQ(d0.hashrates[0].hashrate, 5000);
  EXPECT_EQ(d0.hashrates[1].algorithm, "sha256d");
  // sha256d: 1 TH/s for 3600 s and 1 TH/s for 400 s, over the 82,799 s from first to last sight.
  EXPECT_NEAR(d0.hashrates[1].hashrate, 1e12 * 4000 / 82'799.999999999, 1e6);
  // 1000 + 1000 + 8000 * 400/800 bytes.
  EXPECT_EQ(d0.bytes_to_pools, 1000 + 1000 + 4000);
  const auto& d1 = (*days)[1];
  EXPECT_EQ(d1.day, kDay + 1);
  EXPECT_EQ(d1.sessions, 1);
  EXPECT_EQ(d1.bytes_to_pools, 4000);
  EXPECT_DOUBLE_EQ(d1.hashrates.at(0).hashrate, 1e12);
  EXPECT_NEAR(d1.kwh_per_day, 24, 1e-9);
}

TEST_P(StoreSuite, CountsActiveMiningAddressesPerDay) {
  MW_STORE_TARGET_OR_SKIP(t, GetParam());
  auto s = open_store(t.target());
  ASSERT_TRUE(s) << s.error().message;
  std::vector<HostDay> rows;
  for (int d = 0; d < 5; ++d) {
    for (int i = 0; i <= d; ++i) {
      HostDay h;
      h.ip = "10.0.0." + std::to_string(i);
      h.day = kDay + d;
      h.sessions = 1;
      h.coins = "XMR";
      h.hashrates = {{"randomx", "H/s", 1000.0 * i, 10}};
      rows.push_back(h);
    }
  }
  ASSERT_TRUE((*s)->put_host_days(rows));
  auto all = (*s)->active_ips_per_day();
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 5u);
  for (int d = 0; d < 5; ++d) {
    EXPECT_EQ((*all)[d].day, kDay + d);
    EXPECT_EQ((*all)[d].ips, d + 1);
  }
  auto some = (*s)->active_ips_per_day(kDay + 1, kDay + 2);
  ASSERT_TRUE(some);
  ASSERT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[1].ips, 3);
  // Putting the same rows again replaces them.
  rows[0].sessions = 7;
  ASSERT_TRUE((*s)->put_host_days(rows));
  auto c = (*s)->counts();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host_days, 15);
  auto days = (*s)->host_days(kDay, kDay);
  ASSERT_TRUE(days);
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].sessions, 7);
  EXPECT_EQ((*days)[0].hashrates.size(), 1u);
}

TEST_P(StoreSuite, KeepsAwkwardTextIntact) {
  MW_STORE_TARGET_OR_SKIP(t, GetParam());
  auto s = open_store(t.target());
  ASSERT_TRUE(s) << s.error().message;
  const std::string nasty = "tab\there\nnewline \\N back\\slash 'quote\" $1 ?1 ; DROP TABLE hosts; -- 矿工";
  HostDay h;
  h.ip = "2001:db8::1";
  h.day = kDay;
  h.coins = nasty;
  std::vector<HostDay> rows{h};
  ASSERT_TRUE((*s)->put_host_days(rows));
  auto days = (*s)->host_days();
  ASSERT_TRUE(days);
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ((*days)[0].coins, nasty);
  auto cap = (*s)->add_capture({nasty, nasty, 1});
  ASSERT_TRUE(cap) << cap.error().message;
  auto row = session("2001:db8::2", nasty, kT0, kT0 + kSec);
  row.agent = nasty;
  std::vector<SessionRow> sessions{row};
  ASSERT_TRUE((*s)->add_sessions(*cap, sessions));
  auto back = (*s)->sessions();
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ((*back)[0].agent, nasty);
  EXPECT_EQ((*back)[0].community_id, nasty);
}

TEST_P(StoreSuite, PersistsTheRegistryAndMergesLaterImports) {
  MW_STORE_TARGET_OR_SKIP(t, GetParam());
  auto s = open_store(t.target());
  ASSERT_TRUE(s) << s.error().message;
  registry::RegistryData data;
  auto soe = data.add_org({"sgcc", "State Grid", registry::OrgType::StateOwned, "Hubei", "Wuhan", "orgs.csv", false});
  auto tel = data.add_org({"ct", "China Telecom", registry::OrgType::StateOwned, "", "", "chinanet.txt", true});
  auto p1 = registry::Prefix::parse("10.1.0.0/16");
  auto p2 = registry::Prefix::parse("2001:db8:10::/48");
  auto p3 = registry::Prefix::parse("198.51.100.0/24");
  ASSERT_TRUE(p1 && p2 && p3);
  data.prefixes.push_back({*p1, soe});
  data.prefixes.push_back({*p2, soe});
  data.prefixes.push_back({*p3, tel});
  data.regions.push_back({*p3, "CN", "Guangdong", "Guangzhou"});
  registry::NatMapping m;
  IpAddress::parse("198.51.100.9", m.public_ip);
  m.port_first = 1024;
  m.port_last = 2047;
  m.start = Timestamp{kT0};
  m.end = Timestamp{kT0 + 3600 * kSec};
  m.subscriber = "line-42";
  m.org = tel;
  data.mappings.push_back(m);
  auto saved = (*s)->save_registry(data);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(saved->prefixes, 3u);
  // Saving again changes nothing; a later import that only knows the name keeps the type and region.
  ASSERT_TRUE((*s)->save_registry(data));
  registry::RegistryData later;
  later.add_org({"sgcc", "State Grid Corporation", registry::OrgType::Unknown, "", "", "asn.csv", false});
  ASSERT_TRUE((*s)->save_registry(later));
  auto counts = (*s)->registry_counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->orgs, 2u);
  EXPECT_EQ(counts->prefixes, 3u);
  EXPECT_EQ(counts->regions, 1u);
  EXPECT_EQ(counts->mappings, 1u);

  registry::RegistryData back;
  ASSERT_TRUE((*s)->load_registry(back));
  registry::Registry reg(std::move(back));
  IpAddress ip;
  ASSERT_TRUE(IpAddress::parse("10.1.200.3", ip));
  auto o = reg.lookup(ip);
  ASSERT_NE(o.org, nullptr);
  EXPECT_EQ(o.org->name, "State Grid Corporation");
  EXPECT_EQ(o.org->type, registry::OrgType::StateOwned);
  EXPECT_EQ(o.org->province, "Hubei");
  ASSERT_TRUE(IpAddress::parse("2001:db8:10::5", ip));
  ASSERT_NE(reg.lookup(ip).org, nullptr);
  ASSERT_TRUE(IpAddress::parse("198.51.100.9", ip));
  auto nat = reg.lookup(ip, Timestamp{kT0 + 60 * kSec}, std::uint16_t{1500});
  ASSERT_NE(nat.mapping, nullptr);
  EXPECT_EQ(nat.mapping->subscriber, "line-42");
  EXPECT_EQ(nat.province, "Guangdong");
  ASSERT_NE(nat.org, nullptr);
  EXPECT_TRUE(nat.org->carrier);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreSuite, ::testing::Values(Backend::Sqlite, Backend::Postgres),
                         testing::backend_name);

TEST(HostDayRollUp, AveragesConsecutiveSessionsAndAddsConcurrentOnes) {
  std::vector<SessionRow> seq{session("h", "a", kT0, kT0 + 100 * kSec, "ethash", 100),
                              session("h", "b", kT0 + 100 * kSec, kT0 + 200 * kSec, "ethash", 300)};
  auto h = roll_up("h", kDay, seq);
  ASSERT_EQ(h.hashrates.size(), 1u);
  EXPECT_NEAR(h.hashrates[0].hashrate, 200, 1e-9);
  std::vector<SessionRow> par{session("h", "a", kT0, kT0 + 100 * kSec, "ethash", 100),
                              session("h", "b", kT0, kT0 + 100 * kSec, "ethash", 300)};
  h = roll_up("h", kDay, par);
  EXPECT_NEAR(h.hashrates[0].hashrate, 400, 1e-9);
  EXPECT_NEAR(h.hashrates[0].sigma, std::sqrt(10.0 * 10 + 30 * 30), 1e-9);
  EXPECT_NEAR(h.kwh_per_day, 48, 1e-9);
}

TEST(HostDayRollUp, LeavesUnknownHashratesOut) {
  std::vector<SessionRow> rows{session("h", "a", kT0, kT0 + 100 * kSec, "randomx", 0)};
  auto h = roll_up("h", kDay, rows);
  EXPECT_EQ(h.sessions, 1);
  EXPECT_TRUE(h.hashrates.empty());
  EXPECT_EQ(h.kwh_per_day, 0);
  EXPECT_EQ(h.coins, "");
}

TEST(StoreDays, ParsesAndFormatsUtcDays) {
  EXPECT_EQ(format_day(kDay), "2024-03-01");
  EXPECT_EQ(parse_day("2024-03-01"), kDay);
  EXPECT_FALSE(parse_day("2024-02-30"));
  EXPECT_FALSE(parse_day("2024-3-1x"));
  EXPECT_FALSE(parse_day(""));
  EXPECT_EQ(day_of(kT0 - 1), kDay - 1);
  EXPECT_EQ(day_of(kT0), kDay);
}

TEST(StoreTargets, TellsPostgresFromSqlite) {
  EXPECT_TRUE(is_postgres_target("postgresql://u@h/db"));
  EXPECT_TRUE(is_postgres_target("host=/tmp dbname=x"));
  EXPECT_FALSE(is_postgres_target("/var/lib/minewatch/store.db"));
  auto bad = open_store("/nonexistent-dir/x/store.db");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("/nonexistent-dir/x/store.db"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace minewatch::store
