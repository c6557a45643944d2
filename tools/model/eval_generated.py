#!/usr/bin/python3
"""Check the flow-behaviour model inside the engine on generated captures (mw-gen), against ground truth.

    /usr/bin/python3 tools/model/eval_generated.py --minewatch build/release/minewatch \
        --gen build/release/tools/mw-gen --workdir /tmp/mw-model-eval [--isp-flows 100000] [--tls-flows 20000]

For each profile (isp: ordinary ISP mix with a few mining sessions; tls-mining: stratum/CryptoNote inside
TLS among benign TLS) it writes a capture and its truth, runs `minewatch analyze --flow-scores --eve`,
labels every scored flow from the truth (a flow is a miner when its endpoints are a truth mining session's),
and prints: benign flows scored / above the model threshold, mining sessions scored / above threshold,
and alerts raised on hosts that are not miners (must be 0: the score alone never alerts).

--write-extra FILE writes the labelled rows (CESNET columns) for train_flow_model.py --extra.
"""

import argparse
import csv
import json
import os
import subprocess
import sys


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def truth_sessions(path):
    miners, pairs, decoys = set(), set(), set()
    with open(path) as f:
        for line in f:
            t = json.loads(line)
            if t.get("kind") == "mining":
                miners.add(t["miner"])
                pairs.add(frozenset([(t["miner"], int(t["miner_port"])), (t["pool"], int(t["pool_port"]))]))
            elif t.get("kind") == "decoy":
                decoys.add(frozenset([(t["client"], int(t["client_port"])), (t["server"], int(t["server_port"]))]))
    return miners, pairs, decoys


def evaluate(name, args, gen_args):
    pcap = os.path.join(args.workdir, f"{name}.pcap")
    truth = os.path.join(args.workdir, f"{name}.truth.jsonl")
    scores = os.path.join(args.workdir, f"{name}.scores.csv")
    eve = os.path.join(args.workdir, f"{name}.eve.json")
    if not (args.reuse and os.path.exists(pcap) and os.path.exists(truth)):
        run([args.gen, "--out", pcap, "--truth", truth, "--seed", str(args.seed)] + gen_args)
    run([args.minewatch, "analyze", pcap, "--eve", eve, "--flow-scores", scores, "--no-summary", "--no-progress"])
    miners, pairs, decoys = truth_sessions(truth)
    rows, labelled = [], []
    with open(scores, newline="") as f:
        for r in csv.DictReader(f):
            key = frozenset([(r["ipaddr SRC_IP"], int(r["uint16 SRC_PORT"])), (r["ipaddr DST_IP"], int(r["uint16 DST_PORT"]))])
            r["string LABEL"] = "Miner" if key in pairs else "Other"
            r["decoy"] = key in decoys
            rows.append(r)
    threshold = None
    for line in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../data/models/flow_model.txt")):
        if line.startswith("threshold "):
            threshold = float(line.split()[1])
    flagged = lambda r: float(r["double SCORE"]) >= threshold - 5e-7  # SCORE is printed with 6 decimals
    benign = [r for r in rows if r["string LABEL"] == "Other"]
    mining = [r for r in rows if r["string LABEL"] == "Miner"]
    false_alerts = 0
    with open(eve) as f:
        for line in f:
            e = json.loads(line)
            if e.get("event_type") == "alert" and e.get("src_ip") not in miners:
                false_alerts += 1
    res = dict(
        profile=name,
        flows_scored=len(rows),
        benign_scored=len(benign),
        benign_above=sum(1 for r in benign if flagged(r)),
        decoys_above=sum(1 for r in benign if r["decoy"] and flagged(r)),
        mining_sessions=len(pairs),
        mining_scored=len(mining),
        mining_above=sum(1 for r in mining if flagged(r)),
        alerts_on_non_miners=false_alerts,
    )
    return res, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minewatch", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--isp-flows", type=int, default=100000)
    ap.add_argument("--tls-flows", type=int, default=20000)
    ap.add_argument("--tls-mining-fraction", type=float, default=0.01)
    ap.add_argument("--write-extra")
    ap.add_argument("--reuse", action="store_true", help="keep captures already in --workdir (same seed and sizes)")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    results, all_rows = [], []
    for name, gen_args in (
        ("isp", ["--profile", "isp", "--flows", str(a.isp_flows)]),
        ("tls-mining", ["--profile", "tls-mining", "--flows", str(a.tls_flows), "--mining-fraction", str(a.tls_mining_fraction)]),
    ):
        res, rows = evaluate(name, a, gen_args)
        results.append(res)
        all_rows += rows
    cols = list(results[0].keys())
    print(" | ".join(cols))
    for r in results:
        print(" | ".join(str(r[c]) for c in cols))
    if a.write_extra:
        keys = ["uint32 PACKETS", "uint32 PACKETS_REV", "string LABEL", "int8* PPI_PKT_DIRECTIONS",
                "uint16* PPI_PKT_LENGTHS", "time* PPI_PKT_TIMES"]
        with open(a.write_extra, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["uint16 SRC_PORT", "uint16 DST_PORT"] + keys)
            for r in all_rows:
                w.writerow([r["uint16 SRC_PORT"], r["uint16 DST_PORT"]] + [r[k] for k in keys])
    return 0 if all(r["alerts_on_non_miners"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
