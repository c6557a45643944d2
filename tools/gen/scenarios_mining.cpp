// Mining sessions of every supported family, with ground truth. Shares follow a Poisson process at a
// chosen true hashrate: inter-share times are exponential with mean = work per share / hashrate.
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "gen/scenario.hpp"

namespace mwgen {

std::string_view adversity_name(Adversity a) {
  switch (a) {
    case Adversity::Split: return "split";
    case Adversity::Coalesce: return "coalesce";
    case Adversity::Retransmit: return "retransmit";
    case Adversity::Reorder: return "reorder";
    case Adversity::Overlap: return "overlap";
    case Adversity::MidSession: return "midsession";
    case Adversity::OddJson: return "odd_json";
    case Adversity::Port443: return "port443";
    case Adversity::HighPort: return "highport";
    case Adversity::Ipv6: return "ipv6";
    case Adversity::Vlan: return "vlan";
    case Adversity::Vardiff: return "vardiff";
  }
  return "?";
}

bool MiningPlan::has(Adversity a) const {
  return std::find(adversities.begin(), adversities.end(), a) != adversities.end();
}

namespace {

constexpr double k2_32 = 4294967296.0;

std::string base58(Rng& rng, std::size_t n) {
  static constexpr char kChars[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::string s(n, '1');
  for (auto& c : s) c = kChars[rng.range(0, 57)];
  return s;
}

std::string hex32(std::uint32_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(8, '0');
  for (int i = 7; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = kDigits[v & 15];
    v >>= 4;
  }
  return s;
}

// Little-endian hex of a 32-bit value ("b88d0600" for 0x00068db8).
std::string hex32_le(std::uint32_t v) {
  const std::uint32_t sw = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24);
  return hex32(sw);
}

std::string reverse_hex_bytes(const std::string& h) {
  std::string out;
  for (std::size_t i = h.size(); i >= 2; i -= 2) out += h.substr(i - 2, 2);
  return out;
}

double pow2_near(double x) { return std::exp2(std::round(std::log2(std::max(x, 1e-9)))); }

class Session {
 public:
  Session(Context& ctx, Rng& rng, Nanos start, const MiningPlan& plan)
      : ctx_(ctx),
        rng_(rng),
        plan_(plan),
        start_(start),
        lw_(plan.has(Adversity::OddJson) ? JsonStyle::odd() : JsonStyle{}, rng) {}
  virtual ~Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void run();

 protected:
  // Family hooks.
  virtual void choose(std::uint16_t& port, std::string& pool_host) = 0;  // rates, difficulty, names
  virtual void setup() = 0;                                              // login / subscribe
  virtual void resume() = 0;  // capture starts mid-session: a partial line, then normal traffic
  virtual void job() = 0;
  virtual void share() = 0;
  virtual void retarget(double diff) = 0;
  virtual void tick() {}
  virtual Nanos job_interval() = 0;
  virtual Nanos tick_interval() { return 0; }
  virtual double work(double diff) const = 0;  // hashes (or solutions) per share at `diff`
  // The username exactly as the miner sent it, and its account (wallet) part.
  virtual std::string full_login() const { return worker_.empty() ? login_ : login_ + "." + worker_; }
  virtual std::string account() const { return login_; }
  virtual double next_diff(double diff) { return rng_.chance(0.5) ? diff * 2 : diff / 2; }

  // Messaging with the session's adversities applied.
  Delivery delivery(std::size_t size);
  void say(Side from, const Json& j) {
    queue(from, j);
    flush(from);
  }
  void queue(Side from, const Json& j) { pending_[index(from)] += lw_.line(j); }
  void queue_raw(Side from, std::string_view s) { pending_[index(from)] += s; }
  void flush(Side from) {
    std::string& p = pending_[index(from)];
    if (p.empty()) return;
    conn_->send(from, p, delivery(p.size()));
    p.clear();
  }
  // The first line seen when the capture starts mid-session: only its tail.
  void partial(Side from, const Json& j) {
    const std::string line = lw_.line(j);
    conn_->send(from, std::string_view{line}.substr(rng_.range(1, line.size() - 2)));
  }
  void pool_delay() {
    conn_->wait(conn_->timing().server_rtt + static_cast<Nanos>(rng_.uniform(0.5, 25.0) * static_cast<double>(kMs)));
  }
  void miner_delay() {
    conn_->wait(conn_->timing().client_rtt + static_cast<Nanos>(rng_.uniform(0.1, 3.0) * static_cast<double>(kMs)));
  }
  Json id() { return lw_.id(next_id_++); }
  bool coalesce() const { return plan_.has(Adversity::Coalesce); }
  bool accept() {
    ++shares_;
    if (rng_.chance(0.96)) {
      ++accepted_;
      return true;
    }
    ++rejected_;
    return false;
  }
  void set_diff(double d) {
    diff_ = d;
    diffs_.push_back(d);
    works_.push_back(work(d));
  }
  std::uint32_t unix_time() const { return static_cast<std::uint32_t>(conn_->now() / kSec); }

  static std::size_t index(Side s) { return s == Side::Client ? 0 : 1; }

  Context& ctx_;
  Rng& rng_;
  MiningPlan plan_;
  Nanos start_;
  LineWriter lw_;
  std::optional<TcpConnection> conn_;
  std::string pending_[2];
  std::size_t messages_ = 0;
  std::int64_t next_id_ = 1;

  // Truth.
  std::string family_, variant_, unit_ = "H/s", agent_, login_, worker_;
  double hashrate_ = 0;
  double diff_ = 0;
  std::vector<double> diffs_, works_;
  bool diff_seen_ = false;
  int shares_ = 0, accepted_ = 0, rejected_ = 0;
  std::optional<double> reported_hashrate_;
  std::string worker_field_;  // ETHProxy's top-level "worker" value
};

Delivery Session::delivery(std::size_t size) {
  Delivery options[4];
  std::size_t n = 0;
  if (plan_.has(Adversity::Split)) options[n++] = Delivery::Split;
  if (plan_.has(Adversity::Retransmit)) options[n++] = Delivery::Retransmit;
  if (plan_.has(Adversity::Reorder)) options[n++] = Delivery::Reorder;
  if (plan_.has(Adversity::Overlap)) options[n++] = Delivery::Overlap;
  const std::size_t k = messages_++;
  if (n == 0 || size < 8) return Delivery::Normal;
  // The first few messages carry each adversity for certain; later ones now and then.
  if (k >= 1 && k <= 2 * n && k % 2 == 1) return options[(k / 2) % n];
  if (rng_.chance(plan_.has(Adversity::Split) ? 0.25 : 0.08)) return options[rng_.range(0, n - 1)];
  return Delivery::Normal;
}

void Session::run() {
  std::uint16_t port = 0;
  std::string pool_host;
  choose(port, pool_host);
  if (plan_.has(Adversity::Port443)) port = 443;
  if (plan_.has(Adversity::HighPort)) port = static_cast<std::uint16_t>(rng_.range(20000, 60999));
  const bool v6 = plan_.has(Adversity::Ipv6);
  const IpAddr miner = v6 ? next_miner_v6(ctx_) : next_miner_v4(ctx_);
  const IpAddr pool = v6 ? pool_v6(rng_) : pool_v4(rng_);
  const int vlan = plan_.has(Adversity::Vlan) ? static_cast<int>(rng_.range(2, 4000)) : -1;
  const bool midsession = plan_.has(Adversity::MidSession);

  Nanos t0 = start_;
  if (plan_.dns_first && !midsession) {
    dns_lookup(ctx_, rng_, start_, miner, pool_host, {pool}, vlan);
    t0 += 60 * kMs;
  }
  const FlowAddr addr = make_flow(rng_, miner, ephemeral_port(rng_), pool, port, vlan);
  ctx_.cap.begin_long_flow();
  conn_.emplace(ctx_.cap, rng_, addr, t0, random_timing(rng_));
  if (midsession) {
    conn_->join_established();
    resume();
  } else {
    conn_->handshake();
    miner_delay();
    setup();
  }

  const Nanos end = start_ + plan_.duration;
  constexpr Nanos kNever = INT64_MAX;
  const auto draw = [&](Nanos from) {
    return from + static_cast<Nanos>(rng_.exponential(work(diff_) / hashrate_) * static_cast<double>(kSec));
  };
  Nanos next_share = draw(conn_->now());
  Nanos next_job = conn_->now() + static_cast<Nanos>(rng_.uniform(0.2, 1.0) * static_cast<double>(job_interval()));
  const Nanos tick_every = tick_interval();
  Nanos next_tick = tick_every > 0 ? conn_->now() + tick_every : kNever;
  Nanos vardiff_at = plan_.has(Adversity::Vardiff)
                         ? start_ + static_cast<Nanos>(rng_.uniform(0.3, 0.6) * static_cast<double>(plan_.duration))
                         : kNever;
  int retargets = 0;
  for (;;) {
    const Nanos t = std::min({next_share, next_job, next_tick, vardiff_at});
    if (t > end) break;
    conn_->wait_until(t);
    if (t == vardiff_at) {
      retarget(next_diff(diff_));
      vardiff_at = ++retargets < plan_.vardiff_changes
                       ? conn_->now() + static_cast<Nanos>(rng_.uniform(0.1, 0.3) * static_cast<double>(plan_.duration))
                       : kNever;
      next_share = draw(conn_->now());  // memoryless: redraw at the new difficulty
    } else if (t == next_job) {
      job();
      next_job = conn_->now() + static_cast<Nanos>(rng_.uniform(0.5, 1.5) * static_cast<double>(job_interval()));
    } else if (t == next_tick) {
      tick();
      next_tick = conn_->now() + tick_every;
    } else {
      share();
      next_share = draw(next_share);
    }
  }
  conn_->wait_until(end);
  const double r = rng_.uniform();
  if (r < 0.5) {
    conn_->close_fin(Side::Client);
  } else if (r < 0.65) {
    conn_->close_rst(Side::Client);
  } else {
    conn_->abandon();  // still mining when the capture ends
  }
  ctx_.cap.end_long_flow();

  Json advs = Json::arr({});
  for (Adversity a : plan_.adversities) advs.push(Json{adversity_name(a)});
  Json diffs = Json::arr({}), works = Json::arr({});
  for (double d : diffs_) diffs.push(Json{d});
  for (double w : works_) works.push(Json{w});
  Json line = Json::obj({{"kind", "mining"},
                         {"miner", miner.str()},
                         {"miner_port", Json{static_cast<unsigned>(addr.client_port)}},
                         {"pool", pool.str()},
                         {"pool_port", Json{static_cast<unsigned>(port)}},
                         {"pool_host", pool_host},
                         {"family", family_},
                         {"variant", variant_}});
  if (!agent_.empty()) line.set("agent", agent_);
  line.set("login", full_login());
  line.set("account", account());
  if (!worker_.empty()) line.set("worker", worker_);
  if (!worker_field_.empty()) line.set("worker_field", worker_field_);
  line.set("true_hashrate", hashrate_);
  line.set("hashrate_unit", unit_);
  if (reported_hashrate_) line.set("reported_hashrate", *reported_hashrate_);
  line.set("shares", shares_);
  line.set("accepted", accepted_);
  line.set("rejected", rejected_);
  line.set("difficulties", diffs);
  line.set("share_work", works);
  line.set("difficulty_in_capture", diff_seen_);
  if (vlan >= 0) line.set("vlan", vlan);
  line.set("adversities", advs);
  line.set("start", seconds(conn_->first_packet()));
  line.set("end", seconds(conn_->last_packet()));
  ctx_.truth.write(line);
  ctx_.mining_sessions++;
  ctx_.flows++;
}

// ---- Stratum V1, SHA-256d (cgminer / ASIC firmware) ----

class StratumSha256d : public Session {
 public:
  using Session::Session;

 protected:
  void choose(std::uint16_t& port, std::string& host) override {
    family_ = "stratum";
    variant_ = "sha256d";
    static constexpr std::string_view kAgents[] = {"cgminer/4.10.0", "bmminer/2.0.0", "cgminer/4.9.2"};
    agent_ = std::string(rng_.pick(kAgents));
    static constexpr std::string_view kHosts[] = {"stratum.slushpool.com", "btc.viabtc.io", "ss.antpool.com",
                                                  "stratum.example-pool.com"};
    host = std::string(rng_.pick(kHosts));
    static constexpr std::uint16_t kPorts[] = {3333, 3334, 1800};
    port = rng_.pick(kPorts);
    static constexpr std::string_view kAccounts[] = {"btcfarm", "acme_mining", "jsmith", "hashhouse"};
    login_ = std::string(rng_.pick(kAccounts)) + std::to_string(rng_.range(1, 99));
    worker_ = "s19-" + std::to_string(rng_.range(1, 400));
    hashrate_ = std::round(std::clamp(rng_.lognormal(14e12, 0.6), 1e12, 2e14) / 1e9) * 1e9;
    set_diff(pow2_near(hashrate_ * rng_.uniform(8, 25) / k2_32));
    version_rolling_ = rng_.chance(0.6);
  }
  double work(double d) const override { return d * k2_32; }
  Nanos job_interval() override { return static_cast<Nanos>(rng_.uniform(20, 60) * static_cast<double>(kSec)); }

  Json notify(bool clean) {
    Json branches = Json::arr({});
    const int n = rng_.irange(6, 12);
    for (int i = 0; i < n; ++i) branches.push(rng_.hex(64));
    job_id_ = rng_.hex(rng_.chance(0.5) ? 4 : 8);
    return lw_.request(nullptr, "mining.notify",
                       Json::arr({job_id_, rng_.hex(64),
                                  "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff" +
                                      rng_.hex(rng_.range(20, 60) * 2),
                                  rng_.hex(rng_.range(60, 140) * 2) + "00000000", branches, "20000000", "17034219",
                                  hex32(unix_time()), clean}),
                       false);
  }
  Json set_difficulty() {
    diff_seen_ = true;
    return lw_.request(nullptr, "mining.set_difficulty", Json::arr({diff_}), false);
  }
  std::string user() const { return login_ + "." + worker_; }

  void setup() override {
    if (version_rolling_) {
      say(Side::Client,
          lw_.request(id(), "mining.configure",
                      Json::arr({Json::arr({"version-rolling"}), Json::obj({{"version-rolling.mask", "1fffe000"},
                                                                            {"version-rolling.min-bit-count", 2}})}),
                      false));
      pool_delay();
      say(Side::Server,
          lw_.response(lw_.id(next_id_ - 1),
                       Json::obj({{"version-rolling", true}, {"version-rolling.mask", "1fffe000"}}), nullptr, false));
      miner_delay();
    }
    const auto sub_id = next_id_;
    queue(Side::Client, lw_.request(id(), "mining.subscribe", Json::arr({agent_}), false));
    const auto auth_id = next_id_;
    const Json auth = lw_.request(id(), "mining.authorize", Json::arr({user(), "x"}), false);
    if (!coalesce()) {
      flush(Side::Client);
      pool_delay();
      say(Side::Server, subscribe_result(sub_id));
      miner_delay();
      say(Side::Client, auth);
      pool_delay();
      say(Side::Server, lw_.response(lw_.id(auth_id), true, nullptr, false));
      say(Side::Server, set_difficulty());
      say(Side::Server, notify(true));
    } else {  // cgminer writes subscribe and authorize together; pools answer in one burst
      queue(Side::Client, auth);
      flush(Side::Client);
      pool_delay();
      queue(Side::Server, subscribe_result(sub_id));
      queue(Side::Server, lw_.response(lw_.id(auth_id), true, nullptr, false));
      queue(Side::Server, set_difficulty());
      queue(Side::Server, notify(true));
      flush(Side::Server);
    }
  }
  Json subscribe_result(std::int64_t sub_id) {
    const std::string sid = rng_.hex(16);
    return lw_.response(
        lw_.id(sub_id),
        Json::arr({Json::arr({Json::arr({"mining.set_difficulty", sid}), Json::arr({"mining.notify", sid})}),
                   rng_.hex(8), 4}),
        nullptr, false);
  }
  void resume() override {
    partial(Side::Server, notify(false));
    job();
  }
  void job() override { say(Side::Server, notify(rng_.chance(0.15))); }
  void share() override {
    const auto sid = next_id_;
    Json params = Json::arr({user(), job_id_, rng_.hex(8), hex32(unix_time()), rng_.hex(8)});
    if (version_rolling_) params.push(hex32(rng_.u32() & 0x1fffe000u));
    say(Side::Client, lw_.request(id(), "mining.submit", params, false));
    pool_delay();
    if (accept()) {
      queue(Side::Server, lw_.response(lw_.id(sid), true, nullptr, false));
    } else {
      queue(Side::Server, lw_.response(lw_.id(sid), false, Json::arr({23, "Low difficulty share", nullptr}), false));
    }
    if (coalesce() && rng_.chance(0.3)) queue(Side::Server, notify(false));
    flush(Side::Server);
  }
  void retarget(double d) override {
    set_diff(pow2_near(d));
    queue(Side::Server, set_difficulty());
    queue(Side::Server, notify(false));
    flush(Side::Server);
  }

  bool version_rolling_ = false;
  std::string job_id_ = "1";
};

// ---- EthereumStratum/1.0.0 (NiceHash) ----

class EthStratum : public Session {
 public:
  using Session::Session;

 protected:
  void choose(std::uint16_t& port, std::string& host) override {
    family_ = "stratum";
    variant_ = "ethstratum";
    static constexpr std::string_view kAgents[] = {"PhoenixMiner/5.5c", "lolMiner/1.76", "NBMiner/42.3"};
    agent_ = std::string(rng_.pick(kAgents));
    static constexpr std::string_view kHosts[] = {"daggerhashimoto.eu.nicehash.com", "etc.example-pool.com",
                                                  "ethash.example-pool.net"};
    host = std::string(rng_.pick(kHosts));
    static constexpr std::uint16_t kPorts[] = {3353, 4444, 3333};
    port = rng_.pick(kPorts);
    login_ = "0x" + rng_.hex(40);
    worker_ = "rig" + std::to_string(rng_.range(1, 50));
    hashrate_ = std::round(std::clamp(rng_.lognormal(120e6, 0.7), 20e6, 3e9) / 1e5) * 1e5;
    set_diff(pow2_near(hashrate_ * rng_.uniform(8, 20) / k2_32));
  }
  double work(double d) const override { return d * k2_32; }
  Nanos job_interval() override { return static_cast<Nanos>(rng_.uniform(6, 14) * static_cast<double>(kSec)); }
  std::string user() const { return login_ + "." + worker_; }
  Json notify(bool clean) {
    job_id_ = rng_.hex(6);
    return lw_.request(nullptr, "mining.notify", Json::arr({job_id_, seed_, rng_.hex(64), clean}), false);
  }
  Json set_difficulty() {
    diff_seen_ = true;
    return lw_.request(nullptr, "mining.set_difficulty", Json::arr({diff_}), false);
  }
  void setup() override {
    seed_ = rng_.hex(64);
    say(Side::Client, lw_.request(id(), "mining.subscribe", Json::arr({agent_, "EthereumStratum/1.0.0"}), false));
    pool_delay();
    say(Side::Server,
        lw_.response(lw_.id(1),
                     Json::arr({Json::arr({"mining.notify", rng_.hex(32), "EthereumStratum/1.0.0"}), rng_.hex(4)}),
                     nullptr, false));
    miner_delay();
    queue(Side::Client, lw_.request(id(), "mining.authorize", Json::arr({user(), "x"}), false));
    if (coalesce()) queue(Side::Client, lw_.request(id(), "mining.extranonce.subscribe", Json::arr({}), false));
    flush(Side::Client);
    pool_delay();
    queue(Side::Server, lw_.response(lw_.id(2), true, nullptr, false));
    if (coalesce()) queue(Side::Server, lw_.response(lw_.id(3), true, nullptr, false));
    if (!coalesce()) flush(Side::Server);
    queue(Side::Server, set_difficulty());
    queue(Side::Server, notify(true));
    flush(Side::Server);
  }
  void resume() override {
    seed_ = rng_.hex(64);
    partial(Side::Server, notify(false));
    job();
  }
  void job() override { say(Side::Server, notify(rng_.chance(0.1))); }
  void share() override {
    const auto sid = next_id_;
    say(Side::Client, lw_.request(id(), "mining.submit", Json::arr({user(), job_id_, rng_.hex(12)}), false));
    pool_delay();
    if (accept()) {
      say(Side::Server, lw_.response(lw_.id(sid), true, nullptr, false));
    } else {
      say(Side::Server, lw_.response(lw_.id(sid), false, Json::arr({21, "Job not found", nullptr}), false));
    }
  }
  void retarget(double d) override {
    set_diff(pow2_near(d));
    queue(Side::Server, set_difficulty());
    queue(Side::Server, notify(false));
    flush(Side::Server);
  }
  std::string job_id_ = "000001", seed_;
};

// ---- Equihash Stratum (Zcash family): mining.set_target ----

class Equihash : public Session {
 public:
  using Session::Session;

 protected:
  void choose(std::uint16_t& port, std::string& host) override {
    family_ = "stratum";
    variant_ = "equihash";
    unit_ = "Sol/s";
    static constexpr std::string_view kAgents[] = {"nheqminer/0.5c", "EWBF/0.6", "gminer/3.44"};
    agent_ = std::string(rng_.pick(kAgents));
    static constexpr std::string_view kHosts[] = {"zec.2miners.com", "equihash.example-pool.com", "flux.example.net"};
    host = std::string(rng_.pick(kHosts));
    static constexpr std::uint16_t kPorts[] = {3357, 2020, 3032};
    port = rng_.pick(kPorts);
    login_ = "t1" + base58(rng_, 33);
    worker_ = "gpu" + std::to_string(rng_.range(1, 30));
    hashrate_ = std::round(std::clamp(rng_.lognormal(900, 0.6), 100.0, 20000.0));
    set_diff(pow2_near(hashrate_ * rng_.uniform(8, 25)));
  }
  // The difficulty we record is the share work itself: 2^256 / target solutions.
  double work(double d) const override { return d; }
  Nanos job_interval() override { return static_cast<Nanos>(rng_.uniform(40, 110) * static_cast<double>(kSec)); }
  Json set_target() {
    diff_seen_ = true;
    return lw_.request(nullptr, "mining.set_target", Json::arr({div_2_256_hex(static_cast<std::uint64_t>(diff_))}),
                       false);
  }
  Json notify(bool clean) {
    job_id_ = rng_.hex(rng_.chance(0.5) ? 4 : 8);
    return lw_.request(nullptr, "mining.notify",
                       Json::arr({job_id_, "04000000", rng_.hex(64), rng_.hex(64), std::string(64, '0'),
                                  hex32_le(unix_time()), "1d0b6e4a", clean}),
                       false);
  }
  std::string user() const { return login_ + "." + worker_; }
  void setup() override {
    say(Side::Client, lw_.request(id(), "mining.subscribe", Json::arr({agent_, nullptr, "zec.pool", "3357"}), false));
    pool_delay();
    say(Side::Server, lw_.response(lw_.id(1), Json::arr({nullptr, rng_.hex(8)}), nullptr, false));
    miner_delay();
    say(Side::Client, lw_.request(id(), "mining.authorize", Json::arr({user(), "x"}), false));
    pool_delay();
    queue(Side::Server, lw_.response(lw_.id(2), true, nullptr, false));
    if (!coalesce()) flush(Side::Server);
    queue(Side::Server, set_target());
    if (!coalesce()) flush(Side::Server);
    queue(Side::Server, notify(true));
    flush(Side::Server);
  }
  void resume() override {
    partial(Side::Server, notify(false));
    job();
  }
  void job() override { say(Side::Server, notify(rng_.chance(0.3))); }
  void share() override {
    const auto sid = next_id_;
    // A 1344-byte Equihash(200,9) solution with its compact-size prefix: submits span two segments.
    say(Side::Client,
        lw_.request(id(), "mining.submit",
                    Json::arr({user(), job_id_, hex32_le(unix_time()), rng_.hex(56), "fd4005" + rng_.hex(2688)}),
                    false));
    pool_delay();
    if (accept()) {
      say(Side::Server, lw_.response(lw_.id(sid), true, nullptr, false));
    } else {
      say(Side::Server, lw_.response(lw_.id(sid), nullptr, Json::arr({23, "Low difficulty share", nullptr}), false));
    }
  }
  void retarget(double d) override {
    set_diff(pow2_near(d));
    queue(Side::Server, set_target());
    queue(Side::Server, notify(false));
    flush(Side::Server);
  }
  std::string job_id_ = "1";
};

// ---- CryptoNote / RandomX (XMRig) ----

class CryptoNote : public Session {
 public:
  using Session::Session;

 protected:
  void choose(std::uint16_t& port, std::string& host) override {
    family_ = "cryptonote";
    variant_ = "rx/0";
    agent_ = "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0";
    if (rng_.chance(0.3)) agent_ = "XMRig/6.20.0 (Windows NT 10.0; Win64; x64) libuv/1.44.2 msvc/2019";
    static constexpr std::string_view kHosts[] = {"pool.supportxmr.com", "gulf.moneroocean.stream",
                                                  "xmr.pool.example-pool.com", "xmr-eu1.nanopool.org"};
    host = std::string(rng_.pick(kHosts));
    static constexpr std::uint16_t kPorts[] = {3333, 5555, 7777, 10128, 14444, 4444};
    port = rng_.pick(kPorts);
    wallet_ = "4" + base58(rng_, 94);
    worker_ = "host-" + rng_.alnum(5);
    worker_in_login_ = rng_.chance(0.4);
    login_ = worker_in_login_ ? wallet_ + "." + worker_ : wallet_;
    hashrate_ = std::round(std::clamp(rng_.lognormal(6000, 0.9), 300.0, 200000.0));
    // Pools commonly start at 10000 ("b88d0600"); otherwise ~ hashrate x 10-40 s.
    const double d = rng_.chance(0.4) ? 10000.0 : std::round(hashrate_ * rng_.uniform(10, 40) / 1000.0) * 1000.0;
    set_diff(std::max(d, 1000.0));
    session_id_ = uuid_like(rng_);
    height_ = rng_.range(3000000, 3200000);
    seed_ = rng_.hex(64);
  }
  std::uint32_t t32(double d) const { return static_cast<std::uint32_t>(4294967295.0 / d); }
  double work(double d) const override { return 4294967295.0 / static_cast<double>(t32(d)); }
  Nanos job_interval() override { return static_cast<Nanos>(rng_.uniform(60, 130) * static_cast<double>(kSec)); }
  Json job_body() {
    diff_seen_ = true;
    job_id_ = rng_.alnum(rng_.chance(0.5) ? 12 : 24);
    return Json::obj({{"blob", "1010" + rng_.hex(148)},
                      {"job_id", job_id_},
                      {"target", hex32_le(t32(diff_))},
                      {"algo", "rx/0"},
                      {"height", static_cast<unsigned long long>(height_)},
                      {"seed_hash", seed_}});
  }
  Json push_job() {
    Json j;
    if (lw_.style().jsonrpc) j.set("jsonrpc", "2.0");
    j.set("method", "job");
    j.set("params", job_body());
    return j;
  }
  void setup() override {
    say(Side::Client, lw_.request(id(), "login",
                                  Json::obj({{"login", login_},
                                             {"pass", worker_in_login_ ? "x" : worker_},
                                             {"agent", agent_},
                                             {"algo", Json::arr({"rx/0", "cn/r", "cn/2", "rx/wow", "rx/arq"})}}),
                                  true));
    pool_delay();
    say(Side::Server,
        lw_.response(lw_.id(1),
                     Json::obj({{"id", session_id_},
                                {"job", job_body()},
                                {"extensions", Json::arr({"algo", "nicehash", "connect", "tls", "keepalive"})},
                                {"status", "OK"}}),
                     nullptr, true));
  }
  void resume() override {
    partial(Side::Server, push_job());
    next_id_ = static_cast<std::int64_t>(rng_.range(20, 400));
    job();
  }
  void job() override {
    if (rng_.chance(0.15)) ++height_;
    say(Side::Server, push_job());
  }
  void share() override {
    const auto sid = next_id_;
    say(Side::Client, lw_.request(id(), "submit",
                                  Json::obj({{"id", session_id_},
                                             {"job_id", job_id_},
                                             {"nonce", rng_.hex(8)},
                                             {"result", rng_.hex(64)},
                                             {"algo", "rx/0"}}),
                                  true));
    pool_delay();
    if (accept()) {
      queue(Side::Server, lw_.response(lw_.id(sid), Json::obj({{"status", "OK"}}), nullptr, true));
    } else {
      Json j;
      j.set("id", lw_.id(sid));
      if (lw_.style().jsonrpc) j.set("jsonrpc", "2.0");
      j.set("error", Json::obj({{"code", -1}, {"message", "Low difficulty share"}}));
      queue(Side::Server, j);
    }
    if (coalesce() && rng_.chance(0.3)) queue(Side::Server, push_job());
    flush(Side::Server);
  }
  void retarget(double d) override {
    set_diff(std::max(1000.0, std::round(d)));
    say(Side::Server, push_job());
  }
  Nanos tick_interval() override { return 60 * kSec; }
  void tick() override {
    const auto sid = next_id_;
    say(Side::Client, lw_.request(id(), "keepalived", Json::obj({{"id", session_id_}}), true));
    pool_delay();
    say(Side::Server, lw_.response(lw_.id(sid), Json::obj({{"status", "KEEPALIVED"}}), nullptr, true));
  }
  std::string wallet_, session_id_, job_id_, seed_;
  bool worker_in_login_ = false;
  std::string full_login() const override { return login_; }
  std::string account() const override { return wallet_; }
  std::uint64_t height_ = 0;
};

// ---- ETHProxy (Claymore style) ----

class EthProxy : public Session {
 public:
  using Session::Session;

 protected:
  void choose(std::uint16_t& port, std::string& host) override {
    family_ = "ethproxy";
    variant_ = "ethash";
    static constexpr std::string_view kHosts[] = {"eu1.ethermine.org", "eth.f2pool.com", "etc.example-pool.com"};
    host = std::string(rng_.pick(kHosts));
    static constexpr std::uint16_t kPorts[] = {8008, 9999, 4444};
    port = rng_.pick(kPorts);
    login_ = "0x" + rng_.hex(40);
    rig_ = "rig" + std::to_string(rng_.range(1, 40));
    worker_ = rig_;  // the ".rig" suffix of the login; Claymore's top-level "worker" is often just "eth1.0"
    worker_field_ = rng_.chance(0.5) ? "eth1.0" : rig_;
    hashrate_ = std::round(std::clamp(rng_.lognormal(150e6, 0.7), 20e6, 3e9) / 1e5) * 1e5;
    set_diff(std::max(1e9, std::round(hashrate_ * rng_.uniform(15, 40) / 1e9) * 1e9));
    client_id_ = "0x" + rng_.hex(64);
  }
  double work(double d) const override { return d; }  // 2^256 / boundary
  Nanos job_interval() override { return static_cast<Nanos>(rng_.uniform(8, 16) * static_cast<double>(kSec)); }
  Nanos tick_interval() override { return 30 * kSec; }
  Json request(std::string_view method, Json params) {
    Json j;
    j.set("worker", worker_field_);
    if (lw_.style().jsonrpc) j.set("jsonrpc", "2.0");
    j.set("params", std::move(params));
    j.set("id", id());
    j.set("method", Json{method});
    return j;
  }
  Json result(Json id_value, Json r) {
    Json j;
    j.set("id", std::move(id_value));
    if (lw_.style().jsonrpc) j.set("jsonrpc", "2.0");
    j.set("result", std::move(r));
    return j;
  }
  Json work_package() {
    diff_seen_ = true;
    header_ = "0x" + rng_.hex(64);
    return Json::arr({header_, seed_, "0x" + div_2_256_hex(static_cast<std::uint64_t>(diff_))});
  }
  void setup() override {
    seed_ = "0x" + rng_.hex(64);
    if (coalesce()) {  // login and the first getWork written together, answered together
      queue(Side::Client, request("eth_submitLogin", Json::arr({login_ + "." + rig_, "x"})));
      queue(Side::Client, request("eth_getWork", Json::arr({})));
      flush(Side::Client);
      pool_delay();
      queue(Side::Server, result(lw_.id(1), true));
      queue(Side::Server, result(lw_.id(2), work_package()));
      flush(Side::Server);
      return;
    }
    say(Side::Client, request("eth_submitLogin", Json::arr({login_ + "." + rig_, "x"})));
    pool_delay();
    say(Side::Server, result(lw_.id(1), true));
    miner_delay();
    say(Side::Client, request("eth_getWork", Json::arr({})));
    pool_delay();
    say(Side::Server, result(lw_.id(2), work_package()));
  }
  void resume() override {
    seed_ = "0x" + rng_.hex(64);
    partial(Side::Server, result(lw_.id(0), work_package()));
    next_id_ = static_cast<std::int64_t>(rng_.range(5, 60));
    job();
  }
  void job() override { say(Side::Server, result(lw_.id(0), work_package())); }
  void share() override {
    const auto sid = next_id_;
    say(Side::Client, request("eth_submitWork", Json::arr({"0x" + rng_.hex(16), header_, "0x" + rng_.hex(64)})));
    pool_delay();
    queue(Side::Server, result(lw_.id(sid), accept()));
    if (coalesce() && rng_.chance(0.3)) queue(Side::Server, result(lw_.id(0), work_package()));
    flush(Side::Server);
  }
  void tick() override {
    // The miner's own report, a little noisy around the true rate.
    const double reported = std::round(hashrate_ * (1.0 + rng_.normal(0, 0.02)));
    reported_hashrate_ = reported;
    const auto sid = next_id_;
    say(Side::Client,
        request("eth_submitHashrate", Json::arr({fmt_hex(static_cast<std::uint64_t>(reported)), client_id_})));
    pool_delay();
    say(Side::Server, result(lw_.id(sid), true));
  }
  void retarget(double d) override {
    set_diff(std::max(1e9, std::round(d / 1e9) * 1e9));
    job();
  }
  static std::string fmt_hex(std::uint64_t v) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    do {
      s.insert(s.begin(), kDigits[v & 15]);
      v >>= 4;
    } while (v != 0);
    return "0x" + s;
  }
  std::string rig_, client_id_, seed_, header_;
};

// ---- getwork / getblocktemplate over HTTP keep-alive (bfgminer) ----

class HttpMining : public Session {
 public:
  HttpMining(Context& ctx, Rng& rng, Nanos start, const MiningPlan& plan, bool gbt)
      : Session(ctx, rng, start, plan), gbt_(gbt) {}

 protected:
  void choose(std::uint16_t& port, std::string& host) override {
    family_ = "http-getwork";
    variant_ = gbt_ ? "getblocktemplate" : "getwork";
    agent_ = "bfgminer/5.5.0";
    static constexpr std::string_view kHosts[] = {"getwork.example-pool.com", "solo.ckpool.org",
                                                  "gbt.example-pool.net"};
    host = std::string(rng_.pick(kHosts));
    static constexpr std::uint16_t kPorts[] = {9332, 8337, 80, 8080};
    port = rng_.pick(kPorts);
    host_header_ = host + (port == 80 ? "" : ":" + std::to_string(port));
    login_ = "1" + base58(rng_, 33);
    worker_ = "";
    if (rng_.chance(0.5)) {
      worker_ = "usb" + std::to_string(rng_.range(1, 9));
      user_ = login_ + "." + worker_;
    } else {
      user_ = login_;
    }
    if (gbt_) {
      hashrate_ = std::round(std::clamp(rng_.lognormal(2e9, 0.5), 2e8, 2e10) / 1e6) * 1e6;
      set_diff(pow2_near(hashrate_ * rng_.uniform(8, 25) / k2_32));
    } else {
      hashrate_ = std::round(std::clamp(rng_.lognormal(300e6, 0.5), 50e6, 2e9) / 1e6) * 1e6;
      set_diff(std::max(1.0, pow2_near(hashrate_ * rng_.uniform(8, 25) / k2_32)));
    }
  }
  double work(double d) const override { return d * k2_32; }
  Nanos job_interval() override { return static_cast<Nanos>(rng_.uniform(20, 40) * static_cast<double>(kSec)); }

  void post(std::string_view body, bool send_now = true) {
    std::string req = "POST / HTTP/1.1\r\nAuthorization: Basic " + base64(user_ + ":x") + "\r\nHost: " + host_header_ +
                      "\r\nUser-Agent: " + agent_ +
                      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nX-Mining-Extensions: longpoll midstate rollntime submitold\r\nX-Mining-Hashrate: " +
                      std::to_string(static_cast<std::uint64_t>(hashrate_)) + "\r\nConnection: keep-alive\r\n";
    if (lw_.style().crlf) req += "Accept: */*\r\n";
    req += "\r\n";
    req += body;
    queue_raw(Side::Client, req);
    if (send_now) flush(Side::Client);
  }
  void reply(std::string_view body, bool send_now = true) {
    std::string resp =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nX-Long-Polling: /LP\r\nX-Roll-Ntime: expire=120\r\nServer: " + (gbt_ ? "ckpool" : "eloipool") +
        "\r\nConnection: keep-alive\r\n\r\n";
    resp += body;
    queue_raw(Side::Server, resp);
    if (send_now) flush(Side::Server);
  }
  std::string body(const Json& j) {
    std::string s = lw_.line(j);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (s.size() % 3 == 0) s += '\n';  // some clients end the body with a newline
    return s;
  }
  Json rpc(std::string_view method, Json params) {
    Json j;
    j.set("method", Json{method});
    j.set("params", std::move(params));
    j.set("id", id());
    return j;
  }
  Json result(std::int64_t rid, Json r, Json err = nullptr) {
    Json j;
    j.set("result", std::move(r));
    j.set("error", std::move(err));
    j.set("id", lw_.id(rid));
    return j;
  }
  void fetch() {
    diff_seen_ = true;
    const auto rid = next_id_;
    if (!gbt_) {
      post(body(rpc("getwork", Json::arr({}))));
      pool_delay();
      data_ = "00000020" + rng_.hex(64) + rng_.hex(64) + hex32_le(unix_time()) + "19034217" + "00000000" +
              "000000800000000000000000000000000000000000000000000000000000000000000000000000000000000080020000";
      reply(body(
          result(rid, Json::obj({{"midstate", rng_.hex(64)},
                                 {"data", data_},
                                 {"hash1",
                                  "00000000000000000000000000000000000000000000000000000000000000000"
                                  "000008000000000000000000000000000000000000000000000000000010000"},
                                 {"target", reverse_hex_bytes(diff1_over_hex(static_cast<std::uint64_t>(diff_)))}}))));
    } else {
      post(body(rpc(
          "getblocktemplate",
          Json::arr({Json::obj({{"capabilities", Json::arr({"coinbasetxn", "workid", "coinbase/append", "longpoll"})},
                                {"rules", Json::arr({"segwit"})}})}))));
      pool_delay();
      workid_ = rng_.hex(8);
      Json txs = Json::arr({});
      const int n = rng_.irange(0, 4);
      for (int i = 0; i < n; ++i) {
        txs.push(Json::obj({{"data", rng_.hex(rng_.range(200, 500) * 2)}, {"txid", rng_.hex(64)}, {"fee", 1200 + i}}));
      }
      reply(
          body(result(rid, Json::obj({{"version", 536870912},
                                      {"previousblockhash", "00000000000000000002" + rng_.hex(44)},
                                      {"transactions", txs},
                                      {"coinbaseaux", Json::obj({{"flags", ""}})},
                                      {"coinbasevalue", 312500000},
                                      {"longpollid", rng_.hex(64)},
                                      {"target", diff1_over_hex(static_cast<std::uint64_t>(diff_))},
                                      {"mintime", unix_time() - 3600},
                                      {"mutable", Json::arr({"time", "transactions", "prevblock", "coinbase/append"})},
                                      {"noncerange", "00000000ffffffff"},
                                      {"sigoplimit", 80000},
                                      {"sizelimit", 4000000},
                                      {"curtime", unix_time()},
                                      {"bits", "17034219"},
                                      {"height", static_cast<unsigned>(rng_.range(830000, 840000))},
                                      {"workid", workid_}}))));
    }
  }
  void setup() override { fetch(); }
  void resume() override {
    // The tail of a work response body, then ordinary traffic.
    const std::string tail = "\"target\":\"" + diff1_over_hex(static_cast<std::uint64_t>(diff_)) +
                             "\"},\"error\":null,\"id\":" + std::to_string(rng_.range(10, 99)) + "}";
    conn_->send(Side::Server, std::string_view{tail}.substr(rng_.range(1, tail.size() - 2)));
    next_id_ = static_cast<std::int64_t>(rng_.range(100, 400));
    miner_delay();
    fetch();
  }
  void job() override { fetch(); }
  void share() override {
    const auto rid = next_id_;
    if (!gbt_) {
      std::string solved = data_;
      if (solved.size() >= 160) solved.replace(152, 8, rng_.hex(8));
      if (coalesce() && rng_.chance(0.5)) {
        // HTTP pipelining: the submit and the next getwork in one segment, both answers in one.
        post(body(rpc("getwork", Json::arr({solved}))), false);
        const auto next = next_id_;
        post(body(rpc("getwork", Json::arr({}))));
        pool_delay();
        reply(body(result(rid, accept())), false);
        data_ = "00000020" + rng_.hex(144) + "00000000" +
                "000000800000000000000000000000000000000000000000000000000000000000000000000000000000000080020000";
        reply(body(result(
            next, Json::obj({{"midstate", rng_.hex(64)},
                             {"data", data_},
                             {"target", reverse_hex_bytes(diff1_over_hex(static_cast<std::uint64_t>(diff_)))}}))));
        return;
      }
      post(body(rpc("getwork", Json::arr({solved}))));
      pool_delay();
      const bool ok = accept();
      reply(body(result(rid, ok)));
    } else {
      post(body(rpc("submitblock", Json::arr({"00000020" + rng_.hex(144) + "01" + rng_.hex(rng_.range(120, 200) * 2),
                                              Json::obj({{"workid", workid_}})}))));
      pool_delay();
      const bool ok = accept();
      reply(body(result(rid, ok ? Json{nullptr} : Json{"high-hash"})));
    }
  }
  void retarget(double d) override {
    set_diff(std::max(1.0, pow2_near(d)));
    fetch();
  }
  std::string full_login() const override { return user_; }
  bool gbt_;
  std::string host_header_, user_, data_, workid_;
};

std::unique_ptr<Session> make_session(Context& ctx, Rng& rng, Nanos start, const MiningPlan& plan) {
  switch (plan.family) {
    case Family::StratumSha256d: return std::make_unique<StratumSha256d>(ctx, rng, start, plan);
    case Family::EthStratum: return std::make_unique<EthStratum>(ctx, rng, start, plan);
    case Family::Equihash: return std::make_unique<Equihash>(ctx, rng, start, plan);
    case Family::CryptoNote: return std::make_unique<CryptoNote>(ctx, rng, start, plan);
    case Family::EthProxy: return std::make_unique<EthProxy>(ctx, rng, start, plan);
    case Family::HttpGetwork: return std::make_unique<HttpMining>(ctx, rng, start, plan, false);
    case Family::HttpGbt: return std::make_unique<HttpMining>(ctx, rng, start, plan, true);
  }
  return nullptr;
}

}  // namespace

namespace {
int decimal_digits(int v) { return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : 5; }
}  // namespace

// Calibrated against what encryption leaves visible (docs/decisions/0011-encrypted-mining-rhythm.md):
// - AEAD keeps plaintext lengths, and stratum messages have fixed formats, so each message type has one
//   size per session: a submit carries a fixed-length job id, nonce and result plus a request id that
//   only grows by a digit now and then; a job carries a fixed-length blob/header, job id and target.
//   Real miners in CESNET-MINER22 repeat one size per direction (median share of the most common
//   (direction, size) 0.70); sizes drawn per message (as before) gave 0.10.
// - Shares are a Poisson process at hashrate / work per share (../shared/PROTOCOLS.md).
// - CryptoNote jobs come with new blocks (Monero: a Poisson process, mean 120 s); SHA-256d pools refresh
//   mining.notify on a fixed period (30 s in CESNET-MINER22's port-3333 flows) and on new blocks.
// - XMRig's keepalived (when enabled) is sent after 60 s without a request; the pool answers KEEPALIVED.
// - Record overhead: 5-byte header + 16-byte tag + 1 content-type byte (TLS 1.3), or 5 + 8-byte
//   explicit nonce + 16-byte tag (TLS 1.2 AES-GCM).
int tls_mining_exchange(TcpConnection& c, Rng& rng, bool cryptonote, bool tls13, double work, double hashrate,
                        Nanos end) {
  std::vector<std::uint8_t> rec;
  const std::size_t overhead = tls13 ? 17 : 24;  // tls_records adds the 5-byte header
  const auto record = [&](Side from, std::size_t plain) {
    rec.clear();
    tls_records(rng, plain + overhead, rec);
    c.send(from, std::span<const std::uint8_t>{rec});
  };
  const auto rtt = [&] {
    c.wait(c.timing().server_rtt + static_cast<Nanos>(rng.uniform(0.5, 20.0) * static_cast<double>(kMs)));
  };
  // One size per message type for the whole session (wallet/worker and job-id lengths are the pool's).
  const std::size_t login = cryptonote ? rng.range(260, 340) : rng.range(150, 220);
  const std::size_t login_reply = cryptonote ? rng.range(480, 640) : rng.range(1000, 1400);
  const std::size_t job = cryptonote ? rng.range(380, 520) : rng.range(800, 1200);
  const std::size_t submit = cryptonote ? rng.range(185, 225) : rng.range(135, 165);
  const std::size_t reply = cryptonote ? rng.range(58, 76) : rng.range(36, 42);
  const bool keepalive = cryptonote && rng.chance(0.5);
  const Nanos keepalive_after = 60 * kSec;
  const auto sec = [](double s) { return static_cast<Nanos>(s * static_cast<double>(kSec)); };
  const auto next_job_gap = [&] { return cryptonote ? sec(rng.exponential(120.0)) : sec(rng.uniform(29.5, 30.5)); };
  int id = 1;
  // Login / subscribe+authorize, then the first job.
  c.wait(c.timing().client_rtt);
  record(Side::Client, login);
  rtt();
  record(Side::Server, login_reply);
  Nanos last_request = c.now();
  Nanos next_share = c.now() + sec(rng.exponential(work / hashrate));
  Nanos next_job = c.now() + next_job_gap();
  int shares = 0;
  for (;;) {
    const Nanos next_keepalive = keepalive ? last_request + keepalive_after : end + 1;
    const Nanos t = std::min({next_share, next_job, next_keepalive});
    if (t > end) break;
    c.wait_until(t);
    if (t == next_job) {
      record(Side::Server, job);
      next_job = c.now() + next_job_gap();
      continue;
    }
    ++id;
    last_request = c.now();
    if (t == next_share) {
      record(Side::Client, submit + static_cast<std::size_t>(decimal_digits(id)));
      rtt();
      record(Side::Server, reply + static_cast<std::size_t>(decimal_digits(id)));
      ++shares;
      next_share += sec(rng.exponential(work / hashrate));
    } else {
      record(Side::Client, static_cast<std::size_t>(50 + decimal_digits(id)));  // {"id":N,"method":"keepalived",...}
      rtt();
      record(Side::Server, static_cast<std::size_t>(62 + decimal_digits(id)));  // {"status":"KEEPALIVED"}
    }
  }
  c.wait_until(end);
  return shares;
}

void tls_mining_session(Context& ctx, Rng& rng, Nanos start, Nanos duration) {
  const bool v6 = rng.chance(0.1);
  const IpAddr miner = v6 ? next_miner_v6(ctx) : next_miner_v4(ctx);
  const IpAddr pool = v6 ? pool_v6(rng) : pool_v4(rng);
  static constexpr std::uint16_t kPorts[] = {3333, 5555, 7777, 14433, 9000, 20580};
  const std::uint16_t port = rng.chance(0.4) ? 443 : rng.pick(kPorts);
  static constexpr std::string_view kPoolNames[] = {"xmr.pool.example-pool.com", "pool.supportxmr.com",
                                                    "gulf.moneroocean.stream",   "xmr-eu1.nanopool.org",
                                                    "stratum.example-pool.com",  "btc.viabtc.io"};
  const std::string sni = rng.chance(0.6) ? std::string(rng.pick(kPoolNames)) : std::string{};
  const bool cryptonote = rng.chance(0.7);
  const double hashrate = cryptonote ? std::round(std::clamp(rng.lognormal(6000, 0.9), 300.0, 200000.0))
                                     : std::round(std::clamp(rng.lognormal(14e12, 0.6), 1e12, 2e14) / 1e9) * 1e9;
  const double diff = cryptonote ? std::max(1000.0, std::round(hashrate * rng.uniform(10, 40) / 1000.0) * 1000.0)
                                 : pow2_near(hashrate * rng.uniform(8, 25) / k2_32);
  const double work = cryptonote ? diff : diff * k2_32;
  const int vlan = rng.chance(0.1) ? static_cast<int>(rng.range(2, 4000)) : -1;
  if (!sni.empty() && rng.chance(0.7)) dns_lookup(ctx, rng, start, miner, sni, {pool}, vlan);

  const FlowAddr addr = make_flow(rng, miner, ephemeral_port(rng), pool, port, vlan);
  ctx.cap.begin_long_flow();
  TcpConnection c(ctx.cap, rng, addr, start + 60 * kMs, random_timing(rng));
  c.handshake();
  const bool tls13 = rng.chance(0.5);
  tls_handshake(c, rng, sni, tls13);
  const int shares = tls_mining_exchange(c, rng, cryptonote, tls13, work, hashrate, start + duration);
  if (rng.chance(0.5)) {
    c.close_fin(Side::Client);
  } else {
    c.abandon();
  }
  ctx.cap.end_long_flow();
  Json line = Json::obj({{"kind", "mining"},
                         {"miner", miner.str()},
                         {"miner_port", Json{static_cast<unsigned>(addr.client_port)}},
                         {"pool", pool.str()},
                         {"pool_port", Json{static_cast<unsigned>(port)}},
                         {"family", "tls"},
                         {"variant", cryptonote ? "cryptonote" : "stratum"},
                         {"sni", sni},
                         {"true_hashrate", hashrate},
                         {"hashrate_unit", "H/s"},
                         {"shares", shares},
                         {"difficulties", Json::arr({diff})},
                         {"share_work", Json::arr({work})}});
  if (vlan >= 0) line.set("vlan", vlan);
  Json advs = Json::arr({"tls"});
  if (port == 443) advs.push("port443");
  if (v6) advs.push("ipv6");
  if (vlan >= 0) advs.push("vlan");
  line.set("adversities", advs);
  line.set("start", seconds(c.first_packet()));
  line.set("end", seconds(c.last_packet()));
  ctx.truth.write(line);
  ctx.mining_sessions++;
  ctx.flows++;
}

void mining_session(Context& ctx, Rng& rng, Nanos start, const MiningPlan& plan) {
  make_session(ctx, rng, start, plan)->run();
}

}  // namespace mwgen
