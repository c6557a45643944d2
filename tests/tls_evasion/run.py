#!/usr/bin/env python3
"""The generated TLS-mining bar: mw-gen --profile tls-evasion (>= 100,000 benign flows, stratum over TLS
in every variant), minewatch analyze with the profile's intel list, then score.py. Temporary files are
removed afterwards (the capture is about 1 GB)."""
import argparse
import os
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minewatch", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--flows", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--exclude", action="append", default=[])
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory(prefix="mw-tls-evasion-") as d:
        pcap, truth, eve = (os.path.join(d, n) for n in ("ev.pcap", "truth.jsonl", "eve.jsonl"))
        subprocess.run([a.gen, "--profile", "tls-evasion", "--flows", str(a.flows), "--seed", str(a.seed), "--out",
                        pcap, "--truth", truth], check=True)
        subprocess.run([a.minewatch, "analyze", "--no-user-intel", "--intel", os.path.join(here, "intel-ips.txt"),
                        "--no-progress", "--no-summary", "--eve", eve, pcap], check=True)
        cmd = [sys.executable, os.path.join(here, "score.py"), "--truth", truth, "--eve", eve, "--check"]
        for x in a.exclude:
            cmd += ["--exclude", x]
        return subprocess.run(cmd).returncode


if __name__ == "__main__":
    sys.exit(main())
