// `minewatch analyze`: options and terminal behaviour; the work is in analyze.cpp.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "app/analyze.hpp"
#include "app/command.hpp"
#include "app/config.hpp"
#include "app/probe_options.hpp"
#include "intel/intel_toml.hpp"

namespace minewatch::app {

namespace {

// The built-in list, plus the given intel paths, or else the user intel directory when it exists.
Result<std::shared_ptr<const intel::PoolList>> load_pool_intel(const std::vector<std::string>& paths, bool user_dir) {
  std::vector<std::string> load = paths;
  if (load.empty() && user_dir) {
    auto d = intel::default_intel_dir();
    std::error_code ec;
    if (!d.empty() && std::filesystem::is_directory(d, ec)) load.push_back(d);
  }
  if (load.empty()) return std::shared_ptr<const intel::PoolList>{};  // the engine uses the built-in list
  auto l = std::make_shared<intel::PoolList>();
  l->merge(intel::PoolList::builtin());
  std::vector<std::string> warnings;
  for (const auto& p : load) {
    auto r = intel::load_intel_path(p, *l, warnings);
    if (!r) return std::unexpected(r.error());
  }
  for (const auto& w : warnings) fmt::print(stderr, "minewatch: intel warning: {}\n", w);
  return std::shared_ptr<const intel::PoolList>{std::move(l)};
}

}  // namespace

void add_analyze_command(CLI::App& cli, CommandSet& commands) {
  struct Args {
    AnalyzeOptions options;
    bool no_summary = false, force_summary = false, no_progress = false, no_model = false;
    double threshold = 0;
    std::vector<std::string> intel_paths;
    bool no_user_intel = false;
    std::string config_path;
    ProbeCliOptions probe;
  };
  auto args = std::make_shared<Args>();
  args->threshold = args->options.engine.inspect.alert_threshold;
  auto& o = args->options;
  auto* an = cli.add_subcommand("analyze", "Analyse capture files (pcap, pcapng) and report mining sessions");
  an->add_option("captures", o.captures, "Capture files")->required();
  an->add_option("--eve", o.eve_path, "Write EVE NDJSON events to PATH ('-' for stdout)");
  an->add_option("--db", o.db,
                 "Also write sessions, evidence and hosts to a store: an SQLite file or a postgresql:// URI");
  an->add_option("--db-batch", o.db_batch, "Sessions per store transaction (a crash loses at most one batch)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  an->add_flag("--summary", args->force_summary, "Print the summary table even when output is not a terminal");
  an->add_flag("--no-summary", args->no_summary, "Never print the summary table");
  an->add_flag("--no-progress", args->no_progress, "Never draw the progress bar");
  an->add_flag("--anomalies", o.show_anomalies, "List anomaly counters with the summary");
  an->add_option("--flow-scores", o.flow_scores_path,
                 "Write every flow the behaviour model scored to PATH (CSV, CESNET DataZoo columns + SCORE)");
  an->add_flag("--no-flow-model", args->no_model, "Do not score flows with the behaviour model");
  an->add_option("--threshold", args->threshold, "Session confidence needed to report mining")
      ->check(CLI::Range(0.0, 1.0));
  an->add_option("--max-flows", o.engine.max_flows, "Hard cap on concurrent flows")->check(CLI::Range(1024u, 1u << 28));

  an->add_option("--intel", args->intel_paths,
                 "Pool intel files or directories to load besides the built-in list (default: the user intel "
                 "directory written by `minewatch intel import`, when it exists)");
  an->add_flag("--no-user-intel", args->no_user_intel, "Use only the built-in pool list (and --intel paths)");
  auto* threshold_opt = an->get_option("--threshold");
  an->add_option("--config", args->config_path,
                 "Config file (TOML): [fusion] evidence weights and threshold, [passive_dns], [intel] paths; see "
                 "docs/configuration.md");

  an->add_option("--stats", o.stats_path,
                 "Write run counters (packets, flows, peak concurrent flows, evictions) as JSON to PATH");
  an->add_option("--threads", o.threads,
                 "Threads (1 = single pipeline; N > 1: N engines, each thread walking every N-th segment of a pcap "
                 "file, or one reader dealing packets from other inputs; same output)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64}));
  an->add_option("--segment-kib", o.segment_kib,
                 "With --threads N on a pcap or pcapng file: KiB of the file each thread walks at a time, every N-th "
                 "segment (0: one thread reads the whole file and deals every packet)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{65536}));
  an->add_flag("--probe", o.probe,
               "Probe the pools of suspected and encrypted sessions to confirm them (opt-in; allow-list: "
               "loopback unless --probe-allow)");
  add_probe_options(an, args->probe, "probe-");

  commands.add(an, [args, threshold_opt] {
    auto& opts = args->options;
    std::vector<std::string> intel_paths = args->intel_paths;
    if (!args->config_path.empty()) {
      auto cfg = load_analyzer_config(args->config_path);
      if (!cfg) {
        fmt::print(stderr, "minewatch: {}\n", cfg.error().message);
        return 2;
      }
      opts.engine.inspect.fusion = cfg->fusion;
      opts.engine.passive_dns = cfg->passive_dns;
      if (threshold_opt->count() == 0) args->threshold = cfg->fusion.threshold;
      intel_paths.insert(intel_paths.end(), cfg->intel_paths.begin(), cfg->intel_paths.end());
    }
    if (opts.engine.inspect.fusion.ja4_miner >= args->threshold) {
      fmt::print(stderr, "minewatch: --threshold {} must stay above fusion.ja4_miner {}\n", args->threshold,
                 opts.engine.inspect.fusion.ja4_miner);
      return 2;
    }
    opts.engine.inspect.fusion.threshold = args->threshold;
    auto pools = load_pool_intel(intel_paths, !args->no_user_intel);
    if (!pools) {
      fmt::print(stderr, "minewatch: {}\n", pools.error().message);
      return 2;
    }
    opts.pools = std::move(*pools);
    opts.engine.pools = opts.pools.get();
    if (opts.probe) {
      auto pc = make_probe_config(args->probe);
      if (!pc) {
        fmt::print(stderr, "minewatch analyze: {}\n", pc.error().message);
        return 2;
      }
      opts.probe_config = *pc;
    }
    opts.engine.inspect.alert_threshold = args->threshold;
    if (args->no_model) opts.engine.flow_model = nullptr;
    bool eve_to_stdout = opts.eve_path == "-";
    bool tty_out = isatty(STDOUT_FILENO) != 0;
    bool tty_err = isatty(STDERR_FILENO) != 0;
    // On a terminal a person reads the table; piped, output stays machine-readable.
    opts.summary = !args->no_summary && (args->force_summary || (eve_to_stdout ? tty_err : tty_out));
    opts.progress = !args->no_progress && tty_err;
    return run_analyze(opts);
  });
}

}  // namespace minewatch::app
