#include "decode/decoder.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <numeric>
#include <string_view>
#include <vector>

namespace minewatch::decode {
namespace {

using Bytes = std::vector<std::uint8_t>;
using capture::LinkType;

void put16(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& b, std::uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xFFFF);
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes text(std::string_view s) { return {s.begin(), s.end()}; }

Bytes ethernet(std::uint16_t type) {
  Bytes b = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
  put16(b, type);
  return b;
}
Bytes vlan_tag(std::uint16_t vid, std::uint16_t inner_type) {
  Bytes b;
  put16(b, vid);
  put16(b, inner_type);
  return b;
}
Bytes mpls_label(std::uint32_t label, bool bottom) {
  Bytes b;
  put32(b, (label << 12) | (bottom ? 0x100u : 0u) | 64u);
  return b;
}

Bytes ipv4(std::uint8_t proto, const Bytes& payload, const Bytes& options = {}, std::uint16_t flags_frag = 0x4000,
           std::uint8_t src_last = 1, std::uint8_t dst_last = 2) {
  Bytes b;
  const auto ihl = static_cast<std::uint8_t>((20 + options.size()) / 4);
  b.push_back(static_cast<std::uint8_t>(0x40 | ihl));
  b.push_back(0);
  put16(b, static_cast<std::uint32_t>(20 + options.size() + payload.size()));
  put16(b, 0x1234);
  put16(b, flags_frag);
  b.push_back(64);
  b.push_back(proto);
  put16(b, 0);
  for (std::uint8_t x : {std::uint8_t{10}, std::uint8_t{0}, std::uint8_t{0}, src_last}) b.push_back(x);
  for (std::uint8_t x : {std::uint8_t{192}, std::uint8_t{0}, std::uint8_t{2}, dst_last}) b.push_back(x);
  b.insert(b.end(), options.begin(), options.end());
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes ipv6(std::uint8_t next, const Bytes& payload, std::uint8_t src_last = 1, std::uint8_t dst_last = 2) {
  Bytes b;
  put32(b, 0x60000000);
  put16(b, static_cast<std::uint32_t>(payload.size()));
  b.push_back(next);
  b.push_back(64);
  Bytes src(16, 0), dst(16, 0);
  src[0] = 0x20, src[1] = 0x01, src[2] = 0x0d, src[3] = 0xb8, src[15] = src_last;
  dst[0] = 0x20, dst[1] = 0x01, dst[2] = 0x0d, dst[3] = 0xb8, dst[15] = dst_last;
  b.insert(b.end(), src.begin(), src.end());
  b.insert(b.end(), dst.begin(), dst.end());
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// A generic IPv6 extension header ((len+1)*8 bytes).
Bytes ipv6_ext(std::uint8_t next, std::uint8_t len_units = 0) {
  Bytes b(static_cast<std::size_t>(len_units + 1) * 8, 0);
  b[0] = next;
  b[1] = len_units;
  if (b.size() > 2) b[2] = 1;  // Pad1 options are fine as zero bytes
  return b;
}
Bytes ipv6_fragment(std::uint8_t next, std::uint16_t offset_units, bool more) {
  Bytes b = {next, 0};
  put16(b, static_cast<std::uint32_t>(offset_units << 3) | (more ? 1u : 0u));
  put32(b, 0xdeadbeef);
  return b;
}

Bytes tcp(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
          const Bytes& payload, const Bytes& options = {}) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, seq);
  put32(b, ack);
  b.push_back(static_cast<std::uint8_t>(((20 + options.size()) / 4) << 4));
  b.push_back(flags);
  put16(b, 65535);
  put16(b, 0);
  put16(b, 0);
  b.insert(b.end(), options.begin(), options.end());
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes udp(std::uint16_t sport, std::uint16_t dport, const Bytes& payload) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<std::uint32_t>(8 + payload.size()));
  put16(b, 0);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes stratum_tcp() {
  return tcp(50000, 3333, 1000, 2000, tcp_flags::kPsh | tcp_flags::kAck,
             text(R"({"id":1,"method":"mining.subscribe"})"));
}

struct Decoded {
  std::shared_ptr<const Bytes> frame;  // the view points into it
  DecodeStatus status;
  PacketView view;
  AnomalyCounters anomalies;
  [[nodiscard]] std::uint64_t total_anomalies() const {
    return std::accumulate(anomalies.counts.begin(), anomalies.counts.end(), std::uint64_t{0});
  }
  [[nodiscard]] std::string payload_text() const { return {view.payload.begin(), view.payload.end()}; }
};

Decoded decode(std::uint32_t link_type, const Bytes& bytes, std::uint32_t wire_len = 0) {
  Decoded d{};
  d.frame = std::make_shared<const Bytes>(bytes);
  capture::Frame frame;
  frame.ts = Timestamp{42};
  frame.link_type = link_type;
  frame.wire_len = wire_len == 0 ? static_cast<std::uint32_t>(bytes.size()) : wire_len;
  frame.data = *d.frame;
  d.status = decode_frame(frame, d.view, d.anomalies);
  return d;
}
Decoded decode(LinkType link_type, const Bytes& bytes, std::uint32_t wire_len = 0) {
  return decode(static_cast<std::uint32_t>(link_type), bytes, wire_len);
}

// Skipped frames count exactly one anomaly, and it is the one we expected.
void expect_skipped(const Decoded& d, Anomaly anomaly) {
  EXPECT_EQ(d.status, DecodeStatus::Skipped);
  EXPECT_EQ(d.anomalies.get(anomaly), 1u) << anomaly_name(anomaly);
  EXPECT_EQ(d.total_anomalies(), 1u);
}

void expect_stratum_tcp_v4(const Decoded& d) {
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.total_anomalies(), 0u);
  EXPECT_EQ(d.view.src.to_string(), "10.0.0.1");
  EXPECT_EQ(d.view.dst.to_string(), "192.0.2.2");
  EXPECT_EQ(d.view.proto, kProtoTcp);
  EXPECT_EQ(d.view.sport, 50000);
  EXPECT_EQ(d.view.dport, 3333);
  EXPECT_EQ(d.payload_text(), R"({"id":1,"method":"mining.subscribe"})");
}

void expect_stratum_tcp_v6(const Decoded& d) {
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.total_anomalies(), 0u);
  EXPECT_TRUE(d.view.src.is_v6);
  EXPECT_EQ(d.view.src.to_string(), "2001:db8::1");
  EXPECT_EQ(d.view.dst.to_string(), "2001:db8::2");
  EXPECT_EQ(d.view.sport, 50000);
  EXPECT_EQ(d.view.dport, 3333);
  EXPECT_EQ(d.payload_text(), R"({"id":1,"method":"mining.subscribe"})");
}

TEST(Decoder, DecodesEthernetIpv4TcpFiveTupleFlagsSeqAndPayload) {
  const Bytes frame = cat({ethernet(0x0800), ipv4(6, stratum_tcp())});
  const Decoded d = decode(LinkType::Ethernet, frame);
  expect_stratum_tcp_v4(d);
  EXPECT_EQ(d.view.seq, 1000u);
  EXPECT_EQ(d.view.ack, 2000u);
  EXPECT_EQ(d.view.tcp_flags, tcp_flags::kPsh | tcp_flags::kAck);
  EXPECT_EQ(d.view.ts.ns, 42);
  EXPECT_EQ(d.view.wire_len, frame.size());
  EXPECT_EQ(d.view.payload_wire_len, d.view.payload.size());
}

// decode_frame takes a fast path for Ethernet + IPv4 without options + TCP or UDP. It must decide
// exactly as the layered decoder, on every frame: every truncation, snapped and padded wire lengths,
// and each header byte of the common frames set to values that hit every check (the fuzz target
// compares the two on arbitrary input too).
TEST(Decoder, TheFastPathForCommonFramesDecidesExactlyAsTheLayeredDecoder) {
  const std::vector<Bytes> frames = {
      cat({ethernet(0x0800), ipv4(6, stratum_tcp())}),
      cat({ethernet(0x0800), ipv4(6, tcp(443, 51000, 7, 9, tcp_flags::kAck, {}))}),
      cat({ethernet(0x0800), ipv4(6, tcp(1, 2, 3, 4, tcp_flags::kSyn, text("x"), Bytes(12, 1)))}),
      cat({ethernet(0x0800), ipv4(17, udp(53000, 53, text("dns answer bytes")))}),
      cat({ethernet(0x0800), ipv4(17, udp(1234, 4789, Bytes(30, 0x08)))}),  // VXLAN: layered only
      cat({ethernet(0x0800), ipv4(17, udp(9, 9, {}))}),
  };
  std::size_t compared = 0, decoded = 0;
  auto compare = [&](const Bytes& bytes, std::uint32_t wire_len) {
    capture::Frame frame;
    frame.ts = Timestamp{7};
    frame.link_type = static_cast<std::uint32_t>(LinkType::Ethernet);
    frame.wire_len = wire_len;
    frame.data = bytes;
    PacketView a, b;
    AnomalyCounters ca, cb;
    const DecodeStatus sa = decode_frame(frame, a, ca);
    const DecodeStatus sb = decode_frame_layered(frame, b, cb);
    ASSERT_EQ(sa, sb);
    ASSERT_EQ(ca.counts, cb.counts);
    ++compared;
    if (sa != DecodeStatus::Ok) return;
    ++decoded;
    EXPECT_EQ(a.ts, b.ts);
    EXPECT_EQ(a.src, b.src);
    EXPECT_EQ(a.dst, b.dst);
    EXPECT_EQ(a.sport, b.sport);
    EXPECT_EQ(a.dport, b.dport);
    EXPECT_EQ(a.proto, b.proto);
    EXPECT_EQ(a.tcp_flags, b.tcp_flags);
    EXPECT_EQ(a.seq, b.seq);
    EXPECT_EQ(a.ack, b.ack);
    EXPECT_EQ(a.wire_len, b.wire_len);
    EXPECT_EQ(a.payload_wire_len, b.payload_wire_len);
    EXPECT_EQ(a.payload.data(), b.payload.data());
    EXPECT_EQ(a.payload.size(), b.payload.size());
  };
  for (const Bytes& f : frames) {
    for (std::size_t len = 0; len <= f.size(); ++len) {
      const Bytes cut(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(len));
      compare(cut, static_cast<std::uint32_t>(len));
      compare(cut, static_cast<std::uint32_t>(f.size()));  // snapped
    }
    compare(cat({f, Bytes(18, 0)}), static_cast<std::uint32_t>(f.size() + 18));  // Ethernet padding
    Bytes tso = f;  // captured before segmentation offload: IP total length 0, the wire decides
    tso[16] = tso[17] = 0;
    for (std::uint32_t extra : {0u, 1u, 8u, 1000u}) compare(tso, static_cast<std::uint32_t>(tso.size()) + extra);
    // Each header byte (Ethernet, IP, the first 20 of the transport header) through values that hit
    // every branch: zero, all ones, version/IHL and data-offset nibbles, fragment bits, lengths.
    for (std::size_t at = 12; at < std::min<std::size_t>(f.size(), 54); ++at) {
      for (const int v : {0x00, 0x01, 0x06, 0x08, 0x11, 0x12, 0x20, 0x3f, 0x40, 0x44, 0x45, 0x46, 0x50, 0x86, 0x81,
                          0xc0, 0xf0, 0xff}) {
        Bytes m = f;
        m[at] = static_cast<std::uint8_t>(v);
        compare(m, static_cast<std::uint32_t>(m.size()));
        compare(m, static_cast<std::uint32_t>(m.size() + 100));
      }
    }
  }
  EXPECT_GT(compared, 3000u);
  EXPECT_GT(decoded, 500u) << "frames both paths decode (most of them through the fast path)";
}

TEST(Decoder, StripsEthernetPaddingFromIpv4Payload) {
  Bytes frame = cat({ethernet(0x0800), ipv4(17, udp(1234, 53, text("hi")))});
  ASSERT_LT(frame.size(), 60u);
  frame.resize(60, 0xee);  // minimum Ethernet frame, padded
  const Decoded d = decode(LinkType::Ethernet, frame);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.payload_text(), "hi");
  EXPECT_EQ(d.view.payload_wire_len, 2u);
}

TEST(Decoder, StripsEthernetPaddingFromIpv6AndTcpPayload) {
  Bytes frame = cat({ethernet(0x86DD), ipv6(6, tcp(1, 2, 0, 0, tcp_flags::kAck, text("x")))});
  frame.resize(frame.size() + 7, 0xee);
  const Decoded d = decode(LinkType::Ethernet, frame);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.payload_text(), "x");
}

TEST(Decoder, ClipsUdpPayloadToUdpLengthWhenIpLengthIsLonger) {
  Bytes l4 = udp(5000, 6000, text("abc"));
  l4.push_back(0xff);  // trailer inside the IP packet but outside the UDP datagram
  const Decoded d = decode(LinkType::Ethernet, cat({ethernet(0x0800), ipv4(17, l4)}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.view.proto, kProtoUdp);
  EXPECT_EQ(d.view.sport, 5000);
  EXPECT_EQ(d.view.dport, 6000);
  EXPECT_EQ(d.payload_text(), "abc");
}

TEST(Decoder, ClipsPayloadToCapturedBytesAndReportsWireLengthFromIpHeader) {
  const Bytes full = cat({ethernet(0x0800), ipv4(6, stratum_tcp())});
  const Bytes snapped(full.begin(), full.begin() + 14 + 20 + 20 + 5);
  const Decoded d = decode(LinkType::Ethernet, snapped, static_cast<std::uint32_t>(full.size()));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.view.payload.size(), 5u);
  EXPECT_EQ(d.view.payload_wire_len, stratum_tcp().size() - 20);
  EXPECT_EQ(d.view.wire_len, full.size());
}

TEST(Decoder, SkipsTheTcpOptionsAndKeepsThePayload) {
  const Bytes options = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};  // MSS, NOP, NOP, SACK permitted
  const Bytes seg = tcp(50000, 3333, 1000, 2000, tcp_flags::kAck, text("hello"), options);
  const Decoded d = decode(LinkType::Ethernet, cat({ethernet(0x0800), ipv4(6, seg)}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.payload_text(), "hello");
}

TEST(Decoder, HonoursIpv4HeaderLengthWithOptions) {
  const Bytes options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00};  // router alert, NOPs, EOL
  expect_stratum_tcp_v4(decode(LinkType::Ethernet, cat({ethernet(0x0800), ipv4(6, stratum_tcp(), options)})));
}

TEST(Decoder, DecodesSingleVlanTag) {
  expect_stratum_tcp_v4(
      decode(LinkType::Ethernet, cat({ethernet(0x8100), vlan_tag(100, 0x0800), ipv4(6, stratum_tcp())})));
}

TEST(Decoder, DecodesQinQWith8021adOuterTag) {
  expect_stratum_tcp_v4(decode(
      LinkType::Ethernet, cat({ethernet(0x88A8), vlan_tag(10, 0x8100), vlan_tag(20, 0x0800), ipv4(6, stratum_tcp())})));
}

TEST(Decoder, DecodesIpv6InsideVlan) {
  expect_stratum_tcp_v6(
      decode(LinkType::Ethernet, cat({ethernet(0x8100), vlan_tag(7, 0x86DD), ipv6(6, stratum_tcp())})));
}

TEST(Decoder, RejectsVlanStackDeeperThanTheBound) {
  Bytes frame = ethernet(0x8100);
  for (int i = 0; i < 10; ++i) frame = cat({frame, vlan_tag(1, 0x8100)});
  frame = cat({frame, vlan_tag(1, 0x0800), ipv4(6, stratum_tcp())});
  expect_skipped(decode(LinkType::Ethernet, frame), Anomaly::VlanTooDeep);
}

TEST(Decoder, DecodesMplsLabelStackFollowedByIpv4) {
  expect_stratum_tcp_v4(decode(LinkType::Ethernet, cat({ethernet(0x8847), mpls_label(100, false), mpls_label(200, true),
                                                        ipv4(6, stratum_tcp())})));
}

TEST(Decoder, DecodesMulticastMplsFollowedByIpv6) {
  expect_stratum_tcp_v6(
      decode(LinkType::Ethernet, cat({ethernet(0x8848), mpls_label(100, true), ipv6(6, stratum_tcp())})));
}

TEST(Decoder, DecodesEthernetOverMplsPseudowireWithControlWord) {
  expect_stratum_tcp_v4(decode(LinkType::Ethernet, cat({ethernet(0x8847), mpls_label(100, true), Bytes{0, 0, 0, 0},
                                                        ethernet(0x0800), ipv4(6, stratum_tcp())})));
}

TEST(Decoder, RejectsMplsStackDeeperThanTheBound) {
  Bytes frame = ethernet(0x8847);
  for (int i = 0; i < 20; ++i) frame = cat({frame, mpls_label(static_cast<std::uint32_t>(i), false)});
  frame = cat({frame, mpls_label(1, true), ipv4(6, stratum_tcp())});
  expect_skipped(decode(LinkType::Ethernet, frame), Anomaly::MplsTooDeep);
}

TEST(Decoder, DecodesPppoeSessionCarryingIpv4AndIpv6) {
  Bytes pppoe = {0x11, 0x00, 0x12, 0x34};
  const Bytes v4 = ipv4(6, stratum_tcp());
  put16(pppoe, static_cast<std::uint32_t>(v4.size() + 2));
  expect_stratum_tcp_v4(decode(LinkType::Ethernet, cat({ethernet(0x8864), pppoe, Bytes{0x00, 0x21}, v4})));
  expect_stratum_tcp_v6(
      decode(LinkType::Ethernet, cat({ethernet(0x8864), pppoe, Bytes{0x00, 0x57}, ipv6(6, stratum_tcp())})));
  expect_skipped(decode(LinkType::Ethernet, cat({ethernet(0x8864), pppoe, Bytes{0xc0, 0x21}, Bytes(20, 0)})),
                 Anomaly::NonIpFrame);
}

TEST(Decoder, DecodesPppAndCiscoHdlcLinkTypes) {
  expect_stratum_tcp_v4(decode(LinkType::Ppp, cat({Bytes{0xff, 0x03, 0x00, 0x21}, ipv4(6, stratum_tcp())})));
  expect_stratum_tcp_v6(decode(LinkType::Ppp, cat({Bytes{0x00, 0x57}, ipv6(6, stratum_tcp())})));
  expect_stratum_tcp_v4(decode(LinkType::PppHdlc, cat({Bytes{0xff, 0x03, 0x00, 0x21}, ipv4(6, stratum_tcp())})));
  expect_stratum_tcp_v4(decode(LinkType::CiscoHdlc, cat({Bytes{0x0f, 0x00, 0x08, 0x00}, ipv4(6, stratum_tcp())})));
  expect_skipped(decode(LinkType::Ppp, Bytes{0xff, 0x03, 0xc0, 0x21, 1, 1, 0, 4}), Anomaly::NonIpFrame);
  expect_skipped(decode(LinkType::CiscoHdlc, Bytes{0x8f, 0x00, 0x80}), Anomaly::PppTruncated);
}

TEST(Decoder, SkipsArpAsNonIpFrame) {
  expect_skipped(decode(LinkType::Ethernet, cat({ethernet(0x0806), Bytes(28, 0)})), Anomaly::NonIpFrame);
}

TEST(Decoder, SkipsLlcFramesAsNonIp) {
  expect_skipped(decode(LinkType::Ethernet, cat({ethernet(46), Bytes(46, 0x42)})), Anomaly::NonIpFrame);
}

TEST(Decoder, DecodesLinuxCookedCapture) {
  Bytes sll = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 1, 2, 3, 4, 5, 6, 0, 0};
  put16(sll, 0x0800);
  expect_stratum_tcp_v4(decode(LinkType::LinuxSll, cat({sll, ipv4(6, stratum_tcp())})));
  expect_skipped(decode(LinkType::LinuxSll, Bytes(sll.begin(), sll.begin() + 15)), Anomaly::SllTruncated);
}

TEST(Decoder, DecodesLinuxCookedCaptureV2) {
  Bytes sll2;
  put16(sll2, 0x86DD);
  put16(sll2, 0);
  put32(sll2, 3);  // ifindex
  put16(sll2, 1);  // ARPHRD_ETHER
  sll2.push_back(4);
  sll2.push_back(6);
  for (int i = 0; i < 8; ++i) sll2.push_back(static_cast<std::uint8_t>(i));
  expect_stratum_tcp_v6(decode(LinkType::LinuxSll2, cat({sll2, ipv6(6, stratum_tcp())})));
  expect_skipped(decode(LinkType::LinuxSll2, Bytes(sll2.begin(), sll2.begin() + 19)), Anomaly::Sll2Truncated);
}

TEST(Decoder, DecodesRawIpByVersionNibble) {
  expect_stratum_tcp_v4(decode(LinkType::Raw, ipv4(6, stratum_tcp())));
  expect_stratum_tcp_v6(decode(LinkType::Raw, ipv6(6, stratum_tcp())));
  expect_stratum_tcp_v4(decode(12u, ipv4(6, stratum_tcp())));  // legacy DLT_RAW in a file header
  expect_skipped(decode(LinkType::Raw, Bytes(40, 0x50)), Anomaly::IpUnknownVersion);
  expect_skipped(decode(LinkType::Raw, Bytes{}), Anomaly::IpUnknownVersion);
}

TEST(Decoder, DecodesLinkTypesIpv4AndIpv6) {
  expect_stratum_tcp_v4(decode(LinkType::Ipv4, ipv4(6, stratum_tcp())));
  expect_stratum_tcp_v6(decode(LinkType::Ipv6, ipv6(6, stratum_tcp())));
  expect_skipped(decode(LinkType::Ipv4, ipv6(6, stratum_tcp())), Anomaly::Ipv4BadVersion);
  expect_skipped(decode(LinkType::Ipv6, ipv4(6, stratum_tcp())), Anomaly::Ipv6BadVersion);
}

TEST(Decoder, DecodesBsdLoopbackInEitherByteOrder) {
  expect_stratum_tcp_v4(decode(LinkType::Null, cat({Bytes{2, 0, 0, 0}, ipv4(6, stratum_tcp())})));
  expect_stratum_tcp_v4(decode(LinkType::Null, cat({Bytes{0, 0, 0, 2}, ipv4(6, stratum_tcp())})));
  for (std::uint8_t af6 : {std::uint8_t{24}, std::uint8_t{28}, std::uint8_t{30}}) {
    expect_stratum_tcp_v6(decode(LinkType::Null, cat({Bytes{af6, 0, 0, 0}, ipv6(6, stratum_tcp())})));
    expect_stratum_tcp_v6(decode(LinkType::Null, cat({Bytes{0, 0, 0, af6}, ipv6(6, stratum_tcp())})));
  }
  expect_skipped(decode(LinkType::Null, cat({Bytes{7, 0, 0, 0}, Bytes(40, 0)})), Anomaly::NonIpFrame);
  expect_skipped(decode(LinkType::Null, Bytes{2, 0, 0}), Anomaly::LoopbackTruncated);
}

TEST(Decoder, DecodesOpenBsdLoopInNetworkOrder) {
  expect_stratum_tcp_v4(decode(LinkType::Loop, cat({Bytes{0, 0, 0, 2}, ipv4(6, stratum_tcp())})));
  expect_stratum_tcp_v6(decode(LinkType::Loop, cat({Bytes{0, 0, 0, 24}, ipv6(6, stratum_tcp())})));
  expect_skipped(decode(LinkType::Loop, Bytes{0, 0}), Anomaly::LoopbackTruncated);
}

TEST(Decoder, CountsUnsupportedLinkType) {
  expect_skipped(decode(192u, cat({Bytes{0x0f, 0, 0x08, 0}, ipv4(6, stratum_tcp())})),
                 Anomaly::CaptureUnsupportedLinkType);
}

TEST(Decoder, SkipsIpv4FragmentsWithMoreFragmentsOrOffset) {
  expect_skipped(decode(LinkType::Ethernet, cat({ethernet(0x0800), ipv4(17, udp(1, 2, Bytes(32, 1)), {}, 0x2000)})),
                 Anomaly::Ipv4Fragment);
  expect_skipped(decode(LinkType::Ethernet, cat({ethernet(0x0800), ipv4(17, Bytes(32, 1), {}, 0x0004)})),
                 Anomaly::Ipv4Fragment);
}

TEST(Decoder, RejectsBadIpv4Lengths) {
  Bytes frame = cat({ethernet(0x0800), ipv4(6, stratum_tcp())});
  Bytes bad_ihl = frame;
  bad_ihl[14] = 0x44;
  expect_skipped(decode(LinkType::Ethernet, bad_ihl), Anomaly::Ipv4BadHeaderLength);
  Bytes too_long = frame;
  too_long[16] = 0x7f;  // total length beyond the frame on the wire
  expect_skipped(decode(LinkType::Ethernet, too_long), Anomaly::Ipv4BadTotalLength);
  Bytes too_short = frame;
  too_short[16] = 0;
  too_short[17] = 19;
  expect_skipped(decode(LinkType::Ethernet, too_short), Anomaly::Ipv4BadTotalLength);
}

TEST(Decoder, TreatsZeroIpv4TotalLengthAsSegmentationOffloadAndUsesTheFrame) {
  Bytes frame = cat({ethernet(0x0800), ipv4(6, stratum_tcp())});
  frame[16] = 0;
  frame[17] = 0;
  expect_stratum_tcp_v4(decode(LinkType::Ethernet, frame));
}

TEST(Decoder, WalksIpv6ExtensionHeaders) {
  const Bytes chain = cat({ipv6_ext(43, 1), ipv6_ext(60, 0), ipv6_ext(6, 2), stratum_tcp()});  // hbh, routing, dst
  expect_stratum_tcp_v6(decode(LinkType::Ethernet, cat({ethernet(0x86DD), ipv6(0, chain)})));
}

TEST(Decoder, WalksIpv6AuthenticationHeader) {
  Bytes ah = {6, 4, 0, 0};  // next TCP, length (4+2)*4 = 24 bytes
  ah.resize(24, 0xaa);
  expect_stratum_tcp_v6(decode(LinkType::Ethernet, cat({ethernet(0x86DD), ipv6(51, cat({ah, stratum_tcp()}))})));
}

TEST(Decoder, AcceptsAtomicIpv6FragmentAndSkipsRealOnes) {
  expect_stratum_tcp_v6(
      decode(LinkType::Ethernet, cat({ethernet(0x86DD), ipv6(44, cat({ipv6_fragment(6, 0, false), stratum_tcp()}))})));
  expect_skipped(
      decode(LinkType::Ethernet, cat({ethernet(0x86DD), ipv6(44, cat({ipv6_fragment(6, 0, true), stratum_tcp()}))})),
      Anomaly::Ipv6Fragment);
  expect_skipped(
      decode(LinkType::Ethernet, cat({ethernet(0x86DD), ipv6(44, cat({ipv6_fragment(6, 10, false), Bytes(24, 0)}))})),
      Anomaly::Ipv6Fragment);
}

TEST(Decoder, RejectsOverlongIpv6ExtensionChain) {
  Bytes chain = stratum_tcp();
  chain = cat({ipv6_ext(6), chain});
  for (int i = 0; i < 12; ++i) chain = cat({ipv6_ext(60), chain});
  expect_skipped(decode(LinkType::Ethernet, cat({ethernet(0x86DD), ipv6(60, chain)})),
                 Anomaly::Ipv6ExtHeaderChainTooLong);
}

TEST(Decoder, RejectsIpv6ExtensionHeaderRunningPastThePacket) {
  expect_skipped(decode(LinkType::Ethernet, cat({ethernet(0x86DD), ipv6(0, ipv6_ext(6, 0))}), 0),
                 Anomaly::TcpTruncated);
  Bytes ext = ipv6_ext(6, 0);
  ext[1] = 5;  // claims 48 bytes, 8 present
  expect_skipped(decode(LinkType::Ethernet, cat({ethernet(0x86DD), ipv6(0, ext)})), Anomaly::Ipv6ExtHeaderTruncated);
}

TEST(Decoder, RejectsIpv6PayloadLengthBeyondTheFrame) {
  Bytes frame = cat({ethernet(0x86DD), ipv6(6, stratum_tcp())});
  frame[18] = 0x7f;
  expect_skipped(decode(LinkType::Ethernet, frame), Anomaly::Ipv6BadPayloadLength);
}

TEST(Decoder, KeepsAnEmptyIpv6PacketEmptyDespitePadding) {
  Bytes frame = cat({ethernet(0x86DD), ipv6(59, {})});
  frame.resize(60, 0);
  const Decoded d = decode(LinkType::Ethernet, frame);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.view.proto, 59);
  EXPECT_EQ(d.view.payload_wire_len, 0u);
}

TEST(Decoder, DecodesIpInIpToTheInnerPacket) {
  const Decoded d = decode(LinkType::Ethernet, cat({ethernet(0x0800), ipv4(4, ipv4(6, stratum_tcp()), {}, 0, 99, 98)}));
  expect_stratum_tcp_v4(d);
  expect_stratum_tcp_v6(decode(LinkType::Ethernet, cat({ethernet(0x0800), ipv4(41, ipv6(6, stratum_tcp()))})));
  expect_stratum_tcp_v4(decode(LinkType::Ethernet, cat({ethernet(0x86DD), ipv6(4, ipv4(6, stratum_tcp()))})));
}

TEST(Decoder, RejectsTunnelsNestedBeyondTheBound) {
  Bytes packet = ipv4(6, stratum_tcp());
  for (int i = 0; i < 8; ++i) packet = ipv4(4, packet);
  expect_skipped(decode(LinkType::Raw, packet), Anomaly::TunnelTooDeep);
}

TEST(Decoder, DecodesGreCarryingIpv4Ipv6AndEthernet) {
  expect_stratum_tcp_v4(decode(LinkType::Raw, ipv4(47, cat({Bytes{0, 0, 0x08, 0x00}, ipv4(6, stratum_tcp())}))));
  const Bytes with_key_and_seq = {0x30, 0, 0x86, 0xDD, 0, 0, 0, 1, 0, 0, 0, 9};
  expect_stratum_tcp_v6(decode(LinkType::Raw, ipv4(47, cat({with_key_and_seq, ipv6(6, stratum_tcp())}))));
  expect_stratum_tcp_v4(
      decode(LinkType::Raw, ipv4(47, cat({Bytes{0, 0, 0x65, 0x58}, ethernet(0x0800), ipv4(6, stratum_tcp())}))));
  expect_skipped(decode(LinkType::Raw, ipv4(47, Bytes{0x80, 0, 0x08, 0x00, 0})), Anomaly::GreTruncated);
}

TEST(Decoder, KeepsPptpGreAsAPortlessGreFlow) {
  const Decoded d = decode(LinkType::Raw, ipv4(47, Bytes{0x30, 0x81, 0x88, 0x0b, 0, 0, 0, 0, 0, 0, 0, 1}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.view.proto, 47);
  EXPECT_EQ(d.view.sport, 0);
  EXPECT_TRUE(d.view.payload.empty());
}

TEST(Decoder, DecodesVxlanToTheInnerFrame) {
  const Bytes vxlan = {0x08, 0, 0, 0, 0, 0x12, 0x34, 0};
  expect_stratum_tcp_v4(decode(
      LinkType::Ethernet,
      cat({ethernet(0x0800), ipv4(17, udp(40000, 4789, cat({vxlan, ethernet(0x0800), ipv4(6, stratum_tcp())})))})));
}

TEST(Decoder, ReportsPortlessProtocolsWithEmptyPayload) {
  const Decoded d = decode(LinkType::Ethernet, cat({ethernet(0x0800), ipv4(1, Bytes{8, 0, 0, 0, 0, 1, 0, 1})}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.view.proto, 1);
  EXPECT_EQ(d.view.sport, 0);
  EXPECT_EQ(d.view.dport, 0);
  EXPECT_TRUE(d.view.payload.empty());
  EXPECT_EQ(d.anomalies.get(Anomaly::OtherTransport), 1u);
}

TEST(Decoder, RejectsBadTcpDataOffsetAndUdpLength) {
  Bytes seg = stratum_tcp();
  seg[12] = 0x40;  // 16 bytes
  expect_skipped(decode(LinkType::Raw, ipv4(6, seg)), Anomaly::TcpBadDataOffset);
  seg[12] = 0xf0;  // 60 bytes, more than the segment
  expect_skipped(decode(LinkType::Raw, ipv4(6, Bytes(seg.begin(), seg.begin() + 24))), Anomaly::TcpBadDataOffset);
  Bytes dgram = udp(1, 2, text("abcd"));
  dgram[5] = 7;
  expect_skipped(decode(LinkType::Raw, ipv4(17, dgram)), Anomaly::UdpBadLength);
  dgram[5] = 40;
  expect_skipped(decode(LinkType::Raw, ipv4(17, dgram)), Anomaly::UdpBadLength);
}

// Cutting a valid frame anywhere must give Ok (payload shortened) or exactly one anomaly, and never
// a span outside the captured bytes.
void expect_every_truncation_is_handled(std::uint32_t link_type, const Bytes& frame) {
  for (std::size_t len = 0; len <= frame.size(); ++len) {
    const Bytes cut(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len));
    for (std::uint32_t wire : {static_cast<std::uint32_t>(len), static_cast<std::uint32_t>(frame.size())}) {
      const Decoded d = decode(link_type, cut, wire);
      if (d.status == DecodeStatus::Skipped) {
        EXPECT_EQ(d.total_anomalies(), 1u) << "len " << len;
      } else {
        EXPECT_LE(d.total_anomalies(), 1u) << "len " << len;
        if (!d.view.payload.empty()) {
          const Bytes& seen = *d.frame;
          EXPECT_GE(d.view.payload.data(), seen.data());
          EXPECT_LE(d.view.payload.data() + d.view.payload.size(), seen.data() + seen.size());
        }
      }
    }
  }
}

TEST(Decoder, HandlesEveryTruncationOfEveryLayer) {
  const std::uint32_t eth = 1;
  expect_every_truncation_is_handled(eth, cat({ethernet(0x0800), ipv4(6, stratum_tcp(), {1, 1, 1, 0})}));
  expect_every_truncation_is_handled(
      eth, cat({ethernet(0x88A8), vlan_tag(1, 0x8100), vlan_tag(2, 0x86DD),
                ipv6(0, cat({ipv6_ext(44), ipv6_fragment(17, 0, false), udp(1, 2, text("payload"))}))}));
  expect_every_truncation_is_handled(
      eth, cat({ethernet(0x8847), mpls_label(1, false), mpls_label(2, true),
                ipv4(47, cat({Bytes{0x20, 0, 0x65, 0x58, 0, 0, 0, 1}, ethernet(0x0800), ipv4(6, stratum_tcp())}))}));
  expect_every_truncation_is_handled(
      eth,
      cat({ethernet(0x0800),
           ipv4(17, udp(1, 4789,
                        cat({Bytes{8, 0, 0, 0, 0, 0, 1, 0}, ethernet(0x86DD), ipv6(41, ipv6(6, stratum_tcp()))})))}));
  expect_every_truncation_is_handled(113, cat({Bytes(14, 0), Bytes{0x08, 0x00}, ipv4(4, ipv4(17, udp(1, 2, {})))}));
  expect_every_truncation_is_handled(
      276, cat({Bytes{0x86, 0xDD}, Bytes(18, 0), ipv6(51, cat({Bytes{6, 1, 0, 0}, Bytes(8, 0), stratum_tcp()}))}));
  expect_every_truncation_is_handled(0, cat({Bytes{30, 0, 0, 0}, ipv6(6, stratum_tcp())}));
  expect_every_truncation_is_handled(101, ipv4(1, Bytes(8, 0)));
}

}  // namespace
}  // namespace minewatch::decode
