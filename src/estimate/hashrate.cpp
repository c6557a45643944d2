#include "estimate/hashrate.hpp"

#include <cmath>

namespace minewatch::estimate {

namespace {

// P(X <= k) for X ~ Poisson(mu), summed in log space (k up to a few hundred).
double poisson_cdf(int k, double mu) {
  if (k < 0) return 0;
  if (mu <= 0) return 1;
  const double log_mu = std::log(mu);
  double log_term = -mu, sum = 0;
  // The largest term scales the sum: the pmf is unimodal, its mode floor(mu) (mu - 1 ties when mu is
  // an integer), so only the terms at the mode, or at k below it, can be the largest.
  double max_log = -mu;
  const double mode = std::floor(mu);
  for (double i : {mode - 1, mode}) {
    const double j = std::min(i, static_cast<double>(k));
    if (j >= 1) max_log = std::max(max_log, -mu + j * log_mu - std::lgamma(j + 1.0));
  }
  for (int i = 0; i <= k; ++i) {
    if (i > 0) log_term += log_mu - std::log(static_cast<double>(i));
    sum += std::exp(log_term - max_log);
  }
  return std::min(1.0, std::exp(std::log(sum) + max_log));
}

// mu such that P(X <= k; mu) = p, by bisection (the CDF falls as mu grows).
double solve_cdf(int k, double p) {
  double lo = 0, hi = k + 20.0 + 10.0 * std::sqrt(k + 1.0);
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    const double old_lo = lo, old_hi = hi;
    if (poisson_cdf(k, mid) > p) {
      lo = mid;
    } else {
      hi = mid;
    }
    if (lo == old_lo && hi == old_hi) break;  // converged: further steps change nothing
  }
  return 0.5 * (lo + hi);
}

// Wilson-Hilferty chi-square quantile: accurate to well under 1 % for the large counts it is used for.
double chi2_quantile(double dof, double z) {
  const double a = 2.0 / (9.0 * dof);
  const double c = 1.0 - a + z * std::sqrt(a);
  return dof * c * c * c;
}

// Standard normal quantile for the two tails of `coverage` (Acklam's rational approximation).
double normal_z(double coverage) {
  const double p = 1.0 - (1.0 - coverage) / 2.0;
  const double q = p - 0.5;
  if (std::abs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q *
           (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r +
                45921.953931549871457) *
                   r +
               13731.693765509461125) *
                  r +
              1971.5909503065514427) *
                 r +
             133.14166789178437745) *
                r +
            3.387132872796366608) /
           (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r +
                21213.794301586595867) *
                   r +
               5394.1960214247511077) *
                  r +
              687.1870074920579083) *
                 r +
             42.313330701600911252) *
                r +
            1.0);
  }
  double r = std::sqrt(-std::log(1.0 - p));
  if (r <= 5.0) {
    r -= 1.6;
    return (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
                1.27045825245236838258) *
                   r +
               3.64784832476320460504) *
                  r +
              5.7694972214606914055) *
                 r +
             4.6303378461565452959) *
                r +
            1.42343711074968357734) /
           (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
                0.14810397642748007459) *
                   r +
               0.68976733498510000455) *
                  r +
              1.6763848301838038494) *
                 r +
             2.05319162663775882187) *
                r +
            1.0);
  }
  return 6.0;  // coverage beyond what anyone states
}

std::pair<double, double> interval_integer(int n, double coverage) {
  const double alpha = 1.0 - coverage;
  if (n <= 200) {
    const double upper = solve_cdf(n, alpha / 2.0);
    const double lower = n == 0 ? 0.0 : solve_cdf(n - 1, 1.0 - alpha / 2.0);
    return {lower, upper};
  }
  const double z = normal_z(coverage);
  return {chi2_quantile(2.0 * n, -z) / 2.0, chi2_quantile(2.0 * n + 2.0, z) / 2.0};
}

}  // namespace

std::pair<double, double> poisson_interval(double n, double coverage) {
  if (!(n > 0)) return interval_integer(0, coverage);
  const double f = std::floor(n);
  const auto lo = interval_integer(static_cast<int>(f), coverage);
  if (n == f) return lo;
  const auto hi = interval_integer(static_cast<int>(f) + 1, coverage);
  const double w = n - f;
  return {lo.first + w * (hi.first - lo.first), lo.second + w * (hi.second - lo.second)};
}

std::optional<HashrateFigures> hashrate_from_shares(const ShareTotals& t, double seconds, double multiplier) {
  if (t.shares == 0 || !(seconds > 0) || !(multiplier > 0) || !(t.sum_work > 0)) return std::nullopt;
  HashrateFigures h;
  h.shares = t.shares;
  h.seconds = seconds;
  h.value = t.sum_work * multiplier / seconds;
  h.sigma = std::sqrt(t.sum_work2) * multiplier / seconds;
  h.rel_error = h.sigma / h.value;
  h.effective_shares = t.sum_work * t.sum_work / t.sum_work2;
  const auto [lo, hi] = poisson_interval(h.effective_shares);
  h.lower = h.value * lo / h.effective_shares;
  h.upper = h.value * hi / h.effective_shares;
  return h;
}

}  // namespace minewatch::estimate
