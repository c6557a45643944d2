#include "gen/pcap_writer.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "core/free_ids.hpp"

namespace mwgen {

namespace {

constexpr std::size_t kSharedChunkBytes = 4u << 20;
constexpr std::size_t kOutBufferBytes = 8u << 20;

inline void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void put32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// True if a comes after b in sequence space.
inline bool seq_after(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) > 0; }

}  // namespace

// ---- Capture ------------------------------------------------------------------------------------------

Capture::~Capture() {
  if (file_ != nullptr) std::fclose(file_);
}

std::optional<std::string> Capture::open(const std::string& path, PcapOptions options) {
  options_ = options;
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return "cannot open " + path + ": " + std::strerror(errno);
  out_.resize(kOutBufferBytes);
  heap_.reserve(1u << 16);
  if (options.pcapng) {
    write_pcapng_header();
    return std::nullopt;
  }
  put_u32(options.nanosecond ? 0xa1b23c4du : 0xa1b2c3d4u);
  // version 2.4, then thiszone and sigfigs.
  if (options.big_endian) {
    const std::uint8_t v[4] = {0, 2, 0, 4};
    std::memcpy(&out_[out_used_], v, 4);
  } else {
    const std::uint8_t v[4] = {2, 0, 4, 0};
    std::memcpy(&out_[out_used_], v, 4);
  }
  out_used_ += 4;
  put_u32(0);
  put_u32(0);
  put_u32(262144);  // snaplen
  put_u32(1);       // LINKTYPE_ETHERNET
  file_bytes_ += 24;
  return std::nullopt;
}

void Capture::write_pcapng_header() {
  const std::size_t start = out_used_;
  put_u32(0x0A0D0D0A);  // section header block
  put_u32(28);
  put_u32(0x1A2B3C4D);  // byte-order magic
  put_u16(1);           // version 1.0
  put_u16(0);
  put_u32(0xFFFFFFFF);  // section length: not given
  put_u32(0xFFFFFFFF);
  put_u32(28);
  const bool ns = options_.nanosecond;
  const std::uint32_t idb = ns ? 32 : 20;
  put_u32(1);  // interface description block
  put_u32(idb);
  put_u16(1);  // LINKTYPE_ETHERNET
  put_u16(0);
  put_u32(262144);  // snaplen
  if (ns) {
    put_u16(9);  // if_tsresol: 10^-9
    put_u16(1);
    put_u32(options_.big_endian ? 0x09000000u : 0x09u);  // the value byte first, then padding
    put_u32(0);                                          // end of options
  }
  put_u32(idb);
  file_bytes_ += out_used_ - start;
}

void Capture::put_u16(std::uint16_t v) {
  std::uint8_t* p = &out_[out_used_];
  if (options_.big_endian) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
  } else {
    std::memcpy(p, &v, 2);
  }
  out_used_ += 2;
}

void Capture::put_u32(std::uint32_t v) {
  std::uint8_t* p = &out_[out_used_];
  if (options_.big_endian) {
    put32(p, v);
  } else {
    std::memcpy(p, &v, 4);  // the build host is little-endian (x86_64 / aarch64)
  }
  out_used_ += 4;
}

void Capture::flush_out() {
  if (out_used_ == 0) return;
  if (std::fwrite(out_.data(), 1, out_used_, file_) != out_used_) write_failed_ = true;
  out_used_ = 0;
}

std::uint32_t Capture::new_chunk(std::size_t capacity) {
  const std::uint32_t id = minewatch::take_id(chunks_, free_chunks_);
  Chunk& c = chunks_[id];
  if (c.data.size() < capacity) c.data.resize(capacity);
  c.used = 0;
  c.live = 0;
  c.pending = 0;
  c.open = true;
  return id;
}

void Capture::release(std::uint32_t id) {
  Chunk& c = chunks_[id];
  c.used = 0;
  // Long-flow chunks can grow large; do not keep more than a shared chunk's worth around.
  if (c.data.size() > kSharedChunkBytes) {
    c.data.resize(kSharedChunkBytes);
    c.data.shrink_to_fit();
  }
  free_chunks_.push_back(id);
}

void Capture::begin_long_flow() { long_chunk_ = new_chunk(64u << 10); }

void Capture::end_long_flow() {
  if (long_chunk_ == UINT32_MAX) return;
  Chunk& c = chunks_[long_chunk_];
  c.open = false;
  if (c.pending == 0) release(long_chunk_);
  long_chunk_ = UINT32_MAX;
}

std::uint8_t* Capture::reserve(std::size_t max_len) {
  if (long_chunk_ != UINT32_MAX) {
    Chunk& c = chunks_[long_chunk_];
    if (c.used + max_len > c.data.size()) c.data.resize(std::max(c.data.size() * 2, c.used + max_len));
    reserved_chunk_ = long_chunk_;
    return c.data.data() + c.used;
  }
  return reserve_shared(max_len);
}

std::uint8_t* Capture::reserve_shared(std::size_t max_len) {
  if (shared_chunk_ == UINT32_MAX || chunks_[shared_chunk_].used + max_len > chunks_[shared_chunk_].data.size()) {
    if (shared_chunk_ != UINT32_MAX) {
      Chunk& old = chunks_[shared_chunk_];
      old.open = false;
      if (old.pending == 0) release(shared_chunk_);
    }
    shared_chunk_ = new_chunk(std::max(kSharedChunkBytes, max_len));
  }
  reserved_chunk_ = shared_chunk_;
  return chunks_[shared_chunk_].data.data() + chunks_[shared_chunk_].used;
}

// A chunk stays allocated while any of its packets waits; a few long-lived flows would pin most chunks.
// When the number of chunks has doubled, the stragglers of mostly-written chunks move to fresh chunks.
void Capture::maybe_compact() {
  const std::size_t in_use = chunks_.size() - free_chunks_.size();
  if (in_use < 32 || in_use < 2 * chunks_after_compaction_) return;
  std::vector<char> victim(chunks_.size(), 0);
  bool any = false;
  for (std::size_t i = 0; i < chunks_.size(); ++i) {
    const Chunk& c = chunks_[i];
    if (!c.open && c.pending > 0 && c.live * 4 < c.data.size()) victim[i] = any = true;
  }
  if (any) {
    for (Record& r : heap_) {
      if (victim[r.chunk] == 0) continue;
      std::uint8_t* dst = reserve_shared(r.len);
      std::memcpy(dst, chunks_[r.chunk].data.data() + r.offset, r.len);
      Chunk& to = chunks_[reserved_chunk_];
      r.chunk = reserved_chunk_;
      r.offset = static_cast<std::uint32_t>(to.used);
      to.used += r.len;
      to.live += r.len;
      ++to.pending;
    }
    for (std::size_t i = 0; i < victim.size(); ++i) {
      if (victim[i] == 0) continue;
      chunks_[i].pending = 0;
      chunks_[i].live = 0;
      release(static_cast<std::uint32_t>(i));
    }
  }
  chunks_after_compaction_ = chunks_.size() - free_chunks_.size();
}

void Capture::commit(Nanos ts, std::size_t len) {
  Chunk& c = chunks_[reserved_chunk_];
  heap_.push_back(
      Record{ts, order_++, reserved_chunk_, static_cast<std::uint32_t>(c.used), static_cast<std::uint32_t>(len)});
  std::push_heap(heap_.begin(), heap_.end(), later);
  c.used += len;
  c.live += len;
  ++c.pending;
  queued_bytes_ += len;
}

void Capture::write_record(const Record& r) {
  assert(r.ts >= last_written_);
  last_written_ = r.ts;
  // Room for the largest header (an enhanced packet block's 28 bytes), the frame, its padding and the
  // block's closing length.
  if (out_used_ + 28 + r.len + 3 + 4 > out_.size()) flush_out();
  const std::size_t pad = options_.pcapng ? (4 - r.len % 4) % 4 : 0;
  const std::size_t header = options_.pcapng ? 28 : 16;
  if (options_.pcapng) {
    // Enhanced packet block: interface 0, time in the interface's units (µs, or ns with if_tsresol 9).
    const auto units = static_cast<std::uint64_t>(options_.nanosecond ? r.ts : r.ts / kUs);
    put_u32(6);
    put_u32(static_cast<std::uint32_t>(header + r.len + pad + 4));
    put_u32(0);
    put_u32(static_cast<std::uint32_t>(units >> 32));
    put_u32(static_cast<std::uint32_t>(units));
  } else {
    put_u32(static_cast<std::uint32_t>(r.ts / kSec));
    put_u32(static_cast<std::uint32_t>(options_.nanosecond ? r.ts % kSec : (r.ts % kSec) / kUs));
  }
  put_u32(r.len);
  put_u32(r.len);
  Chunk& c = chunks_[r.chunk];
  if (r.len > out_.size()) {  // cannot happen with our frame sizes, but stay correct
    flush_out();
    if (std::fwrite(c.data.data() + r.offset, 1, r.len, file_) != r.len) write_failed_ = true;
  } else {
    std::memcpy(&out_[out_used_], c.data.data() + r.offset, r.len);
    out_used_ += r.len;
  }
  if (options_.pcapng) {
    std::memset(&out_[out_used_], 0, pad);
    out_used_ += pad;
    put_u32(static_cast<std::uint32_t>(header + r.len + pad + 4));  // the block's length again
  }
  ++packets_;
  frame_bytes_ += r.len;
  file_bytes_ += header + r.len + pad + (options_.pcapng ? 4 : 0);
  queued_bytes_ -= r.len;
  c.live -= r.len;
  if (--c.pending == 0 && !c.open) release(r.chunk);
}

void Capture::advance(Nanos ts) {
  while (!heap_.empty() && heap_.front().ts < ts) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    const Record r = heap_.back();
    heap_.pop_back();
    write_record(r);
  }
  maybe_compact();
}

std::optional<std::string> Capture::finish() {
  advance(INT64_MAX);
  flush_out();
  if (file_ != nullptr) {
    if (std::fclose(file_) != 0) write_failed_ = true;
    file_ = nullptr;
  }
  if (write_failed_) return std::string{"write error on the pcap file"};
  return std::nullopt;
}

// ---- addresses ----------------------------------------------------------------------------------------

IpAddr IpAddr::v4(std::uint8_t a, std::uint8_t b1, std::uint8_t c, std::uint8_t d) {
  IpAddr ip;
  ip.b[0] = a;
  ip.b[1] = b1;
  ip.b[2] = c;
  ip.b[3] = d;
  return ip;
}

IpAddr IpAddr::v4(std::uint32_t host_order) {
  IpAddr ip;
  put32(ip.b.data(), host_order);
  return ip;
}

IpAddr IpAddr::v6_from(std::uint64_t hi, std::uint64_t lo) {
  IpAddr ip;
  ip.v6 = true;
  put32(ip.b.data(), static_cast<std::uint32_t>(hi >> 32));
  put32(ip.b.data() + 4, static_cast<std::uint32_t>(hi));
  put32(ip.b.data() + 8, static_cast<std::uint32_t>(lo >> 32));
  put32(ip.b.data() + 12, static_cast<std::uint32_t>(lo));
  return ip;
}

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, b.data(), buf, sizeof buf);
  return buf;
}

// ---- checksums and frames -----------------------------------------------------------------------------

// Sums native-order 32-bit words; the one's complement sum is byte-order independent (RFC 1071), so the
// folded result is stored back with memcpy in native order.
std::uint32_t checksum_add(std::uint32_t sum32, const std::uint8_t* data, std::size_t len) {
  std::uint64_t sum = sum32;
  std::size_t i = 0;
  for (; i + 16 <= len; i += 16) {
    std::uint32_t w[4];
    std::memcpy(w, data + i, 16);
    sum += std::uint64_t{w[0]} + w[1] + w[2] + w[3];
  }
  for (; i + 4 <= len; i += 4) {
    std::uint32_t w;
    std::memcpy(&w, data + i, 4);
    sum += w;
  }
  if (i < len) {
    std::uint32_t w = 0;
    std::memcpy(&w, data + i, len - i);
    sum += w;
  }
  return checksum_fold(sum);
}

std::uint16_t checksum_fold(std::uint64_t sum) {
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

namespace {

// Ethernet (+VLAN) and IP header; returns the offset of the L4 header. `l4_len` includes the payload.
std::size_t put_l2_l3(std::uint8_t* out, const FlowAddr& a, Side from, std::uint8_t proto, std::size_t l4_len,
                      std::uint16_t ip_id) {
  const bool c2s = from == Side::Client;
  std::memcpy(out, c2s ? a.server_mac.data() : a.client_mac.data(), 6);
  std::memcpy(out + 6, c2s ? a.client_mac.data() : a.server_mac.data(), 6);
  std::size_t off = 12;
  if (a.vlan >= 0) {
    put16(out + off, 0x8100);
    put16(out + off + 2, static_cast<std::uint16_t>(a.vlan & 0x0fff));
    off += 4;
  }
  const IpAddr& src = c2s ? a.client : a.server;
  const IpAddr& dst = c2s ? a.server : a.client;
  const std::uint8_t ttl = c2s ? a.client_ttl : a.server_ttl;
  if (!src.v6) {
    put16(out + off, 0x0800);
    off += 2;
    std::uint8_t* ip = out + off;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, static_cast<std::uint16_t>(20 + l4_len));
    put16(ip + 4, ip_id);
    put16(ip + 6, 0x4000);  // DF
    ip[8] = ttl;
    ip[9] = proto;
    ip[10] = ip[11] = 0;
    std::memcpy(ip + 12, src.b.data(), 4);
    std::memcpy(ip + 16, dst.b.data(), 4);
    const std::uint16_t c = static_cast<std::uint16_t>(~checksum_add(0, ip, 20));
    std::memcpy(ip + 10, &c, 2);
    return off + 20;
  }
  put16(out + off, 0x86dd);
  off += 2;
  std::uint8_t* ip = out + off;
  put32(ip, 0x60000000u);
  put16(ip + 4, static_cast<std::uint16_t>(l4_len));
  ip[6] = proto;
  ip[7] = ttl;
  std::memcpy(ip + 8, src.b.data(), 16);
  std::memcpy(ip + 24, dst.b.data(), 16);
  return off + 40;
}

std::uint32_t pseudo_sum(const FlowAddr& a, Side from, std::uint8_t proto, std::size_t l4_len) {
  const bool c2s = from == Side::Client;
  const IpAddr& src = c2s ? a.client : a.server;
  const IpAddr& dst = c2s ? a.server : a.client;
  std::uint8_t ph[40];
  if (!src.v6) {
    std::memcpy(ph, src.b.data(), 4);
    std::memcpy(ph + 4, dst.b.data(), 4);
    ph[8] = 0;
    ph[9] = proto;
    put16(ph + 10, static_cast<std::uint16_t>(l4_len));
    return checksum_add(0, ph, 12);
  }
  std::memcpy(ph, src.b.data(), 16);
  std::memcpy(ph + 16, dst.b.data(), 16);
  put32(ph + 32, static_cast<std::uint32_t>(l4_len));
  std::uint32_t s = checksum_add(0, ph, 36);
  std::uint8_t nh[4] = {0, 0, 0, proto};
  return checksum_add(s, nh, 4);
}

}  // namespace

std::size_t build_tcp_frame(std::uint8_t* out, const FlowAddr& a, Side from, const TcpFields& f,
                            std::span<const std::uint8_t> payload) {
  const std::size_t hdr = f.syn_options ? 32 : 20;
  const std::size_t l4_len = hdr + payload.size();
  const std::size_t off = put_l2_l3(out, a, from, 6, l4_len, f.ip_id);
  std::uint8_t* t = out + off;
  const bool c2s = from == Side::Client;
  put16(t, c2s ? a.client_port : a.server_port);
  put16(t + 2, c2s ? a.server_port : a.client_port);
  put32(t + 4, f.seq);
  put32(t + 8, f.ack);
  t[12] = static_cast<std::uint8_t>((hdr / 4) << 4);
  t[13] = f.flags;
  put16(t + 14, f.window);
  t[16] = t[17] = 0;
  t[18] = t[19] = 0;
  if (f.syn_options) {
    const std::uint8_t opts[12] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2};  // MSS 1460, NOP, WS 7, SACK_PERM
    std::memcpy(t + 20, opts, 12);
  }
  if (!payload.empty()) std::memcpy(t + hdr, payload.data(), payload.size());
  const std::uint16_t c = static_cast<std::uint16_t>(~checksum_add(pseudo_sum(a, from, 6, l4_len), t, l4_len));
  std::memcpy(t + 16, &c, 2);
  return off + l4_len;
}

std::size_t build_udp_frame(std::uint8_t* out, const FlowAddr& a, Side from, std::uint16_t ip_id,
                            std::span<const std::uint8_t> payload) {
  const std::size_t l4_len = 8 + payload.size();
  const std::size_t off = put_l2_l3(out, a, from, 17, l4_len, ip_id);
  std::uint8_t* u = out + off;
  const bool c2s = from == Side::Client;
  put16(u, c2s ? a.client_port : a.server_port);
  put16(u + 2, c2s ? a.server_port : a.client_port);
  put16(u + 4, static_cast<std::uint16_t>(l4_len));
  u[6] = u[7] = 0;
  if (!payload.empty()) std::memcpy(u + 8, payload.data(), payload.size());
  std::uint16_t c = static_cast<std::uint16_t>(~checksum_add(pseudo_sum(a, from, 17, l4_len), u, l4_len));
  if (c == 0) c = 0xffff;
  std::memcpy(u + 6, &c, 2);
  return off + l4_len;
}

// ---- TcpConnection ------------------------------------------------------------------------------------

TcpConnection::TcpConnection(Capture& cap, Rng& rng, const FlowAddr& addr, Nanos start, TcpTiming timing)
    : cap_(cap), rng_(rng), addr_(addr), timing_(timing), now_(start) {
  client_.snd_nxt = rng.u32();
  server_.snd_nxt = rng.u32();
  client_.ip_id = rng.u16();
  server_.ip_id = rng.u16();
  client_.window = static_cast<std::uint16_t>(rng.range(500, 2048));
  server_.window = static_cast<std::uint16_t>(rng.range(200, 1024));
}

void TcpConnection::emit(Side from, Nanos ts, std::uint32_t seq, std::uint8_t flags,
                         std::span<const std::uint8_t> payload, bool syn_options) {
  Half& h = half(from);
  TcpFields f;
  f.seq = seq;
  f.ack = (flags & tcpflag::kAck) != 0 ? h.rcv_nxt : 0;
  f.flags = flags;
  f.window = (flags & tcpflag::kSyn) != 0 ? static_cast<std::uint16_t>(from == Side::Client ? 64240 : 65160) : h.window;
  f.syn_options = syn_options;
  f.ip_id = h.ip_id++;
  std::uint8_t* p = cap_.reserve(kMaxHeaders + payload.size());
  const std::size_t len = build_tcp_frame(p, addr_, from, f, payload);
  cap_.commit(ts, len);
  if (first_ < 0 || ts < first_) first_ = ts;
  if (ts > last_) last_ = ts;
  if ((flags & tcpflag::kAck) != 0) {
    h.ack_pending = false;
    h.unacked_segments = 0;
  }
}

void TcpConnection::handshake() {
  const std::uint32_t isn_c = client_.snd_nxt;
  const std::uint32_t isn_s = server_.snd_nxt;
  emit(Side::Client, now_, isn_c, tcpflag::kSyn, {}, true);
  client_.snd_nxt = isn_c + 1;
  server_.rcv_nxt = isn_c + 1;
  now_ += timing_.server_rtt;
  emit(Side::Server, now_, isn_s, tcpflag::kSyn | tcpflag::kAck, {}, true);
  server_.snd_nxt = isn_s + 1;
  client_.rcv_nxt = isn_s + 1;
  now_ += timing_.client_rtt;
  emit(Side::Client, now_, client_.snd_nxt, tcpflag::kAck, {});
}

void TcpConnection::join_established() {
  client_.rcv_nxt = server_.snd_nxt;
  server_.rcv_nxt = client_.snd_nxt;
}

void TcpConnection::settle(Nanos t) {
  for (Side s : {Side::Client, Side::Server}) {
    Half& h = half(s);
    if (h.ack_pending && h.ack_deadline <= t) emit(s, h.ack_deadline, h.snd_nxt, tcpflag::kAck, {});
  }
}

void TcpConnection::received(Side receiver, Nanos ts, std::uint32_t end_seq, bool full_segment) {
  Half& h = half(receiver);
  if (seq_after(end_seq, h.rcv_nxt)) h.rcv_nxt = end_seq;
  if (full_segment && ++h.unacked_segments >= 2) {
    emit(receiver, ts + reply_delay(receiver), h.snd_nxt, tcpflag::kAck, {});
    return;
  }
  if (!h.ack_pending) {
    h.ack_pending = true;
    h.ack_deadline = ts + reply_delay(receiver) + 40 * kMs;
  }
}

void TcpConnection::segment(Side from, Nanos ts, std::uint32_t seq, std::span<const std::uint8_t> payload, bool push) {
  emit(from, ts, seq, static_cast<std::uint8_t>(tcpflag::kAck | (push ? tcpflag::kPsh : 0)), payload);
}

void TcpConnection::send(Side from, std::span<const std::uint8_t> data, Delivery how) {
  if (data.empty()) return;
  settle(now_);
  Half& h = half(from);
  const Side to = other(from);
  const double bps = from == Side::Client ? timing_.client_bps : timing_.server_bps;
  const auto tx = [bps](std::size_t n) { return static_cast<Nanos>(static_cast<double>(n + 54) * 8e9 / bps); };
  const std::uint32_t base = h.snd_nxt;
  const std::size_t n = data.size();
  constexpr std::size_t kMss = 1460;
  if (n < 4 && how != Delivery::Normal && how != Delivery::Retransmit) how = Delivery::Normal;

  switch (how) {
    case Delivery::Normal:
    case Delivery::Retransmit: {
      Nanos t = now_;
      std::size_t off = 0;
      while (off < n) {
        const std::size_t len = std::min(kMss, n - off);
        const bool last = off + len == n;
        const auto seq = static_cast<std::uint32_t>(base + off);
        segment(from, t, seq, data.subspan(off, len), last);
        if (last && how == Delivery::Retransmit) {
          // Lost after the capture point: the receiver never saw it; RTO, then the same bytes again.
          const Nanos rto = std::max<Nanos>(200 * kMs, 2 * (reply_delay(from) + reply_delay(to)));
          t += rto;
          segment(from, t, seq, data.subspan(off, len), true);
        }
        received(to, t, static_cast<std::uint32_t>(seq + len), len == kMss);
        off += len;
        if (!last) t += tx(len);
      }
      now_ = t;
      break;
    }
    case Delivery::Split: {
      // Two or three pieces cut at arbitrary byte positions, as a miner writing a line in parts would.
      std::size_t bounds[4] = {0, n, n, n};
      std::size_t nb = 2;
      if (n >= 12 && rng_.chance(0.5)) {
        bounds[1] = rng_.range(1, n / 2);
        bounds[2] = rng_.range(bounds[1] + 1, n - 1);
        nb = 4;
      } else {
        bounds[1] = rng_.range(1, n - 1);
        nb = 3;
      }
      Nanos t = now_;
      for (std::size_t i = 0; i + 1 < nb; ++i) {
        const std::size_t a = bounds[i], b = bounds[i + 1];
        const auto seq = static_cast<std::uint32_t>(base + a);
        // Pieces larger than the MSS are segmented as usual.
        for (std::size_t off = a; off < b; off += kMss) {
          const std::size_t len = std::min(kMss, b - off);
          segment(from, t, static_cast<std::uint32_t>(seq + (off - a)), data.subspan(off, len), true);
          received(to, t, static_cast<std::uint32_t>(base + off + len), false);
          t += tx(len);
        }
        if (i + 2 < nb) t += static_cast<Nanos>(rng_.uniform(0.2, 5.0) * static_cast<double>(kMs));
      }
      now_ = t;
      break;
    }
    case Delivery::Reorder:
    case Delivery::Overlap: {
      // Two halves; both must fit in one segment each.
      const std::size_t cut = std::min(rng_.range(1, n - 1), kMss);
      const std::size_t second_len = std::min(n - cut, kMss);
      const std::size_t total = cut + second_len;  // anything beyond goes normally afterwards
      Nanos t = now_;
      if (how == Delivery::Reorder) {
        segment(from, t, static_cast<std::uint32_t>(base + cut), data.subspan(cut, second_len), true);
        // The receiver sees a hole and repeats its ACK at once.
        emit(to, t + reply_delay(to), half(to).snd_nxt, tcpflag::kAck, {});
        t += tx(second_len) + 30 * kUs;
        segment(from, t, base, data.subspan(0, cut), false);
        received(to, t, static_cast<std::uint32_t>(base + total), false);
      } else {
        segment(from, t, base, data.subspan(0, cut), false);
        received(to, t, static_cast<std::uint32_t>(base + cut), false);
        t += tx(cut);
        segment(from, t, static_cast<std::uint32_t>(base + cut), data.subspan(cut, second_len), true);
        received(to, t, static_cast<std::uint32_t>(base + total), false);
        // A spurious retransmission covering the end of the first half and all of the second.
        const std::size_t from_off = cut > 1 ? rng_.range(cut / 2, cut - 1) : 0;
        t += std::max<Nanos>(200 * kMs, 2 * (reply_delay(from) + reply_delay(to)));
        segment(from, t, static_cast<std::uint32_t>(base + from_off), data.subspan(from_off, total - from_off), true);
        emit(to, t + reply_delay(to), half(to).snd_nxt, tcpflag::kAck, {});  // duplicate ACK
      }
      std::size_t off = total;
      while (off < n) {
        t += tx(kMss);
        const std::size_t len = std::min(kMss, n - off);
        segment(from, t, static_cast<std::uint32_t>(base + off), data.subspan(off, len), off + len == n);
        received(to, t, static_cast<std::uint32_t>(base + off + len), len == kMss);
        off += len;
      }
      now_ = t;
      break;
    }
  }
  h.snd_nxt = static_cast<std::uint32_t>(base + n);
}

void TcpConnection::close_fin(Side initiator) {
  settle(now_);
  Half& a = half(initiator);
  const Side peer = other(initiator);
  Half& b = half(peer);
  emit(initiator, now_, a.snd_nxt, tcpflag::kFin | tcpflag::kAck, {});
  a.snd_nxt++;
  b.rcv_nxt = a.snd_nxt;
  now_ += reply_delay(peer);
  emit(peer, now_, b.snd_nxt, tcpflag::kFin | tcpflag::kAck, {});
  b.snd_nxt++;
  a.rcv_nxt = b.snd_nxt;
  now_ += reply_delay(initiator);
  emit(initiator, now_, a.snd_nxt, tcpflag::kAck, {});
}

void TcpConnection::close_rst(Side from) {
  settle(now_);
  Half& h = half(from);
  emit(from, now_, h.snd_nxt, tcpflag::kRst | tcpflag::kAck, {});
  client_.ack_pending = server_.ack_pending = false;
}

void TcpConnection::abandon() { settle(INT64_MAX); }

// ---- UdpFlow ------------------------------------------------------------------------------------------

void UdpFlow::send(Side from, Nanos ts, std::span<const std::uint8_t> payload) {
  std::uint8_t* p = cap_.reserve(kMaxHeaders + payload.size());
  const std::size_t len = build_udp_frame(p, addr_, from, ip_id_[from == Side::Client ? 0 : 1]++, payload);
  cap_.commit(ts, len);
  if (first_ < 0 || ts < first_) first_ = ts;
  if (ts > last_) last_ = ts;
}

}  // namespace mwgen
