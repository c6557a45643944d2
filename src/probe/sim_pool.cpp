#include "probe/sim_pool.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>

#include "core/ip_address.hpp"
#include "probe/target.hpp"

namespace minewatch::probe {

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;

bool is_loopback(const IpAddress& ip) {
  static const TargetPolicy loopback = TargetPolicy::loopback_only();
  return loopback.allows(ip);
}

std::string hex_of(std::uint64_t seed, std::size_t digits) {
  std::string out;
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  while (out.size() < digits) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    out += fmt::format("{:016x}", x);
  }
  out.resize(digits);
  return out;
}

}  // namespace

std::string_view sim_mode_name(SimMode m) {
  switch (m) {
    case SimMode::Pool: return "pool";
    case SimMode::Silent: return "silent";
    case SimMode::Http: return "http";
    case SimMode::Smtp: return "smtp";
  }
  return "?";
}

Result<ListenerSpec> parse_listener(std::string_view text, const ListenerSpec& defaults) {
  ListenerSpec s = defaults;
  std::string_view addr = text.substr(0, text.find(','));
  if (addr.ends_with(":0")) {
    // Port 0 (any free port) is fine here, though parse_endpoint refuses it.
    std::string_view host = addr.substr(0, addr.size() - 2);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    s.address = std::string{host};
    s.port = 0;
  } else {
    auto ep = parse_endpoint(addr);
    if (!ep) return std::unexpected(ep.error());
    s.address = ep->host;
    s.port = ep->port;
  }
  std::string_view rest = text.size() > addr.size() ? text.substr(addr.size() + 1) : std::string_view{};
  while (!rest.empty()) {
    std::string_view kv = rest.substr(0, rest.find(','));
    rest = kv.size() < rest.size() ? rest.substr(kv.size() + 1) : std::string_view{};
    auto eq = kv.find('=');
    std::string_view key = kv.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1);
    if (key == "dialect") {
      auto d = parse_dialect(value);
      if (!d) return make_error(fmt::format("{}: unknown dialect '{}'", text, value));
      s.dialect = *d;
    } else if (key == "mode") {
      if (value == "pool") {
        s.mode = SimMode::Pool;
      } else if (value == "silent") {
        s.mode = SimMode::Silent;
      } else if (value == "http") {
        s.mode = SimMode::Http;
      } else if (value == "smtp") {
        s.mode = SimMode::Smtp;
      } else {
        return make_error(fmt::format("{}: unknown mode '{}'", text, value));
      }
    } else if (key == "delay") {
      unsigned ms = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec != std::errc{} || p != value.data() + value.size()) {
        return make_error(fmt::format("{}: bad delay '{}'", text, value));
      }
      s.delay = std::chrono::milliseconds{ms};
    } else {
      return make_error(fmt::format("{}: unknown key '{}'", text, key));
    }
  }
  return s;
}

struct SimPool::Listener {
  int fd = -1;
  ListenerSpec spec;
  ~Listener() {
    if (fd >= 0) ::close(fd);
  }
};

struct SimPool::Conn {
  int fd = -1;
  const Listener* listener = nullptr;
  std::string in;
  std::string out;
  struct Pending {
    Clock::time_point due;
    std::string text;
  };
  std::deque<Pending> pending;
  bool close_after_write = false;
  bool closed = false;
  std::uint64_t session = 0;
  std::uint64_t jobs = 0;
  simdjson::dom::parser json;
  ~Conn() {
    if (fd >= 0) ::close(fd);
  }
};

SimPool::SimPool(bool allow_non_loopback) : allow_non_loopback_(allow_non_loopback) {}

SimPool::~SimPool() { stop(); }

Result<std::uint16_t> SimPool::listen(const ListenerSpec& spec) {
  IpAddress ip;
  if (!IpAddress::parse(spec.address, ip)) return make_error(fmt::format("{}: not an IP address", spec.address));
  if (!allow_non_loopback_ && !is_loopback(ip)) {
    return make_error(
        fmt::format("{}: simulate-pool listens on loopback only (see --allow-non-loopback)", spec.address));
  }
  auto l = std::make_unique<Listener>();
  l->spec = spec;
  l->fd = ::socket(ip.is_v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l->fd < 0) return make_error(fmt::format("socket: {}", std::strerror(errno)));
  int one = 1;
  (void)::setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss{};
  socklen_t len;
  if (ip.is_v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(spec.port);
    std::memcpy(&s6->sin6_addr, ip.bytes.data(), 16);
    len = sizeof *s6;
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(spec.port);
    std::memcpy(&s4->sin_addr, ip.bytes.data(), 4);
    len = sizeof *s4;
  }
  if (::bind(l->fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return make_error(fmt::format("bind {}:{}: {}", spec.address, spec.port, std::strerror(errno)));
  }
  if (::listen(l->fd, 64) != 0) return make_error(fmt::format("listen: {}", std::strerror(errno)));
  if (::getsockname(l->fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return make_error(fmt::format("getsockname: {}", std::strerror(errno)));
  }
  std::uint16_t port =
      ntohs(ip.is_v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  l->spec.port = port;
  listeners_.push_back(std::move(l));
  return port;
}

void SimPool::start() {
  stop_flag_ = false;
  thread_ = std::thread([this] { run(stop_flag_); });
}

void SimPool::stop() {
  stop_flag_ = true;
  if (thread_.joinable()) thread_.join();
}

void SimPool::accept_on(Listener& l) {
  for (;;) {
    int fd = ::accept4(l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    auto c = std::make_unique<Conn>();
    c->fd = fd;
    c->listener = &l;
    c->session = next_session_++;
    ++stats_.connections;
    if (l.spec.mode == SimMode::Smtp) reply(*c, "220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n");
    conns_.push_back(std::move(c));
  }
}

void SimPool::reply(Conn& c, std::string text) {
  c.pending.push_back({Clock::now() + c.listener->spec.delay, std::move(text)});
}

void SimPool::on_readable(Conn& c) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n == 0) {
      c.closed = true;
      return;
    }
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) c.closed = true;
      return;
    }
    if (c.listener->spec.mode == SimMode::Silent) continue;  // read and forget
    if (c.listener->spec.mode == SimMode::Http) {
      // Any request gets the same answer, then the server closes, as a strict web server would.
      if (!c.close_after_write) {
        reply(c,
              "HTTP/1.1 400 Bad Request\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\nContent-Length: "
              "0\r\nConnection: close\r\n\r\n");
        c.close_after_write = true;
      }
      continue;
    }
    c.in.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (;;) {
      auto nl = c.in.find('\n', start);
      if (nl == std::string::npos) break;
      handle_line(c, std::string_view{c.in}.substr(start, nl - start));
      start = nl + 1;
    }
    c.in.erase(0, start);
    if (c.in.size() > kMaxLine) {
      c.in.clear();
      c.close_after_write = true;
    }
  }
}

void SimPool::handle_line(Conn& c, std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty()) return;
  ++stats_.requests;
  if (c.listener->spec.mode == SimMode::Smtp) {
    reply(c, "500 5.5.2 Error: command not recognized\r\n");
    return;
  }
  pool_answer(c, line);
}

void SimPool::pool_answer(Conn& c, std::string_view line) {
  simdjson::dom::element doc;
  simdjson::padded_string padded(line);
  const Dialect d = c.listener->spec.dialect;
  if (c.json.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    // Pools drop clients that send garbage.
    if (d == Dialect::Stratum) reply(c, "{\"id\":null,\"result\":null,\"error\":[20,\"Parse error\",null]}\n");
    c.close_after_write = true;
    return;
  }
  std::string id = "null";
  if (simdjson::dom::element e; doc["id"].get(e) == simdjson::SUCCESS) id = simdjson::minify(e);
  std::string_view method;
  if (doc["method"].get(method) != simdjson::SUCCESS) method = {};
  const std::string sub = hex_of(c.session, 16);
  auto next_job = [&] { return hex_of(c.session * 1000 + ++c.jobs, 8); };
  switch (d) {
    case Dialect::Stratum:
      if (method == "mining.subscribe") {
        reply(c, fmt::format("{{\"id\":{},\"result\":[[[\"mining.set_difficulty\",\"{}\"],[\"mining.notify\",\"{}\"]],"
                             "\"{}\",4],\"error\":null}}\n",
                             id, sub, sub, hex_of(c.session + 77, 8)));
      } else if (method == "mining.authorize") {
        reply(c, fmt::format("{{\"id\":{},\"result\":true,\"error\":null}}\n", id));
        reply(c, "{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[65536]}\n");
        reply(c, fmt::format("{{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"{}\",\"{}\",\"{}\",\"{}\",[],"
                             "\"20000000\",\"1703a4f1\",\"6553f100\",true]}}\n",
                             next_job(), hex_of(c.session + 1, 64), hex_of(c.session + 2, 120),
                             hex_of(c.session + 3, 80)));
      } else if (method == "mining.configure") {
        reply(c,
              fmt::format("{{\"id\":{},\"result\":{{\"version-rolling\":true,\"version-rolling.mask\":\"1fffe000\"}},"
                          "\"error\":null}}\n",
                          id));
      } else if (method == "mining.submit") {
        ++stats_.shares;
        reply(c, fmt::format("{{\"id\":{},\"result\":true,\"error\":null}}\n", id));
      } else if (method == "mining.extranonce.subscribe" || method == "mining.suggest_difficulty") {
        reply(c, fmt::format("{{\"id\":{},\"result\":true,\"error\":null}}\n", id));
      } else {
        reply(c, fmt::format("{{\"id\":{},\"result\":null,\"error\":[20,\"Unsupported method\",null]}}\n", id));
      }
      return;
    case Dialect::CryptoNote:
      if (method == "login") {
        reply(c, fmt::format("{{\"id\":{},\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{{\"id\":\"{}\",\"job\":{{"
                             "\"blob\":\"{}\",\"job_id\":\"{}\",\"target\":\"b88d0600\",\"algo\":\"rx/0\","
                             "\"height\":3124567,\"seed_hash\":\"{}\"}},\"extensions\":[\"algo\",\"keepalive\"],"
                             "\"status\":\"OK\"}}}}\n",
                             id, sub, hex_of(c.session + 5, 152), next_job(), hex_of(c.session + 6, 64)));
      } else if (method == "submit") {
        ++stats_.shares;
        reply(c,
              fmt::format("{{\"id\":{},\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{{\"status\":\"OK\"}}}}\n", id));
      } else if (method == "keepalived") {
        reply(c,
              fmt::format("{{\"id\":{},\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{{\"status\":\"KEEPALIVED\"}}}}\n",
                          id));
      } else {
        reply(c, fmt::format("{{\"id\":{},\"jsonrpc\":\"2.0\",\"error\":{{\"code\":-1,\"message\":\"Unsupported "
                             "method\"}}}}\n",
                             id));
      }
      return;
    case Dialect::EthProxy:
      if (method == "eth_submitLogin" || method == "eth_submitHashrate") {
        reply(c, fmt::format("{{\"id\":{},\"jsonrpc\":\"2.0\",\"result\":true}}\n", id));
      } else if (method == "eth_getWork") {
        reply(c, fmt::format("{{\"id\":{},\"jsonrpc\":\"2.0\",\"result\":[\"0x{}\",\"0x{}\",\"0x{}\"]}}\n", id,
                             hex_of(c.session + 8, 64), hex_of(c.session + 9, 64),
                             "00000000ffff0000000000000000000000000000000000000000000000000000"));
      } else if (method == "eth_submitWork") {
        ++stats_.shares;
        reply(c, fmt::format("{{\"id\":{},\"jsonrpc\":\"2.0\",\"result\":true}}\n", id));
      } else {
        reply(c, fmt::format("{{\"id\":{},\"jsonrpc\":\"2.0\",\"error\":{{\"code\":-32601,\"message\":\"Unsupported "
                             "method\"}}}}\n",
                             id));
      }
      return;
  }
}

void SimPool::run(const std::atomic<bool>& stop) {
  std::vector<pollfd> fds;
  while (!stop.load()) {
    auto now = Clock::now();
    // Due replies move to the output buffer; the nearest one bounds the poll timeout.
    int timeout_ms = 100;
    for (auto& c : conns_) {
      while (!c->pending.empty() && c->pending.front().due <= now) {
        c->out += c->pending.front().text;
        c->pending.pop_front();
      }
      if (!c->pending.empty()) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(c->pending.front().due - now).count() + 1;
        timeout_ms = std::min<int>(timeout_ms, static_cast<int>(std::max<long long>(ms, 0)));
      }
    }
    fds.clear();
    for (auto& l : listeners_) fds.push_back({l->fd, POLLIN, 0});
    for (auto& c : conns_) {
      fds.push_back({c->fd, static_cast<short>(POLLIN | (c->out.empty() ? 0 : POLLOUT)), 0});
    }
    int rc = ::poll(fds.data(), fds.size(), timeout_ms);
    if (rc < 0 && errno != EINTR) break;
    std::size_t nl = listeners_.size();
    std::size_t nc = conns_.size();  // accept_on may append: only the polled ones are looked at
    for (std::size_t i = 0; i < nc; ++i) {
      Conn& c = *conns_[i];
      short ev = fds[nl + i].revents;
      if (ev & (POLLIN | POLLHUP | POLLERR)) on_readable(c);
      if (!c.out.empty() && (ev & POLLOUT)) {
        ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n > 0) c.out.erase(0, static_cast<std::size_t>(n));
        if (n < 0 && errno != EAGAIN && errno != EINTR) c.closed = true;
      }
      if (c.close_after_write && c.out.empty() && c.pending.empty()) c.closed = true;
    }
    for (std::size_t i = 0; i < nl; ++i) {
      if (fds[i].revents & POLLIN) accept_on(*listeners_[i]);
    }
    std::erase_if(conns_, [](const std::unique_ptr<Conn>& c) { return c->closed; });
  }
  conns_.clear();
}

}  // namespace minewatch::probe
