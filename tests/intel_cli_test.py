#!/usr/bin/env python3
"""`minewatch intel import | list | check` and `analyze --intel/--config`: lists are validated and stored
in the intel directory, malformed rows are named by file and line, the allow-list wins, and the
analyzer uses what was imported."""
import argparse, json, os, subprocess, sys, tempfile

from checks import check, summary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minewatch", required=True)
    ap.add_argument("--gen", required=True)
    a = ap.parse_args()
    mw = a.minewatch
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, MINEWATCH_INTEL_DIR=os.path.join(tmp, "intel"))
        hosts = os.path.join(tmp, "miners.hosts")
        open(hosts, "w").write("# list\n0.0.0.0 pool.evil-miner.example\n0.0.0.0 www.coinbase.com\n0.0.0.0 bad..name\n")
        r = subprocess.run([mw, "intel", "import", hosts], capture_output=True, text=True, env=env)
        check(r.returncode == 0, "import of a hosts file succeeds")
        check(f"{hosts}:4:" in r.stderr, "a malformed row is named by file and line")
        check(os.path.exists(os.path.join(tmp, "intel", "miners.hosts.toml")), "the list is stored in the intel directory")

        r = subprocess.run([mw, "intel", "check", "eu.pool.evil-miner.example"], capture_output=True, text=True, env=env)
        check(r.returncode == 0 and "miners.hosts" in r.stdout, "check names the list that matched")
        r = subprocess.run([mw, "intel", "check", "www.coinbase.com"], capture_output=True, text=True, env=env)
        check(r.returncode == 1 and "allow-list wins" in r.stdout, "check says the allow-list wins over a list entry")
        r = subprocess.run([mw, "intel", "check", "xmr-eu1.nanopool.org"], capture_output=True, text=True, env=env)
        check(r.returncode == 0 and "builtin" in r.stdout and "14433" in r.stdout,
              "check shows the built-in list's ports")
        r = subprocess.run([mw, "intel", "list"], capture_output=True, text=True, env=env)
        check("miners.hosts" in r.stdout and "builtin" in r.stdout, "list summarises every loaded list")

        nodes = os.path.join(tmp, "nodes.csv")
        open(nodes, "w").write("node_host,port\n1.2.3.4,8333\n")
        r = subprocess.run([mw, "intel", "import", nodes], capture_output=True, text=True, env=env)
        check(r.returncode == 1 and f"{nodes}:1:" in r.stderr, "a CSV without a host column is refused, naming the line")

        cfg = os.path.join(tmp, "bad.toml")
        open(cfg, "w").write("[fusion]\nthreshold = 0.7\nbogus = 2\n")
        pcap = os.path.join(tmp, "s.pcap")
        subprocess.run([a.gen, "--profile", "tls-mining", "--seed", "5", "--flows", "50", "--out", pcap, "--truth",
                        os.path.join(tmp, "t.jsonl")], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = subprocess.run([mw, "analyze", "--config", cfg, "--eve", "-", pcap], capture_output=True, text=True, env=env)
        check(r.returncode == 2 and f"{cfg}:3" in r.stderr, "a bad config key is an error naming file and line")
        good = os.path.join(tmp, "good.toml")
        open(good, "w").write("[fusion]\nthreshold = 0.7\npool_address_dns = 0.8\n[passive_dns]\nmax_entries = 1000\n")
        r = subprocess.run([mw, "analyze", "--config", good, "--eve", "-", pcap], capture_output=True, text=True, env=env)
        lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        check(r.returncode == 0 and any(e["event_type"] == "mining" for e in lines), "analyze runs with a config file")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
