#include "protocols/jsonrpc/jsonrpc_parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "protocols/jsonrpc/line_parser_fixture.hpp"

namespace minewatch::protocols {
namespace {

class JsonRpcParserTest : public jsonrpc::LineParserFixture {
 protected:
  std::uint64_t id_hash_of(std::string_view line) {
    EXPECT_NE(parse(line), ParseStatus::Malformed) << line;
    EXPECT_TRUE(msg.has_id) << line;
    return msg.id_hash;
  }
};

using JsonRpcParser = JsonRpcParserTest;

TEST_F(JsonRpcParser, ReadsBooleanResultsAsAcceptedOrRejected) {
  ASSERT_EQ(parse(R"({"id":2,"result":true, "error": null})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Result);
  EXPECT_EQ(msg.outcome, Outcome::Accepted);
  EXPECT_EQ(msg.family, Family::Unknown);  // a bare result is not evidence on its own
  ASSERT_EQ(parse(R"({"id":100,"result":false})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.outcome, Outcome::Rejected);
}

TEST_F(JsonRpcParser, ReadsNonNullErrorAsRejected) {
  ASSERT_EQ(parse(R"({"id":0,"result":null,"error":[20,"Parse error",null]})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Result);
  EXPECT_EQ(msg.outcome, Outcome::Rejected);
  ASSERT_EQ(parse(R"({"id":1,"jsonrpc":"2.0","error":{"code":-1,"message":"Low difficulty share"}})"),
            ParseStatus::Parsed);
  EXPECT_EQ(msg.outcome, Outcome::Rejected);
  ASSERT_EQ(parse(R"({"id":7,"result":true,"error":[21,"Job not found",null]})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.outcome, Outcome::Rejected);  // an error wins over a result
}

TEST_F(JsonRpcParser, ReadsNullResultWithNullErrorAsPlainResult) {
  ASSERT_EQ(parse(R"({"id":3,"result":null,"error":null})"), ParseStatus::Parsed);
  EXPECT_EQ(msg.kind, MessageKind::Result);
  EXPECT_EQ(msg.outcome, Outcome::None);
}

TEST_F(JsonRpcParser, HashesEqualIdsAlikeWhateverTheSpacing) {
  auto a = id_hash_of(R"({"id":2,"method":"mining.authorize","params":["u.w","x"]})");
  auto b = id_hash_of(R"({"id" : 2 , "result" : true})");
  EXPECT_EQ(a, b);
}

TEST_F(JsonRpcParser, DistinguishesStringAndNumberIds) {
  auto number = id_hash_of(R"({"id":1,"result":true})");
  auto string = id_hash_of(R"({"id":"1","result":true})");
  auto other = id_hash_of(R"({"id":2,"result":true})");
  EXPECT_NE(number, string);
  EXPECT_NE(number, other);
  EXPECT_EQ(id_hash_of(R"({"params": ["26eb-2"], "id": "txlist26eb-2", "method": "mining.get_transactions"})"),
            id_hash_of(R"({"result":null,"error":[20,"Unknown method",null],"id":"txlist26eb-2"})"));
}

TEST_F(JsonRpcParser, HashesIdsDeterministicallyAcrossParsers) {
  jsonrpc::JsonRpcParser other;
  MiningMessage m2;
  Anomaly a2{};
  ASSERT_EQ(other.parse_line(R"({"id":[1,"x",{"k":null}],"result":true})", m2, a2), ParseStatus::Parsed);
  EXPECT_EQ(id_hash_of(R"({"id": [1, "x", {"k": null}], "result": true})"), m2.id_hash);
}

TEST_F(JsonRpcParser, HashesTheCompactIdTextWithFnv1a) {
  EXPECT_EQ(id_hash_of(R"({"id": 1, "result": true})"), jsonrpc::fnv1a64("1"));
  EXPECT_EQ(id_hash_of(R"({"id": "txlist26eb-2", "result": true})"), jsonrpc::fnv1a64("\"txlist26eb-2\""));
  EXPECT_EQ(jsonrpc::fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(jsonrpc::fnv1a64("a"), 0xaf63dc4c8601ec8cULL);  // published FNV-1a 64 test vector
}

TEST_F(JsonRpcParser, TreatsNullOrAbsentIdAsNoId) {
  ASSERT_EQ(parse(R"({"id":null,"method":"mining.set_difficulty","params":[8]})"), ParseStatus::Parsed);
  EXPECT_FALSE(msg.has_id);
  ASSERT_EQ(parse(R"({"method":"mining.set_difficulty","params":[8]})"), ParseStatus::Parsed);
  EXPECT_FALSE(msg.has_id);
  EXPECT_EQ(msg.id_hash, 0u);
}

TEST_F(JsonRpcParser, AcceptsJsonrpcMemberPresentOrNot) {
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":1,"method":"mining.subscribe","params":[]})"), ParseStatus::Parsed);
  EXPECT_EQ(parse(R"({"id":1,"method":"mining.subscribe","params":[]})"), ParseStatus::Parsed);
}

TEST_F(JsonRpcParser, ReportsGarbageAsMalformedJson) {
  EXPECT_EQ(parse("GET / HTTP/1.1"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::JsonMalformed);
  EXPECT_EQ(parse(R"({"id":1,"method":"mining.subscribe","params":["cgmin)"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::JsonMalformed);
  EXPECT_EQ(parse("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::JsonMalformed);
  EXPECT_EQ(parse(""), ParseStatus::Malformed);
  EXPECT_EQ(parse(" \r"), ParseStatus::Malformed);
}

TEST_F(JsonRpcParser, ReportsJsonThatIsNotAnRpcObjectAsNotRpc) {
  EXPECT_EQ(parse(R"([{"id":1,"method":"mining.subscribe"}])"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::JsonNotRpc);
  EXPECT_EQ(parse(R"("mining.subscribe")"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::JsonNotRpc);
  EXPECT_EQ(parse(R"({"name":"mining.subscribe","value":1})"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::JsonNotRpc);
  EXPECT_EQ(parse(R"({"id":1,"method":42})"), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::JsonNotRpc);
}

TEST_F(JsonRpcParser, ReportsOverlongLines) {
  std::string line = R"({"id":1,"method":"mining.subscribe","params":[")";
  line.append(jsonrpc::kMaxLineBytes, 'a');
  line += R"("]})";
  EXPECT_EQ(parse(line), ParseStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::JsonLineTooLong);
}

TEST_F(JsonRpcParser, AcceptsLinesUpToTheLimit) {
  std::string line = R"({"id":1,"method":"mining.notify","params":["j","a","b",")";
  line.append(jsonrpc::kMaxLineBytes - line.size() - 3, 'f');
  line += R"("]})";
  ASSERT_EQ(line.size(), jsonrpc::kMaxLineBytes);
  EXPECT_EQ(parse(line), ParseStatus::Parsed);
}

TEST_F(JsonRpcParser, TreatsElectrumServerVersionAsNotMining) {
  EXPECT_EQ(parse(R"({"jsonrpc": "2.0", "method": "server.version", "params": ["electrum/4.4.6", "1.4"], "id": 0})"),
            ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"jsonrpc": "2.0", "result": ["ElectrumX 1.16.0", "1.4"], "id": 0})"), ParseStatus::NotMining);
}

TEST_F(JsonRpcParser, TreatsElectrumScripthashSubscribeAsNotMining) {
  EXPECT_EQ(
      parse(
          R"({"jsonrpc":"2.0","method":"blockchain.scripthash.subscribe","params":["8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161"],"id":5})"),
      ParseStatus::NotMining);
  EXPECT_EQ(
      parse(
          R"({"jsonrpc":"2.0","method":"blockchain.scripthash.subscribe","params":["8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161","f3e1bf48975b8d6060a9de8884296abb80be618dc00ae3cb2f6cee3085e09403"]})"),
      ParseStatus::NotMining);
}

TEST_F(JsonRpcParser, TreatsWalletRpcAsNotMining) {
  EXPECT_EQ(parse(R"({"jsonrpc":"1.0","id":"curltest","method":"getbalance","params":["*", 6]})"),
            ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"result":0.21000000,"error":null,"id":"curltest"})"), ParseStatus::NotMining);
}

TEST_F(JsonRpcParser, TreatsBitcoindGetblockchaininfoAsNotMining) {
  EXPECT_EQ(parse(R"({"jsonrpc":"1.0","id":"bitcoin-cli","method":"getblockchaininfo","params":[]})"),
            ParseStatus::NotMining);
  EXPECT_EQ(
      parse(
          R"({"result":{"chain":"main","blocks":820000,"headers":820000,"bestblockhash":"00000000000000000002a7c4c1e48d76c5a37902165a270156b7a8d72728a054","difficulty":67957790298897.88},"error":null,"id":"bitcoin-cli"})"),
      ParseStatus::NotMining);
}

TEST_F(JsonRpcParser, TreatsWeb3CallsAsNotMining) {
  EXPECT_EQ(parse(R"({"id":1,"jsonrpc":"2.0","method":"web3_clientVersion","params":[]})"), ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":1,"result":"Geth/v1.8.2-stable/linux-amd64/go1.9.2"})"),
            ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","method":"eth_blockNumber","params":[],"id":83})"), ParseStatus::NotMining);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":83,"result":"0x4b7"})"), ParseStatus::NotMining);
}

TEST_F(JsonRpcParser, ClearsThePreviousMessage) {
  ASSERT_EQ(parse(R"({"id":2,"method":"mining.authorize","params":["u.w","x"]})"), ParseStatus::Parsed);
  ASSERT_EQ(parse(R"({"jsonrpc":"2.0","method":"server.version","params":[]})"), ParseStatus::NotMining);
  EXPECT_TRUE(msg.login.empty());
  EXPECT_FALSE(msg.has_id);
}

TEST_F(JsonRpcParser, DecodesWithoutInterpreting) {
  Anomaly a{};
  const jsonrpc::RpcMessage* rpc = json.decode(R"({"id":0,"method":"getwork","params":[]})", a);
  ASSERT_NE(rpc, nullptr);
  EXPECT_EQ(json.decode("{", a), nullptr);
  EXPECT_EQ(a, Anomaly::JsonMalformed);
}

}  // namespace
}  // namespace minewatch::protocols
