"""Port-agnostic flow features, computed exactly as src/model/flow_features.cpp does.

Input is one flow as the CESNET-MINER22 exporter saw it: the first (up to) 30 packets that carry
payload (direction +1 = the flow's initiator, payload length, time truncated to whole milliseconds) and
the flow's packet counters both ways. Nothing here looks at ports or addresses.

Keep this file and src/model/flow_features.cpp in lockstep: the C++ test compares scores computed
from the same CSV rows against scores this module produced at training time.
"""

import math

MAX_PACKETS = 30  # CESNET's PPI length; the engine stops collecting here.

FEATURE_NAMES = [
    "n_pkts",  # payload packets seen (2..30)
    "frac_up",  # share of payload packets sent by the initiator
    "mean_size_up",
    "mean_size_down",
    "std_size_up",
    "std_size_down",
    "max_size",
    "log_bytes_up",  # log1p of payload bytes in the window, initiator -> responder
    "log_bytes_down",
    "dir_change_rate",  # direction changes / (n - 1): request/response alternation
    "mode_frac",  # share of packets whose (direction, size) is the most common one
    "distinct_frac",  # distinct (direction, size) pairs / n
    "first_size",  # signed: + initiator, - responder
    "second_size",
    "log_duration_ms",  # first to last payload packet
    "log_iat_median_ms",
    "mean_log_iat",
    "iat_cv",  # std / mean of inter-arrival times
    "log_iat_max_ms",
    "frac_iat_zero",  # back-to-back packets (same millisecond)
    "up_iat_cv",  # regularity of initiator packets (share submits, keepalives)
    "down_iat_cv",  # regularity of responder packets (job notifications)
    "small_frac",  # payload < 300 bytes
    "counters_valid",  # 1 when the flow ended before 30 payload packets (counters cover the window)
    "log_pkts_total",
    "payload_pkt_frac",  # payload packets / all packets (pure ACKs, SYN, FIN count as packets)
    "log_pkt_ratio",  # log((pkts up + 1) / (pkts down + 1))
    "log_reply_ms",  # median delay from an initiator packet to the responder's next packet (request/response)
    "up_mode_frac",  # share of initiator packets with the initiator's most common size
    "down_mode_frac",
    "log_gap_ms",  # median of the pauses between exchanges (gaps before an initiator packet after a reply)
]


def _mean(xs):
    return sum(xs) / len(xs) if xs else 0.0


def _std(xs):
    if len(xs) < 2:
        return 0.0
    m = _mean(xs)
    return math.sqrt(sum((x - m) * (x - m) for x in xs) / len(xs))


def _cv(xs):
    m = _mean(xs)
    return _std(xs) / m if m > 0 else 0.0


def _median(xs):
    # Lower median of the sorted values (no averaging): identical in C++ with nth_element.
    if not xs:
        return 0.0
    s = sorted(xs)
    return float(s[(len(s) - 1) // 2])


def features(dirs, sizes, times_ms, pkts_up, pkts_down):
    """dirs: +1/-1 per payload packet; sizes: payload bytes; times_ms: integer ms; counters of the
    whole flow (both ways, all packets). Returns a list of floats in FEATURE_NAMES order."""
    n = min(len(dirs), MAX_PACKETS)
    dirs, sizes, times_ms = dirs[:n], sizes[:n], times_ms[:n]
    up = [float(s) for d, s in zip(dirs, sizes) if d > 0]
    down = [float(s) for d, s in zip(dirs, sizes) if d < 0]
    changes = sum(1 for i in range(1, n) if dirs[i] != dirs[i - 1])
    counts = {}
    for d, s in zip(dirs, sizes):
        counts[(d, s)] = counts.get((d, s), 0) + 1
    iats = [float(times_ms[i] - times_ms[i - 1]) for i in range(1, n)]
    iats = [x if x > 0 else 0.0 for x in iats]  # clock steps backwards count as simultaneous
    up_t = [t for d, t in zip(dirs, times_ms) if d > 0]
    down_t = [t for d, t in zip(dirs, times_ms) if d < 0]
    up_iats = [float(max(0, up_t[i] - up_t[i - 1])) for i in range(1, len(up_t))]
    down_iats = [float(max(0, down_t[i] - down_t[i - 1])) for i in range(1, len(down_t))]
    replies = []
    gaps = []
    for i in range(1, n):
        if dirs[i] < 0 and dirs[i - 1] > 0:
            replies.append(float(max(0, times_ms[i] - times_ms[i - 1])))
        if dirs[i] > 0 and dirs[i - 1] < 0:
            gaps.append(float(max(0, times_ms[i] - times_ms[i - 1])))
    up_counts, down_counts = {}, {}
    for d, s in zip(dirs, sizes):
        c = up_counts if d > 0 else down_counts
        c[s] = c.get(s, 0) + 1
    valid = n < MAX_PACKETS
    total = pkts_up + pkts_down
    f = [
        float(n),
        len(up) / n,
        _mean(up),
        _mean(down),
        _std(up),
        _std(down),
        float(max(sizes)),
        math.log1p(sum(up)),
        math.log1p(sum(down)),
        changes / (n - 1) if n > 1 else 0.0,
        max(counts.values()) / n,
        len(counts) / n,
        float(sizes[0] * dirs[0]),
        float(sizes[1] * dirs[1]) if n > 1 else 0.0,
        math.log1p(max(0, times_ms[-1] - times_ms[0])),
        math.log1p(_median(iats)),
        _mean([math.log1p(x) for x in iats]),
        _cv(iats),
        math.log1p(max(iats) if iats else 0.0),
        (sum(1 for x in iats if x == 0.0) / len(iats)) if iats else 0.0,
        _cv(up_iats),
        _cv(down_iats),
        sum(1 for s in sizes if s < 300) / n,
        1.0 if valid else 0.0,
        math.log1p(total) if valid else 0.0,
        (n / total if total > 0 else 0.0) if valid else 0.0,
        math.log((pkts_up + 1) / (pkts_down + 1)) if valid else 0.0,
        math.log1p(_median(replies)) if replies else -1.0,
        max(up_counts.values()) / len(up) if up else 0.0,
        max(down_counts.values()) / len(down) if down else 0.0,
        math.log1p(_median(gaps)) if gaps else -1.0,
    ]
    assert len(f) == len(FEATURE_NAMES)
    return f
