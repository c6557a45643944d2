#!/usr/bin/python3
"""Train minewatch's flow-behaviour model (port-agnostic) and export it as data.

    /usr/bin/python3 tools/model/train_flow_model.py \
        --csv ../shared/data/flows/cesnet-miner22-sample-dev.csv --out data/models

Deterministic: fixed seeds, one thread, the same CSV gives byte-identical outputs. Steps:
 1. Read the CESNET-MINER22 rows; features from tools/model/flow_features.py (no ports, no addresses).
 2. Hold out a fifth, stratified by label and grouped by connection (records that share the port pair
    of one connection — the exporter cuts long connections into 300 s records — never straddle the
    split; ports are used for grouping only, never as features).
 3. On the other four fifths: 5-fold grouped cross-validation gives out-of-fold scores; the decision
    threshold is the lowest score whose out-of-fold FPR stays within --target-fpr. The held-out fifth
    is not looked at until the final evaluation.
 4. Fit on the four fifths, export trees as text (flow_model.txt), evaluate on the held-out fifth and
    write flow_model.eval.json, and flow_model.scores.csv (every row's score, for the C++ parity test).
 5. Optionally (--extra FILE, repeatable) add flows from minewatch's own extractor
    (`minewatch flow-features`, same CSV columns) to the training part only, e.g. generated benign
    traffic from mw-gen's isp profile. Their scores do not enter the CESNET evaluation.
"""

import argparse
import csv
import datetime as dt
import hashlib
import json
import math
import os
import sys

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import StratifiedGroupKFold

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flow_features import FEATURE_NAMES, features  # noqa: E402

SEED = 20211214
EPOCH = dt.datetime(1970, 1, 1)
MODEL_PARAMS = dict(n_estimators=200, max_depth=4, learning_rate=0.05, subsample=0.8, min_samples_leaf=3)


def to_ms(text):
    # "2021-12-14T16:45:41.773000" -> integer milliseconds (truncated), as the C++ side parses it.
    t = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f")
    return (t - EPOCH) // dt.timedelta(milliseconds=1)


def split_list(cell):
    cell = cell.strip()
    if not (cell.startswith("[") and cell.endswith("]")):
        raise ValueError(f"not a list: {cell[:40]!r}")
    body = cell[1:-1]
    return body.split("|") if body else []


def read_rows(path):
    rows = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        for line, r in enumerate(reader, start=2):
            try:
                dirs = [int(x) for x in split_list(r["int8* PPI_PKT_DIRECTIONS"])]
                sizes = [int(x) for x in split_list(r["uint16* PPI_PKT_LENGTHS"])]
                times = [to_ms(x) for x in split_list(r["time* PPI_PKT_TIMES"])]
                if not (len(dirs) == len(sizes) == len(times)):
                    raise ValueError("packet lists differ in length")
                if len(dirs) < 2:
                    continue  # too little behaviour to judge; the engine does not score such flows either
                rows.append(
                    dict(
                        line=line,
                        label=1 if r["string LABEL"] == "Miner" else 0,
                        group=f'{r["string LABEL"]}:{r["uint16 SRC_PORT"]}:{r["uint16 DST_PORT"]}',
                        x=features(dirs, sizes, times, int(r["uint32 PACKETS"]), int(r["uint32 PACKETS_REV"])),
                    )
                )
            except (ValueError, KeyError) as e:
                sys.exit(f"{path}:{line}: {e}")
    return rows


def out_of_fold(X, y, groups):
    oof = np.zeros(len(y))
    for tr, te in StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=SEED + 1).split(X, y, groups):
        m = GradientBoostingClassifier(random_state=SEED, **MODEL_PARAMS).fit(X[tr], y[tr])
        oof[te] = m.predict_proba(X[te])[:, 1]
    return oof


def pick_threshold(scores, y, target_fpr):
    # Lowest threshold (highest TPR) whose FPR on the training part's out-of-fold scores is within target;
    # the threshold sits halfway to the next negative score above so it is not glued to one sample.
    neg = np.sort(scores[y == 0])[::-1]
    allowed = int(math.floor(target_fpr * len(neg)))
    # Flag strictly above the (allowed+1)-th highest negative score.
    edge = neg[allowed] if allowed < len(neg) else 0.0
    above = scores[(scores > edge)]
    nxt = above.min() if len(above) else 1.0
    return float((edge + nxt) / 2)


def rates(scores, y, thr):
    flagged = scores >= thr
    tp = int(np.sum(flagged & (y == 1)))
    fn = int(np.sum(~flagged & (y == 1)))
    fp = int(np.sum(flagged & (y == 0)))
    tn = int(np.sum(~flagged & (y == 0)))
    return dict(tp=tp, fn=fn, fp=fp, tn=tn, tpr=tp / max(1, tp + fn), fpr=fp / max(1, fp + tn))


def export_text(model, threshold, path):
    # Raw score = bias + sum of leaf values (learning rate folded in); probability = logistic(raw).
    # sklearn compares float32 features against double thresholds; the C++ loader does the same.
    bias = float(model.init_.class_prior_[1])
    bias = math.log(bias / (1 - bias))
    lr = model.learning_rate
    lines = ["minewatch-flow-model 1", f"features {len(FEATURE_NAMES)}"]
    lines += [f"feature {i} {n}" for i, n in enumerate(FEATURE_NAMES)]
    lines += ["link logistic", f"bias {bias!r}", f"threshold {threshold!r}", f"trees {len(model.estimators_)}"]
    for est in model.estimators_[:, 0]:
        t = est.tree_
        lines.append(f"tree {t.node_count}")
        for i in range(t.node_count):
            if t.children_left[i] == -1:
                lines.append(f"leaf {float(t.value[i][0][0]) * lr!r}")
            else:
                lines.append(
                    f"split {int(t.feature[i])} {float(t.threshold[i])!r} {int(t.children_left[i])} "
                    f"{int(t.children_right[i])}"
                )
    lines.append("end")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def score_exported(path, X):
    # Independent re-implementation of the loader's arithmetic: proves the export equals the model.
    trees, bias = [], 0.0
    with open(path) as f:
        cur = None
        for ln in f:
            p = ln.split()
            if p[0] == "bias":
                bias = float(p[1])
            elif p[0] == "tree":
                cur = []
                trees.append(cur)
            elif p[0] == "leaf":
                cur.append((None, float(p[1])))
            elif p[0] == "split":
                cur.append((int(p[1]), float(p[2]), int(p[3]), int(p[4])))
    out = []
    for x in X.astype(np.float32).astype(np.float64):
        raw = bias
        for t in trees:
            i = 0
            while t[i][0] is not None:
                f, thr, left, right = t[i]
                i = left if x[f] <= thr else right
            raw += t[i][1]
        out.append(1.0 / (1.0 + math.exp(-raw)))
    return np.array(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", default="../shared/data/flows/cesnet-miner22-sample-dev.csv")
    ap.add_argument("--out", default="data/models")
    ap.add_argument("--target-fpr", type=float, default=0.004, help="FPR allowed on out-of-fold training scores")
    ap.add_argument("--extra", action="append", default=[], help="extra labelled flows for training only")
    ap.add_argument("--extra-benign", type=int, default=4000, help="at most this many benign rows per --extra file")
    a = ap.parse_args()

    rows = read_rows(a.csv)
    X = np.array([r["x"] for r in rows], dtype=np.float64)
    y = np.array([r["label"] for r in rows])
    groups = np.array([r["group"] for r in rows])

    train_idx, test_idx = next(
        StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=SEED).split(X, y, groups)
    )
    assert not set(groups[train_idx]) & set(groups[test_idx])

    Xtr, ytr, gtr = X[train_idx], y[train_idx], groups[train_idx]
    is_cesnet = np.ones(len(ytr), dtype=bool)
    extra_note = []
    rng = np.random.RandomState(SEED)
    for path in a.extra:
        ex = read_rows(path)
        # Every labelled miner, and at most --extra-benign ordinary flows (drawn with the fixed seed), so
        # generated traffic cannot outweigh the real sample.
        pos = [r for r in ex if r["label"] == 1]
        neg = [r for r in ex if r["label"] == 0]
        if len(neg) > a.extra_benign:
            neg = [neg[i] for i in sorted(rng.choice(len(neg), a.extra_benign, replace=False))]
        ex = pos + neg
        Xtr = np.vstack([Xtr, np.array([r["x"] for r in ex])])
        ytr = np.concatenate([ytr, np.array([r["label"] for r in ex])])
        gtr = np.concatenate([gtr, np.array([f"extra:{os.path.basename(path)}:{i}" for i in range(len(ex))])])
        is_cesnet = np.concatenate([is_cesnet, np.zeros(len(ex), dtype=bool)])
        extra_note.append(dict(file=os.path.basename(path), miners=len(pos), benign_used=len(neg)))

    oof = out_of_fold(Xtr, ytr, gtr)
    # The threshold answers to the real data: chosen on the CESNET rows' out-of-fold scores only.
    threshold = pick_threshold(oof[is_cesnet], ytr[is_cesnet], a.target_fpr)
    cv = rates(oof[is_cesnet], ytr[is_cesnet], threshold)
    cv_extra = rates(oof[~is_cesnet], ytr[~is_cesnet], threshold) if (~is_cesnet).any() else None

    model = GradientBoostingClassifier(random_state=SEED, **MODEL_PARAMS).fit(Xtr, ytr)
    os.makedirs(a.out, exist_ok=True)
    model_path = os.path.join(a.out, "flow_model.txt")
    export_text(model, threshold, model_path)

    sk = model.predict_proba(X)[:, 1]
    exported = score_exported(model_path, X)
    drift = float(np.max(np.abs(sk - exported)))
    if drift > 1e-9:
        sys.exit(f"exported model disagrees with sklearn by {drift}")

    held = rates(exported[test_idx], y[test_idx], threshold)
    with open(a.csv, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    ev = dict(
        data=os.path.basename(a.csv),
        data_sha256=digest,
        rows=len(rows),
        seed=SEED,
        model=dict(kind="GradientBoostingClassifier", **MODEL_PARAMS),
        features=FEATURE_NAMES,
        extra_training=extra_note,
        threshold=threshold,
        threshold_rule=f"lowest score with out-of-fold FPR <= {a.target_fpr} on the training part",
        cross_validation=dict(flows=int(is_cesnet.sum()), **cv),
        cross_validation_extra=dict(flows=int((~is_cesnet).sum()), **cv_extra) if cv_extra else None,
        held_out=dict(flows=len(test_idx), miners=int(y[test_idx].sum()), **held),
        importances={n: round(float(v), 4) for n, v in sorted(zip(FEATURE_NAMES, model.feature_importances_),
                                                               key=lambda p: -p[1])},
        command="/usr/bin/python3 tools/model/train_flow_model.py --csv ../shared/data/flows/cesnet-miner22-sample-dev.csv"
        + "".join(f" --extra {os.path.basename(e)}" for e in a.extra)
        + " --out data/models",
    )
    with open(os.path.join(a.out, "flow_model.eval.json"), "w") as f:
        json.dump(ev, f, indent=2)
        f.write("\n")
    held_set = set(test_idx.tolist())
    with open(os.path.join(a.out, "flow_model.scores.csv"), "w") as f:
        f.write("# csv_line,label,held_out,score  (csv_line: 1-based line in the CESNET CSV)\n")
        for i, r in enumerate(rows):
            f.write(f"{r['line']},{r['label']},{1 if i in held_set else 0},{exported[i]!r}\n")

    print(f"threshold {threshold:.6f}  (cross-validation on {int(is_cesnet.sum())} CESNET training flows: "
          f"TPR {cv['tpr']:.4f} FPR {cv['fpr']:.4f})")
    if cv_extra:
        print(f"  generated training flows, out of fold: TPR {cv_extra['tpr']:.4f} FPR {cv_extra['fpr']:.4f} "
              f"({cv_extra['tp'] + cv_extra['fn']} miners, {cv_extra['fp'] + cv_extra['tn']} benign)")
    print(f"held-out fifth: {len(test_idx)} flows, {int(y[test_idx].sum())} miners")
    print("                  predicted miner   predicted other")
    print(f"  actual miner    {held['tp']:>15}   {held['fn']:>15}")
    print(f"  actual other    {held['fp']:>15}   {held['tn']:>15}")
    print(f"  TPR {held['tpr']:.4f}  FPR {held['fpr']:.4f}")


if __name__ == "__main__":
    main()
