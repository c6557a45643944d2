#!/usr/bin/env python3
"""Detection is identical between one and N threads: the same EVE lines, byte for byte, in the same
order, on generated captures with many flows, idle timeouts, DNS intent alerts and many miners per
host; TLS miners that reconnect to a pool they were proven to use (evidence that lives in the engine
that saw the proof); also through the libpcap path (pcapng), whose frames do not outlive a batch."""
import argparse, json, os, shutil, subprocess, sys, tempfile

from checks import check, summary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minewatch", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--intel", required=True, help="tests/tls_evasion/intel-ips.txt")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        caps = []
        for name, args in [
            ("sample", ["--profile", "sample", "--seed", "11", "--flows", "3000", "--mining-fraction", "0.02"]),
            ("isp", ["--profile", "isp", "--seed", "12", "--flows", "40000", "--mining-fraction", "0.005"]),
            ("tls", ["--profile", "tls-mining", "--seed", "13", "--flows", "2000"]),
        ]:
            pcap = os.path.join(tmp, name + ".pcap")
            subprocess.run([a.gen, *args, "--out", pcap, "--truth", os.path.join(tmp, name + ".jsonl")], check=True,
                           stdout=subprocess.DEVNULL)
            caps.append((name, [pcap]))
        caps.append(("all three in one run", [c[1][0] for c in caps]))
        # Reconnects without a name: only the earlier proof on the same host pair makes them sessions.
        tev = os.path.join(tmp, "tls-evasion.pcap")
        subprocess.run([a.gen, "--profile", "tls-evasion", "--seed", "3", "--flows", "20000", "--out", tev, "--truth",
                        os.path.join(tmp, "tls-evasion.jsonl")], check=True, stdout=subprocess.DEVNULL)
        caps.append(("tls-evasion reconnects", [tev]))
        mergecap = shutil.which("mergecap")
        if mergecap:
            # Two generated captures interleaved: the same miner hosts mine in several flows (found by
            # different workers), so the first-alert-per-host rule is decided across workers.
            other = os.path.join(tmp, "sample2.pcap")
            subprocess.run([a.gen, "--profile", "sample", "--seed", "14", "--flows", "3000", "--out", other, "--truth",
                            os.path.join(tmp, "sample2.jsonl")], check=True, stdout=subprocess.DEVNULL)
            merged = os.path.join(tmp, "merged.pcap")
            subprocess.run([mergecap, "-w", merged, caps[0][1][0], other], check=True)
            caps.append(("two captures merged", [merged]))
        editcap = shutil.which("editcap")
        if editcap:
            ng = os.path.join(tmp, "sample.pcapng")
            subprocess.run([editcap, "-F", "pcapng", caps[0][1][0], ng], check=True)
            caps.append(("sample as pcapng", [ng]))
        for name, files in caps:
            outs, stats = {}, {}
            for threads in (1, 2, 3, 4):
                intel = ["--no-user-intel", "--intel", a.intel] if name.startswith("tls-evasion") else []
                st = os.path.join(tmp, f"stats{threads}.json")
                r = subprocess.run([a.minewatch, "analyze", "--no-progress", "--no-summary", "--threads", str(threads),
                                    *intel, "--stats", st, "--eve", "-", *files], capture_output=True)
                check(r.returncode == 0, f"{name}: --threads {threads} exits 0")
                outs[threads] = r.stdout
                stats[threads] = json.load(open(st))
            # Every engine of the split does a part, the parts add up, and the reader's is the smaller.
            for threads in (2, 3, 4):
                eng = stats[threads].get("engines", [])
                check(len(eng) == threads and sum(e["packets"] for e in eng) == stats[1]["packets"]
                      and sum(e["flows"] for e in eng) == stats[1]["flows"] and all(e["packets"] > 0 for e in eng)
                      and eng[0]["packets"] < min(e["packets"] for e in eng[1:]),
                      f"{name}: --threads {threads} --stats lists {threads} engines whose packets and flows add up "
                      f"({[e['packets'] for e in eng]})")
            lines = outs[1].splitlines()
            mining = sum(1 for l in lines if b'"event_type":"mining"' in l)
            alerts = sum(1 for l in lines if b'"event_type":"alert"' in l)
            check(mining >= 5 and alerts >= 3, f"{name}: the capture yields events ({mining} mining, {alerts} alerts)")
            if name == "two captures merged":
                check(alerts < mining, f"{name}: hosts mine in several flows ({alerts} alerts for {mining} sessions)")
            for threads in (2, 3, 4):
                same = outs[threads] == outs[1]
                if not same:
                    other = outs[threads].splitlines()
                    diff = next((i for i, (x, y) in enumerate(zip(lines, other)) if x != y), min(len(lines), len(other)))
                    print(f"  first difference at line {diff}: {len(lines)} vs {len(other)} lines")
                check(same, f"{name}: --threads {threads} writes exactly the events of --threads 1")
    sys.exit(summary())


if __name__ == "__main__":
    main()
