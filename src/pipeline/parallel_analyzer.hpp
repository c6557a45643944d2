#pragma once
// The parallel pipeline for capture files, N threads. A classic pcap file, which stays mapped, is
// walked in segments: each thread walks and decodes every N-th segment of the file (kSegmentBytes of
// records, found from a guessed first record that the walk of the segment before confirms), deals its
// packets by a symmetric hash of the two addresses to the N engines, and runs its own engine on every
// segment in file order; the engines number packets and run timeouts exactly where the single pipeline
// does. Other sources (pcapng, libpcap), whose frames do not outlive a batch: the calling thread walks
// and decodes the capture, numbers packets on the shared PacketClock and deals them by a symmetric hash of the two
// addresses to N engines: engine 0 it runs itself (a smaller share: reading is its other work), engines
// 1..N-1 run on worker threads fed over SPSC rings. Each engine has its own flow table. Timeout ticks go
// to every engine at the same input positions, DNS answers go to every engine (the owner counts and
// alerts, the others only learn: Engine::is_shared_knowledge), and the reader, between batches, merges
// the engines' events by EventOrder and drops every alert but the first per host. The events reach the
// sink in exactly the order and with exactly the content the single pipeline produces, as long as no
// engine's table hits its cap (each gets the share of the cap its flows get, so which flow gets evicted
// depends on the split). See docs/decisions/0009-parallel-pipeline.md.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "capture/frame_source.hpp"
#include "capture/mapped_file.hpp"
#include "core/anomaly.hpp"
#include "detect/engine.hpp"

namespace minewatch::pipeline {

class ParallelAnalyzer {
 public:
  // The reader's own engine gets this share of a worker's load: flows are dealt by address pair with
  // weight kReaderShare for engine 0 and 1 for each other engine, because reading, decoding and dealing
  // every packet is the reader's other work. A constant, so that the split, and with it the output, is
  // the same on every run. Chosen by wall time and the threads' waits on the 3 GiB ISP mix with two
  // threads (three sets of 9 alternating runs, stop 17): at 0.25 the reader waited 0.15-0.20 s on the
  // full ring and the wall was 1.02-1.08 s; at 0.36 it waited 0.07-0.09 s and the wall was 0.96-1.02 s
  // (faster in each set); at 0.39 0.98 s; at 0.42 the worker waited on its empty ring instead
  // (0.05-0.06 s), walls 0.95-1.02 s. Stop 19 gave the reader every DNS answer to read for all
  // engines: at 0.36 the worker then waited 0.14-0.18 s on its empty ring, at 0.30 0.08-0.11 s, at
  // 0.24 0.06-0.11 s (the reader 0.02-0.04 s), and at 0.20-0.22 the reader waited instead (0.06-0.07
  // s). Wall medians (sets of 11 alternating runs) moved within the host's noise, up to 6% either way.
  static constexpr double kReaderShare = 0.24;

  // Bytes of the file each walk of the segmented pipeline takes at a time (decision 0009, stop 20).
  static constexpr std::size_t kSegmentBytes = 1u << 20;

  // `threads` >= 1 threads in all: the calling thread (reader, writer and engine 0) and threads - 1
  // workers.
  ParallelAnalyzer(detect::EngineConfig config, std::size_t threads, detect::EventSink& sink,
                   AnomalyCounters& anomalies);
  ~ParallelAnalyzer();
  ParallelAnalyzer(const ParallelAnalyzer&) = delete;
  ParallelAnalyzer& operator=(const ParallelAnalyzer&) = delete;

  // Segment size for the files run() can walk in segments; 0: always one reader that deals every packet.
  void set_segment_bytes(std::size_t bytes) { segment_bytes_ = bytes; }

  // Analyses one capture to its end (flows do not span captures). `progress` (may be empty) is
  // called between batches with the number of packets read so far.
  void run(capture::FrameSource& source, const std::function<void(std::uint64_t packets)>& progress);

  // Totals over the engines of the last run().
  [[nodiscard]] const detect::EngineStats& stats() const { return stats_; }
  // What each engine of the last run() did (index 0: the reader's), the CPU time of its thread during
  // the run (the reader's includes reading, decoding and dealing), and how long that thread waited
  // (a worker on its empty ring, the reader on full rings and, at the end, for the workers to finish):
  // how well the load was split.
  struct EngineShare {
    std::uint64_t packets = 0;
    std::uint64_t flows = 0;
    double cpu_seconds = 0;
    double wait_seconds = 0;
    // Adds the same engine's share of another run (successive captures).
    void add(const EngineShare& o) {
      packets += o.packets;
      flows += o.flows;
      cpu_seconds += o.cpu_seconds;
      wait_seconds += o.wait_seconds;
    }
  };
  [[nodiscard]] const std::vector<EngineShare>& shares() const { return shares_; }
  [[nodiscard]] std::size_t threads() const { return threads_; }
  // Which engine owns the flows between two hosts with this dispatch_hash (0 = the reader's).
  [[nodiscard]] std::size_t owner_of(std::uint64_t hash) const { return owner_table_[(hash >> 40) % kBuckets]; }
  // Segments of the last run() whose guessed first record was wrong and were walked again.
  [[nodiscard]] std::uint64_t rewalked_segments() const { return rewalks_; }

 private:
  // Deals flows with weight `reader_weight` for engine 0 and 1 for each other engine, and gives each
  // engine that share of the flow cap.
  void split(double reader_weight);
  void run_dealt(capture::FrameSource& source, const std::function<void(std::uint64_t packets)>& progress);
  void run_segmented(capture::MappedSource& source, const std::function<void(std::uint64_t packets)>& progress);

  detect::EngineConfig base_config_;  // as given
  detect::EngineConfig config_;       // the workers' (their share of the flow cap)
  detect::EngineConfig reader_config_;
  std::size_t threads_;
  // Address-pair buckets (the hash's bits 40-49) to engines: [0, reader buckets) to engine 0, the rest
  // in turn to engines 1..N-1. A table, because owner_of runs once per packet.
  static constexpr std::uint32_t kBuckets = 1024;
  std::array<std::uint16_t, kBuckets> owner_table_{};
  detect::EventSink& sink_;
  AnomalyCounters& anomalies_;
  detect::EngineStats stats_;
  std::vector<EngineShare> shares_;
  std::size_t segment_bytes_ = kSegmentBytes;
  std::uint64_t rewalks_ = 0;
};

// A symmetric hash of a packet's two addresses (both directions agree), for dealing flows to workers.
// Not of the 5-tuple: every flow between two hosts must meet the same engine, because what one flow
// proves (this host mined on that pool) is evidence for the pair's later flows, which reconnect from
// new ports; with the 5-tuple a reconnect could land on a worker that never saw the proof.
std::uint64_t dispatch_hash(const decode::PacketView& pkt);

}  // namespace minewatch::pipeline
