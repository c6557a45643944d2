// Probing: the dialect judge on canned replies, the rate limiter and cache on a fake clock, the
// allow-list, and loopback probes against the in-process test pool (never any other address).
#include "probe/prober.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "probe/probe_report.hpp"
#include "probe/sim_pool.hpp"

namespace minewatch::probe {
namespace {

using namespace std::chrono_literals;

Judgement judge_text(Dialect d, std::string_view reply, ReplyJudge* keep = nullptr) {
  ReplyJudge local(d);
  ReplyJudge& j = keep ? *keep : local;
  // Byte by byte: framing must not depend on how the reply arrives.
  for (char c : reply) {
    auto b = static_cast<std::uint8_t>(c);
    j.feed({&b, 1});
  }
  return j.judgement() == Judgement::NeedMore ? j.finish() : j.judgement();
}

TEST(ProbeDialect, AStratumSubscribeResultIsAPoolWithItsExtranonce) {
  ReplyJudge j(Dialect::Stratum);
  EXPECT_EQ(judge_text(Dialect::Stratum,
                       "{\"id\":1,\"result\":[[[\"mining.set_difficulty\",\"ab\"],[\"mining.notify\",\"ab\"]],"
                       "\"f000000d\",4],\"error\":null}\n",
                       &j),
            Judgement::Mining);
  EXPECT_EQ(j.answered_dialect(), Dialect::Stratum);
  EXPECT_EQ(j.details().at("extranonce1"), "f000000d");
  EXPECT_EQ(j.details().at("extranonce2_size"), "4");
}

TEST(ProbeDialect, APoolPushBeforeTheAnswerAlsoConfirms) {
  EXPECT_EQ(judge_text(Dialect::Stratum, "{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[1024]}\n"),
            Judgement::Mining);
}

TEST(ProbeDialect, ACryptoNoteLoginResultIsAPoolWithJobAndAlgo) {
  ReplyJudge j(Dialect::CryptoNote);
  EXPECT_EQ(
      judge_text(Dialect::CryptoNote,
                 "{\"id\":1,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"id\":\"s1\",\"job\":{\"blob\":\"0707\","
                 "\"job_id\":\"j42\",\"target\":\"b88d0600\",\"algo\":\"rx/0\"},\"status\":\"OK\"}}\r\n",
                 &j),
      Judgement::Mining);
  EXPECT_EQ(j.answered_dialect(), Dialect::CryptoNote);
  EXPECT_EQ(j.details().at("job_id"), "j42");
  EXPECT_EQ(j.details().at("algo"), "rx/0");
}

TEST(ProbeDialect, AnEthProxyWorkPackageIsAPool) {
  ReplyJudge j(Dialect::EthProxy);
  std::string h(64, 'a');
  EXPECT_EQ(
      judge_text(Dialect::EthProxy,
                 "{\"id\":1,\"jsonrpc\":\"2.0\",\"result\":true}\n{\"id\":2,\"jsonrpc\":\"2.0\",\"result\":[\"0x" + h +
                     "\",\"0x" + h + "\",\"0x00000000ffff\"]}\n",
                 &j),
      Judgement::Mining);
  EXPECT_EQ(j.answered_dialect(), Dialect::EthProxy);
  EXPECT_EQ(j.details().at("boundary"), "0x00000000ffff");
}

TEST(ProbeDialect, ServicesThatAreNotPoolsAreNotMining) {
  EXPECT_EQ(judge_text(Dialect::Stratum, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
            Judgement::NotMining);
  EXPECT_EQ(judge_text(Dialect::Stratum, "220 mail.example.org ESMTP\r\n"), Judgement::NotMining);
  EXPECT_EQ(judge_text(Dialect::Stratum, std::string_view("\x16\x03\x01\x00\x02\x02\x28", 7)), Judgement::NotMining);
  // Electrum answers valid JSON-RPC, but an error: a JSON-RPC service, not a pool.
  ReplyJudge j(Dialect::Stratum);
  EXPECT_EQ(
      judge_text(Dialect::Stratum,
                 "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"unknown method\"},\"id\":1}\n", &j),
      Judgement::NotMining);
  EXPECT_EQ(j.details().at("error"), "unknown method");
}

TEST(ProbeDialect, AnEchoOfOurOwnRequestIsNoPool) {
  EXPECT_EQ(judge_text(Dialect::Stratum, probe_request(Dialect::Stratum).text), Judgement::NotMining);
  EXPECT_EQ(judge_text(Dialect::CryptoNote, probe_request(Dialect::CryptoNote).text), Judgement::NotMining);
  EXPECT_EQ(judge_text(Dialect::EthProxy, probe_request(Dialect::EthProxy).text), Judgement::NotMining);
}

TEST(ProbeDialect, NothingYetIsStillUndecided) {
  ReplyJudge j(Dialect::Stratum);
  std::string_view part = "{\"id\":1,\"result\":[[[\"mining.notify\"";
  j.feed({reinterpret_cast<const std::uint8_t*>(part.data()), part.size()});
  EXPECT_EQ(j.judgement(), Judgement::NeedMore);
}

TEST(ProbeRateLimit, ABurstBeyondTheBucketWaitsForTokensOnTheClock) {
  FakeTime time;
  RateLimitConfig cfg;
  cfg.global = {100.0, 100.0};
  cfg.per_target = {0.5, 3.0};  // 3 at once, then one every 2 s
  cfg.max_wait = 10s;
  RateLimiter lim(cfg, time);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(lim.acquire("t").waited, Duration::zero()) << i;
  auto d = lim.acquire("t");
  EXPECT_EQ(d.outcome, RateLimiter::Outcome::Granted);
  EXPECT_NEAR(std::chrono::duration<double>(d.waited).count(), 2.0, 1e-3);
  d = lim.acquire("t");
  EXPECT_NEAR(std::chrono::duration<double>(d.waited).count(), 2.0, 1e-3);
  EXPECT_NEAR(std::chrono::duration<double>(time.slept()).count(), 4.0, 1e-3);
  // Another target has its own bucket.
  EXPECT_EQ(lim.acquire("other").waited, Duration::zero());
  EXPECT_EQ(lim.granted(), 6u);
}

TEST(ProbeRateLimit, WaitsLongerThanTheBoundAreRefused) {
  FakeTime time;
  RateLimitConfig cfg;
  cfg.global = {1.0, 2.0};
  cfg.per_target = {100.0, 100.0};
  cfg.max_wait = 500ms;
  RateLimiter lim(cfg, time);
  EXPECT_EQ(lim.acquire("a").outcome, RateLimiter::Outcome::Granted);
  EXPECT_EQ(lim.acquire("b").outcome, RateLimiter::Outcome::Granted);
  // The global bucket is empty and refills in 1 s > 500 ms.
  EXPECT_EQ(lim.acquire("c").outcome, RateLimiter::Outcome::Refused);
  EXPECT_EQ(time.slept(), Duration::zero());
  time.advance(1s);
  EXPECT_EQ(lim.acquire("c").outcome, RateLimiter::Outcome::Granted);
  EXPECT_EQ(lim.refused(), 1u);
}

TEST(ProbeCache, AVerdictIsReusedUntilItsTtlEnds) {
  FakeTime time;
  VerdictCache<int> cache(10s, time);
  cache.put("k", 7);
  time.advance(9s);
  ASSERT_TRUE(cache.get("k"));
  EXPECT_EQ(*cache.get("k"), 7);
  time.advance(2s);
  EXPECT_FALSE(cache.get("k"));
}

TEST(ProbeTargets, ParsesEndpointsAndTheAllowList) {
  auto ep = parse_endpoint("stratum+ssl://pool.example.org:443");
  ASSERT_TRUE(ep);
  EXPECT_TRUE(ep->tls);
  EXPECT_EQ(ep->host, "pool.example.org");
  EXPECT_EQ(ep->port, 443);
  ep = parse_endpoint("[::1]:3333");
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->host, "::1");
  EXPECT_FALSE(parse_endpoint("no-port"));
  EXPECT_FALSE(parse_endpoint("host:99999"));
  EXPECT_FALSE(parse_endpoint("http://host:80"));

  TargetPolicy p = TargetPolicy::loopback_only();
  IpAddress ip;
  ASSERT_TRUE(IpAddress::parse("127.3.4.5", ip));
  EXPECT_TRUE(p.allows(ip));
  ASSERT_TRUE(IpAddress::parse("::1", ip));
  EXPECT_TRUE(p.allows(ip));
  ASSERT_TRUE(IpAddress::parse("10.1.2.3", ip));
  EXPECT_FALSE(p.allows(ip));
  ASSERT_TRUE(p.allow("10.0.0.0/8"));
  EXPECT_TRUE(p.allows(ip));
  ASSERT_TRUE(p.allow("*.pool.example"));
  ASSERT_TRUE(IpAddress::parse("9.9.9.9", ip));  // policy only: nothing is sent in this test
  EXPECT_TRUE(p.allows(ip, "eu.pool.example"));
  EXPECT_FALSE(p.allows(ip, "pool.example.evil"));
  ASSERT_TRUE(IpAddress::parse("192.0.2.1", ip));
  EXPECT_FALSE(p.allows(ip, "eu.pool.example")) << "documentation space is not opened by a name";
  EXPECT_FALSE(p.allow("10.0.0.0/40"));
}

ProbeConfig fast_config() {
  ProbeConfig c;
  c.connect_timeout = 2s;
  c.read_timeout = 400ms;
  c.limits.global = {1000, 1000};
  c.limits.per_target = {1000, 1000};
  return c;
}

// A test pool on loopback with one listener per behaviour.
struct Loopback : ::testing::Test {
  SimPool pool;
  std::uint16_t stratum = 0, cryptonote = 0, ethproxy = 0, silent = 0, http = 0, smtp = 0, slow = 0, slowish = 0;
  void SetUp() override {
    auto add = [&](Dialect d, SimMode m, Duration delay = {}) {
      ListenerSpec s;
      s.dialect = d;
      s.mode = m;
      s.delay = delay;
      auto p = pool.listen(s);
      EXPECT_TRUE(p) << (p ? "" : p.error().message);
      return p ? *p : std::uint16_t{0};
    };
    stratum = add(Dialect::Stratum, SimMode::Pool);
    cryptonote = add(Dialect::CryptoNote, SimMode::Pool);
    ethproxy = add(Dialect::EthProxy, SimMode::Pool);
    silent = add(Dialect::Stratum, SimMode::Silent);
    http = add(Dialect::Stratum, SimMode::Http);
    smtp = add(Dialect::Stratum, SimMode::Smtp);
    slow = add(Dialect::Stratum, SimMode::Pool, 3s);
    slowish = add(Dialect::CryptoNote, SimMode::Pool, 150ms);
    pool.start();
  }
  void TearDown() override { pool.stop(); }
  static Endpoint local(std::uint16_t port) { return Endpoint{"127.0.0.1", port, false}; }
};

TEST_F(Loopback, EachDialectIsRecognisedByAutoProbing) {
  SystemTime time;
  Prober prober(fast_config(), time);
  auto r = prober.probe(local(stratum));
  EXPECT_EQ(r.verdict, Verdict::MiningPool) << r.reason;
  EXPECT_EQ(r.dialect, Dialect::Stratum);
  EXPECT_EQ(r.details.size() >= 2, true);
  EXPECT_EQ(r.attempts.size(), 1u);

  r = prober.probe(local(cryptonote));
  EXPECT_EQ(r.verdict, Verdict::MiningPool) << r.reason;
  EXPECT_EQ(r.dialect, Dialect::CryptoNote);
  EXPECT_EQ(r.details.at("algo"), "rx/0");
  EXPECT_EQ(r.details.count("error"), 0u);  // the stratum attempt's error belongs to that attempt only
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.attempts[0].verdict, Verdict::NotMining);

  r = prober.probe(local(ethproxy));
  EXPECT_EQ(r.verdict, Verdict::MiningPool) << r.reason;
  EXPECT_EQ(r.dialect, Dialect::EthProxy);
  EXPECT_GT(std::stod(r.details.at("difficulty")), 4e9);
}

TEST_F(Loopback, AnExplicitDialectOnlySpeaksThatDialect) {
  SystemTime time;
  ProbeConfig c = fast_config();
  c.dialect = Dialect::Stratum;
  Prober prober(c, time);
  auto r = prober.probe(local(cryptonote));
  EXPECT_EQ(r.verdict, Verdict::NotMining);  // a CryptoNote pool refuses mining.subscribe
  EXPECT_EQ(r.attempts.size(), 1u);
}

TEST_F(Loopback, ASilentPortIsSilentAndTheReadTimeoutIsRespected) {
  SystemTime time;
  ProbeConfig c = fast_config();
  c.dialect = Dialect::Stratum;
  Prober prober(c, time);
  auto t0 = std::chrono::steady_clock::now();
  auto r = prober.probe(local(silent));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.verdict, Verdict::Silent);
  EXPECT_GE(took, 390ms);
  EXPECT_LT(took, 1500ms);
}

TEST_F(Loopback, NonMiningServicesAreNotMining) {
  SystemTime time;
  Prober prober(fast_config(), time);
  auto r = prober.probe(local(http));
  EXPECT_EQ(r.verdict, Verdict::NotMining);
  EXPECT_NE(r.reason.find("HTTP/1.1 400"), std::string::npos) << r.reason;
  r = prober.probe(local(smtp));
  EXPECT_EQ(r.verdict, Verdict::NotMining);
  EXPECT_NE(r.reason.find("220 "), std::string::npos) << r.reason;
}

TEST_F(Loopback, ASlowPeerTimesOutWithinTheReadTimeoutAndASlightlySlowOneStillAnswers) {
  SystemTime time;
  ProbeConfig c = fast_config();
  c.dialect = Dialect::Stratum;
  Prober prober(c, time);
  auto t0 = std::chrono::steady_clock::now();
  auto r = prober.probe(local(slow));  // answers after 3 s; we wait 400 ms
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.verdict, Verdict::Silent);
  EXPECT_LT(took, 1500ms);

  c.dialect = Dialect::CryptoNote;
  Prober p2(c, time);
  r = p2.probe(local(slowish));  // 150 ms delay < 400 ms timeout
  EXPECT_EQ(r.verdict, Verdict::MiningPool) << r.reason;
  EXPECT_GE(r.elapsed, 140ms);
}

TEST_F(Loopback, ARefusedPortIsRefusedAndNotProbedInOtherDialects) {
  SystemTime time;
  Prober prober(fast_config(), time);
  // A port we bound and closed again: nothing listens there.
  std::uint16_t closed_port;
  {
    SimPool tmp;
    auto p = tmp.listen(ListenerSpec{});
    ASSERT_TRUE(p);
    closed_port = *p;
  }
  auto r = prober.probe(local(closed_port));
  EXPECT_EQ(r.verdict, Verdict::Refused);
  EXPECT_EQ(r.attempts.size(), 1u);
}

TEST_F(Loopback, TheVerdictCacheAnswersARepeatWithoutConnecting) {
  SystemTime time;
  Prober prober(fast_config(), time);
  auto first = prober.probe(local(stratum));
  ASSERT_EQ(first.verdict, Verdict::MiningPool);
  auto connects = prober.connects();
  auto again = prober.probe(local(stratum));
  EXPECT_TRUE(again.cached);
  EXPECT_EQ(again.verdict, Verdict::MiningPool);
  EXPECT_EQ(again.details, first.details);
  EXPECT_EQ(prober.connects(), connects);
  EXPECT_EQ(prober.cache_hits(), 1u);
}

TEST_F(Loopback, ProbesBeyondTheRateLimitAreRefusedWithoutConnecting) {
  FakeTime time;  // the limiter's clock: no wall-clock waiting in this test
  ProbeConfig c = fast_config();
  c.dialect = Dialect::Stratum;
  c.cache_ttl = Duration::zero();
  c.limits.per_target = {0.01, 2.0};  // 2 at once, then one per 100 s
  c.limits.max_wait = 5s;
  Prober prober(c, time);
  EXPECT_EQ(prober.probe(local(stratum)).verdict, Verdict::MiningPool);
  EXPECT_EQ(prober.probe(local(stratum)).verdict, Verdict::MiningPool);
  auto r = prober.probe(local(stratum));
  EXPECT_EQ(r.verdict, Verdict::RateLimited);
  EXPECT_EQ(prober.connects(), 2u);
  time.advance(100s);
  EXPECT_EQ(prober.probe(local(stratum)).verdict, Verdict::MiningPool);
  EXPECT_EQ(prober.connects(), 3u);
}

TEST_F(Loopback, WithinTheWaitBoundTheLimiterDelaysInsteadOfRefusing) {
  FakeTime time;
  ProbeConfig c = fast_config();
  c.dialect = Dialect::Stratum;
  c.cache_ttl = Duration::zero();
  c.limits.global = {2.0, 1.0};  // one at once, then one every 500 ms
  c.limits.max_wait = 1s;
  Prober prober(c, time);
  for (int i = 0; i < 4; ++i) {
    auto r = prober.probe(local(stratum));
    EXPECT_EQ(r.verdict, Verdict::MiningPool);
    EXPECT_NEAR(std::chrono::duration<double>(r.rate_wait).count(), i == 0 ? 0.0 : 0.5, 1e-3) << i;
  }
  EXPECT_NEAR(std::chrono::duration<double>(time.slept()).count(), 1.5, 1e-3);
}

TEST(ProbeAllowList, ANonLoopbackTargetIsRefusedWithoutAnyConnect) {
  SystemTime time;
  Prober prober(fast_config(), time);
  for (const char* t : {"192.0.2.10:3333", "8.8.8.8:4444", "[2001:db8::1]:3333", "10.0.0.1:14444"}) {
    auto ep = parse_endpoint(t);
    ASSERT_TRUE(ep) << t;
    auto r = prober.probe(*ep);
    EXPECT_EQ(r.verdict, Verdict::NotAllowed) << t;
    EXPECT_TRUE(r.attempts.empty());
  }
  IpAddress ip;
  ASSERT_TRUE(IpAddress::parse("203.0.113.5", ip));
  EXPECT_EQ(prober.probe(ip, 3333).verdict, Verdict::NotAllowed);
  EXPECT_EQ(prober.connects(), 0u);
  EXPECT_EQ(prober.limiter().granted(), 0u);
}

// A resolver that must not be needed: counts calls, answers from a fixed table (no real DNS in tests).
struct FakeResolver {
  std::map<std::string, std::vector<std::string>> table;
  std::shared_ptr<std::vector<std::string>> asked = std::make_shared<std::vector<std::string>>();
  std::function<Result<std::vector<IpAddress>>(const std::string&)> fn() const {
    return [t = table, asked = asked](const std::string& host) -> Result<std::vector<IpAddress>> {
      asked->push_back(host);
      auto it = t.find(host);
      if (it == t.end()) return make_error(host + ": no such name (fake)");
      std::vector<IpAddress> out;
      for (const auto& a : it->second) {
        IpAddress ip;
        EXPECT_TRUE(IpAddress::parse(a, ip)) << a;
        out.push_back(ip);
      }
      return out;
    };
  }
};

TEST(ProbeAllowList, ANameOffTheListIsNeverResolved) {
  FakeResolver dns;
  dns.table["pool.example.org"] = {"127.0.0.1"};
  ProbeConfig cfg = fast_config();
  cfg.resolver = dns.fn();
  SystemTime time;
  Prober prober(cfg, time);
  for (const char* t : {"pool.example.org:3333", "stratum+ssl://xmr.pool.example:443", "POOL.EXAMPLE.ORG.:3333"}) {
    auto r = prober.probe(*parse_endpoint(t));
    EXPECT_EQ(r.verdict, Verdict::NotAllowed) << t;
    EXPECT_NE(r.reason.find("not resolved"), std::string::npos) << r.reason;
    EXPECT_TRUE(r.address.empty()) << t;
  }
  EXPECT_TRUE(dns.asked->empty()) << "a DNS query left for a name the allow-list does not name";
  EXPECT_EQ(prober.connects(), 0u);
}

TEST(ProbeAllowList, AnAllowedNameOpensOnlyAddressesThatPassTheListThemselves) {
  TargetPolicy p = TargetPolicy::loopback_only();
  ASSERT_TRUE(p.allow("*.pool.test"));
  ASSERT_TRUE(p.allow("solo.example"));
  EXPECT_TRUE(p.allows_name("eu.pool.test"));
  EXPECT_TRUE(p.allows_name("Solo.Example."));
  EXPECT_FALSE(p.allows_name("pool.test.evil"));
  EXPECT_FALSE(p.allows_name("127.0.0.1")) << "an address literal is not a name";
  IpAddress ip;
  ASSERT_TRUE(IpAddress::parse("8.8.4.4", ip));
  EXPECT_TRUE(p.allows(ip, "eu.pool.test")) << "a public address of an allowed name";
  EXPECT_FALSE(p.allows(ip)) << "but not without the name";
  for (const char* inward : {"10.1.2.3", "192.168.1.1", "172.20.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                             "224.0.0.251", "fd00::1", "fe80::1", "::ffff:10.0.0.1"}) {
    ASSERT_TRUE(IpAddress::parse(inward, ip)) << inward;
    EXPECT_FALSE(p.allows(ip, "eu.pool.test")) << inward << ": an allowed name must not open inward space";
  }

  // End to end: the name is allowed, DNS (fake) answers private and documentation addresses only.
  FakeResolver dns;
  dns.table["rebind.pool.test"] = {"10.0.0.7", "192.168.0.9", "192.0.2.44"};
  ProbeConfig cfg = fast_config();
  cfg.policy = p;
  cfg.resolver = dns.fn();
  SystemTime time;
  Prober prober(cfg, time);
  auto r = prober.probe(*parse_endpoint("rebind.pool.test:3333"));
  EXPECT_EQ(r.verdict, Verdict::NotAllowed);
  EXPECT_EQ(*dns.asked, std::vector<std::string>{"rebind.pool.test"});
  EXPECT_EQ(prober.connects(), 0u);
  EXPECT_EQ(prober.limiter().granted(), 0u);
}

TEST_F(Loopback, AnAllowedNameIsResolvedAndTheAddressThatPassesIsProbed) {
  FakeResolver dns;
  dns.table["sim.pool.test"] = {"10.9.9.9", "127.0.0.1"};  // the private one is skipped, loopback is allowed
  ProbeConfig cfg = fast_config();
  ASSERT_TRUE(cfg.policy.allow("sim.pool.test"));
  cfg.resolver = dns.fn();
  SystemTime time;
  Prober prober(cfg, time);
  auto r = prober.probe(Endpoint{"sim.pool.test", stratum, false});
  EXPECT_EQ(r.verdict, Verdict::MiningPool) << r.reason;
  EXPECT_EQ(r.address, "127.0.0.1");
  EXPECT_EQ(dns.asked->size(), 1u);
  EXPECT_EQ(prober.connects(), 1u);
  // "localhost" is answered without any resolver (RFC 6761), then checked like loopback.
  auto l = prober.probe(Endpoint{"localhost", cryptonote, false});
  EXPECT_EQ(l.verdict, Verdict::MiningPool) << l.reason;
  EXPECT_EQ(dns.asked->size(), 1u);
}

TEST(ProbeReport, TheJsonLineCarriesVerdictDialectAndDetails) {
  ProbeResult r;
  r.target = "127.0.0.1:3333";
  r.address = "127.0.0.1";
  r.port = 3333;
  r.verdict = Verdict::MiningPool;
  r.dialect = Dialect::Stratum;
  r.details["extranonce1"] = "f000000d";
  r.attempts.push_back({Dialect::Stratum, Verdict::MiningPool, 3ms, "stratum subscribe result", {}, Dialect::Stratum});
  std::string line = probe_json_line(r, 1700000000.25);
  EXPECT_NE(line.find("\"verdict\":\"mining_pool\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"dialect\":\"stratum\""), std::string::npos);
  EXPECT_NE(line.find("\"extranonce1\":\"f000000d\""), std::string::npos);
  EXPECT_NE(line.find("\"timestamp\":\"2023-11-14T22:13:20.250000+0000\""), std::string::npos) << line;
  EXPECT_EQ(line.back(), '\n');
}

}  // namespace
}  // namespace minewatch::probe
