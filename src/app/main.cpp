// minewatch: finds the hosts that mine cryptocurrency in network traffic.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <exception>

#include "app/command.hpp"

int main(int argc, char** argv) {
  using namespace minewatch;
  CLI::App cli{"minewatch: find the hosts that mine cryptocurrency, with evidence"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "minewatch 0.1.0");

  app::CommandSet commands;
  app::add_analyze_command(cli, commands);
  app::add_store_command(cli, commands);
  app::add_registry_command(cli, commands);
  app::add_intel_command(cli, commands);
  app::add_sensor_command(cli, commands);
  app::add_report_command(cli, commands);
  app::add_probe_command(cli, commands);
  app::add_simulate_pool_command(cli, commands);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  try {
    return commands.run_parsed();
  } catch (const std::exception& e) {
    fmt::print(stderr, "minewatch: {}\n", e.what());
    return 3;
  }
}
