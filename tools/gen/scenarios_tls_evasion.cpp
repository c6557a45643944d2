// The tls-evasion profile: stratum (and CryptoNote) over TLS in every variant a watched miner uses —
// a server name naming the pool or none, a DNS lookup of the pool first or none, port 443 or a pool
// port, a pool address that an intel list names, a reconnection to a pool the host already mined on,
// and an unknown address with nothing to go by — among a large benign mix of TLS, HTTP, QUIC and DNS
// browsing that includes lookups of and TLS to the exchanges that crypto block lists name.
//
// Address plan (IPv4, TEST-NET-3), one range per variant family so variants never help each other:
//   203.0.113.1-20   pools reached by name (their DNS answers)
//   203.0.113.21-40  pools on the intel list tests/tls_evasion/intel-ips.txt (every port used here)
//   203.0.113.41-50  pools of reconnecting miners
//   203.0.113.51-62  pools nothing names (only behaviour can find these)
// Benign servers use the generator's usual ranges (192.0.2/24, 198.51.100.1-127, 203.0.113.64-254).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gen/scenario.hpp"

namespace mwgen {

namespace {

enum class Variant { SniDns, SniNoDns, NoSniDns, NoSniIntelIp, NoSniReconnect, NoSniUnknown };
constexpr Variant kVariants[] = {Variant::SniDns,       Variant::SniNoDns,       Variant::NoSniDns,
                                 Variant::NoSniIntelIp, Variant::NoSniReconnect, Variant::NoSniUnknown};

std::string_view variant_name(Variant v) {
  switch (v) {
    case Variant::SniDns: return "sni+dns";
    case Variant::SniNoDns: return "sni";
    case Variant::NoSniDns: return "dns";
    case Variant::NoSniIntelIp: return "intel-ip";
    case Variant::NoSniReconnect: return "reconnect";
    case Variant::NoSniUnknown: return "unknown-ip";
  }
  return "?";
}

constexpr std::string_view kPoolNames[] = {"pool.supportxmr.com", "gulf.moneroocean.stream",  "xmr-eu1.nanopool.org",
                                           "btc.viabtc.io",       "stratum.f2pool.com",       "rvn.2miners.com",
                                           "pool.hashvault.pro",  "eu.stratum.slushpool.com", "erg.2miners.com",
                                           "kas.humpool.com"};
constexpr std::uint16_t kPoolPorts[] = {3333, 5555, 7777, 14433, 9000, 20580};

constexpr std::string_view kExchanges[] = {"www.binance.com", "api.binance.com", "www.coinbase.com",
                                           "www.kraken.com",  "www.okx.com",     "blockchain.com",
                                           "etherscan.io",    "metamask.io",     "www.bitstamp.net"};

constexpr double k2_32 = 4294967296.0;

struct Session {
  Variant variant = Variant::SniDns;
  IpAddr miner, pool;
  std::uint16_t port = 443;
  std::string sni;       // empty: no server_name extension
  std::string dns_name;  // empty: no lookup first
  Nanos start = 0, duration = 0;
  bool first_of_reconnect = false;  // the earlier, named session of a reconnecting miner
};

IpAddr range_addr(Rng& rng, int lo, int hi) {
  return IpAddr::v4(
      203, 0, 113,
      static_cast<std::uint8_t>(rng.range(static_cast<std::uint64_t>(lo), static_cast<std::uint64_t>(hi))));
}

// One miner's stratum-over-TLS session: login and first job, then shares (Poisson at the session's
// hashrate and difficulty) answered by the pool, and new jobs; application data only, sizes of
// XMRig / cgminer-style messages plus the AEAD overhead.
void run_session(Context& ctx, Rng& rng, const Session& s) {
  if (!s.dns_name.empty()) dns_lookup(ctx, rng, s.start, s.miner, s.dns_name, {s.pool}, -1);
  const bool cryptonote = rng.chance(0.7);
  const double hashrate = cryptonote ? std::round(std::clamp(rng.lognormal(6000, 0.9), 300.0, 200000.0))
                                     : std::round(std::clamp(rng.lognormal(14e12, 0.6), 1e12, 2e14) / 1e9) * 1e9;
  const double diff = cryptonote ? std::max(1000.0, std::round(hashrate * rng.uniform(10, 40) / 1000.0) * 1000.0)
                                 : std::exp2(std::round(std::log2(hashrate * rng.uniform(8, 25) / k2_32)));
  const double work = cryptonote ? diff : diff * k2_32;
  const FlowAddr addr = make_flow(rng, s.miner, ephemeral_port(rng), s.pool, s.port, -1);
  ctx.cap.begin_long_flow();
  TcpConnection c(ctx.cap, rng, addr, s.start + 60 * kMs, random_timing(rng));
  c.handshake();
  const bool tls13 = rng.chance(0.5);
  tls_handshake(c, rng, s.sni, tls13);
  const int shares = tls_mining_exchange(c, rng, cryptonote, tls13, work, hashrate, s.start + s.duration);
  if (rng.chance(0.5)) {
    c.close_fin(Side::Client);
  } else {
    c.abandon();
  }
  ctx.cap.end_long_flow();
  Json line = Json::obj({{"kind", "mining"},
                         {"miner", s.miner.str()},
                         {"miner_port", Json{static_cast<unsigned>(addr.client_port)}},
                         {"pool", s.pool.str()},
                         {"pool_port", Json{static_cast<unsigned>(s.port)}},
                         {"family", "tls"},
                         {"variant", cryptonote ? "cryptonote" : "stratum"},
                         {"tls_variant", s.first_of_reconnect ? "reconnect-first" : variant_name(s.variant)},
                         {"sni", s.sni},
                         {"dns_before", !s.dns_name.empty()},
                         {"true_hashrate", hashrate},
                         {"hashrate_unit", "H/s"},
                         {"shares", shares},
                         {"difficulties", Json::arr({diff})},
                         {"share_work", Json::arr({work})}});
  Json advs = Json::arr({"tls"});
  if (s.port == 443) advs.push("port443");
  line.set("adversities", advs);
  line.set("start", seconds(c.first_packet()));
  line.set("end", seconds(c.last_packet()));
  ctx.truth.write(line);
  ctx.mining_sessions++;
  ctx.flows++;
}

// A benign host looks up an exchange (on crypto block lists, allow-listed by minewatch) and talks TLS
// to it, naming it in SNI.
void exchange_visit(Context& ctx, Rng& rng, Nanos start) {
  const IpAddr client = inside_v4(rng);
  const IpAddr server = outside_v4(rng);
  const std::string_view name = rng.pick(kExchanges);
  dns_lookup(ctx, rng, start, client, name, {server}, -1);
  ctx.flows++;
  const FlowAddr a = make_flow(rng, client, ephemeral_port(rng), server, 443, -1);
  TcpConnection c(ctx.cap, rng, a, start + 40 * kMs, random_timing(rng));
  c.handshake();
  tls_handshake(c, rng, name, rng.chance(0.7));
  std::vector<std::uint8_t> rec;
  for (int i = 0, n = rng.irange(1, 5); i < n; ++i) {
    rec.clear();
    tls_records(rng, rng.range(200, 900), rec);
    c.send(Side::Client, std::span<const std::uint8_t>{rec});
    c.wait(c.timing().server_rtt);
    rec.clear();
    tls_records(rng, rng.range(500, 30000), rec);
    c.send(Side::Server, std::span<const std::uint8_t>{rec});
    c.wait(static_cast<Nanos>(rng.exponential(2.0) * static_cast<double>(kSec)));
  }
  c.close_fin(Side::Client);
  ctx.flows++;
}

struct Job {
  Nanos start = 0;
  int kind = 0;  // 0 background, 1 exchange visit, 2 mining session
  Background background = Background::Tls;
  BackgroundOptions bg;
  Session session;
};

}  // namespace

void tls_evasion_profile(Context& ctx, Rng& master, Nanos epoch, std::uint64_t benign, std::uint64_t sessions) {
  const double span = std::max(900.0, static_cast<double>(benign) / 60.0);  // ~60 new benign flows a second
  const auto at = [&](double s) { return epoch + static_cast<Nanos>(s * static_cast<double>(kSec)); };
  std::vector<Job> jobs;
  jobs.reserve(benign + sessions * 2);
  for (std::uint64_t i = 0; i < benign; ++i) {
    Job j;
    j.start = at(master.uniform(0, span - 30));
    const double r = master.uniform();
    if (r < 0.02) {
      j.kind = 1;
    } else {
      j.background = r < 0.55   ? Background::Tls
                     : r < 0.78 ? Background::Dns
                     : r < 0.88 ? Background::Quic
                                : Background::Http;
      j.bg.v6 = master.chance(0.1);
    }
    jobs.push_back(j);
  }
  for (std::uint64_t i = 0; i < sessions; ++i) {
    Session s;
    s.variant = kVariants[i % std::size(kVariants)];
    s.miner = next_miner_v4(ctx);
    s.port = master.chance(0.4) ? 443 : master.pick(kPoolPorts);
    s.duration = static_cast<Nanos>(master.uniform(120, 420) * static_cast<double>(kSec));
    const double latest = std::max(1.0, span - 900);
    s.start = at(master.uniform(0, latest));
    const std::string name{master.pick(kPoolNames)};
    switch (s.variant) {
      case Variant::SniDns:
        s.pool = range_addr(master, 1, 20);
        s.sni = name;
        s.dns_name = name;
        break;
      case Variant::SniNoDns:
        s.pool = range_addr(master, 1, 20);
        s.sni = name;
        break;
      case Variant::NoSniDns:
        s.pool = range_addr(master, 1, 20);
        s.dns_name = name;
        break;
      case Variant::NoSniIntelIp: s.pool = range_addr(master, 21, 40); break;
      case Variant::NoSniReconnect: {
        // First a named session (found by its SNI), later the same miner back on the same pool address
        // with nothing to name it.
        s.pool = range_addr(master, 41, 50);
        Session first = s;
        first.sni = name;
        first.first_of_reconnect = true;
        first.duration = static_cast<Nanos>(master.uniform(60, 180) * static_cast<double>(kSec));
        Job j1;
        j1.kind = 2;
        j1.start = first.start;
        j1.session = first;
        jobs.push_back(j1);
        s.start =
            first.start + first.duration + static_cast<Nanos>(master.uniform(30, 300) * static_cast<double>(kSec));
        break;
      }
      case Variant::NoSniUnknown: s.pool = range_addr(master, 51, 62); break;
    }
    Job j;
    j.kind = 2;
    j.start = s.start;
    j.session = s;
    jobs.push_back(j);
  }
  std::vector<std::uint64_t> seeds(jobs.size());
  for (auto& s : seeds) s = master.next();
  std::vector<std::size_t> order(jobs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return jobs[a].start < jobs[b].start; });
  for (std::size_t i : order) {
    const Job& j = jobs[i];
    ctx.cap.advance(j.start);
    Rng rng(seeds[i]);
    switch (j.kind) {
      case 0:
        // Browsing-sized TLS (a few KB to tens of KB down) keeps 100,000 flows to a few hundred MB.
        if (j.background == Background::Tls) {
          benign_tls_flow(ctx, rng, j.start, j.bg,
                          static_cast<std::size_t>(std::clamp(rng.lognormal(2500, 1.0), 300.0, 30000.0)));
        } else {
          background_flow(ctx, rng, j.start, j.background, j.bg);
        }
        break;
      case 1: exchange_visit(ctx, rng, j.start); break;
      default: run_session(ctx, rng, j.session); break;
    }
  }
}

}  // namespace mwgen
