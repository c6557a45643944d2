// The `hashrate` profile: mining sessions of every family with known true hashrates, lengths spread on a
// log scale from one minute to an hour so share counts run from a handful to hundreds, vardiff on half
// of them (one to three retargets), and the usual delivery adversities now and then. Shares are the
// Poisson process of scenarios_mining.cpp; the truth file carries true_hashrate and the difficulties.
#include <cmath>

#include "gen/scenario.hpp"

namespace mwgen {

std::vector<PlannedSession> hashrate_sessions(Rng& rng, std::uint64_t count) {
  std::vector<PlannedSession> out;
  static constexpr Adversity kNoise[] = {Adversity::Split,   Adversity::Coalesce,  Adversity::Retransmit,
                                         Adversity::Reorder, Adversity::OddJson,   Adversity::Ipv6,
                                         Adversity::Vlan,    Adversity::MidSession};
  for (std::uint64_t i = 0; i < count; ++i) {
    PlannedSession s;
    s.plan.family = kAllFamilies[i % std::size(kAllFamilies)];
    s.plan.duration =
        static_cast<Nanos>(std::exp(rng.uniform(std::log(60.0), std::log(3600.0))) * static_cast<double>(kSec));
    if (rng.chance(0.5)) {
      s.plan.adversities.push_back(Adversity::Vardiff);
      s.plan.vardiff_changes = static_cast<int>(rng.range(1, 3));
    }
    for (Adversity a : kNoise) {
      if (rng.chance(a == Adversity::MidSession ? 0.1 : 0.06)) s.plan.adversities.push_back(a);
    }
    s.plan.dns_first = rng.chance(0.5);
    s.start = static_cast<Nanos>(rng.uniform(0, 600) * static_cast<double>(kSec));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mwgen
