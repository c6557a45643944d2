// The share rhythm of encrypted mining (decision 0011): hand-made flows for each rule, and — when the
// CESNET sample is present beside the project — how often real ISP flows labelled "Other" show it.
#include "model/mining_rhythm.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "model/cesnet_csv.hpp"

namespace minewatch::model {
namespace {

// Shares found at Poisson-like gaps (seconds), each answered within 40 ms.
constexpr std::int64_t kGaps[] = {12, 3, 27, 8, 41, 5, 19, 2, 33, 14, 7, 22};

struct Builder {
  FlowSample s;
  std::int64_t t = 0;
  void pkt(bool up, std::uint32_t size, std::int64_t at) { s.add_ms(up, size, t = at); }
  // TLS handshake, login and first job within 200 ms.
  void opening() {
    pkt(true, 186, 0);
    pkt(false, 146, 30);
    pkt(true, 51, 31);
    pkt(true, 320, 32);
    pkt(false, 580, 80);
  }
};

// The opening, then one exchange at each of `gaps_s` (seconds apart): `exchange(b, t, i)` adds the
// i-th, at t ms.
template <typename Exchange>
FlowSample after_opening(std::span<const std::int64_t> gaps_s, Exchange&& exchange) {
  Builder b;
  b.opening();
  std::int64_t t = b.t;
  std::size_t i = 0;
  for (std::int64_t g : gaps_s) {
    t += g * 1000;
    exchange(b, t, i++);
  }
  return b.s;
}
template <typename Exchange>
FlowSample after_opening(Exchange&& exchange) {
  return after_opening(kGaps, std::forward<Exchange>(exchange));
}

// Shares of `submit` bytes answered by `ack` bytes 40 ms later (both grow by the digits of the id).
FlowSample share_flow(std::uint32_t submit, std::uint32_t ack, const std::vector<std::int64_t>& gaps_s) {
  return after_opening(gaps_s, [&](Builder& b, std::int64_t t, std::size_t i) {
    const std::uint32_t digits = i + 2 < 10 ? 1 : 2;
    b.pkt(true, submit + digits, t);
    b.pkt(false, ack + digits, t + 40);
  });
}

TEST(MiningRhythm, PoissonSharesWithSmallConstantAcksMatch) {
  const Rhythm r = mining_rhythm(share_flow(230, 92, {std::begin(kGaps), std::end(kGaps)}));
  EXPECT_TRUE(r.match()) << rhythm_verdict_name(r.verdict);
  EXPECT_EQ(r.requests, 12u);
  EXPECT_NEAR(r.request_bytes, 231, 1);
  EXPECT_NEAR(r.reply_bytes, 93, 1);
  EXPECT_DOUBLE_EQ(r.answered, 1.0);
  EXPECT_GT(r.gap_cv, 0.5);
}

TEST(MiningRhythm, JobsPushedBetweenSharesDoNotBreakIt) {
  const FlowSample s = after_opening([](Builder& b, std::int64_t t, std::size_t i) {
    b.pkt(true, 231, t);
    b.pkt(false, 93, t + 40);
    if ((i + 1) % 4 == 0) b.pkt(false, 470, t + 1500);  // a new block's job
  });
  EXPECT_TRUE(mining_rhythm(s).match());
}

TEST(MiningRhythm, EachRuleRejectsWhatItShould) {
  const std::vector<std::int64_t> poisson{std::begin(kGaps), std::end(kGaps)};
  // A heartbeat on a clock: cv 0.
  EXPECT_EQ(mining_rhythm(share_flow(230, 92, std::vector<std::int64_t>(12, 15))).verdict, RhythmVerdict::Periodic);
  // Replies as large as the requests (echo, chat): not acknowledgements.
  EXPECT_EQ(mining_rhythm(share_flow(189, 182, poisson)).verdict, RhythmVerdict::AckNotSmaller);
  // Requests too large for shares.
  EXPECT_EQ(mining_rhythm(share_flow(900, 92, poisson)).verdict, RhythmVerdict::LargeRequest);
  // Too few requests, too short.
  EXPECT_EQ(mining_rhythm(share_flow(230, 92, {12, 3, 27})).verdict, RhythmVerdict::FewRequests);
  EXPECT_EQ(mining_rhythm(share_flow(230, 92, {2, 3, 2, 4, 1, 2, 3})).verdict, RhythmVerdict::Short);
  // No pause after the opening: a burst.
  Builder burst;
  for (int i = 0; i < 30; ++i) burst.pkt(i % 2 == 0, 200, i * 10);
  EXPECT_EQ(mining_rhythm(burst.s).verdict, RhythmVerdict::NoOpening);
  // Request sizes all different (interactive typing, API calls).
  const FlowSample mixed = after_opening([](Builder& b, std::int64_t t, std::size_t i) {
    b.pkt(true, static_cast<std::uint32_t>(123 + 23 * i), t);
    b.pkt(false, 60, t + 40);
  });
  EXPECT_EQ(mining_rhythm(mixed).verdict, RhythmVerdict::MixedRequests);
  // Requests nobody answers within a second.
  const FlowSample silent = after_opening([](Builder& b, std::int64_t t, std::size_t) {
    b.pkt(true, 231, t);
    b.pkt(false, 93, t + 1500);
  });
  EXPECT_EQ(mining_rhythm(silent).verdict, RhythmVerdict::Unanswered);
  // Downloads.
  const FlowSample bulk = after_opening([](Builder& b, std::int64_t t, std::size_t) {
    b.pkt(true, 231, t);
    b.pkt(false, 1448, t + 40);
  });
  EXPECT_EQ(mining_rhythm(bulk).verdict, RhythmVerdict::Bulk);
}

std::string shared_data() {
  if (const char* env = std::getenv("MW_SHARED_DATA"); env && *env) return env;
  return MW_SHARED_DATA;
}

// Real traffic: the rhythm must be rare among CESNET's ordinary flows (it is one moderate signal, and
// needs a second one to alert). It is not meant to find CESNET's miners, most of which are Ethash
// (pool pushes a job every second or two; the flow model finds those).
TEST(MiningRhythmCesnet, RareAmongRealOrdinaryFlows) {
  const std::string csv = shared_data() + "/flows/cesnet-miner22-sample-dev.csv";
  if (!std::filesystem::exists(csv)) GTEST_SKIP() << csv << " not present";
  auto flows = read_cesnet_csv(csv);
  ASSERT_TRUE(flows.has_value()) << flows.error().message;
  std::size_t other = 0, other_match = 0, miner = 0, miner_match = 0;
  for (const CesnetFlow& f : *flows) {
    const bool m = mining_rhythm(f.sample).match();
    (f.miner ? miner : other) += 1;
    (f.miner ? miner_match : other_match) += m ? 1 : 0;
  }
  std::printf("CESNET sample: rhythm on %zu of %zu Other flows, %zu of %zu Miner flows\n", other_match, other,
              miner_match, miner);
  EXPECT_GE(other, 1000u);
  EXPECT_LE(static_cast<double>(other_match), 0.005 * static_cast<double>(other));
}

}  // namespace
}  // namespace minewatch::model
