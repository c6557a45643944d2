// The engine's hook for the flow-behaviour model: which flows are sampled and scored, when, and that a
// score alone never raises an alert.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detect/engine.hpp"
#include "model/flow_features.hpp"

namespace minewatch::detect {
namespace {

using decode::PacketView;
namespace tf = decode::tcp_flags;

struct Sink final : EventSink {
  std::vector<OrientedFlow> alerts, sessions;
  void on_alert(const OrientedFlow& f, const MiningSession&, Timestamp) override { alerts.push_back(f); }
  void on_session(const OrientedFlow& f, const MiningSession&) override { sessions.push_back(f); }
};

// One TCP connection from 10.1.0.3:43812 to 203.0.113.9:443 with explicit packet times (ms).
class Flow {
 public:
  explicit Flow(Engine& e) : e_(e) {
    IpAddress::parse("10.1.0.3", c_);
    IpAddress::parse("203.0.113.9", s_);
  }
  void handshake() {
    send(true, 0, tf::kSyn, 0);
    send(false, 0, tf::kSyn | tf::kAck, 0);
    send(true, 0, tf::kAck, 0);
  }
  // `bytes` of opaque (TLS application-data-like) payload at `ms` milliseconds.
  void send(bool from_client, std::size_t bytes, std::uint8_t flags, std::int64_t ms, std::string_view text = {}) {
    PacketView p;
    p.ts = Timestamp{1'700'000'000'000'000'000LL + ms * 1'000'000LL + 17};
    p.src = from_client ? c_ : s_;
    p.dst = from_client ? s_ : c_;
    p.sport = from_client ? 43812 : 443;
    p.dport = from_client ? 443 : 43812;
    p.proto = decode::kProtoTcp;
    p.tcp_flags = flags;
    std::uint32_t& seq = from_client ? cseq_ : sseq_;
    p.seq = seq;
    payload_.assign(bytes, 0x17);
    if (bytes >= 3) payload_[1] = 0x03, payload_[2] = 0x03;
    if (!text.empty()) payload_.assign(text.begin(), text.end());
    p.payload = {payload_.data(), payload_.size()};
    p.payload_wire_len = static_cast<std::uint32_t>(bytes);
    seq += static_cast<std::uint32_t>(bytes) + ((flags & tf::kSyn) ? 1u : 0u);
    e_.process(p);
  }
  void data(bool from_client, std::size_t bytes, std::int64_t ms) { send(from_client, bytes, tf::kAck | tf::kPsh, ms); }
  void text(bool from_client, std::string_view d, std::int64_t ms) {
    send(from_client, d.size(), tf::kAck | tf::kPsh, ms, d);
  }

 private:
  Engine& e_;
  IpAddress c_, s_;
  std::uint32_t cseq_ = 1000, sseq_ = 5000;
  std::vector<std::uint8_t> payload_;
};

// A CryptoNote-miner-shaped exchange (login, job, then jobs pushed every few seconds and shares),
// written as (from_client, size, ms); the shipped model scores it far above its threshold.
struct Pkt {
  bool up;
  std::size_t size;
  std::int64_t ms;
};
std::vector<Pkt> miner_shape() {
  std::vector<Pkt> v;
  std::int64_t t = 0;
  for (int round = 0; round < 3; ++round) {
    v.push_back({true, 187, t});
    v.push_back({false, 61, t + 21});
    t += 21;
    for (int k = 0; k < 8; ++k) {
      t += 2000 + ((static_cast<std::int64_t>(v.size()) - 2) * 37) % 900;
      v.push_back({false, 276, t});
    }
    t += 500 + ((static_cast<std::int64_t>(v.size()) - 2) * 37) % 900;
  }
  return v;
}

double model_score_of(const std::vector<Pkt>& pkts, std::uint64_t up, std::uint64_t down) {
  model::FlowSample s;
  for (const Pkt& p : pkts) s.add_ms(p.up, static_cast<std::uint32_t>(p.size), p.ms);
  return model::FlowModel::embedded().score(model::compute_features(s, up, down));
}

TEST(EngineFlowModel, ScoresAnEncryptedFlowOnceAtItsThirtiethPayloadPacketAndNeverAlertsOnTheScoreAlone) {
  auto pkts = miner_shape();
  ASSERT_EQ(pkts.size(), 30u);
  ASSERT_GE(model_score_of(pkts, 0, 0), model::FlowModel::embedded().threshold()) << "pattern no longer positive";
  Sink sink;
  AnomalyCounters anomalies;
  Engine engine(EngineConfig{}, sink, anomalies);
  Flow f(engine);
  f.handshake();
  for (const Pkt& p : pkts) f.data(p.up, p.size, p.ms);
  EXPECT_EQ(engine.stats().flows_model_scored, 1u);
  EXPECT_EQ(engine.stats().flows_model_positive, 1u);
  for (int k = 0; k < 20; ++k) f.data(k % 2 == 0, 200, 100'000 + k * 1000);  // later packets change nothing
  engine.finish();
  EXPECT_EQ(engine.stats().flows_model_scored, 1u);
  EXPECT_TRUE(sink.alerts.empty());
  EXPECT_TRUE(sink.sessions.empty());
}

// Mining tunnelled through SSH: the banners are the only text, what follows is encrypted. The flow is
// no text protocol to read line by line (that judged it "readable" and kept the model away, and fed
// binary to the JSON parser): the model scores it like any encrypted flow, whatever the banners'
// segmenting, and the score alone still alerts on nothing.
TEST(EngineFlowModel, AnSshTunnelIsLeftToTheModelNotReadAsText) {
  for (bool one_byte_segments : {false, true}) {
    SCOPED_TRACE(one_byte_segments);
    Sink sink;
    AnomalyCounters anomalies;
    Engine engine(EngineConfig{}, sink, anomalies);
    Flow f(engine);
    f.handshake();
    auto banner = [&](bool from_client, std::string_view text, std::int64_t ms) {
      if (!one_byte_segments) return f.text(from_client, text, ms);
      for (std::size_t i = 0; i < text.size(); ++i) f.text(from_client, text.substr(i, 1), ms);
    };
    banner(false, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n", 0);
    banner(true, "SSH-2.0-OpenSSH_9.6\r\n", 1);
    std::vector<Pkt> pkts = miner_shape();
    pkts.resize(28);  // 30 payload packets with the two banners (sent whole)
    for (const Pkt& p : pkts) f.data(p.up, p.size, 10 + p.ms);
    engine.finish();
    EXPECT_EQ(engine.stats().flows_model_scored, 1u);
    // Banners in one-byte segments fill the sample (the first 30 payload packets) with them.
    EXPECT_EQ(engine.stats().flows_model_positive, one_byte_segments ? 0u : 1u);
    EXPECT_EQ(anomalies.get(Anomaly::JsonMalformed) + anomalies.get(Anomaly::JsonLineTooLong), 0u);
    EXPECT_TRUE(sink.alerts.empty());
    EXPECT_TRUE(sink.sessions.empty());
  }
}

TEST(EngineFlowModel, ShortFlowIsScoredAtItsEndWithItsCounters) {
  Sink sink;
  AnomalyCounters anomalies;
  Engine engine(EngineConfig{}, sink, anomalies);
  Flow f(engine);
  f.handshake();
  f.data(true, 517, 10);
  f.data(false, 1400, 40);
  f.data(false, 1300, 41);
  f.data(true, 80, 70);
  f.data(false, 300, 100);
  EXPECT_EQ(engine.stats().flows_model_scored, 0u);  // still open: wait for more packets or the end
  engine.finish();
  EXPECT_EQ(engine.stats().flows_model_scored, 1u);
  EXPECT_EQ(engine.stats().flows_model_positive, 0u);
}

TEST(EngineFlowModel, LongQuietFlowIsScoredWhenItsWindowCloses) {
  Sink sink;
  AnomalyCounters anomalies;
  Engine engine(EngineConfig{}, sink, anomalies);
  Flow f(engine);
  f.handshake();
  f.data(true, 100, 0);
  f.data(false, 40, 20);
  f.data(true, 100, 200'000);
  EXPECT_EQ(engine.stats().flows_model_scored, 0u);
  f.data(false, 40, 301'000);  // past the 300 s window: scored with the counters so far
  EXPECT_EQ(engine.stats().flows_model_scored, 1u);
}

TEST(EngineFlowModel, OneSamplePacketOrNoModelMeansNoScore) {
  Sink sink;
  AnomalyCounters anomalies;
  {
    Engine engine(EngineConfig{}, sink, anomalies);
    Flow f(engine);
    f.handshake();
    f.data(true, 100, 0);
    engine.finish();
    EXPECT_EQ(engine.stats().flows_model_scored, 0u);
  }
  {
    EngineConfig off;
    off.flow_model = nullptr;
    Engine engine(off, sink, anomalies);
    Flow f(engine);
    f.handshake();
    for (const Pkt& p : miner_shape()) f.data(p.up, p.size, p.ms);
    engine.finish();
    EXPECT_EQ(engine.stats().flows_model_scored, 0u);
  }
}

TEST(EngineFlowModel, ReadableFlowsAreLeftToTheirMessages) {
  Sink sink;
  AnomalyCounters anomalies;
  Engine engine(EngineConfig{}, sink, anomalies);
  Flow f(engine);
  f.handshake();
  for (int k = 0; k < 5; ++k) {
    f.text(true, "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n", k * 1000);
    f.text(false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", k * 1000 + 20);
  }
  engine.finish();
  EXPECT_EQ(engine.stats().flows_model_scored, 0u);
  EXPECT_TRUE(sink.alerts.empty());
}

}  // namespace
}  // namespace minewatch::detect
