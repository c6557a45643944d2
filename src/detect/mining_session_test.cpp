#include "detect/mining_session.hpp"

#include <gtest/gtest.h>

namespace minewatch::detect {
namespace {

using protocols::Family;
using protocols::MessageKind;
using protocols::MiningMessage;
using protocols::Outcome;

MiningMessage request(Family f, MessageKind k, std::uint64_t id) {
  MiningMessage m;
  m.family = f;
  m.kind = k;
  m.has_id = true;
  m.id_hash = id;
  return m;
}

MiningMessage response(std::uint64_t id, Outcome o, bool null_result = false) {
  MiningMessage m;
  m.kind = MessageKind::Result;
  m.has_id = true;
  m.id_hash = id;
  m.outcome = o;
  m.null_result = null_result;
  return m;
}

TEST(MiningSession, PairsPoolVerdictsWithTheSharesTheyAnswer) {
  MiningSession s;
  s.add(request(Family::Stratum, MessageKind::Submit, 1), Direction::AtoB, {});
  s.add(request(Family::Stratum, MessageKind::Submit, 2), Direction::AtoB, {});
  s.add(request(Family::Stratum, MessageKind::Authorize, 3), Direction::AtoB, {});
  s.add(response(2, Outcome::Rejected), Direction::BtoA, {});
  s.add(response(1, Outcome::Accepted), Direction::BtoA, {});
  s.add(response(3, Outcome::Accepted), Direction::BtoA, {});  // not a share
  s.add(response(9, Outcome::Accepted), Direction::BtoA, {});  // answers nothing we saw
  EXPECT_EQ(s.shares().submitted, 2u);
  EXPECT_EQ(s.shares().accepted, 1u);
  EXPECT_EQ(s.shares().rejected, 1u);
}

TEST(MiningSession, CountsANullSubmitblockAnswerAsAcceptedPerBip22) {
  MiningSession s;
  s.add(request(Family::HttpGetwork, MessageKind::SubmitBlock, 5), Direction::AtoB, {});
  s.add(request(Family::HttpGetwork, MessageKind::SubmitBlock, 6), Direction::AtoB, {});
  s.add(response(5, Outcome::None, true), Direction::BtoA, {});
  s.add(response(6, Outcome::Rejected), Direction::BtoA, {});  // "high-hash"
  EXPECT_EQ(s.shares().accepted, 1u);
  EXPECT_EQ(s.shares().rejected, 1u);
}

TEST(MiningSession, BareResponsesWeighNothingAndOneMiningMethodIsEnough) {
  MiningSession s;
  s.add(response(1, Outcome::Accepted), Direction::BtoA, {});
  EXPECT_DOUBLE_EQ(s.confidence(), 0.0);
  s.add(request(Family::Stratum, MessageKind::Subscribe, 2), Direction::AtoB, {});
  EXPECT_TRUE(s.is_mining(0.7));
}

TEST(MiningSession, AWeakSignalAloneStaysBelowTheThreshold) {
  MiningSession s;
  s.add(request(Family::CryptoNote, MessageKind::KeepAlive, 1), Direction::AtoB, {});
  EXPECT_FALSE(s.is_mining(0.7));
}

TEST(MiningSession, VotesForTheMinerSideFromRequestsAndPoolPushes) {
  MiningSession s;
  MiningMessage notify;
  notify.family = Family::Stratum;
  notify.kind = MessageKind::Notify;
  s.add(notify, Direction::AtoB, {});  // the pool is side A
  s.add(notify, Direction::AtoB, {});
  s.add(request(Family::Stratum, MessageKind::Submit, 1), Direction::BtoA, {});
  ASSERT_TRUE(s.miner_to_pool_direction());
  EXPECT_EQ(*s.miner_to_pool_direction(), Direction::BtoA);
}

TEST(MiningSession, CountsDifficultyChanges) {
  MiningSession s;
  MiningMessage d;
  d.family = Family::Stratum;
  d.kind = MessageKind::SetDifficulty;
  for (double v : {16.0, 16.0, 32.0, 64.0}) {
    d.difficulty = v;
    s.add(d, Direction::BtoA, {});
  }
  EXPECT_DOUBLE_EQ(s.difficulty(), 64.0);
  EXPECT_EQ(s.difficulty_changes(), 2u);
}

}  // namespace
}  // namespace minewatch::detect
