#pragma once
#include <cstddef>
#include <span>

#include "capture/frame.hpp"
#include "core/anomaly.hpp"
#include "decode/packet_view.hpp"

namespace minewatch::decode {

enum class DecodeStatus : std::uint8_t {
  Ok,       // out holds a TCP or UDP packet (or another IP protocol with ports 0 and empty payload)
  Skipped,  // not usable for flows: non-IP, fragment, or malformed; the reason was counted
};

// Pure: frame bytes in, PacketView out. Handles Ethernet, 802.1Q/QinQ, MPLS (incl. Ethernet
// pseudowires), PPPoE, PPP, Cisco HDLC, Linux SLL/SLL2, raw IPv4/IPv6, BSD loopback, IPv4 options,
// IPv6 extension headers, IP-in-IP, GRE and VXLAN (tunnels report the innermost packet, bounded
// depth). Never throws, never allocates; every skipped frame increments exactly one anomaly
// counter. An Ok frame of a protocol other than TCP/UDP counts Anomaly::OtherTransport and has
// ports 0, an empty payload and payload_wire_len = its IP payload length. On Skipped, `out` holds
// only ts and wire_len reliably. Payload spans point into frame.data.
DecodeStatus decode_frame(const capture::Frame& frame, PacketView& out, AnomalyCounters& anomalies);

// Decodes `frames` in order into the front of `out` (at least as long), keeping the Ok ones; returns
// how many. Decoding a whole batch before using it keeps each packet's stores and its first loads
// apart (an address hashed right after the decoder stored it waits on store forwarding).
std::size_t decode_batch(std::span<const capture::Frame> frames, std::span<PacketView> out, AnomalyCounters& anomalies);

// decode_frame without its fast path for Ethernet + IPv4 (no options) + TCP or UDP: the layered
// decoder alone. For tests and the fuzz target, which check that both give the same result.
DecodeStatus decode_frame_layered(const capture::Frame& frame, PacketView& out, AnomalyCounters& anomalies);

}  // namespace minewatch::decode
