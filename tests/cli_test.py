#!/usr/bin/env python3
"""The analyze command's promises: exit status, errors that name the file, the other files still
analysed, truncated captures read up to the cut, machine-readable output when piped."""
import argparse, json, os, subprocess, sys, tempfile

from checks import check, summary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minewatch", required=True)
    ap.add_argument("--gen", required=True)
    a = ap.parse_args()
    mw = a.minewatch
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "s.pcap")
        subprocess.run([a.gen, "--profile", "sample", "--seed", "3", "--out", pcap, "--truth", os.path.join(tmp, "t.jsonl")],
                       check=True, stdout=subprocess.DEVNULL)
        r = subprocess.run([mw, "analyze", "--eve", "-", pcap], capture_output=True, text=True)
        lines = [l for l in r.stdout.splitlines() if l.strip()]
        check(r.returncode == 0, "a readable capture exits 0")
        check(len(lines) > 0 and all(l.startswith("{") for l in lines), "piped --eve - prints only NDJSON on stdout")
        full = len(lines)

        missing = os.path.join(tmp, "does-not-exist.pcap")
        notcap = os.path.join(tmp, "notes.txt")
        open(notcap, "w").write("this is not a capture file\n" * 10)
        r = subprocess.run([mw, "analyze", "--eve", "-", missing, notcap, pcap], capture_output=True, text=True)
        check(r.returncode not in (0,) and r.returncode < 128, "unreadable inputs give a non-zero exit, not a crash")
        check(missing in r.stderr and notcap in r.stderr, "errors name each unreadable file")
        check(len([l for l in r.stdout.splitlines() if l.strip()]) == full, "the readable file in the same run is still analysed")

        data = open(pcap, "rb").read()
        cut = os.path.join(tmp, "cut.pcap")
        open(cut, "wb").write(data[: len(data) * 2 // 3 + 7])
        r = subprocess.run([mw, "analyze", "--eve", "-", cut], capture_output=True, text=True)
        check(r.returncode == 0, "a truncated capture still exits 0")
        check("truncat" in r.stderr.lower() and cut in r.stderr, "a truncated capture gets a warning naming the file")
        check(len([l for l in r.stdout.splitlines() if l.strip()]) > 0, "events before the cut are kept")

        empty = os.path.join(tmp, "empty.pcap")
        open(empty, "wb").close()
        r = subprocess.run([mw, "analyze", "--eve", "-", empty], capture_output=True, text=True)
        check(r.returncode != 0 and empty in r.stderr, "an empty file is an error naming it")

        r = subprocess.run([mw, "analyze", "--summary", "--eve", "-", pcap], capture_output=True, text=True)
        check("MINER" in r.stderr and all(l.startswith("{") for l in r.stdout.splitlines() if l.strip()),
              "--summary with --eve - puts the table on stderr, keeps stdout NDJSON")
        eve = os.path.join(tmp, "e.jsonl")
        r = subprocess.run([mw, "analyze", "--summary", "--eve", eve, pcap], capture_output=True, text=True)
        check("MINER" in r.stdout and os.path.getsize(eve) > 0, "--summary --eve FILE prints the table and writes the file")
        r = subprocess.run([mw, "analyze", "--eve", "/nonexistent-dir/x.jsonl", pcap], capture_output=True, text=True)
        check(r.returncode != 0 and "/nonexistent-dir/x.jsonl" in r.stderr, "an unwritable events path is an error naming it")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
