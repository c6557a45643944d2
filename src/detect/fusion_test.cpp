// Evidence fusion end to end through the Engine: passive DNS ties encrypted flows to pool names,
// intel lists name pool endpoints, a confirmed miner's later flows to its pool are suspect, and one
// weak signal never raises an alert.
#include "detect/fusion.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "detect/engine.hpp"
#include "intel/passive_dns.hpp"

namespace minewatch::detect {
namespace {

using decode::PacketView;
namespace tf = decode::tcp_flags;

IpAddress ip(const char* s) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::parse(s, a));
  return a;
}

void u16(std::string& s, std::size_t v) {
  s += static_cast<char>((v >> 8) & 0xff);
  s += static_cast<char>(v & 0xff);
}

std::string wire_name(std::string_view name) {
  std::string out;
  while (!name.empty()) {
    auto dot = name.find('.');
    auto label = name.substr(0, dot);
    out += static_cast<char>(label.size());
    out += label;
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  out += '\0';
  return out;
}

// A DNS response: question `name` A, answered by a CNAME to `cname` (when given) and A `addr`.
std::string dns_response(std::string_view name, std::string_view cname, const char* addr, std::uint32_t ttl) {
  std::string m = std::string("\x12\x34\x81\x80\x00\x01", 6);
  u16(m, cname.empty() ? 1 : 2);
  m += std::string("\x00\x00\x00\x00", 4);
  m += wire_name(name);
  u16(m, 1);
  u16(m, 1);
  auto ttl32 = [&](std::string& s) {
    u16(s, ttl >> 16);
    u16(s, ttl & 0xffff);
  };
  std::string owner = "\xc0\x0c";
  if (!cname.empty()) {
    m += owner;
    u16(m, 5);
    u16(m, 1);
    ttl32(m);
    std::string target = wire_name(cname);
    u16(m, target.size());
    std::size_t at = m.size();
    m += target;
    owner = std::string{static_cast<char>(0xc0), static_cast<char>(at)};
  }
  m += owner;
  u16(m, 1);
  u16(m, 1);
  ttl32(m);
  u16(m, 4);
  IpAddress a = ip(addr);
  m.append(reinterpret_cast<const char*>(a.bytes.data()), 4);
  return m;
}

std::string client_hello(std::string_view sni) {
  std::string ext;
  if (!sni.empty()) {
    u16(ext, 0x0000);
    u16(ext, sni.size() + 5);
    u16(ext, sni.size() + 3);
    ext += '\0';
    u16(ext, sni.size());
    ext += sni;
  }
  std::string body;
  u16(body, 0x0303);
  body += std::string(32, '\x11');
  body += '\0';
  u16(body, 4);
  u16(body, 0x1301);
  u16(body, 0xc02f);
  body += '\x01';
  body += '\0';
  u16(body, ext.size());
  body += ext;
  std::string hs = "\x01";
  hs += '\0';
  u16(hs, body.size());
  hs += body;
  std::string rec = "\x16\x03\x01";
  u16(rec, hs.size());
  return rec + hs;
}

struct Sink final : EventSink {
  struct Rec {
    OrientedFlow flow;
    protocols::Family family;
    double confidence;
    std::vector<Evidence> evidence;
  };
  std::vector<Rec> sessions;
  std::vector<OrientedFlow> alerts, suspects;
  void on_alert(const OrientedFlow& f, const MiningSession&, Timestamp) override { alerts.push_back(f); }
  void on_suspect(const OrientedFlow& f, const MiningSession& s) override {
    if (s.has_signal(Signal::MiningRhythm)) suspects.push_back(f);
  }
  void on_session(const OrientedFlow& f, const MiningSession& s) override {
    sessions.push_back({f, s.family(), s.confidence(), s.evidence()});
  }
};

class FusionTest : public ::testing::Test {
 protected:
  void SetUp() { make_engine(EngineConfig{}); }
  // Live, several workers: the answer naming the pool was captured by another worker and reaches this
  // one through its mailbox (Engine::observe) late. `scenario` plays the flow and the late answer on a
  // fresh engine, once as files do (no late re-checks: not found) and once as a live worker does (8).
  void expect_found_only_by_late_rechecks(const std::function<void()>& scenario);
  void make_engine(EngineConfig cfg) {
    engine_.reset();
    engine_ = std::make_unique<Engine>(cfg, sink_, anomalies_);
  }
  // A DNS answer to `client` over UDP; `observed`: delivered as another worker's packet (Engine::observe,
  // as the live sensor's DNS mailbox does), not as this engine's own.
  void udp_dns(const char* client, const std::string& msg, bool observed = false) {
    PacketView p = at();
    p.src = ip("10.9.9.9");
    p.dst = ip(client);
    p.sport = 53;
    p.dport = 41000;
    p.proto = decode::kProtoUdp;
    p.payload = {reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()};
    if (observed)
      engine_->observe(p, PacketMeta{});
    else
      engine_->process(p);
  }
  // One TCP segment of a flow between client and server; advances the sender's sequence number.
  void tcp_segment(const char* client, std::uint16_t cport, const char* server, std::uint16_t sport, bool from_client,
                   std::string_view d, std::uint8_t flags, std::uint32_t& seq) {
    PacketView p = at();
    p.src = ip(from_client ? client : server);
    p.dst = ip(from_client ? server : client);
    p.sport = from_client ? cport : sport;
    p.dport = from_client ? sport : cport;
    p.proto = decode::kProtoTcp;
    p.tcp_flags = flags;
    p.seq = seq;
    p.payload = {reinterpret_cast<const std::uint8_t*>(d.data()), d.size()};
    p.payload_wire_len = static_cast<std::uint32_t>(d.size());
    engine_->process(p);
    seq += static_cast<std::uint32_t>(d.size()) + ((flags & (tf::kSyn | tf::kFin)) ? 1 : 0);
  }
  void tcp_dns(const char* client, const std::string& msg) {
    std::string framed;
    u16(framed, msg.size());
    framed += msg;
    PacketView p = at();
    p.src = ip("10.9.9.9");
    p.dst = ip(client);
    p.sport = 53;
    p.dport = 41001;
    p.proto = decode::kProtoTcp;
    p.tcp_flags = tf::kAck | tf::kPsh;
    p.seq = 7;
    p.payload = {reinterpret_cast<const std::uint8_t*>(framed.data()), framed.size()};
    engine_->process(p);
  }
  // A TLS connection: handshake, the client's hello, server and client records, FIN.
  void tls_flow(const char* client, std::uint16_t cport, const char* server, std::uint16_t sport, std::string_view sni,
                const std::function<void()>& after_hello = {}) {
    auto send = [&](bool from_client, std::string_view d, std::uint8_t flags, std::uint32_t& seq) {
      tcp_segment(client, cport, server, sport, from_client, d, flags, seq);
    };
    std::uint32_t cs = 1000, ss = 5000;
    send(true, "", tf::kSyn, cs);
    send(false, "", tf::kSyn | tf::kAck, ss);
    send(true, "", tf::kAck, cs);
    std::string hello = client_hello(sni);
    send(true, hello, tf::kAck | tf::kPsh, cs);
    send(false, std::string_view("\x16\x03\x03\x00\x02\x02\x00", 7), tf::kAck | tf::kPsh, ss);
    if (after_hello) after_hello();
    for (int i = 0; i < 5; ++i) {
      send(true,
           std::string_view("\x17\x03\x03\x00\x03"
                            "abc",
                            8),
           tf::kAck | tf::kPsh, cs);
      send(false,
           std::string_view("\x17\x03\x03\x00\x03"
                            "def",
                            8),
           tf::kAck | tf::kPsh, ss);
    }
    send(true, "", tf::kFin | tf::kAck, cs);
    send(false, "", tf::kFin | tf::kAck, ss);
  }
  // Stratum over TLS as a miner without a name speaks it: handshake, login, then shares at `gaps_s`
  // (seconds) each acknowledged within a round trip by a shorter record, and a pool job now and then.
  void tls_mining_flow(const char* client, std::uint16_t cport, const char* server, std::uint16_t sport,
                       std::string_view sni, const std::vector<int>& gaps_s) {
    std::uint32_t cs = 1000, ss = 5000;
    auto send = [&](bool from_client, std::string_view d, std::uint8_t flags) {
      tcp_segment(client, cport, server, sport, from_client, d, flags, from_client ? cs : ss);
    };
    auto record = [&](bool from_client, std::size_t n) {
      std::string r = "\x17\x03\x03";
      u16(r, n);
      r += std::string(n, '\x5a');
      send(from_client, r, tf::kAck | tf::kPsh);
    };
    send(true, "", tf::kSyn);
    send(false, "", tf::kSyn | tf::kAck);
    send(true, "", tf::kAck);
    send(true, client_hello(sni), tf::kAck | tf::kPsh);
    send(false, std::string_view("\x16\x03\x03\x00\x02\x02\x00", 7), tf::kAck | tf::kPsh);
    record(true, 320);   // login
    record(false, 580);  // login result with the first job
    int n = 0;
    for (int g : gaps_s) {
      advance(g);
      record(true, 225 + (n < 8 ? 1 : 2));   // a share; its request id grows by a digit
      record(false, 88 + (n < 8 ? 1 : 2));   // {"status":"OK"}
      if (++n % 5 == 0) record(false, 470);  // a new block's job
    }
    send(true, "", tf::kFin | tf::kAck);
    send(false, "", tf::kFin | tf::kAck);
  }
  PacketView at() {
    PacketView p;
    t_ += 1'000'000;
    p.ts = Timestamp{t_};
    p.wire_len = 60;
    return p;
  }
  void advance(std::int64_t seconds) { t_ += seconds * 1'000'000'000; }

  Sink sink_;
  AnomalyCounters anomalies_;
  std::unique_ptr<Engine> engine_;
  std::int64_t t_ = 1'700'000'000'000'000'000;
};

bool has_evidence(const Sink::Rec& r, std::string_view kind) {
  for (const auto& e : r.evidence) {
    if (e.kind == kind) return true;
  }
  return false;
}

TEST_F(FusionTest, FlowToAnAddressAPoolNameResolvedToIsAMiningSessionWithReasons) {
  udp_dns("10.0.0.5", dns_response("xmr.supportxmr.com", "edge.cdn-pool.example", "203.0.113.7", 60));
  tls_flow("10.0.0.5", 50000, "203.0.113.7", 443, "");
  engine_->finish();
  ASSERT_EQ(sink_.sessions.size(), 1u);
  const auto& s = sink_.sessions[0];
  EXPECT_EQ(s.family, protocols::Family::Tls);
  EXPECT_EQ(s.flow.miner, ip("10.0.0.5"));
  EXPECT_EQ(s.flow.pool, ip("203.0.113.7"));
  ASSERT_TRUE(has_evidence(s, "intel.pool-address-dns"));
  EXPECT_NE(s.evidence[0].detail.find("xmr.supportxmr.com"), std::string::npos) << s.evidence[0].detail;
  EXPECT_EQ(engine_->stats().dns_answers_cached, 1u);
}

void FusionTest::expect_found_only_by_late_rechecks(const std::function<void()>& scenario) {
  for (std::uint8_t rechecks : {std::uint8_t{0}, std::uint8_t{8}}) {
    SCOPED_TRACE(::testing::Message() << "late_dns_rechecks " << int{rechecks});
    EngineConfig cfg;
    cfg.late_dns_rechecks = rechecks;
    make_engine(cfg);
    sink_.sessions.clear();
    scenario();
    engine_->finish();
    if (rechecks == 0) {
      EXPECT_TRUE(sink_.sessions.empty()) << "files: the endpoint is checked once, in input order";
    } else {
      ASSERT_EQ(sink_.sessions.size(), 1u);
      EXPECT_TRUE(has_evidence(sink_.sessions[0], "intel.pool-address-dns"));
      EXPECT_EQ(engine_->stats().mining_flows, 1u);
      EXPECT_EQ(engine_->stats().dns_late_names, 1u);
    }
  }
}

TEST_F(FusionTest, ALiveWorkerAsksPassiveDnsAgainWhenTheAnswerArrivesAfterTheFlowBegan) {
  // The answer arrives just after the flow's endpoint check: a later payload packet asks again.
  expect_found_only_by_late_rechecks([&] {
    const std::string answer = dns_response("xmr.supportxmr.com", "", "203.0.113.12", 300);
    tls_flow("10.0.0.12", 50010, "203.0.113.12", 443, "", [&] { udp_dns("10.0.0.12", answer, true); });
  });
}

TEST_F(FusionTest, ALiveWorkerAsksPassiveDnsOnceMoreWhenTheFlowEnds) {
  // The answer arrives after every packet of the flow it names (a kernel block handed over late): the
  // flow asks once more as it ends.
  expect_found_only_by_late_rechecks([&] {
    tls_flow("10.0.0.13", 50011, "203.0.113.13", 443, "");
    udp_dns("10.0.0.13", dns_response("xmr.supportxmr.com", "", "203.0.113.13", 300), true);
  });
}

TEST_F(FusionTest, DnsOverUdpIsReadPerMessageAndKeepsNoFlow) {
  // A look-up of a pool name over UDP: the asker is alerted on as a would-be miner, the answer is
  // cached, and the transaction leaves nothing in the flow table (it would only wait for its timeout).
  std::string query = dns_response("www.example.org", "", "198.51.100.4", 300);
  query[2] = static_cast<char>(query[2] & 0x7f);  // QR clear: the question going out
  udp_dns("10.0.0.8", query);
  udp_dns("10.0.0.7", dns_response("xmr.supportxmr.com", "", "203.0.113.9", 300));
  udp_dns("10.0.0.8", dns_response("www.example.org", "", "198.51.100.4", 300));
  EXPECT_EQ(engine_->stats().flows, 0u);
  EXPECT_EQ(engine_->stats().peak_open_flows, 0u);
  EXPECT_EQ(engine_->stats().peak_concurrent_flows, 1u) << "the query's transaction, counted as a tracker holds it";
  EXPECT_EQ(engine_->stats().dns_messages, 3u);
  EXPECT_EQ(engine_->stats().dns_answers_cached, 2u);
  ASSERT_EQ(sink_.alerts.size(), 1u);
  const OrientedFlow& f = sink_.alerts[0];
  EXPECT_EQ(f.miner, ip("10.0.0.7"));
  EXPECT_EQ(f.pool, ip("10.9.9.9"));
  EXPECT_EQ(f.start, f.end) << "the message is the whole flow";
  EXPECT_NE(f.flow_id, 0u);
  // The cached answer still names the pool for a later flow; DNS over TCP is a flow like any other.
  tls_flow("10.0.0.7", 50002, "203.0.113.9", 443, "");
  tcp_dns("10.0.0.8", dns_response("www.example.org", "", "198.51.100.5", 300));
  engine_->finish();
  ASSERT_EQ(sink_.sessions.size(), 1u);
  EXPECT_TRUE(has_evidence(sink_.sessions[0], "intel.pool-address-dns"));
  EXPECT_EQ(engine_->stats().flows, 2u);
  EXPECT_EQ(engine_->stats().peak_concurrent_flows, 3u) << "the query's transaction, the TLS flow and the TCP one";
  EXPECT_EQ(engine_->stats().dns_messages, 4u);
}

TEST_F(FusionTest, DnsOverTcpFeedsTheCacheToo) {
  tcp_dns("10.0.0.6", dns_response("pool.hashvault.pro", "", "203.0.113.8", 300));
  tls_flow("10.0.0.6", 50001, "203.0.113.8", 3333, "");
  engine_->finish();
  ASSERT_EQ(sink_.sessions.size(), 1u);
  EXPECT_TRUE(has_evidence(sink_.sessions[0], "intel.pool-address-dns"));
}

TEST_F(FusionTest, AnswersExpireAfterTheirTtlAndTheGrace) {
  EngineConfig cfg;
  cfg.passive_dns.grace = std::chrono::seconds{0};
  make_engine(cfg);
  udp_dns("10.0.0.7", dns_response("xmr.supportxmr.com", "", "203.0.113.9", 60));
  advance(120);
  tls_flow("10.0.0.7", 50002, "203.0.113.9", 443, "");
  engine_->finish();
  EXPECT_TRUE(sink_.sessions.empty());
}

TEST_F(FusionTest, AnAddressSharedWithOrdinarySitesIsNotEnough) {
  udp_dns("10.0.0.8", dns_response("xmr.supportxmr.com", "", "203.0.113.10", 300));
  udp_dns("10.0.0.9", dns_response("www.example.com", "", "203.0.113.10", 300));
  tls_flow("10.0.0.9", 50003, "203.0.113.10", 443, "www.example.com");
  tls_flow("10.0.0.8", 50004, "203.0.113.10", 443, "");
  engine_->finish();
  EXPECT_TRUE(sink_.sessions.empty()) << "a CDN address that also serves other names is demoted";
}

TEST_F(FusionTest, ATlsFlowNamingAnotherSiteVetoesThePoolAddress) {
  udp_dns("10.0.0.10", dns_response("xmr.supportxmr.com", "", "203.0.113.11", 300));
  tls_flow("10.0.0.11", 50005, "203.0.113.11", 443, "www.example.com");
  engine_->finish();
  EXPECT_TRUE(sink_.sessions.empty());
}

TEST_F(FusionTest, IntelEndpointsAndAddresses) {
  intel::PoolList pools;
  pools.merge(intel::PoolList::builtin());
  pools.add_address(ip("192.0.2.50"), 3333, "XMR", "test-list");
  pools.add_address(ip("192.0.2.51"), 0, {}, "test-list");
  EngineConfig cfg;
  cfg.pools = &pools;
  make_engine(cfg);
  tls_flow("10.0.0.12", 50006, "192.0.2.50", 3333, "");  // listed address and port: strong
  tls_flow("10.0.0.13", 50007, "192.0.2.50", 443, "");   // listed address, another port: moderate alone
  tls_flow("10.0.0.14", 50008, "192.0.2.51", 443, "");   // address without ports: moderate alone
  engine_->finish();
  ASSERT_EQ(sink_.sessions.size(), 1u);
  EXPECT_EQ(sink_.sessions[0].flow.miner, ip("10.0.0.12"));
  EXPECT_TRUE(has_evidence(sink_.sessions[0], "intel.pool-endpoint-list"));
}

TEST_F(FusionTest, LaterFlowsOfAConfirmedMinerToItsPoolAreMining) {
  tls_flow("10.0.0.15", 50009, "198.51.100.77", 443, "gulf.moneroocean.stream");
  advance(600);
  tls_flow("10.0.0.15", 50010, "198.51.100.77", 10128, "");
  tls_flow("10.0.0.16", 50011, "198.51.100.77", 10128, "");  // another host: nothing known about it
  engine_->finish();
  ASSERT_EQ(sink_.sessions.size(), 2u);
  EXPECT_TRUE(has_evidence(sink_.sessions[1], "history.known-miner-pool"));
  EXPECT_EQ(sink_.sessions[1].flow.miner, ip("10.0.0.15"));
}

const std::vector<int> kShareGaps{12, 3, 27, 8, 41, 5, 19, 2, 33, 14, 7, 22};  // Poisson-like, seconds

TEST_F(FusionTest, AShareRhythmWithoutAServerNameIsMiningWithBothReasons) {
  tls_mining_flow("10.0.0.20", 50020, "198.51.100.90", 443, "", kShareGaps);
  engine_->finish();
  EXPECT_EQ(engine_->stats().flows_rhythm, 1u);
  ASSERT_EQ(sink_.sessions.size(), 1u);
  const auto& s = sink_.sessions[0];
  EXPECT_EQ(s.flow.miner, ip("10.0.0.20"));
  EXPECT_EQ(s.family, protocols::Family::Tls);
  EXPECT_TRUE(has_evidence(s, "behaviour.mining-rhythm"));
  EXPECT_TRUE(has_evidence(s, "tls.no-server-name"));
  EXPECT_NEAR(s.confidence, 1 - 0.4 * 0.7, 1e-9);
  EXPECT_EQ(sink_.alerts.size(), 1u);
}

TEST_F(FusionTest, TheRhythmAloneOrOnAClockOrTurnedOffIsNotEnough) {
  tls_mining_flow("10.0.0.21", 50021, "198.51.100.91", 443, "www.example.com", kShareGaps);  // names a site
  tls_mining_flow("10.0.0.22", 50022, "198.51.100.92", 443, "", std::vector<int>(12, 15));   // a heartbeat
  engine_->finish();
  EXPECT_EQ(engine_->stats().flows_rhythm, 1u);
  EXPECT_TRUE(sink_.sessions.empty()) << "one moderate signal never alerts alone";
  EXPECT_TRUE(sink_.alerts.empty());
  ASSERT_EQ(sink_.suspects.size(), 1u) << "but the flow stays a suspect (analyze --probe confirms its pool)";
  EXPECT_EQ(sink_.suspects[0].miner, ip("10.0.0.21"));
  EXPECT_EQ(sink_.suspects[0].pool, ip("198.51.100.91"));

  auto cfg = parse_fusion_config("[fusion]\nmining_rhythm = 0.0\n", "c.toml");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EngineConfig ec;
  ec.inspect.fusion = *cfg;
  make_engine(ec);
  tls_mining_flow("10.0.0.23", 50023, "198.51.100.93", 443, "", kShareGaps);
  engine_->finish();
  EXPECT_TRUE(sink_.sessions.empty()) << "no SNI is weak: without the rhythm's weight nothing is left";
}

TEST(MiningSessionFusion, OneWeakSignalNeverMakesAMiner) {
  MiningSession s;
  s.add_signal(Signal::Ja4Miner, 0.95, "ja4=x", Timestamp{1});
  EXPECT_GT(s.confidence(), 0.9);
  EXPECT_FALSE(s.is_mining(0.7)) << "whatever weight the config gives it";
  s.add_signal(Signal::PoolAddressIntel, 0.45, "list", Timestamp{2});
  EXPECT_TRUE(s.is_mining(0.7));
}

TEST(MiningSessionFusion, SignalsCombineAndKeepTheirHighestWeight) {
  MiningSession s;
  s.add_signal(Signal::FlowModel, 0.3, "score 0.75", Timestamp{1});
  s.add_signal(Signal::FlowModel, 0.5, "score 0.9", Timestamp{2});
  s.add_signal(Signal::PoolAddressIntel, 0.45, "list", Timestamp{3});
  EXPECT_NEAR(s.confidence(), 1 - 0.5 * 0.55, 1e-9);
  ASSERT_EQ(s.evidence().size(), 2u);
  EXPECT_EQ(s.evidence()[0].detail, "score 0.9");
  EXPECT_TRUE(s.evidence()[0].is_signal);
}

TEST(FusionConfig, ReadsWeightsAndRejectsBadOnes) {
  auto c = parse_fusion_config("[fusion]\nthreshold = 0.8\npool_address_dns = 0.9\nminer_ja4 = [\"t13d1516h2_x_y\"]\n",
                               "c.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_DOUBLE_EQ(c->threshold, 0.8);
  EXPECT_DOUBLE_EQ(c->weight(Signal::PoolAddressDns), 0.9);
  EXPECT_TRUE(c->is_miner_ja4("t13d1516h2_x_y"));
  auto unknown = parse_fusion_config("[fusion]\n\nbogus = 1\n", "c.toml");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("c.toml:3"), std::string::npos) << unknown.error().message;
  EXPECT_FALSE(parse_fusion_config("[fusion]\nja4_miner = 0.8\n", "c.toml")) << "weak at the threshold";
  for (const char* key : {"tls_no_server_name", "stratum_v2_shape", "mining_rhythm"}) {
    auto at = parse_fusion_config(fmt::format("[fusion]\n{} = 0.7\n", key), "c.toml");
    ASSERT_FALSE(at) << key << " may not reach the threshold alone";
    EXPECT_NE(at.error().message.find(key), std::string::npos) << at.error().message;
    auto ok = parse_fusion_config(fmt::format("[fusion]\n{} = 0.25\n", key), "c.toml");
    ASSERT_TRUE(ok) << ok.error().message;
  }
  auto w = parse_fusion_config("[fusion]\nstratum_v2_shape = 0.2\nmining_rhythm = 0.55\ntls_no_server_name = 0.1\n",
                               "c.toml");
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_DOUBLE_EQ(w->weight(Signal::StratumV2Shape), 0.2);
  EXPECT_DOUBLE_EQ(w->weight(Signal::MiningRhythm), 0.55);
  EXPECT_DOUBLE_EQ(w->weight(Signal::TlsNoServerName), 0.1);
  EXPECT_EQ(strength_of(Signal::MiningRhythm), Strength::Moderate);
  EXPECT_EQ(strength_of(Signal::TlsNoServerName), Strength::Weak);
  EXPECT_FALSE(parse_fusion_config("[fusion]\npool_address_dns = 1.5\n", "c.toml"));
  EXPECT_DOUBLE_EQ(FusionConfig{}.flow_model_weight(0.4), 0.0);
  EXPECT_DOUBLE_EQ(FusionConfig{}.flow_model_weight(1.0), 0.8);
}

TEST(PassiveDns, BoundedByAddressesLeastRecentlyWrittenFirstWithTtlByPacketTime) {
  intel::PassiveDns d({.max_entries = 3, .grace = std::chrono::seconds{0}});
  const Timestamp t0{1'000'000'000'000};
  d.record("a.pool.example", ip("192.0.2.1"), 60, t0, true);
  d.record("b.pool.example", ip("192.0.2.2"), 60, t0, true);
  d.record("c.pool.example", ip("192.0.2.3"), 60, t0, true);
  d.record("A.Pool.Example.", ip("192.0.2.1"), 60, t0, true);  // the same name: 192.0.2.1 is the newest
  d.record("d.pool.example", ip("192.0.2.4"), 60, t0, true);   // evicts 192.0.2.2, the least recently written
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.evictions(), 1u);
  EXPECT_EQ(d.lookup(ip("192.0.2.1"), t0).pool_name, "a.pool.example");
  EXPECT_EQ(d.lookup(ip("192.0.2.2"), t0).pool_name, "");
  EXPECT_EQ(d.lookup(ip("192.0.2.4"), t0 + std::chrono::seconds{60}).pool_name, "d.pool.example");
  EXPECT_EQ(d.lookup(ip("192.0.2.4"), t0 + std::chrono::seconds{61}).pool_name, "") << "expired by packet time";
}

TEST(PassiveDns, LookupSeparatesPoolNamesFromOtherNames) {
  intel::PassiveDns d({.max_entries = 1000, .grace = std::chrono::seconds{0}});
  const Timestamp t0{1'000'000'000'000};
  const IpAddress cdn = ip("198.51.100.7");
  d.record("old.pool.example", cdn, 30, t0, true);
  d.record("new.pool.example", cdn, 600, t0 + std::chrono::seconds{1}, true);
  d.record("one.example", cdn, 10, t0);
  auto names = d.lookup(cdn, t0 + std::chrono::seconds{2});
  EXPECT_EQ(names.pool_name, "new.pool.example") << "the newest valid pool name";
  EXPECT_EQ(names.other_names, 1u) << "shared with one other name";
  names = d.lookup(cdn, t0 + std::chrono::seconds{11});
  EXPECT_EQ(names.other_names, 0u) << "the other name expired";
  // A CDN address answers for many names; the newest few are kept ("that many or more").
  for (int i = 0; i < 100; ++i) d.record(fmt::format("site{}.example", i), cdn, i < 98 ? 10 : 600, t0);
  names = d.lookup(cdn, t0 + std::chrono::seconds{100});
  EXPECT_EQ(names.pool_name, "new.pool.example");
  EXPECT_EQ(names.other_names, intel::PassiveDns::kOtherNames) << "still shared: its newest names are valid";
  names = d.lookup(cdn, t0 + std::chrono::seconds{700});
  EXPECT_EQ(names.pool_name, "");
  EXPECT_EQ(names.other_names, 0u) << "every name expired";
  EXPECT_EQ(d.lookup(ip("192.0.2.9"), t0).pool_name, "");
  // The newest pool names are kept: a third pushes out the oldest, and its text with it.
  d.record("third.pool.example", cdn, 600, t0 + std::chrono::seconds{2}, true);
  names = d.lookup(cdn, t0 + std::chrono::seconds{3});
  EXPECT_EQ(names.pool_name, "third.pool.example");
  d.record("new.pool.example", cdn, 5, t0 + std::chrono::seconds{3}, true);  // refresh keeps the later expiry
  names = d.lookup(cdn, t0 + std::chrono::seconds{500});
  EXPECT_EQ(names.pool_name, "new.pool.example");
  // Eviction drops the whole address; its pool names' texts go when no address keeps them.
  intel::PassiveDns small({.max_entries = 1, .grace = std::chrono::seconds{0}});
  small.record("a.pool.example", cdn, 60, t0, true);
  small.record("x.example", ip("192.0.2.8"), 60, t0);  // evicts cdn
  EXPECT_EQ(small.lookup(cdn, t0).pool_name, "");
  EXPECT_EQ(small.lookup(ip("192.0.2.8"), t0).other_names, 1u);
  small.record("A.Pool.Example.", cdn, 60, t0, true);  // evicts 192.0.2.8
  EXPECT_EQ(small.lookup(cdn, t0).pool_name, "a.pool.example");
  EXPECT_EQ(small.lookup(cdn, t0).other_names, 0u);
  EXPECT_EQ(small.size(), 1u);
  EXPECT_EQ(small.evictions(), 2u);
}

}  // namespace
}  // namespace minewatch::detect
