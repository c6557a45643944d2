#include "detect/engine.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace minewatch::detect {

using decode::PacketView;
namespace tf = decode::tcp_flags;

// Reassembly and inspection state of a TCP flow; allocated on its first payload byte and freed as
// soon as the inspector rejects the flow.
struct Engine::TcpState {
  struct Sink final : flow::StreamSink {
    FlowInspector* inspector = nullptr;
    Direction dir = Direction::AtoB;
    Timestamp ts{};
    void on_stream_data(std::span<const std::uint8_t> bytes) override { inspector->on_data(dir, bytes, ts); }
    void on_stream_gap(std::uint32_t) override { inspector->on_gap(dir); }
  };
  explicit TcpState(InspectContext& ctx) : inspector(ctx) {
    for (std::size_t d = 0; d < 2; ++d) {
      sinks[d].inspector = &inspector;
      sinks[d].dir = static_cast<Direction>(d);
    }
  }
  std::array<flow::TcpReassembler, 2> streams;
  FlowInspector inspector;
  std::array<Sink, 2> sinks;
};

namespace {
// The QR bit of a DNS message's header (byte 2, high bit): set in responses. The caller has checked
// that the header's first three bytes are there.
bool dns_qr_set(std::span<const std::uint8_t> message) { return (message[2] & 0x80) != 0; }
}  // namespace

Engine::Engine(EngineConfig config, EventSink& sink, AnomalyCounters& anomalies)
    : config_(config),
      sink_(sink),
      anomalies_(anomalies),
      table_(config.max_flows),
      pdns_(config.passive_dns),
      dns_(std::make_unique<protocols::dns::DnsMessage>()),
      digest_(std::make_unique<DnsDigest>()),
      dns_transactions_(config.udp_idle_timeout) {
  ctx_.config = config_.inspect;
  ctx_.anomalies = &anomalies_;
  if (config_.pools) ctx_.pools = config_.pools;
}

Engine::~Engine() = default;

void Engine::process(const PacketView& pkt, const FlowLookup& flow) {
  PacketMeta meta;
  if (clock_.advance(pkt.ts, meta)) tick(meta);
  process(pkt, meta, flow);
}

void Engine::idle(Timestamp now) {
  PacketMeta meta;
  if (clock_.advance_idle(now, meta)) tick(meta);
}

void Engine::tick(const PacketMeta& meta) {
  // Every list is ordered by last touch on the pipeline clock, so its timed-out flows are a prefix:
  // the same flows end here whichever worker holds them.
  for (std::uint8_t l = 0; l < kListCount; ++l) {
    Duration timeout = timeout_of(l);
    while (Table::Entry* e = table_.oldest_in(l)) {
      if (meta.now - e->touched <= timeout) break;
      order_ = EventOrder{meta.index, 0, l, e->order};
      end_flow(*e);
    }
  }
}

void Engine::process(const PacketView& pkt, const PacketMeta& meta, const FlowLookup& flow, const DnsDigest* dns) {
  ++stats_.packets;
  stats_.bytes += pkt.wire_len;
  order_ = EventOrder{meta.index, 1, 0, 0};

  const Direction dir = flow.dir;
  const FlowKey& key = flow.key;
  const std::uint64_t hash = flow.hash;
  if (pkt.proto == decode::kProtoUdp && (pkt.sport == 53 || pkt.dport == 53)) {
    // DNS over UDP: each message stands alone (a query and its answer, on a fresh source port each
    // time), so it is read as it comes and never enters the flow table. Kept as flows, these
    // transactions were most of the table (57% of the flows and 72% of the peak open flows of the
    // 1 GiB ISP mix) for nothing any detection reads.
    if (pkt.payload.size() > 2 && !dns_qr_set(pkt.payload)) {  // a query: a transaction opens
      dns_transactions_.add(meta.now);
      note_concurrent_flows(meta.now);
    }
    if (!pkt.payload.empty()) {
      const DnsFlow owner{hash, pkt.ts};
      handle_dns(&owner, pkt, dns);
    }
    return;
  }
  Table::Entry* e = table_.find(key, hash);
  if (e == nullptr) {
    if (table_.full()) evict_one();
    e = &table_.insert(key, hash, pkt.ts, meta.index, pkt.proto == decode::kProtoTcp ? kTcpOpen : kOther);
    e->touched = meta.now;
    e->payload.first_seen = pkt.ts;
    ++stats_.flows;
    if (table_.size() > stats_.peak_open_flows) stats_.peak_open_flows = table_.size();
    note_concurrent_flows(meta.now);
  } else {
    table_.touch(*e, pkt.ts, meta.index, meta.now);
  }
  auto d = static_cast<std::size_t>(dir);
  FlowState& fs = e->payload;
  ++fs.pkts[d];
  fs.bytes[d] += pkt.wire_len;
  if (pkt.proto == decode::kProtoTcp) {
    handle_tcp(*e, pkt, dir);
    if (config_.flow_model && !fs.model_done) observe_for_model(*e, pkt, dir);
    table_.move_to(*e, list_of(*e));
  }
}

void Engine::note_concurrent_flows(Timestamp now) {
  const std::uint64_t open = table_.size() + dns_transactions_.count(now);
  if (open > stats_.peak_concurrent_flows) stats_.peak_concurrent_flows = open;
}

bool Engine::is_shared_knowledge(const PacketView& pkt) {
  if (pkt.payload.empty() || !(pkt.sport == 53 || pkt.dport == 53)) return false;
  // Over UDP only responses (QR bit set) teach the cache anything: queries stay with their owner.
  if (pkt.proto == decode::kProtoUdp) return pkt.payload.size() > 2 && dns_qr_set(pkt.payload);
  return pkt.proto == decode::kProtoTcp;  // a TCP segment may hold any part of a message
}

void Engine::observe(const PacketView& pkt, const PacketMeta&, const DnsDigest* dns) {
  if (pkt.payload.empty()) return;
  ++stats_.dns_observed;
  if (pkt.proto == decode::kProtoUdp) handle_dns(nullptr, pkt, dns);
  if (pkt.proto == decode::kProtoTcp) handle_tcp_dns(nullptr, pkt);
}

Engine::FlowList Engine::list_of(const Table::Entry& e) {
  const FlowState& fs = e.payload;
  if (e.key.proto != decode::kProtoTcp) return kOther;
  if (fs.rst || fs.fin_seen == 3) return kClosed;
  return fs.app == AppState::Mining ? kMiningOpen : kTcpOpen;
}

void Engine::evict_one() {
  // Closed flows are ending anyway; then the least recently seen flow that is not confirmed mining.
  Table::Entry* victim = table_.oldest_in(kClosed);
  if (!victim) {
    Table::Entry* tcp = table_.oldest_in(kTcpOpen);
    Table::Entry* other = table_.oldest_in(kOther);
    victim = !tcp ? other : (!other || tcp->order < other->order) ? tcp : other;
  }
  if (!victim) {
    victim = table_.oldest_in(kMiningOpen);
    ++stats_.mining_flows_evicted;
  }
  anomalies_.add(Anomaly::FlowTableFull);
  ++stats_.flows_evicted;
  end_flow(*victim);
}

void Engine::emit_alert(const OrientedFlow& of, const MiningSession& s, Timestamp ts) {
  sink_.on_alert(of, s, ts);
  ++order_.order;
}

void Engine::emit_session(const OrientedFlow& of, const MiningSession& s) {
  sink_.on_session(of, s);
  ++order_.order;
}

void Engine::handle_tcp(Table::Entry& e, const PacketView& pkt, Direction dir) {
  FlowState& fs = e.payload;
  auto d = static_cast<std::size_t>(dir);
  auto bit = static_cast<std::uint8_t>(1u << d);
  if (pkt.tcp_flags & tf::kSyn) {
    if (!(fs.syn_seen & bit)) {
      fs.syn_seen |= bit;
      fs.isn[d] = pkt.seq;
      if (fs.tcp) fs.tcp->streams[d].on_syn(pkt.seq);
    }
    if (!fs.initiator_known) {
      fs.initiator_known = true;
      fs.initiator = (pkt.tcp_flags & tf::kAck) ? static_cast<Direction>(d ^ 1u) : dir;
    }
  }
  if (pkt.tcp_flags & tf::kFin) fs.fin_seen |= bit;
  if (pkt.tcp_flags & tf::kRst) fs.rst = true;

  if (pkt.payload.empty()) return;
  if (pkt.sport == 53 || pkt.dport == 53) {
    const DnsFlow owner{e.hash, fs.first_seen};
    handle_tcp_dns(&owner, pkt);
    return;
  }
  // Live, several workers: the answer naming this server may have arrived since the endpoint check.
  if (fs.dns_rechecks > 0 && !recheck_pool_name(e, pkt.ts)) --fs.dns_rechecks;
  if (fs.app == AppState::Rejected) return;
  if (!fs.tcp) {
    fs.tcp = std::make_unique<TcpState>(ctx_);
    ++stats_.tcp_flows_inspected;
    if (++stats_.open_inspections > stats_.peak_open_inspections)
      stats_.peak_open_inspections = stats_.open_inspections;
    for (std::size_t k = 0; k < 2; ++k) {
      if (fs.syn_seen & (1u << k)) fs.tcp->streams[k].on_syn(fs.isn[k]);
    }
  }
  TcpState& ts = *fs.tcp;
  ts.sinks[d].ts = pkt.ts;
  ts.streams[d].on_segment(pkt.seq, pkt.payload, ts.sinks[d], anomalies_);
  // Destination signals once the payload has said what it can: a complete ClientHello (its server name
  // can veto them), bytes rejected as uninteresting (encrypted, binary), or mining messages too weak to
  // decide alone. A flow whose clear-text messages decide by themselves needs no more.
  const AppState st = ts.inspector.state();
  if (!fs.endpoint_checked && st != AppState::Mining && !ts.inspector.hello_pending() &&
      (st == AppState::Rejected || ts.inspector.server_name() != ServerName::NotSeen || ts.inspector.session())) {
    fs.endpoint_checked = true;
    fs.hello = ts.inspector.server_name();
    check_endpoint(e, pkt.ts);
  }
  AppState now_state = ts.inspector.state();
  if (now_state == AppState::Rejected) {
    fs.app = AppState::Rejected;
    if (ts.inspector.is_cleartext()) {
      fs.model_done = true;  // readable and not mining: decided benign, nothing for the behaviour model
      fs.probe.reset();
    }
    // A flow with outside signals keeps its (small) session for later ones, e.g. the flow model's.
    if (!ts.inspector.session()) {
      fs.tcp.reset();
      --stats_.open_inspections;
    }
    return;
  }
  if (now_state == AppState::Mining && fs.app != AppState::Mining) on_mining(e, pkt.ts);
}

void Engine::on_mining(Table::Entry& e, Timestamp ts) {
  FlowState& fs = e.payload;
  fs.app = AppState::Mining;
  fs.model_done = true;  // proven: the behaviour model has nothing to add
  fs.probe.reset();
  ++stats_.mining_flows;
  const MiningSession& s = *fs.tcp->inspector.session();
  OrientedFlow of = orient(e, s);
  // Later flows between this host and this pool address are suspect whatever they look like.
  if (known_miner_pools_.size() < config_.max_known_miner_pools) known_miner_pools_.emplace(of.miner, of.pool);
  if (!fs.alerted && alerted_hosts_.insert(of.miner).second) {
    fs.alerted = true;
    emit_alert(of, s, ts);
  }
}

void Engine::add_flow_signal(Table::Entry& e, Signal signal, double weight, std::string detail, Timestamp ts) {
  FlowState& fs = e.payload;
  if (!(weight > 0) || e.key.proto != decode::kProtoTcp) return;
  if (!fs.tcp) {
    fs.tcp = std::make_unique<TcpState>(ctx_);
    if (++stats_.open_inspections > stats_.peak_open_inspections)
      stats_.peak_open_inspections = stats_.open_inspections;
  }
  // A rejected flow's inspector is gone: its ClientHello is remembered in the flow state.
  fs.tcp->inspector.add_signal(signal, weight, std::move(detail), ts,
                               fs.hello == ServerName::NotSeen ? protocols::Family::Unknown : protocols::Family::Tls);
  if (fs.tcp->inspector.state() == AppState::Mining && fs.app != AppState::Mining) on_mining(e, ts);
}

Engine::Endpoints Engine::endpoints_of(const Table::Entry& e) {
  const FlowState& fs = e.payload;
  const bool a_is_client = fs.initiator_known ? fs.initiator == Direction::AtoB : e.key.port_a >= e.key.port_b;
  return Endpoints{a_is_client ? &e.key.a : &e.key.b, a_is_client ? &e.key.b : &e.key.a,
                   a_is_client ? e.key.port_b : e.key.port_a};
}

namespace {
// Why a destination signal is demoted, or "".
std::string why_shared(ServerName sni, std::size_t other_names) {
  if (sni == ServerName::Other) return "; demoted: the ClientHello names another site";
  if (other_names >= intel::PassiveDns::kOtherNames)
    return fmt::format("; demoted: the address also answers for {} or more other names", other_names);
  if (other_names > 0) return fmt::format("; demoted: the address also answers for {} other name(s)", other_names);
  return {};
}
}  // namespace

bool Engine::check_pool_name(Table::Entry& e, const intel::PassiveDns::AddressNames& names, Timestamp ts) {
  if (names.pool_name.empty()) return false;
  const FlowState& fs = e.payload;
  const FusionConfig& cfg = config_.inspect.fusion;
  const ServerName sni = fs.tcp ? fs.tcp->inspector.server_name() : fs.hello;
  const bool shared = names.other_names > 0 || sni == ServerName::Other;
  char addr[46];
  endpoints_of(e).server->format(addr);
  ++stats_.endpoint_signals;
  add_flow_signal(e, Signal::PoolAddressDns,
                  cfg.weight(Signal::PoolAddressDns) * (shared ? cfg.shared_address_factor : 1.0),
                  fmt::format("{} is an address of pool name {} (passive DNS){}", addr, names.pool_name,
                              why_shared(sni, names.other_names)),
                  ts);
  return true;
}

bool Engine::recheck_pool_name(Table::Entry& e, Timestamp ts) {
  FlowState& fs = e.payload;
  const bool found = fs.app != AppState::Mining && check_pool_name(e, pdns_.lookup(*endpoints_of(e).server, ts), ts);
  if (found) ++stats_.dns_late_names;
  if (found || fs.app == AppState::Mining) {
    fs.dns_rechecks = 0;
    fs.dns_pending = false;
    return true;
  }
  return false;
}

void Engine::check_endpoint(Table::Entry& e, Timestamp ts) {
  FlowState& fs = e.payload;
  const Endpoints ep = endpoints_of(e);
  const IpAddress& client = *ep.client;
  const IpAddress& server = *ep.server;
  const std::uint16_t port = ep.port;
  const FusionConfig& cfg = config_.inspect.fusion;
  const ServerName sni = fs.tcp ? fs.tcp->inspector.server_name() : ServerName::NotSeen;
  if (sni == ServerName::Pool) return;  // the server name already says it all
  const intel::PoolList& pools = *ctx_.pools;

  // Passive DNS: which names resolved to this address.
  const intel::PassiveDns::AddressNames names = pdns_.lookup(server, ts);
  const std::size_t other_names = names.other_names;
  const bool shared = other_names > 0 || sni == ServerName::Other;
  const double demote = shared ? cfg.shared_address_factor : 1.0;
  // Formatted only for a signal's detail: most flows raise none.
  char addr[46];
  auto addr_text = [&]() -> const char* {
    server.format(addr);
    return addr;
  };
  if (known_miner_pools_.count({client, server})) {
    ++stats_.endpoint_signals;
    add_flow_signal(e, Signal::KnownMinerPool, cfg.weight(Signal::KnownMinerPool) * demote,
                    fmt::format("this host mined on {} earlier{}", addr_text(), why_shared(sni, other_names)), ts);
  }
  if (!check_pool_name(e, names, ts) && config_.late_dns_rechecks > 0) {
    fs.dns_rechecks = config_.late_dns_rechecks;
    fs.dns_pending = true;
  }
  if (auto m = pools.match_address(server, port)) {
    ++stats_.endpoint_signals;
    Signal sig = m->port_listed ? Signal::PoolEndpointIntel : Signal::PoolAddressIntel;
    add_flow_signal(
        e, sig, cfg.weight(sig) * demote,
        fmt::format("{}{} is on intel list {}{}", addr_text(), m->port_listed ? fmt::format(":{}", port) : "",
                    m->source, why_shared(sni, other_names)),
        ts);
  }
}

// `owner` is the message's flow when this worker owns the packet, nullptr when it only observes it:
// then the message may feed shared knowledge but is neither counted nor alerted on.
void Engine::handle_dns(const DnsFlow* owner, const PacketView& pkt, const DnsDigest* dns) {
  if (dns == nullptr) {
    digest_dns(pkt.payload, *digest_);
    dns = digest_.get();
  }
  apply_dns(owner, *dns, pkt);
}

void Engine::digest_dns(std::span<const std::uint8_t> message, DnsDigest& out) {
  auto& msg = *dns_;
  out.anomaly = Anomaly{};
  out.parsed = protocols::dns::parse_message(message, msg, out.anomaly) == protocols::dns::DnsStatus::Parsed;
  out.has_question = out.parsed && msg.has_question;
  out.is_response = out.parsed && msg.is_response;
  out.pool = false;
  out.name_size = 0;
  out.address_count = 0;
  out.min_ttl = 0;
  if (!out.has_question) return;
  const std::string_view name = msg.question.name.view();
  std::copy(name.begin(), name.end(), out.name.begin());
  out.name_size = msg.question.name.size;
  // Whether the name is a pool's is decided once here, so the per-flow passive-DNS question is cheap.
  out.pool = ctx_.pools->match(name).has_value();
  if (msg.is_response && msg.rcode == 0 && msg.answers_size > 0) {
    // The answer, CNAMEs followed, belongs to the name the client asked for.
    protocols::dns::ResolvedChain chain;
    if (protocols::dns::resolve_chain(msg, chain) > 0) {
      const auto addresses = chain.address_list();
      std::copy(addresses.begin(), addresses.end(), out.addresses.begin());
      out.address_count = static_cast<std::uint8_t>(addresses.size());
      out.min_ttl = chain.min_ttl;
    }
  }
}

void Engine::handle_tcp_dns(const DnsFlow* owner, const PacketView& pkt) {
  // DNS over TCP: each segment is framed on its own (2-byte length, message). Answers in practice
  // fit one segment; a message split across segments is skipped, never misread.
  std::span<const std::uint8_t> rest = pkt.payload;
  while (!rest.empty()) {
    std::span<const std::uint8_t> body;
    std::size_t consumed = 0;
    Anomaly anomaly{};
    auto st = protocols::dns::next_tcp_message(rest, body, consumed, anomaly);
    if (st == protocols::dns::DnsStatus::NeedMore) return;
    if (st == protocols::dns::DnsStatus::Malformed) {
      if (owner) anomalies_.add(anomaly);
      return;
    }
    digest_dns(body, *digest_);
    if (!digest_->parsed) {
      if (owner) anomalies_.add(digest_->anomaly);
      return;
    }
    apply_dns(owner, *digest_, pkt);
    rest = rest.subspan(consumed);
  }
}

void Engine::apply_dns(const DnsFlow* owner, const DnsDigest& dns, const PacketView& pkt) {
  if (!dns.parsed) {
    if (owner) anomalies_.add(dns.anomaly);
    return;
  }
  if (owner) ++stats_.dns_messages;
  if (!dns.has_question) return;
  if (dns.address_count > 0) {
    pdns_.record(dns.name_view(), dns.address_list(), dns.min_ttl, pkt.ts, dns.pool);
    stats_.dns_answers_cached += dns.address_count;
  }
  if (!owner) return;  // observed for the cache only: another worker owns the flow
  if (!dns.pool) return;
  ++stats_.dns_pool_lookups;
  // The host that asked is the would-be miner: the query's sender, or the response's receiver.
  const IpAddress& asker = dns.is_response ? pkt.dst : pkt.src;
  if (alerted_hosts_.count(asker)) return;
  alerted_hosts_.insert(asker);
  protocols::MiningMessage mm;
  mm.family = protocols::Family::Dns;
  mm.kind = protocols::MessageKind::DnsLookup;
  mm.pool_host = dns.name_view();
  MiningSession s;
  s.add(mm, Direction::AtoB, pkt.ts);
  OrientedFlow of;
  of.miner = asker;
  of.pool = dns.is_response ? pkt.src : pkt.dst;
  of.miner_port = dns.is_response ? pkt.dport : pkt.sport;
  of.pool_port = dns.is_response ? pkt.sport : pkt.dport;
  of.proto = pkt.proto;
  of.start = owner->first_seen;
  of.end = pkt.ts;
  of.flow_id = flow_id_of(owner->hash, owner->first_seen);
  emit_alert(of, s, pkt.ts);
}

void Engine::observe_for_model(Table::Entry& e, const PacketView& pkt, Direction dir) {
  FlowState& fs = e.payload;
  // The model is for flows whose messages cannot be read; readable ones are judged by their messages.
  if (fs.tcp && fs.tcp->inspector.is_cleartext()) {
    fs.model_done = true;
    fs.probe.reset();
    return;
  }
  // Payload length per the IP header, like CESNET's exporter (snapped captures keep their sizes).
  std::uint32_t len = std::max<std::uint32_t>(pkt.payload_wire_len, static_cast<std::uint32_t>(pkt.payload.size()));
  if (len > 0) {
    if (!fs.probe) {
      fs.probe = std::make_unique<ModelProbe>();
      fs.probe->origin = fs.initiator_known ? fs.initiator : dir;
    }
    fs.probe->sample.add(dir == fs.probe->origin, len, pkt.ts);
  }
  if (!fs.probe) return;
  if (fs.probe->sample.full() || (pkt.ts - fs.first_seen >= config_.model_window && fs.probe->sample.size() >= 2))
    score_flow(e, pkt.ts);
}

void Engine::score_flow(Table::Entry& e, Timestamp ts) {
  FlowState& fs = e.payload;
  fs.model_done = true;
  std::unique_ptr<ModelProbe> probe = std::move(fs.probe);
  if (!probe || probe->sample.size() < 2) return;
  auto o = static_cast<std::size_t>(probe->origin);
  model::FeatureVector f = model::compute_features(probe->sample, fs.pkts[o], fs.pkts[o ^ 1u]);
  const model::FlowModel& m = *config_.flow_model;
  double score = m.score(f);
  fs.model_score = static_cast<float>(score);
  ++stats_.flows_model_scored;
  const bool positive = m.is_mining(score);
  if (positive) ++stats_.flows_model_positive;
  if (config_.score_sink) {
    ScoredFlow sf;
    bool a = probe->origin == Direction::AtoB;
    sf.initiator = a ? e.key.a : e.key.b;
    sf.responder = a ? e.key.b : e.key.a;
    sf.initiator_port = a ? e.key.port_a : e.key.port_b;
    sf.responder_port = a ? e.key.port_b : e.key.port_a;
    sf.pkts_up = fs.pkts[o];
    sf.pkts_down = fs.pkts[o ^ 1u];
    sf.sample = &probe->sample;
    sf.score = score;
    sf.positive = positive;
    config_.score_sink->on_flow_scored(sf);
  }
  // Behaviour signals for fusion (decisions 0008, 0011): the model's score, a weak signal weighted by the
  // configured curve, only at or above the model's threshold; the share rhythm, moderate. A ClientHello
  // that named no server is a weak signal added beside them (never alone). None alerts by itself.
  const FusionConfig& cfg = config_.inspect.fusion;
  const model::Rhythm rhythm = model::mining_rhythm(probe->sample);
  if (rhythm.match()) ++stats_.flows_rhythm;
  if ((positive || rhythm.match()) && fs.hello == ServerName::Absent)
    add_flow_signal(e, Signal::TlsNoServerName, cfg.weight(Signal::TlsNoServerName),
                    "the ClientHello named no server (no SNI)", ts);
  if (positive) {
    add_flow_signal(e, Signal::FlowModel, cfg.flow_model_weight(score),
                    fmt::format("behaviour score {:.3f} (threshold {:.3f}, {} packets)", score, m.threshold(),
                                probe->sample.size()),
                    ts);
  }
  if (rhythm.match()) {
    add_flow_signal(e, Signal::MiningRhythm, cfg.weight(Signal::MiningRhythm),
                    fmt::format("{} requests of ~{} B acknowledged by ~{} B within 1 s ({:.0f}%), Poisson-like "
                                "gaps (cv {:.2f}) over {} s",
                                rhythm.requests, rhythm.request_bytes, rhythm.reply_bytes, 100.0 * rhythm.answered,
                                rhythm.gap_cv, rhythm.span_ms / 1000),
                    ts);
  }
}

std::uint64_t Engine::flow_id_of(std::uint64_t hash, Timestamp first_seen) {
  // Suricata-style flow id: stable for the flow, positive and exact in a JSON double (< 2^53).
  return (hash ^ (static_cast<std::uint64_t>(first_seen.ns) * 0x9E3779B97F4A7C15ull)) & ((1ull << 51) - 1);
}

OrientedFlow Engine::orient(const Table::Entry& e, const MiningSession& s) const {
  const FlowState& fs = e.payload;
  // Which canonical direction carries miner -> pool traffic: the messages say so; without votes,
  // the connection initiator is the miner; without a handshake, the higher port is the client's.
  Direction up;
  if (auto v = s.miner_to_pool_direction()) {
    up = *v;
  } else if (fs.initiator_known) {
    up = fs.initiator;
  } else {
    up = e.key.port_a >= e.key.port_b ? Direction::AtoB : Direction::BtoA;
  }
  OrientedFlow of;
  bool a_is_miner = up == Direction::AtoB;
  of.miner = a_is_miner ? e.key.a : e.key.b;
  of.pool = a_is_miner ? e.key.b : e.key.a;
  of.miner_port = a_is_miner ? e.key.port_a : e.key.port_b;
  of.pool_port = a_is_miner ? e.key.port_b : e.key.port_a;
  of.proto = e.key.proto;
  auto u = static_cast<std::size_t>(up);
  of.pkts_toserver = fs.pkts[u];
  of.pkts_toclient = fs.pkts[u ^ 1u];
  of.bytes_toserver = fs.bytes[u];
  of.bytes_toclient = fs.bytes[u ^ 1u];
  of.start = fs.first_seen;
  of.end = e.last_seen;
  of.flow_id = flow_id_of(e);
  if (fs.model_score >= 0) of.flow_model_score = fs.model_score;
  return of;
}

void Engine::end_flow(Table::Entry& e) {
  FlowState& fs = e.payload;
  // Live, several workers: the answer naming the server may have come after the flow's last packet.
  if (fs.dns_pending) recheck_pool_name(e, e.last_seen);
  if (fs.probe) score_flow(e, e.last_seen);
  if (fs.tcp) {
    TcpState& ts = *fs.tcp;
    for (std::size_t d = 0; d < 2; ++d) {
      ts.sinks[d].ts = e.last_seen;
      ts.streams[d].flush(ts.sinks[d], anomalies_);
    }
    ts.inspector.finish(e.last_seen);
    const MiningSession* s = ts.inspector.session();
    if (ts.inspector.state() != AppState::Rejected && s && s->is_mining(config_.inspect.alert_threshold)) {
      OrientedFlow of = orient(e, *s);
      if (fs.app != AppState::Mining) {
        // Tipped over only by the last buffered bytes.
        ++stats_.mining_flows;
        if (alerted_hosts_.insert(of.miner).second) emit_alert(of, *s, e.last_seen);
      }
      emit_session(of, *s);
    } else if (s && !s->evidence().empty() &&
               (ts.inspector.state() != AppState::Rejected || s->has_signal(Signal::MiningRhythm))) {
      // The share rhythm is behaviour that unreadable bytes cannot refute: such a flow stays a suspect
      // (e.g. for --probe) even though its payload was rejected as opaque.
      sink_.on_suspect(orient(e, *s), *s);
    }
    --stats_.open_inspections;
  }
  table_.erase(e);
}

Duration Engine::timeout_of(std::size_t list) const {
  switch (list) {
    case kClosed: return config_.closed_timeout;
    case kOther: return config_.udp_idle_timeout;
    default: return config_.tcp_idle_timeout;
  }
}

void Engine::finish() {
  while (Table::Entry* e = table_.oldest()) {
    order_ = EventOrder{EventOrder::kEndOfInput, 2, 0, e->order};
    end_flow(*e);
  }
  alerted_hosts_.clear();
}

}  // namespace minewatch::detect
