#include "probe/prober.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "core/ascii.hpp"

namespace minewatch::probe {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_;
};

int poll_ms(Clock::time_point deadline) {
  auto left = duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

// Fills a sockaddr for ip:port; returns its length.
socklen_t make_sockaddr(const IpAddress& ip, std::uint16_t port, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (ip.is_v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    std::memcpy(&s6->sin6_addr, ip.bytes.data(), 16);
    return sizeof(sockaddr_in6);
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(port);
  std::memcpy(&s4->sin_addr, ip.bytes.data(), 4);
  return sizeof(sockaddr_in);
}

std::string cache_key(const std::string& addr, std::uint16_t port, bool tls, std::optional<Dialect> d) {
  return fmt::format("{}|{}|{}|{}", addr, port, tls ? "tls" : "tcp", d ? dialect_name(*d) : "auto");
}

}  // namespace

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::MiningPool: return "mining_pool";
    case Verdict::NotMining: return "not_mining";
    case Verdict::Silent: return "silent";
    case Verdict::Refused: return "refused";
    case Verdict::Timeout: return "timeout";
    case Verdict::Unreachable: return "unreachable";
    case Verdict::NotAllowed: return "not_allowed";
    case Verdict::RateLimited: return "rate_limited";
  }
  return "?";
}

namespace {

bool is_localhost_name(std::string_view host) {
  std::string h{host};
  for (auto& c : h) c = lower_ascii(c);
  while (!h.empty() && h.back() == '.') h.pop_back();
  return h == "localhost" || h.ends_with(".localhost");
}

std::vector<IpAddress> loopback_addresses() {
  IpAddress v4, v6;
  IpAddress::parse("127.0.0.1", v4);
  IpAddress::parse("::1", v6);
  return {v4, v6};
}

}  // namespace

Prober::Prober(ProbeConfig config, TimeSource& time)
    : config_(std::move(config)), limiter_(config_.limits, time), cache_(config_.cache_ttl, time) {}

ProbeResult Prober::probe(const Endpoint& target) {
  std::string name = target.to_string();
  IpAddress literal;
  if (IpAddress::parse(target.host, literal)) return probe(literal, target.port, name, target.tls);
  // "localhost" is answered here (RFC 6761: never a DNS query), then checked like any loopback address.
  if (is_localhost_name(target.host)) {
    for (const auto& ip : loopback_addresses()) {
      if (config_.policy.allows(ip)) return probe(ip, target.port, name, target.tls);
    }
  }
  // A name is resolved only when the allow-list names it: no DNS query leaves for anything else.
  if (!config_.policy.allows_name(target.host)) {
    ProbeResult r;
    r.target = name;
    r.port = target.port;
    r.tls = target.tls;
    r.verdict = Verdict::NotAllowed;
    r.reason = fmt::format("host name {} is not on the probe allow-list ({}): not resolved, nothing sent", target.host,
                           config_.policy.describe());
    return r;
  }
  auto addrs = config_.resolver ? config_.resolver(target.host) : resolve(target.host);
  if (!addrs) {
    ProbeResult r;
    r.target = name;
    r.port = target.port;
    r.tls = target.tls;
    r.verdict = Verdict::Unreachable;
    r.reason = addrs.error().message;
    return r;
  }
  // Every resolved address passes the allow-list itself before it is connected to (an allowed name
  // does not open private or loopback space no network entry allows); the first that passes is probed.
  for (const auto& ip : *addrs) {
    if (config_.policy.allows(ip, target.host)) return probe_address(name, ip, target.port, target.tls, target.host);
  }
  ProbeResult r;
  r.target = name;
  r.address = addrs->front().to_string();
  r.port = target.port;
  r.tls = target.tls;
  r.verdict = Verdict::NotAllowed;
  r.reason = fmt::format("{} resolved only to addresses outside the probe allow-list ({}, first {})", target.host,
                         config_.policy.describe(), r.address);
  return r;
}

ProbeResult Prober::probe(const IpAddress& address, std::uint16_t port) {
  std::string a = address.to_string();
  return probe(address, port, address.is_v6 ? fmt::format("[{}]:{}", a, port) : fmt::format("{}:{}", a, port), false);
}

ProbeResult Prober::probe(const IpAddress& address, std::uint16_t port, const std::string& name, bool tls) {
  if (!config_.policy.allows(address)) {
    ProbeResult r;
    r.target = name;
    r.address = address.to_string();
    r.port = port;
    r.tls = tls;
    r.verdict = Verdict::NotAllowed;
    r.reason = fmt::format("{} is outside the probe allow-list ({})", r.address, config_.policy.describe());
    return r;
  }
  return probe_address(name, address, port, tls, {});
}

ProbeResult Prober::probe_address(const std::string& target, const IpAddress& ip, std::uint16_t port, bool tls,
                                  std::string_view) {
  std::string addr = ip.to_string();
  std::string key = cache_key(addr, port, tls, config_.dialect);
  if (auto hit = cache_.get(key)) {
    hit->target = target;
    hit->cached = true;
    hit->elapsed = Duration::zero();
    hit->rate_wait = Duration::zero();
    return *hit;
  }
  ProbeResult r;
  r.target = target;
  r.address = addr;
  r.port = port;
  r.tls = tls;
  auto started = Clock::now();
  if (tls) {
    r.verdict = Verdict::Unreachable;
    r.reason = "stratum+ssl probing is not supported yet";
    return r;
  }
  std::vector<Dialect> order;
  if (config_.dialect) {
    order.push_back(*config_.dialect);
  } else {
    order.assign(std::begin(kAllDialects), std::end(kAllDialects));
  }
  std::string limiter_key = fmt::format("{}|{}", addr, port);
  for (Dialect d : order) {
    auto decision = limiter_.acquire(limiter_key);
    r.rate_wait += decision.waited;
    if (decision.outcome == RateLimiter::Outcome::Refused) {
      if (r.attempts.empty()) {
        r.verdict = Verdict::RateLimited;
        r.reason = "rate limit: the wait for a token would exceed its bound";
        r.elapsed = duration_cast<Duration>(Clock::now() - started);
        return r;  // not cached: a later probe may go through
      }
      break;
    }
    Attempt a = attempt(ip, port, d);
    r.attempts.push_back(a);
    r.verdict = a.verdict;
    r.reason = a.reason;
    r.details = a.details;
    if (a.verdict == Verdict::MiningPool) {
      r.dialect = a.answered;
      break;
    }
    // Nothing listens (or nothing is reachable): other dialects would only repeat that.
    if (a.verdict == Verdict::Refused || a.verdict == Verdict::Timeout || a.verdict == Verdict::Unreachable) break;
  }
  // With several dialects tried, the most informative verdict wins: a service that answered (not mining)
  // says more than one that stayed silent to another dialect.
  if (r.verdict != Verdict::MiningPool) {
    for (const auto& a : r.attempts) {
      if (a.verdict == Verdict::NotMining) {
        r.verdict = a.verdict;
        r.reason = a.reason;
        r.details = a.details;
        break;
      }
    }
  }
  r.elapsed = duration_cast<Duration>(Clock::now() - started);
  cache_.put(key, r);
  return r;
}

Attempt Prober::attempt(const IpAddress& ip, std::uint16_t port, Dialect d) {
  Attempt a;
  a.dialect = d;
  auto t0 = Clock::now();
  auto finish = [&](Verdict v, std::string reason) {
    a.verdict = v;
    a.reason = std::move(reason);
    a.elapsed = duration_cast<Duration>(Clock::now() - t0);
    return a;
  };
  Socket s(::socket(ip.is_v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (s.fd() < 0) return finish(Verdict::Unreachable, fmt::format("socket: {}", std::strerror(errno)));
  int one = 1;
  (void)::setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_storage ss;
  socklen_t len = make_sockaddr(ip, port, ss);
  ++connects_;
  auto connect_deadline = Clock::now() + config_.connect_timeout;
  if (::connect(s.fd(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) {
      int e = errno;
      return finish(e == ECONNREFUSED ? Verdict::Refused : Verdict::Unreachable, std::strerror(e));
    }
    pollfd p{s.fd(), POLLOUT, 0};
    int rc;
    do {
      rc = ::poll(&p, 1, poll_ms(connect_deadline));
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) return finish(Verdict::Timeout, "no connection within the connect timeout");
    int err = 0;
    socklen_t el = sizeof err;
    (void)::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &el);
    if (err != 0) return finish(err == ECONNREFUSED ? Verdict::Refused : Verdict::Unreachable, std::strerror(err));
  }
  // Connected: send the request, then read until the judge decides, the peer closes, or time runs out.
  ProbeRequest req = probe_request(d);
  std::string_view pending = req.text;
  ReplyJudge judge(d);
  auto read_deadline = Clock::now() + config_.read_timeout;
  std::array<std::uint8_t, 4096> buf;
  bool closed = false;
  while (judge.judgement() == Judgement::NeedMore && !closed) {
    pollfd p{s.fd(), static_cast<short>(POLLIN | (pending.empty() ? 0 : POLLOUT)), 0};
    int rc = ::poll(&p, 1, poll_ms(read_deadline));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) break;  // read timeout
    if ((p.revents & POLLOUT) && !pending.empty()) {
      ssize_t n = ::send(s.fd(), pending.data(), pending.size(), MSG_NOSIGNAL);
      if (n > 0) pending.remove_prefix(static_cast<std::size_t>(n));
      if (n < 0 && errno != EAGAIN && errno != EINTR) closed = true;
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(s.fd(), buf.data(), buf.size(), 0);
      if (n > 0) {
        judge.feed({buf.data(), static_cast<std::size_t>(n)});
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        closed = true;
      }
    }
  }
  Judgement j = judge.judgement() == Judgement::NeedMore && judge.bytes() > 0 ? judge.finish() : judge.judgement();
  a.details = judge.details();
  switch (j) {
    case Judgement::Mining: a.answered = judge.answered_dialect(); return finish(Verdict::MiningPool, judge.reason());
    case Judgement::NotMining: return finish(Verdict::NotMining, judge.reason());
    case Judgement::NeedMore: break;
  }
  return finish(Verdict::Silent, closed ? "closed the connection without a word" : "no answer within the read timeout");
}

}  // namespace minewatch::probe
