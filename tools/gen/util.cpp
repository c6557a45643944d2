// Addresses, payload helpers and the TLS/DNS builders shared by several scenarios.
#include <algorithm>
#include <cassert>
#include <cstring>

#include "gen/scenario.hpp"

namespace mwgen {

namespace {

void put16(std::vector<std::uint8_t>& out, std::size_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void patch16(std::vector<std::uint8_t>& out, std::size_t at, std::size_t v) {
  out[at] = static_cast<std::uint8_t>(v >> 8);
  out[at + 1] = static_cast<std::uint8_t>(v);
}
void patch24(std::vector<std::uint8_t>& out, std::size_t at, std::size_t v) {
  out[at] = static_cast<std::uint8_t>(v >> 16);
  patch16(out, at + 1, v & 0xffff);
}
void append(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b) {
  out.insert(out.end(), b.begin(), b.end());
}

constexpr std::size_t kNoisePool = 1u << 20;
constexpr std::size_t kNoiseMax = 64u << 10;

const std::vector<std::uint8_t>& noise_pool() {
  static const std::vector<std::uint8_t> pool = [] {
    std::vector<std::uint8_t> p(kNoisePool + kNoiseMax);
    Rng r{0x6e6f697365ULL};
    for (std::size_t i = 0; i < p.size(); i += 8) {
      const std::uint64_t v = r.next();
      std::memcpy(&p[i], &v, 8);
    }
    return p;
  }();
  return pool;
}

}  // namespace

// ---- addresses ----

IpAddr inside_v4(Rng& rng) {
  return IpAddr::v4(10, static_cast<std::uint8_t>(rng.range(2, 254)), rng.u8(),
                    static_cast<std::uint8_t>(rng.range(1, 254)));
}

IpAddr outside_v4(Rng& rng) {
  switch (rng.range(0, 2)) {
    case 0: return IpAddr::v4(192, 0, 2, static_cast<std::uint8_t>(rng.range(1, 254)));
    case 1: return IpAddr::v4(198, 51, 100, static_cast<std::uint8_t>(rng.range(1, 127)));
    default: return IpAddr::v4(203, 0, 113, static_cast<std::uint8_t>(rng.range(64, 254)));
  }
}

IpAddr pool_v4(Rng& rng) { return IpAddr::v4(203, 0, 113, static_cast<std::uint8_t>(rng.range(1, 62))); }
IpAddr decoy_server_v4(Rng& rng) { return IpAddr::v4(198, 51, 100, static_cast<std::uint8_t>(rng.range(128, 254))); }
IpAddr inside_v6(Rng& rng) { return IpAddr::v6_from(0x20010db800100000ULL | rng.range(2, 0xffff), rng.next()); }
IpAddr outside_v6(Rng& rng) {
  return IpAddr::v6_from(0x20010db800f00000ULL | rng.range(0, 0xfffff), rng.range(1, 0xffff));
}
IpAddr pool_v6(Rng& rng) { return IpAddr::v6_from(0x20010db801130000ULL, rng.range(1, 0xfff)); }

IpAddr next_miner_v4(Context& ctx) {
  const std::uint32_t i = ctx.next_miner++;
  return IpAddr::v4(10, 1, static_cast<std::uint8_t>((i / 250) % 256), static_cast<std::uint8_t>(i % 250 + 2));
}
IpAddr next_miner_v6(Context& ctx) { return IpAddr::v6_from(0x20010db800100001ULL, 0x1000 + ctx.next_miner++); }
IpAddr next_decoy_client_v4(Context& ctx) {
  const std::uint32_t i = ctx.next_decoy_client++;
  return IpAddr::v4(10, 3, static_cast<std::uint8_t>((i / 250) % 256), static_cast<std::uint8_t>(i % 250 + 2));
}

std::uint16_t ephemeral_port(Rng& rng) { return static_cast<std::uint16_t>(rng.range(32768, 60999)); }

FlowAddr make_flow(Rng& rng, const IpAddr& client, std::uint16_t client_port, const IpAddr& server,
                   std::uint16_t server_port, int vlan) {
  FlowAddr a;
  a.client = client;
  a.server = server;
  a.client_port = client_port;
  a.server_port = server_port;
  const std::size_t o = client.v6 ? 12 : 0;
  a.client_mac = {0x02, 0x00, client.b[o], client.b[o + 1], client.b[o + 2], client.b[o + 3]};
  a.server_mac = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x01};
  a.vlan = vlan;
  const bool windows = rng.chance(0.3);
  a.client_ttl = windows ? 128 : 64;
  a.server_ttl = static_cast<std::uint8_t>(rng.chance(0.8) ? rng.range(40, 58) : rng.range(110, 120));
  return a;
}

TcpTiming random_timing(Rng& rng) {
  TcpTiming t;
  t.server_rtt = static_cast<Nanos>(std::clamp(rng.lognormal(30.0, 0.6), 2.0, 400.0) * static_cast<double>(kMs));
  t.client_rtt = static_cast<Nanos>(rng.uniform(0.1, 2.0) * static_cast<double>(kMs));
  t.server_bps = std::clamp(rng.lognormal(30e6, 0.8), 1e6, 1e9);
  t.client_bps = std::clamp(rng.lognormal(10e6, 0.8), 1e6, 1e9);
  return t;
}

double seconds(Nanos t) { return static_cast<double>(t / kUs) / 1e6; }

// ---- payload helpers ----

std::span<const std::uint8_t> noise(Rng& rng, std::size_t n) {
  assert(n <= kNoiseMax);
  const auto& pool = noise_pool();
  return {pool.data() + rng.range(0, kNoisePool - 1), std::min(n, kNoiseMax)};
}

std::string base64(std::string_view in) {
  static constexpr char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (static_cast<std::uint8_t>(in[i]) << 16) | (static_cast<std::uint8_t>(in[i + 1]) << 8) |
                            static_cast<std::uint8_t>(in[i + 2]);
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i + 1 == in.size()) {
    const std::uint32_t v = static_cast<std::uint8_t>(in[i]) << 16;
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const std::uint32_t v = (static_cast<std::uint8_t>(in[i]) << 16) | (static_cast<std::uint8_t>(in[i + 1]) << 8);
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

void sha256(std::span<const std::uint8_t> data, std::uint8_t out[32]) {
  static constexpr std::uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::vector<std::uint8_t> m(data.begin(), data.end());
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  m.push_back(0x80);
  while (m.size() % 64 != 56) m.push_back(0);
  for (int i = 7; i >= 0; --i) m.push_back(static_cast<std::uint8_t>(bits >> (i * 8)));
  const auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  for (std::size_t blk = 0; blk < m.size(); blk += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      const std::size_t p = blk + static_cast<std::size_t>(i) * 4;
      w[i] = (std::uint32_t{m[p]} << 24) | (std::uint32_t{m[p + 1]} << 16) | (std::uint32_t{m[p + 2]} << 8) | m[p + 3];
    }
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const std::uint32_t ch = (e & f) ^ (~e & g);
      const std::uint32_t t1 = hh + s1 + ch + k[i] + w[i];
      const std::uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const std::uint32_t t2 = s0 + maj;
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  for (int i = 0; i < 8; ++i) {
    out[i * 4] = static_cast<std::uint8_t>(h[i] >> 24);
    out[i * 4 + 1] = static_cast<std::uint8_t>(h[i] >> 16);
    out[i * 4 + 2] = static_cast<std::uint8_t>(h[i] >> 8);
    out[i * 4 + 3] = static_cast<std::uint8_t>(h[i]);
  }
}

namespace {
// limbs[0] least significant; 9 limbs so that 2^256 fits.
std::string div_limbs_hex(std::uint32_t limbs[9], std::uint64_t d) {
  // 2^256 / 1 does not fit in 256 bits: saturate. Any other numerator divided by 1 is itself.
  if (d == 0 || (d == 1 && limbs[8] != 0)) return std::string(64, 'f');
  std::uint32_t q[9] = {};
  u128 rem = 0;
  for (int i = 8; i >= 0; --i) {
    const u128 cur = (rem << 32) | limbs[i];
    q[i] = static_cast<std::uint32_t>(cur / d);
    rem = cur % d;
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (int i = 7; i >= 0; --i) {
    for (int sh = 28; sh >= 0; sh -= 4) s += kDigits[(q[i] >> sh) & 15];
  }
  return s;
}
}  // namespace

std::string div_2_256_hex(std::uint64_t d) {
  std::uint32_t limbs[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1};
  return div_limbs_hex(limbs, d);
}

std::string diff1_over_hex(std::uint64_t d) {
  std::uint32_t limbs[9] = {0, 0, 0, 0, 0, 0, 0xffff0000u, 0, 0};
  return div_limbs_hex(limbs, d);
}

std::string uuid_like(Rng& rng) {
  return rng.hex(8) + "-" + rng.hex(4) + "-4" + rng.hex(3) + "-a" + rng.hex(3) + "-" + rng.hex(12);
}

// ---- TLS ----

void tls_client_hello(Rng& rng, std::string_view sni, bool tls13, std::vector<std::uint8_t>& out) {
  out.clear();
  add(out, {0x16, 0x03, 0x01, 0, 0});
  const std::size_t hs = out.size();
  add(out, {0x01, 0, 0, 0});
  add(out, {0x03, 0x03});
  append(out, noise(rng, 32));
  out.push_back(32);
  append(out, noise(rng, 32));
  static constexpr std::uint16_t kSuites13[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                                0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  const std::size_t first = tls13 ? 0 : 3;
  put16(out, (std::size(kSuites13) - first) * 2);
  for (std::size_t i = first; i < std::size(kSuites13); ++i) put16(out, kSuites13[i]);
  add(out, {0x01, 0x00});
  const std::size_t ext = out.size();
  put16(out, 0);
  if (!sni.empty()) {
    put16(out, 0x0000);
    put16(out, sni.size() + 5);
    put16(out, sni.size() + 3);
    out.push_back(0);
    put16(out, sni.size());
    out.insert(out.end(), sni.begin(), sni.end());
  }
  add(out, {0x00, 0x17, 0x00, 0x00});        // extended_master_secret
  add(out, {0xff, 0x01, 0x00, 0x01, 0x00});  // renegotiation_info
  add(out, {0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18});
  add(out, {0x00, 0x0b, 0x00, 0x02, 0x01, 0x00});  // ec_point_formats
  add(out, {0x00, 0x23, 0x00, 0x00});              // session_ticket
  add(out, {0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1', '.', '1'});
  add(out, {0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00});  // status_request
  add(out, {0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04,
            0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01});
  if (tls13) {
    add(out, {0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03});  // supported_versions
    add(out, {0x00, 0x2d, 0x00, 0x02, 0x01, 0x01});                    // psk_key_exchange_modes
    add(out, {0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20});
    append(out, noise(rng, 32));
  }
  patch16(out, ext, out.size() - ext - 2);
  patch24(out, hs + 1, out.size() - hs - 4);
  patch16(out, 3, out.size() - 5);
}

void tls_records(Rng& rng, std::size_t n, std::vector<std::uint8_t>& out) {
  while (n > 0) {
    const std::size_t len = std::min<std::size_t>(n, 16384 + 17);
    add(out, {0x17, 0x03, 0x03});
    put16(out, len);
    for (std::size_t done = 0; done < len;) {
      const std::size_t k = std::min<std::size_t>(len - done, 65536);
      append(out, noise(rng, k));
      done += k;
    }
    n -= len;
  }
}

void tls_handshake(TcpConnection& c, Rng& rng, std::string_view sni, bool tls13) {
  static thread_local std::vector<std::uint8_t> buf;
  tls_client_hello(rng, sni, tls13, buf);
  c.send(Side::Client, std::span<const std::uint8_t>{buf});
  c.wait(c.timing().server_rtt + static_cast<Nanos>(rng.uniform(0.1, 3.0) * static_cast<double>(kMs)));
  // ServerHello
  buf.clear();
  add(buf, {0x16, 0x03, 0x03, 0, 0, 0x02, 0, 0, 0, 0x03, 0x03});
  append(buf, noise(rng, 32));
  buf.push_back(32);
  append(buf, noise(rng, 32));
  if (tls13) {
    add(buf, {0x13, 0x01, 0x00, 0x00, 0x2e, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d,
              0x00, 0x20});
    append(buf, noise(rng, 32));
  } else {
    add(buf, {0xc0, 0x2f, 0x00, 0x00, 0x0e, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h',
              '2'});
  }
  patch24(buf, 6, buf.size() - 9);
  patch16(buf, 3, buf.size() - 5);
  add(buf, {0x14, 0x03, 0x03, 0x00, 0x01, 0x01});  // ChangeCipherSpec
  if (tls13) {
    // EncryptedExtensions, Certificate, CertificateVerify, Finished: all look like application data.
    tls_records(rng, static_cast<std::size_t>(rng.range(30, 120)), buf);
    tls_records(rng, static_cast<std::size_t>(rng.range(1800, 4200)), buf);
    tls_records(rng, static_cast<std::size_t>(rng.range(100, 280)), buf);
    tls_records(rng, 53, buf);
  } else {
    // Abbreviated (resumed) TLS 1.2 handshake: the server's Finished, encrypted.
    add(buf, {0x16, 0x03, 0x03, 0x00, 0x28});
    append(buf, noise(rng, 40));
  }
  c.send(Side::Server, std::span<const std::uint8_t>{buf});
  c.wait(c.timing().client_rtt + static_cast<Nanos>(rng.uniform(0.5, 5.0) * static_cast<double>(kMs)));
  buf.clear();
  add(buf, {0x14, 0x03, 0x03, 0x00, 0x01, 0x01});
  if (tls13) {
    tls_records(rng, 53, buf);
  } else {
    add(buf, {0x16, 0x03, 0x03, 0x00, 0x28});
    append(buf, noise(rng, 40));
  }
  c.send(Side::Client, std::span<const std::uint8_t>{buf});
}

// ---- DNS ----

void dns_name(std::vector<std::uint8_t>& out, std::string_view name) {
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<std::ptrdiff_t>(start),
               name.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  out.push_back(0);
}

void dns_lookup(Context& ctx, Rng& rng, Nanos t, const IpAddr& client, std::string_view name,
                const std::vector<IpAddr>& answers, int vlan) {
  const bool v6 = client.v6;
  const IpAddr resolver = v6 ? IpAddr::v6_from(0x20010db800530000ULL, 0x53) : IpAddr::v4(198, 51, 100, 53);
  const FlowAddr addr = make_flow(rng, client, ephemeral_port(rng), resolver, 53, vlan);
  UdpFlow flow(ctx.cap, rng, addr);
  const bool aaaa = !answers.empty() && answers[0].v6;
  static thread_local std::vector<std::uint8_t> q;
  q.clear();
  const std::uint16_t id = rng.u16();
  put16(q, id);
  add(q, {0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01});  // RD; 1 question, 1 additional
  dns_name(q, name);
  const std::size_t question_end = q.size();
  put16(q, aaaa ? 28 : 1);
  put16(q, 1);
  // EDNS0 OPT record
  add(q, {0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
  flow.send(Side::Client, t, std::span<const std::uint8_t>{q});

  std::vector<std::uint8_t> r(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(question_end + 4));
  r[2] = 0x81;
  r[3] = 0x80;
  const bool cname = rng.chance(0.3);
  patch16(r, 6, answers.size() + (cname ? 1 : 0));
  patch16(r, 10, 0);
  std::size_t target = 12;  // compression pointer to the question name
  if (cname) {
    add(r, {0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01});
    const std::uint32_t ttl = static_cast<std::uint32_t>(rng.range(60, 3600));
    add(r, {static_cast<std::uint8_t>(ttl >> 24), static_cast<std::uint8_t>(ttl >> 16),
            static_cast<std::uint8_t>(ttl >> 8), static_cast<std::uint8_t>(ttl)});
    const std::size_t len_at = r.size();
    put16(r, 0);
    target = r.size();
    // "edge-NN" then a pointer to the parent of the question name (skip its first label).
    const std::string label = "edge-" + std::to_string(rng.range(1, 99));
    r.push_back(static_cast<std::uint8_t>(label.size()));
    r.insert(r.end(), label.begin(), label.end());
    const std::size_t parent = 12 + 1 + q[12];
    if (q[parent] != 0) {
      r.push_back(static_cast<std::uint8_t>(0xc0 | (parent >> 8)));
      r.push_back(static_cast<std::uint8_t>(parent));
    } else {
      r.push_back(0);
    }
    patch16(r, len_at, r.size() - len_at - 2);
  }
  for (const IpAddr& a : answers) {
    r.push_back(static_cast<std::uint8_t>(0xc0 | (target >> 8)));
    r.push_back(static_cast<std::uint8_t>(target));
    put16(r, a.v6 ? 28 : 1);
    put16(r, 1);
    const std::uint32_t ttl = static_cast<std::uint32_t>(rng.range(30, 600));
    add(r, {static_cast<std::uint8_t>(ttl >> 24), static_cast<std::uint8_t>(ttl >> 16),
            static_cast<std::uint8_t>(ttl >> 8), static_cast<std::uint8_t>(ttl)});
    put16(r, a.v6 ? 16 : 4);
    r.insert(r.end(), a.b.begin(), a.b.begin() + (a.v6 ? 16 : 4));
  }
  const Nanos rtt = static_cast<Nanos>(rng.uniform(1.0, 40.0) * static_cast<double>(kMs));
  flow.send(Side::Server, t + rtt, std::span<const std::uint8_t>{r});
  ctx.flows++;
}

}  // namespace mwgen
