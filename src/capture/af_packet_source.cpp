#include "capture/af_packet_source.hpp"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "capture/frame.hpp"

namespace minewatch::capture {

std::vector<BpfInsn> address_pair_fanout_program(FanoutAddressing addressing) {
  // The kernel runs a fanout program on the received skb, whose data starts at the network header
  // (the link header was already pulled, a VLAN tag already moved to metadata). So the kernel program
  // reads the protocol from the skb (ancillary load) and the addresses relative to the network header
  // (SKF_NET_OFF): the same on every link type. The Ethernet variant reads a whole untagged frame, for
  // user-space BPF interpreters (libpcap's), which know neither.
  const bool kernel = addressing == FanoutAddressing::Kernel;
  const std::uint32_t net = kernel ? static_cast<std::uint32_t>(SKF_NET_OFF) : 14u;
  std::vector<BpfInsn> p;
  auto stmt = [&](std::uint16_t code, std::uint32_t k) { p.push_back({code, 0, 0, k}); };
  stmt(BPF_LD | BPF_H | BPF_ABS, kernel ? static_cast<std::uint32_t>(SKF_AD_OFF + SKF_AD_PROTOCOL) : 12u);
  const std::size_t is_v4 = p.size();
  p.push_back({BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0x0800});  // jf patched: to the IPv6 test
  stmt(BPF_LD | BPF_W | BPF_ABS, net + 12);                // A = IPv4 source
  stmt(BPF_ST, 0);
  stmt(BPF_LD | BPF_W | BPF_ABS, net + 16);  // A = IPv4 destination
  stmt(BPF_LDX | BPF_W | BPF_MEM, 0);
  stmt(BPF_ALU | BPF_XOR | BPF_X, 0);  // A = source ^ destination
  const std::size_t v4_done = p.size();
  p.push_back({BPF_JMP | BPF_JA, 0, 0, 0});  // k patched: to the mix
  const std::size_t is_v6 = p.size();
  p[is_v4].jf = static_cast<std::uint8_t>(is_v6 - is_v4 - 1);
  p.push_back({BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0x86dd});  // jf patched: to "other"
  stmt(BPF_LD | BPF_IMM, 0);
  stmt(BPF_ST, 0);                                   // M[0] = 0
  for (std::uint32_t off = 8; off < 40; off += 4) {  // 8 words: source then destination
    stmt(BPF_LD | BPF_W | BPF_ABS, net + off);
    stmt(BPF_LDX | BPF_W | BPF_MEM, 0);
    stmt(BPF_ALU | BPF_XOR | BPF_X, 0);
    stmt(BPF_ST, 0);  // M[0] ^= word
  }
  const std::size_t mix = p.size();
  p[v4_done].k = static_cast<std::uint32_t>(mix - v4_done - 1);
  stmt(BPF_ALU | BPF_MUL | BPF_K, 0x9E3779B1u);  // spread the bits, then keep the high half
  stmt(BPF_ALU | BPF_RSH | BPF_K, 16);
  stmt(BPF_RET | BPF_A, 0);
  const std::size_t other = p.size();
  p[is_v6].jf = static_cast<std::uint8_t>(other - is_v6 - 1);
  stmt(BPF_RET | BPF_K, 0);
  return p;
}

namespace {

std::string errno_text() { return std::strerror(errno); }

class AfPacketSource final : public LiveSource {
 public:
  AfPacketSource(int fd, std::uint8_t* ring, const LiveOptions& o, std::uint32_t link_type)
      : fd_(fd), ring_(ring), opt_(o), link_type_(link_type) {}
  ~AfPacketSource() override {
    if (ring_) munmap(ring_, static_cast<std::size_t>(opt_.block_bytes) * opt_.block_count);
    if (fd_ >= 0) close(fd_);
  }

  std::size_t read_batch(std::span<Frame> out) override {
    if (cur_ && remaining_ == 0) release_block();
    if (!cur_) {
      auto* bd = block(block_index_);
      if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
        pollfd p{fd_, POLLIN | POLLERR, 0};
        if (poll(&p, 1, static_cast<int>(opt_.poll_timeout_ms)) <= 0) return 0;
        if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) return 0;
      }
      if (bd->hdr.bh1.block_status & TP_STATUS_LOSING) ++stats_.losing_blocks;
      cur_ = bd;
      remaining_ = bd->hdr.bh1.num_pkts;
      next_ = reinterpret_cast<std::uint8_t*>(bd) + bd->hdr.bh1.offset_to_first_pkt;
    }
    std::size_t n = 0;
    while (remaining_ > 0 && n < out.size()) {
      auto* h = reinterpret_cast<tpacket3_hdr*>(next_);
      Frame& f = out[n++];
      f.ts = Timestamp::from_parts(h->tp_sec, h->tp_nsec);
      f.link_type = link_type_;
      f.wire_len = h->tp_len;
      // The kernel moved an 802.1Q tag into metadata (VLAN offload): it was on the wire, so the
      // byte counters include it, as they do for the same traffic read from a capture file.
      if (h->tp_status & TP_STATUS_VLAN_VALID) f.wire_len += 4;
      f.data = {next_ + h->tp_mac, h->tp_snaplen};
      next_ += h->tp_next_offset;
      --remaining_;
    }
    stats_.packets += n;
    return n;
  }

  LiveStats stats() override {
    tpacket_stats_v3 st{};
    socklen_t len = sizeof st;
    if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
      // The kernel counts tp_packets including drops and resets both on every read.
      stats_.kernel_drops += st.tp_drops;
      stats_.freeze_count += st.tp_freeze_q_cnt;
    }
    return stats_;
  }
  [[nodiscard]] std::string_view method() const override { return "af_packet"; }

 private:
  tpacket_block_desc* block(std::uint32_t i) {
    return reinterpret_cast<tpacket_block_desc*>(ring_ + static_cast<std::size_t>(i) * opt_.block_bytes);
  }
  void release_block() {
    __atomic_store_n(&cur_->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    cur_ = nullptr;
    block_index_ = (block_index_ + 1) % opt_.block_count;
  }

  int fd_;
  std::uint8_t* ring_;
  LiveOptions opt_;
  std::uint32_t link_type_;
  tpacket_block_desc* cur_ = nullptr;
  std::uint32_t block_index_ = 0;
  std::uint32_t remaining_ = 0;
  std::uint8_t* next_ = nullptr;
  LiveStats stats_;
};

class PcapLiveSource final : public LiveSource {
 public:
  PcapLiveSource(pcap_t* p, const LiveOptions& o) : p_(p), opt_(o), arena_(16u << 20) {}
  ~PcapLiveSource() override { pcap_close(p_); }

  std::size_t read_batch(std::span<Frame> out) override {
    pollfd pfd{pcap_get_selectable_fd(p_), POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(opt_.poll_timeout_ms)) <= 0) return 0;
    Ctx ctx{this, out, 0, 0};
    // libpcap's buffer is only valid inside the callback: copy into the arena (reused per batch).
    int max = static_cast<int>(std::min<std::size_t>(out.size(), arena_.size() / 65536));
    pcap_dispatch(p_, max, &PcapLiveSource::on_packet, reinterpret_cast<u_char*>(&ctx));
    stats_.packets += ctx.n;
    return ctx.n;
  }
  LiveStats stats() override {
    pcap_stat st{};
    if (pcap_stats(p_, &st) == 0) {
      stats_.kernel_drops = st.ps_drop;
      stats_.interface_drops = st.ps_ifdrop;
    }
    return stats_;
  }
  [[nodiscard]] std::string_view method() const override { return "pcap"; }

 private:
  struct Ctx {
    PcapLiveSource* self;
    std::span<Frame> out;
    std::size_t n;
    std::size_t used;
  };
  static void on_packet(u_char* user, const pcap_pkthdr* h, const u_char* bytes) {
    auto* c = reinterpret_cast<Ctx*>(user);
    auto& arena = c->self->arena_;
    if (c->n >= c->out.size() || c->used + h->caplen > arena.size()) return;
    std::memcpy(arena.data() + c->used, bytes, h->caplen);
    Frame& f = c->out[c->n++];
    // Nanosecond precision was requested: tv_usec holds nanoseconds.
    f.ts = Timestamp::from_parts(h->ts.tv_sec, h->ts.tv_usec);
    f.link_type = static_cast<std::uint32_t>(pcap_datalink(c->self->p_));
    f.wire_len = h->len;
    f.data = {arena.data() + c->used, h->caplen};
    c->used += h->caplen;
  }
  pcap_t* p_;
  LiveOptions opt_;
  std::vector<std::uint8_t> arena_;
  LiveStats stats_;
};

}  // namespace

Result<std::unique_ptr<LiveSource>> open_af_packet(const LiveOptions& o) {
  const std::string& ifname = o.interface;
  unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) return make_error("interface " + ifname + ": " + errno_text());
  int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (fd < 0) return make_error("AF_PACKET socket on " + ifname + ": " + errno_text());
  auto fail = [&](const std::string& what) {
    std::string msg = "AF_PACKET " + what + " on " + ifname + ": " + errno_text();
    close(fd);
    return make_error(msg);
  };
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, ifname.c_str(), IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) return fail("SIOCGIFHWADDR");
  std::uint32_t link_type;
  switch (ifr.ifr_hwaddr.sa_family) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK: link_type = 1; break;
    case ARPHRD_NONE:
      link_type = 101;  // raw IP (tun devices)
      break;
    default: errno = EPROTONOSUPPORT; return fail("link type " + std::to_string(ifr.ifr_hwaddr.sa_family));
  }
  int version = TPACKET_V3;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0) return fail("TPACKET_V3");
  tpacket_req3 req{};
  req.tp_block_size = o.block_bytes;
  req.tp_block_nr = o.block_count;
  req.tp_frame_size = 2048;
  req.tp_frame_nr = o.block_bytes / req.tp_frame_size * o.block_count;
  req.tp_retire_blk_tov = o.block_timeout_ms;
  if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) return fail("PACKET_RX_RING");
  std::size_t bytes = static_cast<std::size_t>(o.block_bytes) * o.block_count;
  void* ring = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (ring == MAP_FAILED) return fail("mmap of the ring");
  auto source = std::make_unique<AfPacketSource>(fd, static_cast<std::uint8_t*>(ring), o, link_type);
  // Our own outgoing packets are not traffic to watch (kernel >= 4.20; harmless when unsupported).
  int one = 1;
  setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0)
    return make_error("AF_PACKET bind on " + ifname + ": " + errno_text());
  if (o.promiscuous) {
    packet_mreq mr{};
    mr.mr_ifindex = static_cast<int>(ifindex);
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0)
      return make_error("AF_PACKET promiscuous mode on " + ifname + ": " + errno_text());
  }
  if (o.fanout_group != 0) {
    // A classic-BPF program deals packets by their address pair (both directions, and every flow
    // between two hosts, on one socket: what one flow proves about a host pair is evidence for its
    // later flows). It reads the network header wherever the link type puts it.
    int arg = o.fanout_group | (PACKET_FANOUT_CBPF | PACKET_FANOUT_FLAG_DEFRAG) << 16;
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) < 0)
      return make_error("AF_PACKET fanout group on " + ifname + ": " + errno_text());
    std::vector<BpfInsn> insns = address_pair_fanout_program(FanoutAddressing::Kernel);
    std::vector<sock_filter> prog;
    for (const BpfInsn& i : insns) prog.push_back(sock_filter{i.code, i.jt, i.jf, i.k});
    sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &fprog, sizeof fprog) < 0)
      return make_error("AF_PACKET fanout program on " + ifname + ": " + errno_text());
  }
  return std::unique_ptr<LiveSource>(std::move(source));
}

Result<std::unique_ptr<LiveSource>> open_pcap_live(const LiveOptions& o) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_create(o.interface.c_str(), errbuf);
  if (!p) return make_error("libpcap on " + o.interface + ": " + errbuf);
  pcap_set_snaplen(p, 65535);
  pcap_set_promisc(p, o.promiscuous ? 1 : 0);
  pcap_set_immediate_mode(p, 1);
  pcap_set_buffer_size(p, static_cast<int>(std::min<std::uint64_t>(std::uint64_t{o.block_bytes} * o.block_count,
                                                                   std::uint64_t{1} << 30)));
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
  int rc = pcap_activate(p);
  if (rc < 0) {
    std::string msg = "libpcap on " + o.interface + ": " + pcap_geterr(p);
    pcap_close(p);
    return make_error(msg);
  }
  if (pcap_setnonblock(p, 1, errbuf) < 0) {
    pcap_close(p);
    return make_error("libpcap on " + o.interface + ": " + errbuf);
  }
  return std::unique_ptr<LiveSource>(std::make_unique<PcapLiveSource>(p, o));
}

}  // namespace minewatch::capture
