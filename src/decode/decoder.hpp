#pragma once
#include "capture/frame.hpp"
#include "core/anomaly.hpp"
#include "decode/packet_view.hpp"

namespace minewatch::decode {

enum class DecodeStatus : std::uint8_t {
  Ok,       // out holds a TCP or UDP packet (or another IP protocol with ports 0 and empty payload)
  Skipped,  // not usable for flows: non-IP, fragment, or malformed; the reason was counted
};

// Pure: frame bytes in, PacketView out. Handles Ethernet, 802.1Q/QinQ, MPLS, Linux SLL/SLL2,
// raw IPv4/IPv6, BSD loopback, IPv4 options, IPv6 extension headers, IP-in-IP. Never throws; every
// malformed or skipped frame increments exactly one anomaly counter.
DecodeStatus decode_frame(const capture::Frame& frame, PacketView& out, AnomalyCounters& anomalies);

}  // namespace minewatch::decode
