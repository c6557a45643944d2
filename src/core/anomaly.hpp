#pragma once
// Malformed input is a value: a named anomaly, counted, never an exception (Zeek's "weirds").
// Add new anomalies to the list in the section of the stage that raises them.
#include <array>
#include <cstdint>
#include <string_view>

namespace minewatch {

#define MW_ANOMALIES(X)                                                 \
  /* capture */                                                         \
  X(CaptureTruncatedRecord, "capture.truncated_record")                 \
  X(CaptureBadRecordLength, "capture.bad_record_length")                \
  X(CaptureSnaplenExceeded, "capture.snaplen_exceeded")                 \
  X(CaptureUnsupportedLinkType, "capture.unsupported_link_type")        \
  X(CaptureReadError, "capture.read_error")                             \
  /* decode: link layer */                                              \
  X(EthernetTruncated, "decode.ethernet_truncated")                     \
  X(VlanTruncated, "decode.vlan_truncated")                             \
  X(VlanTooDeep, "decode.vlan_too_deep")                                \
  X(MplsTruncated, "decode.mpls_truncated")                             \
  X(MplsTooDeep, "decode.mpls_too_deep")                                \
  X(SllTruncated, "decode.sll_truncated")                               \
  X(Sll2Truncated, "decode.sll2_truncated")                             \
  X(LoopbackTruncated, "decode.loopback_truncated")                     \
  X(NonIpFrame, "decode.non_ip")                                        \
  X(PppTruncated, "decode.ppp_truncated")                               \
  X(IpUnknownVersion, "decode.ip_unknown_version")                      \
  /* decode: IPv4 / IPv6 */                                             \
  X(Ipv4Truncated, "decode.ipv4_truncated")                             \
  X(Ipv4BadVersion, "decode.ipv4_bad_version")                          \
  X(Ipv4BadHeaderLength, "decode.ipv4_bad_header_length")               \
  X(Ipv4BadTotalLength, "decode.ipv4_bad_total_length")                 \
  X(Ipv4Fragment, "decode.ipv4_fragment")                               \
  X(Ipv6Truncated, "decode.ipv6_truncated")                             \
  X(Ipv6BadVersion, "decode.ipv6_bad_version")                          \
  X(Ipv6BadPayloadLength, "decode.ipv6_bad_payload_length")             \
  X(Ipv6ExtHeaderTruncated, "decode.ipv6_ext_header_truncated")         \
  X(Ipv6ExtHeaderChainTooLong, "decode.ipv6_ext_header_chain_too_long") \
  X(Ipv6Fragment, "decode.ipv6_fragment")                               \
  X(TunnelTooDeep, "decode.tunnel_too_deep")                            \
  X(GreTruncated, "decode.gre_truncated")                               \
  X(VxlanTruncated, "decode.vxlan_truncated")                           \
  /* decode: transport */                                               \
  X(TcpTruncated, "decode.tcp_truncated")                               \
  X(TcpBadDataOffset, "decode.tcp_bad_data_offset")                     \
  X(UdpTruncated, "decode.udp_truncated")                               \
  X(UdpBadLength, "decode.udp_bad_length")                              \
  X(OtherTransport, "decode.other_transport")                           \
  /* flow */                                                            \
  X(FlowTableFull, "flow.table_full_eviction")                          \
  X(ReassemblyGap, "flow.reassembly_gap")                               \
  X(ReassemblyOverlapConflict, "flow.reassembly_overlap_conflict")      \
  X(ReassemblyBufferFull, "flow.reassembly_buffer_full")                \
  /* protocols */                                                       \
  X(JsonLineTooLong, "jsonrpc.line_too_long")                           \
  X(JsonMalformed, "jsonrpc.malformed_json")                            \
  X(JsonNotRpc, "jsonrpc.not_rpc_object")                               \
  X(StratumBadParams, "stratum.bad_params")                             \
  X(CryptonoteBadParams, "cryptonote.bad_params")                       \
  X(EthproxyBadParams, "ethproxy.bad_params")                           \
  X(HttpHeaderTooLong, "http.header_too_long")                          \
  X(HttpMalformed, "http.malformed")                                    \
  X(HttpBodyTooLong, "http.body_too_long")                              \
  X(TlsRecordTooLong, "tls.record_too_long")                            \
  X(TlsHelloTooLong, "tls.hello_too_long")                              \
  X(TlsNotClientHello, "tls.not_client_hello")                          \
  X(TlsUnexpectedRecord, "tls.unexpected_record")                       \
  X(TlsBadLength, "tls.bad_length")                                     \
  X(TlsBadExtension, "tls.bad_extension")                               \
  X(TlsSniTooLong, "tls.sni_too_long")                                  \
  X(DnsTruncated, "dns.truncated")                                      \
  X(DnsBadLabel, "dns.bad_label")                                       \
  X(DnsNameTooLong, "dns.name_too_long")                                \
  X(DnsBadPointer, "dns.bad_pointer")                                   \
  X(DnsBadRdata, "dns.bad_rdata")                                       \
  X(DnsTcpBadLength, "dns.tcp_bad_length")                              \
  X(Sv2BadMessage, "sv2.bad_message")                                   \
  X(Sv2FrameTooLong, "sv2.frame_too_long")

enum class Anomaly : std::uint16_t {
#define MW_ANOMALY_ENUM(name, text) name,
  MW_ANOMALIES(MW_ANOMALY_ENUM)
#undef MW_ANOMALY_ENUM
      Count
};

inline constexpr std::size_t kAnomalyCount = static_cast<std::size_t>(Anomaly::Count);

constexpr std::string_view anomaly_name(Anomaly a) {
  constexpr std::array<std::string_view, kAnomalyCount> names = {
#define MW_ANOMALY_NAME(name, text) text,
      MW_ANOMALIES(MW_ANOMALY_NAME)
#undef MW_ANOMALY_NAME
  };
  auto i = static_cast<std::size_t>(a);
  return i < kAnomalyCount ? names[i] : std::string_view{"unknown"};
}

struct AnomalyCounters {
  std::array<std::uint64_t, kAnomalyCount> counts{};
  void add(Anomaly a, std::uint64_t n = 1) { counts[static_cast<std::size_t>(a)] += n; }
  [[nodiscard]] std::uint64_t get(Anomaly a) const { return counts[static_cast<std::size_t>(a)]; }
  void merge(const AnomalyCounters& o) {
    for (std::size_t i = 0; i < kAnomalyCount; ++i) counts[i] += o.counts[i];
  }
};

}  // namespace minewatch
