#include "detect/flow_inspector.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "protocols/http/http_parser.hpp"

namespace minewatch::detect {

namespace {

bool starts_with(std::span<const std::uint8_t> b, std::string_view s) {
  return b.size() >= s.size() && std::memcmp(b.data(), s.data(), s.size()) == 0;
}

constexpr std::string_view kHttpStarts[] = {"POST ", "GET ", "PUT ", "HEAD ", "OPTIONS ", "HTTP/1."};

bool looks_like_http(std::span<const std::uint8_t> b) {
  for (std::string_view m : kHttpStarts) {
    if (starts_with(b, m)) return true;
  }
  return false;
}

// An SSH identification string (RFC 4253 4.2): the one text line before the encrypted transport.
constexpr std::string_view kSshStart = "SSH-";

// Too few bytes to choose a direction's framing: the start of an HTTP message, an SSH banner or a TLS
// record that the next bytes may still complete. (A first segment of one byte must not decide that a
// stream is JSON lines or binary: tiny segments would hide HTTP mining and server names.)
bool too_short_to_frame(std::span<const std::uint8_t> b) {
  auto cut_short = [&](std::string_view start) {
    return b.size() < start.size() && std::memcmp(b.data(), start.data(), b.size()) == 0;
  };
  return std::any_of(std::begin(kHttpStarts), std::end(kHttpStarts), cut_short) || cut_short(kSshStart) ||
         (b.size() < 2 && b[0] == 0x16);
}

// Text protocols (JSON-RPC lines) have no control bytes other than tab, CR and LF.
bool looks_textual(std::span<const std::uint8_t> b) {
  std::size_t n = std::min<std::size_t>(b.size(), 64);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t c = b[i];
    if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') return false;
    if (c == 0x7f) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

// Adapts the SV2 stream's findings to the inspector.
struct FlowInspector::Sv2Watch final : protocols::sv2::Sv2Handler {
  explicit Sv2Watch(FlowInspector& o, Direction initiator) : owner(&o), stream(initiator) {}
  void on_sv2_message(Direction dir, const protocols::MiningMessage& msg) override { owner->handle_message(dir, msg); }
  void on_sv2_anomaly(Anomaly a) override {
    if (owner->ctx_->anomalies) owner->ctx_->anomalies->add(a);
  }
  FlowInspector* owner;
  protocols::sv2::Sv2Stream stream;
};

FlowInspector::FlowInspector(InspectContext& ctx) : ctx_(&ctx) {}
FlowInspector::~FlowInspector() = default;

void FlowInspector::on_data(Direction dir, std::span<const std::uint8_t> bytes, Timestamp ts) {
  if (state_ == AppState::Rejected || bytes.empty()) return;
  now_ = ts;
  if (state_ == AppState::Undecided) inspected_ += bytes.size();
  auto& side = sides_[static_cast<std::size_t>(dir)];
  std::string joined;  // bytes held back while the framing was undecided, and these
  if (side.framing == Framing::Unknown) {
    if (!side.buffer.empty()) {
      joined = std::move(side.buffer);
      side.buffer.clear();
      joined.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      bytes = {reinterpret_cast<const std::uint8_t*>(joined.data()), joined.size()};
    }
    if (too_short_to_frame(bytes)) {
      side.buffer.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      return;
    }
    bytes = choose_framing(dir, bytes);
    if (state_ == AppState::Rejected || bytes.empty()) return;
  }
  switch (side.framing) {
    case Framing::JsonLines: feed_lines(dir, bytes); break;
    case Framing::Http: feed_http(dir, bytes); break;
    case Framing::TlsHello: feed_tls_hello(dir, bytes); break;
    case Framing::Sv2: feed_sv2(dir, bytes); break;
    case Framing::Unknown:
    case Framing::Opaque: break;
  }
  if (state_ == AppState::Undecided && !suspect_ && inspected_ > ctx_->config.undecided_budget) reject();
}

std::span<const std::uint8_t> FlowInspector::choose_framing(Direction dir, std::span<const std::uint8_t> bytes) {
  auto d = static_cast<std::size_t>(dir);
  auto& side = sides_[d];
  if (looks_like_http(bytes)) {
    adopt_http(dir, bytes);
    return bytes;
  }
  if (bytes.size() >= 2 && bytes[0] == 0x16 && bytes[1] == 0x03) {
    // A TLS handshake record: the client's first one is its ClientHello (type 1 at offset 5), whose
    // server name may name a pool; the server's side stays opaque. Both opaque: nothing to see.
    bool client_hello = bytes.size() < 6 || bytes[5] == 0x01;
    side.framing = client_hello ? Framing::TlsHello : Framing::Opaque;
    if (!client_hello && sides_[d ^ 1u].framing == Framing::Opaque) reject();
    return bytes;
  }
  if (starts_with(bytes, kSshStart)) {
    // SSH: its banner is the only clear text; what follows is encrypted (a tunnel may carry anything,
    // so the flow stays with the behaviour model, as TLS does). Both sides SSH: nothing to read.
    side.framing = Framing::Opaque;
    if (sides_[d ^ 1u].framing == Framing::Opaque) reject();
    return {};
  }
  if (sv2_) {
    side.framing = Framing::Sv2;
    return bytes;
  }
  if (!looks_textual(bytes)) {
    // Binary from the flow's first byte: Stratum V2 (plaintext frames or a Noise handshake) is still
    // possible; anything else is rejected at once.
    if (sides_[d ^ 1u].framing == Framing::Unknown && inspected_ == bytes.size() &&
        protocols::sv2::Sv2Stream::may_start(bytes)) {
      sv2_ = std::make_unique<Sv2Watch>(*this, dir);
      side.framing = Framing::Sv2;
      return bytes;
    }
    reject();
    return {};
  }
  // Joined mid-stream: an HTTP message may begin inside this chunk, after the tail of the previous one.
  std::string_view text{reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  for (std::size_t pos = text.find_first_of("\n}"); pos != std::string_view::npos && pos + 1 < text.size();
       pos = text.find_first_of("\n}", pos + 1)) {
    auto rest = bytes.subspan(pos + 1);
    if (looks_like_http(rest)) {
      adopt_http(dir, rest);
      return rest;
    }
  }
  if (sides_[d ^ 1u].framing == Framing::Http) return {};  // tail of an HTTP message: wait for the next one
  side.framing = Framing::JsonLines;
  return bytes;
}

void FlowInspector::adopt_http(Direction dir, std::span<const std::uint8_t> start) {
  auto d = static_cast<std::size_t>(dir);
  auto& side = sides_[d];
  side.framing = Framing::Http;
  side.is_request = !starts_with(start, "HTTP/1.");
  side.buffer.clear();
  side.discarding = false;
  // One side speaks HTTP, so the other does too: if it was taken for JSON lines (a mid-stream join
  // that began inside a body), frame it again from its next message.
  auto& other = sides_[d ^ 1u];
  if (other.framing == Framing::JsonLines) {
    other.framing = Framing::Unknown;
    other.buffer.clear();
    other.discarding = false;
  }
}

void FlowInspector::switch_to_http(Direction dir, std::span<const std::uint8_t> bytes) {
  adopt_http(dir, bytes);
  feed_http(dir, bytes);
}

void FlowInspector::on_gap(Direction dir) {
  // Resynchronise at the next line, or at the next HTTP message start.
  auto& s = sides_[static_cast<std::size_t>(dir)];
  if (s.framing == Framing::Sv2) {
    sv2_->stream.on_gap(dir);
    settle_sv2();
    return;
  }
  s.buffer.clear();
  s.skip = 0;
  s.discarding = s.framing == Framing::JsonLines;
  if (s.framing == Framing::Http) s.framing = Framing::Unknown;
}

void FlowInspector::feed_lines(Direction dir, std::span<const std::uint8_t> bytes) {
  auto& s = sides_[static_cast<std::size_t>(dir)];
  const char* p = reinterpret_cast<const char*>(bytes.data());
  std::size_t n = bytes.size();
  while (n > 0 && state_ != AppState::Rejected) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', n));
    std::size_t take = nl ? static_cast<std::size_t>(nl - p) : n;
    if (s.discarding) {
      if (nl) s.discarding = false;
    } else if (s.buffer.empty() && looks_like_http({reinterpret_cast<const std::uint8_t*>(p), n})) {
      switch_to_http(dir, {reinterpret_cast<const std::uint8_t*>(p), n});
      return;
    } else if (nl && s.buffer.empty()) {
      handle_line(dir, {p, take});  // whole line inside this delivery: no copy
    } else if (s.buffer.size() + take > ctx_->config.max_line_bytes) {
      note_malformed(Anomaly::JsonLineTooLong);
      s.buffer.clear();
      s.discarding = nl == nullptr;
    } else {
      s.buffer.append(p, take);
      if (nl) {
        handle_line(dir, s.buffer);
        s.buffer.clear();
      }
    }
    if (!nl) break;
    p = nl + 1;
    n -= take + 1;
  }
}

void FlowInspector::feed_http(Direction dir, std::span<const std::uint8_t> bytes) {
  auto& s = sides_[static_cast<std::size_t>(dir)];
  if (s.skip > 0) {
    auto k = std::min<std::uint64_t>(s.skip, bytes.size());
    s.skip -= k;
    bytes = bytes.subspan(static_cast<std::size_t>(k));
    if (bytes.empty()) return;
  }
  // Messages are parsed where they lie; only the start of one cut across deliveries is held (copied)
  // until the rest comes. Most messages arrive whole: a copy of every delivery (a response's first
  // segment, ~1.4 KB) cost more than parsing its header.
  const bool held = !s.buffer.empty();
  if (held) s.buffer.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::span<const std::uint8_t> stream =
      held ? std::span<const std::uint8_t>{reinterpret_cast<const std::uint8_t*>(s.buffer.data()), s.buffer.size()}
           : bytes;
  // What is left of `stream` becomes the held part.
  auto hold_rest = [&] {
    if (stream.empty()) {
      s.buffer.clear();
    } else if (held) {
      s.buffer.erase(0, static_cast<std::size_t>(reinterpret_cast<const char*>(stream.data()) - s.buffer.data()));
    } else {
      s.buffer.assign(reinterpret_cast<const char*>(stream.data()), stream.size());
    }
  };
  auto role = s.is_request ? protocols::http::Role::Request : protocols::http::Role::Response;
  while (!stream.empty()) {
    protocols::http::HttpMessage msg;
    std::size_t consumed = 0;
    Anomaly anomaly{};
    auto st = protocols::http::parse_message(stream, role, msg, consumed, anomaly);
    if (st == protocols::http::HttpStatus::NeedMore) {
      if (stream.size() > ctx_->config.max_line_bytes + 16 * 1024) {
        note_malformed(Anomaly::HttpHeaderTooLong);
        s.buffer.clear();
        return;
      }
      hold_rest();
      return;
    }
    if (st == protocols::http::HttpStatus::Malformed) {
      note_malformed(anomaly);
      if (state_ == AppState::Rejected) return;
      // Resynchronise at the next message start in what we hold, if any.
      std::size_t next = std::string_view::npos;
      const std::string_view held_text{reinterpret_cast<const char*>(stream.data()), stream.size()};
      for (std::size_t pos = held_text.find('\n'); pos != std::string_view::npos; pos = held_text.find('\n', pos + 1)) {
        if (looks_like_http(stream.subspan(pos + 1))) {
          next = pos + 1;
          break;
        }
      }
      if (next == std::string_view::npos) {
        s.buffer.clear();
        s.framing = Framing::Unknown;
        return;
      }
      stream = stream.subspan(next);
      continue;
    }
    ++rpc_lines_;
    protocols::MiningMessage mm;
    Anomaly a2{};
    if (protocols::http::interpret(msg, role, ctx_->json, mm, a2) == protocols::ParseStatus::Parsed) {
      handle_message(dir, mm);
    }
    if (consumed >= stream.size()) {
      s.skip = consumed - stream.size();
      stream = {};
    } else {
      stream = stream.subspan(consumed);
    }
    if (state_ == AppState::Rejected) return;
  }
  hold_rest();
}

void FlowInspector::feed_tls_hello(Direction dir, std::span<const std::uint8_t> bytes) {
  auto& s = sides_[static_cast<std::size_t>(dir)];
  s.buffer.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  Anomaly anomaly{};
  std::span<const std::uint8_t> stream{reinterpret_cast<const std::uint8_t*>(s.buffer.data()),
                                       std::min(s.buffer.size(), protocols::tls::kMaxStreamBytes)};
  auto st = protocols::tls::parse_client_hello(stream, ctx_->hello, anomaly, protocols::tls::Fingerprints::Skip);
  if (st == protocols::tls::HelloStatus::NeedMore && s.buffer.size() < protocols::tls::kMaxStreamBytes) return;
  if (st != protocols::tls::HelloStatus::Parsed) {
    std::string{}.swap(s.buffer);
    s.framing = Framing::Opaque;
    if (st == protocols::tls::HelloStatus::Malformed) note_malformed(anomaly);
    if (state_ == AppState::Undecided) reject();
    return;
  }
  auto sni = ctx_->hello.server_name();
  auto pool = sni.empty() ? std::nullopt : ctx_->pools->match(sni);
  server_name_ = sni.empty() ? ServerName::Absent : pool ? ServerName::Pool : ServerName::Other;
  // The fingerprints cost three digests: only for a hello that names a pool or may match a miner's.
  if (pool || !ctx_->config.fusion.miner_ja4.empty()) {
    protocols::tls::parse_client_hello(stream, ctx_->hello, anomaly, protocols::tls::Fingerprints::Compute);
  }
  std::string{}.swap(s.buffer);
  s.framing = Framing::Opaque;
  if (ctx_->config.fusion.is_miner_ja4(ctx_->hello.ja4())) {
    add_signal(Signal::Ja4Miner, ctx_->config.fusion.weight(Signal::Ja4Miner),
               fmt::format("ja4={} (a miner's TLS stack)", ctx_->hello.ja4()), now_);
  }
  if (!pool) {
    if (state_ == AppState::Undecided) reject();  // encrypted and not a known pool: nothing more to learn here
    return;
  }
  protocols::MiningMessage msg;
  msg.family = protocols::Family::Tls;
  msg.kind = protocols::MessageKind::TlsServerName;
  msg.pool_host = sni;
  msg.fingerprint = ctx_->hello.ja4();
  handle_message(dir, msg);
}

void FlowInspector::feed_sv2(Direction dir, std::span<const std::uint8_t> bytes) {
  sv2_->stream.feed(dir, bytes, *sv2_);
  settle_sv2();
}

void FlowInspector::settle_sv2() {
  using State = protocols::sv2::Sv2Stream::State;
  switch (sv2_->stream.state()) {
    case State::Candidate:
    case State::Plain: return;
    case State::Rejected:
      if (state_ == AppState::Undecided) reject();
      return;
    case State::Noise:
      // Only the handshake's shape: nothing more to read. The session waits for other evidence.
      for (auto& s : sides_) s.framing = Framing::Opaque;
      suspect_ = session_ != nullptr;
      return;
  }
}

void FlowInspector::handle_line(Direction dir, std::string_view line) {
  line = trim(line);
  if (line.empty()) return;
  protocols::MiningMessage msg;
  Anomaly anomaly{};
  switch (ctx_->json.parse_line(line, msg, anomaly)) {
    case protocols::ParseStatus::Parsed:
      ++rpc_lines_;
      handle_message(dir, msg);
      break;
    case protocols::ParseStatus::NotMining: ++rpc_lines_; break;
    case protocols::ParseStatus::Malformed: note_malformed(anomaly); break;
  }
}

void FlowInspector::handle_message(Direction dir, const protocols::MiningMessage& msg) {
  if (msg.kind == protocols::MessageKind::Result && !session_) return;  // a bare response proves nothing
  if (msg.family == protocols::Family::Stratum2 && msg.kind == protocols::MessageKind::EncryptedHandshake) {
    // Only a shape: a moderate signal weighted by the fusion config, never an alert alone.
    add_signal(Signal::StratumV2Shape, ctx_->config.fusion.weight(Signal::StratumV2Shape),
               fmt::format("Stratum V2 Noise handshake shape ({})", msg.protocol_variant), now_,
               protocols::Family::Stratum2);
    if (session_) session_->note_shape(msg.protocol_variant, dir);
    return;
  }
  if (!session_) session_ = std::make_unique<MiningSession>();
  session_->add(msg, dir, now_);
  if (state_ == AppState::Undecided && session_->is_mining(ctx_->config.alert_threshold)) state_ = AppState::Mining;
}

void FlowInspector::add_signal(Signal signal, double weight, std::string detail, Timestamp ts,
                               protocols::Family family) {
  if (!(weight > 0)) return;
  if (!session_) session_ = std::make_unique<MiningSession>();
  if (family == protocols::Family::Unknown && server_name_ != ServerName::NotSeen) family = protocols::Family::Tls;
  session_->add_signal(signal, weight, std::move(detail), ts, family);
  if (state_ != AppState::Mining && session_->is_mining(ctx_->config.alert_threshold)) state_ = AppState::Mining;
}

bool FlowInspector::hello_pending() const {
  return sides_[0].framing == Framing::TlsHello || sides_[1].framing == Framing::TlsHello;
}

void FlowInspector::note_malformed(Anomaly a) {
  if (ctx_->anomalies) ctx_->anomalies->add(a);
  if (state_ == AppState::Undecided && ++malformed_ > ctx_->config.max_malformed_lines && rpc_lines_ == 0) reject();
}

void FlowInspector::finish(Timestamp ts) {
  if (state_ == AppState::Rejected) return;
  now_ = ts;
  if (sv2_ && sv2_->stream.state() == protocols::sv2::Sv2Stream::State::Candidate) {
    sv2_->stream.finish(*sv2_);
    settle_sv2();
    if (state_ == AppState::Rejected) return;
  }
  for (std::size_t d = 0; d < 2; ++d) {
    auto& s = sides_[d];
    if (s.framing == Framing::JsonLines) {
      if (!s.discarding && !s.buffer.empty()) {
        std::string line = std::move(s.buffer);
        s.buffer.clear();
        handle_line(static_cast<Direction>(d), line);
      }
    }
  }
}

void FlowInspector::reject() {
  if (state_ == AppState::Mining) return;  // a proven session stays proven, whatever follows
  state_ = AppState::Rejected;
  // Signals about the destination or behaviour outlive the payload's verdict; messages alone do not.
  if (session_ && !session_->has_signals()) session_.reset();
  for (auto& s : sides_) {
    if (is_readable(s.framing)) rejected_cleartext_ = true;
    std::string{}.swap(s.buffer);
  }
}

}  // namespace minewatch::detect
