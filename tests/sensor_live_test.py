#!/usr/bin/env python3
"""Live capture end to end: inside a network namespace this test creates, a veth pair; the sensor
listens on one end (AF_PACKET TPACKET_V3, two fanout workers), tcpreplay sends a generated capture
into the other at 1 Gbit/s. After SIGINT the sensor must have flushed every flow, counted zero kernel
drops and received every packet, and reported the same mining sessions and miner hosts as
`minewatch analyze` on the file. Then a TLS-evasion capture whose sessions rest on evidence from other
flows (DNS answers, earlier proofs on the host pair): two workers must find every session one worker
finds. Skips (exit 77) when not root, without netns support or tcpreplay."""
import argparse, json, os, shutil, signal, subprocess, sys, tempfile, time

from checks import check, summary

SKIP = 77


def sh(*argv, **kw):
    return subprocess.run(list(argv), capture_output=True, text=True, **kw)


def rated_mbps(tcpreplay_stdout):
    """The rate tcpreplay achieved over the whole replay (its "Rated:" line), 0 when it printed none."""
    for line in (tcpreplay_stdout or "").splitlines():
        if line.strip().startswith("Rated:") and "Mbps" in line:
            return float(line.split(",")[1].split()[0])
    return 0.0


def project(e):
    m = e["mining"]
    return (e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"], e["proto"], m.get("protocol"),
            m.get("wallet"), m.get("worker"), json.dumps(m.get("shares"), sort_keys=True),
            e["flow"]["pkts_toserver"], e["flow"]["pkts_toclient"], e["flow"]["bytes_toserver"],
            e["flow"]["bytes_toclient"])


def events(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minewatch", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--threads", default="2")
    ap.add_argument("--flows", default="12000", help="flows in the generated capture (long enough to hold 1 Gbit/s)")
    ap.add_argument("--sanitized", action="store_true",
                    help="the binary is an ASan/UBSan build: the libpcap fallback is replayed at a lower rate")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root for network namespaces and AF_PACKET")
        sys.exit(SKIP)
    tcpreplay = shutil.which("tcpreplay")
    if not tcpreplay or not shutil.which("ip"):
        print("SKIP: tcpreplay or ip(8) missing")
        sys.exit(SKIP)
    ns = f"mwtest{os.getpid()}"
    if sh("ip", "netns", "add", ns).returncode != 0:
        print("SKIP: cannot create a network namespace")
        sys.exit(SKIP)
    try:
        run_in = ["ip", "netns", "exec", ns]
        for cmd in (["ip", "link", "add", "mwtx", "mtu", "9000", "type", "veth", "peer", "name", "mwrx", "mtu", "9000"],
                    ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
                    ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"],
                    ["ip", "link", "set", "lo", "up"], ["ip", "link", "set", "mwtx", "up"],
                    ["ip", "link", "set", "mwrx", "up"]):
            r = sh(*run_in, *cmd)
            if r.returncode != 0:
                print(f"SKIP: {' '.join(cmd)}: {r.stderr.strip()}")
                sys.exit(SKIP)
        with tempfile.TemporaryDirectory() as tmp:
            pcap = os.path.join(tmp, "s.pcap")
            subprocess.run([a.gen, "--profile", "sample", "--seed", "21", "--flows", a.flows, "--out", pcap, "--truth",
                            os.path.join(tmp, "t.jsonl")], check=True, stdout=subprocess.DEVNULL)
            want = events(sh(a.minewatch, "analyze", "--no-progress", "--no-summary", "--eve", "-", pcap).stdout)
            sent_packets = int(json.loads(open(os.path.join(tmp, "t.jsonl")).read().splitlines()[-1])["packets"])
            eve, stats = os.path.join(tmp, "live.json"), os.path.join(tmp, "stats.json")
            sensor = subprocess.Popen([*run_in, a.minewatch, "sensor", "--interface", "mwrx", "--threads", a.threads,
                                       "--eve", eve, "--stats", stats], stderr=subprocess.PIPE, text=True)
            line = sensor.stderr.readline()
            check("listening on mwrx (af_packet" in line, f"the sensor listens with AF_PACKET: {line.strip()}")
            time.sleep(0.3)
            r = sh(*run_in, tcpreplay, "-i", "mwtx", "--mbps", "1000", pcap)
            print(r.stdout.strip().splitlines()[-8:] if r.stdout else r.stderr)
            check(r.returncode == 0, "tcpreplay sent the capture")
            # tcpreplay paces to the requested rate; the achieved rate over the whole replay is what counts.
            mbps = rated_mbps(r.stdout)
            check(mbps >= 900, f"the replay ran at about 1 Gbit/s ({mbps} Mbps)")
            time.sleep(1.0)
            sensor.send_signal(signal.SIGINT)
            try:
                err = sensor.communicate(timeout=60)[1]
            except subprocess.TimeoutExpired:
                sensor.kill()
                err = sensor.communicate()[1]
            print(err.strip())
            check(sensor.returncode == 0, "SIGINT stops the sensor cleanly (exit 0)")
            st = json.load(open(stats))
            print(st)
            check(st["kernel_drops"] == 0 and st["freeze_count"] == 0, "zero kernel drops at 1 Gbit/s")
            check(st["packets"] == sent_packets, f"every packet received ({st['packets']} of {sent_packets})")
            got = events(open(eve).read())
            wm = sorted(project(e) for e in want if e["event_type"] == "mining")
            gm = sorted(project(e) for e in got if e["event_type"] == "mining")
            check(len(wm) >= 20, f"the file run finds mining sessions ({len(wm)})")
            for x in sorted(set(wm) - set(gm))[:5]:
                print("  missing live:", x)
            for x in sorted(set(gm) - set(wm))[:5]:
                print("  extra live:  ", x)
            check(wm == gm, "the same mining sessions (endpoints, identity, shares, counters) as the file run")
            wa = sorted(e["src_ip"] for e in want if e["event_type"] == "alert")
            ga = sorted(e["src_ip"] for e in got if e["event_type"] == "alert")
            check(wa == ga, f"the same miner hosts alerted ({len(wa)})")

            # Evidence that crosses flows: TLS miners named only by an earlier DNS answer, or by an earlier
            # proof on the same host pair. Replayed time is compressed, so this compares one worker with
            # two (not with the file run): two workers must find every session one worker finds, which
            # needs the fanout by address pair and the DNS answers shared between the workers.
            tev = os.path.join(tmp, "tev.pcap")
            subprocess.run([a.gen, "--profile", "tls-evasion", "--seed", "5", "--flows", "6000", "--out", tev,
                            "--truth", os.path.join(tmp, "tev.jsonl")], check=True, stdout=subprocess.DEVNULL)
            found = {}
            # "2pcap": libpcap, which the kernel cannot fan out, dealt to two workers by a dealer thread.
            for workers in ("1", "2", "2pcap"):
                out, st_path = os.path.join(tmp, f"tev{workers}.json"), os.path.join(tmp, f"tev{workers}.stats")
                method = "pcap" if workers.endswith("pcap") else "af_packet"
                s2 = subprocess.Popen([*run_in, a.minewatch, "sensor", "--interface", "mwrx", "--threads", workers[0],
                                       "--method", method, "--eve", out, "--stats", st_path],
                                      stderr=subprocess.PIPE, text=True)
                s2.stderr.readline()
                time.sleep(0.3)
                # The libpcap fallback copies every frame twice (out of libpcap, into a worker's queue) and,
                # in immediate mode, gets a ring of few large frames, which fills whenever the dealer thread
                # waits for a core (three busy threads and tcpreplay on two). At 1 Gbit/s the ASan build
                # dropped 0.8%; at 500 Mbit/s, in full scripts/test runs on a busy host, the ASan build
                # dropped 458 frames (1 run of 7) and the release build 259 (1 run of 9). It is replayed at
                # a quarter of the rate (an eighth for ASan); the AF_PACKET runs keep 1 Gbit/s in every build.
                want_mbps = (125 if a.sanitized else 250) if method == "pcap" else 1000
                mbps = rated_mbps(sh(*run_in, tcpreplay, "-i", "mwtx", "--mbps", str(want_mbps), tev).stdout)
                check(mbps >= 0.9 * want_mbps, f"tls-evasion, {workers} worker(s): replayed at {mbps} Mbps")
                time.sleep(1.0)
                s2.send_signal(signal.SIGINT)
                s2.communicate(timeout=60)
                st2 = json.load(open(st_path))
                found[workers] = sorted((e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"])
                                        for e in events(open(out).read()) if e["event_type"] == "mining")
                print(f"  {workers} worker(s): {len(found[workers])} mining sessions, stats {st2}")
                check(st2["kernel_drops"] == 0, f"tls-evasion, {workers} worker(s): zero kernel drops")
                check(st2["method"] == ("pcap" if method == "pcap" else "af_packet"), f"method {st2['method']}")
                if workers != "1":
                    # The fanout must deal the traffic: a program that misreads the packet sends it all to
                    # worker 0 (and still finds every session, so the check above cannot tell).
                    per = [w["packets"] for w in st2.get("per_worker", [])]
                    check(len(per) == 2 and min(per) >= 0.2 * sum(per),
                          f"tls-evasion, {workers} workers: the fanout deals packets to both ({per})")
            check(len(found["1"]) >= 20, f"one worker finds TLS mining sessions ({len(found['1'])})")
            missing_pcap = sorted(set(found["1"]) - set(found["2pcap"]))
            check(not missing_pcap, f"two libpcap workers find every session one worker finds "
                                    f"({len(found['1']) - len(missing_pcap)} of {len(found['1'])})")
            missing = sorted(set(found["1"]) - set(found["2"]))
            for x in missing[:5]:
                print("  missing with two workers:", x)
            # A DNS answer captured by the other worker can reach this one after the flow it names has sent
            # its packets (TPACKET_V3 hands a block over when it fills or times out, and the replay compresses
            # time): the flow asks passive DNS again as it ends, and on SIGINT the workers take each other's
            # last answers before ending their flows. Without the address-pair fanout and the DNS mailboxes
            # about 20% of these sessions are lost.
            check(not missing, f"two workers find every session one worker finds "
                               f"({len(found['1']) - len(missing)} of {len(found['1'])})")
    finally:
        sh("ip", "netns", "del", ns)
    sys.exit(summary())


if __name__ == "__main__":
    main()
