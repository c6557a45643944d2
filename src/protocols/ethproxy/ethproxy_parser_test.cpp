#include "protocols/ethproxy/ethproxy_parser.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "protocols/jsonrpc/jsonrpc_parser.hpp"
#include "protocols/jsonrpc/line_parser_fixture.hpp"

namespace minewatch::protocols {
namespace {

using EthproxyParser = jsonrpc::LineParserFixture;

TEST_F(EthproxyParser, ReadsClaymoreSubmitLoginWithTopLevelWorker) {
  ASSERT_EQ(
      parse(
          R"({"worker": "eth1.0", "jsonrpc": "2.0", "params": ["0x0fccfff9e61a230ff380530c6827caf4759337c6.rig2", "x"], "id": 2, "method": "eth_submitLogin"})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.family, Family::EthProxy);
  EXPECT_EQ(msg.kind, MessageKind::SubmitLogin);
  EXPECT_EQ(msg.login, "0x0fccfff9e61a230ff380530c6827caf4759337c6.rig2");
  EXPECT_EQ(msg.worker, "eth1.0");
}

TEST_F(EthproxyParser, IgnoresEmptyWorker) {
  ASSERT_EQ(
      parse(
          R"({"id":2,"method":"eth_submitLogin","params":["0xc1c427cd8e6b7ee3b5f30c2e1d3f3c5536ec16f5"],"worker":""})"),
      ParseStatus::Parsed);
  EXPECT_TRUE(msg.worker.empty());
}

TEST_F(EthproxyParser, ReadsGetWork) {
  ASSERT_EQ(parse(R"({"worker": "", "jsonrpc": "2.0", "params": [], "id": 3, "method": "eth_getWork"})"),
            ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::GetWork);
  ASSERT_EQ(parse(R"({"id":3,"method":"eth_getWork"})"), ParseStatus::Parsed);
}

TEST_F(EthproxyParser, ReadsSubmitWork) {
  ASSERT_EQ(
      parse(
          R"({"id":4,"method":"eth_submitWork","params":["0x93dc6cdc00d0d468","0x5e812d3dc09237e2fa6883e7b9d013686c791eab17b1a63affc606728fe180ca","0x5f50a016f012c322fdbcd609aae1ee7b5541f6be1d930414f17d809f8c4b4122"]})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::SubmitWork);
  EXPECT_TRUE(sent_by_miner(msg.kind));
}

TEST_F(EthproxyParser, RejectsSubmitWorkWithoutThreeHexParams) {
  EXPECT_EQ(parse(R"({"id":4,"method":"eth_submitWork","params":["0x93dc6cdc00d0d468","0x5e"]})"),
            ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::EthproxyBadParams);
  EXPECT_EQ(parse(R"({"id":4,"method":"eth_submitWork","params":["nonce","header","mix"]})"), ParseStatus::Malformed);
}

TEST_F(EthproxyParser, ConvertsSubmitHashrateHexToHashesPerSecond) {
  ASSERT_EQ(
      parse(
          R"({"id":6,"jsonrpc":"2.0","method":"eth_submitHashrate","params":["0x2df91be", "0x59daa26581d0acd1fce254fb7e85952f4c09d0915afd33d3886cd914bc7d283c"]})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::SubmitHashrate);
  EXPECT_DOUBLE_EQ(msg.self_hashrate, 48206270.0);
}

TEST_F(EthproxyParser, TakesHashrateFromFirstParamNotClientId) {
  // Claymore in the nDPI capture: params[0] varies (the hashrate), params[1] is a constant client id.
  ASSERT_EQ(
      parse(
          R"({"id":6,"jsonrpc":"2.0","method":"eth_submitHashrate","params":["0x1d08a61", "0x0000000000000000000000000000000000000000000000000000000002df91be"]})"),
      ParseStatus::Parsed);
  EXPECT_DOUBLE_EQ(msg.self_hashrate, 30444129.0);
}

TEST_F(EthproxyParser, RejectsNonHexHashrate) {
  EXPECT_EQ(parse(R"({"id":6,"method":"eth_submitHashrate","params":[48206270]})"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::EthproxyBadParams);
}

TEST_F(EthproxyParser, ReadsWorkPackageWithBoundary) {
  // boundary 0x00000000dbe6fece... : 2^256 / boundary = 2^32 / 0.8590 ~ 5.0e9 hashes per share.
  ASSERT_EQ(
      parse(
          R"({"jsonrpc":"2.0","id":0,"result":["0x415559c31768833f25b6dbfbb39be72e71375e14a3a711e589696850bc9431ec","0x71a56feffb6f10ea9d76e1a9464eb0abd86e4349ae98fb794923a65b650282a3","0x00000000dbe6fecebdedd5beb573440e5a884d1b2fbf06fcce912adcb8d8422e"]})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.family, Family::EthProxy);
  EXPECT_EQ(msg.kind, MessageKind::WorkPackage);
  EXPECT_NEAR(msg.target_work, 4294967296.0 / (double{0xdbe6fece} / 4294967296.0), 1e3);
  EXPECT_DOUBLE_EQ(msg.difficulty, msg.target_work);
}

TEST_F(EthproxyParser, ReadsWorkPackageWithShortBoundaryAndHeight) {
  // Pools strip the boundary's leading zeros and may append the block number.
  ASSERT_EQ(
      parse(
          R"({"id":3,"jsonrpc":"2.0","result":["0x22b597d7bf24ef9a605a5d4fb6f7e155b7d0ce28ba6a9aa9eda6b74b34685d71","0x88615dc9f6fe84975a471ca044adecdfde8c8fcdde97d2a3416254d590c52d0c","0x0112e0be826d694b2e62d01511f12a6061fbaec8bc02357593e70e52ba","0x492609"]})"),
      ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::WorkPackage);
  // 0x0112e0be... has 58 digits: boundary ~ 0x0112e0be * 2^(4*50), work ~ 2^256 / that ~ 3.99e9.
  EXPECT_NEAR(msg.target_work, std::ldexp(1.0, 56) / double{0x0112e0be}, 1e4);
}

TEST_F(EthproxyParser, TreatsOtherEthMethodsAsWeb3NotMining) {
  EXPECT_EQ(
      parse(
          R"({"jsonrpc":"2.0","method":"eth_getBalance","params":["0x407d73d8a49eeb85d32cf465507dd71d507100c1","latest"],"id":1})"),
      ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","method":"eth_blockNumber","params":[],"id":83})"), ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":1,"result":["0x1","0x2","0x3"]})"), ParseStatus::NotMining);
}

}  // namespace
}  // namespace minewatch::protocols
