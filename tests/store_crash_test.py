#!/usr/bin/env python3
"""Crash safety of the store: `minewatch analyze --db` is killed with SIGKILL while it ingests; the
store must open again, be consistent (`minewatch store check`), keep every session that was committed
before the kill, and a re-run must complete it to exactly the sessions of a clean run, without
duplicates. SQLite by default; --pg CONNINFO runs it on PostgreSQL (tests/pg/with-postgres)."""
import argparse, os, signal, sqlite3, subprocess, sys, tempfile, time

from checks import check, summary


def committed_sessions(target):
    if target.startswith("postgres") or "dbname=" in target:
        r = subprocess.run(["psql", target, "-Atc", "SELECT COUNT(*) FROM sessions"], capture_output=True, text=True)
        return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip() else 0
    try:
        con = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=5)
        n = con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
        con.close()
        return n
    except sqlite3.Error:
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minewatch", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--pg", default="", help="PostgreSQL conninfo (e.g. $MW_TEST_PG): run on PostgreSQL")
    a = ap.parse_args()
    if a.pg:
        for db in ("mw_crash", "mw_clean"):
            subprocess.run(["psql", a.pg, "-qc", f"DROP DATABASE IF EXISTS {db}"], check=True, capture_output=True)
            subprocess.run(["psql", a.pg, "-qc", f"CREATE DATABASE {db}"], check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "many.pcap")
        subprocess.run([a.gen, "--profile", "sample", "--seed", "21", "--flows", "1500", "--mining-fraction", "0.5",
                        "--out", pcap, "--truth", os.path.join(tmp, "t.jsonl")], check=True, stdout=subprocess.DEVNULL)
        target = f"{a.pg} dbname=mw_crash" if a.pg else os.path.join(tmp, "crash.db")
        reference = f"{a.pg} dbname=mw_clean" if a.pg else os.path.join(tmp, "clean.db")
        r = subprocess.run([a.minewatch, "analyze", "--no-summary", "--db", reference, pcap], capture_output=True, text=True)
        check(r.returncode == 0, "a clean run stores the capture: " + r.stderr.strip())
        expected = committed_sessions(reference)
        check(expected > 200, f"the clean run stored {expected} sessions (enough to crash in the middle)")

        # Small batches so commits happen all through the run; kill once some are visible.
        killed_at = -1
        for attempt in range(3):
            p = subprocess.Popen([a.minewatch, "analyze", "--no-summary", "--db-batch", "5", "--db", target, pcap],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.time() + 60
            seen = 0
            while p.poll() is None and time.time() < deadline:
                seen = committed_sessions(target)
                if seen >= 20 and seen < expected:
                    break
                time.sleep(0.005)
            if p.poll() is None:
                seen = committed_sessions(target)  # committed before the kill: must all survive
                p.send_signal(signal.SIGKILL)
                p.wait()
                killed_at = seen
                break
        check(killed_at >= 0 and killed_at < expected, f"killed with -9 while ingesting ({killed_at} of {expected} committed)")

        r = subprocess.run([a.minewatch, "store", "check", "--db", target], capture_output=True, text=True)
        check(r.returncode == 0, "the store opens and is consistent after the crash: " + (r.stdout + r.stderr).strip())
        after = committed_sessions(target)
        check(after >= killed_at, f"nothing committed is lost ({after} >= {killed_at})")

        r = subprocess.run([a.minewatch, "analyze", "--no-summary", "--db", target, pcap], capture_output=True, text=True)
        check(r.returncode == 0, "re-running the capture after the crash succeeds")
        final = committed_sessions(target)
        check(final == expected, f"the re-run completes the store without duplicates ({final} == {expected})")
        r = subprocess.run([a.minewatch, "store", "check", "--db", target], capture_output=True, text=True)
        check(r.returncode == 0, "still consistent after the re-run")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
