#include "protocols/sv2/sv2_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detect/flow_inspector.hpp"
#include "protocols/sv2/sv2_test_frames.hpp"

namespace minewatch::protocols::sv2 {
namespace {

using Bytes = std::vector<std::uint8_t>;
namespace t = testing;

struct Recorder final : Sv2Handler {
  struct Seen {
    Direction dir;
    MessageKind kind;
    std::string login, host, agent, variant;
    double difficulty;
  };
  std::vector<Seen> seen;
  std::vector<Anomaly> anomalies;
  void on_sv2_message(Direction dir, const MiningMessage& m) override {
    EXPECT_EQ(m.family, Family::Stratum2);
    seen.push_back({dir, m.kind, std::string{m.login}, std::string{m.pool_host}, std::string{m.agent},
                    std::string{m.protocol_variant}, m.difficulty});
  }
  void on_sv2_anomaly(Anomaly a) override { anomalies.push_back(a); }
};

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes filled(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 37);
  return b;
}

constexpr auto kUp = Direction::AtoB;
constexpr auto kDown = Direction::BtoA;

TEST(Sv2Parser, ParsesASetupConnectionStrictly) {
  Bytes f = t::setup_connection();
  FrameHeader h;
  ASSERT_TRUE(read_frame_header(f, h));
  EXPECT_EQ(h.extension_type, 0);
  EXPECT_EQ(h.msg_type, msg::kSetupConnection);
  EXPECT_EQ(h.length, f.size() - kFrameHeaderBytes);
  SetupConnection sc;
  ASSERT_TRUE(parse_setup_connection(std::span(f).subspan(kFrameHeaderBytes), sc));
  EXPECT_EQ(sc.protocol, 0);
  EXPECT_EQ(sc.min_version, 2);
  EXPECT_EQ(sc.endpoint_host, "pool.example.org");
  EXPECT_EQ(sc.endpoint_port, 34254);
  EXPECT_EQ(sc.vendor, "Bitmain");
  EXPECT_EQ(sc.firmware, "braiins-os-2024");

  Bytes trailing = f;
  trailing.push_back(0);
  EXPECT_FALSE(parse_setup_connection(std::span(trailing).subspan(kFrameHeaderBytes), sc));
  Bytes bad_protocol = t::setup_connection(9);
  EXPECT_FALSE(parse_setup_connection(std::span(bad_protocol).subspan(kFrameHeaderBytes), sc));
  Bytes control_chars = t::setup_connection(0, std::string_view("po\x01l", 4));
  EXPECT_FALSE(parse_setup_connection(std::span(control_chars).subspan(kFrameHeaderBytes), sc));
  Bytes zero_version = t::setup_connection();
  zero_version[kFrameHeaderBytes + 1] = 0;
  zero_version[kFrameHeaderBytes + 2] = 0;
  EXPECT_FALSE(parse_setup_connection(std::span(zero_version).subspan(kFrameHeaderBytes), sc));
}

TEST(Sv2Parser, FollowsAPlaintextMiningSessionDeliveredByteByByte) {
  Bytes up = concat({t::setup_connection(), t::open_standard_channel("alice.rig1"), t::submit_shares_standard(1),
                     t::submit_shares_standard(2)});
  Bytes down = concat({t::setup_success(), t::open_channel_success(), t::new_mining_job(5)});
  Sv2Stream s(kUp);
  Recorder r;
  ASSERT_TRUE(Sv2Stream::may_start(up));
  // SetupConnection first, then its answer, then the rest interleaved one byte at a time.
  std::size_t setup = t::setup_connection().size();
  for (std::size_t i = 0; i < setup; ++i) s.feed(kUp, std::span(up).subspan(i, 1), r);
  EXPECT_EQ(s.state(), Sv2Stream::State::Plain);
  for (std::size_t i = 0; i < std::max(up.size(), down.size()); ++i) {
    if (i < down.size()) s.feed(kDown, std::span(down).subspan(i, 1), r);
    if (setup + i < up.size()) s.feed(kUp, std::span(up).subspan(setup + i, 1), r);
  }
  EXPECT_TRUE(r.anomalies.empty());
  std::vector<MessageKind> up_kinds, down_kinds;
  for (const auto& m : r.seen) (m.dir == kUp ? up_kinds : down_kinds).push_back(m.kind);
  EXPECT_EQ(up_kinds, (std::vector<MessageKind>{MessageKind::Subscribe, MessageKind::Authorize, MessageKind::Submit,
                                                MessageKind::Submit}));
  EXPECT_EQ(down_kinds,
            (std::vector<MessageKind>{MessageKind::Result, MessageKind::SubscribeResult, MessageKind::Notify}));
  EXPECT_EQ(r.seen[0].host, "pool.example.org");
  EXPECT_EQ(r.seen[0].agent, "Bitmain");
  bool login_seen = false;
  for (const auto& m : r.seen) login_seen |= m.login == "alice.rig1";
  EXPECT_TRUE(login_seen);
  for (const auto& m : r.seen) {
    if (m.kind == MessageKind::SubscribeResult) {
      EXPECT_NEAR(m.difficulty, 1.0, 1e-6);  // a 2^224 target is difficulty 1
    }
  }
}

TEST(Sv2Parser, ASetupConnectionForTemplateDistributionIsNotMining) {
  Bytes f = t::setup_connection(2);
  FrameHeader h;
  ASSERT_TRUE(read_frame_header(f, h));
  MiningMessage m;
  Anomaly a{};
  EXPECT_EQ(interpret_frame(h, std::span(f).subspan(kFrameHeaderBytes), m, a), ParseStatus::NotMining);
}

TEST(Sv2Parser, AKnownMessageWithTheWrongLayoutIsMalformed) {
  Bytes f = t::frame(0x8000, msg::kSubmitSharesStandard, filled(23, 1));
  FrameHeader h;
  ASSERT_TRUE(read_frame_header(f, h));
  MiningMessage m;
  Anomaly a{};
  EXPECT_EQ(interpret_frame(h, std::span(f).subspan(kFrameHeaderBytes), m, a), ParseStatus::Malformed);
  EXPECT_EQ(a, Anomaly::Sv2BadMessage);
}

// Noise NX: 64-byte key, 234-byte answer, encrypted SetupConnection (22 + n + 16), 44-byte Success.
void feed_turns(Sv2Stream& s, Recorder& r, std::initializer_list<std::size_t> turns, std::size_t chunk = 1000) {
  Direction d = kUp;
  std::uint8_t seed = 3;
  for (std::size_t n : turns) {
    Bytes b = filled(n, seed++);
    for (std::size_t i = 0; i < n; i += chunk) s.feed(d, std::span(b).subspan(i, std::min(chunk, n - i)), r);
    d = d == kUp ? kDown : kUp;
  }
}

TEST(Sv2Parser, RecognisesTheNoiseHandshakeShape) {
  Sv2Stream s(kUp);
  Recorder r;
  feed_turns(s, r, {64, 234, 22 + 80 + 16, 44, 22 + 60 + 16}, 7);
  ASSERT_EQ(r.seen.size(), 1u);
  EXPECT_EQ(r.seen[0].kind, MessageKind::EncryptedHandshake);
  EXPECT_EQ(r.seen[0].dir, kUp);
  EXPECT_EQ(r.seen[0].variant, "Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256");
  EXPECT_EQ(s.state(), Sv2Stream::State::Noise);
}

TEST(Sv2Parser, AHandshakeThatEndsAfterActTwoStillHasTheShape) {
  Sv2Stream s(kUp);
  Recorder r;
  feed_turns(s, r, {64, 234});
  EXPECT_TRUE(r.seen.empty());
  s.finish(r);
  ASSERT_EQ(r.seen.size(), 1u);
  EXPECT_EQ(r.seen[0].kind, MessageKind::EncryptedHandshake);
}

TEST(Sv2Parser, OtherSixtyFourByteOpeningsAreRejected) {
  struct Case {
    const char* what;
    std::initializer_list<std::size_t> turns;
  };
  // BIP324 v2 P2P: 64-byte key (no garbage) answered by key + garbage + terminator + version packet.
  for (const Case& c :
       {Case{"bip324 responder with garbage", {64, 64 + 100 + 16 + 20, 36, 60}},
        Case{"bip324 act two exactly 234, short act three", {64, 234, 36, 60}},
        Case{"first message 65 bytes", {65, 234, 118, 44}}, Case{"first message 63 bytes", {63, 234, 118, 44}},
        Case{"answer 233 bytes", {64, 233, 118, 44}}, Case{"setup answer far too long", {64, 234, 118, 900, 100}},
        Case{"setup answer too short", {64, 234, 118, 20, 100}}}) {
    Sv2Stream s(kUp);
    Recorder r;
    feed_turns(s, r, c.turns);
    s.finish(r);
    EXPECT_TRUE(r.seen.empty()) << c.what;
  }
}

TEST(Sv2Parser, MayStartOnlyForShortOpeningsOrASetupConnectionHeader) {
  EXPECT_TRUE(Sv2Stream::may_start(filled(64, 1)));
  EXPECT_FALSE(Sv2Stream::may_start(filled(65, 1)));
  Bytes setup = t::setup_connection();
  setup.resize(200, 0);
  EXPECT_TRUE(Sv2Stream::may_start(setup));
  setup[2] = 0x10;
  EXPECT_FALSE(Sv2Stream::may_start(setup));
}

// Through the flow inspector: plaintext is a mining session, the handshake shape alone is not.
struct InspectorRun {
  detect::InspectContext ctx;
  AnomalyCounters anomalies;
  detect::FlowInspector insp{ctx};
  InspectorRun() { ctx.anomalies = &anomalies; }
  void send(Direction d, const Bytes& b) { insp.on_data(d, b, Timestamp{1}); }
};

TEST(Sv2Inspector, PlaintextStratumV2IsAMiningSession) {
  InspectorRun run;
  run.send(kUp, t::setup_connection());
  run.send(kDown, t::setup_success());
  run.send(kUp, t::open_standard_channel("bob.worker7"));
  run.send(kDown, concat({t::open_channel_success(), t::new_mining_job(1)}));
  run.send(kUp, t::submit_shares_standard(1));
  ASSERT_EQ(run.insp.state(), detect::AppState::Mining);
  const auto* s = run.insp.session();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->family(), Family::Stratum2);
  EXPECT_EQ(s->login(), "bob.worker7");
  EXPECT_EQ(s->pool_host(), "pool.example.org");
  EXPECT_EQ(s->shares().submitted, 1u);
  EXPECT_EQ(s->miner_to_pool_direction(), kUp);
  std::vector<std::string> kinds;
  for (const auto& e : s->evidence()) kinds.push_back(e.kind);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "stratum2.SetupConnection"), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "stratum2.OpenMiningChannel"), kinds.end());
}

TEST(Sv2Inspector, TheNoiseShapeAloneIsEvidenceButNeverAnAlert) {
  InspectorRun run;
  std::uint8_t seed = 9;
  Direction d = kUp;
  for (std::size_t n : {64, 234, 118, 44, 98, 300, 2000, 4000}) {
    run.send(d, filled(n, seed++));
    d = d == kUp ? kDown : kUp;
  }
  for (int i = 0; i < 40; ++i) run.send(i % 2 ? kDown : kUp, filled(1400, static_cast<std::uint8_t>(i)));
  EXPECT_EQ(run.insp.state(), detect::AppState::Undecided);  // kept past the byte budget, not mining
  const auto* s = run.insp.session();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->family(), Family::Stratum2);
  EXPECT_DOUBLE_EQ(s->confidence(), 0.5);
  EXPECT_FALSE(s->is_mining(run.ctx.config.alert_threshold));
  ASSERT_EQ(s->evidence().size(), 1u);
  EXPECT_EQ(s->evidence()[0].kind, "stratum2.shape");
  EXPECT_TRUE(s->evidence()[0].is_signal);
  EXPECT_EQ(s->protocol_variant(), "Noise_NX_Secp256k1+EllSwift_ChaChaPoly_SHA256");
  EXPECT_EQ(s->miner_to_pool_direction(), kUp);
}

// The shape's weight is the fusion config's stratum_v2_shape, like every other signal's.
TEST(Sv2Inspector, TheNoiseShapeIsWeightedByTheFusionConfig) {
  for (double w : {0.2, 0.65}) {
    InspectorRun run;
    run.ctx.config.fusion.stratum_v2_shape = w;
    std::uint8_t seed = 9;
    Direction d = kUp;
    for (std::size_t n : {64, 234, 118, 44, 98, 300}) {
      run.send(d, filled(n, seed++));
      d = d == kUp ? kDown : kUp;
    }
    const auto* s = run.insp.session();
    ASSERT_NE(s, nullptr) << w;
    EXPECT_DOUBLE_EQ(s->confidence(), w);
    EXPECT_TRUE(s->has_signal(detect::Signal::StratumV2Shape));
    EXPECT_FALSE(s->is_mining(run.ctx.config.alert_threshold));
  }
  InspectorRun off;
  off.ctx.config.fusion.stratum_v2_shape = 0.0;
  std::uint8_t seed = 9;
  Direction d = kUp;
  for (std::size_t n : {64, 234, 118, 44, 98, 300}) {
    off.send(d, filled(n, seed++));
    d = d == kUp ? kDown : kUp;
  }
  EXPECT_EQ(off.insp.session(), nullptr) << "weight 0 turns the shape off";
  EXPECT_NE(off.insp.state(), detect::AppState::Mining);
}

TEST(Sv2Inspector, OtherBinaryFlowsAreStillRejectedAndFreed) {
  InspectorRun a;
  a.send(kUp, filled(300, 1));  // longer than act one, not a SetupConnection
  EXPECT_EQ(a.insp.state(), detect::AppState::Rejected);
  InspectorRun b;
  b.send(kUp, filled(64, 1));
  b.send(kDown, filled(100, 2));  // not 234
  b.send(kUp, filled(30, 3));
  EXPECT_EQ(b.insp.state(), detect::AppState::Rejected);
  InspectorRun c;  // binary only after text: not a flow start
  c.send(kUp, Bytes{'h', 'i', '\n'});
  c.send(kDown, filled(64, 1));
  EXPECT_EQ(c.insp.state(), detect::AppState::Rejected);
}

}  // namespace
}  // namespace minewatch::protocols::sv2
