#include "pipeline/parallel_analyzer.hpp"

#include <sys/resource.h>

#include <array>
#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <thread>

#include "decode/decoder.hpp"
#include "pipeline/spsc_ring.hpp"

namespace minewatch::pipeline {

using detect::EventOrder;
using detect::MiningSession;
using detect::OrientedFlow;
using detect::PacketMeta;

std::uint64_t dispatch_hash(const decode::PacketView& pkt) {
  // XOR of the two endpoints is the same both ways; then a multiply-mix so workers share evenly.
  std::uint64_t s[2], d[2];
  std::memcpy(s, pkt.src.bytes.data(), 16);
  std::memcpy(d, pkt.dst.bytes.data(), 16);
  std::uint64_t h = (s[0] ^ d[0]) * 0x9E3779B97F4A7C15ull;
  h ^= (s[1] ^ d[1]) + 0xBF58476D1CE4E5B9ull + (h << 6) + (h >> 2);
  h *= 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

namespace {

struct WorkItem {
  enum class Kind : std::uint8_t { Packet, Observe, Tick, End };
  Kind kind = Kind::Packet;
  PacketMeta meta;
  decode::PacketView pkt;
};

struct RecordedEvent {
  EventOrder order;
  bool is_alert = false;
  OrientedFlow flow;
  MiningSession session;
  Timestamp ts{};
};

// A worker's output: events in its own (non-decreasing) EventOrder, and how far it has got: every
// event it will still produce orders at or after `progress`.
struct Outbox {
  std::mutex mu;
  std::deque<RecordedEvent> events;
  EventOrder progress{};
};

class RecordingSink final : public detect::EventSink {
 public:
  explicit RecordingSink(Outbox& out) : out_(out) {}
  void attach(const detect::Engine& engine) { engine_ = &engine; }
  void on_alert(const OrientedFlow& f, const MiningSession& s, Timestamp ts) override { record(true, f, s, ts); }
  void on_session(const OrientedFlow& f, const MiningSession& s) override { record(false, f, s, Timestamp{}); }

 private:
  void record(bool alert, const OrientedFlow& f, const MiningSession& s, Timestamp ts) {
    std::lock_guard lock(out_.mu);
    out_.events.push_back(RecordedEvent{engine_->event_order(), alert, f, s, ts});
  }
  Outbox& out_;
  const detect::Engine* engine_ = nullptr;
};

// CPU time (user + system) the calling thread has used so far.
double thread_cpu_seconds() {
  rusage ru{};
  if (getrusage(RUSAGE_THREAD, &ru) != 0) return 0;
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// Runs one work item on an engine (`flow`: the packet's flow lookup, for Packet items); returns how
// far the engine has got (Outbox::progress).
EventOrder run_item(detect::Engine& engine, const WorkItem& it, const detect::Engine::FlowLookup& flow) {
  switch (it.kind) {
    case WorkItem::Kind::Packet: engine.process(it.pkt, it.meta, flow); return EventOrder{it.meta.index + 1, 0, 0, 0};
    case WorkItem::Kind::Observe: engine.observe(it.pkt, it.meta); return EventOrder{it.meta.index + 1, 0, 0, 0};
    case WorkItem::Kind::Tick: engine.tick(it.meta); return EventOrder{it.meta.index, 1, 0, 0};
    case WorkItem::Kind::End: engine.finish(); return EventOrder{EventOrder::kEndOfInput, 3, 0, 0};
  }
  return EventOrder{};
}

// Runs a span of work items in order, as the single pipeline runs a batch (Engine::run_prefetched).
// `flows` is scratch space kept between calls. Returns how far the engine has got.
EventOrder run_items(detect::Engine& engine, std::span<const WorkItem> items,
                     std::vector<detect::Engine::FlowLookup>& flows) {
  EventOrder reached{};
  engine.run_prefetched(
      items.size(), flows,
      [&](std::size_t k) { return items[k].kind == WorkItem::Kind::Packet ? &items[k].pkt : nullptr; },
      [&](std::size_t k, const detect::Engine::FlowLookup& flow) { reached = run_item(engine, items[k], flow); });
  return reached;
}

// One engine and what it reports: run inline by the reader (engine 0) or on a worker thread.
struct Lane {
  explicit Lane(const detect::EngineConfig& config) : sink(outbox), engine(config, sink, anomalies) {
    sink.attach(engine);
  }
  void set_progress(EventOrder reached) {
    std::lock_guard lock(outbox.mu);
    outbox.progress = reached;
  }
  Outbox outbox;
  AnomalyCounters anomalies;
  RecordingSink sink;
  detect::Engine engine;
  double cpu_seconds = 0;   // of the thread that ran it, during the run
  double wait_seconds = 0;  // that thread's waits on rings (and the reader's for the workers at the end)
};

struct Worker {
  // 64 Ki items (about 7 MB) per worker: bursts of work (a second's timeouts, a run of expensive
  // flows) are absorbed instead of putting the reader or the worker to sleep; on the 3 GiB mix the
  // two-thread wall time fell from 1.59 s (4 Ki items) to 1.30 s.
  static constexpr std::size_t kRing = 1 << 16;
  explicit Worker(const detect::EngineConfig& config) : ring(kRing), lane(config) {}
  void run() {
    const double cpu_start = thread_cpu_seconds();
    detect::Engine& engine = lane.engine;
    bool done = false;
    while (!done) {
      auto items = ring.wait_readable(256);
      const EventOrder reached = run_items(engine, items, flows);
      // The reader sends End last: nothing follows it.
      done = !items.empty() && items.back().kind == WorkItem::Kind::End;
      lane.set_progress(reached);
      ring.release(items.size());
    }
    lane.cpu_seconds = thread_cpu_seconds() - cpu_start;
    lane.wait_seconds = ring.consumer_wait_seconds();
  }

  SpscRing<WorkItem> ring;
  Lane lane;
  std::vector<detect::Engine::FlowLookup> flows;  // run_items' scratch
};

// Merges the workers' outboxes into the single-pipeline order and keeps the first alert per host.
class Merger {
 public:
  Merger(std::vector<Lane*> lanes, detect::EventSink& sink) : lanes_(std::move(lanes)), sink_(sink) {}

  // Delivers every event no worker can still precede.
  void drain() {
    for (;;) {
      std::optional<RecordedEvent> next;
      std::size_t from = 0;
      EventOrder floor{EventOrder::kEndOfInput, 255, 255, ~0ull};
      const EventOrder* best = nullptr;
      std::vector<std::unique_lock<std::mutex>> locks;
      locks.reserve(lanes_.size());
      for (std::size_t w = 0; w < lanes_.size(); ++w) {
        Outbox& o = lanes_[w]->outbox;
        locks.emplace_back(o.mu);
        if (!o.events.empty()) {
          if (!best || o.events.front().order < *best) {
            best = &o.events.front().order;
            from = w;
          }
        } else if (o.progress < floor) {
          floor = o.progress;
        }
      }
      if (!best || !(*best < floor)) return;
      next.emplace(std::move(lanes_[from]->outbox.events.front()));
      lanes_[from]->outbox.events.pop_front();
      locks.clear();
      deliver(*next);
    }
  }

 private:
  void deliver(const RecordedEvent& e) {
    if (e.is_alert) {
      if (!alerted_.insert(e.flow.miner).second) return;
      sink_.on_alert(e.flow, e.session, e.ts);
    } else {
      sink_.on_session(e.flow, e.session);
    }
  }
  std::vector<Lane*> lanes_;
  detect::EventSink& sink_;
  std::set<IpAddress> alerted_;
};

constexpr std::uint32_t kBuckets = 1024;

}  // namespace

ParallelAnalyzer::ParallelAnalyzer(detect::EngineConfig config, std::size_t threads, detect::EventSink& sink,
                                   AnomalyCounters& anomalies)
    : config_(config), threads_(threads < 1 ? 1 : threads), sink_(sink), anomalies_(anomalies) {
  // Address-pair buckets [0, reader_buckets_) go to the reader's engine, the rest to the workers.
  const double share = threads_ == 1 ? 1.0 : kReaderShare / (kReaderShare + static_cast<double>(threads_ - 1));
  reader_buckets_ = static_cast<std::uint32_t>(share * kBuckets + 0.5);
  // The hard cap is for the whole process: each engine gets the share of it its flows get.
  const double cap = config_.max_flows;
  reader_config_ = config_;
  reader_config_.max_flows = std::max<std::uint32_t>(1024, static_cast<std::uint32_t>(cap * share));
  if (threads_ > 1) {
    config_.max_flows = std::max<std::uint32_t>(
        1024, static_cast<std::uint32_t>(cap * (1.0 - share) / static_cast<double>(threads_ - 1)));
  }
}

ParallelAnalyzer::~ParallelAnalyzer() = default;

std::size_t ParallelAnalyzer::owner_of(std::uint64_t hash) const {
  const auto bucket = static_cast<std::uint32_t>(hash >> 40) % kBuckets;
  if (bucket < reader_buckets_) return 0;
  return 1 + static_cast<std::size_t>(hash % (threads_ - 1));
}

void ParallelAnalyzer::run(capture::FrameSource& source, const std::function<void(std::uint64_t)>& progress) {
  // Engine 0 runs inline on this thread (the reader); engines 1..N-1 on worker threads.
  const double cpu_start = thread_cpu_seconds();
  Lane reader_lane(reader_config_);
  detect::Engine& own = reader_lane.engine;
  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t w = 1; w < threads_; ++w) workers.push_back(std::make_unique<Worker>(config_));
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  std::vector<Lane*> lanes{&reader_lane};
  for (auto& w : workers) lanes.push_back(&w->lane);
  Merger merger(lanes, sink_);

  const bool stable = source.frames_outlive_batch();
  detect::PacketClock clock;
  constexpr std::size_t kBatch = 256;
  std::array<capture::Frame, kBatch> batch;
  std::array<decode::PacketView, kBatch> pkts;
  // The reader engine's work for the batch, in input order (ticks and packets interleaved), run after
  // the batch is dealt so its flow lookups can be prefetched a few packets ahead.
  std::vector<WorkItem> own_work;
  own_work.reserve(2 * kBatch);
  std::vector<detect::Engine::FlowLookup> own_flows;
  std::uint64_t packets = 0;
  auto push = [&](std::size_t w, WorkItem::Kind kind, const PacketMeta& meta, const decode::PacketView* pkt) {
    WorkItem& it = workers[w - 1]->ring.claim();
    it.kind = kind;
    it.meta = meta;
    if (pkt) it.pkt = *pkt;
  };
  auto publish_all = [&] {
    for (auto& w : workers) w->ring.publish();
  };
  while (std::size_t got = source.read_batch(batch)) {
    own_work.clear();
    // The whole batch first: the dispatch hash then reads addresses stored long before.
    const std::size_t decoded = decode::decode_batch(std::span(batch).first(got), pkts, anomalies_);
    for (std::size_t i = 0; i < decoded; ++i) {
      const decode::PacketView& pkt = pkts[i];
      PacketMeta meta;
      if (clock.advance(pkt.ts, meta)) {
        own_work.push_back(WorkItem{WorkItem::Kind::Tick, meta, {}});
        for (std::size_t w = 1; w < threads_; ++w) push(w, WorkItem::Kind::Tick, meta, nullptr);
      }
      const std::size_t owner = owner_of(dispatch_hash(pkt));
      if (detect::Engine::is_shared_knowledge(pkt)) {
        own_work.push_back(WorkItem{owner == 0 ? WorkItem::Kind::Packet : WorkItem::Kind::Observe, meta, pkt});
        for (std::size_t w = 1; w < threads_; ++w)
          push(w, w == owner ? WorkItem::Kind::Packet : WorkItem::Kind::Observe, meta, &pkt);
      } else if (owner == 0) {
        own_work.push_back(WorkItem{WorkItem::Kind::Packet, meta, pkt});
      } else {
        push(owner, WorkItem::Kind::Packet, meta, &pkt);
      }
      ++packets;
    }
    publish_all();
    // The reader's share, while the workers do theirs. The walk's prefetch steps for the next batch
    // (one per packet read, as the single pipeline takes them) are spread over this work: issued
    // between the engine's packets, the lines arrive while it computes. Issued in the dealing loop,
    // they stall it as long as the walk would (decision 0009, stop 19).
    std::size_t steps = 0;
    own.run_prefetched(
        own_work.size(), own_flows,
        [&](std::size_t k) { return own_work[k].kind == WorkItem::Kind::Packet ? &own_work[k].pkt : nullptr; },
        [&](std::size_t k, const detect::Engine::FlowLookup& flow) {
          run_item(own, own_work[k], flow);
          for (const std::size_t due = (k + 1) * got / own_work.size(); steps < due; ++steps) source.prefetch_step();
        });
    for (; steps < got; ++steps) source.prefetch_step();
    reader_lane.set_progress(EventOrder{packets, 0, 0, 0});
    if (!stable) {
      // Frames die with the next read: wait until every worker has consumed them.
      for (auto& w : workers) {
        WorkItem& it = w->ring.claim();
        it.kind = WorkItem::Kind::Observe;
        it.pkt = decode::PacketView{};
        it.meta = PacketMeta{packets == 0 ? 0 : packets - 1, {}};
      }
      publish_all();
      for (auto& w : workers) {
        for (;;) {
          {
            std::lock_guard lock(w->lane.outbox.mu);
            if (w->lane.outbox.progress.index >= packets) break;
          }
          std::this_thread::yield();
        }
      }
    }
    merger.drain();
    if (progress) progress(packets);
  }
  for (std::size_t w = 1; w < threads_; ++w) push(w, WorkItem::Kind::End, PacketMeta{}, nullptr);
  publish_all();
  own.finish();
  reader_lane.set_progress(EventOrder{EventOrder::kEndOfInput, 3, 0, 0});
  reader_lane.cpu_seconds = thread_cpu_seconds() - cpu_start;
  const auto join_start = std::chrono::steady_clock::now();
  for (auto& t : threads) t.join();
  reader_lane.wait_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - join_start).count();
  for (auto& w : workers) reader_lane.wait_seconds += w->ring.producer_wait_seconds();
  merger.drain();

  stats_ = {};
  shares_.clear();
  for (Lane* lane : lanes) {
    shares_.push_back(
        EngineShare{lane->engine.stats().packets, lane->engine.stats().flows, lane->cpu_seconds, lane->wait_seconds});
    stats_.add_worker(lane->engine.stats());
    anomalies_.merge(lane->anomalies);
  }
}

}  // namespace minewatch::pipeline
