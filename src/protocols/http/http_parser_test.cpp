#include "protocols/http/http_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace minewatch::protocols {
namespace {

using http::HttpMessage;
using http::HttpStatus;
using http::Role;

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// bfgminer 5.2.0 asking a pool for a block template over HTTP (shape of the zeek bitcoin-mining trace).
std::string bfgminer_gbt_request() {
  std::string body =
      R"({"id": 0, "method": "getblocktemplate", "params": [{"capabilities": ["coinbasetxn", "workid", "longpoll"], "maxversion": 4}]})";
  return "POST / HTTP/1.1\r\n"
         "Host: us1.pool.example:3333\r\n"
         "Authorization: Basic Qmlnc2t5OjEyMw==\r\n"
         "Accept: */*\r\n"
         "Content-type: application/json\r\n"
         "X-Mining-Extensions: longpoll midstate rollntime submitold\r\n"
         "Content-Length: " +
         std::to_string(body.size()) +
         "\r\n"
         "User-Agent: bfgminer/5.2.0\r\n"
         "\r\n" +
         body;
}

std::string post(std::string_view headers, std::string_view body) {
  return "POST / HTTP/1.1\r\nHost: pool.example:8332\r\n" + std::string(headers) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string response(std::string_view headers, std::string_view body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + std::string(headers) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

class HttpParserTest : public ::testing::Test {
 protected:
  HttpStatus frame(std::string_view s, Role role) {
    anomaly = Anomaly::Count;
    return http::parse_message(bytes(s), role, msg, consumed, anomaly);
  }
  // Keeps the text alive: msg and mining hold views into it.
  ParseStatus interpret_message(std::string s, Role role) {
    held = std::move(s);
    EXPECT_EQ(frame(held, role), HttpStatus::Parsed) << held;
    return http::interpret(msg, role, json, mining, anomaly);
  }
  std::string held;
  HttpMessage msg;
  std::size_t consumed = 0;
  Anomaly anomaly = Anomaly::Count;
  jsonrpc::JsonRpcParser json;
  MiningMessage mining;
};

using HttpParser = HttpParserTest;

TEST_F(HttpParser, FramesRequestLineHeadersAndBody) {
  auto req = bfgminer_gbt_request();
  ASSERT_EQ(frame(req, Role::Request), HttpStatus::Parsed);
  EXPECT_EQ(consumed, req.size());
  EXPECT_EQ(msg.method, "POST");
  EXPECT_EQ(msg.target, "/");
  EXPECT_EQ(msg.version_minor, 1);
  EXPECT_EQ(msg.host, "us1.pool.example:3333");
  EXPECT_EQ(msg.user_agent, "bfgminer/5.2.0");
  EXPECT_EQ(msg.x_mining_extensions, "longpoll midstate rollntime submitold");
  EXPECT_EQ(msg.content_type, "application/json");
  EXPECT_TRUE(msg.body.starts_with("{\"id\": 0"));
  EXPECT_EQ(msg.basic_user(), "Bigsky");  // base64 "Bigsky:123"
}

TEST_F(HttpParser, ReportsNeedMoreForEveryProperPrefix) {
  auto req = bfgminer_gbt_request();
  for (std::size_t n = 0; n < req.size(); ++n) {
    ASSERT_EQ(frame(std::string_view(req).substr(0, n), Role::Request), HttpStatus::NeedMore) << n;
  }
}

TEST_F(HttpParser, FramesPipelinedMessagesOneAtATime) {
  auto two = post("", R"({"method": "getwork", "params": [], "id":0})") +
             post("", R"({"method": "getwork", "params": ["0000000120"], "id":1})");
  ASSERT_EQ(frame(two, Role::Request), HttpStatus::Parsed);
  auto rest = std::string_view(two).substr(consumed);
  ASSERT_EQ(frame(rest, Role::Request), HttpStatus::Parsed);
  EXPECT_EQ(consumed, rest.size());
}

TEST_F(HttpParser, MatchesHeaderNamesCaseInsensitively) {
  std::string req = "POST / HTTP/1.0\nhost: a.example\nUSER-AGENT: cgminer/4.10.0\nx-mining-hashrate: 1250000\n\n";
  ASSERT_EQ(frame(req, Role::Request), HttpStatus::Parsed);
  EXPECT_EQ(msg.version_minor, 0);
  EXPECT_EQ(msg.host, "a.example");
  EXPECT_EQ(msg.user_agent, "cgminer/4.10.0");
  EXPECT_EQ(msg.x_mining_hashrate, "1250000");
  EXPECT_EQ(consumed, req.size());
}

TEST_F(HttpParser, ReadsStatusLine) {
  ASSERT_EQ(frame("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", Role::Response), HttpStatus::Parsed);
  EXPECT_EQ(msg.status_code, 404);
  EXPECT_EQ(msg.reason, "Not Found");
}

TEST_F(HttpParser, DecodesChunkedBody) {
  std::string res =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1e\r\n{\"result\":true,\"error\":null,\"i\r\n"
      "7;ext=1\r\nd\":12}\n\r\n"
      "0\r\n\r\n";
  ASSERT_EQ(frame(res, Role::Response), HttpStatus::Parsed);
  EXPECT_TRUE(msg.chunked);
  EXPECT_EQ(msg.body, "{\"result\":true,\"error\":null,\"i");
  EXPECT_TRUE(msg.body_truncated);
  EXPECT_EQ(consumed, res.size());
  ASSERT_EQ(frame(std::string_view(res).substr(0, res.size() - 2), Role::Response), HttpStatus::NeedMore);
}

TEST_F(HttpParser, RejectsBadChunkSize) {
  EXPECT_EQ(frame("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", Role::Response),
            HttpStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::HttpMalformed);
}

TEST_F(HttpParser, SkipsABodyWhoseFirstBytesAreNotJsonWithoutWaitingForIt) {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n";
  ASSERT_EQ(frame(head + "  <html><body>", Role::Response), HttpStatus::Parsed);
  EXPECT_TRUE(msg.body_truncated);
  EXPECT_EQ(consumed, head.size() + 5000) << "the caller skips the rest of the body";
  // A body that may be JSON is still awaited whole (JSON-RPC over HTTP is read from it) ...
  EXPECT_EQ(frame(head + " \r\n{\"id\":1,\"result\":", Role::Response), HttpStatus::NeedMore);
  // ... and so is one of which nothing but blanks has arrived yet.
  EXPECT_EQ(frame(head + "  ", Role::Response), HttpStatus::NeedMore);
  EXPECT_EQ(frame(head, Role::Response), HttpStatus::NeedMore);
}

TEST_F(HttpParser, TruncatesOversizedBodyAndSkipsIt) {
  std::string big = "POST /upload HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n" + std::string(70000, 'x');
  ASSERT_EQ(frame(big, Role::Request), HttpStatus::Parsed);
  EXPECT_TRUE(msg.body_truncated);
  EXPECT_EQ(msg.body.size(), http::kMaxBodyBytes);
  EXPECT_EQ(anomaly, Anomaly::HttpBodyTooLong);
  EXPECT_EQ(consumed, big.find("\r\n\r\n") + 4 + 1000000);
}

TEST_F(HttpParser, RejectsOverlongHeaders) {
  std::string req = "GET / HTTP/1.1\r\nCookie: " + std::string(http::kMaxHeaderBytes, 'c');
  EXPECT_EQ(frame(req, Role::Request), HttpStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::HttpHeaderTooLong);
}

TEST_F(HttpParser, RejectsNonHttpAtOnce) {
  EXPECT_EQ(frame(R"({"id":0,"result":null,"error":[20,"Parse error",null]})", Role::Response), HttpStatus::Malformed);
  EXPECT_EQ(anomaly, Anomaly::HttpMalformed);
  EXPECT_EQ(frame(R"({"id": 0, "method": "mining.subscribe")", Role::Request), HttpStatus::Malformed);
  EXPECT_EQ(frame("\x16\x03\x01", Role::Request), HttpStatus::Malformed);
  EXPECT_EQ(frame("GET / HTTP/2.0\r\n\r\n", Role::Request), HttpStatus::Malformed);
  EXPECT_EQ(frame("POST / HTTP/1.1\r\nNo colon here\r\n\r\n", Role::Request), HttpStatus::Malformed);
  EXPECT_EQ(frame("POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", Role::Request), HttpStatus::Malformed);
  EXPECT_EQ(frame("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", Role::Request),
            HttpStatus::Malformed);
}

TEST_F(HttpParser, ReadsResponseBodyUntilCloseWithoutLength) {
  std::string res = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"result\":true}";
  ASSERT_EQ(frame(res, Role::Response), HttpStatus::Parsed);
  EXPECT_TRUE(msg.body_until_close);
  EXPECT_EQ(msg.body, "{\"result\":true}");
  EXPECT_EQ(consumed, res.size());
}

TEST_F(HttpParser, RecognisesGetblocktemplateRequest) {
  ASSERT_EQ(interpret_message(bfgminer_gbt_request(), Role::Request), ParseStatus::Parsed);
  EXPECT_EQ(mining.family, Family::HttpGetwork);
  EXPECT_EQ(mining.kind, MessageKind::GetBlockTemplate);
  EXPECT_EQ(mining.pool_host, "us1.pool.example:3333");
  EXPECT_EQ(mining.agent, "bfgminer/5.2.0");
  EXPECT_EQ(mining.login, "Bigsky");
  EXPECT_TRUE(mining.has_id);
}

TEST_F(HttpParser, RecognisesGetworkRequestAndSubmission) {
  ASSERT_EQ(interpret_message(post("X-Mining-Hashrate: 1250000\r\n", R"({"method": "getwork", "params": [], "id":0})"),
                              Role::Request),
            ParseStatus::Parsed);
  EXPECT_EQ(mining.kind, MessageKind::GetWork);
  EXPECT_DOUBLE_EQ(mining.self_hashrate, 1250000);
  ASSERT_EQ(interpret_message(post("", R"({"method":"getwork","params":["00000001d1c6a7b3"],"id":1})"), Role::Request),
            ParseStatus::Parsed);
  EXPECT_EQ(mining.kind, MessageKind::SubmitWork);
  ASSERT_EQ(interpret_message(post("", R"({"method":"submitblock","params":["0000002001"],"id":2})"), Role::Request),
            ParseStatus::Parsed);
  EXPECT_EQ(mining.kind, MessageKind::SubmitBlock);
}

TEST_F(HttpParser, RecognisesEthereumGetworkOverHttp) {
  auto req =
      "POST /?miner=0.1@0xc1c427cd8e6b7ee3b5f30c2e1d3f3c5536ec16f5/rig1 HTTP/1.1\r\nHost: eth.pool.example:8008\r\n"
      "Content-Length: 59\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"eth_getWork\",\"params\":[],\"id\":1}";
  ASSERT_EQ(interpret_message(req, Role::Request), ParseStatus::Parsed);
  EXPECT_EQ(mining.family, Family::HttpGetwork);
  EXPECT_EQ(mining.kind, MessageKind::GetWork);
  ASSERT_EQ(
      interpret_message(
          post(
              "",
              R"({"jsonrpc":"2.0","method":"eth_submitHashrate","params":["0x2df91be","0x59daa26581d0acd1fce254fb7e85952f4c09d0915afd33d3886cd914bc7d283c"],"id":73})"),
          Role::Request),
      ParseStatus::Parsed);
  EXPECT_EQ(mining.kind, MessageKind::SubmitHashrate);
  EXPECT_DOUBLE_EQ(mining.self_hashrate, 48206270);
}

TEST_F(HttpParser, CountsMiningExtensionsHeaderAsGetwork) {
  ASSERT_EQ(interpret_message("GET /LP HTTP/1.1\r\nHost: pool.example\r\nX-Mining-Extensions: longpoll\r\n\r\n",
                              Role::Request),
            ParseStatus::Parsed);
  EXPECT_EQ(mining.kind, MessageKind::GetWork);
  EXPECT_EQ(mining.family, Family::HttpGetwork);
}

TEST_F(HttpParser, TreatsWeb3RequestToEthereumNodeAsNotMining) {
  // peafowl ethereum-js-http hard negative: curl asking geth for its version.
  auto req =
      "POST / HTTP/1.1\r\nHost: localhost:8545\r\nUser-Agent: curl/7.56.1\r\nAccept: */*\r\n"
      "Content-Type: application/json\r\nContent-Length: 66\r\n\r\n"
      R"({"id":1,"jsonrpc":"2.0","method":"web3_clientVersion","params":[]})";
  EXPECT_EQ(interpret_message(req, Role::Request), ParseStatus::NotMining);
  auto res =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nVary: Origin\r\nContent-Length: 75\r\n\r\n"
      R"({"jsonrpc":"2.0","id":1,"result":"Geth/v1.8.2-stable/linux-amd64/go1.9.2"})"
      "\n";  // geth ends its body with a newline
  EXPECT_EQ(interpret_message(res, Role::Response), ParseStatus::NotMining);
  EXPECT_EQ(
      interpret_message(
          post(
              "",
              R"({"jsonrpc":"2.0","method":"eth_getBalance","params":["0x407d73d8a49eeb85d32cf465507dd71d507100c1","latest"],"id":1})"),
          Role::Request),
      ParseStatus::NotMining);
}

TEST_F(HttpParser, TreatsOrdinaryWebTrafficAsNotMining) {
  EXPECT_EQ(interpret_message("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n\r\n", Role::Request),
            ParseStatus::NotMining);
  EXPECT_EQ(interpret_message(post("", "name=alice&submit=1"), Role::Request), ParseStatus::NotMining);
  EXPECT_EQ(interpret_message(response("", "<html></html>"), Role::Response), ParseStatus::NotMining);
  EXPECT_EQ(interpret_message(post("", R"({"jsonrpc":"1.0","id":"curltest","method":"getblockchaininfo","params":[]})"),
                              Role::Request),
            ParseStatus::NotMining);
}

TEST_F(HttpParser, ReadsGetworkResultAsWorkPackage) {
  // Difficulty-1 getwork target (little-endian): ffff...ff00000000 -> 2^224 -> 2^32 work, difficulty 1.
  auto body =
      R"({"result":{"midstate":"2b3f81261b3cfd001db436cfd4c8f3f9c7450c9a0d049bee71cba0ea2619c0b5","data":"00000001d915b8fd2face61c6fe22ab76cad5f46c11cebab697dbd9e00000805000000004f1a4f1bb55cdfb7eb6b1e3e07fb02d5f5eb5a1d3be8d2b1b05e7c9f1fe2a26b4e54e3a81a0f1d7a00000000000000800000000000000000000000000000000000000000000000000000000000000000000000000000000080020000","hash1":"00000000000000000000000000000000000000000000000000000000000000000000008000000000000000000000000000000000000000000000000000010000","target":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffff00000000"},"error":null,"id":0})";
  ASSERT_EQ(interpret_message(response("X-Long-Polling: /LP\r\nX-Roll-Ntime: Y\r\n", body), Role::Response),
            ParseStatus::Parsed);
  EXPECT_EQ(mining.family, Family::HttpGetwork);
  EXPECT_EQ(mining.kind, MessageKind::WorkPackage);
  EXPECT_NEAR(mining.difficulty, 1.0, 1e-6);
  EXPECT_NEAR(mining.target_work, 4294967296.0, 1);
}

TEST_F(HttpParser, ReadsGetblocktemplateResult) {
  auto body =
      R"({"result":{"version":536870912,"previousblockhash":"000000000000000000029f4d4f8b25fd6f1c3bbc7c4e0f2c7b0f1a1f7e4b1c2d","transactions":[],"coinbasevalue":625000000,"target":"0000000000000000000500000000000000000000000000000000000000000000","bits":"17053894","height":820000},"error":null,"id":0})";
  ASSERT_EQ(interpret_message(response("", body), Role::Response), ParseStatus::Parsed);
  EXPECT_EQ(mining.kind, MessageKind::BlockTemplate);
  EXPECT_GT(mining.difficulty, 1e13);
}

TEST_F(HttpParser, ReadsStratumRedirectHeaderOnAnyResponse) {
  ASSERT_EQ(interpret_message(
                response("X-Stratum: stratum+tcp://pool.example:3333\r\n", R"({"result":null,"error":null,"id":0})"),
                Role::Response),
            ParseStatus::Parsed);
  EXPECT_EQ(mining.family, Family::HttpGetwork);
  EXPECT_EQ(mining.kind, MessageKind::Result);
  EXPECT_EQ(mining.redirect_url, "stratum+tcp://pool.example:3333");
}

TEST_F(HttpParser, KeepsBareResultsUnattributed) {
  ASSERT_EQ(interpret_message(response("", R"({"result":true,"error":null,"id":1})"), Role::Response),
            ParseStatus::Parsed);
  EXPECT_EQ(mining.kind, MessageKind::Result);
  EXPECT_EQ(mining.outcome, Outcome::Accepted);
  EXPECT_EQ(mining.family, Family::Unknown);
}

TEST_F(HttpParser, ReadsEthereumWorkPackageResponse) {
  auto body =
      R"({"id":1,"jsonrpc":"2.0","result":["0x22b597d7bf24ef9a605a5d4fb6f7e155b7d0ce28ba6a9aa9eda6b74b34685d71","0x88615dc9f6fe84975a471ca044adecdfde8c8fcdde97d2a3416254d590c52d0c","0x0112e0be826d694b2e62d01511f12a6061fbaec8bc02357593e70e52ba"]})";
  ASSERT_EQ(interpret_message(response("", body), Role::Response), ParseStatus::Parsed);
  EXPECT_EQ(mining.family, Family::HttpGetwork);
  EXPECT_EQ(mining.kind, MessageKind::WorkPackage);
  EXPECT_GT(mining.target_work, 1e9);
}

}  // namespace
}  // namespace minewatch::protocols
