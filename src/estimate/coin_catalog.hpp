#pragma once
// The coin catalog: algorithms (work per share, hardware efficiency classes with sources) and coins
// (identification hints). Loaded from TOML (data/coins.toml, embedded into the binary at build time).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace minewatch::estimate {

struct HardwareClass {
  std::string klass;  // "asic", "gpu", "cpu"
  std::string model;  // reference device
  int since = 0;      // year the class became the reference
  double j_per_unit = 0;
  std::string source;
};

struct Algorithm {
  std::string id;    // "sha256d"
  std::string name;  // "SHA-256d"
  std::string unit;  // "H/s" or "Sol/s"
  // Hashes per unit of Stratum set_difficulty (0: the protocol sends targets, no multiplier applies).
  double share_multiplier = 0;
  std::string share_multiplier_source;
  std::vector<std::string> agents;  // lower-case substrings of miner software names
  std::vector<HardwareClass> hardware;
};

struct AddressPrefix {
  std::string prefix;
  std::size_t min_len = 0, max_len = 0;
};

struct AlgorithmEra {
  std::string algorithm;
  std::int64_t until_unix = 0;  // the coin used `algorithm` before this time
};

struct Coin {
  std::string id, name, algorithm;
  std::vector<AlgorithmEra> eras;
  std::vector<std::vector<std::uint8_t>> base58_versions;
  std::vector<AddressPrefix> prefixes;
  std::vector<std::string> host_tokens, pool_domains, cryptonote_algos;
  std::int64_t mined_until_unix = 0;  // 0: still mined
  double prior = 1;
  std::string source;

  // The algorithm the coin used at `unix_time` (eras first, then the current one).
  [[nodiscard]] const std::string& algorithm_at(std::int64_t unix_time) const;
};

class CoinCatalog {
 public:
  static Result<CoinCatalog> parse(std::string_view toml_text, std::string_view source_name);
  // The catalog built into the binary (data/coins.toml at build time). Parsed once.
  static const CoinCatalog& builtin();

  [[nodiscard]] const std::vector<Coin>& coins() const { return coins_; }
  [[nodiscard]] const std::vector<Algorithm>& algorithms() const { return algorithms_; }
  [[nodiscard]] const Algorithm* algorithm(std::string_view id) const;
  [[nodiscard]] const Coin* coin(std::string_view id) const;

 private:
  std::vector<Coin> coins_;
  std::vector<Algorithm> algorithms_;
};

std::string_view builtin_catalog_text();  // generated from data/coins.toml

}  // namespace minewatch::estimate
