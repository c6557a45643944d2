// Hard negatives: crypto-adjacent and port-colliding traffic that is not mining.
#include <algorithm>
#include <cstring>
#include <string>

#include "gen/scenario.hpp"

namespace mwgen {

namespace {

Nanos secs(double s) { return static_cast<Nanos>(s * static_cast<double>(kSec)); }
Nanos ms(double v) { return static_cast<Nanos>(v * static_cast<double>(kMs)); }

void server_think(TcpConnection& c, Rng& rng) { c.wait(c.timing().server_rtt + ms(rng.uniform(0.3, 15))); }

std::string http_post(std::string_view host, std::string_view extra_headers, std::string_view body) {
  return "POST / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n" + std::string(extra_headers) +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}
std::string http_ok(std::string_view body, std::string_view server = "") {
  std::string r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
  if (!server.empty()) r += "Server: " + std::string(server) + "\r\n";
  r += "Date: Fri, 01 Mar 2024 00:00:00 GMT\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  r += body;
  return r;
}

void electrum(TcpConnection& c, Rng& rng, Nanos end) {
  int id = 0;
  const auto call = [&](std::string_view method, Json params, Json result) {
    const int i = id++;
    c.send(Side::Client,
           Json::obj({{"jsonrpc", "2.0"}, {"method", Json{method}}, {"params", params}, {"id", i}}).dump() + "\n");
    server_think(c, rng);
    c.send(Side::Server, Json::obj({{"jsonrpc", "2.0"}, {"result", result}, {"id", i}}).dump() + "\n");
    c.wait(ms(rng.uniform(1, 30)));
  };
  std::uint64_t height = rng.range(830000, 840000);
  call("server.version", Json::arr({"electrum/4.4.6", "1.4"}), Json::arr({"ElectrumX 1.16.0", "1.4"}));
  call("blockchain.headers.subscribe", Json::arr({}),
       Json::obj({{"hex", rng.hex(160)}, {"height", static_cast<unsigned long long>(height)}}));
  call("server.banner", Json::arr({}), "Welcome to ElectrumX");
  call("server.donation_address", Json::arr({}), "");
  call("blockchain.relayfee", Json::arr({}), 1e-05);
  const int n = rng.irange(5, 20);
  for (int i = 0; i < n; ++i) {
    call("blockchain.scripthash.subscribe", Json::arr({rng.hex(64)}), rng.chance(0.3) ? Json{rng.hex(64)} : Json{});
  }
  call("blockchain.estimatefee", Json::arr({2}), 0.00012);
  while (c.now() < end) {
    c.wait(secs(rng.uniform(20, 120)));
    if (rng.chance(0.5)) {
      call("server.ping", Json::arr({}), nullptr);
    } else {  // a new block: the server pushes a header notification
      ++height;
      c.send(Side::Server,
             Json::obj({{"jsonrpc", "2.0"},
                        {"method", "blockchain.headers.subscribe"},
                        {"params", Json::arr({Json::obj({{"hex", rng.hex(160)},
                                                         {"height", static_cast<unsigned long long>(height)}})})}})
                     .dump() +
                 "\n");
    }
  }
}

void bitcoind(TcpConnection& c, Rng& rng, Nanos end, std::string_view host) {
  const std::string auth = "Authorization: Basic " + base64("rpcuser:" + rng.alnum(16)) + "\r\n";
  const auto call = [&](std::string_view method, Json result) {
    c.send(Side::Client,
           http_post(
               host, auth,
               Json::obj({{"jsonrpc", "1.0"}, {"id", "curltest"}, {"method", Json{method}}, {"params", Json::arr({})}})
                   .dump()));
    server_think(c, rng);
    c.send(Side::Server,
           http_ok(Json::obj({{"result", result}, {"error", nullptr}, {"id", "curltest"}}).dump() + "\n"));
  };
  while (c.now() < end) {
    call("getbalance", rng.uniform(0, 3));
    c.wait(ms(rng.uniform(5, 50)));
    call("getblockchaininfo",
         Json::obj({{"chain", "main"},
                    {"blocks", static_cast<unsigned>(rng.range(830000, 840000))},
                    {"headers", 835000},
                    {"bestblockhash", "00000000000000000001" + rng.hex(44)},
                    {"difficulty", 72006146478567.1},
                    {"time", 1709251000},
                    {"mediantime", 1709249000},
                    {"verificationprogress", 0.9999987},
                    {"initialblockdownload", false},
                    {"chainwork", "00000000000000000000000000000000000000006f1c0c5e1a2e8b1b0c3d4e5f"},
                    {"size_on_disk", 612345678901ULL},
                    {"pruned", false},
                    {"warnings", ""}}));
    c.wait(secs(rng.uniform(15, 60)));
  }
}

void web3(TcpConnection& c, Rng& rng, Nanos end, std::string_view host) {
  int id = 1;
  const auto call = [&](std::string_view method, Json params, Json result) {
    const int i = id++;
    c.send(Side::Client,
           http_post(host, "User-Agent: Go-http-client/1.1\r\n",
                     Json::obj({{"jsonrpc", "2.0"}, {"id", i}, {"method", Json{method}}, {"params", params}}).dump()));
    server_think(c, rng);
    c.send(Side::Server, http_ok(Json::obj({{"jsonrpc", "2.0"}, {"id", i}, {"result", result}}).dump() + "\n"));
  };
  call("web3_clientVersion", Json::arr({}), "Geth/v1.13.5-stable-916d6a44/linux-amd64/go1.21.4");
  std::uint64_t block = rng.range(19000000, 19400000);
  const std::string account = "0x" + rng.hex(40);
  while (c.now() < end) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(block));
    call("eth_blockNumber", Json::arr({}), std::string(buf));
    call("eth_getBalance", Json::arr({account, "latest"}), "0x" + rng.hex(15));
    if (rng.chance(0.3)) call("eth_gasPrice", Json::arr({}), "0x" + rng.hex(9));
    block += rng.range(0, 2);
    c.wait(secs(rng.uniform(10, 15)));
  }
}

// TP-Link Kasa: 4-byte length, then the JSON XORed with an autokey starting at 171.
std::string kasa(std::string_view json) {
  std::string out(4, '\0');
  const auto n = static_cast<std::uint32_t>(json.size());
  out[0] = static_cast<char>(n >> 24);
  out[1] = static_cast<char>(n >> 16);
  out[2] = static_cast<char>(n >> 8);
  out[3] = static_cast<char>(n);
  std::uint8_t key = 171;
  for (char ch : json) {
    key = static_cast<std::uint8_t>(key ^ static_cast<std::uint8_t>(ch));
    out += static_cast<char>(key);
  }
  return out;
}

void tplink(TcpConnection& c, Rng& rng, Nanos end) {
  const std::string mac = "50:C7:BF:" + rng.hex(2) + ":" + rng.hex(2) + ":" + rng.hex(2);
  while (c.now() < end) {
    c.send(Side::Client, kasa(R"j({"system":{"get_sysinfo":{}}})j"));
    server_think(c, rng);
    c.send(
        Side::Server,
        kasa(
            std::string(
                R"j({"system":{"get_sysinfo":{"sw_ver":"1.5.6 Build 191125 Rel.135207","hw_ver":"2.0","model":"HS110(EU)","deviceId":"8006)j") +
            rng.hex(36) + R"j(","oemId":")j" + rng.hex(32) +
            R"j(","alias":"Living room lamp","mic_type":"IOT.SMARTPLUGSWITCH","feature":"TIM:ENE","mac":")j" + mac +
            R"j(","updating":0,"led_off":0,"relay_state":1,"on_time":)j" + std::to_string(rng.range(100, 90000)) +
            R"j(,"rssi":-)j" + std::to_string(rng.range(40, 80)) + R"j(,"err_code":0}}})j"));
    c.wait(ms(rng.uniform(50, 300)));
    c.send(Side::Client, kasa(R"j({"emeter":{"get_realtime":{}}})j"));
    server_think(c, rng);
    c.send(Side::Server,
           kasa(R"j({"emeter":{"get_realtime":{"voltage_mv":)j" + std::to_string(rng.range(228000, 236000)) +
                R"j(,"current_ma":)j" + std::to_string(rng.range(20, 900)) + R"j(,"power_mw":)j" +
                std::to_string(rng.range(1000, 200000)) + R"j(,"total_wh":)j" + std::to_string(rng.range(1000, 90000)) +
                R"j(,"err_code":0}}})j"));
    c.wait(secs(rng.uniform(10, 60)));
  }
}

void http3333(TcpConnection& c, Rng& rng, Nanos end, std::string_view host) {
  while (c.now() < end) {
    const bool api = rng.chance(0.6);
    c.send(Side::Client,
           std::string("GET ") + (api ? "/api/health" : "/") + " HTTP/1.1\r\nHost: " + std::string(host) +
               "\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0\r\n"
               "Accept: */*\r\nConnection: keep-alive\r\n\r\n");
    server_think(c, rng);
    if (api) {
      c.send(Side::Server,
             http_ok(R"j({"status":"ok","version":"1.4.2","uptime":)j" + std::to_string(rng.range(100, 99999)) + "}",
                     "Express"));
    } else {
      std::string html =
          "<!doctype html><html><head><title>Dashboard</title></head><body><div id=\"root\"></div>"
          "<script src=\"/static/js/main.js\"></script></body></html>";
      c.send(Side::Server,
             "HTTP/1.1 200 OK\r\nX-Powered-By: Express\r\nContent-Type: text/html; charset=utf-8\r\n"
             "Content-Length: " +
                 std::to_string(html.size()) + "\r\n\r\n" + html);
    }
    c.wait(secs(rng.uniform(5, 40)));
  }
}

void binary4444(TcpConnection& c, Rng& rng, Nanos end) {
  std::uint32_t seq = 0;
  const auto frame = [&](std::uint8_t type, std::size_t n) {
    std::string f;
    f += static_cast<char>(0xa5);
    f += static_cast<char>(type);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n);
    for (int i = 3; i >= 0; --i) f += static_cast<char>(seq >> (i * 8));
    ++seq;
    const auto body = noise(rng, n);
    f.append(reinterpret_cast<const char*>(body.data()), body.size());
    return f;
  };
  c.send(Side::Client, frame(1, 24));
  server_think(c, rng);
  c.send(Side::Server, frame(2, 40));
  while (c.now() < end) {
    c.wait(secs(rng.uniform(2, 20)));
    c.send(Side::Client, frame(rng.chance(0.7) ? 3 : 4, rng.range(8, 300)));
    server_think(c, rng);
    c.send(Side::Server, frame(5, rng.range(8, 900)));
  }
}

void telnet(TcpConnection& c, Rng& rng, Nanos end) {
  c.wait(c.timing().server_rtt / 2);
  c.send(Side::Server, std::string("\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27", 12));
  c.wait(c.timing().client_rtt);
  c.send(Side::Client, std::string("\xff\xfc\x18\xff\xfc\x20\xff\xfc\x23\xff\xfc\x27", 12));
  server_think(c, rng);
  c.send(Side::Server, "\r\nBusyBox v1.31.1 () built-in shell\r\n\r\ngateway login: ");
  while (c.now() < end) {
    c.wait(secs(rng.uniform(1, 4)));
    for (char ch : std::string("admin\r\n")) {
      c.send(Side::Client, std::string(1, ch));
      c.wait(ms(rng.uniform(80, 250)));
    }
    server_think(c, rng);
    c.send(Side::Server, "Password: ");
    c.wait(secs(rng.uniform(1, 3)));
    c.send(Side::Client, rng.alnum(8) + "\r\n");
    c.wait(secs(rng.uniform(1.5, 3)));
    c.send(Side::Server, "\r\nLogin incorrect\r\ngateway login: ");
  }
}

std::string btc_message(std::string_view command, std::span<const std::uint8_t> payload) {
  std::string m = "\xf9\xbe\xb4\xd9";
  std::string cmd(command);
  cmd.resize(12, '\0');
  m += cmd;
  const auto n = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) m += static_cast<char>(n >> (i * 8));
  std::uint8_t h1[32], h2[32];
  sha256(payload, h1);
  sha256(std::span<const std::uint8_t>{h1, 32}, h2);
  m.append(reinterpret_cast<const char*>(h2), 4);
  m.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  return m;
}

void le(std::vector<std::uint8_t>& v, std::uint64_t x, int bytes) {
  for (int i = 0; i < bytes; ++i) v.push_back(static_cast<std::uint8_t>(x >> (i * 8)));
}

std::string btc_version(Rng& rng, const IpAddr& to, std::uint16_t port, Nanos now, std::string_view agent) {
  std::vector<std::uint8_t> p;
  le(p, 70016, 4);
  le(p, 0x409, 8);
  le(p, static_cast<std::uint64_t>(now / kSec), 8);
  le(p, 0x409, 8);
  std::uint8_t ip[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (to.v6) {
    std::memcpy(ip, to.b.data(), 16);
  } else {
    std::memcpy(ip + 12, to.b.data(), 4);
  }
  p.insert(p.end(), ip, ip + 16);
  p.push_back(static_cast<std::uint8_t>(port >> 8));
  p.push_back(static_cast<std::uint8_t>(port));
  le(p, 0, 8);
  p.insert(p.end(), 18, 0);
  le(p, rng.next(), 8);
  p.push_back(static_cast<std::uint8_t>(agent.size()));
  p.insert(p.end(), agent.begin(), agent.end());
  le(p, rng.range(830000, 840000), 4);
  p.push_back(1);
  return btc_message("version", p);
}

void bitcoin_p2p(TcpConnection& c, Rng& rng, Nanos end, const FlowAddr& a) {
  c.send(Side::Client, btc_version(rng, a.server, 8333, c.now(), "/Satoshi:26.0.0/"));
  server_think(c, rng);
  c.send(Side::Server,
         btc_version(rng, a.client, a.client_port, c.now(), "/Satoshi:25.1.0/") + btc_message("verack", {}));
  c.wait(c.timing().client_rtt);
  std::vector<std::uint8_t> p;
  le(p, 2, 8);
  c.send(Side::Client, btc_message("verack", {}) + btc_message("sendheaders", {}));
  p.clear();
  p.push_back(0);
  le(p, 2, 8);
  c.send(Side::Client, btc_message("sendcmpct", p));
  while (c.now() < end) {
    c.wait(secs(rng.uniform(5, 60)));
    if (rng.chance(0.3)) {
      p.clear();
      le(p, rng.next(), 8);
      c.send(Side::Server, btc_message("ping", p));
      c.wait(c.timing().client_rtt);
      c.send(Side::Client, btc_message("pong", p));
    } else {
      p.clear();
      const auto n = rng.range(1, 30);
      p.push_back(static_cast<std::uint8_t>(n));
      for (std::uint64_t i = 0; i < n; ++i) {
        le(p, 1, 4);  // MSG_TX
        const auto h = noise(rng, 32);
        p.insert(p.end(), h.begin(), h.end());
      }
      c.send(rng.chance(0.5) ? Side::Server : Side::Client, btc_message("inv", p));
    }
  }
}

}  // namespace

void decoy_flow(Context& ctx, Rng& rng, Nanos start, Decoy kind, Nanos max_duration) {
  std::uint16_t port = 0;
  std::string_view what;
  switch (kind) {
    case Decoy::Electrum: port = 50001, what = "electrum"; break;
    case Decoy::BitcoindRpc: port = 8332, what = "bitcoind-rpc"; break;
    case Decoy::Web3Rpc: port = 8545, what = "web3-rpc"; break;
    case Decoy::TplinkSmartHome: port = 9999, what = "tplink-smarthome"; break;
    case Decoy::Http3333: port = 3333, what = "http-3333"; break;
    case Decoy::Binary4444: port = 4444, what = "binary-4444"; break;
    case Decoy::Telnet14444: port = 14444, what = "telnet-14444"; break;
    case Decoy::BitcoinP2p: port = 8333, what = "bitcoin-p2p"; break;
  }
  const IpAddr client = next_decoy_client_v4(ctx);
  const IpAddr server = decoy_server_v4(rng);
  const FlowAddr a = make_flow(rng, client, ephemeral_port(rng), server, port, -1);
  ctx.cap.begin_long_flow();
  TcpConnection c(ctx.cap, rng, a, start, random_timing(rng));
  c.handshake();
  c.wait(c.timing().client_rtt);
  Nanos duration = secs(rng.uniform(120, 400));
  if (max_duration > 0) duration = std::min(duration, max_duration);
  const Nanos end = start + duration;
  const std::string host = server.str() + ":" + std::to_string(port);
  switch (kind) {
    case Decoy::Electrum: electrum(c, rng, end); break;
    case Decoy::BitcoindRpc: bitcoind(c, rng, end, host); break;
    case Decoy::Web3Rpc: web3(c, rng, end, host); break;
    case Decoy::TplinkSmartHome: tplink(c, rng, end); break;
    case Decoy::Http3333: http3333(c, rng, end, host); break;
    case Decoy::Binary4444: binary4444(c, rng, end); break;
    case Decoy::Telnet14444: telnet(c, rng, end); break;
    case Decoy::BitcoinP2p: bitcoin_p2p(c, rng, end, a); break;
  }
  c.wait(secs(rng.uniform(0.5, 5)));
  c.close_fin(Side::Client);
  ctx.cap.end_long_flow();
  ctx.truth.write(Json::obj({{"kind", "decoy"},
                             {"client", client.str()},
                             {"client_port", Json{static_cast<unsigned>(a.client_port)}},
                             {"server", server.str()},
                             {"server_port", Json{static_cast<unsigned>(port)}},
                             {"what", Json{what}},
                             {"start", seconds(c.first_packet())},
                             {"end", seconds(c.last_packet())}}));
  ctx.decoys++;
  ctx.flows++;
}

}  // namespace mwgen
