#pragma once
// Hashrate from shares. A share at work w (hashes per share) arrives as a Poisson event with rate H / w,
// so sum(w) over an interval T estimates H x T without bias, even when the pool retargets (vardiff) on
// past shares: the work per share is fixed before each share is found. The variance of sum(w) is
// sum(w^2) x H / w on average, estimated by sum(w^2); for a constant difficulty the relative error
// is 1/sqrt(N). The stated interval is the exact (Garwood) Poisson interval at 2 sigma (95.45 %) on the
// effective share count N_eff = (sum w)^2 / sum(w^2), scaled to the estimate.
#include <optional>
#include <utility>

#include "estimate/share_ledger.hpp"

namespace minewatch::estimate {

inline constexpr double kTwoSigmaCoverage = 0.9545;

struct HashrateFigures {
  double value = 0;  // units per second
  double sigma = 0;
  double lower = 0, upper = 0;  // 2-sigma interval
  double rel_error = 0;         // sigma / value
  std::uint64_t shares = 0;
  double effective_shares = 0;
  double seconds = 0;
};

// Exact two-sided Poisson interval for the mean of a count `n` (n may be fractional: interpolated).
std::pair<double, double> poisson_interval(double n, double coverage = kTwoSigmaCoverage);

// Figures for shares `t` over `seconds`, each share's work scaled by `multiplier` (hashes per unit).
// nullopt when there is no share or no time to divide by.
std::optional<HashrateFigures> hashrate_from_shares(const ShareTotals& t, double seconds, double multiplier);

}  // namespace minewatch::estimate
