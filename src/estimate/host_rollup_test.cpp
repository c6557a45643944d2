// Per-host totals: the coin a host's other sessions name is inferred for its sessions that name none,
// only when the algorithm matches and exactly one coin of that algorithm was seen.
#include "estimate/host_rollup.hpp"

#include <gtest/gtest.h>

namespace minewatch::estimate {
namespace {

IpAddress ip(const char* text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::parse(text, a));
  return a;
}

detect::OrientedFlow flow(const char* miner, std::uint16_t port, std::int64_t start_s) {
  detect::OrientedFlow f;
  f.miner = ip(miner);
  f.pool = ip("198.51.100.20");
  f.pool_port = port;
  f.start = Timestamp::from_parts(start_s, 0);
  f.end = Timestamp::from_parts(start_s + 60, 0);
  return f;
}

SessionEstimate estimate(const char* coin, const char* algorithm) {
  SessionEstimate e;
  e.coin_id = coin;
  e.algorithm = algorithm;
  return e;
}

TEST(HostRollup, InfersACoinForUnnamedSessionsOnlyWhenOneCoinOfTheirAlgorithmWasSeen) {
  HostRollup r;
  const detect::MiningSession none;
  // Host .1: BTC over getwork names the coin; two stratum sessions (sha256d assumed) name none.
  r.add(flow("192.0.2.1", 8332, 0), none, estimate("BTC", "sha256d"));
  r.add(flow("192.0.2.1", 3333, 100), none, estimate("unknown", "sha256d"));
  r.add(flow("192.0.2.1", 3333, 200), none, estimate("unknown", "sha256d"));
  // Host .2: BTC and BCH both seen with sha256d: ambiguous, nothing inferred.
  r.add(flow("192.0.2.2", 3333, 0), none, estimate("BTC", "sha256d"));
  r.add(flow("192.0.2.2", 3334, 0), none, estimate("BCH", "sha256d"));
  r.add(flow("192.0.2.2", 3335, 0), none, estimate("unknown", "sha256d"));
  // Host .3: XMR seen, but the unnamed session is scrypt: no inference across algorithms.
  r.add(flow("192.0.2.3", 3333, 0), none, estimate("XMR", "randomx"));
  r.add(flow("192.0.2.3", 3333, 100), none, estimate("unknown", "scrypt"));
  // Host .4: nothing names a coin.
  r.add(flow("192.0.2.4", 3333, 0), none, estimate("unknown", "sha256d"));

  const auto totals = r.totals();
  ASSERT_EQ(totals.size(), 4u);
  ASSERT_EQ(totals[0].coins_inferred.size(), 1u);
  EXPECT_EQ(totals[0].coins_inferred[0].coin, "BTC");
  EXPECT_EQ(totals[0].coins_inferred[0].algorithm, "sha256d");
  EXPECT_EQ(totals[0].coins_inferred[0].sessions, 2u);
  EXPECT_NE(totals[0].coins_inferred[0].reason.find("198.51.100.20:8332"), std::string::npos)
      << totals[0].coins_inferred[0].reason;
  EXPECT_EQ(totals[0].coins, (std::set<std::string>{"BTC"})) << "identified coins stay as identified";
  EXPECT_TRUE(totals[1].coins_inferred.empty()) << "BTC and BCH share SHA-256d: ambiguous";
  EXPECT_TRUE(totals[2].coins_inferred.empty()) << "another algorithm";
  EXPECT_TRUE(totals[3].coins_inferred.empty()) << "nothing to infer from";
}

}  // namespace
}  // namespace minewatch::estimate
