#!/usr/bin/env python3
"""End to end: generated captures + a registry CSV → `minewatch report summary`, the authorities' kind of
statement ("N IPs at M state-owned entities; K deliberate, L compromised"), with N and M computed here from
the generator's ground truth and the registry. Also: analysing twice changes nothing, the per-organisation
and daily reports agree with the statement, bad registry rows are named (file:line) and the rest loads.
SQLite always; with --pg CONNINFO also PostgreSQL, and both stores must give the same reports."""
import argparse, ipaddress, json, os, subprocess, sys, tempfile

from checks import check, summary


ORGS = """id,name,type,province,city
sgcc-hb,State Grid Hubei,soe,Hubei,Wuhan
sinopec-gd,Sinopec Guangdong,soe,Guangdong,Guangzhou
cmcc-hq,China Mobile HQ,soe,Beijing,Beijing
idle-soe,An SOE without miners,soe,Hubei,Yichang
whu,Wuhan University,university,Hubei,Wuhan
acme,Acme Trading Ltd,private,Guangdong,Shenzhen
"""
PREFIXES = [("10.1.0.0/28", "sgcc-hb"), ("10.1.0.16/29", "sinopec-gd"), ("2001:db8:10:1::/64", "cmcc-hq"),
            ("10.1.0.24/30", "whu"), ("10.1.0.28/30", "acme"), ("192.0.2.0/24", "idle-soe")]
TYPES = {"sgcc-hb": "soe", "sinopec-gd": "soe", "cmcc-hq": "soe", "idle-soe": "soe", "whu": "university",
         "acme": "private"}


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def owner(ip):
    best = None
    for cidr, org in PREFIXES:
        net = ipaddress.ip_network(cidr)
        a = ipaddress.ip_address(ip)
        if a.version == net.version and a in net and (best is None or net.prefixlen > best[0]):
            best = (net.prefixlen, org)
    return best[1] if best else None


def scenario(mw, tmp, db, pcaps, truth_miners):
    out = {}
    orgs = os.path.join(tmp, "orgs.csv")
    prefixes = os.path.join(tmp, "prefixes.csv")
    with open(orgs, "w") as f:
        f.write(ORGS)
    with open(prefixes, "w") as f:
        f.write("cidr,org\n")
        for i, (cidr, org) in enumerate(PREFIXES):
            f.write(f"{cidr},{org}\n")
            if i == 2:
                f.write("10.1.0.300/32,acme\n")  # line 5: malformed
    r = run([mw, "registry", "import", orgs, prefixes, "--db", db])
    check(r.returncode == 1 and f"{prefixes}:5" in r.stderr, "a malformed registry row is an error naming file:line")
    look = run([mw, "registry", "lookup", "10.1.0.29", "--db", db, "--format", "json"])
    check(look.returncode == 0 and json.loads(look.stdout)[0]["org_id"] == "acme",
          "the rows after the bad one still load (10.1.0.29 → acme)")
    for at in ("2026-11-21", "2026-11-21 08:00:00", "2026-11-21T08:00:00+08:00", "1763683200"):
        r = run([mw, "registry", "lookup", "10.1.0.29", "--at", at, "--db", db, "--format", "json"])
        check(r.returncode == 0 and json.loads(r.stdout)[0]["org_id"] == "acme", f"lookup --at '{at}' is read")
    for at in ("yesterday", "1013-11-20", "99999999999999999999"):
        r = run([mw, "registry", "lookup", "10.1.0.29", "--at", at, "--db", db])
        check(r.returncode == 2 and "--at" in r.stderr, f"lookup --at '{at}' is refused with a clear error")
    bad_mmdb = os.path.join(tmp, "broken.mmdb")
    with open(bad_mmdb, "wb") as f:
        f.write(b"\x00" * 64 + b"not a maxmind database")
    r = run([mw, "registry", "import", bad_mmdb, "--db", db])
    check(r.returncode != 0 and r.returncode < 128 and bad_mmdb in r.stderr, "a broken MMDB is an error naming the file")

    for p in pcaps:
        r = run([mw, "analyze", "--no-summary", "--db", db, p])
        check(r.returncode == 0, f"analyze --db {os.path.basename(p)}: {r.stderr.strip()}")
    first = run([mw, "report", "summary", "--db", db, "--format", "json"])
    for p in pcaps:
        run([mw, "analyze", "--no-summary", "--db", db, p])
    s = json.loads(run([mw, "report", "summary", "--db", db, "--format", "json"]).stdout)
    check(json.loads(first.stdout) == s, "analysing the same captures again changes nothing")

    soe_ips = {ip for ip in truth_miners if owner(ip) and TYPES[owner(ip)] == "soe"}
    soe_orgs = {owner(ip) for ip in soe_ips}
    check(s["ips"] == len(soe_ips), f"N = {s['ips']} mining IPs at state-owned entities (truth: {len(soe_ips)})")
    check(s["organisations"] == len(soe_orgs), f"M = {s['organisations']} state-owned entities (truth: {len(soe_orgs)})")
    check(s["all_mining_ips"] == len(truth_miners), f"{s['all_mining_ips']} mining IPs in all (truth: {len(truth_miners)})")
    check(s["deliberate"] + s["compromised"] + s["undetermined"] == s["ips"], "K + L + undetermined = N")
    check(s["deliberate"] > 0 and s["compromised"] > 0, f"the classifier splits them (K={s['deliberate']}, L={s['compromised']})")
    text = run([mw, "report", "summary", "--db", db]).stdout.strip()
    check(text.startswith(f"{s['ips']} IPs at {s['organisations']} state-owned entities; {s['deliberate']} deliberate, "
                          f"{s['compromised']} compromised"), "the statement reads: " + text)

    rows = json.loads(run([mw, "report", "orgs", "--type", "soe", "--db", db, "--format", "json"]).stdout)
    check(sorted(r["org_id"] for r in rows) == sorted(soe_orgs), "report orgs --type soe lists exactly those organisations")
    check(sum(r["mining_ips"] for r in rows) == s["ips"] and sum(r["deliberate"] for r in rows) == s["deliberate"]
          and sum(r["compromised"] for r in rows) == s["compromised"], "report orgs adds up to the statement")
    for r in rows:
        want = sum(1 for ip in truth_miners if owner(ip) == r["org_id"])
        check(r["mining_ips"] == want, f"{r['org_id']}: {r['mining_ips']} mining IPs (truth: {want})")
    for r in rows:
        check(isinstance(r["coins"], list) and isinstance(r["hashrate"], dict)
              and all(isinstance(v.get("value"), (int, float)) and isinstance(v.get("unit"), str)
                      for v in r["hashrate"].values()),
              f"{r['org_id']}: JSON coins is an array, hashrate an object of {{value, unit}} per algorithm")
    check(any(r["hashrate"] for r in rows), "some organisation has a hashrate in the JSON report")
    hubei = json.loads(run([mw, "report", "orgs", "--region", "Hubei", "--db", db, "--format", "json"]).stdout)
    check(sorted(r["org_id"] for r in hubei) == ["sgcc-hb", "whu"], "--region Hubei keeps the Hubei organisations")
    daily = json.loads(run([mw, "report", "daily", "--db", db, "--format", "json"]).stdout)
    check(sum(r["mining_ips"] for r in daily) == len(truth_miners), "report daily counts every mining IP once per day")
    csv = run([mw, "report", "orgs", "--db", db, "--format", "csv"]).stdout.splitlines()
    check(csv and csv[0].startswith("org_id,organisation,type"), "report orgs --format csv has a header row")
    r = run([mw, "report", "orgs", "--db", db, "--day", "2024-02-30"])
    check(r.returncode == 2 and "2024-02-30" in r.stderr, "an impossible --day is an error naming it")
    out["summary"] = s
    out["orgs"] = json.loads(run([mw, "report", "orgs", "--db", db, "--format", "json"]).stdout)
    out["daily"] = daily
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minewatch", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--pg", default="")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pcaps, miners = [], set()
        for seed in (3, 4):
            p = os.path.join(tmp, f"s{seed}.pcap")
            t = os.path.join(tmp, f"t{seed}.jsonl")
            subprocess.run([a.gen, "--profile", "sample", "--seed", str(seed), "--out", p, "--truth", t], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            pcaps.append(p)
            miners |= {json.loads(l)["miner"] for l in open(t) if json.loads(l).get("kind") == "mining"}
        print("== SQLite")
        lite = scenario(a.minewatch, tmp, os.path.join(tmp, "store.db"), pcaps, miners)
        if a.pg:
            print("== PostgreSQL")
            subprocess.run(["psql", a.pg, "-qc", "DROP DATABASE IF EXISTS mw_e2e"], check=True, capture_output=True)
            subprocess.run(["psql", a.pg, "-qc", "CREATE DATABASE mw_e2e"], check=True, capture_output=True)
            pg = scenario(a.minewatch, tmp, f"{a.pg} dbname=mw_e2e", pcaps, miners)
            check(pg == lite, "PostgreSQL and SQLite give the same statement, organisation and daily reports")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
