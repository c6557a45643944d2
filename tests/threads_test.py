#!/usr/bin/env python3
"""Detection is identical between one and N threads: the same EVE lines, byte for byte, in the same
order, on generated captures with many flows, idle timeouts, DNS intent alerts and many miners per
host; TLS miners that reconnect to a pool they were proven to use (evidence that lives in the engine
that saw the proof); also through the libpcap path (a capture read from a pipe), whose frames do not
outlive a batch.

pcap and pcapng files are walked in segments, each from a guessed first record: tiny segments
(--segment-kib 1) on a capture whose packets carry fake record headers make the guesses wrong (they
are walked again), as are guesses in a pcapng section's state past the next section header; a corrupt
record length or a cut-off end stops every thread count at the same record with the same warning.
--segment-kib 0 runs the dealing reader on the same files."""
import argparse, json, os, shutil, struct, subprocess, sys, tempfile, threading

from checks import check, summary


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    assert struct.unpack_from("<I", data, 0)[0] == 0xA1B2C3D4, "the generator writes little-endian µs pcap"
    pos, out = 24, []
    while pos + 16 <= len(data):
        incl = struct.unpack_from("<I", data, pos + 8)[0]
        out.append(data[pos:pos + 16 + incl])
        pos += 16 + incl
    return data[:24], out


def with_traps(src, dst):
    """After every third packet, a UDP packet (to the discard port) whose payload is a chain of ten
    plausible pcap record headers: a walk guessing where records start falls for them."""
    header, recs = records(src)
    out = [header]
    for i, r in enumerate(recs):
        out.append(r)
        if i % 3 == 0:
            sec, usec = struct.unpack_from("<II", r, 0)
            fake = b"".join(struct.pack("<IIII", sec, usec, 40, 40) + bytes(40) for _ in range(10))
            udp = struct.pack(">HHHH", 40000, 9, 8 + len(fake), 0) + fake
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([10, 99, 0, 1]),
                             bytes([10, 99, 0, 2])) + udp
            frame = bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x00" + ip
            out.append(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
    with open(dst, "wb") as f:
        f.write(b"".join(out))


def with_corrupt_length(src, dst):
    """The record 60% of the way through says it is 2 GB long: reading stops there."""
    header, recs = records(src)
    k = len(recs) * 6 // 10
    bad = recs[k][:8] + struct.pack("<I", 0x7FFFFFF0) + recs[k][12:]
    with open(dst, "wb") as f:
        f.write(header + b"".join(recs[:k]) + bad + b"".join(recs[k + 1:]))


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
        # The same packets written as big-endian pcapng (our own mmap walk, not libpcap) must give the
        # events of the classic pcap (both in microseconds: nanosecond times would change flow ids).
        ng = os.path.join(tmp, "isp-be.pcapng")
        subprocess.run([a.gen, "--profile", "isp", "--seed", "12", "--flows", "40000", "--mining-fraction", "0.005",
                        "--pcapng", "--big-endian", "--out", ng, "--truth", os.path.join(tmp, "ng.jsonl")],
                       check=True, stdout=subprocess.DEVNULL)
        same_events = [subprocess.run([a.minewatch, "analyze", "--no-progress", "--no-summary", "--eve", "-", f],
                                      capture_output=True, check=True).stdout for f in (caps[1][1][0], ng)]
        check(same_events[0] == same_events[1] and len(same_events[0]) > 0,
              "isp as big-endian pcapng: the events of the classic pcap")
        caps.append(("isp as big-endian pcapng", [ng]))
        # Two pcapng sections in one file, the second in the other byte order with nanosecond times:
        # segments guessed in the first section's state past the second header are walked again.
        ng_le = os.path.join(tmp, "sample-le.pcapng")
        subprocess.run([a.gen, "--profile", "sample", "--seed", "15", "--flows", "3000", "--mining-fraction", "0.02",
                        "--pcapng", "--out", ng_le, "--truth", os.path.join(tmp, "ngle.jsonl")],
                       check=True, stdout=subprocess.DEVNULL)
        ng_be = os.path.join(tmp, "sample-be-ns.pcapng")
        subprocess.run([a.gen, "--profile", "sample", "--seed", "16", "--flows", "3000", "--mining-fraction", "0.02",
                        "--pcapng", "--big-endian", "--nanosecond", "--out", ng_be, "--truth",
                        os.path.join(tmp, "ngbe.jsonl")], check=True, stdout=subprocess.DEVNULL)
        two = os.path.join(tmp, "two-sections.pcapng")
        with open(two, "wb") as out:
            for part in (ng_le, ng_be):
                with open(part, "rb") as f:
                    out.write(f.read())
        caps.append(("two pcapng sections", [two]))
        sample = caps[0][1][0]
        traps = os.path.join(tmp, "traps.pcap")
        with_traps(sample, traps)
        caps.append(("sample with fake record headers", [traps]))
        corrupt = os.path.join(tmp, "corrupt.pcap")
        with_corrupt_length(sample, corrupt)
        caps.append(("sample with a corrupt record length", [corrupt]))
        cut = os.path.join(tmp, "cut.pcap")
        with open(sample, "rb") as f:
            data = f.read()
        with open(cut, "wb") as f:
            f.write(data[:len(data) * 7 // 10 + 5])
        caps.append(("sample cut off", [cut]))
        caps.append(("sample through a pipe (libpcap)", ["pipe:" + sample]))
        # (threads, --segment-kib): the default segments, tiny ones (many guessed starts), the dealing reader.
        runs = [(2, None), (3, None), (4, None), (2, 1), (3, 1), (2, 0), (3, 0)]
        for name, files in caps:
            outs, errs, stats = {}, {}, {}
            for run in [(1, None)] + runs:
                threads, kib = run
                intel = ["--no-user-intel", "--intel", a.intel] if name.startswith("tls-evasion") else []
                seg = [] if kib is None else ["--segment-kib", str(kib)]
                st = os.path.join(tmp, f"stats{threads}.json")
                args, writers = [], []
                for f in files:
                    if not f.startswith("pipe:"):
                        args.append(f)
                        continue
                    fifo = os.path.join(tmp, "capture.fifo")
                    if os.path.exists(fifo):
                        os.unlink(fifo)
                    os.mkfifo(fifo)
                    def feed(src=f[len("pipe:"):], dst=fifo):
                        with open(src, "rb") as i, open(dst, "wb") as o:
                            o.write(i.read())
                    writers.append(threading.Thread(target=feed, daemon=True))
                    writers[-1].start()
                    args.append(fifo)
                r = subprocess.run([a.minewatch, "analyze", "--no-progress", "--no-summary", "--threads", str(threads),
                                    *seg, *intel, "--stats", st, "--eve", "-", *args], capture_output=True, timeout=300)
                for w in writers:
                    w.join(timeout=10)
                check(r.returncode == 0, f"{name}: --threads {threads} {' '.join(seg)} exits 0")
                outs[run] = r.stdout
                errs[run] = [l for l in r.stderr.splitlines() if b"warning" in l]
                stats[run] = json.load(open(st))
            # Every engine of the split does a part and the parts add up. The dealing reader's own
            # engine takes the smaller share (reading is its other work); walking segments, all walk.
            for run in runs:
                threads, kib = run
                eng = stats[run].get("engines", [])
                dealt = kib == 0 or files[0].startswith("pipe:")
                check(len(eng) == threads and sum(e["packets"] for e in eng) == stats[(1, None)]["packets"]
                      and sum(e["flows"] for e in eng) == stats[(1, None)]["flows"] and all(e["packets"] > 0 for e in eng)
                      and (not dealt or eng[0]["packets"] < min(e["packets"] for e in eng[1:])),
                      f"{name}: {run} --stats lists {threads} engines whose packets and flows add up "
                      f"({[e['packets'] for e in eng]})")
            rewalked = stats[(2, 1)].get("segments_rewalked", -1)
            if name == "sample with fake record headers":
                check(rewalked > 0, f"{name}: guesses fell for fake headers and were walked again ({rewalked})")
            elif name not in ("sample with a corrupt record length", "sample cut off", "two pcapng sections"):
                # A clean capture's guesses hold even in 1 KiB segments (records cut anywhere). Past a
                # second pcapng section header, whether a segment was guessed in the first section's
                # state depends on how far the finaliser had got (PcapngFileReaderSections counts those).
                check(rewalked == 0, f"{name}: no segment walked again ({rewalked})")
            if name in ("sample with a corrupt record length", "sample cut off"):
                check(len(errs[(1, None)]) == 1, f"{name}: one warning ({errs[(1, None)]})")
            lines = outs[(1, None)].splitlines()
            mining = sum(1 for l in lines if b'"event_type":"mining"' in l)
            alerts = sum(1 for l in lines if b'"event_type":"alert"' in l)
            check(mining >= 5 and alerts >= 3, f"{name}: the capture yields events ({mining} mining, {alerts} alerts)")
            if name == "two captures merged":
                check(alerts < mining, f"{name}: hosts mine in several flows ({alerts} alerts for {mining} sessions)")
            for run in runs:
                same = outs[run] == outs[(1, None)]
                if not same:
                    other = outs[run].splitlines()
                    diff = next((i for i, (x, y) in enumerate(zip(lines, other)) if x != y), min(len(lines), len(other)))
                    print(f"  first difference at line {diff}: {len(lines)} vs {len(other)} lines")
                check(same, f"{name}: {run} writes exactly the events of --threads 1")
                check(errs[run] == errs[(1, None)], f"{name}: {run} warns as --threads 1 does ({errs[run]})")
    sys.exit(summary())


if __name__ == "__main__":
    main()
