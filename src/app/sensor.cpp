// `minewatch sensor`: live capture. N workers, each with its own AF_PACKET socket in one fanout
// group (a BPF program deals packets by address pair, so every flow between two hosts meets one
// engine; libpcap, which the kernel cannot fan out, is dealt the same way by a SoftwareFanout thread;
// DNS answers are copied to every worker) and its own Engine; events go through one locked sink that
// keeps the first alert per host across workers. SIGINT/SIGTERM: stop reading, drain what the kernel
// already holds, end every flow (their mining records are written), report the counters.
#include "app/sensor.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <barrier>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "capture/af_packet_source.hpp"
#include "capture/software_fanout.hpp"
#include "decode/decoder.hpp"
#include "events/eve_writer.hpp"
#include "pipeline/parallel_analyzer.hpp"

namespace minewatch::app {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_sensor_stop_signal(int) { g_stop.store(true); }

// Serialises the workers' events and keeps the first alert per host across workers.
class LockedSink final : public detect::EventSink {
 public:
  LockedSink(detect::EventSink* out, std::FILE* flush) : out_(out), flush_(flush) {}
  void on_alert(const detect::OrientedFlow& f, const detect::MiningSession& s, Timestamp ts) override {
    std::lock_guard lock(mu_);
    ++alerts_;
    if (!alerted_.insert(f.miner).second || !out_) return;
    out_->on_alert(f, s, ts);
    if (flush_) std::fflush(flush_);
  }
  void on_session(const detect::OrientedFlow& f, const detect::MiningSession& s) override {
    std::lock_guard lock(mu_);
    ++sessions_;
    if (!out_) return;
    out_->on_session(f, s);
    if (flush_) std::fflush(flush_);
  }
  [[nodiscard]] std::uint64_t sessions() const { return sessions_; }
  [[nodiscard]] std::size_t alerted_hosts() const { return alerted_.size(); }

 private:
  std::mutex mu_;
  detect::EventSink* out_;
  std::FILE* flush_;
  std::set<IpAddress> alerted_;
  std::uint64_t alerts_ = 0, sessions_ = 0;
};

Timestamp wall_now() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
  return Timestamp{ns.count()};
}

// DNS answers are knowledge every worker needs: the kernel deals a DNS exchange to one worker and the
// flow to the address it named perhaps to another. The worker that captured a response copies the
// frame into every other worker's mailbox; each drains its own before its next batch and feeds the
// frames to Engine::observe (cache only: nothing counted or alerted).
struct Mailbox {
  struct Copy {
    std::vector<std::uint8_t> bytes;
    Timestamp ts;
    std::uint32_t link_type = 1, wire_len = 0;
  };
  std::mutex mu;
  std::vector<Copy> frames;
  static constexpr std::size_t kMaxQueued = 1u << 16;  // a stalled worker must not hoard memory
};

struct SensorWorker {
  std::unique_ptr<capture::LiveSource> source;
  AnomalyCounters anomalies;
  std::unique_ptr<detect::Engine> engine;
  capture::LiveStats final_stats;
  std::uint64_t decoded = 0;
  std::uint64_t dns_shared = 0, dns_received = 0, dns_mail_dropped = 0;
  Mailbox inbox;
  std::vector<SensorWorker*> peers;   // every other worker
  std::barrier<>* stopped = nullptr;  // all workers have read their last packet (several workers)

  void share(const capture::Frame& f) {
    for (SensorWorker* p : peers) {
      std::lock_guard lock(p->inbox.mu);
      if (p->inbox.frames.size() >= Mailbox::kMaxQueued) {
        ++dns_mail_dropped;
        continue;
      }
      p->inbox.frames.push_back({{f.data.begin(), f.data.end()}, f.ts, f.link_type, f.wire_len});
      ++dns_shared;
    }
  }

  void drain_inbox() {
    std::vector<Mailbox::Copy> mail;
    {
      std::lock_guard lock(inbox.mu);
      if (inbox.frames.empty()) return;
      mail.swap(inbox.frames);
    }
    decode::PacketView pkt;
    AnomalyCounters ignored;  // counted by the worker that captured the frame
    for (const auto& m : mail) {
      const capture::Frame f{m.ts, m.link_type, m.wire_len, m.bytes};
      if (decode::decode_frame(f, pkt, ignored) != decode::DecodeStatus::Ok) continue;
      engine->observe(pkt, detect::PacketMeta{});
      ++dns_received;
    }
  }

  void run() {
    std::array<capture::Frame, 256> batch;
    decode::PacketView pkt;
    // After a stop request, keep reading until the kernel's ring is empty: those packets were
    // already captured and count as received, not dropped.
    for (;;) {
      bool stopping = g_stop.load(std::memory_order_relaxed);
      std::size_t n = source->read_batch(batch);
      if (n == 0) {
        if (stopping && source->finished()) break;
        if (!peers.empty()) drain_inbox();
        engine->idle(wall_now());
        continue;
      }
      if (!peers.empty()) drain_inbox();
      for (std::size_t i = 0; i < n; ++i) {
        if (decode::decode_frame(batch[i], pkt, anomalies) != decode::DecodeStatus::Ok) continue;
        ++decoded;
        engine->process(pkt);
        if (!peers.empty() && detect::Engine::is_shared_knowledge(pkt)) share(batch[i]);
      }
    }
    final_stats = source->stats();
    if (stopped) {
      // The last answers other workers captured: wait until no worker can post any more, take them,
      // then end the flows (a flow still waiting for its server's name asks once more as it ends).
      stopped->arrive_and_wait();
      drain_inbox();
    }
    engine->finish();
  }
};

}  // namespace

int run_sensor(const SensorOptions& opt) {
  std::FILE* eve_file = nullptr;
  bool close_eve = false;
  if (opt.eve_path == "-") {
    eve_file = stdout;
  } else if (!opt.eve_path.empty()) {
    eve_file = std::fopen(opt.eve_path.c_str(), "w");
    if (!eve_file) {
      fmt::print(stderr, "minewatch: cannot write events to {}: {}\n", opt.eve_path, std::strerror(errno));
      return 2;
    }
    close_eve = true;
  }
  std::unique_ptr<events::EveWriter> eve;
  if (eve_file) eve = std::make_unique<events::EveWriter>(eve_file, opt.sensor_name);
  LockedSink sink(eve.get(), eve_file);

  std::size_t threads = std::max<std::size_t>(1, opt.threads);
  capture::LiveOptions lo;
  lo.interface = opt.interface;
  lo.block_bytes = opt.block_bytes;
  lo.block_count = opt.block_count;
  lo.fanout_group = threads > 1 ? static_cast<std::uint16_t>((getpid() & 0x7fff) | 1) : 0;
  std::vector<std::unique_ptr<SensorWorker>> workers;
  std::string method = opt.method;
  std::string af_error;
  if (method == "auto" || method == "af_packet") {
    for (std::size_t w = 0; w < threads; ++w) {
      auto src = capture::open_af_packet(lo);
      if (!src) {
        af_error = src.error().message;
        workers.clear();
        break;
      }
      auto worker = std::make_unique<SensorWorker>();
      worker->source = std::move(*src);
      workers.push_back(std::move(worker));
    }
    if (workers.empty() && method == "af_packet") {
      fmt::print(stderr, "minewatch: {}\n", af_error);
      return 1;
    }
  }
  std::unique_ptr<capture::SoftwareFanout> soft_fanout;
  if (workers.empty()) {
    if (!af_error.empty()) fmt::print(stderr, "minewatch: {}; falling back to libpcap\n", af_error);
    auto src = capture::open_pcap_live(lo);
    if (!src) {
      fmt::print(stderr, "minewatch: {}\n", src.error().message);
      return 1;
    }
    if (threads == 1) {
      auto worker = std::make_unique<SensorWorker>();
      worker->source = std::move(*src);
      workers.push_back(std::move(worker));
    } else {
      // The kernel cannot fan libpcap out: a dealer thread deals frames by address pair, as the
      // AF_PACKET fanout program does.
      auto deal = [](const capture::Frame& f) -> std::size_t {
        decode::PacketView pkt;
        AnomalyCounters ignored;  // counted by the worker that decodes the frame again
        if (decode::decode_frame(f, pkt, ignored) != decode::DecodeStatus::Ok) return 0;
        return static_cast<std::size_t>(pipeline::dispatch_hash(pkt));
      };
      soft_fanout = std::make_unique<capture::SoftwareFanout>(std::move(*src), threads, deal, g_stop,
                                                              std::chrono::milliseconds{lo.poll_timeout_ms});
      for (std::size_t w = 0; w < threads; ++w) {
        auto worker = std::make_unique<SensorWorker>();
        worker->source = soft_fanout->endpoint(w);
        workers.push_back(std::move(worker));
      }
    }
  }
  detect::EngineConfig config = opt.engine;
  config.max_flows = std::max<std::uint32_t>(1024, config.max_flows / static_cast<std::uint32_t>(workers.size()));
  // DNS answers other workers captured arrive through mailboxes, possibly just after the flow they name
  // started: such flows ask passive DNS again at their next payload packets.
  if (workers.size() > 1) config.late_dns_rechecks = 8;
  for (auto& w : workers) w->engine = std::make_unique<detect::Engine>(config, sink, w->anomalies);
  std::barrier stopped(static_cast<std::ptrdiff_t>(workers.size()));
  for (auto& w : workers) {
    for (auto& other : workers) {
      if (other != w) w->peers.push_back(other.get());
    }
    if (workers.size() > 1) w->stopped = &stopped;
  }

  g_stop.store(false);
  struct sigaction sa {};
  sa.sa_handler = on_sensor_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  fmt::print(stderr, "minewatch sensor: listening on {} ({}, {} worker{})\n", opt.interface,
             workers.front()->source->method(), workers.size(), workers.size() == 1 ? "" : "s");
  std::fflush(stderr);
  std::vector<std::thread> threads_run;
  for (auto& w : workers) threads_run.emplace_back([&w] { w->run(); });
  if (soft_fanout) soft_fanout->start();
  for (auto& t : threads_run) t.join();

  capture::LiveStats total;
  detect::EngineStats es;
  AnomalyCounters anomalies;
  std::uint64_t decoded = 0, dns_shared = 0, dns_received = 0, dns_mail_dropped = 0;
  for (auto& w : workers) {
    dns_shared += w->dns_shared;
    dns_received += w->dns_received;
    dns_mail_dropped += w->dns_mail_dropped;
    const auto& s = w->final_stats;
    total.packets += s.packets;
    total.kernel_drops += s.kernel_drops;
    total.interface_drops += s.interface_drops;
    total.freeze_count += s.freeze_count;
    total.losing_blocks += s.losing_blocks;
    decoded += w->decoded;
    const auto& e = w->engine->stats();
    es.flows += e.flows;
    es.mining_flows += e.mining_flows;
    es.flows_evicted += e.flows_evicted;
    anomalies.merge(w->anomalies);
  }
  std::uint64_t undecodable = total.packets - decoded;
  double loss = total.packets + total.kernel_drops == 0 ? 0.0
                                                        : 100.0 * static_cast<double>(total.kernel_drops) /
                                                              static_cast<double>(total.packets + total.kernel_drops);
  fmt::print(stderr,
             "minewatch sensor: stopped. received {} packets, kernel drops {} ({:.3f}%), interface drops {}, "
             "ring freezes {}, blocks flagged losing {}, undecodable {}; {} flows, {} mining, {} evicted; "
             "{} mining records, {} miner hosts\n",
             total.packets, total.kernel_drops, loss, total.interface_drops, total.freeze_count, total.losing_blocks,
             undecodable, es.flows, es.mining_flows, es.flows_evicted, sink.sessions(), sink.alerted_hosts());
  if (eve) eve->write_host_summaries();
  int status = 0;
  if (eve_file && (std::fflush(eve_file) != 0 || std::ferror(eve_file))) status = 2;
  if (close_eve) std::fclose(eve_file);
  if (!opt.stats_path.empty()) {
    std::FILE* f = std::fopen(opt.stats_path.c_str(), "w");
    if (!f) {
      fmt::print(stderr, "minewatch: cannot write stats to {}: {}\n", opt.stats_path, std::strerror(errno));
      return 2;
    }
    fmt::print(f,
               "{{\"method\":\"{}\",\"workers\":{},\"packets\":{},\"kernel_drops\":{},\"interface_drops\":{},"
               "\"freeze_count\":{},\"losing_blocks\":{},\"undecodable\":{},\"flows\":{},\"mining_flows\":{},"
               "\"flows_evicted\":{},\"mining_records\":{},\"miner_hosts\":{},\"dns_shared\":{},"
               "\"dns_received\":{},\"dns_mail_dropped\":{},\"dns_late_names\":{}",
               workers.front()->source->method(), workers.size(), total.packets, total.kernel_drops,
               total.interface_drops, total.freeze_count, total.losing_blocks, undecodable, es.flows, es.mining_flows,
               es.flows_evicted, sink.sessions(), sink.alerted_hosts(), dns_shared, dns_received, dns_mail_dropped,
               es.dns_late_names);
    // Per worker: how the fanout split the traffic (packets received by its socket, flows it tracked).
    std::string per;
    for (const auto& w : workers) {
      per += fmt::format("{}{{\"packets\":{},\"flows\":{}}}", per.empty() ? "" : ",", w->final_stats.packets,
                         w->engine->stats().flows);
    }
    fmt::print(f, ",\"per_worker\":[{}]}}\n", per);
    std::fclose(f);
  }
  return status;
}

}  // namespace minewatch::app
