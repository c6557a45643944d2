// `minewatch probe HOST:PORT...`: confirm suspected pool endpoints by speaking to them (opt-in, fenced
// by an allow-list that defaults to loopback, rate limits, timeouts and a verdict cache).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <memory>

#include "app/command.hpp"
#include "app/probe_options.hpp"
#include "probe/probe_report.hpp"

namespace minewatch::app {

void add_probe_command(CLI::App& cli, CommandSet& commands) {
  struct Args {
    std::vector<std::string> targets;
    ProbeCliOptions probe;
    std::string format;
  };
  auto args = std::make_shared<Args>();
  auto* sub =
      cli.add_subcommand("probe", "Speak Stratum, CryptoNote or ETHProxy to an endpoint and say if it is a pool");
  sub->add_option("targets", args->targets, "HOST:PORT, [IPv6]:PORT or stratum+tcp://HOST:PORT")->required();
  add_probe_options(sub, args->probe, "");
  sub->add_option("--format", args->format, "table | json (NDJSON); default: table on a terminal, json otherwise")
      ->check(CLI::IsMember({"table", "json"}));
  commands.add(sub, [args] {
    auto config = make_probe_config(args->probe);
    if (!config) {
      fmt::print(stderr, "minewatch probe: {}\n", config.error().message);
      return 2;
    }
    bool json = args->format.empty() ? isatty(STDOUT_FILENO) == 0 : args->format == "json";
    probe::SystemTime time;
    probe::Prober prober(*config, time);
    std::vector<probe::ProbeResult> results;
    int status = 0;
    for (const auto& t : args->targets) {
      auto ep = probe::parse_endpoint(t);
      if (!ep) {
        fmt::print(stderr, "minewatch probe: {}\n", ep.error().message);
        status = 2;
        continue;
      }
      auto r = prober.probe(*ep);
      if (r.verdict == probe::Verdict::NotAllowed) fmt::print(stderr, "minewatch probe: {}: {}\n", r.target, r.reason);
      if (json) {
        double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        std::string line = probe::probe_json_line(r, now);
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fflush(stdout);
      }
      results.push_back(std::move(r));
    }
    if (!json) probe::print_probe_table(stdout, results);
    return status;
  });
}

}  // namespace minewatch::app
