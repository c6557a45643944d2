#include "classify/classifier.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/ascii.hpp"

namespace minewatch::classify {

namespace {

bool contains_any(std::string_view haystack, std::span<const std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return haystack.find(n) != std::string_view::npos; });
}

std::string percent(double fraction) { return std::to_string(static_cast<int>(std::lround(fraction * 100))) + "%"; }

// Every signal the classifier knows, with its default logit weight (> 0 towards compromised). This table
// is the whole model: docs/decisions/0006-deliberate-vs-compromised.md says why each value is what it is.
struct Signal {
  std::string_view code;
  double weight;
};
constexpr Signal kSignals[] = {
    // Software and hardware.
    {"agent_trojan_build", 1.8},  // agent names a known cryptojacking build or a disguised process
    {"agent_rig_miner", -1.2},    // GPU/ASIC mining software (cgminer, bfgminer, ethminer, lolMiner ...)
    {"agent_cpu_miner", 0.3},     // XMRig, xmr-stak, cpuminer: used by both
    {"agent_absent", 0.6},        // the protocol carries an agent and the miner sent none
    {"agent_spoofed", 1.2},       // the agent claims a browser or an unrelated program
    {"hardware_asic", -2.0},      // nobody plants a miner on an ASIC; an ASIC is bought to mine
    {"hardware_gpu", -0.8},
    {"hardware_cpu", 0.5},
    {"browser_mining", 1.2},  // in-page mining: the visitor did not choose it
    // Owner and role.
    {"owner_institution", 0.3},   // state-owned enterprise, agency, university, company
    {"owner_residential", -0.5},  // home users who mine do so on purpose, mostly
    {"owner_idc", 0.3},           // cloud instances are mined both by renters and by intruders
    {"role_office_network", 0.6},
    {"role_server_network", 0.9},  // servers mining are usually exploited (Redis, Jenkins, Docker APIs)
    {"role_dedicated_rig", -1.5},
    {"general_purpose_host", 0.6},  // mining is a small part of what the host does
    {"mining_only_host", -0.8},     // the host does little but mine
    {"office_hours_only", -0.8},    // someone starts it at work and stops it when they leave
    {"always_on", -0.2},            // 24/7: rigs, but also persistent trojans; weak
    {"frequent_restarts", 0.4},     // many sessions a day: killed and revived by a persistence job
    // Wallet.
    {"wallet_shared_across_orgs", 2.2},  // one wallet at unrelated organisations: a botnet
    {"wallet_shared_widely", 1.0},       // ... at ten or more
    {"wallet_personal_login", -0.5},     // e-mail or worker-name login: an account someone owns
    // Evasion.
    {"tls_on_443", 0.8},
    {"via_proxy", 0.7},
    {"nonstandard_port", 0.3},
    // Pool and coin.
    {"pool_botnet_favoured", 0.6},
    {"pool_hidden", 1.0},
    {"coin_monero", 0.3},           // CPU-friendly and private: the cryptojackers' coin
    {"coin_sha256", -0.6},          // Bitcoin-family mining needs ASICs
    {"cpu_monero_in_office", 1.2},  // XMR on a CPU inside an office or server network: the trojan pattern
};

constexpr std::string_view kDefaultBotnetPools[] = {
    "c3pool.com",     "supportxmr.com", "moneroocean.stream", "minexmr.com",    "xmr.nanopool.org",
    "xmrpool.eu",     "crypto-pool.fr", "hashvault.pro",      "herominers.com", "xmr.2miners.com",
    "monerohash.com", "dwarfpool.com",  "minergate.com",
};
constexpr std::string_view kDefaultTrojanAgents[] = {
    "kdevtmpfsi",         "kinsing",         "sysupdate", "watchbog", "dbused", "networkservice", "sustes", "kworkerds",
    "xmrig-notls-hidden", "systemd-journal", "ld-linux",  "javae",    "lsass",  "svchost",
};
constexpr std::string_view kRigAgents[] = {
    "cgminer",    "bfgminer", "bmminer",      "ethminer",     "claymore",  "lolminer", "t-rex",
    "nbminer",    "gminer",   "phoenixminer", "teamredminer", "ewbf",      "bminer",   "antminer",
    "whatsminer", "avalon",   "braiins",      "nicehash",     "excavator", "sgminer",  "ccminer"};
constexpr std::string_view kCpuAgents[] = {"xmrig", "xmr-stak", "cpuminer", "minerd", "cpuminer-opt", "srbminer"};
constexpr std::string_view kBrowserAgents[] = {"mozilla/",   "chrome/",  "safari/",   "coinhive",
                                               "cryptoloot", "webminer", "authedmine"};

bool is_known_code(std::string_view code) {
  return std::any_of(std::begin(kSignals), std::end(kSignals), [&](const Signal& s) { return s.code == code; });
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

bool is_institution(registry::OrgType t) {
  using registry::OrgType;
  return t == OrgType::StateOwned || t == OrgType::Government || t == OrgType::University ||
         t == OrgType::PrivateEnterprise;
}

bool ends_with_domain(std::string_view host, std::string_view suffix) {
  if (!host.ends_with(suffix)) return false;
  return host.size() == suffix.size() || host[host.size() - suffix.size() - 1] == '.';
}

}  // namespace

std::string_view to_string(HardwareClass h) {
  switch (h) {
    case HardwareClass::Asic: return "asic";
    case HardwareClass::Gpu: return "gpu";
    case HardwareClass::Cpu: return "cpu";
    case HardwareClass::Browser: return "browser";
    case HardwareClass::Unknown: break;
  }
  return "unknown";
}

std::optional<HardwareClass> parse_hardware_class(std::string_view text) {
  const std::string l = lower_ascii(text);
  for (auto h :
       {HardwareClass::Unknown, HardwareClass::Asic, HardwareClass::Gpu, HardwareClass::Cpu, HardwareClass::Browser}) {
    if (l == to_string(h)) return h;
  }
  if (l.empty()) return HardwareClass::Unknown;
  return std::nullopt;
}

std::string_view to_string(NetworkRole r) {
  switch (r) {
    case NetworkRole::Office: return "office";
    case NetworkRole::Server: return "server";
    case NetworkRole::Residential: return "residential";
    case NetworkRole::DedicatedRig: return "dedicated-rig";
    case NetworkRole::Unknown: break;
  }
  return "unknown";
}

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Deliberate: return "deliberate";
    case Verdict::Compromised: return "compromised";
    case Verdict::Undetermined: break;
  }
  return "undetermined";
}

const Weights& Weights::defaults() {
  static const Weights w = [] {
    Weights d;
    d.bias = 0.0;
    for (const auto& s : kSignals) d.weight.emplace(std::string(s.code), s.weight);
    for (auto p : kDefaultBotnetPools) d.botnet_pools.emplace_back(p);
    for (auto a : kDefaultTrojanAgents) d.trojan_agents.emplace_back(a);
    return d;
  }();
  return w;
}

double Weights::get(std::string_view code) const {
  const auto it = weight.find(code);
  return it == weight.end() ? 0.0 : it->second;
}

Result<Weights> parse_weights(std::string_view toml_text, std::string_view name) {
  toml::table table;
  try {
    table = toml::parse(toml_text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << name << ":" << e.source().begin.line << ": " << e.description();
    return make_error(out.str());
  }
  Weights w = Weights::defaults();
  auto where = [&](const toml::node& node) {
    return std::string(name) + ":" + std::to_string(node.source().begin.line) + ": ";
  };
  for (const auto& [key, node] : table) {
    const std::string_view k = key.str();
    if (k == "bias" || k == "compromised_at" || k == "deliberate_at") {
      const auto v = node.value<double>();
      if (!v) return make_error(where(node) + std::string(k) + " must be a number");
      (k == "bias" ? w.bias : k == "compromised_at" ? w.compromised_at : w.deliberate_at) = *v;
    } else if (k == "weights") {
      const auto* t = node.as_table();
      if (t == nullptr) return make_error(where(node) + "weights must be a table of code = number");
      for (const auto& [code, value] : *t) {
        if (!is_known_code(code.str())) {
          return make_error(where(value) + "unknown signal '" + std::string(code.str()) + "'");
        }
        const auto v = value.value<double>();
        if (!v) return make_error(where(value) + std::string(code.str()) + " must be a number");
        w.weight[std::string(code.str())] = *v;
      }
    } else if (k == "botnet_pools" || k == "trojan_agents") {
      const auto* arr = node.as_array();
      if (arr == nullptr) return make_error(where(node) + std::string(k) + " must be an array of strings");
      std::vector<std::string> items;
      for (const auto& item : *arr) {
        const auto s = item.value<std::string>();
        if (!s) return make_error(where(item) + std::string(k) + " must hold strings");
        items.push_back(lower_ascii(*s));
      }
      (k == "botnet_pools" ? w.botnet_pools : w.trojan_agents) = std::move(items);
    } else {
      return make_error(where(node) + "unknown key '" + std::string(k) + "'");
    }
  }
  if (!(w.deliberate_at >= 0 && w.deliberate_at < w.compromised_at && w.compromised_at <= 1)) {
    return make_error(std::string(name) + ": need 0 <= deliberate_at < compromised_at <= 1");
  }
  return w;
}

Result<Weights> load_weights(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path.string() + ": cannot open");
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_weights(buf.str(), path.string());
}

Classification classify(const HostFacts& f, const Weights& w) {
  Classification out;
  auto fire = [&](std::string_view code, std::string text) {
    const double weight = w.get(code);
    if (weight == 0.0) return;
    out.reasons.push_back({std::string(code), std::move(text), weight});
  };
  using registry::OrgType;

  // Software.
  std::vector<std::string> agents;
  for (const auto& a : f.agents) agents.push_back(lower_ascii(a));
  auto first_agent_matching = [&](auto&& pred) -> const std::string* {
    for (std::size_t i = 0; i < agents.size(); ++i) {
      if (pred(agents[i])) return &f.agents[i];
    }
    return nullptr;
  };
  const auto trojan_list = [&] {
    std::vector<std::string_view> v(w.trojan_agents.begin(), w.trojan_agents.end());
    return v;
  }();
  if (const auto* a = first_agent_matching([&](const std::string& s) { return contains_any(s, trojan_list); })) {
    fire("agent_trojan_build", "agent \"" + *a + "\" is a known cryptojacking build or disguised process name");
  }
  const bool browser_agent = first_agent_matching([](const std::string& s) { return contains_any(s, kBrowserAgents); });
  if (const auto* a = first_agent_matching([](const std::string& s) { return contains_any(s, kRigAgents); })) {
    fire("agent_rig_miner", "agent \"" + *a + "\" is GPU/ASIC mining software");
  } else if (const auto* c = first_agent_matching([](const std::string& s) { return contains_any(s, kCpuAgents); })) {
    fire("agent_cpu_miner", "agent \"" + *c + "\" is a CPU miner");
  }
  if (f.agent_spoofed) {
    fire("agent_spoofed", "the miner's agent claims to be something else");
  } else if (browser_agent && f.hardware != HardwareClass::Browser) {
    fire("agent_spoofed", "a mining login with a browser's agent");
  }
  if (f.agent_absent && f.agents.empty()) fire("agent_absent", "no miner agent although the protocol carries one");

  // Hardware.
  switch (f.hardware) {
    case HardwareClass::Asic: fire("hardware_asic", "ASIC hardware: bought to mine"); break;
    case HardwareClass::Gpu: fire("hardware_gpu", "GPU mining"); break;
    case HardwareClass::Cpu: fire("hardware_cpu", "CPU mining"); break;
    case HardwareClass::Browser: fire("browser_mining", "mining in a web page (visitors do not choose it)"); break;
    case HardwareClass::Unknown: break;
  }

  // Owner and role.
  if (is_institution(f.owner_type) && !f.owner_is_carrier) {
    fire("owner_institution", "owner is a " + std::string(registry::to_string(f.owner_type)) + " organisation");
  } else if (f.owner_type == OrgType::Residential || (f.owner_is_carrier && f.network_role == NetworkRole::Unknown)) {
    fire("owner_residential", "a residential or carrier subscriber line");
  } else if (f.owner_type == OrgType::Cloud) {
    fire("owner_idc", "a hosting/cloud address");
  }
  switch (f.network_role) {
    case NetworkRole::Office: fire("role_office_network", "host sits in an office network"); break;
    case NetworkRole::Server: fire("role_server_network", "host sits in a server network"); break;
    case NetworkRole::DedicatedRig: fire("role_dedicated_rig", "host is a dedicated mining rig"); break;
    case NetworkRole::Residential:
    case NetworkRole::Unknown: break;
  }
  const std::uint64_t flows = f.mining_flows + f.other_flows;
  if (flows >= 20) {
    const double other_share = static_cast<double>(f.other_flows) / static_cast<double>(flows);
    if (other_share >= 0.8) {
      fire("general_purpose_host",
           percent(other_share) + " of " + std::to_string(flows) + " flows are not mining: a working machine");
    } else if (other_share <= 0.1 && f.mining_flows > 0) {
      fire("mining_only_host", percent(1 - other_share) + " of " + std::to_string(flows) + " flows are mining");
    }
  }
  if (f.office_hours_only) {
    fire("office_hours_only", "mines only during office hours: started and stopped by a person");
  } else if (f.active_fraction && *f.active_fraction >= 0.9 && f.observed_hours.value_or(0) >= 20) {
    fire("always_on", "mining " + percent(*f.active_fraction) + " of the time");
  }
  if (f.sessions >= 24) {
    fire("frequent_restarts", std::to_string(f.sessions) + " mining sessions: restarted over and over");
  }

  // Wallet.
  if (f.wallet_org_count >= 3) {
    fire("wallet_shared_across_orgs",
         "the wallet mines from " + std::to_string(f.wallet_org_count) + " unrelated organisations");
    if (f.wallet_org_count >= 10) fire("wallet_shared_widely", "the wallet is spread like a botnet's");
  }
  if (f.wallet_is_email_or_worker_name && f.wallet_org_count < 3) {
    fire("wallet_personal_login", "a personal login (e-mail or named worker)");
  }

  // Evasion.
  if (f.tls_on_443) fire("tls_on_443", "mining over TLS on port 443, hidden among web traffic");
  if (f.via_proxy) fire("via_proxy", "mining through a proxy");
  if (f.nonstandard_port && !f.tls_on_443) fire("nonstandard_port", "pool reached on a port it does not advertise");

  // Pool and coin.
  bool botnet_pool = f.pool_botnet_favoured;
  std::string botnet_pool_name;
  for (const auto& p : f.pools) {
    const std::string host = lower_ascii(p);
    for (const auto& suffix : w.botnet_pools) {
      if (ends_with_domain(host, suffix)) {
        botnet_pool = true;
        botnet_pool_name = p;
      }
    }
  }
  if (botnet_pool) {
    fire("pool_botnet_favoured", botnet_pool_name.empty() ? std::string("a pool botnets favour")
                                                          : "pool " + botnet_pool_name + " is favoured by botnets");
  }
  if (f.pool_hidden) fire("pool_hidden", "a private or unlisted pool endpoint");
  const std::string coin = lower_ascii(f.coin);
  if (coin == "xmr" || coin == "monero") {
    const bool office = f.network_role == NetworkRole::Office || f.network_role == NetworkRole::Server ||
                        (is_institution(f.owner_type) && !f.owner_is_carrier);
    if (f.hardware == HardwareClass::Cpu && office) {
      fire("cpu_monero_in_office", "Monero on a CPU inside an office or server network");
    } else {
      fire("coin_monero", "Monero (CPU-friendly, favoured by cryptojackers)");
    }
  } else if (coin == "btc" || coin == "bch" || coin == "bsv") {
    fire("coin_sha256", "SHA-256 coin (" + f.coin + "): needs ASICs");
  }

  double logit = w.bias;
  for (const auto& r : out.reasons) logit += r.weight;
  out.score = sigmoid(logit);
  out.verdict = out.score >= w.compromised_at  ? Verdict::Compromised
                : out.score <= w.deliberate_at ? Verdict::Deliberate
                                               : Verdict::Undetermined;
  std::stable_sort(out.reasons.begin(), out.reasons.end(),
                   [](const Reason& a, const Reason& b) { return std::abs(a.weight) > std::abs(b.weight); });
  return out;
}

std::vector<SharedWallet> find_shared_wallets(std::span<const WalletSighting> sightings, std::size_t min_orgs) {
  std::unordered_map<std::string, std::set<std::string>> orgs;
  for (const auto& s : sightings) {
    if (s.wallet.empty() || s.org_id.empty()) continue;
    orgs[s.wallet].insert(s.org_id);
  }
  std::vector<SharedWallet> out;
  for (auto& [wallet, set] : orgs) {
    if (set.size() < std::max<std::size_t>(min_orgs, 2)) continue;
    out.push_back({wallet, {set.begin(), set.end()}});
  }
  std::sort(out.begin(), out.end(), [](const SharedWallet& a, const SharedWallet& b) {
    if (a.org_ids.size() != b.org_ids.size()) return a.org_ids.size() > b.org_ids.size();
    return a.wallet < b.wallet;
  });
  return out;
}

}  // namespace minewatch::classify
