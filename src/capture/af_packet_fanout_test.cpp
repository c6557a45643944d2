// The AF_PACKET fanout program, run in libpcap's user-space BPF interpreter (same instruction set as
// the kernel's classic BPF) in its Ethernet addressing: both directions and every flow between two
// hosts get the same value, for IPv4 and IPv6; different host pairs spread; other packets get 0. The
// kernel addressing differs only in where it reads (checked below); the live test
// (tests/sensor_live_test.py) checks that the kernel deals real traffic to every worker with it.
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <pcap/pcap.h>

#include <array>
#include <cstdint>
#include <set>
#include <vector>

#include "capture/af_packet_source.hpp"

namespace minewatch::capture {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes frame(bool vlan, bool v6, std::uint32_t a, std::uint32_t b, std::uint16_t sport, std::uint16_t dport) {
  Bytes f(12, 0x11);  // MACs
  if (vlan) f.insert(f.end(), {0x81, 0x00, 0x00, 0x2a});
  if (!v6) {
    f.insert(f.end(), {0x08, 0x00, 0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0});
    for (std::uint32_t x : {a, b})
      for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<std::uint8_t>(x >> s));
  } else {
    f.insert(f.end(), {0x86, 0xdd, 0x60, 0, 0, 0, 0, 20, 6, 64});
    for (std::uint32_t x : {a, b}) {
      for (int i = 0; i < 12; ++i) f.push_back(static_cast<std::uint8_t>(0x20 + i));
      for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<std::uint8_t>(x >> s));
    }
  }
  for (std::uint16_t p : {sport, dport}) {
    f.push_back(static_cast<std::uint8_t>(p >> 8));
    f.push_back(static_cast<std::uint8_t>(p));
  }
  f.resize(f.size() + 16, 0);  // rest of the TCP header
  return f;
}

std::uint32_t run(const Bytes& f) {
  static const std::vector<BpfInsn> prog = address_pair_fanout_program(FanoutAddressing::Ethernet);
  static_assert(sizeof(BpfInsn) == sizeof(bpf_insn));
  return bpf_filter(reinterpret_cast<const bpf_insn*>(prog.data()), f.data(), static_cast<u_int>(f.size()),
                    static_cast<u_int>(f.size()));
}

TEST(AfPacketFanout, OneValuePerHostPairWhateverThePortsAndDirection) {
  const bool vlan = false;  // the kernel strips tags before fanout
  for (bool v6 : {false, true}) {
    const std::uint32_t miner = 0x0a000005, pool = 0xc6336414;
    const std::uint32_t h = run(frame(vlan, v6, miner, pool, 40000, 3333));
    EXPECT_EQ(run(frame(vlan, v6, pool, miner, 3333, 40000)), h) << "reply direction, v6 " << v6;
    EXPECT_EQ(run(frame(vlan, v6, miner, pool, 40001, 443)), h) << "a reconnect from a new port";
    EXPECT_NE(run(frame(vlan, v6, miner + 1, pool, 40000, 3333)), h) << "another host";
    // Host pairs spread over the sockets (the kernel takes the value modulo the group size).
    std::set<std::uint32_t> buckets;
    for (std::uint32_t host = 1; host <= 64; ++host)
      buckets.insert(run(frame(vlan, v6, 0x0a000000 + host, pool, 1, 2)) % 4);
    EXPECT_EQ(buckets.size(), 4u);
  }
  Bytes arp(60, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_EQ(run(arp), 0u) << "not IP: socket 0";
}

TEST(AfPacketFanout, KernelProgramReadsTheSkbProtocolAndTheNetworkHeader) {
  // The kernel runs fanout programs on an skb whose data starts at the network header: absolute
  // offsets into an Ethernet frame would read the IP header's bytes as the EtherType and send every
  // packet to socket 0. The kernel program must use the ancillary protocol load and SKF_NET_OFF.
  const auto eth = address_pair_fanout_program(FanoutAddressing::Ethernet);
  const auto k = address_pair_fanout_program(FanoutAddressing::Kernel);
  ASSERT_EQ(k.size(), eth.size());
  EXPECT_EQ(k[0].k, static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PROTOCOL));
  std::size_t address_loads = 0;
  for (std::size_t i = 0; i < k.size(); ++i) {
    EXPECT_EQ(k[i].code, eth[i].code) << i;
    EXPECT_EQ(k[i].jt, eth[i].jt) << i;
    EXPECT_EQ(k[i].jf, eth[i].jf) << i;
    if (i > 0 && k[i].code == (BPF_LD | BPF_W | BPF_ABS)) {
      ++address_loads;
      EXPECT_EQ(k[i].k - static_cast<std::uint32_t>(SKF_NET_OFF), eth[i].k - 14) << i;
    }
  }
  EXPECT_EQ(address_loads, 2u + 8u);  // IPv4: two words; IPv6: eight
}

}  // namespace
}  // namespace minewatch::capture
