#include "protocols/stratum/stratum_parser.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "protocols/jsonrpc/jsonrpc_parser.hpp"
#include "protocols/jsonrpc/line_parser_fixture.hpp"

namespace minewatch::protocols {
namespace {

using StratumParser = jsonrpc::LineParserFixture;

TEST_F(StratumParser, ReadsSubscribeAgentAndPoolHost) {
  // EWBF Zcash miner, as in the nDPI mining capture.
  ASSERT_EQ(
      parse(R"({"id":1,"method":"mining.subscribe","params":["EWBF 0.3.4b",null,"eu1-zcash.example.org","3333"]})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.family, Family::Stratum);
  EXPECT_EQ(msg.kind, MessageKind::Subscribe);
  EXPECT_EQ(msg.agent, "EWBF 0.3.4b");
  EXPECT_EQ(msg.pool_host, "eu1-zcash.example.org");
  EXPECT_TRUE(msg.protocol_variant.empty());
  EXPECT_TRUE(msg.has_id);
}

TEST_F(StratumParser, AcceptsSpacesAfterColonsAndAnyKeyOrder) {
  ASSERT_EQ(parse(R"({"params": ["cgminer/3.7.2"], "method": "mining.subscribe", "id": 11})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Subscribe);
  EXPECT_EQ(msg.agent, "cgminer/3.7.2");
  EXPECT_TRUE(msg.pool_host.empty());
}

TEST_F(StratumParser, ToleratesCrlfAndSurroundingWhitespace) {
  ASSERT_EQ(parse("  \t{\"id\": 0, \"method\": \"mining.subscribe\", \"params\": [\"bfgminer/5.2.0\"]}\r"),
            ParseStatus::Parsed);
  EXPECT_EQ(msg.agent, "bfgminer/5.2.0");
}

TEST_F(StratumParser, AcceptsSubscribeWithoutParams) {
  ASSERT_EQ(parse(R"({"id":1,"method":"mining.subscribe","params":[]})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Subscribe);
  ASSERT_EQ(parse(R"({"id":1,"method":"mining.subscribe"})"), ParseStatus::Parsed);
}

TEST_F(StratumParser, ReadsEthereumStratumVariantFromSubscribe) {
  ASSERT_EQ(
      parse(R"({"id": 1, "method": "mining.subscribe", "params": ["PhoenixMiner/4.7c", "EthereumStratum/1.0.0"]})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.agent, "PhoenixMiner/4.7c");
  EXPECT_EQ(msg.protocol_variant, "EthereumStratum/1.0.0");
}

TEST_F(StratumParser, DoesNotTakeASessionIdForAVariantOrAHost) {
  ASSERT_EQ(parse(R"({"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1","deadbeef01"]})"),
            ParseStatus::Parsed);
  EXPECT_TRUE(msg.protocol_variant.empty());
  EXPECT_TRUE(msg.pool_host.empty());
}

TEST_F(StratumParser, KeepsAuthorizeLoginWhole) {
  ASSERT_EQ(parse(R"({"id":2,"method":"mining.authorize","params":["t1fAhZF5aUJdY7CikGULHmeYk7id8qmvbAd.rig4","x"]})"),
            ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Authorize);
  EXPECT_EQ(msg.login, "t1fAhZF5aUJdY7CikGULHmeYk7id8qmvbAd.rig4");
  EXPECT_TRUE(msg.worker.empty());
}

TEST_F(StratumParser, ReadsSha256dSubmit) {
  ASSERT_EQ(
      parse(
          R"({"params": ["slush.miner1", "bf", "00000001", "504e86ed", "b2957c02"], "id": 4, "method": "mining.submit"})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Submit);
  EXPECT_EQ(msg.login, "slush.miner1");
  EXPECT_TRUE(sent_by_miner(msg.kind));
}

TEST_F(StratumParser, ReadsEthereumStratumSubmitWithThreeParams) {
  ASSERT_EQ(parse(R"({"id": 244, "method": "mining.submit", "params": ["wallet.rig", "bf0488aa", "6a909d9bbc0f"]})"),
            ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Submit);
}

TEST_F(StratumParser, RejectsSubmitWithTooFewParams) {
  EXPECT_EQ(parse(R"({"id":4,"method":"mining.submit","params":["worker"]})"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::StratumBadParams);
}

TEST_F(StratumParser, RecognisesEveryMinerSideMethod) {
  struct Case {
    const char* line;
    MessageKind kind;
  };
  const Case cases[] = {
      {R"({"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"1fffe000","version-rolling.min-bit-count":2}]})",
       MessageKind::Configure},
      {R"({"id":3,"method":"mining.extranonce.subscribe","params":[]})", MessageKind::ExtranonceSubscribe},
      {R"({"id":5,"method":"mining.suggest_difficulty","params":[1024]})", MessageKind::SuggestDifficulty},
      {R"({"params": ["26eb-2"], "id": "txlist26eb-2", "method": "mining.get_transactions"})",
       MessageKind::GetTransactions},
  };
  for (const auto& c : cases) {
    ASSERT_EQ(parse(c.line), ParseStatus::Parsed) << c.line;
    EXPECT_EQ(msg.kind, c.kind) << c.line;
    EXPECT_EQ(msg.family, Family::Stratum);
    EXPECT_TRUE(sent_by_miner(msg.kind));
  }
}

TEST_F(StratumParser, ReadsSuggestedDifficulty) {
  ASSERT_EQ(parse(R"({"id":5,"method":"mining.suggest_difficulty","params":[1024]})"), ParseStatus::Parsed);
  EXPECT_DOUBLE_EQ(msg.difficulty, 1024);
}

TEST_F(StratumParser, RecognisesEveryPoolSideNotification) {
  struct Case {
    const char* line;
    MessageKind kind;
  };
  const Case cases[] = {
      {R"({"id":null,"method":"mining.set_extranonce","params":["08000002",4]})", MessageKind::SetExtranonce},
      {R"({"id":null,"method":"client.reconnect","params":["stratum.example.net",3333,0]})", MessageKind::Reconnect},
      {R"({"id":null,"method":"client.reconnect","params":[]})", MessageKind::Reconnect},
      {R"({"id":null,"method":"client.show_message","params":["Pool maintenance at 12:00 UTC"]})",
       MessageKind::ShowMessage},
      {R"({"method":"mining.set_difficulty","params":[4096],"id":1})", MessageKind::SetDifficulty},
  };
  for (const auto& c : cases) {
    ASSERT_EQ(parse(c.line), ParseStatus::Parsed) << c.line;
    EXPECT_EQ(msg.kind, c.kind) << c.line;
    EXPECT_FALSE(sent_by_miner(msg.kind));
  }
}

TEST_F(StratumParser, ReadsReconnectTargetAsRedirect) {
  ASSERT_EQ(parse(R"({"id":null,"method":"client.reconnect","params":["eu.stratum.example.net","3333",0]})"),
            ParseStatus::Parsed);
  EXPECT_EQ(msg.redirect_url, "eu.stratum.example.net");
  EXPECT_TRUE(msg.pool_host.empty());
}

TEST_F(StratumParser, ReadsSha256dNotifyWithNineParams) {
  ASSERT_EQ(
      parse(
          R"({"params": ["bf", "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000", "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008", "072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000", [], "00000002", "1c2ac4af", "504e86b9", false], "id": null, "method": "mining.notify"})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Notify);
  EXPECT_FALSE(msg.has_id);  // id null: a notification
}

TEST_F(StratumParser, ReadsEquihashNotifyWithEightParams) {
  ASSERT_EQ(
      parse(
          R"({"id":null,"method":"mining.notify","params":["8c6f2d4c6d2c7014fb26","04000000","9e2fc768bd1977528c8d6096d46376758179e25bf3293428b65f120100000000","35d341a8b19a38cd584cb5494185b4dbf1a7eaa91a9ff6541e851de50cbc88a2","0000000000000000000000000000000000000000000000000000000000000000","a9cc405a","09d8151c",true]})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Notify);
}

TEST_F(StratumParser, ReadsEthereumStratumNotifyWithFourParams) {
  ASSERT_EQ(
      parse(
          R"({"id":null,"method":"mining.notify","params":["bf0488aa","abad8f99f3918bf903c6a909d9bbc0fdfa5a2f4b9cb1196175ec825c6610126c","645cf20198c2f3861e947d4f67e3ab63b7b2e24dcc9095bd9123e7b33371f6cc",true]})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Notify);
}

TEST_F(StratumParser, AcceptsNumericJobIdInNotify) {
  EXPECT_EQ(parse(R"({"id":null,"method":"mining.notify","params":[17,"a","b",true]})"), ParseStatus::Parsed);
}

TEST_F(StratumParser, RejectsNotifyWithoutJobShape) {
  EXPECT_EQ(parse(R"({"id":null,"method":"mining.notify","params":{"job":"x"}})"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::StratumBadParams);
  EXPECT_EQ(parse(R"({"id":null,"method":"mining.notify","params":[["x"],"a","b",true]})"), ParseStatus::Malformed);
  EXPECT_EQ(parse(R"({"id":null,"method":"mining.notify","params":["x"]})"), ParseStatus::Malformed);
}

TEST_F(StratumParser, ReadsSetDifficulty) {
  ASSERT_EQ(parse(R"({"method":"mining.set_difficulty","params":[4096],"id":1})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::SetDifficulty);
  EXPECT_DOUBLE_EQ(msg.difficulty, 4096);
  EXPECT_DOUBLE_EQ(msg.target_work, 0);  // the algorithm multiplier is the coin catalog's business
  ASSERT_EQ(parse(R"({"id":null,"method":"mining.set_difficulty","params":[0.5]})"), ParseStatus::Parsed);
  EXPECT_DOUBLE_EQ(msg.difficulty, 0.5);
}

TEST_F(StratumParser, RejectsNonPositiveOrNonNumericDifficulty) {
  EXPECT_EQ(parse(R"({"id":null,"method":"mining.set_difficulty","params":[0]})"), ParseStatus::Malformed);
  EXPECT_EQ(parse(R"({"id":null,"method":"mining.set_difficulty","params":["high"]})"), ParseStatus::Malformed);
  EXPECT_EQ(parse(R"({"id":null,"method":"mining.set_difficulty","params":[]})"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::StratumBadParams);
}

TEST_F(StratumParser, ConvertsSetTargetToWorkPerShare) {
  // Flypool Zcash target from the nDPI capture: top 64 bits 0x0004189374bc6a7e = 2^64 / 16000, so
  // 2^256 / target = 16,000 Equihash solutions per share; difficulty is that over 2^32 (diff-1 scale).
  ASSERT_EQ(
      parse(
          R"({"id":null,"method":"mining.set_target","params":["0004189374bc6a7ef9db22d0e5604189374bc6a7ef9db22d0e5604189374bc6a"]})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::SetTarget);
  EXPECT_NEAR(msg.target_work, 16000, 16000 * 0.01);
  EXPECT_NEAR(msg.difficulty, msg.target_work / 4294967296.0, 1e-12);
}

TEST_F(StratumParser, ConvertsShortSetTargetAsBigEndianNumber) {
  // A difficulty-1 Bitcoin target (0x00000000ffff0000...) is 2^32 * 65536/65535 work.
  ASSERT_EQ(
      parse(
          R"({"id":null,"method":"mining.set_target","params":["00000000ffff0000000000000000000000000000000000000000000000000000"]})"),
      ParseStatus::Parsed);
  EXPECT_NEAR(msg.difficulty, 1.0, 1e-4);
}

TEST_F(StratumParser, RejectsZeroOrNonHexTarget) {
  EXPECT_EQ(parse(R"({"id":null,"method":"mining.set_target","params":["0000"]})"), ParseStatus::Malformed);
  EXPECT_EQ(parse(R"({"id":null,"method":"mining.set_target","params":["zz"]})"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::StratumBadParams);
}

TEST_F(StratumParser, ReadsNestedSubscribeResult) {
  ASSERT_EQ(
      parse(R"({"result":[[["mining.notify","1"],["mining.set_difficulty","2"]],"00b61738",4],"error":null,"id":0})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.family, Family::Stratum);
  EXPECT_EQ(msg.kind, MessageKind::SubscribeResult);
  EXPECT_TRUE(msg.has_id);
}

TEST_F(StratumParser, ReadsFlatSubscribeResult) {
  ASSERT_EQ(
      parse(R"({"id":1,"result":[["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"],"08000002",4],"error":null})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::SubscribeResult);
  ASSERT_EQ(parse(R"({"id":1,"result":["mining.notify","ae6812eb4cd7735a302a8a9dd95cf71f"],"error":null})"),
            ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::SubscribeResult);
}

TEST_F(StratumParser, ReadsEthereumStratumSubscribeResult) {
  ASSERT_EQ(
      parse(
          R"({"id": 1, "result": [["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f", "EthereumStratum/1.0.0"], "080c"], "error": null})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::SubscribeResult);
  EXPECT_EQ(msg.protocol_variant, "EthereumStratum/1.0.0");
}

TEST_F(StratumParser, LeavesUnknownMiningMethodsAsNotMining) {
  EXPECT_EQ(parse(R"({"id":9,"method":"mining.frobnicate","params":[]})"), ParseStatus::NotMining);
}

TEST_F(StratumParser, RejectsBadAuthorizeParams) {
  EXPECT_EQ(parse(R"({"id":2,"method":"mining.authorize","params":"user"})"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::StratumBadParams);
  EXPECT_EQ(parse(R"({"id":2,"method":"mining.authorize","params":[42]})"), ParseStatus::Malformed);
}

}  // namespace
}  // namespace minewatch::protocols
