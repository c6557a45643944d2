#pragma once
// The analyzer's config file (TOML, `minewatch analyze --config PATH`), documented with every default
// in docs/configuration.md: [fusion] weights and threshold, [passive_dns] bounds, [intel] paths.
#include <string>
#include <vector>

#include "core/result.hpp"
#include "detect/fusion.hpp"
#include "intel/passive_dns.hpp"

namespace minewatch::app {

struct AnalyzerConfig {
  detect::FusionConfig fusion;
  intel::PassiveDnsConfig passive_dns;
  std::vector<std::string> intel_paths;  // [intel] paths: loaded like --intel
};

Result<AnalyzerConfig> load_analyzer_config(const std::string& path);

}  // namespace minewatch::app
