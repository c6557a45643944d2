// Shared context and building blocks of the traffic scenarios.
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gen/json.hpp"
#include "gen/pcap_writer.hpp"
#include "gen/rng.hpp"

namespace mwgen {

// Writes the ground truth, one JSON object per line.
class TruthWriter {
 public:
  explicit TruthWriter(std::FILE* f) : file_(f) {}
  void write(const Json& line) {
    std::string s = line.dump();
    s += '\n';
    std::fwrite(s.data(), 1, s.size(), file_);
  }

 private:
  std::FILE* file_;
};

struct Context {
  Capture& cap;
  TruthWriter& truth;
  std::uint64_t flows = 0;  // every flow generated, of any kind
  std::uint64_t mining_sessions = 0;
  std::uint64_t decoys = 0;
  std::uint32_t next_miner = 0;  // miners get distinct addresses in 10.1.0.0/16
  std::uint32_t next_decoy_client = 0;
};

// ---- addresses ----
IpAddr inside_v4(Rng& rng);                 // 10.2.0.0 - 10.255.255.255 (not 10.1/16, kept for miners)
IpAddr outside_v4(Rng& rng);                // benign servers: 192.0.2.0/24, 198.51.100.0/25, 203.0.113.64/26..
IpAddr pool_v4(Rng& rng);                   // 203.0.113.1 - 203.0.113.62: mining pools only
IpAddr decoy_server_v4(Rng& rng);           // 198.51.100.128/25: decoy servers only
IpAddr inside_v6(Rng& rng);                 // 2001:db8:10::/48
IpAddr outside_v6(Rng& rng);                // 2001:db8:f0::/44
IpAddr pool_v6(Rng& rng);                   // 2001:db8:113::/48
IpAddr next_miner_v4(Context& ctx);         // 10.1.x.y, distinct per session
IpAddr next_miner_v6(Context& ctx);         // 2001:db8:10:1::x
IpAddr next_decoy_client_v4(Context& ctx);  // 10.3.x.y, distinct per decoy
std::uint16_t ephemeral_port(Rng& rng);
// Fills MACs and TTLs; `vlan` -1 for none.
FlowAddr make_flow(Rng& rng, const IpAddr& client, std::uint16_t client_port, const IpAddr& server,
                   std::uint16_t server_port, int vlan);
TcpTiming random_timing(Rng& rng);
double seconds(Nanos t);

// ---- payload helpers ----
// Appends bytes one by one (vector::insert of an initializer list trips GCC 12 -Warray-bounds false positives).
inline void add(std::vector<std::uint8_t>& out, std::initializer_list<std::uint8_t> bytes) {
  for (std::uint8_t b : bytes) out.push_back(b);
}
// Deterministic pseudo-random bytes (a fixed pool), for encrypted or compressed content.
std::span<const std::uint8_t> noise(Rng& rng, std::size_t n);
std::string base64(std::string_view in);
void sha256(std::span<const std::uint8_t> data, std::uint8_t out[32]);
// floor(numerator / d) where numerator = 2^256 (or mantissa << shift) as 64 lowercase hex digits.
std::string div_2_256_hex(std::uint64_t d);
std::string diff1_over_hex(std::uint64_t d);  // floor((0xffff << 208) / d), Bitcoin share target
std::string uuid_like(Rng& rng);

// ---- shared protocol builders ----
// TLS ClientHello record; empty `sni` means no server_name extension.
void tls_client_hello(Rng& rng, std::string_view sni, bool tls13, std::vector<std::uint8_t>& out);
// A TLS handshake on an already established connection; returns after the client's Finished.
void tls_handshake(TcpConnection& c, Rng& rng, std::string_view sni, bool tls13);
// Stratum or CryptoNote inside TLS after the handshake: login, jobs and Poisson shares at `hashrate`
// (each share `work` hashes), keepalives, as AEAD-sized records (TLS 1.3 or 1.2 overhead) until `end`.
// Returns the shares sent.
int tls_mining_exchange(TcpConnection& c, Rng& rng, bool cryptonote, bool tls13, double work, double hashrate,
                        Nanos end);
// One or more TLS application-data records carrying `n` bytes of ciphertext.
void tls_records(Rng& rng, std::size_t n, std::vector<std::uint8_t>& out);
// A DNS query and its answer (A or AAAA) from `client` to a resolver.
void dns_lookup(Context& ctx, Rng& rng, Nanos t, const IpAddr& client, std::string_view name,
                const std::vector<IpAddr>& answers, int vlan);
void dns_name(std::vector<std::uint8_t>& out, std::string_view name);

// ---- scenarios ----
enum class Background { Tls, Http, Dns, Quic, Bulk, Ssh };
struct BackgroundOptions {
  bool v6 = false;
  int vlan = -1;
  bool isp = false;  // ISP-scale size distribution
};
void background_flow(Context& ctx, Rng& rng, Nanos start, Background kind, const BackgroundOptions& opt);
// A benign TLS flow (also used by the tls-mining profile); `bytes_down` of application data.
void benign_tls_flow(Context& ctx, Rng& rng, Nanos start, const BackgroundOptions& opt, std::size_t bytes_down);

enum class Family { StratumSha256d, EthStratum, Equihash, CryptoNote, EthProxy, HttpGetwork, HttpGbt };
inline constexpr Family kAllFamilies[] = {Family::StratumSha256d, Family::EthStratum, Family::Equihash,
                                          Family::CryptoNote,     Family::EthProxy,   Family::HttpGetwork,
                                          Family::HttpGbt};
enum class Adversity {
  Split,
  Coalesce,
  Retransmit,
  Reorder,
  Overlap,
  MidSession,
  OddJson,
  Port443,
  HighPort,
  Ipv6,
  Vlan,
  Vardiff
};
inline constexpr Adversity kAllAdversities[] = {Adversity::Split,   Adversity::Coalesce, Adversity::Retransmit,
                                                Adversity::Reorder, Adversity::Overlap,  Adversity::MidSession,
                                                Adversity::OddJson, Adversity::Port443,  Adversity::HighPort,
                                                Adversity::Ipv6,    Adversity::Vlan,     Adversity::Vardiff};
std::string_view adversity_name(Adversity a);

struct MiningPlan {
  Family family = Family::StratumSha256d;
  std::vector<Adversity> adversities;
  Nanos duration = 300 * kSec;
  bool dns_first = true;    // resolve the pool name before connecting
  int vardiff_changes = 1;  // with Adversity::Vardiff: how many times the pool retargets
  bool has(Adversity a) const;
};
void mining_session(Context& ctx, Rng& rng, Nanos start, const MiningPlan& plan);

// The `hashrate` profile (scenarios_hashrate.cpp): mining sessions only, of every family, with lengths
// from one minute to an hour (a few to hundreds of shares) and vardiff on half of them, for checking
// hashrate estimates against the true hashrates in the truth file.
struct PlannedSession {
  Nanos start = 0;  // offset from the capture's start
  MiningPlan plan;
};
std::vector<PlannedSession> hashrate_sessions(Rng& rng, std::uint64_t count);
// Stratum or CryptoNote inside TLS.
void tls_mining_session(Context& ctx, Rng& rng, Nanos start, Nanos duration);

// The tls-evasion profile (scenarios_tls_evasion.cpp): `sessions` stratum-over-TLS sessions in every
// variant among `benign` benign flows; runs the whole profile.
void tls_evasion_profile(Context& ctx, Rng& master, Nanos epoch, std::uint64_t benign, std::uint64_t sessions);

enum class Decoy { Electrum, BitcoindRpc, Web3Rpc, TplinkSmartHome, Http3333, Binary4444, Telnet14444, BitcoinP2p };
inline constexpr Decoy kAllDecoys[] = {Decoy::Electrum, Decoy::BitcoindRpc, Decoy::Web3Rpc,     Decoy::TplinkSmartHome,
                                       Decoy::Http3333, Decoy::Binary4444,  Decoy::Telnet14444, Decoy::BitcoinP2p};
// `max_duration` 0: the decoy's own choice (2-7 minutes).
void decoy_flow(Context& ctx, Rng& rng, Nanos start, Decoy kind, Nanos max_duration = 0);

// ---- Stratum V2 (scenarios_sv2.cpp) ----
enum class Sv2Kind { Plaintext, Noise };
struct Sv2Options {
  std::optional<IpAddr> pool;  // a fixed pool endpoint (probe tests point it at a loopback test pool)
  std::uint16_t pool_port = 0;
};
void sv2_session(Context& ctx, Rng& rng, Nanos start, Sv2Kind kind, Nanos duration, const Sv2Options& opt);
// Binary flows that open like SV2 (64-byte first message, zero header bytes) and must stay silent.
enum class Sv2Decoy { Bip324, Bip324Act234, Binary64, ZeroHeader };
inline constexpr Sv2Decoy kAllSv2Decoys[] = {Sv2Decoy::Bip324, Sv2Decoy::Bip324Act234, Sv2Decoy::Binary64,
                                             Sv2Decoy::ZeroHeader};
std::string_view sv2_decoy_name(Sv2Decoy d);
void sv2_decoy(Context& ctx, Rng& rng, Nanos start, Sv2Decoy kind);

}  // namespace mwgen
