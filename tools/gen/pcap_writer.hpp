// Frame building and capture output for mw-gen.
//
// Flows are generated one at a time, whole, in order of their start time. Their packets go into a
// time-ordered queue (packet bytes in reusable arena chunks, a binary heap of small records); every
// packet older than the start of the flow about to be generated can no longer be preceded by anything,
// so it is written out. Output timestamps therefore never go backwards, and memory holds only the
// packets still "in the future".
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gen/rng.hpp"

namespace mwgen {

using Nanos = std::int64_t;
constexpr Nanos kUs = 1'000;
constexpr Nanos kMs = 1'000'000;
constexpr Nanos kSec = 1'000'000'000;

struct PcapOptions {
  bool nanosecond = false;
  bool big_endian = false;
  bool pcapng = false;  // a section header, one Ethernet interface, then enhanced packet blocks
};

// Owns the output file and the reorder queue.
class Capture {
 public:
  Capture() = default;
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  ~Capture();

  // Returns an error message on failure.
  std::optional<std::string> open(const std::string& path, PcapOptions options);

  // Frame building: reserve room, write the frame there, commit its real length and time.
  std::uint8_t* reserve(std::size_t max_len);
  void commit(Nanos ts, std::size_t len);

  // Flows whose packets span a long time (mining sessions) get a chunk of their own, so they do not pin
  // shared chunks full of short flows' packets.
  void begin_long_flow();
  void end_long_flow();

  // Writes every queued packet with a timestamp before `ts`.
  void advance(Nanos ts);
  // Writes everything; returns an error message if the file could not be written.
  std::optional<std::string> finish();

  std::uint64_t packets_written() const { return packets_; }
  std::uint64_t frame_bytes_written() const { return frame_bytes_; }
  std::uint64_t file_bytes_written() const { return file_bytes_; }
  std::uint64_t bytes_queued() const { return queued_bytes_; }

 private:
  struct Chunk {
    std::vector<std::uint8_t> data;
    std::size_t used = 0;
    std::size_t live = 0;  // bytes of packets not yet written
    std::uint32_t pending = 0;
    bool open = false;  // still being filled
  };
  struct Record {
    Nanos ts;
    std::uint64_t order;
    std::uint32_t chunk;
    std::uint32_t offset;
    std::uint32_t len;
  };
  static bool later(const Record& a, const Record& b) { return a.ts != b.ts ? a.ts > b.ts : a.order > b.order; }
  std::uint32_t new_chunk(std::size_t capacity);
  void release(std::uint32_t id);
  void write_record(const Record& r);
  std::uint8_t* reserve_shared(std::size_t max_len);
  void maybe_compact();
  void put_u32(std::uint32_t v);
  void put_u16(std::uint16_t v);
  void write_pcapng_header();
  void flush_out();

  std::FILE* file_ = nullptr;
  PcapOptions options_{};
  std::vector<Chunk> chunks_;
  std::vector<std::uint32_t> free_chunks_;
  std::uint32_t shared_chunk_ = UINT32_MAX;
  std::uint32_t long_chunk_ = UINT32_MAX;
  std::uint32_t reserved_chunk_ = UINT32_MAX;
  std::vector<Record> heap_;
  std::uint64_t order_ = 0;
  std::size_t chunks_after_compaction_ = 0;
  std::vector<std::uint8_t> out_;
  std::size_t out_used_ = 0;
  Nanos last_written_ = 0;
  std::uint64_t packets_ = 0, frame_bytes_ = 0, file_bytes_ = 0, queued_bytes_ = 0;
  bool write_failed_ = false;
};

// ---- addressing -------------------------------------------------------------------------------------

struct IpAddr {
  bool v6 = false;
  std::array<std::uint8_t, 16> b{};  // v4 in the first 4 bytes

  static IpAddr v4(std::uint8_t a, std::uint8_t b1, std::uint8_t c, std::uint8_t d);
  static IpAddr v4(std::uint32_t host_order);
  static IpAddr v6_from(std::uint64_t hi, std::uint64_t lo);
  std::string str() const;
};

using Mac = std::array<std::uint8_t, 6>;

struct FlowAddr {
  IpAddr client, server;
  std::uint16_t client_port = 0, server_port = 0;
  Mac client_mac{}, server_mac{};  // server_mac = the router's MAC
  int vlan = -1;                   // 802.1Q VLAN id, -1 for untagged
  std::uint8_t client_ttl = 64, server_ttl = 52;
};

enum class Side { Client, Server };
constexpr Side other(Side s) { return s == Side::Client ? Side::Server : Side::Client; }

namespace tcpflag {
constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;
}

// Internet checksum helpers.
std::uint32_t checksum_add(std::uint32_t sum, const std::uint8_t* data, std::size_t len);
std::uint16_t checksum_fold(std::uint64_t sum);

// Builds a whole frame (Ethernet [+ VLAN] + IPv4/IPv6 + TCP/UDP + payload) at `out`; returns its
// length. `out` must have room for kMaxHeaders + payload.
constexpr std::size_t kMaxHeaders = 14 + 4 + 40 + 60;
struct TcpFields {
  std::uint32_t seq = 0, ack = 0;
  std::uint8_t flags = 0;
  std::uint16_t window = 0;
  bool syn_options = false;  // MSS 1460, SACK permitted, window scale
  std::uint16_t ip_id = 0;
};
std::size_t build_tcp_frame(std::uint8_t* out, const FlowAddr& a, Side from, const TcpFields& f,
                            std::span<const std::uint8_t> payload);
std::size_t build_udp_frame(std::uint8_t* out, const FlowAddr& a, Side from, std::uint16_t ip_id,
                            std::span<const std::uint8_t> payload);

inline std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// ---- TCP connection ---------------------------------------------------------------------------------

// How a single send() reaches the capture point.
enum class Delivery {
  Normal,      // MSS segmentation
  Split,       // cut into 2-3 segments at arbitrary byte positions, small gaps between them
  Retransmit,  // the last segment is lost downstream and sent again after an RTO
  Reorder,     // cut in two, the second half is seen before the first
  Overlap,     // cut in two, then a retransmission overlapping both halves with the same bytes
};

struct TcpTiming {
  Nanos server_rtt = 40 * kMs;   // capture point <-> server and back
  Nanos client_rtt = 300 * kUs;  // capture point <-> client and back
  double server_bps = 50e6;      // pacing of server -> client data
  double client_bps = 20e6;      // pacing of client -> server data
};

// One TCP connection seen at a capture point near the client. Tracks seq/ack on both sides, segments
// payloads at the MSS, sends delayed or every-second-segment ACKs (or piggybacks them on data), and
// closes with FIN or RST.
class TcpConnection {
 public:
  TcpConnection(Capture& cap, Rng& rng, const FlowAddr& addr, Nanos start, TcpTiming timing = {});

  void handshake();
  // No handshake in the capture: both sides are already established with arbitrary sequence numbers.
  void join_established();

  void send(Side from, std::span<const std::uint8_t> data, Delivery how = Delivery::Normal);
  void send(Side from, std::string_view text, Delivery how = Delivery::Normal) { send(from, bytes_of(text), how); }
  void wait(Nanos dt) { now_ += dt; }
  void wait_until(Nanos t) {
    if (t > now_) now_ = t;
  }
  Nanos now() const { return now_; }
  Nanos first_packet() const { return first_; }
  Nanos last_packet() const { return last_; }
  const TcpTiming& timing() const { return timing_; }

  void close_fin(Side initiator);
  void close_rst(Side from);
  // Leaves the connection open at the end of the capture (pending ACKs are still sent).
  void abandon();

 private:
  struct Half {
    std::uint32_t snd_nxt = 0;  // next sequence number this side sends
    std::uint32_t rcv_nxt = 0;  // next sequence number this side expects
    std::uint16_t ip_id = 0;
    std::uint16_t window = 64240;
    bool ack_pending = false;
    Nanos ack_deadline = 0;
    int unacked_segments = 0;
  };
  Half& half(Side s) { return s == Side::Client ? client_ : server_; }
  Nanos reply_delay(Side replier) const { return replier == Side::Client ? timing_.client_rtt : timing_.server_rtt; }
  void emit(Side from, Nanos ts, std::uint32_t seq, std::uint8_t flags, std::span<const std::uint8_t> payload,
            bool syn_options = false);
  void settle(Nanos t);  // sends pure ACKs that are due before t
  void segment(Side from, Nanos ts, std::uint32_t seq, std::span<const std::uint8_t> payload, bool push);
  void received(Side receiver, Nanos ts, std::uint32_t end_seq, bool full_segment);

  Capture& cap_;
  Rng& rng_;
  FlowAddr addr_;
  TcpTiming timing_;
  Half client_, server_;
  Nanos now_;
  Nanos first_ = -1, last_ = 0;
};

// A UDP exchange (DNS, QUIC).
class UdpFlow {
 public:
  UdpFlow(Capture& cap, Rng& rng, const FlowAddr& addr) : cap_(cap), addr_(addr) {
    ip_id_[0] = rng.u16();
    ip_id_[1] = rng.u16();
  }
  void send(Side from, Nanos ts, std::span<const std::uint8_t> payload);
  Nanos first_packet() const { return first_; }
  Nanos last_packet() const { return last_; }

 private:
  Capture& cap_;
  FlowAddr addr_;
  std::uint16_t ip_id_[2]{};
  Nanos first_ = -1, last_ = 0;
};

}  // namespace mwgen
