#include "classify/classifier.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace minewatch::classify {
namespace {

using registry::OrgType;

bool has(const Classification& c, std::string_view code) {
  return std::any_of(c.reasons.begin(), c.reasons.end(), [&](const Reason& r) { return r.code == code; });
}

const Reason* reason(const Classification& c, std::string_view code) {
  for (const auto& r : c.reasons) {
    if (r.code == code) return &r;
  }
  return nullptr;
}

TEST(Classifier, NoFactsIsUndeterminedAtOneHalf) {
  const auto c = classify(HostFacts{});
  EXPECT_EQ(c.verdict, Verdict::Undetermined);
  EXPECT_DOUBLE_EQ(c.score, 0.5);
  EXPECT_TRUE(c.reasons.empty());
}

TEST(Classifier, XmrigOnAnOfficeCpuOverTlsIsCompromised) {
  HostFacts f;
  f.agents = {"XMRig/6.21.0 (Windows NT 10.0; Win64; x64) libuv/1.44.2 msvc/2019"};
  f.hardware = HardwareClass::Cpu;
  f.owner_type = OrgType::Government;
  f.network_role = NetworkRole::Office;
  f.coin = "XMR";
  f.tls_on_443 = true;
  f.other_flows = 900;
  f.mining_flows = 30;
  const auto c = classify(f);
  EXPECT_EQ(c.verdict, Verdict::Compromised);
  EXPECT_GT(c.score, 0.9);
  for (auto code : {"agent_cpu_miner", "hardware_cpu", "owner_institution", "role_office_network",
                    "cpu_monero_in_office", "tls_on_443", "general_purpose_host"}) {
    EXPECT_TRUE(has(c, code)) << code;
  }
  EXPECT_FALSE(has(c, "coin_monero"));  // the office pattern replaces the plain coin signal
  // Strongest first.
  for (std::size_t i = 1; i < c.reasons.size(); ++i) {
    EXPECT_GE(std::abs(c.reasons[i - 1].weight), std::abs(c.reasons[i].weight));
  }
}

TEST(Classifier, AnAsicRigOnAHomeLineIsDeliberate) {
  HostFacts f;
  f.agents = {"bmminer/2.0.0"};
  f.hardware = HardwareClass::Asic;
  f.owner_type = OrgType::Residential;
  f.network_role = NetworkRole::DedicatedRig;
  f.coin = "BTC";
  f.mining_flows = 200;
  f.other_flows = 5;
  f.active_fraction = 0.99;
  f.observed_hours = 24;
  const auto c = classify(f);
  EXPECT_EQ(c.verdict, Verdict::Deliberate);
  EXPECT_LT(c.score, 0.05);
  for (auto code : {"agent_rig_miner", "hardware_asic", "owner_residential", "role_dedicated_rig", "coin_sha256",
                    "mining_only_host", "always_on"}) {
    EXPECT_TRUE(has(c, code)) << code;
  }
}

TEST(Classifier, EachSignalFiresOnItsOwnFact) {
  struct Case {
    std::string_view code;
    void (*set)(HostFacts&);
    bool towards_compromised;
  };
  const Case cases[] = {
      {"agent_trojan_build", [](HostFacts& f) { f.agents = {"kdevtmpfsi/1.0"}; }, true},
      {"agent_absent", [](HostFacts& f) { f.agent_absent = true; }, true},
      {"agent_spoofed", [](HostFacts& f) { f.agent_spoofed = true; }, true},
      {"agent_spoofed", [](HostFacts& f) { f.agents = {"Mozilla/5.0 (Windows NT 10.0)"}; }, true},
      {"hardware_gpu", [](HostFacts& f) { f.hardware = HardwareClass::Gpu; }, false},
      {"browser_mining", [](HostFacts& f) { f.hardware = HardwareClass::Browser; }, true},
      {"owner_idc", [](HostFacts& f) { f.owner_type = OrgType::Cloud; }, true},
      {"owner_residential",
       [](HostFacts& f) {
         f.owner_type = OrgType::StateOwned;
         f.owner_is_carrier = true;  // a China Telecom line is a subscriber, not the SOE itself
       },
       false},
      {"role_server_network", [](HostFacts& f) { f.network_role = NetworkRole::Server; }, true},
      {"office_hours_only", [](HostFacts& f) { f.office_hours_only = true; }, false},
      {"frequent_restarts", [](HostFacts& f) { f.sessions = 48; }, true},
      {"wallet_shared_across_orgs", [](HostFacts& f) { f.wallet_org_count = 4; }, true},
      {"wallet_personal_login", [](HostFacts& f) { f.wallet_is_email_or_worker_name = true; }, false},
      {"via_proxy", [](HostFacts& f) { f.via_proxy = true; }, true},
      {"nonstandard_port", [](HostFacts& f) { f.nonstandard_port = true; }, true},
      {"pool_botnet_favoured", [](HostFacts& f) { f.pools = {"gulf.moneroocean.stream"}; }, true},
      {"pool_botnet_favoured", [](HostFacts& f) { f.pool_botnet_favoured = true; }, true},
      {"pool_hidden", [](HostFacts& f) { f.pool_hidden = true; }, true},
      {"coin_monero", [](HostFacts& f) { f.coin = "xmr"; }, true},
  };
  for (const auto& tc : cases) {
    HostFacts f;
    tc.set(f);
    const auto c = classify(f);
    const Reason* r = reason(c, tc.code);
    ASSERT_NE(r, nullptr) << tc.code;
    EXPECT_FALSE(r->text.empty());
    EXPECT_EQ(r->weight > 0, tc.towards_compromised) << tc.code;
    EXPECT_EQ(c.score > 0.5, tc.towards_compromised) << tc.code;
  }
}

TEST(Classifier, SignalsStaySilentWithoutTheirFacts) {
  HostFacts f;
  f.pools = {"notmoneroocean.stream"};  // a suffix match must be on a label boundary
  f.mining_flows = 5;
  f.other_flows = 5;  // too few flows to judge the host's role
  f.sessions = 3;
  f.wallet_org_count = 2;
  f.active_fraction = 0.95;
  f.observed_hours = 2;  // not long enough to call it always-on
  EXPECT_TRUE(classify(f).reasons.empty());
}

TEST(Classifier, WidelySharedWalletAddsToTheBotnetSignal) {
  HostFacts f;
  f.wallet_org_count = 12;
  f.wallet_is_email_or_worker_name = true;  // a worker name on a botnet wallet says nothing
  const auto c = classify(f);
  EXPECT_TRUE(has(c, "wallet_shared_across_orgs"));
  EXPECT_TRUE(has(c, "wallet_shared_widely"));
  EXPECT_FALSE(has(c, "wallet_personal_login"));
  EXPECT_NE(reason(c, "wallet_shared_across_orgs")->text.find("12 unrelated"), std::string::npos);
}

TEST(Weights, OverridesComeFromTomlAndUnknownCodesAreErrors) {
  auto w =
      parse_weights("bias = -0.5\ncompromised_at = 0.8\n[weights]\ntls_on_443 = 2.5\nhardware_cpu = 0\n", "w.toml");
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_DOUBLE_EQ(w->bias, -0.5);
  EXPECT_DOUBLE_EQ(w->get("tls_on_443"), 2.5);
  EXPECT_DOUBLE_EQ(w->get("via_proxy"), Weights::defaults().get("via_proxy"));
  HostFacts f;
  f.hardware = HardwareClass::Cpu;
  EXPECT_FALSE(has(classify(f, *w), "hardware_cpu"));  // weight 0 switches a signal off
  auto bad = parse_weights("[weights]\ntls_on_433 = 1\n", "w.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "w.toml:2: unknown signal 'tls_on_433'");
  EXPECT_FALSE(parse_weights("bias = \"high\"\n", "w.toml"));
  EXPECT_FALSE(parse_weights("deliberate_at = 0.9\n", "w.toml"));
  EXPECT_FALSE(parse_weights("bias = \n", "w.toml"));
  EXPECT_FALSE(parse_weights("colour = 1\n", "w.toml"));
}

TEST(Weights, ShippedTableIsTheDefaults) {
  auto w = load_weights(std::filesystem::path(MW_SOURCE_DIR) / "data/classify/weights.toml");
  ASSERT_TRUE(w) << w.error().message;
  const auto& d = Weights::defaults();
  EXPECT_EQ(w->weight, d.weight);
  EXPECT_DOUBLE_EQ(w->bias, d.bias);
  EXPECT_DOUBLE_EQ(w->compromised_at, d.compromised_at);
  EXPECT_DOUBLE_EQ(w->deliberate_at, d.deliberate_at);
  EXPECT_EQ(w->botnet_pools, d.botnet_pools);
  EXPECT_EQ(w->trojan_agents, d.trojan_agents);
}

TEST(SharedWallets, FlagsWalletsAtEnoughDistinctOrganisations) {
  const std::vector<WalletSighting> s = {
      {"44botnet", "org-a"}, {"44botnet", "org-b"}, {"44botnet", "org-c"}, {"44botnet", "org-a"},
      {"47home", "org-d"},   {"47home", "org-d"},   {"48pair", "org-e"},   {"48pair", "org-f"},
      {"49anon", ""},        {"49anon", ""},        {"49anon", ""},        {"", "org-x"},
  };
  const auto flagged = find_shared_wallets(s, 3);
  ASSERT_EQ(flagged.size(), 1u);
  EXPECT_EQ(flagged[0].wallet, "44botnet");
  EXPECT_EQ(flagged[0].org_ids, (std::vector<std::string>{"org-a", "org-b", "org-c"}));
  const auto two = find_shared_wallets(s, 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].wallet, "44botnet");
  EXPECT_EQ(two[1].wallet, "48pair");
}

}  // namespace
}  // namespace minewatch::classify
