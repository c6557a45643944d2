#pragma once
// Probe options shared by `minewatch probe` and `minewatch analyze --probe`.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "probe/prober.hpp"

namespace minewatch::app {

struct ProbeCliOptions {
  std::string dialect = "auto";
  double timeout_ms = 5000;
  double connect_timeout_ms = 3000;
  std::vector<std::string> allow;  // added to the loopback default
  double rate = 10, burst = 20;
  double target_rate = 0.1, target_burst = 3;
  double max_wait_ms = 30000;
  double cache_ttl_s = 1800;
};

// `prefix` is "" for `probe` and "probe-" for `analyze` (--probe-timeout ...).
void add_probe_options(CLI::App* app, ProbeCliOptions& o, const std::string& prefix);
Result<probe::ProbeConfig> make_probe_config(const ProbeCliOptions& o);

}  // namespace minewatch::app
