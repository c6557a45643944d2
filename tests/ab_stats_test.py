#!/usr/bin/env python3
"""The statistics scripts/ab prints beside each B/A: the median's distribution-free interval, the sign
test and the verdict, checked against values worked out by hand."""
import importlib.machinery
import importlib.util
import os
import sys

from checks import check, summary

here = os.path.dirname(os.path.abspath(__file__))
loader = importlib.machinery.SourceFileLoader("ab", os.path.join(here, "..", "scripts", "ab"))
spec = importlib.util.spec_from_loader("ab", loader)
ab = importlib.util.module_from_spec(spec)
loader.exec_module(ab)


def main():
    # Binomial(9, 1/2): P(X <= 1) = 10/512, P(X <= 2) = 46/512.
    check(abs(ab.binom_cdf(1, 9) - 10 / 512) < 1e-12 and abs(ab.binom_cdf(2, 9) - 46 / 512) < 1e-12,
          "binomial CDF of 9 rounds")
    # 9 rounds: j = 2 covers 1 - 20/512 = 96.1%; j = 3 only 82%. So [r_(2), r_(8)].
    ratios = [0.91, 0.95, 0.90, 0.97, 0.93, 0.99, 0.92, 0.96, 0.94]
    low, high, cov = ab.median_interval(ratios)
    check((low, high) == (0.91, 0.97) and abs(cov - (1 - 20 / 512)) < 1e-12,
          f"interval of 9 rounds is [r_(2), r_(8)] at 96.1% ({low}, {high}, {cov:.4f})")
    check(ab.verdict(ratios) == "faster", "all nine below 1 with an interval below 1: faster")
    # 7 of 9 faster is what chance gives about one time in eleven: p = 2 * 46/512.
    mixed = [0.95, 0.97, 0.96, 1.04, 0.98, 0.99, 1.02, 0.97, 0.96]
    check(abs(ab.sign_test(mixed) - 2 * 46 / 512) < 1e-12, f"sign test of 7 wins in 9 ({ab.sign_test(mixed):.4f})")
    check(ab.verdict(mixed) == "not shown", f"an interval reaching above 1 shows nothing ({ab.median_interval(mixed)})")
    check(ab.verdict([1.1, 1.2, 1.15, 1.05, 1.3]) == "slower", "five rounds all above 1: slower (93.75%)")
    check(ab.median_interval([0.9, 0.8, 0.95, 0.9]) is None and ab.verdict([0.9, 0.8, 0.95, 0.9]) == "too few rounds",
          "four rounds cannot give a 90% interval")
    check(ab.sign_test([1.0, 1.0]) == 1.0, "ties only: p = 1")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
