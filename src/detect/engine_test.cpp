#include "detect/engine.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace minewatch::detect {
namespace {

using decode::PacketView;
namespace tf = decode::tcp_flags;

struct Recorded {
  OrientedFlow flow;
  protocols::Family family;
  ShareCounts shares;
  std::string agent, login, pool_host;
  double difficulty;
  std::uint64_t messages;
};

struct RecordingSink final : EventSink {
  std::vector<Recorded> sessions;
  std::vector<OrientedFlow> alerts;
  void on_alert(const OrientedFlow& f, const MiningSession&, Timestamp) override { alerts.push_back(f); }
  void on_session(const OrientedFlow& f, const MiningSession& s) override {
    sessions.push_back({f, s.family(), s.shares(), s.agent(), s.login(), s.pool_host(), s.difficulty(), s.messages()});
  }
};

IpAddress ip(const char* s) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::parse(s, a));
  return a;
}

// A scripted TCP connection between a client and a server, producing PacketViews.
class Conn {
 public:
  Conn(Engine& e, const char* client, std::uint16_t cport, const char* server, std::uint16_t sport)
      : e_(e), c_(ip(client)), s_(ip(server)), cport_(cport), sport_(sport) {}

  void handshake() {
    send(true, "", tf::kSyn, 0);
    cseq_ = 1001;
    send(false, "", tf::kSyn | tf::kAck, 0);
    sseq_ = 5001;
    send(true, "", tf::kAck, 0);
  }
  // Sends `data` from the client (or server), optionally cut into pieces of `chunk` bytes.
  void data(bool from_client, std::string_view d, std::size_t chunk = 0) {
    if (chunk == 0) chunk = d.size();
    for (std::size_t off = 0; off < d.size(); off += chunk)
      send(from_client, d.substr(off, chunk), tf::kAck | tf::kPsh, 0);
  }
  // Sends at an explicit stream offset without advancing (for reordering tests).
  void raw(bool from_client, std::uint32_t seq, std::string_view d) {
    PacketView p = base(from_client);
    p.seq = seq;
    p.tcp_flags = tf::kAck;
    p.payload = {reinterpret_cast<const std::uint8_t*>(d.data()), d.size()};
    e_.process(p);
  }
  void fin() {
    send(true, "", tf::kFin | tf::kAck, 1);
    send(false, "", tf::kFin | tf::kAck, 1);
  }
  std::uint32_t& cseq() { return cseq_; }
  std::uint32_t& sseq() { return sseq_; }
  void advance(double seconds) { t_ += static_cast<std::int64_t>(seconds * 1e9); }

 private:
  PacketView base(bool from_client) {
    PacketView p;
    t_ += 1000;
    p.ts = Timestamp{t_};
    p.src = from_client ? c_ : s_;
    p.dst = from_client ? s_ : c_;
    p.sport = from_client ? cport_ : sport_;
    p.dport = from_client ? sport_ : cport_;
    p.proto = decode::kProtoTcp;
    return p;
  }
  void send(bool from_client, std::string_view d, std::uint8_t flags, std::uint32_t consume) {
    PacketView p = base(from_client);
    std::uint32_t& seq = from_client ? cseq_ : sseq_;
    p.seq = (flags & tf::kSyn) ? (from_client ? 1000u : 5000u) : seq;
    p.tcp_flags = flags;
    p.payload = {reinterpret_cast<const std::uint8_t*>(d.data()), d.size()};
    p.wire_len = static_cast<std::uint32_t>(54 + d.size());
    e_.process(p);
    seq += static_cast<std::uint32_t>(d.size()) + consume;
  }

  Engine& e_;
  IpAddress c_, s_;
  std::uint16_t cport_, sport_;
  std::uint32_t cseq_ = 1000, sseq_ = 5000;
  std::int64_t t_ = 1'600'000'000'000'000'000;
};

constexpr std::string_view kSubscribe = R"({"id": 1, "method": "mining.subscribe", "params": ["cgminer/4.10.0"]})"
                                        "\n";
constexpr std::string_view kSubscribeResult =
    R"({"id":1,"result":[[["mining.set_difficulty","1"],["mining.notify","1"]],"08000002",4],"error":null})"
    "\n";
constexpr std::string_view kAuthorize = R"({"params": ["wallet1.rig7", "x"], "id": 2, "method": "mining.authorize"})"
                                        "\n";
constexpr std::string_view kSetDifficulty = R"({"id":null,"method":"mining.set_difficulty","params":[16384]})"
                                            "\n";
constexpr std::string_view kNotify =
    R"({"params":["bf","4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000","01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20020862062f503253482f04b8864e5008","072f736c7573682f000000000100f2052a010000001976a914d23fcdf86f7e756a64a7a9688ef9903327048ed988ac00000000",[],"00000002","1c2ac4af","504e86b9",false],"id":null,"method":"mining.notify"})"
    "\n";
constexpr std::string_view kSubmit =
    R"({"params":["wallet1.rig7","bf","00000001","504e86ed","b2957c02"],"id":4,"method":"mining.submit"})"
    "\n";
constexpr std::string_view kTrue = R"({"error":null,"id":4,"result":true})"
                                   "\n";

class EngineTest : public ::testing::Test {
 protected:
  RecordingSink sink;
  AnomalyCounters anomalies;
  Engine engine{EngineConfig{}, sink, anomalies};
};

TEST_F(EngineTest, ReportsAStratumSessionWithMinerAsSourceAndCountsShares) {
  Conn c(engine, "10.0.0.5", 40000, "198.51.100.7", 3333);
  c.handshake();
  c.data(true, kSubscribe);
  c.data(false, kSubscribeResult);
  c.data(true, kAuthorize);
  c.data(false, kSetDifficulty);
  c.data(false, kNotify);
  c.data(true, kSubmit);
  c.data(false, kTrue);
  c.fin();
  engine.finish();
  ASSERT_EQ(sink.sessions.size(), 1u);
  const auto& s = sink.sessions[0];
  EXPECT_EQ(s.flow.miner, ip("10.0.0.5"));
  EXPECT_EQ(s.flow.pool, ip("198.51.100.7"));
  EXPECT_EQ(s.flow.pool_port, 3333);
  EXPECT_EQ(s.family, protocols::Family::Stratum);
  EXPECT_EQ(s.agent, "cgminer/4.10.0");
  EXPECT_EQ(s.login, "wallet1.rig7");
  EXPECT_EQ(s.shares.submitted, 1u);
  EXPECT_EQ(s.shares.accepted, 1u);
  EXPECT_DOUBLE_EQ(s.difficulty, 16384);
  ASSERT_EQ(sink.alerts.size(), 1u);
  EXPECT_EQ(sink.alerts[0].miner, ip("10.0.0.5"));
}

TEST_F(EngineTest, FindsMessagesSplitIntoTinySegments) {
  Conn c(engine, "10.0.0.5", 40000, "198.51.100.7", 3333);
  c.handshake();
  c.data(true, kSubscribe, 7);
  c.data(false, kSubscribeResult, 5);
  engine.finish();
  ASSERT_EQ(sink.sessions.size(), 1u);
  EXPECT_EQ(sink.sessions[0].agent, "cgminer/4.10.0");
}

TEST_F(EngineTest, ReassemblesOutOfOrderSegmentsBeforeParsing) {
  Conn c(engine, "10.0.0.5", 40000, "198.51.100.7", 3333);
  c.handshake();
  std::uint32_t start = c.cseq();
  std::string_view first = kSubscribe.substr(0, 30), second = kSubscribe.substr(30);
  c.raw(true, start + 30, second);
  c.raw(true, start, first);
  engine.finish();
  ASSERT_EQ(sink.sessions.size(), 1u);
  EXPECT_EQ(sink.sessions[0].agent, "cgminer/4.10.0");
}

TEST_F(EngineTest, InfersTheMinerFromPoolMessagesWhenTheCaptureStartsMidSession) {
  // No handshake, no subscribe: the pool (low port) pushes notify, the miner submits.
  Conn c(engine, "10.0.0.9", 51000, "198.51.100.8", 3333);
  c.data(false, std::string("n\",\"00000001\"]}\n") + std::string(kNotify));  // starts mid-line
  c.data(false, kNotify);
  engine.finish();
  ASSERT_EQ(sink.sessions.size(), 1u);
  EXPECT_EQ(sink.sessions[0].flow.miner, ip("10.0.0.9"));
  EXPECT_EQ(sink.sessions[0].flow.pool, ip("198.51.100.8"));
}

TEST_F(EngineTest, InfersTheMinerEvenWhenThePoolUsesAHighPort) {
  Conn c(engine, "10.0.0.9", 80, "198.51.100.8", 45000);  // odd ports: only the messages tell
  c.data(true, kSubmit);
  c.data(false, kNotify);
  engine.finish();
  ASSERT_EQ(sink.sessions.size(), 1u);
  EXPECT_EQ(sink.sessions[0].flow.miner, ip("10.0.0.9"));
}

TEST_F(EngineTest, StaysSilentOnElectrumJsonRpc) {
  Conn c(engine, "10.0.0.5", 40001, "198.51.100.9", 50001);
  c.handshake();
  for (int i = 0; i < 20; ++i) {
    c.data(true, R"({"jsonrpc":"2.0","method":"server.version","params":["electrum/4.4.6","1.4"],"id":0})"
                 "\n");
    c.data(false, R"({"jsonrpc":"2.0","result":["ElectrumX 1.16.0","1.4"],"id":0})"
                  "\n");
    c.data(
        true,
        R"({"jsonrpc":"2.0","method":"blockchain.scripthash.subscribe","params":["8b01df4e368ea28f8dc0423bcf7a4923e3a12d307c875e47a0cfbf90b5c39161"],"id":1})"
        "\n");
    c.data(false, R"({"jsonrpc":"2.0","result":true,"id":1})"
                  "\n");
  }
  c.fin();
  engine.finish();
  EXPECT_TRUE(sink.sessions.empty());
  EXPECT_TRUE(sink.alerts.empty());
}

TEST_F(EngineTest, RejectsBinaryFlowsAtOnceAndNeverReportsThem) {
  Conn c(engine, "10.0.0.5", 40002, "198.51.100.10", 3333);
  c.handshake();
  c.data(true, std::string_view("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
  c.data(true, kSubscribe);  // anything after a rejected start is no longer inspected
  engine.finish();
  EXPECT_TRUE(sink.sessions.empty());
}

TEST_F(EngineTest, EmitsOneAlertPerMinerHostButOneRecordPerSession) {
  for (std::uint16_t port = 40000; port < 40003; ++port) {
    Conn c(engine, "10.0.0.5", port, "198.51.100.7", 3333);
    c.handshake();
    c.data(true, kSubscribe);
    c.fin();
  }
  engine.finish();
  EXPECT_EQ(sink.sessions.size(), 3u);
  EXPECT_EQ(sink.alerts.size(), 1u);
}

TEST_F(EngineTest, EndsIdleFlowsByPacketTime) {
  Conn c(engine, "10.0.0.5", 40000, "198.51.100.7", 3333);
  c.handshake();
  c.data(true, kSubscribe);
  Conn other(engine, "10.0.0.6", 40000, "198.51.100.70", 443);
  other.advance(3600);
  for (int i = 0; i < 2000; ++i) other.data(true, "x");  // time passes in another flow
  EXPECT_EQ(sink.sessions.size(), 1u) << "the idle mining flow ended before the end of input";
}

}  // namespace
}  // namespace minewatch::detect

namespace minewatch::detect {
namespace {

TEST_F(EngineTest, FindsGetworkOverHttpWhenTheCaptureJoinsInTheMiddleOfAResponseBody) {
  Conn c(engine, "10.0.0.7", 52000, "198.51.100.11", 8332);
  c.data(false, R"(00000000000000000000000000000000"},"error":null,"id":25})");  // tail of a body, no newline
  c.data(
      true,
      "POST / HTTP/1.1\r\nHost: pool.example:8332\r\nUser-Agent: bfgminer/5.5.0\r\nContent-Type: application/json\r\n"
      "X-Mining-Extensions: longpoll midstate rollntime\r\nContent-Length: 41\r\n\r\n"
      R"({"method":"getwork","params":[],"id":377})");
  c.data(false,
         "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 34\r\nX-Long-Polling: /LP\r\n\r\n"
         R"({"result":true,"error":null,"id":1})");
  engine.finish();
  ASSERT_EQ(sink.sessions.size(), 1u);
  EXPECT_EQ(sink.sessions[0].family, protocols::Family::HttpGetwork);
  EXPECT_EQ(sink.sessions[0].flow.miner, ip("10.0.0.7"));
  EXPECT_EQ(sink.sessions[0].agent, "bfgminer/5.5.0");
}

// HTTP is parsed where the segments lie and only a message cut across them is held: the session must
// not depend on where the cuts fall, down to one byte per segment (a direction's framing waits until
// its first bytes can tell). Two pipelined getwork requests, responses with bodies, and a junk line
// the parser resynchronises after.
TEST(EngineHttp, TheSessionIsTheSameWhereverTheSegmentsAreCut) {
  const std::string body1 = R"({"method":"getwork","params":[],"id":1})";
  const std::string body2 = R"({"method":"getwork","params":["00000001deadbeef"],"id":2})";
  const std::string request =
      "POST / HTTP/1.1\r\nHost: pool.example:8332\r\nUser-Agent: cgminer/4.10.0\r\n"
      "Authorization: Basic cmlnNy53b3JrZXI6eA==\r\nContent-Type: application/json\r\n"
      "X-Mining-Extensions: longpoll midstate rollntime\r\n"
      "Content-Length: ";
  const std::string client = request + std::to_string(body1.size()) + "\r\n\r\n" + body1 + request +
                             std::to_string(body2.size()) + "\r\n\r\n" + body2;
  const std::string reply =
      R"({"result":{"data":"00000001","target":"ffffffffffffffffffffffffffffffffffffffffffffffffffffffff00000000"},"error":null,"id":1})";
  const std::string server =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Long-Polling: /LP\r\nContent-Length: " +
      std::to_string(reply.size()) + "\r\n\r\n" + reply + "garbage\r\n" +
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  auto run = [&](std::size_t chunk) {
    RecordingSink sink;
    AnomalyCounters anomalies;
    Engine engine{EngineConfig{}, sink, anomalies};
    Conn c(engine, "10.0.0.9", 52002, "198.51.100.12", 8332);
    c.handshake();
    c.data(true, client, chunk);
    c.data(false, server, chunk);
    c.fin();
    engine.finish();
    return sink.sessions;
  };
  const auto whole = run(0);
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].family, protocols::Family::HttpGetwork);
  EXPECT_EQ(whole[0].agent, "cgminer/4.10.0");
  EXPECT_EQ(whole[0].login, "rig7.worker");
  for (std::size_t chunk : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 13u, 50u, 113u, 200u, 333u}) {
    SCOPED_TRACE(chunk);
    const auto cut = run(chunk);
    ASSERT_EQ(cut.size(), 1u);
    EXPECT_EQ(cut[0].family, whole[0].family);
    EXPECT_EQ(cut[0].agent, whole[0].agent);
    EXPECT_EQ(cut[0].login, whole[0].login);
    EXPECT_EQ(cut[0].messages, whole[0].messages);
  }
}

TEST_F(EngineTest, StaysSilentOnEthereumNodeWeb3RpcOverHttp) {
  Conn c(engine, "10.0.0.8", 52001, "127.0.0.1", 8545);
  c.handshake();
  std::string body = R"({"jsonrpc":"2.0","method":"web3_clientVersion","params":[],"id":67})";
  c.data(true, "POST / HTTP/1.1\r\nHost: localhost:8545\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string reply = R"({"jsonrpc":"2.0","id":67,"result":"Geth/v1.10.26-stable/linux-amd64/go1.19.5"})";
  c.data(false, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(reply.size()) +
                    "\r\n\r\n" + reply);
  c.fin();
  engine.finish();
  EXPECT_TRUE(sink.sessions.empty());
}

}  // namespace
}  // namespace minewatch::detect

namespace minewatch::detect {
namespace {

// A minimal TLS 1.2 ClientHello record carrying one server_name extension.
std::string client_hello(std::string_view sni) {
  auto u16 = [](std::string& s, std::size_t v) {
    s += static_cast<char>((v >> 8) & 0xff);
    s += static_cast<char>(v & 0xff);
  };
  std::string ext;
  u16(ext, 0x0000);  // server_name
  u16(ext, sni.size() + 5);
  u16(ext, sni.size() + 3);
  ext += '\0';  // host_name
  u16(ext, sni.size());
  ext += sni;
  std::string body;
  u16(body, 0x0303);
  body += std::string(32, '\x11');  // random
  body += '\0';                     // session id
  u16(body, 4);
  u16(body, 0x1301);
  u16(body, 0xc02f);
  body += '\x01';
  body += '\0';  // compression: null
  u16(body, ext.size());
  body += ext;
  std::string hs;
  hs += '\x01';
  hs += '\0';
  u16(hs, body.size());
  hs += body;
  std::string rec = "\x16\x03\x01";
  u16(rec, hs.size());
  return rec + hs;
}

TEST_F(EngineTest, ReportsATlsSessionWhoseServerNameIsAKnownPool) {
  // Split across segments of 40 bytes, and of one byte: the first byte alone cannot say it is TLS.
  for (std::size_t chunk : {40u, 1u}) {
    SCOPED_TRACE(chunk);
    RecordingSink out;
    Engine e{EngineConfig{}, out, anomalies};
    Conn c(e, "10.0.0.20", 50000, "198.51.100.20", 443);
    c.handshake();
    std::string hello = client_hello("gulf.moneroocean.stream");
    c.data(true, hello, chunk);
    c.data(false, std::string_view("\x16\x03\x03\x00\x02\x02\x00", 7));
    c.data(true, std::string_view("\x17\x03\x03\x00\x03"
                                  "abc",
                                  8));
    c.fin();
    e.finish();
    ASSERT_EQ(out.sessions.size(), 1u);
    EXPECT_EQ(out.sessions[0].family, protocols::Family::Tls);
    EXPECT_EQ(out.sessions[0].flow.miner, ip("10.0.0.20"));
    EXPECT_EQ(out.sessions[0].pool_host, "gulf.moneroocean.stream");
  }
}

TEST_F(EngineTest, StaysSilentOnTlsToOrdinaryOrAllowListedSites) {
  for (std::string_view sni : {"www.example.com", "api.binance.com", ""}) {
    Conn c(engine, "10.0.0.21", 50001, "198.51.100.21", 443);
    c.handshake();
    c.data(true, client_hello(sni));
    c.data(false, std::string_view("\x16\x03\x03\x00\x02\x02\x00", 7));
    c.fin();
  }
  engine.finish();
  EXPECT_TRUE(sink.sessions.empty());
  EXPECT_TRUE(sink.alerts.empty());
}

TEST_F(EngineTest, RaisesAnIntentAlertForTheHostThatLooksUpAPoolName) {
  // DNS query: id, flags RD, 1 question "xmr.supportxmr.com" A IN.
  std::string q = std::string("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12) +
                  "\x03"
                  "xmr"
                  "\x0a"
                  "supportxmr"
                  "\x03"
                  "com" +
                  std::string("\x00\x00\x01\x00\x01", 5);
  PacketView p;
  p.ts = Timestamp{1'600'000'000'000'000'000};
  p.src = ip("10.0.0.30");
  p.dst = ip("10.0.0.1");
  p.sport = 40000;
  p.dport = 53;
  p.proto = decode::kProtoUdp;
  p.payload = {reinterpret_cast<const std::uint8_t*>(q.data()), q.size()};
  engine.process(p);
  engine.process(p);  // a retry: still one alert
  engine.finish();
  ASSERT_EQ(sink.alerts.size(), 1u);
  EXPECT_EQ(sink.alerts[0].miner, ip("10.0.0.30"));
  EXPECT_TRUE(sink.sessions.empty()) << "a lookup is intent, not a session";
}

}  // namespace
}  // namespace minewatch::detect
