// minewatch: finds the hosts that mine cryptocurrency in network traffic.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <exception>

#include "app/analyze.hpp"

int main(int argc, char** argv) {
  using namespace minewatch;
  CLI::App cli{"minewatch: find the hosts that mine cryptocurrency, with evidence"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "minewatch 0.1.0");

  app::AnalyzeOptions analyze;
  bool no_summary = false, force_summary = false, no_progress = false;
  double threshold = analyze.engine.inspect.alert_threshold;
  auto* an = cli.add_subcommand("analyze", "Analyse capture files (pcap, pcapng) and report mining sessions");
  an->add_option("captures", analyze.captures, "Capture files")->required();
  an->add_option("--eve", analyze.eve_path, "Write EVE NDJSON events to PATH ('-' for stdout)");
  an->add_flag("--summary", force_summary, "Print the summary table even when output is not a terminal");
  an->add_flag("--no-summary", no_summary, "Never print the summary table");
  an->add_flag("--no-progress", no_progress, "Never draw the progress bar");
  an->add_flag("--anomalies", analyze.show_anomalies, "List anomaly counters with the summary");
  an->add_option("--threshold", threshold, "Session confidence needed to report mining")->check(CLI::Range(0.0, 1.0));
  an->add_option("--max-flows", analyze.engine.max_flows, "Hard cap on concurrent flows")
      ->check(CLI::Range(1024u, 1u << 28));

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  try {
    if (an->parsed()) {
      analyze.engine.inspect.alert_threshold = threshold;
      bool eve_to_stdout = analyze.eve_path == "-";
      bool tty_out = isatty(STDOUT_FILENO) != 0;
      bool tty_err = isatty(STDERR_FILENO) != 0;
      // On a terminal a person reads the table; piped, output stays machine-readable.
      analyze.summary = !no_summary && (force_summary || (eve_to_stdout ? tty_err : tty_out));
      analyze.progress = !no_progress && tty_err;
      return app::run_analyze(analyze);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "minewatch: {}\n", e.what());
    return 3;
  }
  return 0;
}
