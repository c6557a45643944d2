#pragma once
// One pipeline: decoded packets in, flows tracked, TCP streams reassembled and inspected, mining
// sessions and alerts out through an EventSink. Time is packet time; same input, same output.
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>

#include "core/anomaly.hpp"
#include "core/flow_key.hpp"
#include "decode/packet_view.hpp"
#include "detect/flow_inspector.hpp"
#include "detect/mining_session.hpp"
#include "flow/flow_table.hpp"
#include "flow/tcp_reassembler.hpp"
#include "intel/passive_dns.hpp"
#include "model/flow_model.hpp"
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
  std::uint64_t flows_model_scored = 0;    // flows the behaviour model scored
  std::uint64_t flows_model_positive = 0;  // ... at or above its threshold (a weak signal, never an alert alone)
};

class Engine {
 public:
  Engine(EngineConfig config, EventSink& sink, AnomalyCounters& anomalies);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void process(const decode::PacketView& pkt);
  // End of input: every open flow ends now, oldest first.
  void finish();

  [[nodiscard]] const EngineStats& stats() const { return stats_; }
  [[nodiscard]] const intel::PassiveDns& passive_dns() const { return pdns_; }
  [[nodiscard]] std::uint32_t open_flows() const { return table_.size(); }

 private:
  struct TcpState;
  // Packets of an unscored flow for the behaviour model; allocated at the flow's first payload packet
  // and freed once the flow is scored or decided, so decided flows carry only a null pointer.
  struct ModelProbe {
    model::FlowSample sample;
    Direction origin = Direction::AtoB;  // the initiator (SYN), else the first payload packet's sender
  };
  struct FlowState {
    Timestamp first_seen{};
    std::array<std::uint64_t, 2> pkts{};
    std::array<std::uint64_t, 2> bytes{};
    std::uint64_t serial = 0;
    std::array<std::uint32_t, 2> isn{};
    std::uint8_t syn_seen = 0;  // bit per direction
    std::uint8_t fin_seen = 0;  // bit per direction
    bool rst = false;
    bool initiator_known = false;
    Direction initiator = Direction::AtoB;
    AppState app = AppState::Undecided;
    bool alerted = false;
    bool endpoint_checked = false;      // destination signals looked up (once, after the first payload)
    bool model_done = false;            // scored, or decided without the model: never sample again
    float model_score = -1;             // the behaviour model's score; < 0 when not scored
    std::unique_ptr<TcpState> tcp;      // only while a TCP flow is being inspected or is mining
    std::unique_ptr<ModelProbe> probe;  // only while an undecided TCP flow awaits its model score
  };
  using Table = flow::FlowTable<FlowState>;

  void handle_tcp(Table::Entry& e, const decode::PacketView& pkt, Direction dir);
  void handle_dns(const Table::Entry& e, const decode::PacketView& pkt);
  void handle_dns_message(const Table::Entry& e, const protocols::dns::DnsMessage& msg, const decode::PacketView& pkt);
  void handle_tcp_dns(const Table::Entry& e, const decode::PacketView& pkt);
  // Destination signals for a TCP flow: an address a pool name resolved to, an intel-listed address
  // or endpoint, a pool this host already mined on. Demoted when the address is shared with names
  // that are not pools or the ClientHello names another site.
  void check_endpoint(Table::Entry& e, Timestamp ts);
  // A signal for one flow from outside its payload (destination, flow model, Stratum V2 shape ...):
  // creates the flow's session if needed and raises the alert when the verdict tips.
  void add_flow_signal(Table::Entry& e, Signal signal, double weight, std::string detail, Timestamp ts);
  void on_mining(Table::Entry& e, Timestamp ts);
  void observe_for_model(Table::Entry& e, const decode::PacketView& pkt, Direction dir);
  void score_flow(Table::Entry& e, Timestamp ts);
  void end_flow(Table::Entry& e);
  void expire(Timestamp now);
  [[nodiscard]] Duration timeout_of(const Table::Entry& e) const;
  OrientedFlow orient(const Table::Entry& e, const MiningSession& s) const;
  static std::uint64_t flow_id_of(const Table::Entry& e);

  EngineConfig config_;
  EventSink& sink_;
  AnomalyCounters& anomalies_;
  InspectContext ctx_;
  Table table_;
  EngineStats stats_;
  Timestamp now_{};
  std::uint64_t next_serial_ = 0;
  std::set<IpAddress> alerted_hosts_;
  intel::PassiveDns pdns_;
  std::set<std::pair<IpAddress, IpAddress>> known_miner_pools_;  // (miner, pool address) seen mining
  std::unique_ptr<protocols::dns::DnsMessage> dns_;              // scratch, reused
};

}  // namespace minewatch::detect
