#!/usr/bin/env python3
"""minewatch probe / simulate-pool / analyze --probe end to end, on loopback only: every dialect, a silent
port, non-mining services, a slow peer, a refused port, an address outside the allow-list (refused
without a packet), NDJSON output against schema/probe.schema.json, and a generated Stratum V2 capture
whose encrypted sessions are confirmed by probing a loopback test pool."""
import argparse, json, os, signal, subprocess, sys, tempfile, time

from checks import check, summary

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def start_pool(mw, specs):
    args = [mw, "simulate-pool", "--duration", "120"]
    for s in specs:
        args += ["--listen", s]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ports = []
    for _ in specs:
        line = p.stdout.readline()
        if not line.startswith("listening "):
            raise RuntimeError(f"simulate-pool said {line!r}: {p.stderr.read()}")
        ports.append(int(line.split()[1].rsplit(":", 1)[1]))
    return p, ports


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minewatch", required=True)
    ap.add_argument("--gen", required=True)
    a = ap.parse_args()
    mw = a.minewatch
    schema = json.load(open(os.path.join(ROOT, "schema", "probe.schema.json")))
    validator = jsonschema.Draft202012Validator(schema)

    r = subprocess.run([mw, "simulate-pool", "--listen", "0.0.0.0:0", "--duration", "1"], capture_output=True, text=True)
    check(r.returncode == 2 and "loopback" in r.stderr, "simulate-pool refuses a non-loopback listener by default")

    names = ["stratum", "cryptonote", "ethproxy", "silent", "http", "smtp", "slow"]
    specs = ["127.0.0.1:0", "127.0.0.1:0,dialect=cryptonote", "127.0.0.1:0,dialect=ethproxy", "127.0.0.1:0,mode=silent",
             "127.0.0.1:0,mode=http", "127.0.0.1:0,mode=smtp", "127.0.0.1:0,delay=3000"]
    pool, ports = start_pool(mw, specs)
    port = dict(zip(names, ports))
    try:
        # A port that was free a moment ago: refused.
        free, free_ports = start_pool(mw, ["127.0.0.1:0"])
        free.send_signal(signal.SIGTERM)
        free.wait(10)
        targets = [f"127.0.0.1:{port[n]}" for n in names] + [f"127.0.0.1:{free_ports[0]}", "192.0.2.7:3333"]
        t0 = time.monotonic()
        r = subprocess.run([mw, "probe", "--format", "json", "--timeout", "500", *targets], capture_output=True,
                           text=True, timeout=60)
        took = time.monotonic() - t0
        check(r.returncode == 0, "probe exits 0")
        lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        check(len(lines) == len(targets), "one NDJSON line per target")
        errors = [f"{l.get('target')}: {e.message}" for l in lines for e in validator.iter_errors(l)]
        check(not errors, "every line validates against schema/probe.schema.json " + "; ".join(errors[:3]))
        by = {l["target"]: l for l in lines}
        v = lambda n: by.get(f"127.0.0.1:{port[n]}", {})
        check(v("stratum").get("verdict") == "mining_pool" and v("stratum").get("dialect") == "stratum"
              and "extranonce1" in v("stratum").get("details", {}), "a stratum pool: mining_pool, stratum, extranonce1")
        check(v("cryptonote").get("verdict") == "mining_pool" and v("cryptonote").get("dialect") == "cryptonote"
              and v("cryptonote")["details"].get("algo") == "rx/0", "a CryptoNote pool: mining_pool with algo rx/0")
        check(v("ethproxy").get("verdict") == "mining_pool" and v("ethproxy").get("dialect") == "ethproxy",
              "an ETHProxy pool: mining_pool, ethproxy")
        check(v("silent").get("verdict") == "silent", "a silent port: silent")
        check(v("http").get("verdict") == "not_mining" and "HTTP/1.1" in v("http").get("reason", ""),
              "an HTTP server: not_mining")
        check(v("smtp").get("verdict") == "not_mining" and "220" in v("smtp").get("reason", ""),
              "an SMTP server: not_mining")
        check(v("slow").get("verdict") == "silent" and all(x["elapsed_ms"] < 1500 for x in v("slow")["attempts"]),
              "a peer slower than the read timeout: silent, each attempt within the timeout")
        check(by.get(f"127.0.0.1:{free_ports[0]}", {}).get("verdict") == "refused", "a closed port: refused")
        outside = by.get("192.0.2.7:3333", {})
        check(outside.get("verdict") == "not_allowed" and outside.get("attempts") == [],
              "an address outside the allow-list: not_allowed, no attempt")
        check(took < 20, f"all probes within their timeouts ({took:.1f}s)")

        r = subprocess.run([mw, "probe", "--format", "table", f"127.0.0.1:{port['stratum']}"], capture_output=True,
                           text=True, timeout=30)
        check("VERDICT" in r.stdout and "mining_pool" in r.stdout, "--format table prints a table")

        # analyze --probe on a generated capture whose SV2 pool is the loopback test pool.
        with tempfile.TemporaryDirectory() as tmp:
            pcap, truth = os.path.join(tmp, "sv2.pcap"), os.path.join(tmp, "t.jsonl")
            subprocess.run([a.gen, "--profile", "sv2", "--seed", "4", "--flows", "100", "--pool-endpoint",
                            f"127.0.0.1:{port['stratum']}", "--out", pcap, "--truth", truth], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t = [json.loads(l) for l in open(truth) if l.strip()]
            noise = {(x["miner"], x["pool_port"]) for x in t if x.get("kind") == "mining" and x.get("encrypted")}
            plain = {(x["miner"], x["pool_port"]) for x in t if x.get("kind") == "mining" and not x.get("encrypted")}
            check(len(noise) >= 2 and len(plain) >= 2, "the capture holds plaintext and Noise SV2 sessions")

            def mining(args):
                r = subprocess.run([mw, "analyze", "--eve", "-", *args, pcap], capture_output=True, text=True,
                                   timeout=120)
                ev = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
                return r, ev, {(e["src_ip"], e["dest_port"]): e for e in ev if e["event_type"] == "mining"}

            _, _, plain_run = mining([])
            check(set(plain_run) == plain, "without --probe: only the plaintext SV2 sessions are mining")
            r, ev, probed = mining(["--probe", "--summary", "--no-progress"])
            check(set(probed) == plain | noise, "with --probe: the Noise sessions are confirmed by the loopback pool")
            kinds = {k: [x["kind"] for x in e["mining"]["evidence"]] for k, e in probed.items()}
            check(all("probe.mining-pool" in kinds[k] and "stratum2.shape" in kinds[k] for k in noise),
                  "confirmed sessions carry the handshake shape and the probe verdict as evidence")
            check(all(not any(x.startswith("probe.") for x in kinds[k]) for k in plain),
                  "plaintext sessions (proven in the clear) are not probed")
            check("probes:" in r.stderr and "answered from cache" in r.stderr, "the run reports its probes")
            alerts = {e["src_ip"] for e in ev if e["event_type"] == "alert"}
            check({m for m, _ in noise} <= alerts, "each newly confirmed miner gets its alert")
            with open(os.path.join(tmp, "e.jsonl"), "w") as f:
                f.write("".join(json.dumps(e) + "\n" for e in ev))
            c = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "check-eve"), os.path.join(tmp, "e.jsonl")],
                               capture_output=True, text=True)
            check(c.returncode == 0, "events with probe evidence validate against the EVE schema " + c.stdout.strip())

            # The same capture with its pool outside the allow-list: nothing is probed, nothing is confirmed.
            subprocess.run([a.gen, "--profile", "sv2", "--seed", "4", "--flows", "100", "--pool-endpoint",
                            "198.51.100.9:34254", "--out", pcap, "--truth", truth], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t = [json.loads(l) for l in open(truth) if l.strip()]
            plain = {(x["miner"], x["pool_port"]) for x in t if x.get("kind") == "mining" and not x.get("encrypted")}
            r, _, fenced = mining(["--probe", "--summary", "--no-progress"])
            check(set(fenced) == plain and "not_allowed=" in r.stderr,
                  "a pool outside the allow-list is not probed and confirms nothing")
    finally:
        pool.send_signal(signal.SIGTERM)
        try:
            out, err = pool.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            pool.kill()
            out, err = pool.communicate()
    check(pool.returncode == 0 and "connections" in err, "simulate-pool stops cleanly on SIGTERM and reports")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
