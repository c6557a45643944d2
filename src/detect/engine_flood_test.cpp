// Memory bounds under a SYN flood: the table stays under its hard cap, eviction takes the flood's
// half-open flows and never the confirmed miners, whose sessions are still reported in full.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "detect/engine.hpp"

namespace minewatch::detect {
namespace {

using decode::PacketView;
namespace tf = decode::tcp_flags;

struct CountingSink final : EventSink {
  std::vector<std::pair<OrientedFlow, ShareCounts>> sessions;
  std::vector<IpAddress> alerts;
  void on_alert(const OrientedFlow& f, const MiningSession&, Timestamp) override { alerts.push_back(f.miner); }
  void on_session(const OrientedFlow& f, const MiningSession& s) override { sessions.emplace_back(f, s.shares()); }
};

IpAddress v4(std::uint32_t x) {
  std::uint8_t b[4] = {static_cast<std::uint8_t>(x >> 24), static_cast<std::uint8_t>(x >> 16),
                       static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x)};
  return IpAddress::v4(b);
}

// One stratum miner talking to its pool, a packet at a time, at the time the caller gives.
struct Miner {
  IpAddress host, pool;
  std::uint16_t port;
  std::uint32_t cseq = 1001, sseq = 5001;
  std::string line{};

  PacketView pkt(bool up, std::int64_t t, std::uint8_t flags, std::string_view payload) {
    PacketView p;
    p.ts = Timestamp{t};
    p.src = up ? host : pool;
    p.dst = up ? pool : host;
    p.sport = up ? port : 3333;
    p.dport = up ? 3333 : port;
    p.proto = decode::kProtoTcp;
    p.tcp_flags = flags;
    p.wire_len = static_cast<std::uint32_t>(54 + payload.size());
    std::uint32_t& seq = up ? cseq : sseq;
    p.seq = (flags & tf::kSyn) ? seq - 1 : seq;
    p.payload = {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()};
    seq += static_cast<std::uint32_t>(payload.size());
    return p;
  }
  void send(Engine& e, bool up, std::int64_t t, std::uint8_t flags, std::string_view payload) {
    line.assign(payload);
    e.process(pkt(up, t, flags, line));
  }
  void start(Engine& e, std::int64_t t) {
    send(e, true, t, tf::kSyn, "");
    send(e, false, t, tf::kSyn | tf::kAck, "");
    send(e, true, t, tf::kAck, "");
    send(e, true, t, tf::kAck | tf::kPsh,
         R"({"id": 1, "method": "mining.subscribe", "params": ["cgminer/4.10.0"]})"
         "\n");
    send(e, false, t, tf::kAck | tf::kPsh,
         R"({"id":1,"result":[[["mining.notify","1"]],"08000002",4],"error":null})"
         "\n");
    send(e, true, t, tf::kAck | tf::kPsh,
         R"({"params": ["wallet1.rig7", "x"], "id": 2, "method": "mining.authorize"})"
         "\n");
    send(e, false, t, tf::kAck | tf::kPsh,
         R"({"id":2,"result":true,"error":null})"
         "\n");
  }
  void share(Engine& e, std::int64_t t, int id) {
    send(e, true, t, tf::kAck | tf::kPsh,
         R"({"params":["wallet1.rig7","bf","00000001","504e86ed","b2957c02"],"id":)" + std::to_string(id) +
             R"(,"method":"mining.submit"})"
             "\n");
    send(e, false, t, tf::kAck | tf::kPsh,
         R"({"error":null,"id":)" + std::to_string(id) +
             R"(,"result":true})"
             "\n");
  }
};

std::uint64_t flood_packets() {
  // 10 M by default; MW_SYN_FLOOD_PACKETS shortens it for slow (sanitizer) builds.
  if (const char* s = std::getenv("MW_SYN_FLOOD_PACKETS")) return std::strtoull(s, nullptr, 10);
#if defined(__SANITIZE_ADDRESS__)
  return 1'000'000;  // the sanitizer build checks the same logic on a tenth of the flood
#else
  return 10'000'000;
#endif
}

TEST(EngineFlood, ATenMillionSynFloodStaysUnderTheCapAndEstablishedMinersAreStillReported) {
  CountingSink sink;
  AnomalyCounters anomalies;
  EngineConfig cfg;
  cfg.max_flows = 1u << 16;
  Engine engine(cfg, sink, anomalies);
  const std::uint64_t n = flood_packets();
  std::int64_t t = 1'700'000'000'000'000'000;
  std::vector<Miner> miners;
  for (std::uint32_t m = 0; m < 5; ++m) {
    miners.push_back(
        Miner{v4(0x0A010000 + m), v4(0xCB007100 + m), static_cast<std::uint16_t>(40000 + m), 1001, 5001, {}});
    miners.back().start(engine, t);
  }
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  std::uint32_t max_open = 0;
  int shares = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    // Spoofed sources and ports, one victim: every SYN is a new half-open flow.
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    PacketView p;
    t += 1000;  // 1 Mpps
    p.ts = Timestamp{t};
    p.src = v4(static_cast<std::uint32_t>(x));
    p.dst = v4(0xC0000250);
    p.sport = static_cast<std::uint16_t>(x >> 32);
    p.dport = 80;
    p.proto = decode::kProtoTcp;
    p.tcp_flags = tf::kSyn;
    p.seq = static_cast<std::uint32_t>(x >> 40);
    p.wire_len = 60;
    engine.process(p);
    if (i % (n / 20 + 1) == 0) {
      ++shares;
      for (auto& m : miners) m.share(engine, t, 10 + shares);
    }
    if ((i & 0xffff) == 0 && engine.open_flows() > max_open) max_open = engine.open_flows();
  }
  EXPECT_LE(max_open, cfg.max_flows);
  EXPECT_LE(engine.open_flows(), cfg.max_flows);
  EXPECT_GE(engine.stats().flows_evicted, n - cfg.max_flows);
  EXPECT_EQ(engine.stats().mining_flows_evicted, 0u);
  // The table's own bytes per slot of the cap stay within the per-flow budget.
  EXPECT_LE(engine.table_bytes() / cfg.max_flows, 256u) << engine.table_bytes();
  engine.finish();
  ASSERT_EQ(sink.sessions.size(), miners.size());
  for (const auto& [flow, sh] : sink.sessions) {
    EXPECT_EQ(sh.submitted, static_cast<std::uint64_t>(shares)) << flow.miner.to_string();
    EXPECT_EQ(sh.accepted, static_cast<std::uint64_t>(shares));
  }
  EXPECT_EQ(sink.alerts.size(), miners.size());
}

TEST(EngineFlood, EvictionTakesClosedFlowsBeforeOpenOnesAndMiningFlowsLast) {
  CountingSink sink;
  AnomalyCounters anomalies;
  EngineConfig cfg;
  cfg.max_flows = 1024;
  Engine engine(cfg, sink, anomalies);
  std::int64_t t = 1'700'000'000'000'000'000;
  Miner miner{v4(0x0A010001), v4(0xCB007101), 40001, 1001, 5001, {}};
  miner.start(engine, t);  // the oldest flow of all
  for (std::uint32_t i = 0; i < 3000; ++i) {
    PacketView p;
    p.ts = Timestamp{t += 1000};
    p.src = v4(0x0B000000 + i);
    p.dst = v4(0xC0000250);
    p.sport = 1234;
    p.dport = 80;
    p.proto = decode::kProtoTcp;
    p.tcp_flags = tf::kSyn;
    engine.process(p);
  }
  EXPECT_EQ(engine.open_flows(), cfg.max_flows);
  EXPECT_EQ(engine.stats().mining_flows_evicted, 0u);
  EXPECT_TRUE(sink.sessions.empty()) << "the mining flow was evicted";
  miner.share(engine, t, 9);
  engine.finish();
  ASSERT_EQ(sink.sessions.size(), 1u);
  EXPECT_EQ(sink.sessions[0].second.submitted, 1u);
}

std::int64_t rss_anon_kib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "RssAnon:") {
      std::int64_t v = 0;
      in >> v;
      return v;
    }
    std::getline(in, key);
  }
  return -1;
}

TEST(EngineMemory, SteadyStateCostsAtMost256PrivateBytesPerConcurrentFlow) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "sanitizer builds inflate every allocation";
#endif
  if (rss_anon_kib() < 0) GTEST_SKIP() << "no /proc/self/status RssAnon";
  CountingSink sink;
  AnomalyCounters anomalies;
  EngineConfig cfg;
  cfg.max_flows = 1u << 20;
  const std::int64_t before = rss_anon_kib();  // the index sized for the cap counts against the flows
  Engine engine(cfg, sink, anomalies);
  std::int64_t t = 1'700'000'000'000'000'000;
  static const std::string junk(200, '\x17');  // neither JSON nor HTTP nor TLS: rejected at once
  for (std::uint32_t i = 0; i < cfg.max_flows; ++i) {
    PacketView p;
    p.ts = Timestamp{t += 100};
    p.src = v4(0x0A000000 + i);
    p.dst = v4(0xC6336400 + (i % 200));
    p.sport = static_cast<std::uint16_t>(1024 + i % 60000);
    p.dport = 443;
    p.wire_len = 60;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:  // UDP (QUIC-like): counters only
        p.proto = decode::kProtoUdp;
        p.payload = {reinterpret_cast<const std::uint8_t*>(junk.data()), 100};
        engine.process(p);
        break;
      default:  // TCP: handshake, and every other flow some bytes the inspector rejects
        p.proto = decode::kProtoTcp;
        p.tcp_flags = tf::kSyn;
        p.seq = 1000;
        engine.process(p);
        std::swap(p.src, p.dst);
        std::swap(p.sport, p.dport);
        p.tcp_flags = tf::kSyn | tf::kAck;
        p.seq = 5000;
        engine.process(p);
        if (i % 2 == 0) {
          p.tcp_flags = tf::kAck | tf::kPsh;
          p.seq = 5001;
          p.payload = {reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()};
          engine.process(p);
        }
    }
  }
  ASSERT_EQ(engine.open_flows(), cfg.max_flows);
  EXPECT_EQ(engine.stats().open_inspections, 0u);
  const double per_flow = static_cast<double>(rss_anon_kib() - before) * 1024.0 / engine.open_flows();
  RecordProperty("bytes_per_flow", static_cast<int>(per_flow));
  std::printf("private memory per concurrent flow: %.0f bytes (%u flows)\n", per_flow, engine.open_flows());
  EXPECT_LE(per_flow, 256.0);
}

}  // namespace
}  // namespace minewatch::detect
