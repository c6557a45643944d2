#pragma once
// Live capture from a Linux interface with AF_PACKET TPACKET_V3: the kernel fills blocks of a ring
// mapped into our memory, we walk a block in place and hand it back. Several sources on the same
// interface join one PACKET_FANOUT group (hash mode: the kernel's symmetric flow hash), so each
// worker thread owns its own socket and sees whole flows. Frames stay valid until the next
// read_batch() (the block goes back to the kernel then).
#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "capture/frame_source.hpp"
#include "core/result.hpp"

namespace minewatch::capture {

struct LiveOptions {
  std::string interface;
  std::uint16_t fanout_group = 0;        // 0: no fanout (a single socket)
  std::uint32_t block_bytes = 1u << 22;  // 4 MiB per block
  std::uint32_t block_count = 16;        // per socket
  std::uint32_t block_timeout_ms = 50;   // the kernel hands over a partly filled block after this
  std::uint32_t poll_timeout_ms = 100;   // read_batch() returns 0 after this without packets
  bool promiscuous = true;
};

// Counters of a live source (cumulative since open).
struct LiveStats {
  std::uint64_t packets = 0;          // frames handed to us
  std::uint64_t kernel_drops = 0;     // dropped by the kernel: our ring was full (tp_drops / ps_drop)
  std::uint64_t interface_drops = 0;  // dropped by the interface or driver (libpcap ps_ifdrop)
  std::uint64_t freeze_count = 0;     // TPACKET_V3: times the ring froze because it was full
  std::uint64_t losing_blocks = 0;    // blocks the kernel flagged TP_STATUS_LOSING (drops happened meanwhile)
};

class LiveSource {
 public:
  virtual ~LiveSource() = default;
  // Up to out.size() frames; 0 when nothing arrived within the poll timeout (or on stop()).
  virtual std::size_t read_batch(std::span<Frame> out) = 0;
  // Current counters (reads the kernel's statistics, which it resets on each read: we accumulate).
  virtual LiveStats stats() = 0;
  [[nodiscard]] virtual std::string_view method() const = 0;
  // Once a stop was requested: whether a read_batch() that returned 0 means nothing more will come.
  // A kernel ring is then empty for good; a software fanout endpoint may still get frames its dealer
  // read before it stopped.
  virtual bool finished() { return true; }
};

// AF_PACKET TPACKET_V3 on `interface`, joining fanout group `fanout_group` when non-zero.
[[nodiscard]] Result<std::unique_ptr<LiveSource>> open_af_packet(const LiveOptions& options);

// The classic-BPF fanout program: returns a mix of the XOR of the IPv4 or IPv6 source and destination
// addresses, so both directions and every flow between two hosts go to one socket (the kernel takes
// it modulo the group size); 0 for other packets. `Kernel` addresses the packet as the kernel's fanout
// hook sees it (protocol from the skb, addresses relative to the network header: any link type, VLAN
// tags already stripped); `Ethernet` reads an untagged Ethernet frame from its first byte, for
// user-space interpreters such as libpcap's (which lack the kernel's special offsets) — the same
// program otherwise, so tests can run its logic.
// Instructions as struct sock_filter / bpf_insn: {code, jt, jf, k}.
struct BpfInsn {
  std::uint16_t code;
  std::uint8_t jt, jf;
  std::uint32_t k;
};
enum class FanoutAddressing { Kernel, Ethernet };
[[nodiscard]] std::vector<BpfInsn> address_pair_fanout_program(FanoutAddressing addressing);
// libpcap in immediate mode (fallback; the kernel cannot fan it out: see SoftwareFanout).
[[nodiscard]] Result<std::unique_ptr<LiveSource>> open_pcap_live(const LiveOptions& options);

}  // namespace minewatch::capture
