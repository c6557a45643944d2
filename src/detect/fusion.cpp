#include "detect/fusion.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace minewatch::detect {

Strength strength_of(Signal s) {
  switch (s) {
    case Signal::PoolAddressDns:
    case Signal::PoolEndpointIntel:
    case Signal::KnownMinerPool: return Strength::Strong;
    case Signal::PoolAddressIntel:
    case Signal::StratumV2Shape:
    case Signal::MiningRhythm: return Strength::Moderate;
    case Signal::FlowModel:  // behaviour alone is never mining (issue 3): it needs a second signal
    case Signal::TlsNoServerName:
    case Signal::Ja4Miner: return Strength::Weak;
  }
  return Strength::Weak;
}

std::string_view signal_name(Signal s) {
  switch (s) {
    case Signal::PoolAddressDns: return "intel.pool-address-dns";
    case Signal::PoolAddressIntel: return "intel.pool-address-list";
    case Signal::PoolEndpointIntel: return "intel.pool-endpoint-list";
    case Signal::KnownMinerPool: return "history.known-miner-pool";
    case Signal::Ja4Miner: return "tls.ja4-miner";
    case Signal::FlowModel: return "model.flow-score";
    case Signal::StratumV2Shape: return "stratum2.shape";
    case Signal::MiningRhythm: return "behaviour.mining-rhythm";
    case Signal::TlsNoServerName: return "tls.no-server-name";
  }
  return "unknown";
}

double FusionConfig::weight(Signal s) const {
  switch (s) {
    case Signal::PoolAddressDns: return pool_address_dns;
    case Signal::PoolAddressIntel: return pool_address_intel;
    case Signal::PoolEndpointIntel: return pool_endpoint_intel;
    case Signal::KnownMinerPool: return known_miner_pool;
    case Signal::Ja4Miner: return ja4_miner;
    case Signal::FlowModel: return flow_model;
    case Signal::StratumV2Shape: return stratum_v2_shape;
    case Signal::MiningRhythm: return mining_rhythm;
    case Signal::TlsNoServerName: return tls_no_server_name;
  }
  return 0;
}

double FusionConfig::flow_model_weight(double score) const {
  if (!(score >= flow_model_min_score) || flow_model_min_score >= 1.0) return 0;
  double t = (std::min(score, 1.0) - flow_model_min_score) / (1.0 - flow_model_min_score);
  return flow_model * t;
}

bool FusionConfig::is_miner_ja4(std::string_view ja4) const {
  return !ja4.empty() && std::find(miner_ja4.begin(), miner_ja4.end(), ja4) != miner_ja4.end();
}

Result<FusionConfig> parse_fusion_config(std::string_view text, std::string_view origin) {
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return make_error(fmt::format("{}:{}: {}", origin, e.source().begin.line, e.description()));
  }
  FusionConfig c;
  const toml::table* f = doc["fusion"].as_table();
  if (!f) return c;
  struct Key {
    std::string_view name;
    double* value;
  };
  const Key keys[] = {{"threshold", &c.threshold},
                      {"pool_address_dns", &c.pool_address_dns},
                      {"pool_address_intel", &c.pool_address_intel},
                      {"pool_endpoint_intel", &c.pool_endpoint_intel},
                      {"known_miner_pool", &c.known_miner_pool},
                      {"ja4_miner", &c.ja4_miner},
                      {"flow_model", &c.flow_model},
                      {"flow_model_min_score", &c.flow_model_min_score},
                      {"stratum_v2_shape", &c.stratum_v2_shape},
                      {"mining_rhythm", &c.mining_rhythm},
                      {"tls_no_server_name", &c.tls_no_server_name},
                      {"shared_address_factor", &c.shared_address_factor}};
  for (const auto& [k, node] : *f) {
    const auto line = node.source().begin.line;
    if (k == "miner_ja4") {
      const toml::array* a = node.as_array();
      if (!a) return make_error(fmt::format("{}:{}: fusion.miner_ja4 must be an array of strings", origin, line));
      for (const auto& e : *a) {
        auto s = e.value<std::string>();
        if (!s) return make_error(fmt::format("{}:{}: fusion.miner_ja4 must hold strings", origin, line));
        c.miner_ja4.push_back(*s);
      }
      continue;
    }
    const Key* key = nullptr;
    for (const auto& cand : keys) {
      if (cand.name == k.str()) key = &cand;
    }
    if (!key) return make_error(fmt::format("{}:{}: unknown key fusion.{}", origin, line, k.str()));
    auto v = node.value<double>();
    if (!v || !(*v >= 0.0) || !(*v < 1.0 || (key->name == "threshold" && *v <= 1.0)))
      return make_error(fmt::format("{}:{}: fusion.{} must be a number in [0, 1)", origin, line, k.str()));
    *key->value = *v;
  }
  // Signals that must never raise an alert alone (weak ones are also held back by strength class).
  const Key alone[] = {{"ja4_miner", &c.ja4_miner},
                       {"tls_no_server_name", &c.tls_no_server_name},
                       {"stratum_v2_shape", &c.stratum_v2_shape},
                       {"mining_rhythm", &c.mining_rhythm}};
  for (const auto& k : alone) {
    if (*k.value >= c.threshold)
      return make_error(
          fmt::format("{}: fusion.{} ({}) must stay below fusion.threshold ({}): this signal "
                      "alone never raises an alert",
                      origin, k.name, *k.value, c.threshold));
  }
  return c;
}

Result<FusionConfig> load_fusion_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(fmt::format("cannot read config {}", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_fusion_config(ss.str(), path);
}

}  // namespace minewatch::detect
