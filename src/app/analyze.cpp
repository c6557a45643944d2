#include "app/analyze.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "app/flow_scores.hpp"
#include "app/progress.hpp"
#include "app/summary.hpp"
#include "capture/frame_source.hpp"
#include "decode/decoder.hpp"
#include "events/eve_writer.hpp"
#include "pipeline/parallel_analyzer.hpp"
#include "probe/probing_sink.hpp"
#include "store/store_sink.hpp"

namespace minewatch::app {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f && f != stdout) std::fclose(f);
  }
};

bool write_stats(const std::string& path, const detect::EngineStats& s, std::size_t threads,
                 const std::vector<pipeline::ParallelAnalyzer::EngineShare>& shares, std::uint64_t rewalked) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  fmt::print(
      f,
      "{{\"threads\":{},\"packets\":{},\"bytes\":{},\"flows\":{},\"peak_open_flows\":{},\"peak_concurrent_flows\":{},"
      "\"tcp_flows_inspected\":{},\"peak_open_inspections\":{},\"mining_flows\":{},\"dns_messages\":{},"
      "\"flows_evicted\":{},\"mining_flows_evicted\":{}",
      threads, s.packets, s.bytes, s.flows, s.peak_open_flows, s.peak_concurrent_flows, s.tcp_flows_inspected,
      s.peak_open_inspections, s.mining_flows, s.dns_messages, s.flows_evicted, s.mining_flows_evicted);
  if (!shares.empty()) {
    // Per engine of the parallel pipeline (0: the reader's): its packets and flows, its thread's CPU and
    // how long that thread waited for the others.
    fmt::print(f, ",\"engines\":[");
    for (std::size_t i = 0; i < shares.size(); ++i) {
      fmt::print(f, "{}{{\"packets\":{},\"flows\":{},\"cpu_seconds\":{:.3f},\"wait_seconds\":{:.3f}}}", i ? "," : "",
                 shares[i].packets, shares[i].flows, shares[i].cpu_seconds, shares[i].wait_seconds);
    }
    fmt::print(f, "]");
    // Segments of pcap files whose guessed first record was wrong and were walked again.
    fmt::print(f, ",\"segments_rewalked\":{}", rewalked);
  }
  fmt::print(f, "}}\n");
  return std::fclose(f) == 0;
}

}  // namespace

int run_analyze(const AnalyzeOptions& opt) {
  std::unique_ptr<std::FILE, FileCloser> eve_file;
  if (opt.eve_path == "-") {
    eve_file.reset(stdout);
  } else if (!opt.eve_path.empty()) {
    eve_file.reset(std::fopen(opt.eve_path.c_str(), "w"));
    if (!eve_file) {
      fmt::print(stderr, "minewatch: cannot write events to {}: {}\n", opt.eve_path, std::strerror(errno));
      return 2;
    }
  }
  std::unique_ptr<events::EveWriter> eve;
  if (eve_file) eve = std::make_unique<events::EveWriter>(eve_file.get());
  std::unique_ptr<std::FILE, FileCloser> scores_file;
  std::unique_ptr<FlowScoreCsv> scores;
  detect::EngineConfig engine_config = opt.engine;
  if (opt.probe && opt.threads > 1) {
    // Suspects reach the prober from the single pipeline only.
    fmt::print(stderr, "minewatch: --probe needs --threads 1\n");
    return 2;
  }
  if (!opt.flow_scores_path.empty() && opt.threads > 1) {
    // The CSV sink is not shared between worker threads.
    fmt::print(stderr, "minewatch: --flow-scores needs --threads 1\n");
    return 2;
  }
  if (!opt.flow_scores_path.empty()) {
    scores_file.reset(std::fopen(opt.flow_scores_path.c_str(), "w"));
    if (!scores_file) {
      fmt::print(stderr, "minewatch: cannot write flow scores to {}: {}\n", opt.flow_scores_path, std::strerror(errno));
      return 2;
    }
    scores = std::make_unique<FlowScoreCsv>(scores_file.get());
    engine_config.score_sink = scores.get();
  }
  std::unique_ptr<store::Store> db;
  std::unique_ptr<store::StoreSink> db_sink;
  if (!opt.db.empty()) {
    auto opened = store::open_store(opt.db);
    if (!opened) {
      fmt::print(stderr, "minewatch: {}\n", opened.error().message);
      return 2;
    }
    db = std::move(*opened);
    db_sink = std::make_unique<store::StoreSink>(*db, opt.db_batch);
  }
  Summary summary;
  TeeSink outputs(eve.get(), &summary);
  TeeSink tee(&outputs, db_sink.get());
  detect::EventSink* sink_ptr = &tee;
  probe::SystemTime probe_time;
  std::unique_ptr<probe::Prober> prober;
  std::unique_ptr<probe::ProbingSink> probing;
  if (opt.probe) {
    prober = std::make_unique<probe::Prober>(opt.probe_config, probe_time);
    probing = std::make_unique<probe::ProbingSink>(tee, *prober, opt.engine.inspect.alert_threshold);
    sink_ptr = probing.get();
  }
  detect::EventSink& sink = *sink_ptr;
  AnomalyCounters anomalies;
  Progress progress(opt.progress);

  int status = 0;
  std::uint64_t total_packets = 0;
  detect::EngineStats totals;
  std::vector<pipeline::ParallelAnalyzer::EngineShare> shares;  // summed over captures
  std::uint64_t rewalked = 0;                                   // summed over captures
  std::array<capture::Frame, 256> batch;
  for (const auto& path : opt.captures) {
    auto source = capture::open_capture(path, anomalies);
    if (!source) {
      fmt::print(stderr, "minewatch: {}\n", source.error().message);
      status = 1;
      continue;
    }
    if (db_sink) {
      if (auto r = db_sink->begin_capture(path); !r) {
        fmt::print(stderr, "minewatch: {}: {}\n", db->name(), r.error().message);
        status = 2;
        break;
      }
    }
    progress.start(path, (*source)->size_bytes());
    if (opt.threads > 1) {
      pipeline::ParallelAnalyzer parallel(engine_config, opt.threads, sink, anomalies);
      parallel.set_segment_bytes(opt.segment_kib * 1024);
      parallel.run(**source, [&](std::uint64_t packets) { progress.update((*source)->position_bytes(), packets); });
      total_packets += parallel.stats().packets;
      totals.add_run(parallel.stats());
      if (shares.size() < parallel.shares().size()) shares.resize(parallel.shares().size());
      for (std::size_t i = 0; i < parallel.shares().size(); ++i) shares[i].add(parallel.shares()[i]);
      rewalked += parallel.rewalked_segments();
    } else {
      detect::Engine engine(engine_config, sink, anomalies);
      std::vector<decode::PacketView> pkts(batch.size());
      std::vector<detect::Engine::FlowLookup> flows;  // run_prefetched's scratch
      while (std::size_t n = (*source)->read_batch(batch)) {
        const std::size_t m = decode::decode_batch(std::span(batch).first(n), pkts, anomalies);
        engine.run_prefetched(
            m, flows, [&](std::size_t k) { return &pkts[k]; },
            [&](std::size_t k, const detect::Engine::FlowLookup& flow) {
              engine.process(pkts[k], flow);
              (*source)->prefetch_step();
            });
        progress.update((*source)->position_bytes(), engine.stats().packets);
      }
      engine.finish();
      total_packets += engine.stats().packets;
      totals.add_run(engine.stats());
    }
    progress.done();
    if (db_sink) {
      if (auto r = db_sink->end_capture(); !r) {
        fmt::print(stderr, "minewatch: cannot store the sessions of {} in {}: {}\n", path, db->name(),
                   r.error().message);
        status = 2;
        break;
      }
    }
    for (const auto& w : (*source)->warnings()) fmt::print(stderr, "minewatch: warning: {}\n", w);
  }
  if (eve) eve->write_host_summaries();
  if (eve_file) {
    if (std::fflush(eve_file.get()) != 0 || std::ferror(eve_file.get())) {
      fmt::print(stderr, "minewatch: error writing events to {}\n", opt.eve_path == "-" ? "stdout" : opt.eve_path);
      status = 2;
    }
  }
  if (!opt.stats_path.empty() && !write_stats(opt.stats_path, totals, opt.threads, shares, rewalked)) {
    fmt::print(stderr, "minewatch: cannot write stats to {}: {}\n", opt.stats_path, std::strerror(errno));
    status = 2;
  }
  if (scores_file && (std::fflush(scores_file.get()) != 0 || std::ferror(scores_file.get()))) {
    fmt::print(stderr, "minewatch: error writing flow scores to {}\n", opt.flow_scores_path);
    status = 2;
  }
  if (probing && (opt.summary || opt.progress)) {
    std::string counts;
    for (const auto& [v, n] : probing->verdicts()) counts += fmt::format(" {}={}", probe::verdict_name(v), n);
    fmt::print(stderr, "minewatch: probes:{}; {} suspect session(s) confirmed, {} answered from cache\n",
               counts.empty() ? " none" : counts, probing->confirmed_suspects(), prober->cache_hits());
  }
  if (opt.summary) {
    std::FILE* out = opt.eve_path == "-" ? stderr : stdout;
    fmt::print(out, "\n");
    summary.print(out);
    fmt::print(out, "{} capture(s), {} packets\n", opt.captures.size(), total_packets);
    if (db_sink) {
      const auto& t = db_sink->totals();
      fmt::print(out, "store {}: {} new session(s), {} already stored, {} host-day row(s) updated\n", db->name(),
                 t.inserted, t.duplicates, t.host_days);
    }
    if (opt.engine.flow_model)
      fmt::print(out,
                 "flow model: {} flows scored, {} above its threshold, {} with a mining rhythm (evidence only, "
                 "never an alert alone)\n",
                 totals.flows_model_scored, totals.flows_model_positive, totals.flows_rhythm);
    if (opt.show_anomalies) {
      for (std::size_t i = 0; i < kAnomalyCount; ++i) {
        if (anomalies.counts[i])
          fmt::print(out, "  {:<40} {}\n", anomaly_name(static_cast<Anomaly>(i)), anomalies.counts[i]);
      }
    }
  }
  return status;
}

}  // namespace minewatch::app
