#pragma once
// Subcommands register themselves on the CLI and hand back what to run once parsed. main() only
// lists them, so each subcommand lives in its own file.
#include <CLI/CLI.hpp>
#include <functional>
#include <utility>
#include <vector>

namespace minewatch::app {

class CommandSet {
 public:
  // `run` is called when `sub` was parsed; it returns the process exit status.
  void add(CLI::App* sub, std::function<int()> run) { commands_.emplace_back(sub, std::move(run)); }

  // Runs the parsed subcommand; 0 when none was parsed.
  [[nodiscard]] int run_parsed() const {
    for (const auto& [sub, run] : commands_) {
      if (sub->parsed()) return run();
    }
    return 0;
  }

 private:
  std::vector<std::pair<CLI::App*, std::function<int()>>> commands_;
};

// One function per subcommand, each defined next to the code it drives.
void add_analyze_command(CLI::App& cli, CommandSet& commands);
void add_store_command(CLI::App& cli, CommandSet& commands);
void add_registry_command(CLI::App& cli, CommandSet& commands);
void add_intel_command(CLI::App& cli, CommandSet& commands);
void add_sensor_command(CLI::App& cli, CommandSet& commands);
void add_report_command(CLI::App& cli, CommandSet& commands);
void add_probe_command(CLI::App& cli, CommandSet& commands);
void add_simulate_pool_command(CLI::App& cli, CommandSet& commands);

}  // namespace minewatch::app
