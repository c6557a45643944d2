// Stratum V2 sessions (plaintext frames, and the Noise NX encrypted shape) and binary decoys of the same
// first-message size, written from the sv2-spec (stratum-mining/sv2-spec), independently of src/.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gen/scenario.hpp"

namespace mwgen {
namespace {

using Bytes = std::vector<std::uint8_t>;

Nanos secs(double s) { return static_cast<Nanos>(s * static_cast<double>(kSec)); }

// Little-endian writers.
void le16(Bytes& b, std::uint16_t v) { add(b, {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)}); }
void le24(Bytes& b, std::uint32_t v) {
  add(b, {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v >> 16)});
}
void le32(Bytes& b, std::uint32_t v) {
  le16(b, static_cast<std::uint16_t>(v));
  le16(b, static_cast<std::uint16_t>(v >> 16));
}
void str0_255(Bytes& b, std::string_view s) {
  b.push_back(static_cast<std::uint8_t>(s.size()));
  for (char c : s) b.push_back(static_cast<std::uint8_t>(c));
}
void random_bytes(Rng& rng, Bytes& b, std::size_t n) {
  auto src = noise(rng, n);
  b.insert(b.end(), src.begin(), src.end());
}

Bytes frame(std::uint16_t ext, std::uint8_t type, const Bytes& payload) {
  Bytes f;
  le16(f, ext);
  f.push_back(type);
  le24(f, static_cast<std::uint32_t>(payload.size()));
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

// An encrypted SV2 frame as on the wire: 22-byte encrypted header (6 + MAC) + payload + MAC.
Bytes encrypted_frame(Rng& rng, std::size_t plaintext_payload) {
  Bytes b;
  random_bytes(rng, b, 22 + plaintext_payload + (plaintext_payload ? 16 : 0));
  return b;
}

struct Sv2Identity {
  std::string vendor, hardware, firmware, user, host;
};

Sv2Identity pick_identity(Rng& rng) {
  static constexpr std::string_view kVendors[] = {"Bitmain", "MicroBT", "Braiins", "Canaan"};
  static constexpr std::string_view kHardware[] = {"S19j Pro", "M30S++", "S21", "A1366"};
  static constexpr std::string_view kFirmware[] = {"braiins-os-24.03", "bos-plus-23.12", "sv2-miner-0.1"};
  static constexpr std::string_view kHosts[] = {"v2.stratum.braiins.com", "sv2.example-pool.com", "pool.demand.io"};
  static constexpr std::string_view kUsers[] = {"farm", "acme", "jsmith", "hashco"};
  return {std::string(rng.pick(kVendors)), std::string(rng.pick(kHardware)), std::string(rng.pick(kFirmware)),
          std::string(rng.pick(kUsers)) + std::to_string(rng.range(1, 99)) + ".rig" + std::to_string(rng.range(1, 300)),
          std::string(rng.pick(kHosts))};
}

Bytes setup_connection_payload(const Sv2Identity& id, std::uint16_t port) {
  Bytes p;
  p.push_back(0);  // mining protocol
  le16(p, 2);
  le16(p, 2);
  le32(p, 0x1);  // REQUIRES_STANDARD_JOBS
  str0_255(p, id.host);
  le16(p, port);
  str0_255(p, id.vendor);
  str0_255(p, id.hardware);
  str0_255(p, id.firmware);
  str0_255(p, "");
  return p;
}

}  // namespace

void sv2_session(Context& ctx, Rng& rng, Nanos start, Sv2Kind kind, Nanos duration, const Sv2Options& opt) {
  const IpAddr miner = next_miner_v4(ctx);
  const IpAddr pool = opt.pool ? *opt.pool : pool_v4(rng);
  static constexpr std::uint16_t kPorts[] = {34254, 3336, 443, 4444};
  const std::uint16_t port = opt.pool_port ? opt.pool_port : rng.pick(kPorts);
  const FlowAddr a = make_flow(rng, miner, ephemeral_port(rng), pool, port, -1);
  const Sv2Identity id = pick_identity(rng);
  ctx.cap.begin_long_flow();
  TcpConnection c(ctx.cap, rng, a, start, random_timing(rng));
  c.handshake();
  auto rtt = [&] { c.wait(c.timing().server_rtt + secs(rng.uniform(0.001, 0.02))); };
  const Nanos end = start + duration;
  const double hashrate = std::round(std::clamp(rng.lognormal(100e12, 0.5), 10e12, 400e12) / 1e9) * 1e9;
  // Difficulty 2^k (k = 16..20): the channel's target is then 2^(224-k) - 1, a share every 3-45 s.
  const int log2_difficulty = rng.irange(16, 20);
  const double difficulty = std::ldexp(1.0, log2_difficulty);
  const double work = difficulty * 4294967296.0;
  std::uint64_t shares = 0;
  std::uint32_t job = 1, seq = 0;
  const bool plain = kind == Sv2Kind::Plaintext;
  if (plain) {
    c.send(Side::Client, frame(0, 0x00, setup_connection_payload(id, port)));
    rtt();
    Bytes ok;
    le16(ok, 2);
    le32(ok, 0);
    c.send(Side::Server, frame(0, 0x01, ok));
    c.wait(c.timing().client_rtt);
    Bytes open;
    le32(open, 1);
    str0_255(open, id.user);
    float nominal = static_cast<float>(hashrate);
    std::uint32_t bits;
    std::memcpy(&bits, &nominal, 4);
    le32(open, bits);
    for (int i = 0; i < 32; ++i) open.push_back(0xff);
    c.send(Side::Client, frame(0, 0x10, open));
    rtt();
    Bytes opened;
    le32(opened, 1);
    le32(opened, 7);                                // channel id
    const int target_bits = 224 - log2_difficulty;  // U256 little-endian: the low target_bits bits set
    for (int i = 0; i < 32; ++i) {
      const int set = std::clamp(target_bits - 8 * i, 0, 8);
      opened.push_back(static_cast<std::uint8_t>((1u << set) - 1));
    }
    opened.push_back(4);
    random_bytes(rng, opened, 4);  // extranonce prefix
    le32(opened, 0);
    c.send(Side::Server, frame(0, 0x11, opened));
  } else {
    Bytes act1, act2;
    random_bytes(rng, act1, 64);
    c.send(Side::Client, act1);
    rtt();
    random_bytes(rng, act2, 234);
    c.send(Side::Server, act2);
    c.wait(c.timing().client_rtt);
    c.send(Side::Client, encrypted_frame(rng, setup_connection_payload(id, port).size()));
    rtt();
    c.send(Side::Server, encrypted_frame(rng, 6));
    c.wait(c.timing().client_rtt);
    c.send(Side::Client, encrypted_frame(rng, 4 + 1 + id.user.size() + 4 + 32));
    rtt();
    c.send(Side::Server, encrypted_frame(rng, 4 + 4 + 32 + 5 + 4));
  }
  auto send_job = [&] {
    if (plain) {
      Bytes j;
      le32(j, 7);
      le32(j, job++);
      j.push_back(0);
      le32(j, 0x20000000);
      random_bytes(rng, j, 32);
      c.send(Side::Server, frame(0x8000, 0x15, j));
    } else {
      c.send(Side::Server, encrypted_frame(rng, 45));
    }
  };
  send_job();
  Nanos next_share = c.now() + secs(rng.exponential(work / hashrate));
  Nanos next_job = c.now() + secs(rng.uniform(20, 40));
  while (true) {
    Nanos t = std::min(next_share, next_job);
    if (t >= end) break;
    c.wait_until(t);
    if (t == next_job) {
      send_job();
      next_job += secs(rng.uniform(20, 40));
      continue;
    }
    if (plain) {
      Bytes s;
      le32(s, 7);
      le32(s, ++seq);
      le32(s, job - 1);
      le32(s, rng.u32());
      le32(s, 1709251200u + static_cast<std::uint32_t>(seconds(t) - 1709251200.0));
      le32(s, 0x20000000);
      c.send(Side::Client, frame(0x8000, 0x1a, s));
      rtt();
      Bytes okay;
      le32(okay, 7);
      le32(okay, seq);
      le32(okay, 1);
      le32(okay, static_cast<std::uint32_t>(difficulty));
      le32(okay, 0);
      c.send(Side::Server, frame(0x8000, 0x1c, okay));
    } else {
      c.send(Side::Client, encrypted_frame(rng, 24));
      rtt();
      c.send(Side::Server, encrypted_frame(rng, 20));
    }
    ++shares;
    next_share += secs(rng.exponential(work / hashrate));
  }
  c.wait_until(end);
  c.close_fin(Side::Client);
  ctx.cap.end_long_flow();
  Json line = Json::obj({{"kind", "mining"},
                         {"miner", miner.str()},
                         {"miner_port", Json{static_cast<unsigned>(a.client_port)}},
                         {"pool", pool.str()},
                         {"pool_port", Json{static_cast<unsigned>(port)}},
                         {"pool_host", id.host},
                         {"family", "stratum2"},
                         {"variant", plain ? "plaintext" : "noise"},
                         {"true_hashrate", hashrate},
                         {"hashrate_unit", "H/s"},
                         {"shares", shares},
                         {"difficulties", Json::arr({difficulty})},
                         {"share_work", Json::arr({work})}});
  if (plain) {
    line.set("login", id.user);
    line.set("agent", id.vendor);
  } else {
    // Only the handshake's shape is visible: moderate evidence that must not alert on its own.
    line.set("encrypted", true);
  }
  line.set("adversities", Json::arr(std::vector<Json>{}));
  line.set("start", seconds(c.first_packet()));
  line.set("end", seconds(c.last_packet()));
  ctx.truth.write(line);
  ctx.mining_sessions++;
  ctx.flows++;
}

std::string_view sv2_decoy_name(Sv2Decoy d) {
  switch (d) {
    case Sv2Decoy::Bip324: return "bip324-p2p";
    case Sv2Decoy::Bip324Act234: return "bip324-p2p-234";
    case Sv2Decoy::Binary64: return "binary-64-request";
    case Sv2Decoy::ZeroHeader: return "zero-header-binary";
  }
  return "?";
}

void sv2_decoy(Context& ctx, Rng& rng, Nanos start, Sv2Decoy kind) {
  const IpAddr client = next_decoy_client_v4(ctx);
  const IpAddr server = decoy_server_v4(rng);
  const std::uint16_t port = kind == Sv2Decoy::Binary64 ? 34254 : kind == Sv2Decoy::ZeroHeader ? 3336 : 8333;
  const FlowAddr a = make_flow(rng, client, ephemeral_port(rng), server, port, -1);
  ctx.cap.begin_long_flow();
  TcpConnection c(ctx.cap, rng, a, start, random_timing(rng));
  c.handshake();
  auto rtt = [&] { c.wait(c.timing().server_rtt); };
  const Nanos end = start + secs(rng.uniform(60, 200));
  Bytes b;
  switch (kind) {
    case Sv2Decoy::Bip324:
    case Sv2Decoy::Bip324Act234: {
      // BIP324 v2 transport: 64-byte ElligatorSwift key without garbage, answered by key + garbage +
      // 16-byte terminator + 20-byte version packet; then the initiator's terminator + version packet.
      random_bytes(rng, b, 64);
      c.send(Side::Client, b);
      rtt();
      std::size_t garbage = kind == Sv2Decoy::Bip324Act234 ? 234 - 64 - 16 - 20 : rng.range(0, 400);
      b.clear();
      random_bytes(rng, b, 64 + garbage + 16 + 20);
      c.send(Side::Server, b);
      b.clear();
      random_bytes(rng, b, 16 + 20);
      c.send(Side::Client, b);
      while (c.now() < end) {
        c.wait(secs(rng.uniform(1, 20)));
        b.clear();
        random_bytes(rng, b, rng.range(40, 1400));
        c.send(rng.chance(0.5) ? Side::Client : Side::Server, b);
      }
      break;
    }
    case Sv2Decoy::Binary64:
      // A proprietary request/response protocol with 64-byte requests, on the SV2 example port.
      while (c.now() < end) {
        b.clear();
        random_bytes(rng, b, 64);
        c.send(Side::Client, b);
        rtt();
        b.clear();
        random_bytes(rng, b, rng.range(100, 1400));
        c.send(Side::Server, b);
        c.wait(secs(rng.uniform(0.5, 10)));
      }
      break;
    case Sv2Decoy::ZeroHeader:
      // Length-prefixed binary messages whose first bytes are zero, like an SV2 SetupConnection header.
      while (c.now() < end) {
        b.clear();
        std::size_t n = rng.range(20, 200);
        add(b, {0, 0, 0});
        le24(b, static_cast<std::uint32_t>(n));
        random_bytes(rng, b, n);
        c.send(Side::Client, b);
        rtt();
        b.clear();
        random_bytes(rng, b, rng.range(40, 600));
        c.send(Side::Server, b);
        c.wait(secs(rng.uniform(0.5, 10)));
      }
      break;
  }
  c.close_fin(Side::Client);
  ctx.cap.end_long_flow();
  ctx.truth.write(Json::obj({{"kind", "decoy"},
                             {"client", client.str()},
                             {"client_port", Json{static_cast<unsigned>(a.client_port)}},
                             {"server", server.str()},
                             {"server_port", Json{static_cast<unsigned>(port)}},
                             {"what", Json{sv2_decoy_name(kind)}},
                             {"start", seconds(c.first_packet())},
                             {"end", seconds(c.last_packet())}}));
  ctx.decoys++;
  ctx.flows++;
}

}  // namespace mwgen
