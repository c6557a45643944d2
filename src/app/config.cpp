#include "app/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

namespace minewatch::app {

Result<AnalyzerConfig> load_analyzer_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(fmt::format("cannot read config {}", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  AnalyzerConfig c;
  auto fusion = detect::parse_fusion_config(text, path);
  if (!fusion) return std::unexpected(fusion.error());
  c.fusion = *fusion;
  toml::table doc = toml::parse(text, path);  // parsed cleanly just above
  for (const auto& [k, node] : doc) {
    if (k != "fusion" && k != "passive_dns" && k != "intel")
      return make_error(fmt::format("{}:{}: unknown table [{}] (expected fusion, passive_dns, intel)", path,
                                    node.source().begin.line, k.str()));
  }
  if (const toml::table* p = doc["passive_dns"].as_table()) {
    for (const auto& [k, node] : *p) {
      auto v = node.value<std::int64_t>();
      const auto line = node.source().begin.line;
      if (!v || *v < 0)
        return make_error(fmt::format("{}:{}: passive_dns.{} must be a non-negative integer", path, line, k.str()));
      if (k == "max_entries") {
        c.passive_dns.max_entries = static_cast<std::size_t>(*v);
      } else if (k == "grace_seconds") {
        c.passive_dns.grace = std::chrono::seconds{*v};
      } else {
        return make_error(fmt::format("{}:{}: unknown key passive_dns.{}", path, line, k.str()));
      }
    }
  }
  if (const toml::table* i = doc["intel"].as_table()) {
    for (const auto& [k, node] : *i) {
      const auto line = node.source().begin.line;
      if (k != "paths") return make_error(fmt::format("{}:{}: unknown key intel.{}", path, line, k.str()));
      const toml::array* a = node.as_array();
      if (!a) return make_error(fmt::format("{}:{}: intel.paths must be an array of strings", path, line));
      for (const auto& e : *a) {
        auto s = e.value<std::string>();
        if (!s) return make_error(fmt::format("{}:{}: intel.paths must hold strings", path, line));
        c.intel_paths.push_back(*s);
      }
    }
  }
  return c;
}

}  // namespace minewatch::app
