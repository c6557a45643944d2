#include "protocols/cryptonote/cryptonote_parser.hpp"

#include <gtest/gtest.h>

#include "protocols/jsonrpc/jsonrpc_parser.hpp"
#include "protocols/jsonrpc/line_parser_fixture.hpp"

namespace minewatch::protocols {
namespace {

using CryptonoteParser = jsonrpc::LineParserFixture;

TEST_F(CryptonoteParser, ReadsXmrigLogin) {
  ASSERT_EQ(
      parse(
          R"({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD.rig1","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0","algo":["rx/0","cn/r","cn-pico"],"rigid":"cpu-07"}})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.family, Family::CryptoNote);
  EXPECT_EQ(msg.kind, MessageKind::Login);
  EXPECT_EQ(msg.login,
            "48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD.rig1");
  EXPECT_EQ(msg.agent, "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0");
  EXPECT_EQ(msg.algo, "rx/0");
  EXPECT_EQ(msg.worker, "cpu-07");
}

TEST_F(CryptonoteParser, ReadsXmrStakLoginWithIdLastAndNoJsonrpc) {
  ASSERT_EQ(
      parse(
          R"({"method":"login","params":{"login":"4BCeEPhodg.ryzen","pass":"x","agent":"xmr-stak-cpu/1.3.0-1.5.0"},"id":1})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Login);
  EXPECT_EQ(msg.agent, "xmr-stak-cpu/1.3.0-1.5.0");
  EXPECT_TRUE(msg.worker.empty());
  EXPECT_TRUE(msg.algo.empty());
}

TEST_F(CryptonoteParser, ReadsLoginResultAsJobWithDifficulty) {
  ASSERT_EQ(
      parse(
          R"({"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"479059546883218","job":{"blob":"0606e89883d205a65d8ee78991838a1cf3ec2ebbc5fb1fa43dec5fa1cd2bee4069212a549cd731000000005a88235653097aa3e97ef2ceef4aee610751a828f9be1a0758a78365fb0a4c8c05","job_id":"722134174127131","target":"dc460300"},"status":"OK"}})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.family, Family::CryptoNote);
  EXPECT_EQ(msg.kind, MessageKind::Job);
  EXPECT_EQ(msg.outcome, Outcome::Accepted);
  EXPECT_NEAR(msg.difficulty, 20000, 200);  // xmr-stak flow of the nDPI capture
}

TEST_F(CryptonoteParser, ComputesDifficultyFromFourByteTarget) {
  // "dc460300" = 0x000346dc little-endian = 214748; (2^32 - 1) / 214748 = 20000.0 hashes per share.
  ASSERT_EQ(
      parse(
          R"({"jsonrpc":"2.0","method":"job","params":{"blob":"06069c9983d2052e885e6d1f99749ae1c263f36cb423bd1b71eafb4c84eeadb83b5dc8e1a84be60000000017a6f964a2409168ca9e88b304d405e6119728483fc40c588a9be058d78beaf904","job_id":"652010620664805","target":"dc460300"}})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Job);
  EXPECT_FALSE(msg.has_id);
  EXPECT_NEAR(msg.difficulty, 20000, 20000 * 0.01);
  EXPECT_DOUBLE_EQ(msg.target_work, msg.difficulty);
}

TEST_F(CryptonoteParser, ComputesDifficultyFromEightByteTargetAndReadsAlgo) {
  // 8-byte little-endian t64 = 0x0000_0000_0010_0000 * 2^16 ... : 2^64 / t64.
  ASSERT_EQ(
      parse(
          R"({"jsonrpc":"2.0","method":"job","params":{"blob":"0e0ea1","job_id":"9","target":"0000000000010000","algo":"rx/0","height":3100000,"seed_hash":"ab"}})"),
      ParseStatus::Parsed);
  // bytes 00 00 00 00 00 01 00 00 -> 0x0000010000000000 = 2^40 -> 2^64 / 2^40 = 2^24.
  EXPECT_DOUBLE_EQ(msg.difficulty, 16777216.0);
  EXPECT_EQ(msg.algo, "rx/0");
}

TEST_F(CryptonoteParser, ReadsSubmit) {
  ASSERT_EQ(
      parse(
          R"({"method":"submit","params":{"id":"479059546883218","job_id":"722134174127131","nonce":"98024001","result":"c9be9381a68d533c059d614d961e0534d7d8785dd5c339c2f9596eb95f320100"},"id":1})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.family, Family::CryptoNote);
  EXPECT_EQ(msg.kind, MessageKind::Submit);
  EXPECT_TRUE(sent_by_miner(msg.kind));
}

TEST_F(CryptonoteParser, ReadsStatusOkAsAcceptedResult) {
  ASSERT_EQ(parse(R"({"id":1,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Result);
  EXPECT_EQ(msg.outcome, Outcome::Accepted);
}

TEST_F(CryptonoteParser, ReadsErrorAsRejectedResult) {
  ASSERT_EQ(parse(R"({"id":4,"jsonrpc":"2.0","error":{"code":-1,"message":"Invalid job id"}})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Result);
  EXPECT_EQ(msg.outcome, Outcome::Rejected);
}

TEST_F(CryptonoteParser, ReadsKeepalived) {
  ASSERT_EQ(parse(R"({"id":5,"jsonrpc":"2.0","method":"keepalived","params":{"id":"479059546883218"}})"),
            ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::KeepAlive);
  ASSERT_EQ(parse(R"({"id":5,"jsonrpc":"2.0","error":null,"result":{"status":"KEEPALIVED"}})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Result);
  EXPECT_EQ(msg.outcome, Outcome::None);
}

TEST_F(CryptonoteParser, RequiresCryptonoteShapeForGenericMethodNames) {
  // A web app's login, a form submit, a job queue: same method words, other shapes.
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","method":"login","params":["admin","hunter2"],"id":1})"), ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","method":"login","params":{"user":"admin","password":"x"},"id":1})"),
            ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","method":"submit","params":{"form":"contact","text":"hi"},"id":2})"),
            ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","method":"submit","params":{"job_id":"7"},"id":2})"), ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","method":"job","params":{"job_id":"7","state":"done"}})"),
            ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","method":"job"})"), ParseStatus::NotMining);
}

TEST_F(CryptonoteParser, LeavesOtherResultObjectsAsNotMining) {
  EXPECT_EQ(parse(R"({"id":1,"result":{"status":"busy"},"error":null})"), ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"id":1,"result":{"job":{"name":"backup"}},"error":null})"), ParseStatus::NotMining);
}

TEST_F(CryptonoteParser, KeepsJobWithUnusualTargetWithoutDifficulty) {
  ASSERT_EQ(parse(R"({"method":"job","params":{"blob":"0606","job_id":"1","target":"xyz"}})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.difficulty, 0);
  ASSERT_EQ(parse(R"({"method":"job","params":{"blob":"0606","job_id":"1","target":"00000000"}})"),
            ParseStatus::Parsed);
  EXPECT_EQ(msg.difficulty, 0);
}

}  // namespace
}  // namespace minewatch::protocols
