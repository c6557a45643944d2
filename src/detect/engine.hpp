#pragma once
// One pipeline: decoded packets in, flows tracked, TCP streams reassembled and inspected, mining
// sessions and alerts out through an EventSink. Time is packet time; same input, same output.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "core/anomaly.hpp"
#include "core/flow_key.hpp"
#include "core/recent_count.hpp"
#include "decode/packet_view.hpp"
#include "detect/dns_digest.hpp"
#include "detect/flow_inspector.hpp"
#include "detect/mining_session.hpp"
#include "flow/flow_table.hpp"
#include "flow/tcp_reassembler.hpp"
#include "intel/passive_dns.hpp"
#include "model/flow_model.hpp"
#include "model/mining_rhythm.hpp"
#include "protocols/dns/dns_parser.hpp"

namespace minewatch::detect {

// A flow the behaviour model has just scored, oriented initiator -> responder (for `analyze
// --flow-scores`, evaluation and tuning; the score reaches detection as a fusion signal).
struct ScoredFlow {
  IpAddress initiator, responder;
  std::uint16_t initiator_port = 0, responder_port = 0;
  std::uint64_t pkts_up = 0, pkts_down = 0;  // all packets so far, initiator -> responder and back
  const model::FlowSample* sample = nullptr;
  double score = 0;
  bool positive = false;
};

class FlowScoreSink {
 public:
  virtual ~FlowScoreSink() = default;
  virtual void on_flow_scored(const ScoredFlow& flow) = 0;
};

struct EngineConfig {
  InspectConfig inspect;
  const intel::PoolList* pools = nullptr;  // pool intelligence; nullptr: the built-in list
  intel::PassiveDnsConfig passive_dns;
  std::size_t max_known_miner_pools = 1u << 16;  // (miner, pool address) pairs remembered
  std::uint32_t max_flows = 1u << 20;
  std::chrono::seconds tcp_idle_timeout{600};
  std::chrono::seconds udp_idle_timeout{120};
  std::chrono::seconds closed_timeout{10};  // after FIN both ways or RST: wait for stragglers
  // Flow-behaviour model scoring undecided encrypted/opaque TCP flows (nullptr: off). A flow is scored
  // once: at its 30th payload packet, when it has lasted `model_window` (CESNET's exporter cuts records
  // there, so the counters match training), or when it ends with at least 2 payload packets.
  const model::FlowModel* flow_model = &model::FlowModel::embedded();
  std::chrono::seconds model_window{300};
  FlowScoreSink* score_sink = nullptr;  // optional: sees every scored flow
  // Live sensor with several workers: a DNS answer captured by another worker reaches this one through
  // a mailbox, possibly after the flow it names has sent its first payload. A TCP flow whose server
  // address had no pool name at its endpoint check asks passive DNS again at up to this many later
  // payload packets, and once more when it ends (the answer may come after its last packet). 0 (files,
  // one worker): every answer is already in the cache, in input order.
  std::uint8_t late_dns_rechecks = 0;
};

// A flow's counters oriented miner -> pool ("toserver") and pool -> miner ("toclient").
struct OrientedFlow {
  IpAddress miner;
  IpAddress pool;
  std::uint16_t miner_port = 0;
  std::uint16_t pool_port = 0;
  std::uint8_t proto = 0;
  std::uint64_t flow_id = 0;
  std::optional<double> flow_model_score;  // the flow-behaviour model's score, when the flow was scored
  std::uint64_t pkts_toserver = 0, pkts_toclient = 0, bytes_toserver = 0, bytes_toclient = 0;
  Timestamp start{}, end{};
};

// Input position of a packet: its index in the whole input and the pipeline clock (the latest packet
// time seen so far, never going back). The single pipeline numbers packets itself; in the parallel
// pipeline the reader numbers them so every worker agrees.
struct PacketMeta {
  std::uint64_t index = 0;
  Timestamp now{};
};

// Numbers packets, keeps the clock, and says when timeouts are due: once per second of packet time,
// before the first packet of that second. Shared by Engine::process(pkt) and the parallel reader so
// both run timeouts at the same input positions.
class PacketClock {
 public:
  // Fills `meta` for the next packet; true when Engine::tick(meta) is due before it.
  bool advance(Timestamp ts, PacketMeta& meta) {
    if (ts > now_) now_ = ts;
    meta.index = next_++;
    meta.now = now_;
    std::int64_t sec = now_.seconds();
    if (sec == tick_sec_) return false;
    tick_sec_ = sec;
    return true;
  }
  // Live capture with no packets: time still passes (the caller's wall clock). Uses no packet index.
  bool advance_idle(Timestamp now, PacketMeta& meta) {
    if (now > now_) now_ = now;
    meta.index = next_;
    meta.now = now_;
    std::int64_t sec = now_.seconds();
    if (sec == tick_sec_) return false;
    tick_sec_ = sec;
    return true;
  }

 private:
  Timestamp now_{std::numeric_limits<std::int64_t>::min()};
  std::uint64_t next_ = 0;
  std::int64_t tick_sec_ = std::numeric_limits<std::int64_t>::min();
};

// Where an event stands in the canonical order of a run, whatever the number of workers: events of
// timeouts due before packet `index` (phase 0, by list then by the flow's last touch), events raised
// while processing packet `index` (phase 1, in emission order), end of input (phase 2, by last touch).
// The parallel pipeline merges the workers' events by this key; the result is the single-pipeline order.
struct EventOrder {
  static constexpr std::uint64_t kEndOfInput = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t index = 0;
  std::uint8_t phase = 0;
  std::uint8_t list = 0;
  std::uint64_t order = 0;
  friend auto operator<=>(const EventOrder&, const EventOrder&) = default;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // The first time a host is seen mining (at the packet that tipped the verdict).
  virtual void on_alert(const OrientedFlow& flow, const MiningSession& session, Timestamp ts) = 0;
  // A mining flow ended (FIN/RST, timeout, eviction or end of input).
  virtual void on_session(const OrientedFlow& flow, const MiningSession& session) = 0;
  // A flow ended with some mining evidence but below the threshold (e.g. only a Stratum V2 handshake
  // shape): a suspect that active probing may confirm. Ignored by default.
  virtual void on_suspect(const OrientedFlow& /*flow*/, const MiningSession& /*session*/) {}
};

struct EngineStats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t flows = 0;
  std::uint64_t tcp_flows_inspected = 0;
  std::uint64_t mining_flows = 0;
  std::uint64_t dns_messages = 0;
  std::uint64_t dns_pool_lookups = 0;
  std::uint64_t flows_evicted = 0;
  std::uint64_t dns_answers_cached = 0;    // (name, address) pairs written to the passive-DNS cache
  std::uint64_t endpoint_signals = 0;      // flows given a destination signal (pool address, intel, history)
  std::uint64_t mining_flows_evicted = 0;  // only when nothing else was left to evict
  std::uint64_t dns_observed = 0;          // DNS packets of other workers' flows seen for the caches
  std::uint64_t dns_late_names = 0;        // pool names found only by a late re-check (live, several workers)
  std::uint64_t peak_open_flows = 0;       // most flows open at once (in the flow table)
  // Most flows open at once as a flow tracker counts them: the table's, plus the DNS transactions over
  // UDP of the last udp_idle_timeout of packet time, which are counted but never kept (a tracker would
  // hold each for its idle timeout). The denominator for memory per concurrent flow.
  std::uint64_t peak_concurrent_flows = 0;
  std::uint64_t open_inspections = 0;  // TCP flows holding reassembly/inspection state now
  std::uint64_t peak_open_inspections = 0;
  std::uint64_t flows_model_scored = 0;    // flows the behaviour model scored
  std::uint64_t flows_model_positive = 0;  // ... at or above its threshold (a weak signal, never an alert alone)
  std::uint64_t flows_rhythm = 0;          // ... showing a share-driven mining rhythm (moderate, never alone)

  // Adds another run's or worker's counters (not the peaks and gauges: add_run, add_worker).
  void add_counters(const EngineStats& s) {
    packets += s.packets;
    bytes += s.bytes;
    flows += s.flows;
    tcp_flows_inspected += s.tcp_flows_inspected;
    mining_flows += s.mining_flows;
    dns_messages += s.dns_messages;
    dns_pool_lookups += s.dns_pool_lookups;
    flows_evicted += s.flows_evicted;
    dns_answers_cached += s.dns_answers_cached;
    endpoint_signals += s.endpoint_signals;
    mining_flows_evicted += s.mining_flows_evicted;
    dns_observed += s.dns_observed;
    dns_late_names += s.dns_late_names;
    flows_model_scored += s.flows_model_scored;
    flows_model_positive += s.flows_model_positive;
    flows_rhythm += s.flows_rhythm;
  }
  // Adds a successive capture's run: counters add, each peak is the larger of the two.
  void add_run(const EngineStats& s) {
    add_counters(s);
    peak_open_flows = std::max(peak_open_flows, s.peak_open_flows);
    peak_concurrent_flows = std::max(peak_concurrent_flows, s.peak_concurrent_flows);
    peak_open_inspections = std::max(peak_open_inspections, s.peak_open_inspections);
  }
  // Adds a concurrent worker's: counters, gauges and peaks add (workers peak at different moments,
  // so the sum is an upper bound of the whole pipeline's peak).
  void add_worker(const EngineStats& s) {
    add_counters(s);
    peak_open_flows += s.peak_open_flows;
    peak_concurrent_flows += s.peak_concurrent_flows;
    open_inspections += s.open_inspections;
    peak_open_inspections += s.peak_open_inspections;
  }
};

class Engine {
 public:
  Engine(EngineConfig config, EventSink& sink, AnomalyCounters& anomalies);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // A packet's canonical flow key, its hash and the packet's direction in it: computed once per
  // packet, then used by the prefetches a few packets ahead and by the lookup itself (computing it
  // for each cost 67 instructions a packet more: callgrind, 128 MB mix).
  struct FlowLookup {
    FlowKey key;
    std::uint64_t hash = 0;
    Direction dir = Direction::AtoB;
  };
  [[nodiscard]] static FlowLookup lookup_of(const decode::PacketView& pkt) {
    FlowLookup l;
    lookup_into(pkt, l);
    return l;
  }
  // The same, written in place (a batch's scratch): no copy of a key just built.
  static void lookup_into(const decode::PacketView& pkt, FlowLookup& l) {
    l.hash = FlowKey::make_into(pkt.src, pkt.sport, pkt.dst, pkt.dport, pkt.proto, l.dir, l.key);
  }

  // The single pipeline: numbers the packet, runs timeouts when due, processes it.
  void process(const decode::PacketView& pkt) { process(pkt, lookup_of(pkt)); }
  void process(const decode::PacketView& pkt, const FlowLookup& flow);
  // A worker of the parallel pipeline: the reader numbered the packet and sends ticks itself.
  void process(const decode::PacketView& pkt, const PacketMeta& meta) { process(pkt, meta, lookup_of(pkt)); }
  // `dns`: the packet's DNS message already read (digest_dns), when the caller read it; else the engine
  // reads it itself.
  void process(const decode::PacketView& pkt, const PacketMeta& meta, const FlowLookup& flow,
               const DnsDigest* dns = nullptr);
  // Prefetch hint for a packet a few positions ahead in the batch: stage 0 (kSlotAhead packets ahead)
  // fetches the flow's index slot, stage 1 (kEntryAhead ahead) its table entry. The flow lookup is the
  // per-packet cache miss.
  static constexpr std::size_t kSlotAhead = 8;
  static constexpr std::size_t kEntryAhead = 4;
  void prefetch(const FlowLookup& flow, int stage) const {
    if (stage == 0)
      table_.prefetch_slot(flow.hash);
    else
      table_.prefetch_entry(flow.hash);
  }
  // Runs `n` items in order the way both pipelines run a batch: every packet is keyed first
  // (`packet_of(k)`: item k's packet, or nullptr when the item is not one), then each item runs
  // (`run(k, flow)`) while the flows of the packets kSlotAhead and kEntryAhead items later are
  // prefetched. `flows` is scratch space the caller keeps between batches.
  template <typename PacketOf, typename Run>
  void run_prefetched(std::size_t n, std::vector<FlowLookup>& flows, PacketOf&& packet_of, Run&& run) {
    if (flows.size() < n) flows.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      if (const decode::PacketView* p = packet_of(k)) lookup_into(*p, flows[k]);
    }
    for (std::size_t k = 0; k < n; ++k) {
      if (k + kSlotAhead < n && packet_of(k + kSlotAhead) != nullptr) prefetch(flows[k + kSlotAhead], 0);
      if (k + kEntryAhead < n && packet_of(k + kEntryAhead) != nullptr) prefetch(flows[k + kEntryAhead], 1);
      run(k, flows[k]);
    }
  }
  // Timeouts at meta.now, due before packet meta.index.
  void tick(const PacketMeta& meta);
  // A packet of a flow another worker owns, shared because it feeds knowledge every worker needs
  // (DNS answers for the passive-DNS cache). Changes no flow, counts nothing, raises nothing.
  void observe(const decode::PacketView& pkt, const PacketMeta& meta, const DnsDigest* dns = nullptr);
  // Reads one DNS message for process() and observe(): the parallel reader reads each shared answer
  // over UDP once for all engines. Depends only on the message and the pool list.
  void digest_dns(std::span<const std::uint8_t> message, DnsDigest& out);
  // Which packets the parallel reader shares with every worker through observe() (DNS, port 53).
  [[nodiscard]] static bool is_shared_knowledge(const decode::PacketView& pkt);
  // Live capture: no packet came, but time passed (wall clock); runs timeouts when due.
  void idle(Timestamp now);
  // End of input: every open flow ends now, oldest first.
  void finish();

  // The position of the event being delivered to the sink (valid inside EventSink callbacks).
  [[nodiscard]] const EventOrder& event_order() const { return order_; }
  [[nodiscard]] const EngineStats& stats() const { return stats_; }
  [[nodiscard]] std::uint32_t open_flows() const { return table_.size(); }
  // Bytes of the flow table (all per-flow state except what undecided/mining TCP flows allocate).
  [[nodiscard]] std::size_t table_bytes() const { return table_.memory_bytes(); }

 private:
  struct TcpState;
  // Packets of an unscored flow for the behaviour model; allocated at the flow's first payload packet
  // and freed once the flow is scored or decided, so decided flows carry only a null pointer.
  struct ModelProbe {
    Direction origin = Direction::AtoB;  // the initiator (SYN), else the first payload packet's sender
    model::FlowSample sample;            // (origin sits beside the sample's count: one cache line for both)
  };
  struct FlowState {
    Timestamp first_seen{};
    std::array<std::uint64_t, 2> pkts{};
    std::array<std::uint64_t, 2> bytes{};
    std::array<std::uint32_t, 2> isn{};
    std::uint8_t syn_seen = 0;  // bit per direction
    std::uint8_t fin_seen = 0;  // bit per direction
    bool rst = false;
    bool initiator_known = false;
    Direction initiator = Direction::AtoB;
    AppState app = AppState::Undecided;
    bool alerted = false;
    bool endpoint_checked = false;           // destination signals looked up (once, after the first payload)
    bool model_done = false;                 // scored, or decided without the model: never sample again
    std::uint8_t dns_rechecks = 0;           // late passive-DNS questions left (EngineConfig::late_dns_rechecks)
    bool dns_pending = false;                // no pool name yet, late answers possible: ask again when the flow ends
    ServerName hello = ServerName::NotSeen;  // what the ClientHello named (kept after the inspector is freed)
    float model_score = -1;                  // the behaviour model's score; < 0 when not scored
    std::unique_ptr<TcpState> tcp;           // only while a TCP flow is being inspected or is mining
    std::unique_ptr<ModelProbe> probe;       // only while an undecided TCP flow awaits its model score
  };
  // Recency lists, one per timeout class. Eviction under the cap takes closed flows first, then the
  // oldest undecided/rejected/UDP flow, and confirmed mining flows only when nothing else is left.
  enum FlowList : std::uint8_t { kClosed = 0, kTcpOpen = 1, kOther = 2, kMiningOpen = 3, kListCount = 4 };
  using Table = flow::FlowTable<FlowState, kListCount>;

  void handle_tcp(Table::Entry& e, const decode::PacketView& pkt, Direction dir);
  // The flow a DNS message came in, when this engine owns it (nullptr: observed for the caches only).
  // DNS over UDP is read message by message and keeps no flow entry: its flow is the packet's.
  struct DnsFlow {
    std::uint64_t hash;
    Timestamp first_seen;
  };
  // A DNS message over UDP: `dns` when the caller has read it, else read here.
  void handle_dns(const DnsFlow* owner, const decode::PacketView& pkt, const DnsDigest* dns);
  // What a DNS message teaches (the passive-DNS cache) and, for its owner, raises (a pool lookup).
  void apply_dns(const DnsFlow* owner, const DnsDigest& dns, const decode::PacketView& pkt);
  void handle_tcp_dns(const DnsFlow* owner, const decode::PacketView& pkt);
  // Destination signals for a TCP flow: an address a pool name resolved to, an intel-listed address
  // or endpoint, a pool this host already mined on. Demoted when the address is shared with names
  // that are not pools or the ClientHello names another site.
  void check_endpoint(Table::Entry& e, Timestamp ts);
  // The passive-DNS part of check_endpoint: `names` (passive DNS for the server address) holds a pool
  // name: the signal is added, true.
  bool check_pool_name(Table::Entry& e, const intel::PassiveDns::AddressNames& names, Timestamp ts);
  // A late passive-DNS question (EngineConfig::late_dns_rechecks) for a flow still without a pool name:
  // true, and no more questions, when the name is there now or the flow is already mining.
  bool recheck_pool_name(Table::Entry& e, Timestamp ts);
  // Where the flow's client and server are (the server: the side the initiator connected to; without
  // a handshake, the lower port).
  struct Endpoints {
    const IpAddress* client;
    const IpAddress* server;
    std::uint16_t port;
  };
  [[nodiscard]] static Endpoints endpoints_of(const Table::Entry& e);
  // A signal for one flow from outside its payload (destination, flow model, Stratum V2 shape ...):
  // creates the flow's session if needed and raises the alert when the verdict tips.
  void add_flow_signal(Table::Entry& e, Signal signal, double weight, std::string detail, Timestamp ts);
  void on_mining(Table::Entry& e, Timestamp ts);
  void observe_for_model(Table::Entry& e, const decode::PacketView& pkt, Direction dir);
  void score_flow(Table::Entry& e, Timestamp ts);
  void end_flow(Table::Entry& e);
  void evict_one();
  [[nodiscard]] Duration timeout_of(std::size_t list) const;
  [[nodiscard]] static FlowList list_of(const Table::Entry& e);
  void emit_alert(const OrientedFlow& of, const MiningSession& s, Timestamp ts);
  void emit_session(const OrientedFlow& of, const MiningSession& s);
  OrientedFlow orient(const Table::Entry& e, const MiningSession& s) const;
  static std::uint64_t flow_id_of(const Table::Entry& e) { return flow_id_of(e.hash, e.payload.first_seen); }
  static std::uint64_t flow_id_of(std::uint64_t hash, Timestamp first_seen);

  EngineConfig config_;
  EventSink& sink_;
  AnomalyCounters& anomalies_;
  InspectContext ctx_;
  Table table_;
  EngineStats stats_;
  PacketClock clock_;
  EventOrder order_;
  std::set<IpAddress> alerted_hosts_;
  intel::PassiveDns pdns_;
  std::set<std::pair<IpAddress, IpAddress>> known_miner_pools_;  // (miner, pool address) seen mining
  std::unique_ptr<protocols::dns::DnsMessage> dns_;              // scratch, reused
  std::unique_ptr<DnsDigest> digest_;                            // scratch, reused
  RecentCount dns_transactions_;                                 // DNS queries over UDP in the last udp_idle_timeout
  void note_concurrent_flows(Timestamp now);
};

}  // namespace minewatch::detect
