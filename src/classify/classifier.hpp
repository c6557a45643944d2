#pragma once
// Deliberate vs compromised: was the miner put there by the owner, or by an intruder (trojan, botnet,
// cryptojacking)? A pure function of facts about one mining host, with a score and the reasons.
//
// The score is a logistic model: score = sigmoid(bias + Σ weight_i) over the signals that fire, so the
// weights (data/classify_weights.toml) can be refitted later against inspection outcomes. Score 1 means
// compromised, 0 deliberate. See docs/decisions/ for the signals and the default weights.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "registry/registry.hpp"

namespace minewatch::classify {

enum class HardwareClass : std::uint8_t { Unknown, Asic, Gpu, Cpu, Browser };
[[nodiscard]] std::string_view to_string(HardwareClass h);
[[nodiscard]] std::optional<HardwareClass> parse_hardware_class(std::string_view text);

// What kind of network the host sits in, when known from the registry or configuration.
enum class NetworkRole : std::uint8_t { Unknown, Office, Server, Residential, DedicatedRig };
[[nodiscard]] std::string_view to_string(NetworkRole r);

enum class Verdict : std::uint8_t { Undetermined, Deliberate, Compromised };
[[nodiscard]] std::string_view to_string(Verdict v);

// Everything known about one mining host (one IP, or one subscriber behind a NAT), usually over a day.
struct HostFacts {
  std::vector<std::string> agents;  // miner user agents seen (login "agent" field, HTTP User-Agent)
  HardwareClass hardware = HardwareClass::Unknown;
  registry::OrgType owner_type = registry::OrgType::Unknown;
  bool owner_is_carrier = false;  // the registry match is a carrier range (so the owner is a subscriber)
  NetworkRole network_role = NetworkRole::Unknown;

  // Host role hints from traffic.
  std::uint64_t mining_flows = 0;
  std::uint64_t other_flows = 0;          // flows to anything that is not a pool
  std::uint32_t sessions = 0;             // mining sessions
  std::optional<double> active_fraction;  // fraction of the observed time with mining traffic (0..1)
  std::optional<double> observed_hours;   // how long the host was observed
  bool office_hours_only = false;         // mining only while the office is open (a user started it)

  // Wallet / login.
  std::uint32_t wallet_org_count = 0;  // unrelated organisations sharing this host's wallet (find_shared_wallets)
  bool wallet_is_email_or_worker_name = false;  // login looks personal ("alice@...", "rig01"): an owner's account

  // Evasion.
  bool tls_on_443 = false;        // mining over TLS to port 443 (blends with web traffic)
  bool via_proxy = false;         // through a mining proxy / SOCKS / a hidden pool endpoint
  bool agent_absent = false;      // no miner agent at all although the protocol carries one
  bool agent_spoofed = false;     // agent claims a browser or a non-miner program
  bool nonstandard_port = false;  // pool on a port the pool does not advertise (custom forwarders)

  // Pool and coin.
  std::vector<std::string> pools;     // pool host names (or addresses)
  bool pool_botnet_favoured = false;  // set by the caller, or derived from `pools` by the classifier's table
  bool pool_hidden = false;           // private/unlisted pool or proxy endpoint
  std::string coin;                   // "XMR", "BTC", "ETH", ... (upper case, as in the coin catalogue)
};

// One signal that fired.
struct Reason {
  std::string code;   // stable key, as in the weights table ("cpu_monero_in_office", ...)
  std::string text;   // human-readable, names the fact ("XMRig 6.21 on a CPU in an office network")
  double weight = 0;  // contribution to the logit: > 0 towards compromised, < 0 towards deliberate
};

struct Classification {
  Verdict verdict = Verdict::Undetermined;
  double score = 0.5;           // P(compromised) in [0, 1]
  std::vector<Reason> reasons;  // strongest first
};

// The calibration table. Unknown codes in a file are an error (a typo would silently do nothing).
struct Weights {
  double bias = 0;
  std::map<std::string, double, std::less<>> weight;  // code → logit contribution
  double compromised_at = 0.65;                       // score >= this → Compromised
  double deliberate_at = 0.35;                        // score <= this → Deliberate
  std::vector<std::string> botnet_pools;              // host-name suffixes of pools that botnets favour
  std::vector<std::string> trojan_agents;             // agent substrings typical of trojan builds

  [[nodiscard]] static const Weights& defaults();
  [[nodiscard]] double get(std::string_view code) const;
};

// TOML: bias, thresholds, [weights] code = number, botnet_pools = [...], trojan_agents = [...].
// Starts from the defaults and overrides what the file sets.
[[nodiscard]] Result<Weights> load_weights(const std::filesystem::path& path);
[[nodiscard]] Result<Weights> parse_weights(std::string_view toml_text, std::string_view name);

[[nodiscard]] Classification classify(const HostFacts& facts, const Weights& weights = Weights::defaults());

// Botnet signal: one wallet (or pool login) mining from many unrelated organisations.
struct WalletSighting {
  std::string wallet;
  std::string org_id;  // registry organisation id; empty when unknown (not counted)
};
struct SharedWallet {
  std::string wallet;
  std::vector<std::string> org_ids;  // sorted, distinct
};
// Wallets seen at >= min_orgs distinct organisations, most organisations first. Carrier ranges are
// different subscribers, so callers pass subscriber ids as org_id for those.
[[nodiscard]] std::vector<SharedWallet> find_shared_wallets(std::span<const WalletSighting> sightings,
                                                            std::size_t min_orgs = 3);

}  // namespace minewatch::classify
