#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "estimate/address.hpp"
#include "estimate/coin_catalog.hpp"
#include "estimate/coin_identify.hpp"
#include "estimate/hashrate.hpp"
#include "estimate/session_estimate.hpp"

namespace minewatch::estimate {
namespace {

using protocols::Family;
using protocols::MessageKind;
using protocols::MiningMessage;

constexpr std::int64_t kSec = 1'000'000'000;
const Timestamp kT0 = Timestamp::from_parts(1514196094, 0);  // 2017-12-25

MiningMessage msg(Family f, MessageKind k) {
  MiningMessage m;
  m.family = f;
  m.kind = k;
  return m;
}

TEST(CoinCatalog, BuiltInCatalogHasFifteenCoinsEachWithASource) {
  const auto& cat = CoinCatalog::builtin();
  EXPECT_GE(cat.coins().size(), 15u);
  for (const char* id :
       {"BTC", "BCH", "BSV", "LTC", "DOGE", "ETC", "ETH", "XMR", "ZEC", "DASH", "RVN", "KAS", "ERG", "CKB"}) {
    const Coin* c = cat.coin(id);
    ASSERT_NE(c, nullptr) << id;
    EXPECT_FALSE(c->source.empty()) << id;
    EXPECT_NE(cat.algorithm(c->algorithm), nullptr) << id;
  }
  for (const auto& a : cat.algorithms()) {
    for (const auto& h : a.hardware) EXPECT_FALSE(h.source.empty()) << a.id;
  }
  EXPECT_EQ(cat.coin("XMR")->algorithm_at(kT0.seconds()), "cryptonight");
  EXPECT_EQ(cat.coin("XMR")->algorithm_at(1'700'000'000), "randomx");
}

TEST(CoinCatalog, ReportsWhereABadCatalogIsWrong) {
  auto bad = CoinCatalog::parse("[[coin]]\nid = \"X\"\nalgorithm = \"nope\"\nsource = \"s\"\n", "test.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("test.toml:1"), std::string::npos) << bad.error().message;
  auto syntax = CoinCatalog::parse("[[coin]\n", "broken.toml");
  ASSERT_FALSE(syntax);
  EXPECT_NE(syntax.error().message.find("broken.toml:1"), std::string::npos) << syntax.error().message;
}

TEST(Address, DecodesBase58CheckAndRejectsABadChecksum) {
  auto ok = decode_base58check("t1fAhZF5aUJdY7CikGULHmeYk7id8qmvbAd");
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)[0], 0x1c);
  EXPECT_EQ((*ok)[1], 0xb8);
  auto btc = decode_base58check("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");  // the genesis block address
  ASSERT_TRUE(btc);
  EXPECT_EQ((*btc)[0], 0x00);
  EXPECT_FALSE(decode_base58check("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"));
  EXPECT_FALSE(decode_base58check("0OIl"));
}

TEST(PoissonInterval, MatchesTheExactChiSquareBounds) {
  // Garwood: [chi2(a/2; 2n)/2, chi2(1-a/2; 2n+2)/2] at a = 1 - 0.9545; reference values from
  // scipy.stats.chi2.ppf.
  auto [l0, u0] = poisson_interval(0);
  EXPECT_EQ(l0, 0);
  EXPECT_NEAR(u0, 3.7832, 1e-3);
  auto [l1, u1] = poisson_interval(1);
  EXPECT_NEAR(l1, 0.023013, 1e-4);
  EXPECT_NEAR(u1, 5.6827, 1e-3);
  auto [l10, u10] = poisson_interval(10);
  EXPECT_NEAR(l10, 4.7192, 1e-3);
  EXPECT_NEAR(u10, 18.5771, 1e-3);
  auto [l900, u900] = poisson_interval(900);  // Wilson-Hilferty regime
  EXPECT_NEAR(l900, 841.005, 0.1);
  EXPECT_NEAR(u900, 962.028, 0.1);
}

// Shares drawn as a Poisson process at a known hashrate, with the pool doubling or halving the
// difficulty on past share counts (vardiff), fed through MiningSession: the estimate must be unbiased
// and the 2-sigma interval must cover the truth about 95 % of the time.
TEST(HashrateEstimate, IsUnbiasedAndCoversTheTruthUnderVardiff) {
  std::mt19937_64 rng(7);
  const double truth = 5000;  // H/s
  int covered = 0, runs = 400;
  double sum_ratio = 0;
  for (int r = 0; r < runs; ++r) {
    detect::MiningSession s;
    auto login = msg(Family::CryptoNote, MessageKind::Login);
    login.login = "4BCeEPhodgPMbPWFN1dPwhWXdRX8q4mhhdZdA1dtSMLTLCEYvAj9QXjXAfF7CugEbmfBhgkqHbdgK9b2wKA6nqRZQCgvCDm";
    s.add(login, Direction::AtoB, kT0);
    double diff = 10000;  // far from the miner's rate: vardiff has work to do
    auto job = msg(Family::CryptoNote, MessageKind::Job);
    job.difficulty = job.target_work = diff;
    s.add(job, Direction::BtoA, kT0);
    double t = 0;
    int since_retarget = 0;
    const double duration = 1800;
    for (;;) {
      t += std::exponential_distribution<double>(truth / diff)(rng);
      if (t > duration) break;
      s.add(msg(Family::CryptoNote, MessageKind::Submit), Direction::AtoB,
            kT0 + Duration{static_cast<std::int64_t>(t * kSec)});
      if (++since_retarget == 8) {  // retarget on what was seen: the next share's work is fixed in advance
        diff = t < 240 ? diff * 2 : diff;
        since_retarget = 0;
        job.difficulty = job.target_work = diff;
        s.add(job, Direction::BtoA, kT0 + Duration{static_cast<std::int64_t>(t * kSec)});
      }
    }
    auto e = estimate_session(s, kT0 + Duration{static_cast<std::int64_t>(duration * kSec)});
    ASSERT_TRUE(e.hashrate_known());
    sum_ratio += e.hashrate_hs / truth;
    if (e.hashrate_lower <= truth && truth <= e.hashrate_upper) ++covered;
  }
  EXPECT_NEAR(sum_ratio / runs, 1.0, 0.02);
  EXPECT_GE(covered, static_cast<int>(0.92 * runs));
  EXPECT_LE(covered, static_cast<int>(0.99 * runs));
}

TEST(HashrateEstimate, StratumDifficultyUsesTheAlgorithmsMultiplier) {
  detect::MiningSession s;
  auto sub = msg(Family::Stratum, MessageKind::Subscribe);
  sub.agent = "bmminer/2.0.0";
  s.add(sub, Direction::AtoB, kT0);
  auto auth = msg(Family::Stratum, MessageKind::Authorize);
  auth.login = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.rig1";
  s.add(auth, Direction::AtoB, kT0);
  auto sd = msg(Family::Stratum, MessageKind::SetDifficulty);
  sd.difficulty = 65536;
  s.add(sd, Direction::BtoA, kT0);
  for (int i = 1; i <= 100; ++i) {
    s.add(msg(Family::Stratum, MessageKind::Submit), Direction::AtoB, kT0 + Duration{i * 10 * kSec});
  }
  auto e = estimate_session(s, kT0 + Duration{1000 * kSec});
  EXPECT_EQ(e.coin_id, "BTC");
  EXPECT_EQ(e.algorithm, "sha256d");
  // 100 shares x 65536 x 2^32 hashes in 1000 s.
  EXPECT_NEAR(e.hashrate_hs, 100 * 65536 * 4294967296.0 / 1000, 1e6);
  EXPECT_NEAR(e.hashrate_sigma / e.hashrate_hs, 0.1, 1e-9);
  EXPECT_FALSE(e.low_confidence);
  EXPECT_EQ(e.hardware_class, "asic");  // bmminer is Antminer firmware; S9 class in 2017
  EXPECT_NEAR(e.kwh_per_day, e.hashrate_hs * 9.44e-11 * 24 / 1000, 1e-6);
}

TEST(HashrateEstimate, UnknownWithoutDifficultyAndForEncryptedSessions) {
  detect::MiningSession mid;
  mid.add(msg(Family::Stratum, MessageKind::Notify), Direction::BtoA, kT0);
  mid.add(msg(Family::Stratum, MessageKind::Submit), Direction::AtoB, kT0 + Duration{kSec});
  auto e = estimate_session(mid, kT0 + Duration{100 * kSec});
  EXPECT_FALSE(e.hashrate_known());
  EXPECT_NE(e.hashrate_note.find("work per share was not seen"), std::string::npos);

  detect::MiningSession tls;
  auto hello = msg(Family::Tls, MessageKind::TlsServerName);
  hello.pool_host = "pool.supportxmr.com";
  tls.add(hello, Direction::AtoB, kT0);
  auto t = estimate_session(tls, kT0 + Duration{100 * kSec});
  EXPECT_FALSE(t.hashrate_known());
  EXPECT_EQ(t.coin_id, "XMR");
  EXPECT_NE(t.hashrate_note.find("encrypted"), std::string::npos);
}

TEST(CoinIdentification, UnknownWhenNothingNamesACoin) {
  detect::MiningSession s;
  auto sub = msg(Family::Stratum, MessageKind::Subscribe);
  sub.agent = "cgminer/3.7.2";
  s.add(sub, Direction::AtoB, kT0);
  auto id = identify_coin(s, 25, CoinCatalog::builtin());
  EXPECT_EQ(id.coin, nullptr);
  ASSERT_NE(id.algorithm, nullptr);
  EXPECT_EQ(id.algorithm->id, "sha256d");
  EXPECT_TRUE(id.algorithm_assumed);
}

TEST(CoinIdentification, EthashAfterTheMergeIsNotEthereum) {
  detect::MiningSession s;
  auto login = msg(Family::EthProxy, MessageKind::SubmitLogin);
  login.login = "0x9c99d212f7e5daa18ab50810e0fd255d1f04303b.rig";
  s.add(login, Direction::AtoB, Timestamp::from_parts(1'700'000'000, 0));  // 2023
  auto id = identify_coin(s, 4444, CoinCatalog::builtin());
  ASSERT_NE(id.coin, nullptr);
  EXPECT_EQ(id.coin->id, "ETC");
}

TEST(CoinIdentification, HostLabelsAndWalletOfLogins) {
  EXPECT_EQ(wallet_of("0xabc/worker/mail@x"), "0xabc");
  EXPECT_EQ(wallet_of("4abc+5000.rig"), "4abc");
  EXPECT_EQ(host_tokens("eu1-zcash.flypool.org"), (std::vector<std::string>{"eu", "zcash", "flypool", "org"}));
}

}  // namespace
}  // namespace minewatch::estimate
