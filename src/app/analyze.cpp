#include "app/analyze.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "app/flow_scores.hpp"
#include "app/progress.hpp"
#include "app/summary.hpp"
#include "capture/frame_source.hpp"
#include "decode/decoder.hpp"
#include "events/eve_writer.hpp"
#include "probe/probing_sink.hpp"
#include "store/store_sink.hpp"

namespace minewatch::app {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f && f != stdout) std::fclose(f);
  }
};

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
  std::uint64_t total_packets = 0, model_scored = 0, model_positive = 0;
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
    detect::Engine engine(engine_config, sink, anomalies);
    progress.start(path, (*source)->size_bytes());
    decode::PacketView pkt;
    while (std::size_t n = (*source)->read_batch(batch)) {
      for (std::size_t i = 0; i < n; ++i) {
        if (decode::decode_frame(batch[i], pkt, anomalies) == decode::DecodeStatus::Ok) engine.process(pkt);
      }
      progress.update((*source)->position_bytes(), engine.stats().packets);
    }
    engine.finish();
    progress.done();
    if (db_sink) {
      if (auto r = db_sink->end_capture(); !r) {
        fmt::print(stderr, "minewatch: cannot store the sessions of {} in {}: {}\n", path, db->name(),
                   r.error().message);
        status = 2;
        break;
      }
    }
    total_packets += engine.stats().packets;
    model_scored += engine.stats().flows_model_scored;
    model_positive += engine.stats().flows_model_positive;
    for (const auto& w : (*source)->warnings()) fmt::print(stderr, "minewatch: warning: {}\n", w);
  }
  if (eve) eve->write_host_summaries();
  if (eve_file) {
    if (std::fflush(eve_file.get()) != 0 || std::ferror(eve_file.get())) {
      fmt::print(stderr, "minewatch: error writing events to {}\n", opt.eve_path == "-" ? "stdout" : opt.eve_path);
      status = 2;
    }
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
      fmt::print(out, "flow model: {} flows scored, {} above its threshold (evidence only, never an alert alone)\n",
                 model_scored, model_positive);
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
