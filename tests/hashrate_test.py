#!/usr/bin/env python3
"""Hashrate estimates against ground truth (issue 4's bar).

Generates sessions with known true hashrates (mw-gen --profile hashrate: Poisson shares, vardiff,
every family), analyses the capture and checks, per session matched on (miner, pool, port):
  1. median absolute relative error <= 10 % among sessions with >= 30 shares,
  2. >= 90 % of true hashrates inside the stated 2-sigma interval (all sessions with an estimate),
  3. enough sessions to mean something, and an estimate for every session whose difficulty and
     shares were in the capture,
  4. the checks have power: the same estimates scaled by 1.25 must fail 1 or 2.
Exit 0 when all hold; prints a table of the worst sessions otherwise.
"""
import argparse, json, statistics, subprocess, sys, tempfile, os

MEDIAN_LIMIT = 0.10
COVERAGE_MIN = 0.90
MIN_SHARES = 30


def evaluate(rows, scale=1.0):
    big = [abs(r["est"] * scale - r["true"]) / r["true"] for r in rows if r["shares"] >= MIN_SHARES]
    covered = [r["lo"] * scale <= r["true"] <= r["hi"] * scale for r in rows]
    median = statistics.median(big) if big else float("inf")
    coverage = sum(covered) / len(covered) if covered else 0.0
    return median, coverage, len(big)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minewatch", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--sessions", type=int, default=140)
    a = ap.parse_args()
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        pcap, truth_path, eve = (os.path.join(tmp, n) for n in ("h.pcap", "truth.jsonl", "eve.jsonl"))
        subprocess.run([a.gen, "--profile", "hashrate", "--seed", str(a.seed), "--flows", str(a.sessions), "--out",
                        pcap, "--truth", truth_path], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([a.minewatch, "analyze", "--no-summary", "--eve", eve, pcap], check=True)
        events = [json.loads(l) for l in open(eve) if l.strip()]
        truth = [json.loads(l) for l in open(truth_path) if l.strip()]
    got = {(e["src_ip"], e["dest_ip"], e["dest_port"]): e for e in events if e["event_type"] == "mining"}
    rows, missing = [], []
    for t in truth:
        if t.get("kind") != "mining":
            continue
        e = got.get((t["miner"], t["pool"], t["pool_port"]))
        if e is None:
            problems.append(f"session not found: {t['family']}/{t['variant']} {t['miner']} -> {t['pool']}")
            continue
        h = e["mining"].get("hashrate", {})
        if h.get("unit") != t["hashrate_unit"]:
            problems.append(f"unit {h.get('unit')} != {t['hashrate_unit']} for {t['variant']} {t['miner']}")
        if "value" not in h:
            if t.get("difficulty_in_capture") and t["shares"] > 0 and "midsession" not in t["adversities"]:
                missing.append(f"{t['variant']} {t['miner']} shares={t['shares']}: {h.get('note')}")
            continue
        rows.append({"true": t["true_hashrate"], "est": h["value"], "lo": h["interval"][0], "hi": h["interval"][1],
                     "shares": h["shares"], "variant": t["variant"], "miner": t["miner"],
                     "vardiff": len(t["difficulties"]) - 1, "adv": ",".join(t["adversities"])})
    if missing:
        problems.append(f"{len(missing)} session(s) with difficulty and shares in the capture got no estimate: "
                        + "; ".join(missing[:5]))
    median, coverage, n_big = evaluate(rows)
    print(f"{len(rows)} sessions with an estimate, {n_big} with >= {MIN_SHARES} shares, "
          f"{sum(r['vardiff'] > 0 for r in rows)} with vardiff")
    print(f"median |error| (>= {MIN_SHARES} shares): {100 * median:.2f} % (limit {100 * MEDIAN_LIMIT:.0f} %)")
    print(f"true value inside the 2-sigma interval: {100 * coverage:.1f} % (minimum {100 * COVERAGE_MIN:.0f} %)")
    by_variant = {}
    for r in rows:
        by_variant.setdefault(r["variant"], []).append(r)
    for v, rs in sorted(by_variant.items()):
        m, c, n = evaluate(rs)
        print(f"  {v:18} sessions={len(rs):3}  >=30 shares={n:3}  median err={100 * m if n else float('nan'):6.2f} %  "
              f"coverage={100 * c:5.1f} %")
    if n_big < 40:
        problems.append(f"only {n_big} sessions with >= {MIN_SHARES} shares: too few to judge")
    if len(rows) < 0.8 * a.sessions:
        problems.append(f"only {len(rows)} of {a.sessions} sessions got an estimate")
    if median > MEDIAN_LIMIT:
        problems.append(f"median error {100 * median:.2f} % > {100 * MEDIAN_LIMIT:.0f} %")
    if coverage < COVERAGE_MIN:
        problems.append(f"coverage {100 * coverage:.1f} % < {100 * COVERAGE_MIN:.0f} %")
    bm, bc, _ = evaluate(rows, 1.25)
    if bm <= MEDIAN_LIMIT and bc >= COVERAGE_MIN:
        problems.append("the checks have no power: estimates 25 % too high would pass")
    if problems:
        worst = sorted(rows, key=lambda r: -abs(r["est"] - r["true"]) / r["true"])[:10]
        for r in worst:
            print(f"  {r['variant']:16} {r['miner']:15} true={r['true']:.4g} est={r['est']:.4g} "
                  f"[{r['lo']:.4g}, {r['hi']:.4g}] shares={r['shares']} vardiff={r['vardiff']} {r['adv']}")
        for p in problems:
            print("FAIL:", p)
        return 1
    print("hashrate estimates: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
