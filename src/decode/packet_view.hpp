#pragma once
#include <cstdint>
#include <span>

#include "core/ip_address.hpp"
#include "core/timestamp.hpp"

namespace minewatch::decode {

inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;

namespace tcp_flags {
inline constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;
}

// What the flow stage needs of one packet: addresses, ports, TCP state and the L4 payload.
// The payload is clipped to the IP length (Ethernet padding removed) and to the captured bytes.
struct PacketView {
  Timestamp ts;
  IpAddress src;
  IpAddress dst;
  std::uint16_t sport = 0;
  std::uint16_t dport = 0;
  std::uint8_t proto = 0;  // IP protocol of the innermost decoded header (6 TCP, 17 UDP, ...)
  std::uint8_t tcp_flags = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint32_t wire_len = 0;          // frame length on the wire
  std::uint32_t payload_wire_len = 0;  // L4 payload length per the IP header (may exceed payload.size() when snapped)
  std::span<const std::uint8_t> payload;
};

}  // namespace minewatch::decode
