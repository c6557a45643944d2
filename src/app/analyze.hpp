#pragma once
#include <memory>
#include <string>
#include <vector>

#include "detect/engine.hpp"
#include "probe/prober.hpp"

namespace minewatch::app {

struct AnalyzeOptions {
  std::vector<std::string> captures;
  std::string eve_path;            // "" = no EVE output, "-" = stdout
  std::string flow_scores_path;    // "" = none: CSV of every flow the behaviour model scored
  std::string db;                  // "" = no store; an SQLite path or a postgresql:// URI
  std::size_t db_batch = 1000;     // sessions per store transaction
  bool summary = false;            // print the summary table
  bool progress = false;           // draw a progress bar on stderr
  bool show_anomalies = false;     // print anomaly counters after the summary
  std::string stats_path;          // JSON run counters written at the end ("" = none)
  std::size_t threads = 1;         // worker threads; 1 = the single pipeline on the calling thread
  std::size_t segment_kib = 1024;  // --threads N on a pcap or pcapng file: KiB each walk takes (0: one reader deals)
  detect::EngineConfig engine;
  std::shared_ptr<const intel::PoolList> pools;  // keeps engine.pools alive
  bool probe = false;                            // probe the pools of suspected and encrypted sessions (opt-in)
  probe::ProbeConfig probe_config;
};

// Analyses every capture in turn (flows do not span files). Returns the process exit status:
// 0 when every input was read (whatever was found, truncation warnings included), 1 when some
// input could not be read at all, 2 when the EVE output or the store could not be written.
int run_analyze(const AnalyzeOptions& options);

}  // namespace minewatch::app
