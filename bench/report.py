#!/usr/bin/env python3
"""Turns the raw runs of bench/run.sh into one table, bench/results/DATE.md and DATE.json.

Standard library only.  Input: a work directory with run1/, run2/, ... each
holding, per process, NAME.stdout / .stderr / .rc / .wall / .time (GNU time -v),
where NAME is floor-Wn, gradlab-Wn or <peer>-Wn.  Medians over the runs.

Exit status: 0 when the harness worked (every gradlab and floor run exited 0
and yielded the numbers its workload needs; every peer likewise), 1 otherwise,
and with --strict also 1 when a target is missed.  --quick never judges times.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys

PEER_ORDER = ["keras-tf", "keras-jax", "pytorch"]
FIT_WORKLOADS = ["W1", "W2", "W5", "W6"]
MC_WORKLOADS = ["W3", "W3b"]
ALL_WORKLOADS = ["W1", "W2", "W3", "W3b", "W4", "W5", "W6"]
LAYERS = [784, 300, 100, 10]
# the products of each workload (multiply-add count): mode, layer widths
SHAPES = {"W1": ("train", LAYERS), "W2": ("train", LAYERS), "W3": ("mc", LAYERS), "W3b": ("mc", LAYERS),
          "W5": ("train", LAYERS), "W6": ("train", [784] + [100] * 20 + [10])}


def workload_flops(w, floor_rec=None):
    """FLOPs (2 × multiply-adds) of the measured part of workload w: per trained sample the
    forward product, the weight-gradient product and the input-gradient product of every Dense
    but the first (nothing before it needs it: W2's input BN takes its gradients from x̂ᵀ·dZ_0);
    per MC pass and test image the forward products only. Sizes from the floor's record (QUICK
    shrinks them), else the full run's 55,000 samples / 100 × 10,000."""
    if w not in SHAPES:
        return None
    mode, layers = SHAPES[w]
    macs = [layers[l] * layers[l + 1] for l in range(len(layers) - 1)]
    rec = floor_rec or {}
    if mode == "mc":
        rows = rec.get("mc_passes", 100) * rec.get("mc_samples", 10000)
        return 2.0 * rows * sum(macs)
    samples = rec.get("samples", 55000)
    return 2.0 * samples * (2 * sum(macs) + sum(macs[1:]))

# ---------------------------------------------------------------- parsing

NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
TIMING_RE = re.compile(r"^\s*timing\s+(\S+)(.*)$")
KV_RE = re.compile(r"([A-Za-z_][\w.-]*)=(\S+)")
ACC_RE = re.compile(r"(?<![\w])accuracy\s*[:=]\s*" + NUM, re.I)
MC_ACC_RE = re.compile(r"\bmc\b[^\n]*?(?<![\w])accuracy\s*[:=]\s*" + NUM, re.I)
RSS_RE = re.compile(r"Maximum resident set size \(kbytes\):\s*(\d+)")


def read(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def to_float(s):
    try:
        return float(s.rstrip("s,;"))
    except (AttributeError, TypeError, ValueError):
        return None


def parse_timings(stderr):
    """`timing KIND key=value ... seconds=X` lines -> [(kind, {k: v}, seconds)]."""
    out = []
    for line in stderr.splitlines():
        m = TIMING_RE.match(line)
        if not m:
            continue
        kv = dict(KV_RE.findall(m.group(2)))
        secs = to_float(kv.get("seconds", kv.get("s")))
        if secs is None:
            continue
        out.append((m.group(1).lower(), kv, secs))
    return out


def parse_accuracies(stdout):
    """(plain evaluate accuracies in order, mc accuracies in order).

    Defensive: skips per-epoch progress lines of `fit` (they mention epoch or
    val_) so that only `evaluate`'s lines count."""
    plain, mc = [], []
    for line in stdout.splitlines():
        low = line.lower()
        m = MC_ACC_RE.search(line)
        if m:
            mc.append(float(m.group(1)))
            continue
        if "epoch" in low or "val_" in low or "step" in low:
            continue
        m = ACC_RE.search(line)
        if m:
            v = float(m.group(1))
            plain.append(v / 100 if v > 1 else v)
    return plain, mc


def peak_rss_mib(time_report):
    m = RSS_RE.search(time_report)
    return int(m.group(1)) / 1024 if m else None


def load_run(base):
    """One process' artifacts."""
    rc = read(base + ".rc").strip()
    return {
        "rc": int(rc) if rc.lstrip("-").isdigit() else None,
        "wall": to_float(read(base + ".wall").strip()),
        "stdout": read(base + ".stdout"),
        "stderr": read(base + ".stderr"),
        "rss_mib": peak_rss_mib(read(base + ".time")),
    }


def parse_gradlab(run, workload):
    t = parse_timings(run["stderr"])
    # per-epoch lines (`timing fit epoch=N seconds=`); a `timing fit seconds=` line without
    # epoch= is the whole command (validation included) and only used when no epoch line exists
    fits = [s for k, kv, s in t if k == "fit" and "epoch" in kv] or [s for k, kv, s in t if k == "fit"]
    mcs = [s for k, kv, s in t if k in ("evaluate_mc", "evaluate-mc", "mc")
           or (k == "evaluate" and (kv.get("mc") or "mc" in kv))]
    plain_evals = [s for k, kv, s in t if k == "evaluate" and not (kv.get("mc") or "mc" in kv)]
    first = lambda kind: next((s for k, _, s in t if k == kind), None)
    plain, mc = parse_accuracies(run["stdout"])
    kernel = next((m.group(1) for m in re.finditer(r"^\s*timing\s+kernel=(\S+)", run["stderr"], re.M)), None)
    rec = {"rc": run["rc"], "kernel": kernel, "wall_seconds": run["wall"], "peak_rss_mib": run["rss_mib"],
           "fit_seconds": fits, "evaluate_seconds": plain_evals,
           "data_seconds": first("data"), "startup_seconds": first("startup"),
           "test_accuracies": plain, "mc_accuracies": mc}
    # every command's wall time (`timing command NAME seconds=`); the slowest of those that do not train
    training = {"fit", "evaluate", "data", "compare", "try", "search", "lr_find", "pretrain", "replay", "tutorial", "quit"}
    inter = [(kv["name"], s) for k, kv, s in t if k == "command" and kv.get("name") and kv["name"] not in training]
    if inter:
        name, secs = max(inter, key=lambda x: x[1])
        rec["interactive_seconds"], rec["interactive_slowest"], rec["interactive_count"] = secs, name, len(inter)
    if fits:
        rec["epoch_seconds"] = fits[-1]  # the last epoch: steady state
    if mcs:
        rec["mc_seconds"] = mcs[-1]
    if workload in MC_WORKLOADS:
        rec["test_accuracy"] = mc[-1] if mc else None
    else:
        rec["test_accuracy"] = plain[0] if plain else None  # after the 1st epoch
    return rec


def parse_json_lines(text):
    recs = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                recs.append(json.loads(line))
            except ValueError:
                pass
    return recs


# ---------------------------------------------------------------- collecting

def collect(work, peers, workloads):
    """{(source, workload): [per-run record]} where source is gradlab, floor or a peer."""
    runs = sorted(glob.glob(os.path.join(work, "run*")), key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)) or 0))
    data, problems = {}, []
    add = lambda src, w, rec: data.setdefault((src, w), []).append(rec)
    for rdir in runs:
        rname = os.path.basename(rdir)
        prec = parse_json_lines(read(os.path.join(rdir, "peak.stdout")))
        if prec:
            add("peak", "machine", prec[0])
        for path in sorted(glob.glob(os.path.join(rdir, "floorc-*.stdout"))):
            m = re.match(r"floorc-(W\w+?)-(.+)-t(1|n)$", os.path.basename(path)[:-7])
            if not m:
                continue
            run = load_run(path[:-7])
            recs = parse_json_lines(run["stdout"])
            if run["rc"] == 0 and recs and "seconds" in recs[0]:
                rec = dict(recs[0], candidate=m.group(2), threads_setting=m.group(3), run=rname)
                data.setdefault(("floorc", m.group(1)), []).append(rec)
        # W2's products with its BatchNormalization passes (cgemm_floor --batchnorm): reported beside
        # the floor, never chosen as it
        base = os.path.join(rdir, "floorbn-W2")
        if os.path.exists(base + ".rc"):
            run = load_run(base)
            recs = parse_json_lines(run["stdout"])
            if run["rc"] == 0 and recs and "seconds" in recs[0]:
                add("floorbn", "W2", dict(recs[0], run=rname))
            else:
                problems.append(f"{rname}: W2's floor with BatchNormalization failed (rc={run['rc']}): {run['stderr'].strip()[-300:]}")
        for w in ALL_WORKLOADS:  # W4 also needs W1's session
            base = os.path.join(rdir, f"floor-{w}")
            if os.path.exists(base + ".rc"):
                run = load_run(base)
                recs = parse_json_lines(run["stdout"])
                if run["rc"] != 0 or not recs or "seconds" not in recs[0]:
                    problems.append(f"{rname}: floor {w} failed (rc={run['rc']}): {run['stderr'].strip()[-300:]}")
                else:
                    add("floor", w, recs[0])
            base = os.path.join(rdir, f"gradlab-{w}")
            if os.path.exists(base + ".rc"):
                run = load_run(base)
                rec = parse_gradlab(run, w)
                if run["rc"] != 0:
                    problems.append(f"{rname}: gradlab {w} exited {run['rc']}: {run['stderr'].strip()[-300:]}")
                add("gradlab", w, rec)
        for fw in peers:
            for w in ["W4", "W2", "W3", "W3b", "W5", "W6"]:
                base = os.path.join(rdir, f"{fw}-{w}")
                if not os.path.exists(base + ".rc"):
                    continue
                run = load_run(base)
                recs = parse_json_lines(run["stdout"])
                if run["rc"] != 0 or not recs:
                    problems.append(f"{rname}: {fw} {w} failed (rc={run['rc']}): {run['stderr'].strip()[-300:]}")
                    continue
                for rec in recs:
                    if rec.get("workload") in ("W1", "W4") and run["rss_mib"] is not None:
                        rec["peak_rss_mib_in_process"] = rec.get("peak_rss_mib")
                        rec["peak_rss_mib"] = run["rss_mib"]  # GNU time, as for gradlab
                    add(fw, rec.get("workload"), rec)
    busy = []
    for rdir in runs:
        for line in read(os.path.join(rdir, "busy.txt")).splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                busy.append({"run": os.path.basename(rdir), "segment": parts[0], "busy_pct": int(parts[1]),
                             "waited_s": int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0})
    data[("machine", "busy")] = busy
    return data, problems, len(runs)


def median(values):
    vals = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(vals) if vals else None


def med(data, src, w, key):
    return median([r.get(key) for r in data.get((src, w), [])])


# ---------------------------------------------------------------- evaluation

def fmt(v, unit="", digits=None):
    if v is None:
        return "—"
    if digits is None:
        digits = 3 if abs(v) < 10 else 1
    return f"{v:.{digits}f}{unit}"


def ratio(a, b):
    return a / b if a is not None and b else None


def previous_reference(results_dir, today_name):
    """The newest full result with peers, to estimate peer ratios via the floor."""
    best = None
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        name = os.path.basename(path)
        if not re.match(r"^\d{4}-\d{2}-\d{2}(-peers-only)?\.json$", name):
            continue
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError):
            continue
        if doc.get("peers") and not doc.get("quick") and not doc.get("busy_segments"):
            best = (name, doc)  # a run on a busy machine is no reference
    return best


def accuracy_means(doc):
    """W1's multi-seed means from bench/accuracy.sh's JSON, or None when it lacks gradlab or
    every Keras backend: {"gradlab": mean, "keras": best Keras mean, "keras_backend": which,
    "n_gradlab": seeds, "n_keras": seeds}."""
    if not doc:
        return None
    # accuracy.sh has chosen the best Keras backend already (its "target"): one place for that choice
    t, n = doc.get("target") or {}, doc.get("n") or {}
    g, k, best = t.get("gradlab_mean"), t.get("best_keras_mean"), t.get("best_keras")
    if not isinstance(g, (int, float)) or not isinstance(k, (int, float)) or not best:
        return None
    return {"gradlab": g, "keras": k, "keras_backend": best, "n_gradlab": n.get("gradlab"), "n_keras": n.get(best)}


def evaluate(data, peers, workloads, quick, reference, accuracy=None):
    rows = []
    seeds_acc = accuracy_means(accuracy)
    peer_val = lambda w, key: {fw: med(data, fw, w, key) for fw in peers}

    def fastest(vals):
        present = {k: v for k, v in vals.items() if v is not None}
        if not present:
            return None, None
        k = min(present, key=present.get)
        return k, present[k]

    def est_peer_ratio(w, g, floor, key):
        """gradlab/fastest peer estimated from an earlier run through the floor."""
        if reference is None or g is None or not floor:
            return None
        rows_then = {r["workload"] + ":" + r["metric"]: r for r in reference[1].get("rows", [])}
        r = rows_then.get(w + ":" + key)
        if not r or not r.get("floor") or not r.get("fastest_peer_seconds"):
            return None
        return (g / floor) * (r["floor"] / r["fastest_peer_seconds"])

    keras_acc = lambda w: max([a for a in (med(data, "keras-tf", w, "test_accuracy"),
                                           med(data, "keras-jax", w, "test_accuracy")) if a is not None],
                              default=None)

    peak_recs = data.get(("peak", "machine"), [])
    peak_isa = "avx512" if any(r.get("avx512") for r in peak_recs) else "avx2"
    # the machine's peak = the per-core FMA rate × cores (the all-core measurement is reported
    # too; on a shared machine it drops whenever another process holds a core)
    peak_all = median([(r.get(peak_isa) or {}).get("per_core_gflops", 0) * r.get("cores", 1) or None
                       for r in peak_recs])

    # The targets of issue 22 ("Fast on every CPU"); W2's floor is its products alone, as the
    # issue counts it (floorbn-W2, with its BatchNormalization passes, is printed beside it).
    for w, metric, gkey, pkey, limit_peer, limit_floor in [
        ("W1", "epoch", "epoch_seconds", "epoch_seconds", 0.5, 1.2),
        ("W2", "epoch", "epoch_seconds", "epoch_seconds", 0.5, 1.2),
        ("W3", "mc", "mc_seconds", "mc_seconds", 0.3, None),
        ("W3b", "mc", "mc_seconds", "mc_seconds", 0.35, None),
        ("W5", "epoch", "epoch_seconds", "epoch_seconds", None, 1.1),
        ("W6", "epoch", "epoch_seconds", "epoch_seconds", 0.4, None),
    ]:
        if w not in workloads:
            continue
        g = med(data, "gradlab", w, gkey)
        pv = peer_val(w, pkey)
        fk, fv = fastest(pv)
        floor = med(data, "floor", w, "seconds")
        rp, rf = ratio(g, fv), ratio(g, floor)
        est = None if rp is not None else est_peer_ratio(w, g, floor, metric)
        acc = med(data, "gradlab", w, "test_accuracy")
        checks, target = [], []
        if limit_peer is not None:
            target.append(f"≤{limit_peer}× fastest peer")
            checks.append(None if rp is None else rp <= limit_peer)
        if limit_floor is not None:
            target.append(f"≤{limit_floor}× floor")
            checks.append(None if rf is None else rf <= limit_floor)
        ka = keras_acc(w)
        acc_seeds = None
        if w == "W1" and seeds_acc is not None:
            # one seed's 1-epoch accuracy moves by ±0.01: compare the means over seeds
            acc_seeds = {"accuracy_single_seed": acc, "keras_accuracy_single_seed": ka, "accuracy_means": seeds_acc}
            acc, ka = seeds_acc["gradlab"], seeds_acc["keras"]
        if w == "W1":
            target.append("acc ≥ Keras−0.01")
            checks.append(None if acc is None or ka is None else acc >= ka - 0.01)
        floor_recs = data.get(("floor", w), [])
        flops = workload_flops(w, floor_recs[0] if floor_recs else None)
        gf = lambda t: flops / t * 1e-9 if flops and t else None
        pct = lambda t: 100 * gf(t) / peak_all if gf(t) and peak_all else None
        if w == "W1":
            target.append("≥40 % of peak")
            checks.append(None if pct(g) is None else pct(g) >= 40)
        cands = floor_candidates(data, w)
        fastest_cand = min(cands, key=lambda c: cands[c]["seconds"]) if cands else None
        rows.append({"workload": w, "metric": metric, "unit": " s", "gradlab": g, "peers": pv,
                     "fastest_peer": fk, "fastest_peer_seconds": fv, "ratio_peer": rp,
                     "ratio_peer_estimate": est, "floor": floor, "ratio_floor": rf,
                     "accuracy": acc, "keras_accuracy": ka,
                     "peak_rss_mib": med(data, "gradlab", w, "peak_rss_mib"),
                     "gflop": flops * 1e-9 if flops else None, "peak_gflops": peak_all, "peak_isa": peak_isa,
                     "gradlab_gflops": gf(g), "gradlab_pct_peak": pct(g),
                     "peers_gflops": {fw: gf(v) for fw, v in pv.items()},
                     "peers_pct_peak": {fw: pct(v) for fw, v in pv.items()},
                     "floor_gflops": gf(floor), "floor_pct_peak": pct(floor),
                     "floor_candidates": cands, "floor_fastest_candidate": fastest_cand,
                     "target": ", ".join(target), "checks": checks})
        if acc_seeds:
            rows[-1].update(acc_seeds)

    if "W2" in workloads:
        g = med(data, "gradlab", "W2", "interactive_seconds")
        runs = data.get(("gradlab", "W2"), [])
        slowest = next((r.get("interactive_slowest") for r in runs if r.get("interactive_slowest")), None)
        count = next((r.get("interactive_count") for r in runs if r.get("interactive_count")), None)
        rows.append({"workload": "interactive", "metric": f"slowest of {count} commands ({slowest})" if slowest else "slowest command",
                     "unit": " s", "gradlab": g, "peers": {}, "fastest_peer": None, "fastest_peer_seconds": None,
                     "ratio_peer": None, "target": "≤0.05 s", "checks": [None if g is None else g <= 0.05]})

    if "W4" in workloads:
        # start-up: `echo quit | gradlab` from outside vs the peers' import-to-ready
        g = med(data, "gradlab", "W4", "wall_seconds")
        pv = peer_val("W4", "startup_seconds")
        fk, fv = fastest(pv)
        rows.append({"workload": "W4", "metric": "startup", "unit": " s", "gradlab": g, "peers": pv,
                     "fastest_peer": fk, "fastest_peer_seconds": fv, "ratio_peer": ratio(g, fv),
                     "gradlab_reported_startup": med(data, "gradlab", "W4", "startup_seconds"),
                     "target": "≤0.03 s", "checks": [None if g is None else g <= 0.03]})
        g = med(data, "gradlab", "W1", "data_seconds")
        pv = peer_val("W1", "data_seconds")
        fk, fv = fastest(pv)
        rows.append({"workload": "W4", "metric": "data", "unit": " s", "gradlab": g, "peers": pv,
                     "fastest_peer": fk, "fastest_peer_seconds": fv, "ratio_peer": ratio(g, fv),
                     "target": "≤0.3 s", "checks": [None if g is None else g <= 0.3]})
        g = med(data, "gradlab", "W1", "peak_rss_mib")
        pv = peer_val("W4", "peak_rss_mib")
        lk, lv = fastest(pv)
        rp = ratio(g, lv)
        rows.append({"workload": "W4", "metric": "peak RSS", "unit": " MiB", "gradlab": g, "peers": pv,
                     "fastest_peer": lk, "fastest_peer_seconds": lv, "ratio_peer": rp,
                     "target": "≤0.2× leanest peer", "checks": [None if rp is None else rp <= 0.2]})

    for r in rows:
        if quick:
            r["met"] = "n/a (quick)"
        elif any(c is False for c in r["checks"]):
            r["met"] = "no"
        elif r["checks"] and all(c is True for c in r["checks"]):
            r["met"] = "yes"
        elif any(c is True for c in r["checks"]):
            r["met"] = "partly n/a"
        else:
            r["met"] = "n/a"
    return rows


def floor_candidates(data, w):
    """{candidate: {"seconds": median over rounds of the faster thread setting, "threads": …, "core": …}}."""
    per = {}
    for rec in data.get(("floorc", w), []):
        key = (rec["candidate"], rec["run"])
        if key not in per or rec["seconds"] < per[key]["seconds"]:
            per[key] = rec
    out = {}
    for cand in sorted({c for c, _ in per}):
        recs = [r for (c, _), r in per.items() if c == cand]
        out[cand] = {"seconds": median([r["seconds"] for r in recs]),
                     "threads": sorted({str(r.get("blas_threads")) for r in recs}),
                     "core": sorted({str(r.get("blas_core")) for r in recs}),
                     "runs": [r["seconds"] for r in recs]}
    return out


def harness_problems(data, peers, workloads, nruns, gradlab=True):
    """What a working harness must have produced (failed exits are reported by collect)."""
    out = []
    need = {"W1": "epoch_seconds", "W2": "epoch_seconds", "W3": "mc_seconds", "W3b": "mc_seconds",
            "W5": "epoch_seconds", "W6": "epoch_seconds"}
    for w in workloads:
        if gradlab:
            grecs = data.get(("gradlab", w), [])
            if len(grecs) < nruns:
                out.append(f"gradlab {w}: {len(grecs)} of {nruns} runs recorded")
            for i, r in enumerate(grecs):
                if r.get("rc") != 0:
                    continue
                if w in need and r.get(need[w]) is None:
                    line = "timing evaluate_mc" if w in MC_WORKLOADS else "timing fit"
                    out.append(f"gradlab {w} run {i + 1}: no `{line} ... seconds=` line on stderr")
                if w in need and r.get("test_accuracy") is None:
                    out.append(f"gradlab {w} run {i + 1}: no {'mc ' if w in MC_WORKLOADS else ''}accuracy line on stdout")
                if w == "W4" and r.get("wall_seconds") is None:
                    out.append(f"gradlab W4 run {i + 1}: no wall time")
            if w == "W4" and len(data.get(("gradlab", "W1"), [])) < nruns:
                out.append(f"gradlab W4: the W1 session (peak RSS, data time) ran "
                           f"{len(data.get(('gradlab', 'W1'), []))} of {nruns} times")
        if w in need and len(data.get(("floor", w), [])) < nruns:
            out.append(f"floor {w}: {len(data.get(('floor', w), []))} of {nruns} runs gave a number")
        for fw in peers:
            wp = "W4" if w == "W1" else w
            if len(data.get((fw, wp), [])) < nruns:
                out.append(f"{fw} {w}: {len(data.get((fw, wp), []))} of {nruns} runs gave a record")
    return out


# ---------------------------------------------------------------- output

def table(rows, peers):
    head = ["workload", "gradlab"] + peers + ["× fastest peer", "floor (fastest candidate)", "× floor",
                                              "GFLOP/s gradlab / floor (% of peak)",
                                              "accuracy (gradlab / Keras)", "gradlab peak RSS", "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        u = r["unit"]
        digits = 0 if u.strip() == "MiB" else None
        rp = r.get("ratio_peer")
        if rp is not None:
            rps = f"{rp:.2f}× ({r['fastest_peer']})"
        elif r.get("ratio_peer_estimate") is not None:
            rps = f"~{r['ratio_peer_estimate']:.2f}× (est.)"
        else:
            rps = "—"
        acc = ""
        if r.get("accuracy") is not None or r.get("keras_accuracy") is not None:
            acc = f"{fmt(r.get('accuracy'), digits=4)} / {fmt(r.get('keras_accuracy'), digits=4)}"
            m = r.get("accuracy_means")
            if m:
                ng, nk = m.get("n_gradlab"), m.get("n_keras")
                acc += f" (mean of {ng} seeds)" if ng == nk else f" (means of {ng} / {nk} seeds)"
        cells = [f"{r['workload']} {r['metric']}", fmt(r["gradlab"], u, digits)]
        cells += [fmt(r["peers"].get(fw), u, digits) for fw in peers]
        fl = fmt(r.get("floor"), u)
        if r.get("floor_fastest_candidate"):
            fl += f" ({r['floor_fastest_candidate']})"
        gfl = "—"
        if r.get("gradlab_gflops") is not None or r.get("floor_gflops") is not None:
            gfl = (f"{fmt(r.get('gradlab_gflops'), digits=0)} ({fmt(r.get('gradlab_pct_peak'), ' %', 0)}) / "
                   f"{fmt(r.get('floor_gflops'), digits=0)} ({fmt(r.get('floor_pct_peak'), ' %', 0)})")
        cells += [rps, fl, fmt(r.get("ratio_floor"), "×", 2) if r.get("ratio_floor") else "—", gfl,
                  acc or "—", fmt(r.get("peak_rss_mib"), " MiB", 0), r["target"], r["met"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def floor_table(rows):
    """Every floor candidate's time per workload (median over rounds of its faster thread setting)."""
    cands = []
    for r in rows:
        for c in (r.get("floor_candidates") or {}):
            if c not in cands:
                cands.append(c)
    if not cands:
        return ""
    head = ["workload"] + cands + ["fastest"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        fc = r.get("floor_candidates")
        if not fc:
            continue
        cells = [r["workload"]]
        for c in cands:
            v = fc.get(c)
            cells.append("—" if not v else f"{fmt(v['seconds'])} s (t{'/'.join(v['threads'])}, {'/'.join(v['core'])})")
        cells.append(r.get("floor_fastest_candidate") or "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def gflops_table(rows, peers):
    head = ["workload", "GFLOP counted", "gradlab"] + peers + ["floor"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        if r.get("gflop") is None:
            continue
        cell = lambda g, p: "—" if g is None else f"{g:.0f} ({fmt(p, ' %', 0)})"
        cells = [r["workload"], f"{r['gflop']:.1f}", cell(r.get("gradlab_gflops"), r.get("gradlab_pct_peak"))]
        cells += [cell(r["peers_gflops"].get(fw), r["peers_pct_peak"].get(fw)) for fw in peers]
        cells.append(cell(r.get("floor_gflops"), r.get("floor_pct_peak")))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def peer_detail_table(data, peers, workloads):
    head = ["framework", "workload", "epoch / MC s: median (runs)", "test acc (1st epoch; W3: MC)",
            "peak RSS MiB", "startup s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for src in ["gradlab"] + peers:
        for w in [w for w in workloads if w != "W4"]:
            recs = data.get((src, w), [])
            if not recs:
                continue
            times = [r.get("mc_seconds" if w in MC_WORKLOADS else "epoch_seconds") for r in recs]
            lines.append("| " + " | ".join([
                src, w, f"{fmt(median(times))} ({', '.join(fmt(t) for t in times)})",
                fmt(median([r.get("test_accuracy") for r in recs]), digits=4),
                fmt(median([r.get("peak_rss_mib") for r in recs]), digits=0),
                fmt(median([r.get("startup_seconds") for r in recs]), digits=2),
            ]) + " |")
    return "\n".join(lines)


def machine_info(data):
    info = {"cpus": os.cpu_count(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), None)
    except OSError:
        pass
    for (src, w), recs in data.items():
        if src == "floor" and recs:
            info["blas_threads"] = recs[0].get("blas_threads")
            info["blas_core"] = recs[0].get("blas_core")
            break
    for fw in PEER_ORDER:
        for (src, w), recs in data.items():
            if src == fw and recs and recs[0].get("versions"):
                info.setdefault("peer_versions", {})[fw] = recs[0]["versions"]
                break
    git = git_description()
    if git:
        info["git"] = git
    return info


def git_description():
    """`abc1234` or `abc1234 (dirty)` for the checkout the bench ran from; None without git."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5).stdout.strip() or "no commit"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return rev + (" (dirty)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--results-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    ap.add_argument("--peers", default="")
    ap.add_argument("--workloads", default="W1,W2,W3,W3b,W4,W5,W6")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--no-gradlab", action="store_true", help="peers and floor only")
    ap.add_argument("--note", action="append", default=[], help="a line for the report")
    ap.add_argument("--accuracy", help="bench/accuracy.sh's JSON: W1's accuracy check compares its "
                    "multi-seed means (gradlab, best Keras backend) instead of this run's one seed")
    a = ap.parse_args()

    peers = [p for p in a.peers.split(",") if p]
    peers = [p for p in PEER_ORDER if p in peers] + [p for p in peers if p not in PEER_ORDER]
    workloads = [w for w in ALL_WORKLOADS if w in a.workloads.split(",")]

    data, problems, nruns = collect(a.work, peers, workloads)
    problems += harness_problems(data, peers, workloads, nruns, gradlab=not a.no_gradlab)
    accuracy = None
    if a.accuracy:
        try:
            with open(a.accuracy) as f:
                accuracy = json.load(f)
        except (OSError, ValueError) as e:
            problems.append(f"--accuracy {a.accuracy}: {e}")
        if accuracy is not None and not isinstance(accuracy, dict):
            problems.append(f"--accuracy {a.accuracy}: not bench/accuracy.sh's JSON object")
            accuracy = None
        if accuracy is not None and bool(accuracy.get("quick")) != a.quick:
            problems.append(f"--accuracy {a.accuracy}: {'a' if accuracy.get('quick') else 'not a'} QUICK run, "
                            f"this {'is' if a.quick else 'is not'}: not used")
            accuracy = None
        for fl in (accuracy or {}).get("failed") or []:
            problems.append(f"accuracy (bench/accuracy.sh) {fl.get('framework')} seed {fl.get('seed')}: {fl.get('why')}")
    today = datetime.date.today().isoformat()
    suffix = "-quick" if a.quick else ("-peers-only" if a.no_gradlab else ("" if peers else "-nopeers"))
    reference = None if (peers or a.quick) else previous_reference(a.results_dir, today)
    rows = evaluate(data, peers, workloads, a.quick, reference, accuracy)
    info = machine_info(data)
    acc_note = ""
    w1_means = next((r["accuracy_means"] for r in rows if r.get("accuracy_means")), None)
    if w1_means:
        acc_note = (f" W1: means over seeds 1–{len(accuracy.get('seeds') or [])} "
                    f"(bench/accuracy.sh, {os.path.splitext(os.path.basename(a.accuracy))[0]}.md; "
                    f"Keras = {w1_means['keras_backend']}); this run's own seed-42 values are under Per framework.")

    title = f"gradlab bench {today}{' (QUICK smoke test)' if a.quick else ''}"
    md = [f"# {title}", "",
          f"{nruns} run(s), medians; peers: {', '.join(peers) or 'none'}; machine: {info.get('cpus')} CPUs, "
          f"{info.get('cpu') or '?'}; first floor run's fastest sgemm {info.get('blas_core') or '?'} threads {info.get('blas_threads', '?')}; gradlab {info.get('git', '?')}.",
          "", table(rows, peers), ""]
    md += [f"Note: {n}" for n in a.note] + ([""] if a.note else [])
    busy = data.get(("machine", "busy"), [])
    noisy = [b for b in busy if b["busy_pct"] >= 15]
    if noisy:
        md += [f"**Warning: the machine was busy** — other processes used ≥15 % of the CPUs just before "
               f"{len(noisy)} of {len(busy)} segments ("
               + ", ".join(f"{b['run']} {b['segment']} {b['busy_pct']}%" for b in noisy[:8])
               + (", …" if len(noisy) > 8 else "") + "): these timings are perturbed.", ""]
    if reference is not None and any(r.get("ratio_peer_estimate") for r in rows):
        md += [f"est.: no peers in this run; ratio estimated as (gradlab/floor now) × (floor/fastest peer) "
               f"from results/{reference[0]}.", ""]
    prow = next((r for r in rows if r.get("peak_gflops")), None)
    peak_recs = data.get(("peak", "machine"), [])
    if peak_recs:
        p512 = median([(r.get("avx512") or {}).get("per_core_gflops") for r in peak_recs])
        a512 = median([(r.get("avx512") or {}).get("all_cores_gflops") for r in peak_recs])
        p256 = median([(r.get("avx2") or {}).get("per_core_gflops") for r in peak_recs])
        a256 = median([(r.get("avx2") or {}).get("all_cores_gflops") for r in peak_recs])
        md += [f"Peak fp32 FMA rate (bench/floor-tools/peak.c, median of {len(peak_recs)} rounds): AVX-512 "
               f"{fmt(p512, digits=1)} GFLOP/s per core, {fmt(a512, digits=1)} on {peak_recs[0].get('cores')} cores; "
               f"AVX2 {fmt(p256, digits=1)} per core, {fmt(a256, digits=1)} on all cores. "
               f"% of peak = achieved GFLOP/s ÷ {fmt(prow['peak_gflops'] if prow else None, digits=1)} "
               f"({prow['peak_isa'] if prow else '?'} per-core rate × {peak_recs[0].get('cores')} cores). Achieved GFLOP/s = 2 × the multiply-adds of "
               "forward, weight-gradient and input-gradient products (not the first Dense's input gradient) "
               "per trained sample; MC: forward products per pass and image; ÷ the measured time.", ""]
    ft = floor_table(rows)
    if ft:
        md += ["## Floor candidates", "",
               "Each candidate's time (median over rounds of its faster thread setting: t1 = one thread, "
               "tn/t2 = all cores) for the products of the workload; the floor is the fastest candidate of each round.", "",
               ft, ""]
    bn = median([r.get("seconds") for r in data.get(("floorbn", "W2"), [])])
    g2 = next((r.get("gradlab") for r in rows if r.get("workload") == "W2" and r.get("metric") == "epoch"), None)
    if bn:
        md += [f"W2 against its products and its BatchNormalization passes (bench/floor-tools/cgemm_floor.c "
               f"--batchnorm: the normalizations' forward and backward passes and the first kernel's fold, "
               f"with gradlab's own C kernels and two-thread splits; activations, loss, biases and data left out): "
               f"{fmt(bn, ' s')} (median of {len(data.get(('floorbn', 'W2'), []))}), gradlab "
               f"{fmt(g2, ' s')}: {fmt(g2 / bn if g2 else None, '×', 2)}. The W2 floor above counts the products only.", ""]
    md += ["## GFLOP/s and % of peak", "", gflops_table(rows, peers), ""]
    md += ["Epoch = the last (2nd) epoch's training steps; W3/W3b = 100 MC Dropout passes over the "
           "10,000 test images; W4 startup = `echo quit | gradlab` wall time vs the peers' import-to-ready; "
           "W4 peak RSS = the W1 session (GNU time) vs the peers' W1 processes. "
           "Accuracy = test accuracy after the 1st epoch (W3: MC accuracy); Keras = the better backend."
           + acc_note, "",
           "## Per framework", "", peer_detail_table(data, peers, workloads), ""]
    if info.get("peer_versions"):
        md += ["Peer versions: " + "; ".join(f"{k}: {v}" for k, v in info["peer_versions"].items()), ""]
    if problems:
        md += ["## Harness problems", ""] + [f"- {p}" for p in problems] + [""]
    text = "\n".join(md)
    print(text)

    os.makedirs(a.out, exist_ok=True)
    md_path = os.path.join(a.out, f"{today}{suffix}.md")
    json_path = os.path.join(a.out, f"{today}{suffix}.json")
    with open(md_path, "w") as f:
        f.write(text)
    raw = {f"{src}:{w}": recs for (src, w), recs in sorted(data.items())}
    with open(json_path, "w") as f:
        json.dump({"date": today, "quick": a.quick, "runs": nruns, "peers": peers, "workloads": workloads,
                   "machine": info, "busy_segments": len(noisy), "segments": len(busy),
                   "rows": rows, "problems": problems, "accuracy": accuracy, "raw": raw}, f, indent=1, default=str)
    print(f"wrote {md_path} and {json_path}", file=sys.stderr)

    if problems:
        print(f"harness problems: {len(problems)} (see above)", file=sys.stderr)
        return 1
    if a.strict and not a.quick and any(r["met"] == "no" for r in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
