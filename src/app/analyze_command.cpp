// `minewatch analyze`: options and terminal behaviour; the work is in analyze.cpp.
#include <unistd.h>

#include <memory>

#include "app/analyze.hpp"
#include "app/command.hpp"

namespace minewatch::app {

void add_analyze_command(CLI::App& cli, CommandSet& commands) {
  struct Args {
    AnalyzeOptions options;
    bool no_summary = false, force_summary = false, no_progress = false;
    double threshold = 0;
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
  an->add_option("--threshold", args->threshold, "Session confidence needed to report mining")
      ->check(CLI::Range(0.0, 1.0));
  an->add_option("--max-flows", o.engine.max_flows, "Hard cap on concurrent flows")->check(CLI::Range(1024u, 1u << 28));

  commands.add(an, [args] {
    auto& opts = args->options;
    opts.engine.inspect.alert_threshold = args->threshold;
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
