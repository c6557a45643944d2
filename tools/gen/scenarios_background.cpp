// Benign background traffic: TLS, HTTP, DNS, QUIC, bulk transfers, SSH.
#include <algorithm>
#include <string>

#include "gen/scenario.hpp"

namespace mwgen {

namespace {

constexpr std::string_view kSites[] = {"www.example.com",      "cdn.example.net",
                                       "api.example.org",      "www.wikipedia.org",
                                       "www.google.com",       "fonts.gstatic.com",
                                       "update.microsoft.com", "www.bing.com",
                                       "github.com",           "objects.githubusercontent.com",
                                       "www.baidu.com",        "static.example-cdn.net",
                                       "mail.example.org",     "login.example.com",
                                       "video.example.net",    "push.example-apps.com",
                                       "ocsp.example-ca.com",  "img.example-shop.com",
                                       "www.weather.example",  "news.example.org"};

constexpr std::string_view kPaths[] = {"/",
                                       "/index.html",
                                       "/static/app.js",
                                       "/css/site.css",
                                       "/images/logo.png",
                                       "/api/v1/status",
                                       "/favicon.ico",
                                       "/news/today",
                                       "/download/file.bin"};

IpAddr client_addr(Rng& rng, const BackgroundOptions& opt) { return opt.v6 ? inside_v6(rng) : inside_v4(rng); }
IpAddr server_addr(Rng& rng, const BackgroundOptions& opt) { return opt.v6 ? outside_v6(rng) : outside_v4(rng); }

void send_noise(TcpConnection& c, Rng& rng, Side from, std::size_t n) {
  while (n > 0) {
    const std::size_t k = std::min<std::size_t>(n, 65536);
    c.send(from, noise(rng, k));
    n -= k;
  }
}

void close(TcpConnection& c, Rng& rng) {
  c.wait(static_cast<Nanos>(rng.exponential(2.0) * static_cast<double>(kSec)));
  const double r = rng.uniform();
  if (r < 0.75) {
    c.close_fin(rng.chance(0.6) ? Side::Client : Side::Server);
  } else if (r < 0.9) {
    c.close_rst(Side::Client);
  } else {
    c.abandon();
  }
}

std::size_t tls_size(Rng& rng, const BackgroundOptions& opt) {
  return opt.isp ? static_cast<std::size_t>(std::clamp(rng.lognormal(3000, 1.3), 300.0, 3e6))
                 : static_cast<std::size_t>(std::clamp(rng.lognormal(6000, 1.0), 500.0, 100e3));
}

void http_flow(Context& ctx, Rng& rng, Nanos start, const BackgroundOptions& opt) {
  const FlowAddr a = make_flow(rng, client_addr(rng, opt), ephemeral_port(rng), server_addr(rng, opt), 80, opt.vlan);
  TcpConnection c(ctx.cap, rng, a, start, random_timing(rng));
  c.handshake();
  const std::string_view host = rng.pick(kSites);
  const int requests = rng.irange(1, 3);
  for (int i = 0; i < requests; ++i) {
    const std::string_view path = rng.pick(kPaths);
    std::string req = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + std::string(host) +
                      "\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                      "Gecko) Chrome/120.0.0.0 Safari/537.36\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\n"
                      "Connection: keep-alive\r\n\r\n";
    c.send(Side::Client, req);
    c.wait(c.timing().server_rtt + static_cast<Nanos>(rng.uniform(1, 30) * static_cast<double>(kMs)));
    const auto body =
        static_cast<std::size_t>(std::clamp(rng.lognormal(opt.isp ? 3000 : 5000, 1.3), 50.0, opt.isp ? 2e6 : 100e3));
    const bool text = path.ends_with(".html") || path == "/" || path.starts_with("/news");
    std::string resp =
        "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Fri, 01 Mar 2024 00:00:00 GMT\r\n"
        "Content-Type: " +
        std::string(text ? "text/html; charset=utf-8" : "application/octet-stream") +
        "\r\nContent-Length: " + std::to_string(body) + "\r\nConnection: keep-alive\r\n\r\n";
    if (text) {
      std::string html = "<!DOCTYPE html><html><head><title>Example</title></head><body>";
      while (html.size() + 14 < body) html += "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n";
      html.resize(body - 14, ' ');
      html += "</body></html>";
      c.send(Side::Server, resp + html);
    } else {
      c.send(Side::Server, resp);
      send_noise(c, rng, Side::Server, body);
    }
    c.wait(static_cast<Nanos>(rng.exponential(0.5) * static_cast<double>(kSec)));
  }
  close(c, rng);
  ctx.flows++;
}

void dns_flow(Context& ctx, Rng& rng, Nanos start, const BackgroundOptions& opt) {
  std::string name = std::string(rng.pick(kSites));
  if (rng.chance(0.3)) name = rng.alnum(rng.range(3, 10)) + "." + name;
  std::vector<IpAddr> answers;
  const int n = rng.irange(1, 3);
  for (int i = 0; i < n; ++i) answers.push_back(server_addr(rng, opt));
  dns_lookup(ctx, rng, start, client_addr(rng, opt), name, answers, opt.vlan);
}

void quic_flow(Context& ctx, Rng& rng, Nanos start, const BackgroundOptions& opt) {
  const FlowAddr a = make_flow(rng, client_addr(rng, opt), ephemeral_port(rng), server_addr(rng, opt), 443, opt.vlan);
  UdpFlow f(ctx.cap, rng, a);
  const TcpTiming tm = random_timing(rng);
  std::vector<std::uint8_t> p;
  const auto dcid = noise(rng, 8);
  const auto scid = noise(rng, 8);
  const auto long_header = [&](std::uint8_t type, bool from_client, std::size_t payload) {
    p.push_back(static_cast<std::uint8_t>(0xc3 | (type << 4)));
    add(p, {0x00, 0x00, 0x00, 0x01});
    if (from_client) {
      p.push_back(8);
      p.insert(p.end(), dcid.begin(), dcid.end());
      p.push_back(0);
    } else {
      p.push_back(0);
      p.push_back(8);
      p.insert(p.end(), scid.begin(), scid.end());
    }
    if (type == 0) p.push_back(0);  // token length
    const std::size_t len = payload + 4;
    p.push_back(static_cast<std::uint8_t>(0x40 | (len >> 8)));
    p.push_back(static_cast<std::uint8_t>(len));
    const auto body = noise(rng, len);
    p.insert(p.end(), body.begin(), body.end());
  };
  Nanos t = start;
  // Client Initial, padded to 1250 bytes as browsers do.
  p.clear();
  long_header(0, true, 1250 - 26 - 4);
  f.send(Side::Client, t, std::span<const std::uint8_t>{p});
  t += tm.server_rtt;
  // Server Initial + Handshake, coalesced, then more Handshake.
  for (int i = 0; i < 3; ++i) {
    p.clear();
    if (i == 0) long_header(0, false, 120);
    long_header(2, false, i == 2 ? static_cast<std::size_t>(rng.range(200, 900)) : 1100);
    f.send(Side::Server, t, std::span<const std::uint8_t>{p});
    t += 20 * kUs;
  }
  t += tm.client_rtt;
  p.clear();
  long_header(0, true, 40);
  long_header(2, true, 80);
  p.resize(1250, 0);  // padding frames
  f.send(Side::Client, t, std::span<const std::uint8_t>{p});
  const auto short_packet = [&](bool from_client, std::size_t len) {
    p.clear();
    p.push_back(static_cast<std::uint8_t>(0x40 | (rng.u8() & 0x3f)));
    const auto& cid = from_client ? scid : dcid;
    p.insert(p.end(), cid.begin(), cid.end());
    const auto body = noise(rng, len);
    p.insert(p.end(), body.begin(), body.end());
  };
  t += 100 * kUs;
  short_packet(true, rng.range(60, 600));
  f.send(Side::Client, t, std::span<const std::uint8_t>{p});
  t += tm.server_rtt;
  auto down = static_cast<std::size_t>(std::clamp(rng.lognormal(8000, 1.3), 1000.0, opt.isp ? 20e6 : 100e3));
  const Nanos gap = static_cast<Nanos>(1300.0 * 8e9 / tm.server_bps);
  int since_ack = 0;
  while (down > 0) {
    const std::size_t len = std::min<std::size_t>(down, 1252);
    short_packet(false, len);
    f.send(Side::Server, t, std::span<const std::uint8_t>{p});
    down -= len;
    if (++since_ack == 2 || down == 0) {
      since_ack = 0;
      short_packet(true, rng.range(24, 40));
      f.send(Side::Client, t + tm.client_rtt, std::span<const std::uint8_t>{p});
    }
    t += gap;
  }
  ctx.flows++;
}

void bulk_flow(Context& ctx, Rng& rng, Nanos start, const BackgroundOptions& opt) {
  const bool tls = rng.chance(0.7);
  const FlowAddr a =
      make_flow(rng, client_addr(rng, opt), ephemeral_port(rng), server_addr(rng, opt), tls ? 443 : 80, opt.vlan);
  TcpTiming tm = random_timing(rng);
  tm.server_bps = std::clamp(rng.lognormal(80e6, 0.8), 5e6, 1e9);
  TcpConnection c(ctx.cap, rng, a, start, tm);
  c.handshake();
  const auto size = static_cast<std::size_t>(opt.isp ? std::min(rng.pareto(80e3, 1.2), 100e6)
                                                     : std::clamp(rng.lognormal(150e3, 0.7), 50e3, 400e3));
  const bool upload = rng.chance(0.15);
  if (tls) {
    tls_handshake(c, rng, rng.pick(kSites), rng.chance(0.7));
    std::vector<std::uint8_t> rec;
    tls_records(rng, rng.range(300, 700), rec);
    c.send(Side::Client, std::span<const std::uint8_t>{rec});
    c.wait(c.timing().server_rtt);
    // Large responses: 16 KiB TLS records.
    std::size_t left = size;
    while (left > 0) {
      rec.clear();
      const std::size_t k = std::min<std::size_t>(left, 65536);
      tls_records(rng, k, rec);
      c.send(upload ? Side::Client : Side::Server, std::span<const std::uint8_t>{rec});
      left -= k;
    }
  } else {
    std::string req = "GET /download/" + rng.alnum(12) + ".bin HTTP/1.1\r\nHost: " + std::string(rng.pick(kSites)) +
                      "\r\nUser-Agent: Wget/1.21.3\r\nAccept: */*\r\nConnection: Keep-Alive\r\n\r\n";
    c.send(Side::Client, req);
    c.wait(c.timing().server_rtt);
    std::string resp =
        "HTTP/1.1 200 OK\r\nServer: Apache\r\nContent-Type: application/octet-stream\r\n"
        "Content-Length: " +
        std::to_string(size) + "\r\n\r\n";
    c.send(Side::Server, resp);
    send_noise(c, rng, Side::Server, size);
  }
  close(c, rng);
  ctx.flows++;
}

void ssh_flow(Context& ctx, Rng& rng, Nanos start, const BackgroundOptions& opt) {
  const FlowAddr a = make_flow(rng, client_addr(rng, opt), ephemeral_port(rng), server_addr(rng, opt), 22, opt.vlan);
  TcpConnection c(ctx.cap, rng, a, start, random_timing(rng));
  c.handshake();
  c.wait(c.timing().server_rtt / 2);
  c.send(Side::Server, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n");
  c.wait(c.timing().client_rtt);
  c.send(Side::Client, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u2\r\n");
  const auto kexinit = [&](std::string_view kex) {
    std::vector<std::uint8_t> payload;
    payload.push_back(20);  // SSH_MSG_KEXINIT
    const auto cookie = noise(rng, 16);
    payload.insert(payload.end(), cookie.begin(), cookie.end());
    const std::string_view lists[10] = {kex,
                                        "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512",
                                        "chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com",
                                        "chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com",
                                        "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
                                        "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
                                        "none,zlib@openssh.com",
                                        "none,zlib@openssh.com",
                                        "",
                                        ""};
    for (const auto l : lists) {
      const auto n = static_cast<std::uint32_t>(l.size());
      add(payload, {static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                    static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
      payload.insert(payload.end(), l.begin(), l.end());
    }
    add(payload, {0, 0, 0, 0, 0});
    std::size_t pad = 8 - (payload.size() + 5) % 8;
    if (pad < 4) pad += 8;
    const auto len = static_cast<std::uint32_t>(payload.size() + pad + 1);
    // Built in place: prepending to `payload` keeps one buffer (and avoids a GCC 12 -Warray-bounds false positive).
    payload.insert(payload.end(), pad, 0);
    const std::uint8_t head[5] = {static_cast<std::uint8_t>(len >> 24), static_cast<std::uint8_t>(len >> 16),
                                  static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len),
                                  static_cast<std::uint8_t>(pad)};
    payload.insert(payload.begin(), head, head + 5);
    return payload;
  };
  c.send(Side::Client, kexinit("curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ext-info-c"));
  c.wait(c.timing().server_rtt);
  c.send(Side::Server,
         kexinit("curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,kex-strict-s-v00@openssh.com"));
  c.wait(c.timing().client_rtt);
  c.send(Side::Client, noise(rng, 48));  // ECDH init
  c.wait(c.timing().server_rtt);
  c.send(Side::Server, noise(rng, rng.range(500, 1100)));  // ECDH reply + NEWKEYS
  const int interactions = rng.irange(5, 60);
  for (int i = 0; i < interactions; ++i) {
    c.wait(static_cast<Nanos>(rng.exponential(0.4) * static_cast<double>(kSec)));
    c.send(Side::Client, noise(rng, 36));
    c.wait(c.timing().server_rtt);
    c.send(Side::Server, noise(rng, rng.chance(0.8) ? 36 : rng.range(60, 1400)));
  }
  close(c, rng);
  ctx.flows++;
}

}  // namespace

void benign_tls_flow(Context& ctx, Rng& rng, Nanos start, const BackgroundOptions& opt, std::size_t bytes_down) {
  const FlowAddr a = make_flow(rng, client_addr(rng, opt), ephemeral_port(rng), server_addr(rng, opt), 443, opt.vlan);
  TcpConnection c(ctx.cap, rng, a, start, random_timing(rng));
  c.handshake();
  tls_handshake(c, rng, rng.chance(0.97) ? rng.pick(kSites) : std::string_view{}, rng.chance(0.7));
  std::vector<std::uint8_t> rec;
  const int exchanges = rng.irange(1, 4);
  for (int i = 0; i < exchanges; ++i) {
    rec.clear();
    tls_records(rng, rng.range(150, 900), rec);
    c.wait(static_cast<Nanos>(rng.uniform(0.1, 5.0) * static_cast<double>(kMs)));
    c.send(Side::Client, std::span<const std::uint8_t>{rec});
    c.wait(c.timing().server_rtt + static_cast<Nanos>(rng.uniform(1, 50) * static_cast<double>(kMs)));
    std::size_t left = bytes_down / static_cast<std::size_t>(exchanges) + 1;
    while (left > 0) {
      rec.clear();
      const std::size_t k = std::min<std::size_t>(left, 65536);
      tls_records(rng, k, rec);
      c.send(Side::Server, std::span<const std::uint8_t>{rec});
      left -= k;
    }
    c.wait(static_cast<Nanos>(rng.exponential(1.0) * static_cast<double>(kSec)));
  }
  close(c, rng);
  ctx.flows++;
}

void background_flow(Context& ctx, Rng& rng, Nanos start, Background kind, const BackgroundOptions& opt) {
  switch (kind) {
    case Background::Tls: benign_tls_flow(ctx, rng, start, opt, tls_size(rng, opt)); return;
    case Background::Http: http_flow(ctx, rng, start, opt); return;
    case Background::Dns: dns_flow(ctx, rng, start, opt); return;
    case Background::Quic: quic_flow(ctx, rng, start, opt); return;
    case Background::Bulk: bulk_flow(ctx, rng, start, opt); return;
    case Background::Ssh: ssh_flow(ctx, rng, start, opt); return;
  }
}

}  // namespace mwgen
