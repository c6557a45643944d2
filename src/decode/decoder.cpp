#include "decode/decoder.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace minewatch::decode {
namespace {

using Bytes = std::span<const std::uint8_t>;

// Bounds that keep a hostile frame from costing more than a handful of header reads.
constexpr int kMaxVlanTags = 4;
constexpr int kMaxMplsLabels = 8;
constexpr int kMaxIpv6ExtHeaders = 8;
constexpr int kMaxTunnelDepth = 3;  // IP-in-IP, GRE, VXLAN, MPLS pseudowire nestings

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86DD;
constexpr std::uint16_t kEtherVlan = 0x8100;
constexpr std::uint16_t kEtherQinQ = 0x88A8;
constexpr std::uint16_t kEtherQinQLegacy = 0x9100;
constexpr std::uint16_t kEtherMplsUnicast = 0x8847;
constexpr std::uint16_t kEtherMplsMulticast = 0x8848;
constexpr std::uint16_t kEtherPppoeSession = 0x8864;
constexpr std::uint16_t kEtherTransparentBridging = 0x6558;  // GRE carrying Ethernet (NVGRE, gretap)

constexpr std::uint16_t kPppIpv4 = 0x0021;
constexpr std::uint16_t kPppIpv6 = 0x0057;

constexpr std::uint8_t kProtoIpIp = 4;
constexpr std::uint8_t kProtoIpv6InIp = 41;
constexpr std::uint8_t kProtoGre = 47;

constexpr std::uint8_t kIpv6HopByHop = 0;
constexpr std::uint8_t kIpv6Routing = 43;
constexpr std::uint8_t kIpv6Fragment = 44;
constexpr std::uint8_t kIpv6Ah = 51;
constexpr std::uint8_t kIpv6DestOpts = 60;
constexpr std::uint8_t kIpv6Mobility = 135;
constexpr std::uint8_t kIpv6NoNextHeader = 59;

constexpr std::uint16_t kVxlanPort = 4789;

// Legacy DLT_RAW values some writers put in the file header instead of LINKTYPE_RAW (101).
constexpr std::uint32_t kDltRawLinux = 12;
constexpr std::uint32_t kDltRawOpenBsd = 14;

inline std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
inline std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// IpAddress::v4 writes the 16 bytes in one store: building the address from narrow stores and
// reloading it whole (a copy, the flow key's words) costs a store-forwarding stall, which showed up as
// a third of IPv4 decode time.
inline void set_v4(IpAddress& a, const std::uint8_t* p) { a = IpAddress::v4(p); }
inline void set_v6(IpAddress& a, const std::uint8_t* p) {
  std::memcpy(a.bytes.data(), p, 16);
  a.is_v6 = true;
}

// The transport fields of a TCP segment (header at `p`) or UDP datagram whose lengths were checked.
inline void set_tcp(PacketView& out, const std::uint8_t* p, Bytes payload, std::uint32_t payload_wire) {
  out.proto = kProtoTcp;
  out.sport = be16(p);
  out.dport = be16(p + 2);
  out.seq = be32(p + 4);
  out.ack = be32(p + 8);
  out.tcp_flags = p[13];
  out.payload_wire_len = payload_wire;
  out.payload = payload;
}
inline void set_udp(PacketView& out, const std::uint8_t* p, Bytes payload, std::uint32_t payload_wire) {
  out.proto = kProtoUdp;
  out.sport = be16(p);
  out.dport = be16(p + 2);
  out.tcp_flags = 0;
  out.seq = 0;
  out.ack = 0;
  out.payload_wire_len = payload_wire;
  out.payload = payload;
}

// Walks one frame from the link layer inwards. Each layer gets the bytes that were captured for it
// and its length on the wire (always >= captured.size()); the IP and UDP lengths narrow both, which
// is how Ethernet padding and trailers fall away. Bounded recursion through tunnels only.
class FrameDecoder {
 public:
  FrameDecoder(PacketView& out, AnomalyCounters& anomalies) : out_(out), anomalies_(anomalies) {}

  DecodeStatus link(std::uint32_t link_type, Bytes b, std::uint32_t wire) {
    switch (link_type) {
      case static_cast<std::uint32_t>(capture::LinkType::Ethernet): return ethernet(b, wire, 0);
      case static_cast<std::uint32_t>(capture::LinkType::Raw):
      case kDltRawLinux:
      case kDltRawOpenBsd: return ip_by_version(b, wire, 0, Anomaly::IpUnknownVersion);
      case static_cast<std::uint32_t>(capture::LinkType::Ipv4): return ipv4(b, wire, 0);
      case static_cast<std::uint32_t>(capture::LinkType::Ipv6): return ipv6(b, wire, 0);
      case static_cast<std::uint32_t>(capture::LinkType::Ppp):
      case static_cast<std::uint32_t>(capture::LinkType::PppHdlc): {
        if (b.size() >= 2 && b[0] == 0xff && b[1] == 0x03) {
          b = b.subspan(2);
          wire -= 2;
        }
        if (b.size() < 2) return skip(Anomaly::PppTruncated);
        return ppp(be16(b.data()), b.subspan(2), wire - 2, 0);
      }
      case static_cast<std::uint32_t>(capture::LinkType::CiscoHdlc):
        if (b.size() < 4) return skip(Anomaly::PppTruncated);
        return ethertype(be16(b.data() + 2), b.subspan(4), wire - 4, 0);
      case static_cast<std::uint32_t>(capture::LinkType::LinuxSll):
        // packet type, ARPHRD, address length, 8 address bytes, then the protocol (an EtherType).
        if (b.size() < 16) return skip(Anomaly::SllTruncated);
        return ethertype(be16(b.data() + 14), b.subspan(16), wire - 16, 0);
      case static_cast<std::uint32_t>(capture::LinkType::LinuxSll2):
        // The protocol comes first in SLL2; ifindex, ARPHRD, type and address follow.
        if (b.size() < 20) return skip(Anomaly::Sll2Truncated);
        return ethertype(be16(b.data()), b.subspan(20), wire - 20, 0);
      case static_cast<std::uint32_t>(capture::LinkType::Null): {
        if (b.size() < 4) return skip(Anomaly::LoopbackTruncated);
        // Host byte order of the capturing machine, which need not be ours: families are small
        // numbers, so a value with high bits set was written in the other order.
        std::uint32_t family = be32(b.data());
        if (family > 0xFFFF) family = __builtin_bswap32(family);
        return loopback_family(family, b.subspan(4), wire - 4);
      }
      case static_cast<std::uint32_t>(capture::LinkType::Loop):
        if (b.size() < 4) return skip(Anomaly::LoopbackTruncated);
        return loopback_family(be32(b.data()), b.subspan(4), wire - 4);
      default: return skip(Anomaly::CaptureUnsupportedLinkType);
    }
  }

 private:
  DecodeStatus skip(Anomaly a) {
    anomalies_.add(a);
    return DecodeStatus::Skipped;
  }

  DecodeStatus loopback_family(std::uint32_t family, Bytes b, std::uint32_t wire) {
    switch (family) {
      case 2:  // AF_INET everywhere
        return ipv4(b, wire, 0);
      case 24:  // AF_INET6: NetBSD/OpenBSD
      case 28:  // FreeBSD
      case 30:  // macOS
        return ipv6(b, wire, 0);
      default: return skip(Anomaly::NonIpFrame);
    }
  }

  DecodeStatus ethernet(Bytes b, std::uint32_t wire, int depth) {
    if (b.size() < 14) return skip(Anomaly::EthernetTruncated);
    return ethertype(be16(b.data() + 12), b.subspan(14), wire - 14, depth);
  }

  // `b` starts right after the EtherType field that named `type`.
  DecodeStatus ethertype(std::uint16_t type, Bytes b, std::uint32_t wire, int depth) {
    for (int tags = 0;; ++tags) {
      switch (type) {
        case kEtherIpv4: return ipv4(b, wire, depth);
        case kEtherIpv6: return ipv6(b, wire, depth);
        case kEtherVlan:
        case kEtherQinQ:
        case kEtherQinQLegacy:
          if (tags >= kMaxVlanTags) return skip(Anomaly::VlanTooDeep);
          if (b.size() < 4) return skip(Anomaly::VlanTruncated);
          type = be16(b.data() + 2);
          b = b.subspan(4);
          wire -= 4;
          continue;
        case kEtherMplsUnicast:
        case kEtherMplsMulticast: return mpls(b, wire, depth);
        case kEtherPppoeSession: {
          // version/type, code, session id, length, then the 2-byte PPP protocol.
          if (b.size() < 8) return skip(Anomaly::PppTruncated);
          return ppp(be16(b.data() + 6), b.subspan(8), wire - 8, depth);
        }
        default: return skip(Anomaly::NonIpFrame);
      }
    }
  }

  DecodeStatus ppp(std::uint16_t protocol, Bytes b, std::uint32_t wire, int depth) {
    if (protocol == kPppIpv4) return ipv4(b, wire, depth);
    if (protocol == kPppIpv6) return ipv6(b, wire, depth);
    return skip(Anomaly::NonIpFrame);  // LCP, IPCP, CHAP, ...
  }

  DecodeStatus mpls(Bytes b, std::uint32_t wire, int depth) {
    for (int labels = 0;; ++labels) {
      if (labels >= kMaxMplsLabels) return skip(Anomaly::MplsTooDeep);
      if (b.size() < 4) return skip(Anomaly::MplsTruncated);
      const bool bottom_of_stack = (b[2] & 0x01) != 0;
      b = b.subspan(4);
      wire -= 4;
      if (bottom_of_stack) break;
    }
    // MPLS does not say what it carries; the first nibble is the conventional guess.
    if (b.empty()) return skip(Anomaly::MplsTruncated);
    switch (b[0] >> 4) {
      case 4: return ipv4(b, wire, depth);
      case 6: return ipv6(b, wire, depth);
      case 0:
        // RFC 4385 pseudowire control word, then an Ethernet frame (EoMPLS).
        if (depth >= kMaxTunnelDepth) return skip(Anomaly::TunnelTooDeep);
        if (b.size() < 4) return skip(Anomaly::MplsTruncated);
        return ethernet(b.subspan(4), wire - 4, depth + 1);
      default: return skip(Anomaly::NonIpFrame);
    }
  }

  DecodeStatus ip_by_version(Bytes b, std::uint32_t wire, int depth, Anomaly unknown) {
    if (b.empty()) return skip(unknown);
    switch (b[0] >> 4) {
      case 4: return ipv4(b, wire, depth);
      case 6: return ipv6(b, wire, depth);
      default: return skip(unknown);
    }
  }

  DecodeStatus ipv4(Bytes b, std::uint32_t wire, int depth) {
    if (b.size() < 20) return skip(Anomaly::Ipv4Truncated);
    const std::uint8_t* p = b.data();
    if ((p[0] >> 4) != 4) return skip(Anomaly::Ipv4BadVersion);
    const std::uint32_t header_len = (p[0] & 0x0Fu) * 4u;
    if (header_len < 20) return skip(Anomaly::Ipv4BadHeaderLength);
    std::uint32_t total_len = be16(p + 2);
    // Packets captured on the sending host before TCP segmentation offload carry total length 0.
    if (total_len == 0) total_len = wire;
    if (total_len < header_len || total_len > wire) return skip(Anomaly::Ipv4BadTotalLength);
    if (b.size() < header_len) return skip(Anomaly::Ipv4Truncated);
    if ((be16(p + 6) & 0x3FFF) != 0) return skip(Anomaly::Ipv4Fragment);  // MF or offset != 0
    set_v4(out_.src, p + 12);
    set_v4(out_.dst, p + 16);
    const std::size_t captured_end = std::min<std::size_t>(b.size(), total_len);
    return transport(p[9], b.subspan(header_len, captured_end - header_len), total_len - header_len, depth);
  }

  DecodeStatus ipv6(Bytes b, std::uint32_t wire, int depth) {
    if (b.size() < 40) return skip(Anomaly::Ipv6Truncated);
    const std::uint8_t* p = b.data();
    if ((p[0] >> 4) != 6) return skip(Anomaly::Ipv6BadVersion);
    std::uint32_t total_len = 40u + be16(p + 4);
    // Payload length 0 means a jumbogram or a pre-segmentation-offload capture (trust the wire),
    // unless nothing follows the header at all.
    if (total_len == 40 && p[6] != kIpv6NoNextHeader) total_len = wire;
    if (total_len > wire) return skip(Anomaly::Ipv6BadPayloadLength);
    const std::size_t captured_end = std::min<std::size_t>(b.size(), total_len);

    std::uint8_t next = p[6];
    std::size_t offset = 40;
    for (int count = 0;; ++count) {
      std::size_t header_len = 0;
      switch (next) {
        case kIpv6HopByHop:
        case kIpv6Routing:
        case kIpv6DestOpts:
        case kIpv6Mobility:
          if (captured_end - offset < 2) return skip(Anomaly::Ipv6ExtHeaderTruncated);
          header_len = (std::size_t{p[offset + 1]} + 1) * 8;
          break;
        case kIpv6Ah:
          if (captured_end - offset < 2) return skip(Anomaly::Ipv6ExtHeaderTruncated);
          header_len = (std::size_t{p[offset + 1]} + 2) * 4;
          break;
        case kIpv6Fragment: {
          if (captured_end - offset < 8) return skip(Anomaly::Ipv6ExtHeaderTruncated);
          // An atomic fragment (offset 0, no more fragments) is a whole packet (RFC 6946).
          if ((be16(p + offset + 2) & 0xFFF9) != 0) return skip(Anomaly::Ipv6Fragment);
          header_len = 8;
          break;
        }
        default:
          set_v6(out_.src, p + 8);
          set_v6(out_.dst, p + 24);
          return transport(next, b.subspan(offset, captured_end - offset),
                           total_len - static_cast<std::uint32_t>(offset), depth);
      }
      if (count >= kMaxIpv6ExtHeaders) return skip(Anomaly::Ipv6ExtHeaderChainTooLong);
      if (captured_end - offset < header_len) return skip(Anomaly::Ipv6ExtHeaderTruncated);
      next = p[offset];
      offset += header_len;
    }
  }

  DecodeStatus transport(std::uint8_t proto, Bytes b, std::uint32_t wire, int depth) {
    switch (proto) {
      case kProtoTcp: return tcp(b, wire);
      case kProtoUdp: return udp(b, wire, depth);
      case kProtoIpIp:
        if (depth >= kMaxTunnelDepth) return skip(Anomaly::TunnelTooDeep);
        return ipv4(b, wire, depth + 1);
      case kProtoIpv6InIp:
        if (depth >= kMaxTunnelDepth) return skip(Anomaly::TunnelTooDeep);
        return ipv6(b, wire, depth + 1);
      case kProtoGre: return gre(b, wire, depth);
      default: return other_transport(proto, wire);
    }
  }

  // Flows of protocols without ports (ICMP, ESP, SCTP, ...) still count: ports 0, no payload.
  DecodeStatus other_transport(std::uint8_t proto, std::uint32_t wire) {
    anomalies_.add(Anomaly::OtherTransport);
    out_.proto = proto;
    out_.sport = 0;
    out_.dport = 0;
    out_.tcp_flags = 0;
    out_.seq = 0;
    out_.ack = 0;
    out_.payload_wire_len = wire;
    out_.payload = {};
    return DecodeStatus::Ok;
  }

  DecodeStatus tcp(Bytes b, std::uint32_t wire) {
    if (b.size() < 20) return skip(Anomaly::TcpTruncated);
    const std::uint8_t* p = b.data();
    const std::uint32_t data_offset = (p[12] >> 4) * 4u;
    if (data_offset < 20 || data_offset > wire) return skip(Anomaly::TcpBadDataOffset);
    if (data_offset > b.size()) return skip(Anomaly::TcpTruncated);
    set_tcp(out_, p, b.subspan(data_offset), wire - data_offset);
    return DecodeStatus::Ok;
  }

  DecodeStatus udp(Bytes b, std::uint32_t wire, int depth) {
    if (b.size() < 8) return skip(Anomaly::UdpTruncated);
    const std::uint8_t* p = b.data();
    const std::uint32_t udp_len = be16(p + 4);
    if (udp_len < 8 || udp_len > wire) return skip(Anomaly::UdpBadLength);
    const std::size_t captured_end = std::min<std::size_t>(b.size(), udp_len);
    const Bytes payload = b.subspan(8, captured_end - 8);
    const std::uint32_t payload_wire = udp_len - 8;
    const std::uint16_t dport = be16(p + 2);
    if (dport == kVxlanPort && payload_wire >= 8) {
      if (payload.size() < 8) return skip(Anomaly::VxlanTruncated);
      if ((payload[0] & 0x08) != 0) {  // VNI valid: an Ethernet frame follows
        if (depth >= kMaxTunnelDepth) return skip(Anomaly::TunnelTooDeep);
        return ethernet(payload.subspan(8), payload_wire - 8, depth + 1);
      }
    }
    set_udp(out_, p, payload, payload_wire);
    return DecodeStatus::Ok;
  }

  DecodeStatus gre(Bytes b, std::uint32_t wire, int depth) {
    if (b.size() < 4) return skip(Anomaly::GreTruncated);
    const std::uint16_t flags = be16(b.data());
    const std::uint16_t type = be16(b.data() + 2);
    // Version 1 is PPTP's enhanced GRE and the routing bit is long deprecated: keep them as
    // plain GRE flows rather than guess at what is inside.
    if ((flags & 0x4007) != 0) return other_transport(kProtoGre, wire);
    const std::uint32_t header_len = 4u + ((flags & 0x8000) ? 4u : 0u) + ((flags & 0x2000) ? 4u : 0u) +
                                     ((flags & 0x1000) ? 4u : 0u);  // checksum, key, sequence
    if (wire < header_len || b.size() < header_len) return skip(Anomaly::GreTruncated);
    const Bytes inner = b.subspan(header_len);
    const std::uint32_t inner_wire = wire - header_len;
    switch (type) {
      case kEtherIpv4:
      case kEtherIpv6:
      case kEtherMplsUnicast:
        if (depth >= kMaxTunnelDepth) return skip(Anomaly::TunnelTooDeep);
        return ethertype(type, inner, inner_wire, depth + 1);
      case kEtherTransparentBridging:
        if (depth >= kMaxTunnelDepth) return skip(Anomaly::TunnelTooDeep);
        return ethernet(inner, inner_wire, depth + 1);
      default: return other_transport(kProtoGre, wire);
    }
  }

  PacketView& out_;
  AnomalyCounters& anomalies_;
};

// The frame most traffic is: Ethernet, IPv4 without options and not a fragment, TCP (any header
// length) or UDP (not VXLAN), all headers captured and every length consistent. Returns false,
// having written nothing that matters, for anything else: the layered decoder then decides (and
// counts the anomaly). What it writes is exactly what the layered decoder writes for such a frame
// (a unit test and the fuzz target compare the two).
bool decode_common(const std::uint8_t* f, std::uint32_t captured, std::uint32_t wire, PacketView& out) {
  constexpr std::uint32_t kEth = 14, kIp = 20;
  if (captured < kEth + kIp + 8 || be16(f + 12) != kEtherIpv4 || f[kEth] != 0x45) return false;
  const std::uint8_t* ip = f + kEth;
  std::uint32_t total_len = be16(ip + 2);
  if (total_len == 0) total_len = wire - kEth;
  if (total_len < kIp || total_len > wire - kEth || (be16(ip + 6) & 0x3FFF) != 0) return false;
  const std::uint8_t proto = ip[9];
  const std::uint8_t* l4 = ip + kIp;
  const std::uint32_t l4_captured = std::min(captured - kEth, total_len) - kIp;  // bytes of the IP payload held
  const std::uint32_t l4_wire = total_len - kIp;
  if (proto == kProtoTcp) {
    if (l4_captured < 20) return false;
    const std::uint32_t data_offset = (l4[12] >> 4) * 4u;
    if (data_offset < 20 || data_offset > l4_captured) return false;  // l4_captured <= l4_wire
    set_tcp(out, l4, {l4 + data_offset, l4_captured - data_offset}, l4_wire - data_offset);
  } else if (proto == kProtoUdp) {
    if (l4_captured < 8) return false;
    const std::uint32_t udp_len = be16(l4 + 4);
    if (udp_len < 8 || udp_len > l4_wire || be16(l4 + 2) == kVxlanPort) return false;
    set_udp(out, l4, {l4 + 8, std::min(l4_captured, udp_len) - 8}, udp_len - 8);
  } else {
    return false;
  }
  set_v4(out.src, ip + 12);
  set_v4(out.dst, ip + 16);
  return true;
}

}  // namespace

DecodeStatus decode_frame_layered(const capture::Frame& frame, PacketView& out, AnomalyCounters& anomalies) {
  out.ts = frame.ts;
  out.wire_len = frame.wire_len;
  // Keep the invariant every layer relies on: wire length >= captured length.
  const auto captured = static_cast<std::uint32_t>(std::min<std::size_t>(frame.data.size(), UINT32_MAX));
  const std::uint32_t wire = std::max(frame.wire_len, captured);
  return FrameDecoder{out, anomalies}.link(frame.link_type, frame.data.first(captured), wire);
}

DecodeStatus decode_frame(const capture::Frame& frame, PacketView& out, AnomalyCounters& anomalies) {
  if (frame.link_type == static_cast<std::uint32_t>(capture::LinkType::Ethernet) && frame.data.size() <= UINT32_MAX) {
    const auto captured = static_cast<std::uint32_t>(frame.data.size());
    if (decode_common(frame.data.data(), captured, std::max(frame.wire_len, captured), out)) {
      out.ts = frame.ts;
      out.wire_len = frame.wire_len;
      return DecodeStatus::Ok;
    }
  }
  return decode_frame_layered(frame, out, anomalies);
}

std::size_t decode_batch(std::span<const capture::Frame> frames, std::span<PacketView> out,
                         AnomalyCounters& anomalies) {
  std::size_t n = 0;
  for (const capture::Frame& f : frames) {
    if (decode_frame(f, out[n], anomalies) == DecodeStatus::Ok) ++n;
  }
  return n;
}

}  // namespace minewatch::decode
