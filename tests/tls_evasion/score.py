#!/usr/bin/env python3
"""Scores minewatch on a tls-evasion capture (tools/gen --profile tls-evasion).

A TLS mining session is found when a `mining` record has its 5-tuple (src = miner, dest = pool).
A benign flow is flagged when any record (alert or mining) names a host that is not a truth miner, or a
`mining` record names a flow that is not a truth mining session. DNS intent alerts for a truth miner's own
lookups of its pool are correct, not flags. Prints the table; with --check exits 1 unless >= --min-found of
the sessions are found and no benign flow is flagged.
"""
import argparse
import collections
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--truth", required=True)
    ap.add_argument("--eve", required=True)
    ap.add_argument("--min-found", type=float, default=0.9)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--exclude", action="append", default=[],
                    help="variant left out of the --min-found check (still reported)")
    a = ap.parse_args()

    sessions, benign_flows = [], 0
    for line in open(a.truth):
        t = json.loads(line)
        if t.get("kind") == "mining":
            sessions.append(t)
        elif t.get("kind") == "summary":
            benign_flows = t["flows"] - t["mining_sessions"]
    miners = {s["miner"] for s in sessions}
    keys = {(s["miner"], s["miner_port"], s["pool"], s["pool_port"]) for s in sessions}

    found_keys, flagged = set(), []
    for line in open(a.eve):
        e = json.loads(line)
        if e["event_type"] != "mining":
            # alerts and per-host summaries (mining_host) must only ever name miners
            if e["src_ip"] not in miners:
                flagged.append(e)
            continue
        key = (e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"])
        if e["event_type"] == "mining":
            if key in keys:
                found_keys.add(key)
            else:
                flagged.append(e)

    per = collections.OrderedDict()
    for s in sorted(sessions, key=lambda s: s["tls_variant"]):
        v = s["tls_variant"] + (" :443" if s["pool_port"] == 443 else " :other")
        f, n = per.get(v, (0, 0))
        per[v] = (f + ((s["miner"], s["miner_port"], s["pool"], s["pool_port"]) in found_keys), n + 1)
    print(f"{'variant':<26} {'found':>6} {'total':>6} {'rate':>7}")
    for v, (f, n) in per.items():
        print(f"{v:<26} {f:>6} {n:>6} {100.0 * f / n:>6.1f}%")
    found = len(found_keys)
    print(f"{'all TLS mining sessions':<26} {found:>6} {len(sessions):>6} {100.0 * found / max(1, len(sessions)):>6.1f}%")
    print(f"benign flows: {benign_flows}, flagged: {len(flagged)}")
    for e in flagged[:10]:
        print("  flagged:", json.dumps(e)[:300])
    if a.check:
        checked = [s for s in sessions if s["tls_variant"] not in a.exclude]
        checked_found = sum((s["miner"], s["miner_port"], s["pool"], s["pool_port"]) in found_keys for s in checked)
        if a.exclude:
            print(f"checked (without {', '.join(a.exclude)}): {checked_found}/{len(checked)} "
                  f"{100.0 * checked_found / max(1, len(checked)):.1f}%")
        ok = checked_found >= a.min_found * len(checked) and not flagged and benign_flows >= 100000
        if not ok:
            print("FAIL: need >= {:.0%} found, 0 flagged, >= 100,000 benign flows".format(a.min_found))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
