#include "estimate/session_estimate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "core/ascii.hpp"
#include "estimate/coin_identify.hpp"
#include "estimate/hashrate.hpp"

namespace minewatch::estimate {

using protocols::Family;

namespace {

constexpr std::uint64_t kConfidentShares = 10;  // below: relative error above ~30 %
constexpr double kMinSeconds = 1.0;

int year_of(Timestamp ts) {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(sys_seconds{seconds{ts.seconds()}})};
  return static_cast<int>(ymd.year());
}

// Miner software families that say which kind of hardware runs them.
std::string_view class_from_agent(std::string_view agent_lower) {
  static constexpr std::string_view kCpu[] = {"xmrig", "xmr-stak-cpu", "cpuminer", "coinhive", "minerd"};
  static constexpr std::string_view kGpu[] = {
      "claymore", "ethminer", "phoenixminer", "nbminer", "t-rex", "trex",      "lolminer", "gminer",     "teamredminer",
      "bminer",   "ewbf",     "nheqminer",    "miniz",   "dstm",  "optiminer", "qtminer",  "kawpowminer"};
  static constexpr std::string_view kAsic[] = {"bmminer",  "antminer",  "whatsminer", "btminer", "braiins",
                                               "luxminer", "goldshell", "iceriver",   "avalon"};
  for (auto n : kCpu) {
    if (agent_lower.find(n) != std::string_view::npos) return "cpu";
  }
  for (auto n : kGpu) {
    if (agent_lower.find(n) != std::string_view::npos) return "gpu";
  }
  for (auto n : kAsic) {
    if (agent_lower.find(n) != std::string_view::npos) return "asic";
  }
  return {};
}

// The reference hardware for `algo` at `year`: the preferred class when the agent names one, else the
// most recent class of any kind.
const HardwareClass* pick_hardware(const Algorithm& algo, int year, std::string_view preferred) {
  const HardwareClass* any = nullptr;
  const HardwareClass* pref = nullptr;
  for (const auto& h : algo.hardware) {
    if (h.since > year) continue;
    if (!any || h.since >= any->since) any = &h;
    if (h.klass == preferred && (!pref || h.since >= pref->since)) pref = &h;
  }
  if (!any && !algo.hardware.empty()) {
    any = &*std::min_element(algo.hardware.begin(), algo.hardware.end(),
                             [](const auto& a, const auto& b) { return a.since < b.since; });
  }
  return pref ? pref : any;
}

}  // namespace

SessionEstimate estimate_session(const detect::MiningSession& session, Timestamp end, std::uint16_t pool_port) {
  const auto& catalog = CoinCatalog::builtin();
  SessionEstimate e;
  e.self_reported_hs = session.self_hashrate();

  auto id = identify_coin(session, pool_port, catalog);
  if (id.coin) {
    e.coin_id = id.coin->id;
    e.coin_name = id.coin->name;
  }
  e.coin_reasons = std::move(id.reasons);
  if (id.algorithm) {
    e.algorithm = id.algorithm->id;
    e.hashrate_unit = id.algorithm->unit;
  }

  // Hashrate from the shares.
  const auto& ledger = session.ledger();
  const auto family = session.family();
  if (family == Family::Tls || family == Family::Dns) {
    e.hashrate_note = "encrypted or not a session: shares are not visible";
    return e;
  }
  double multiplier = 0;
  if (ledger.unit() == WorkUnit::Absolute) {
    multiplier = 1;
  } else if (ledger.unit() == WorkUnit::Difficulty && id.algorithm) {
    multiplier = id.algorithm->share_multiplier;
  }
  const double seconds = static_cast<double>((end - ledger.start()).count()) / 1e9;
  if (ledger.unit() == WorkUnit::None) {
    e.hashrate_note = "the pool's work per share was not seen (joined mid-session, or no job yet)";
  } else if (!(multiplier > 0)) {
    e.hashrate_note = "difficulty seen, but the algorithm (and so hashes per difficulty unit) is unknown";
  } else if (ledger.totals().shares == 0) {
    e.hashrate_note =
        fmt::format("no shares in the {:.0f} s after the pool set the difficulty", std::max(seconds, 0.0));
  } else if (seconds < kMinSeconds) {
    e.hashrate_note = "too short to measure";
  } else if (auto h = hashrate_from_shares(ledger.totals(), seconds, multiplier)) {
    e.hashrate_hs = h->value;
    e.hashrate_sigma = h->sigma;
    e.hashrate_lower = h->lower;
    e.hashrate_upper = h->upper;
    e.shares_used = h->shares;
    e.window_seconds = seconds;
    e.low_confidence = h->shares < kConfidentShares || id.algorithm_assumed;
    if (h->shares < kConfidentShares) {
      e.hashrate_note = fmt::format("{} share{} only: relative error {:.0f} %", h->shares, h->shares == 1 ? "" : "s",
                                    100 * h->rel_error);
    } else if (id.algorithm_assumed && ledger.unit() == WorkUnit::Difficulty) {
      e.hashrate_note = "algorithm assumed from the protocol shape: hashes per difficulty unit may differ";
    }
    if (ledger.shares_without_work() > 0) {
      e.hashrate_note += fmt::format("{}{} share(s) before the first difficulty not counted",
                                     e.hashrate_note.empty() ? "" : "; ", ledger.shares_without_work());
    }
    // The last hour, from the 5-minute buckets, when the session is long enough for it to differ.
    constexpr std::int64_t kWindow = ShareLedger::kBucketSeconds * ShareLedger::kBuckets;
    if (seconds > 2.0 * kWindow) {
      const std::int64_t last = end.seconds() / ShareLedger::kBucketSeconds;
      const std::int64_t first = last - static_cast<std::int64_t>(ShareLedger::kBuckets) + 1;
      const double win_seconds = static_cast<double>(end.seconds() - first * ShareLedger::kBucketSeconds);
      if (auto r = hashrate_from_shares(ledger.window(first, last), win_seconds, multiplier)) {
        e.recent_hs = r->value;
        e.recent_seconds = win_seconds;
        e.recent_shares = r->shares;
      }
    }
  }

  // Energy: estimate x efficiency of the likeliest hardware class for the algorithm at the session's date.
  if (id.algorithm && e.hashrate_known()) {
    const auto* hw =
        pick_hardware(*id.algorithm, year_of(session.first_message()), class_from_agent(lower_ascii(session.agent())));
    if (hw) {
      e.hardware_class = hw->klass;
      e.hardware_model = hw->model;
      e.efficiency_j_per_h = hw->j_per_unit;
      e.efficiency_source = hw->source;
      e.power_w = e.hashrate_hs * hw->j_per_unit;
      e.kwh_per_day = e.power_w * 24.0 / 1000.0;
    }
  }
  return e;
}

SessionEstimate estimate_session(const detect::OrientedFlow& flow, const detect::MiningSession& session) {
  return estimate_session(session, flow.end, flow.pool_port);
}

}  // namespace minewatch::estimate
