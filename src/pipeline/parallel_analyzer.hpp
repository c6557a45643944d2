#pragma once
// The parallel pipeline for capture files: one reader thread walks and decodes the capture, numbers
// packets on the shared PacketClock and deals them to N workers by a symmetric flow hash over SPSC
// rings; each worker owns an Engine (its own flow table). Timeout ticks go to every worker at the
// same input positions, DNS packets go to every worker (the owner counts and alerts, the others
// only learn), and the reader, between batches, merges the workers' events by EventOrder and drops
// every alert but the first per host. The events reach the sink in exactly the order and with
// exactly the content the single pipeline produces, as long as no worker's table hits its cap (the
// cap is split evenly, so which flow gets evicted depends on the split). See
// docs/decisions/0009-parallel-pipeline.md.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "capture/frame_source.hpp"
#include "core/anomaly.hpp"
#include "detect/engine.hpp"

namespace minewatch::pipeline {

class ParallelAnalyzer {
 public:
  // `workers` >= 1 worker threads (plus the calling thread as reader and writer).
  ParallelAnalyzer(detect::EngineConfig config, std::size_t workers, detect::EventSink& sink,
                   AnomalyCounters& anomalies);
  ~ParallelAnalyzer();
  ParallelAnalyzer(const ParallelAnalyzer&) = delete;
  ParallelAnalyzer& operator=(const ParallelAnalyzer&) = delete;

  // Analyses one capture to its end (flows do not span captures). `progress` (may be empty) is
  // called between batches with the number of packets read so far.
  void run(capture::FrameSource& source, const std::function<void(std::uint64_t packets)>& progress);

  // Totals over the workers of the last run().
  [[nodiscard]] const detect::EngineStats& stats() const { return stats_; }
  [[nodiscard]] std::size_t workers() const { return workers_; }

 private:
  detect::EngineConfig config_;
  std::size_t workers_;
  detect::EventSink& sink_;
  AnomalyCounters& anomalies_;
  detect::EngineStats stats_;
};

// A symmetric hash of a packet's two addresses (both directions agree), for dealing flows to workers.
// Not of the 5-tuple: every flow between two hosts must meet the same engine, because what one flow
// proves (this host mined on that pool) is evidence for the pair's later flows, which reconnect from
// new ports; with the 5-tuple a reconnect could land on a worker that never saw the proof.
std::uint64_t dispatch_hash(const decode::PacketView& pkt);

}  // namespace minewatch::pipeline
