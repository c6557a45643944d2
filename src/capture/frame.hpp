#pragma once
#include <cstdint>
#include <span>

#include "core/timestamp.hpp"

namespace minewatch::capture {

// libpcap LINKTYPE_* values (tcpdump.org/linktypes.html) that the decoder understands.
enum class LinkType : std::uint32_t {
  Null = 0,  // BSD loopback: 4-byte host-order address family
  Ethernet = 1,
  Ppp = 9,          // RFC 1661 PPP, optionally with HDLC address/control bytes 0xff 0x03
  PppHdlc = 50,     // PPP in HDLC-like framing
  Raw = 101,        // raw IPv4 or IPv6, version nibble decides
  CiscoHdlc = 104,  // address, control, then an EtherType
  Loop = 108,       // OpenBSD loopback: 4-byte network-order address family
  LinuxSll = 113,
  Ipv4 = 228,
  Ipv6 = 229,
  LinuxSll2 = 276,
};

// One captured frame. `data` points into the reader's buffer and stays valid until the next
// read_batch() call on the same source.
struct Frame {
  Timestamp ts;
  std::uint32_t link_type = 1;
  std::uint32_t wire_len = 0;  // original length on the wire (>= data.size())
  std::span<const std::uint8_t> data;
};

}  // namespace minewatch::capture
