#include "pipeline/parallel_analyzer.hpp"

#include <sys/resource.h>

#include <array>
#include <chrono>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <thread>

#include "decode/decoder.hpp"
#include "pipeline/spsc_ring.hpp"

namespace minewatch::pipeline {

using detect::DnsDigest;
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
  // The item carries a DNS answer the reader has read for every engine (DnsDigest), encoded in this
  // many chunks of the worker's digest ring (0: none). Each engine takes its digests in item order:
  // a worker from that ring, the reader's engine from the batch's own_digests.
  std::uint8_t digest_chunks = 0;
  PacketMeta meta;
  decode::PacketView pkt;
};
static_assert(sizeof(WorkItem) == 104, "the digest chunk count fits in the kind's padding");

// A worker's digests travel in a ring of their own, in the order of the items that carry them, each
// in as many 64-byte chunks as its encoding needs (two for two addresses and a name of up to 82
// characters).
struct alignas(64) DigestChunk {
  std::array<std::byte, 64> bytes;
};
constexpr std::size_t chunks_for(std::size_t bytes) { return (bytes + sizeof(DigestChunk) - 1) / sizeof(DigestChunk); }
static_assert(chunks_for(DnsDigest::kMaxEncodedBytes) <= 255);

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

// Runs one work item on an engine (`flow`: the packet's flow lookup, for Packet items; `dns`: the
// packet's DNS answer as the reader read it, if it did); returns how far the engine has got
// (Outbox::progress).
EventOrder run_item(detect::Engine& engine, const WorkItem& it, const detect::Engine::FlowLookup& flow,
                    const DnsDigest* dns) {
  switch (it.kind) {
    case WorkItem::Kind::Packet:
      engine.process(it.pkt, it.meta, flow, dns);
      return EventOrder{it.meta.index + 1, 0, 0, 0};
    case WorkItem::Kind::Observe: engine.observe(it.pkt, it.meta, dns); return EventOrder{it.meta.index + 1, 0, 0, 0};
    case WorkItem::Kind::Tick: engine.tick(it.meta); return EventOrder{it.meta.index, 1, 0, 0};
    case WorkItem::Kind::End: engine.finish(); return EventOrder{EventOrder::kEndOfInput, 3, 0, 0};
  }
  return EventOrder{};
}

// Runs a span of work items in order, as the single pipeline runs a batch (Engine::run_prefetched).
// `flows` is scratch space kept between calls; `digest_of(item)` gives an item's DNS digest (or
// nullptr); `after(k)` runs after item k. Returns how far the engine has got.
template <typename DigestOf, typename After>
EventOrder run_items(detect::Engine& engine, std::span<const WorkItem> items,
                     std::vector<detect::Engine::FlowLookup>& flows, DigestOf&& digest_of, After&& after) {
  EventOrder reached{};
  engine.run_prefetched(
      items.size(), flows,
      [&](std::size_t k) { return items[k].kind == WorkItem::Kind::Packet ? &items[k].pkt : nullptr; },
      [&](std::size_t k, const detect::Engine::FlowLookup& flow) {
        reached = run_item(engine, items[k], flow, digest_of(items[k]));
        after(k);
      });
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
  // 512 KiB, room for 4,096 two-chunk answers. On the 3 GiB ISP mix 3.5% of the packets are DNS
  // answers over UDP (182,786): a full item ring carries about 2,300.
  static constexpr std::size_t kDigestRing = 1 << 13;
  explicit Worker(const detect::EngineConfig& config) : ring(kRing), digests(kDigestRing), lane(config) {}
  // Reads the digest an item carries from the digest ring (the reader published it before the item).
  // Chunks are released a batch of items at a time (release_digests), not one digest at a time: each
  // release and each look at the reader's index moves a cache line between the cores.
  const DnsDigest* take_digest(const WorkItem& it) {
    if (it.digest_chunks == 0) return nullptr;
    std::array<std::byte, chunks_for(DnsDigest::kMaxEncodedBytes) * sizeof(DigestChunk)> bytes;
    std::size_t got = 0;
    while (got < it.digest_chunks) {
      if (digests_used == readable_digests.size()) {
        release_digests();
        readable_digests = digests.wait_readable(kDigestRing);
      }
      const std::size_t n = std::min(it.digest_chunks - got, readable_digests.size() - digests_used);
      std::memcpy(bytes.data() + got * sizeof(DigestChunk), &readable_digests[digests_used], n * sizeof(DigestChunk));
      got += n;
      digests_used += n;
    }
    // The reader encoded it a moment ago, in this process: it decodes, or the pipeline is broken.
    if (!DnsDigest::decode(std::span(bytes).first(got * sizeof(DigestChunk)), digest)) std::abort();
    return &digest;
  }
  void release_digests() {
    if (digests_used > 0) digests.release(digests_used);
    readable_digests = {};
    digests_used = 0;
  }
  void run() {
    const double cpu_start = thread_cpu_seconds();
    detect::Engine& engine = lane.engine;
    bool done = false;
    while (!done) {
      auto items = ring.wait_readable(256);
      const EventOrder reached = run_items(
          engine, items, flows, [&](const WorkItem& it) { return take_digest(it); }, [](std::size_t) {});
      // The reader sends End last: nothing follows it.
      done = !items.empty() && items.back().kind == WorkItem::Kind::End;
      lane.set_progress(reached);
      release_digests();
      ring.release(items.size());
    }
    lane.cpu_seconds = thread_cpu_seconds() - cpu_start;
    lane.wait_seconds = ring.consumer_wait_seconds();
  }

  SpscRing<WorkItem> ring;
  SpscRing<DigestChunk> digests;
  DnsDigest digest;                         // the last one taken
  std::span<DigestChunk> readable_digests;  // what the digest ring gave, of which the first
  std::size_t digests_used = 0;             // digests_used are read
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

// What each engine of a run did, summed, and each one's share.
void collect(const std::vector<Lane*>& lanes, detect::EngineStats& stats,
             std::vector<ParallelAnalyzer::EngineShare>& shares, AnomalyCounters& anomalies) {
  stats = {};
  shares.clear();
  for (Lane* lane : lanes) {
    shares.push_back(ParallelAnalyzer::EngineShare{lane->engine.stats().packets, lane->engine.stats().flows,
                                                   lane->cpu_seconds, lane->wait_seconds});
    stats.add_worker(lane->engine.stats());
    anomalies.merge(lane->anomalies);
  }
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// ---- The segmented walk (decision 0009, stop 20) ----
//
// One thread reading the whole file was the floor of the dealt pipeline: streaming 3 GiB through one
// core cost that core 0.31-0.41 s of waits (stop 19). Here thread t walks segments t, t+N, t+2N, ...
// of the file into a ring of slots, and every engine reads every segment in order, so each core streams
// 1/N of the file and the walk's lines are prefetched behind the thread's own engine work.

// Where the segment's latest timestamp enters a new second: a timeout tick may be due before this packet.
struct TimeMark {
  std::uint32_t local = 0;  // the packet's index within the segment
  Timestamp latest{};       // the segment's latest timestamp up to and including the packet
};

// An engine's packet of a segment: the walk decodes every packet once into the segment, and each
// engine gets a list of these (a packet it owns, or a DNS answer it observes), a quarter of a
// WorkItem's size: writing and reading the lists is the pipeline's cost of crossing cores.
struct SegmentItem {
  std::uint32_t local = 0;         // the packet's index within the segment
  std::uint32_t digest_index = 0;  // its DNS digest in the segment (Segment::digest_at), if it has one
  bool observe = false;            // a DNS answer for an engine that does not own its flow
  bool has_digest = false;
  Timestamp latest{};  // the segment's latest timestamp up to and including the packet
};

struct Segment {
  static constexpr std::uint64_t kNone = ~0ull;
  // Written by the walk; read by the finaliser (under SegmentedWalk::mu_) and, once final, by the engines.
  std::size_t begin = 0, end = 0;                 // the byte range whose records the segment holds
  std::size_t start = 0;                          // where its walk began: a guess (find_record) until it is final
  std::unique_ptr<capture::MappedSource> reader;  // the walk's: its end, warnings, whether it stopped
  AnomalyCounters anomalies;                      // of reading and decoding the segment
  std::uint64_t packets = 0;
  Timestamp latest{std::numeric_limits<std::int64_t>::min()};
  std::vector<TimeMark> marks;
  std::vector<decode::PacketView> pkts;         // decoded, in file order (grown, never shrunk)
  std::vector<std::vector<SegmentItem>> items;  // per engine, in packet order
  std::vector<std::byte> digests;               // the DNS answers' digests, encoded back to back
  std::vector<std::uint32_t> digest_at;         // where each begins
  std::uint64_t walked = kNone;                 // under mu_: the number of the segment the slot holds, walked
  // The engines may read the slot once this equals the segment's number; the last of them to finish
  // hands the slot to segment free_for.
  std::atomic<std::uint64_t> final_number{kNone};
  std::atomic<std::uint32_t> readers_left{0};
  std::atomic<std::uint64_t> free_for{0};
};

class SegmentedWalk {
 public:
  SegmentedWalk(const ParallelAnalyzer& pa, capture::MappedSource& source, std::vector<Lane*> lanes,
                std::size_t segment_bytes, AnomalyCounters& anomalies, Merger& merger,
                const std::function<void(std::uint64_t)>& progress)
      : pa_(pa),
        source_(source),
        lanes_(std::move(lanes)),
        n_(lanes_.size()),
        slots_count_(kSlotsPerThread * n_),
        slots_(new Segment[slots_count_]),
        segment_bytes_(segment_bytes),
        anomalies_(anomalies),
        merger_(merger),
        progress_(progress),
        expected_start_(source.data_start()) {
    const std::size_t body = source_.bytes().size() - source_.data_start();
    total_ = (body + segment_bytes_ - 1) / segment_bytes_;
    end_at_.store(total_);
    for (std::size_t i = 0; i < slots_count_; ++i) {
      slots_[i].free_for.store(i);
      slots_[i].items.resize(n_);
    }
  }

  void run() {
    std::vector<std::unique_ptr<Thread>> threads;
    for (std::size_t t = 0; t < n_; ++t) threads.push_back(std::make_unique<Thread>(t, *lanes_[t]));
    std::vector<std::thread> running;
    for (std::size_t t = 1; t < n_; ++t) running.emplace_back([this, &threads, t] { run_thread(*threads[t]); });
    run_thread(*threads[0]);
    const auto join_start = std::chrono::steady_clock::now();
    for (auto& r : running) r.join();
    lanes_[0]->wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - join_start).count();
    merger_.drain();
  }
  [[nodiscard]] std::uint64_t rewalks() const { return rewalks_; }

 private:
  // Slots per thread: room for each thread to walk a few segments ahead of the slowest engine.
  static constexpr std::size_t kSlotsPerThread = 4;
  static constexpr std::size_t kBatch = 256;
  static constexpr std::size_t kStepBytes = capture::WalkPrefetch::kStepLines * kCacheLineBytes;

  struct Thread {
    Thread(std::size_t index, Lane& l) : t(index), next_walk(index), lane(l) {}
    std::size_t t;
    std::uint64_t next_walk;  // the segment it walks next: t, t + N, ...
    std::uint64_t next_read = 0;
    Lane& lane;
    // The engine's clock, carried from segment to segment.
    Timestamp now{std::numeric_limits<std::int64_t>::min()};
    std::int64_t tick_sec = std::numeric_limits<std::int64_t>::min();
    std::uint64_t base = 0;  // packets in the segments it has read
    // The next walk's bytes, prefetched a step per item of the engine's work before it.
    const std::uint8_t* warm = nullptr;
    const std::uint8_t* warm_end = nullptr;
    std::vector<detect::Engine::FlowLookup> flows;
    DnsDigest digest;
    std::array<capture::Frame, kBatch> frames;
    bool ended = false;
  };

  Segment& slot(std::uint64_t k) { return slots_[k % slots_count_]; }
  std::size_t begin_of(std::uint64_t k) const {
    return source_.data_start() + static_cast<std::size_t>(k) * segment_bytes_;
  }
  std::size_t end_of(std::uint64_t k) const { return std::min(source_.bytes().size(), begin_of(k) + segment_bytes_); }

  void run_thread(Thread& th) {
    const double cpu_start = thread_cpu_seconds();
    warm_up(th);
    while (!th.ended) {
      const std::uint32_t seen = epoch_.load(std::memory_order_seq_cst);
      if (can_walk(th)) {
        walk(th);
      } else if (can_read(th)) {
        read(th);
      } else {
        wait(th, seen);
      }
    }
    th.lane.cpu_seconds = thread_cpu_seconds() - cpu_start;
  }

  bool can_walk(const Thread& th) {
    return th.next_walk < end_at_.load(std::memory_order_acquire) &&
           slot(th.next_walk).free_for.load(std::memory_order_acquire) == th.next_walk;
  }
  bool can_read(Thread& th) {
    return th.next_read >= end_at_.load(std::memory_order_acquire) ||
           slot(th.next_read).final_number.load(std::memory_order_acquire) == th.next_read;
  }

  // Something changed: a segment was walked, finalised or freed, or an engine ended.
  void bump() {
    epoch_.fetch_add(1, std::memory_order_seq_cst);
    if (waiters_.load(std::memory_order_seq_cst) > 0) epoch_.notify_all();
  }
  void wait(Thread& th, std::uint32_t seen) {
    const auto start = std::chrono::steady_clock::now();
    for (int spin = 0; spin < 256 && epoch_.load(std::memory_order_seq_cst) == seen; ++spin) cpu_relax();
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    if (epoch_.load(std::memory_order_seq_cst) == seen) epoch_.wait(seen, std::memory_order_seq_cst);
    waiters_.fetch_sub(1, std::memory_order_seq_cst);
    th.lane.wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // Maps the thread's next segment and starts prefetching it behind the engine's work.
  void warm_up(Thread& th) {
    if (th.next_walk >= total_) {
      th.warm = th.warm_end = nullptr;
      return;
    }
    const std::size_t b = begin_of(th.next_walk), e = end_of(th.next_walk);
    // Pages are mapped a chunk of segments at a time, by whichever thread first needs the chunk.
    std::size_t have = populated_.load(std::memory_order_relaxed);
    while (have < e) {
      const std::size_t upto =
          std::min(source_.bytes().size(), std::max(e, have + capture::WalkPrefetch::kPopulateChunk));
      if (populated_.compare_exchange_weak(have, upto, std::memory_order_relaxed)) {
        source_.populate(have, upto);
        break;
      }
    }
    th.warm = source_.bytes().data() + (b & ~(kCacheLineBytes - 1));
    th.warm_end = source_.bytes().data() + e;
  }
  static void warm_step(Thread& th) {
    if (th.warm + kStepBytes <= th.warm_end) {
      prefetch_lines<capture::WalkPrefetch::kStepLines>(th.warm);
      th.warm += kStepBytes;
    }
  }

  void walk(Thread& th) {
    const std::uint64_t k = th.next_walk;
    Segment& s = slot(k);
    s.begin = begin_of(k);
    s.end = end_of(k);
    // The first segment starts at the first record in the file's own state; the others at a guess the
    // finaliser checks, in the state the segments made final so far ended in, or before any the file's
    // state at its first packet (pcapng: its interfaces decide the guess).
    std::unique_ptr<capture::MappedSource> state;
    s.start = s.begin;
    if (k > 0) {
      {
        std::lock_guard lock(mu_);
        if (last_end_) state = last_end_->ended_after(nullptr, states_);
      }
      if (!state) state = source_.section(s.begin, s.begin, states_);
      s.start = state->find_record(s.begin, s.end);
    }
    fill(s, th, state.get());
    th.next_walk += n_;
    warm_up(th);
    {
      std::unique_lock lock(mu_);
      s.walked = k;
      finalise(th, lock);
    }
    bump();
  }

  // Walks and decodes the records of [s.start, s.end), starting in the state `after` ended in (or the
  // file's at its first packet), and deals them to the engines.
  void fill(Segment& s, Thread& th, const capture::MappedSource* after) {
    s.anomalies = {};
    s.packets = 0;
    s.latest = Timestamp{std::numeric_limits<std::int64_t>::min()};
    s.marks.clear();
    for (auto& v : s.items) v.clear();
    s.digests.clear();
    s.digest_at.clear();
    s.reader = source_.section(s.start, s.end, s.anomalies, after);
    detect::Engine& engine = th.lane.engine;
    std::int64_t sec = std::numeric_limits<std::int64_t>::min();
    while (const std::size_t got = s.reader->read_batch(th.frames)) {
      if (s.pkts.size() < s.packets + got) s.pkts.resize(s.packets + std::max(got, s.pkts.size() / 2));
      const std::size_t first = s.packets;
      const std::size_t decoded =
          decode::decode_batch(std::span(th.frames).first(got), std::span(s.pkts).subspan(first, got), s.anomalies);
      for (std::size_t i = first; i < first + decoded; ++i) {
        const decode::PacketView& pkt = s.pkts[i];
        const auto local = static_cast<std::uint32_t>(i);
        if (pkt.ts > s.latest) {
          s.latest = pkt.ts;
          if (s.latest.seconds() != sec) {
            sec = s.latest.seconds();
            s.marks.push_back(TimeMark{local, s.latest});
          }
        }
        const std::size_t owner = pa_.owner_of(dispatch_hash(pkt));
        if (detect::Engine::is_shared_knowledge(pkt)) {
          bool has_digest = false;
          std::uint32_t index = 0;
          if (pkt.proto == decode::kProtoUdp) {
            // Read once here; the engines only apply it. DNS over TCP (rare) each engine reads itself.
            engine.digest_dns(pkt.payload, th.digest);
            const std::size_t at = s.digests.size();
            s.digests.resize(at + th.digest.encoded_size());
            th.digest.encode(s.digests.data() + at);
            index = static_cast<std::uint32_t>(s.digest_at.size());
            s.digest_at.push_back(static_cast<std::uint32_t>(at));
            has_digest = true;
          }
          for (std::size_t e = 0; e < n_; ++e)
            s.items[e].push_back(SegmentItem{local, index, e != owner, has_digest, s.latest});
        } else {
          s.items[owner].push_back(SegmentItem{local, 0, false, false, s.latest});
        }
      }
      s.packets = first + decoded;
    }
  }

  // Under mu_ (`lock`): makes final every walked segment whose predecessors are final, in order. A
  // segment's guessed start must be where the walk before it ended, and its walk must have started in
  // the state that walk ended in as far as it used it (MappedSource::continues); if not, it is walked
  // again from there. A walk that stopped at a corrupt or truncated record ends the input where the
  // single pipeline does.
  void finalise(Thread& th, std::unique_lock<std::mutex>& lock) {
    while (next_final_ < end_at_.load(std::memory_order_relaxed)) {
      Segment& s = slot(next_final_);
      if (s.walked != next_final_) return;
      if (!s.reader->holds(s.start, expected_start_, s.end, last_end_.get())) {
        // Walked again without the lock, so the other threads go on walking their segments and
        // reading final ones. Meanwhile nothing else is made final: the slot reads as not walked, so
        // every other finalise() stops at it, and last_end_ and expected_start_ stay as they are
        // (walkers only read last_end_, under the lock; this walk reads it too, and changes only the
        // slot, which no one else touches until it is final).
        const std::uint64_t k = next_final_;
        s.walked = Segment::kNone;
        s.start = expected_start_;
        ++rewalks_;
        lock.unlock();
        fill(s, th, last_end_.get());
        lock.lock();
        s.walked = k;
      }
      last_end_ = s.reader->ended_after(last_end_.get(), states_);
      expected_start_ = std::max(expected_start_, s.reader->position_bytes());
      if (s.reader->stopped()) end_at_.store(next_final_ + 1, std::memory_order_release);
      s.readers_left.store(static_cast<std::uint32_t>(n_), std::memory_order_relaxed);
      s.final_number.store(next_final_, std::memory_order_release);
      ++next_final_;
    }
  }

  // Runs the thread's engine on its items of the next segment, with the timeouts the single pipeline
  // runs between them; or, past the last segment, ends the engine's input.
  void read(Thread& th) {
    detect::Engine& engine = th.lane.engine;
    const std::uint64_t j = th.next_read;
    if (j >= end_at_.load(std::memory_order_acquire)) {
      engine.finish();
      th.lane.set_progress(EventOrder{EventOrder::kEndOfInput, 3, 0, 0});
      th.ended = true;
      bump();
      return;
    }
    Segment& s = slot(j);
    const std::vector<SegmentItem>& items = s.items[th.t];
    // Runs items [from, to) as both pipelines run a batch (Engine::run_prefetched), numbered and
    // timed on the engine's clock; a prefetch step of the thread's next walk after each.
    auto run = [&](std::size_t from, std::size_t to) {
      engine.run_prefetched(
          to - from, th.flows,
          [&](std::size_t k) { return items[from + k].observe ? nullptr : &s.pkts[items[from + k].local]; },
          [&](std::size_t k, const detect::Engine::FlowLookup& flow) {
            const SegmentItem& it = items[from + k];
            const PacketMeta meta{th.base + it.local, std::max(th.now, it.latest)};
            const DnsDigest* dns = nullptr;
            if (it.has_digest) {
              // Encoded a moment ago by this process: it decodes, or the pipeline is broken.
              if (!DnsDigest::decode(std::span(s.digests).subspan(s.digest_at[it.digest_index]), th.digest))
                std::abort();
              dns = &th.digest;
            }
            if (it.observe)
              engine.observe(s.pkts[it.local], meta, dns);
            else
              engine.process(s.pkts[it.local], meta, flow, dns);
            warm_step(th);
          });
    };
    std::size_t from = 0;
    for (const TimeMark& m : s.marks) {
      std::size_t to = from;
      while (to < items.size() && items[to].local < m.local) ++to;
      run(from, to);
      from = to;
      const Timestamp now = std::max(th.now, m.latest);
      if (now.seconds() != th.tick_sec) {
        th.tick_sec = now.seconds();
        engine.tick(PacketMeta{th.base + m.local, now});
      }
    }
    run(from, items.size());
    th.now = std::max(th.now, s.latest);
    th.base += s.packets;
    th.lane.set_progress(EventOrder{th.base, 0, 0, 0});
    if (th.t == 0) {
      anomalies_.merge(s.anomalies);
      source_.absorb(*s.reader);
    }
    ++th.next_read;
    if (s.readers_left.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      s.free_for.store(j + slots_count_, std::memory_order_release);
    }
    bump();
    if (th.t == 0) {
      merger_.drain();
      if (progress_) progress_(th.base);
    }
  }

  const ParallelAnalyzer& pa_;
  capture::MappedSource& source_;
  std::vector<Lane*> lanes_;
  std::size_t n_;
  std::size_t slots_count_;
  std::unique_ptr<Segment[]> slots_;
  std::size_t segment_bytes_;
  AnomalyCounters& anomalies_;
  Merger& merger_;
  const std::function<void(std::uint64_t)>& progress_;
  std::uint64_t total_ = 0;
  std::atomic<std::uint64_t> end_at_{0};  // segments from here on are not read (a walk before stopped)
  std::atomic<std::uint32_t> epoch_{0};
  std::atomic<std::uint32_t> waiters_{0};
  std::atomic<std::size_t> populated_{0};  // pages below this offset are mapped, or being mapped
  std::mutex mu_;
  std::uint64_t next_final_ = 0;  // under mu_
  std::size_t expected_start_;    // under mu_
  // Under mu_: a reader in the state the walk of the final segments ended in (pcapng: byte order,
  // interfaces, last time), which the next segment must have started in.
  std::unique_ptr<capture::MappedSource> last_end_;
  AnomalyCounters states_;     // the state readers'; they read nothing
  std::uint64_t rewalks_ = 0;  // under mu_
};

}  // namespace

ParallelAnalyzer::ParallelAnalyzer(detect::EngineConfig config, std::size_t threads, detect::EventSink& sink,
                                   AnomalyCounters& anomalies)
    : base_config_(config), threads_(threads < 1 ? 1 : threads), sink_(sink), anomalies_(anomalies) {
  split(kReaderShare);
}

void ParallelAnalyzer::split(double reader_weight) {
  const double share = threads_ == 1 ? 1.0 : reader_weight / (reader_weight + static_cast<double>(threads_ - 1));
  const auto reader_buckets = static_cast<std::uint32_t>(share * kBuckets + 0.5);
  for (std::uint32_t b = 0; b < kBuckets; ++b) {
    owner_table_[b] = static_cast<std::uint16_t>(
        b < reader_buckets ? 0 : 1 + (b - reader_buckets) % static_cast<std::uint32_t>(threads_ - 1));
  }
  // The hard cap is for the whole process: each engine gets the share of it its flows get.
  const double cap = base_config_.max_flows;
  config_ = base_config_;
  reader_config_ = base_config_;
  reader_config_.max_flows = std::max<std::uint32_t>(1024, static_cast<std::uint32_t>(cap * share));
  if (threads_ > 1) {
    config_.max_flows = std::max<std::uint32_t>(
        1024, static_cast<std::uint32_t>(cap * (1.0 - share) / static_cast<double>(threads_ - 1)));
  }
}

ParallelAnalyzer::~ParallelAnalyzer() = default;

void ParallelAnalyzer::run(capture::FrameSource& source, const std::function<void(std::uint64_t)>& progress) {
  rewalks_ = 0;
  auto* file = dynamic_cast<capture::MappedSource*>(&source);
  if (file != nullptr && threads_ > 1 && segment_bytes_ > 0 && file->position_bytes() == file->data_start()) {
    split(1.0);
    run_segmented(*file, progress);
  } else {
    split(kReaderShare);
    run_dealt(source, progress);
  }
}

void ParallelAnalyzer::run_dealt(capture::FrameSource& source, const std::function<void(std::uint64_t)>& progress) {
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
  // The batch's DNS answers over UDP, each read once here for every engine (stop 19: each engine
  // parsed every answer again, 9-11% of a one-thread run in all).
  std::vector<DnsDigest> own_digests(kBatch);
  std::array<std::byte, chunks_for(DnsDigest::kMaxEncodedBytes) * sizeof(DigestChunk)> encoded;
  std::uint64_t packets = 0;
  auto push = [&](std::size_t w, WorkItem::Kind kind, const PacketMeta& meta, const decode::PacketView* pkt,
                  std::uint8_t digest_chunks = 0) {
    Worker& worker = *workers[w - 1];
    // An item ring that must wait publishes what it holds: the digests those items carry go first.
    if (!worker.ring.can_claim(1)) worker.digests.publish();
    WorkItem& it = worker.ring.claim();
    it.kind = kind;
    it.digest_chunks = digest_chunks;
    it.meta = meta;
    if (pkt) it.pkt = *pkt;
  };
  // Copies an encoded digest into worker w's digest ring. Digests are published before the items
  // that carry them, every time items are (publish_all, and push when the item ring is full).
  auto push_digest = [&](std::size_t w, std::size_t chunks) {
    Worker& worker = *workers[w - 1];
    // A full digest ring waits for the worker, which may need items not yet published to get there.
    if (!worker.digests.can_claim(chunks)) {
      worker.digests.publish();
      worker.ring.publish();
    }
    for (std::size_t c = 0; c < chunks; ++c)
      std::memcpy(worker.digests.claim().bytes.data(), encoded.data() + c * sizeof(DigestChunk), sizeof(DigestChunk));
  };
  auto publish_all = [&] {
    for (auto& w : workers) {
      w->digests.publish();
      w->ring.publish();
    }
  };
  while (std::size_t got = source.read_batch(batch)) {
    own_work.clear();
    std::size_t digests = 0;   // read for this batch
    std::size_t own_next = 0;  // taken by the reader's engine
    // The whole batch first: the dispatch hash then reads addresses stored long before.
    const std::size_t decoded = decode::decode_batch(std::span(batch).first(got), pkts, anomalies_);
    for (std::size_t i = 0; i < decoded; ++i) {
      const decode::PacketView& pkt = pkts[i];
      PacketMeta meta;
      if (clock.advance(pkt.ts, meta)) {
        own_work.push_back(WorkItem{WorkItem::Kind::Tick, 0, meta, {}});
        for (std::size_t w = 1; w < threads_; ++w) push(w, WorkItem::Kind::Tick, meta, nullptr);
      }
      const std::size_t owner = owner_of(dispatch_hash(pkt));
      if (detect::Engine::is_shared_knowledge(pkt)) {
        WorkItem own_item{owner == 0 ? WorkItem::Kind::Packet : WorkItem::Kind::Observe, 0, meta, pkt};
        std::uint8_t chunks = 0;
        if (pkt.proto == decode::kProtoUdp) {
          // Read once here; the engines only apply it. DNS over TCP (rare) each engine reads itself.
          DnsDigest& d = own_digests[digests++];
          own.digest_dns(pkt.payload, d);
          d.encode(encoded.data());
          chunks = static_cast<std::uint8_t>(chunks_for(d.encoded_size()));
          own_item.digest_chunks = chunks;
          for (std::size_t w = 1; w < threads_; ++w) push_digest(w, chunks);
        }
        own_work.push_back(own_item);
        for (std::size_t w = 1; w < threads_; ++w)
          push(w, w == owner ? WorkItem::Kind::Packet : WorkItem::Kind::Observe, meta, &pkt, chunks);
      } else if (owner == 0) {
        own_work.push_back(WorkItem{WorkItem::Kind::Packet, 0, meta, pkt});
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
    run_items(
        own, own_work, own_flows,
        [&](const WorkItem& it) { return it.digest_chunks != 0 ? &own_digests[own_next++] : nullptr; },
        [&](std::size_t k) {
          for (const std::size_t due = (k + 1) * got / own_work.size(); steps < due; ++steps) source.prefetch_step();
        });
    for (; steps < got; ++steps) source.prefetch_step();
    reader_lane.set_progress(EventOrder{packets, 0, 0, 0});
    if (!stable) {
      // Frames die with the next read: wait until every worker has consumed them.
      for (auto& w : workers) {
        WorkItem& it = w->ring.claim();
        it.kind = WorkItem::Kind::Observe;
        it.digest_chunks = 0;
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

  collect(lanes, stats_, shares_, anomalies_);
}

void ParallelAnalyzer::run_segmented(capture::MappedSource& source,
                                     const std::function<void(std::uint64_t)>& progress) {
  std::vector<std::unique_ptr<Lane>> owned;
  std::vector<Lane*> lanes;
  for (std::size_t t = 0; t < threads_; ++t) {
    owned.push_back(std::make_unique<Lane>(t == 0 ? reader_config_ : config_));
    lanes.push_back(owned.back().get());
  }
  Merger merger(lanes, sink_);
  SegmentedWalk walk(*this, source, lanes, segment_bytes_, anomalies_, merger, progress);
  walk.run();
  rewalks_ = walk.rewalks();
  collect(lanes, stats_, shares_, anomalies_);
}

}  // namespace minewatch::pipeline
