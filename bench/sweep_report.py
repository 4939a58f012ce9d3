#!/usr/bin/env python3
"""Turns the raw runs of bench/sweep.sh into results/sweep-DATE.md, .json and .svg.

Standard library only.  Input: a work directory with, per round r and sweep S
(width, depth, batch, overhead), rR-S-gradlab.jsonl and rR-S-pytorch.jsonl (one
JSON object per configuration, from gradlab-sweep --json and
peers/torch_sweep.py), their .rc and .stderr, and busy.txt (sweep.sh's
"segment busy% waited" lines).  Medians over the rounds.

Prints the Markdown; exit status 0 when the harness worked (every process
exited 0 and every configuration has its records), 1 otherwise, and with
--strict also 1 when the overhead target (gradlab ≤ 0.1× PyTorch at batch 1)
is missed.  --quick never judges times.
"""

import argparse
import datetime
import glob
import json
import math
import os
import platform
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import git_description, median, read  # noqa: E402  (bench/report.py, beside this file)

SWEEPS = ["width", "depth", "batch"]
FIXED = {"width": "depth 2, batch 32", "depth": "width 256, batch 32", "batch": "width 256, depth 2"}
AXIS = {"width": "hidden width", "depth": "hidden layers", "batch": "batch size"}
OVERHEAD_CONFIG = (32, 2, 1)
BOUND = 1.2          # "bound by sgemm": within this factor of the sgemm-only time
OVERHEAD_TARGET = 0.1
BUSY_PCT = 15        # other processes using this share of the CPUs perturb a measurement


def config_of(sweep, v):
    return {"width": (v, 2, 32), "depth": (256, v, 32), "batch": (256, 2, v)}[sweep]


# ---------------------------------------------------------------- collect

def collect(work):
    """-> records {(sweep, framework, (W, D, B)): [record per round]}, problems, busy list."""
    records, problems = {}, []
    for path in sorted(glob.glob(os.path.join(work, "r*-*-*.jsonl"))):
        name = os.path.basename(path)[:-len(".jsonl")]
        m = re.match(r"r(\d+)-(\w+)-(gradlab|pytorch)(-retry)?$", name)
        if not m:
            continue
        rnd, sweep, fw, retry = int(m.group(1)), m.group(2), m.group(3), bool(m.group(4))
        rc = read(os.path.join(work, name + ".rc"), "?").strip()
        if rc != "0":
            tail = read(os.path.join(work, name + ".stderr")).strip().splitlines()[-3:]
            problems.append(f"{name} exited {rc}" + (": " + " / ".join(tail) if tail else ""))
        for line in read(path).splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                problems.append(f"{name}: unparsable line {line[:80]!r}")
                continue
            rec["round"] = rnd
            rec["retry"] = retry
            key = (sweep, fw, (rec.get("width"), rec.get("depth"), rec.get("batch")))
            records.setdefault(key, []).append(rec)
    # a configuration re-run because other processes took CPU: per round keep the quieter record
    for key, recs in records.items():
        best = {}
        for r in recs:
            o = r.get("others_cpu_pct")
            cur = best.get(r["round"])
            if cur is None or (o is not None and (cur.get("others_cpu_pct") is None or o < cur["others_cpu_pct"])):
                best[r["round"]] = r
        records[key] = [best[k] for k in sorted(best)]
    busy = []
    for line in read(os.path.join(work, "busy.txt")).splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            busy.append({"segment": parts[0], "busy_pct": int(parts[1]),
                         "waited": int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0})
    return records, problems, busy


def value(records, sweep, fw, cfg, key):
    return median([r.get(key) for r in records.get((sweep, fw, cfg), [])])


# ---------------------------------------------------------------- evaluate

def ratio(a, b):
    return a / b if a is not None and b else None


def build_rows(records, grid, peers):
    rows = []
    for sweep in SWEEPS + ["overhead"]:
        xs = grid[sweep]
        for v in xs:
            cfg = OVERHEAD_CONFIG if sweep == "overhead" else config_of(sweep, v)
            g = value(records, sweep, "gradlab", cfg, "step_us")
            s = value(records, sweep, "gradlab", cfg, "sgemm_us")
            p = value(records, sweep, "pytorch", cfg, "step_us") if "pytorch" in peers else None
            rows.append({
                "gradlab_others_pct": value(records, sweep, "gradlab", cfg, "others_cpu_pct"),
                "pytorch_others_pct": value(records, sweep, "pytorch", cfg, "others_cpu_pct") if "pytorch" in peers else None,
                "sweep": sweep, "x": v, "width": cfg[0], "depth": cfg[1], "batch": cfg[2],
                "params": value(records, sweep, "gradlab", cfg, "params"),
                "mflop": value(records, sweep, "gradlab", cfg, "mflop"),
                "gradlab_us": g, "sgemm_us": s, "overhead_us": None if g is None or s is None else g - s,
                "sgemm_best_us": value(records, sweep, "gradlab", cfg, "sgemm_best_us"),
                "sgemm_1t_us": value(records, sweep, "gradlab", cfg, "sgemm_1t_us"),
                "sgemm_maxt_us": value(records, sweep, "gradlab", cfg, "sgemm_maxt_us"),
                "pytorch_us": p, "ratio_pytorch": ratio(g, p),
                "gradlab_over_sgemm": ratio(g, s), "pytorch_over_sgemm": ratio(p, s),
            })
    return rows


def bound_from(rows, key):
    """The first size from which on (every larger size too) rows[key] ≤ BOUND; None if the largest is not."""
    first = None
    for r in reversed(rows):
        if r[key] is not None and r[key] <= BOUND:
            first = r["x"]
        else:
            break
    return first


def harness_problems(records, grid, peers, rounds):
    out = []
    for sweep in SWEEPS + ["overhead"]:
        for v in grid[sweep]:
            cfg = OVERHEAD_CONFIG if sweep == "overhead" else config_of(sweep, v)
            for fw in ["gradlab"] + peers:
                recs = records.get((sweep, fw, cfg), [])
                if len(recs) < rounds:
                    out.append(f"{sweep} sweep, {fw} {cfg_text(cfg)}: {len(recs)} of {rounds} rounds gave a record")
                for r in recs:
                    if not isinstance(r.get("step_us"), (int, float)) or not r["step_us"] > 0:
                        out.append(f"{sweep} sweep, {fw} {cfg_text(cfg)}: no step time")
                    if fw == "gradlab" and not isinstance(r.get("sgemm_us"), (int, float)):
                        out.append(f"{sweep} sweep, gradlab {cfg_text(cfg)}: no sgemm time")
                    if r.get("loss") is None or not math.isfinite(r["loss"]):
                        out.append(f"{sweep} sweep, {fw} {cfg_text(cfg)}: non-finite loss {r.get('loss')}")
    return out


# ---------------------------------------------------------------- text

def cfg_text(cfg):
    return f"{cfg[0]}×{cfg[1]}, batch {cfg[2]}"


def perturbed(pct):
    return pct is not None and pct >= BUSY_PCT


def us(x):
    if x is None:
        return "—"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def times(x):
    return "—" if x is None else f"{x:.2f}×"


def table(rows, peers):
    head = ["sweep", "config (width×depth, batch)", "gradlab µs/step", "sgemm µs/step", "gradlab overhead µs",
            "pytorch µs/step", "gradlab / pytorch", "× sgemm: gradlab / pytorch"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["sweep"] + (f" = {r['x']}" if r["sweep"] != "overhead" else ""),
                 cfg_text((r["width"], r["depth"], r["batch"])),
                 us(r["gradlab_us"]) + (" ‡" if perturbed(r["gradlab_others_pct"]) else ""),
                 us(r["sgemm_us"]), us(r["overhead_us"]),
                 (us(r["pytorch_us"]) + (" ‡" if perturbed(r["pytorch_others_pct"]) else "")) if "pytorch" in peers else "—",
                 times(r["ratio_pytorch"]),
                 f"{times(r['gradlab_over_sgemm'])} / {times(r['pytorch_over_sgemm'])}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bound_sentence(sweep, rows, peers):
    last = rows[-1]["x"] if rows else None

    def phrase(who, key, ref):
        first = bound_from(rows, key)
        if first is None:
            if not any(r[key] is not None for r in rows):
                return f"{who}: not measured"
            return (f"{who} is not within {BOUND}× of {ref} up to {sweep} {last} "
                    f"(at {last}: {times(rows[-1][key])})")
        if first == rows[0]["x"]:
            return f"{who} is within {BOUND}× of {ref} at every size (from {sweep} {first})"
        return f"{who} is within {BOUND}× of {ref} from {sweep} {first} on"

    text = f"**{sweep} sweep** ({FIXED[sweep]}): " + phrase("gradlab", "gradlab_over_sgemm", "its sgemm-only time")
    if "pytorch" in peers:
        text += "; " + phrase("PyTorch", "pytorch_over_sgemm", "that sgemm time")
    return text + "."


# ---------------------------------------------------------------- SVG

COLORS = {"gradlab": "#1f6fb4", "pytorch": "#e8750c", "sgemm": "#444444", "best": "#999999"}


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_plot(rows, peers, title):
    pw, ph = 360, 260                 # plot area of a panel
    ml, mr, mt, mb = 70, 20, 70, 60   # margins of a panel
    W = 3 * (ml + pw + mr)
    H = mt + ph + mb
    series = [("gradlab", "gradlab_us", "gradlab", "", "circle")]
    if "pytorch" in peers:
        series.append(("PyTorch", "pytorch_us", "pytorch", "", "square"))
    series += [("sgemm only (per call the faster of 1 / all OpenBLAS threads)", "sgemm_us", "sgemm", "6,4", None)]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           f'font-family="Helvetica, Arial, sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">{esc(title)}</text>']
    # legend
    lx = 70
    for label, _, color, dash, marker in series:
        y = 42
        out.append(f'<line x1="{lx}" y1="{y}" x2="{lx + 28}" y2="{y}" stroke="{COLORS[color]}" stroke-width="2"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + "/>")
        if marker:
            out.append(marker_svg(marker, lx + 14, y, COLORS[color]))
        out.append(f'<text x="{lx + 34}" y="{y + 4}">{esc(label)}</text>')
        lx += 44 + 6.6 * len(label)
    for i, sweep in enumerate(SWEEPS):
        srows = [r for r in rows if r["sweep"] == sweep]
        ox = i * (ml + pw + mr) + ml
        out += svg_panel(srows, series, ox, mt, pw, ph, f"{AXIS[sweep]} ({FIXED[sweep]})")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def marker_svg(kind, x, y, color):
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{color}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>'


def svg_panel(rows, series, ox, oy, pw, ph, xlabel):
    out = []
    xs = [r["x"] for r in rows]
    ys = [r[key] for r in rows for _, key, _, _, _ in series if r[key] is not None and r[key] > 0]
    out.append(f'<rect x="{ox}" y="{oy}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
    out.append(f'<text x="{ox + pw / 2}" y="{oy + ph + 40}" text-anchor="middle">{esc(xlabel)}</text>')
    out.append(f'<text x="{ox - 58}" y="{oy + ph / 2}" text-anchor="middle" '
               f'transform="rotate(-90 {ox - 58} {oy + ph / 2})">µs per step</text>')
    if not xs or not ys:
        out.append(f'<text x="{ox + pw / 2}" y="{oy + ph / 2}" text-anchor="middle">no data</text>')
        return out
    x0, x1 = math.log10(min(xs)), math.log10(max(xs))
    if x1 - x0 < 1e-9:
        x0, x1 = x0 - 0.5, x1 + 0.5
    pad = 0.04 * (x1 - x0)
    x0, x1 = x0 - pad, x1 + pad
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    if y1 <= y0:
        y1 = y0 + 1
    px = lambda v: ox + (math.log10(v) - x0) / (x1 - x0) * pw
    py = lambda v: oy + ph - (math.log10(v) - y0) / (y1 - y0) * ph
    # y grid: decades labelled, 2 and 5 as light lines when the span is small
    for d in range(y0, y1 + 1):
        for mult in ([1, 2, 5] if y1 - y0 <= 4 else [1]):
            v = mult * 10 ** d
            if not (10 ** y0 <= v <= 10 ** y1):
                continue
            y = py(v)
            out.append(f'<line x1="{ox}" y1="{y:.1f}" x2="{ox + pw}" y2="{y:.1f}" stroke="'
                       + ("#dddddd" if mult == 1 else "#f0f0f0") + '"/>')
            if mult == 1 or y1 - y0 <= 2:
                out.append(f'<text x="{ox - 5}" y="{y + 4:.1f}" text-anchor="end">{tick(v)}</text>')
    # x ticks at the measured sizes
    for v in xs:
        x = px(v)
        out.append(f'<line x1="{x:.1f}" y1="{oy}" x2="{x:.1f}" y2="{oy + ph}" stroke="#f0f0f0"/>')
        out.append(f'<text x="{x:.1f}" y="{oy + ph + 16}" text-anchor="middle" font-size="11">{v}</text>')
    for _, key, color, dash, marker in series:
        pts = [(px(r["x"]), py(r[key])) for r in rows if r[key] is not None and r[key] > 0]
        if not pts:
            continue
        out.append('<polyline fill="none" stroke="{}" stroke-width="2"{} points="{}"/>'.format(
            COLORS[color], f' stroke-dasharray="{dash}"' if dash else "",
            " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)))
        if marker:
            out += [marker_svg(marker, x, y, COLORS[color]) for x, y in pts]
    return out


def tick(v):
    if v >= 1e6:
        return f"{v / 1e6:g} s"
    if v >= 1e3:
        return f"{v / 1e3:g} ms"
    return f"{v:g} µs"


# ---------------------------------------------------------------- machine

def machine_info(records):
    info = {"cpus": os.cpu_count(), "platform": platform.platform()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), None)
    except OSError:
        pass
    for (sweep, fw, cfg), recs in records.items():
        if fw == "gradlab" and recs:
            for k in ["blas_core", "blas_max_threads", "single_thread_below"]:
                info[k] = recs[0].get(k)
        if fw == "pytorch" and recs:
            info["pytorch"] = recs[0].get("versions", {}).get("torch")
            info["pytorch_threads"] = recs[0].get("threads")
    git = git_description()
    if git:
        info["git"] = git
    return info


# ---------------------------------------------------------------- main

def main():
    global BUSY_PCT
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--peers", default="")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--widths", default="")
    ap.add_argument("--depths", default="")
    ap.add_argument("--batches", default="")
    ap.add_argument("--min-time", type=float, default=0.5, help="timed seconds per configuration (for the text)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--note", action="append", default=[])
    ap.add_argument("--busy-pct", type=float, default=BUSY_PCT,
                    help="others' CPU share (%%) from which a measurement counts as perturbed")
    ap.add_argument("--list-perturbed", action="store_true",
                    help="only print 'SWEEP FRAMEWORK ROUND W,D,B' for every record taken on a busy machine")
    a = ap.parse_args()
    BUSY_PCT = a.busy_pct
    if a.list_perturbed:
        records, _, _ = collect(a.work)
        for (sweep, fw, cfg), recs in sorted(records.items()):
            for r in recs:
                if perturbed(r.get("others_cpu_pct")):
                    print(sweep, fw, r["round"], ",".join(map(str, cfg)))
        return 0

    peers = [p for p in a.peers.split(",") if p]
    grid = {"width": [int(v) for v in a.widths.split()], "depth": [int(v) for v in a.depths.split()],
            "batch": [int(v) for v in a.batches.split()], "overhead": [OVERHEAD_CONFIG[2]]}
    records, problems, busy = collect(a.work)
    problems += harness_problems(records, grid, peers, a.rounds)
    rows = build_rows(records, grid, peers)
    info = machine_info(records)
    today = datetime.date.today().isoformat()
    stem = f"sweep-{today}" + ("-quick" if a.quick else "")

    # headline: the smallest model at batch 1; overhead = step − the step's sgemm-only time
    o = next(r for r in rows if r["sweep"] == "overhead")
    g_over, s_o, p_o = o["overhead_us"], o["sgemm_us"], o["pytorch_us"]
    p_over = None if p_o is None or s_o is None else p_o - s_o
    over_ratio = ratio(g_over, p_over)
    met = None if over_ratio is None else over_ratio <= OVERHEAD_TARGET
    headline = (f"**Per-step overhead at batch 1: gradlab {us(g_over)} µs, PyTorch {us(p_over)} µs "
                f"(ratio {'—' if over_ratio is None else f'{over_ratio:.3f}'}, target ≤ {OVERHEAD_TARGET}"
                + ("" if a.quick or met is None else (": met" if met else ": missed")) + ").**")
    b1 = next((r for r in rows if r["sweep"] == "batch" and r["batch"] == 1), None)
    detail = (f"Overhead = per-step time − the step's sgemm-only time ({us(s_o)} µs) on the smallest model, "
              f"{cfg_text(OVERHEAD_CONFIG)}: gradlab {us(o['gradlab_us'])} µs/step, PyTorch {us(p_o)} µs/step.")
    if b1 is not None:
        detail += (f" At batch 1 with width 256: gradlab {us(b1['gradlab_us'])} µs/step "
                   f"(overhead {us(b1['overhead_us'])} µs), PyTorch {us(b1['pytorch_us'])} µs/step.")

    bounds = {s: {"gradlab": bound_from([r for r in rows if r["sweep"] == s], "gradlab_over_sgemm"),
                  "pytorch": bound_from([r for r in rows if r["sweep"] == s], "pytorch_over_sgemm")}
              for s in SWEEPS}
    sentences = [bound_sentence(s, [r for r in rows if r["sweep"] == s], peers) for s in SWEEPS]

    # the W1-shaped point (256×2, batch 32) is measured once per sweep: its spread shows the noise
    shared = [r for r in rows if r["sweep"] in SWEEPS and (r["width"], r["depth"], r["batch"]) == (256, 2, 32)]
    spread = ""
    if len(shared) > 1:
        spread = ("The point 256×2, batch 32 is measured in each sweep: gradlab "
                  + " / ".join(us(r["gradlab_us"]) for r in shared) + " µs, sgemm "
                  + " / ".join(us(r["sgemm_us"]) for r in shared) + " µs"
                  + (", PyTorch " + " / ".join(us(r["pytorch_us"]) for r in shared) + " µs" if "pytorch" in peers else "")
                  + " — a measure of the noise.")

    title = f"gradlab sweep {today}" + (" (QUICK smoke test)" if a.quick else "")
    md = [f"# {title}", "",
          f"{a.rounds} round(s), medians; peers: {', '.join(peers) or 'none'}; machine: {info.get('cpus')} CPUs, "
          f"{info.get('cpu') or '?'}; OpenBLAS {info.get('blas_core') or '?'} (gradlab: products of ≥ 500k "
          f"multiply-adds as two column halves, side by side when faster; {info.get('blas_max_threads')} cores); "
          f"PyTorch {info.get('pytorch') or '—'} ({info.get('pytorch_threads') or '—'} threads); gradlab {info.get('git', '?')}.",
          "", headline, "", detail, ""]
    md += [f"- {s}" for s in sentences] + [""]
    if a.quick:
        md += ["QUICK: a tiny grid with a few steps per configuration; it only checks that the harness works.", ""]
    md += [f"Note: {n}" for n in a.note] + ([""] if a.note else [])
    noisy = [b for b in busy if b["busy_pct"] >= BUSY_PCT]
    if noisy:
        md += [f"**Warning: the machine was busy** — other processes used ≥{BUSY_PCT:g} % of the CPUs just before "
               f"{len(noisy)} of {len(busy)} processes ("
               + ", ".join(f"{b['segment']} {b['busy_pct']}%" for b in noisy[:8])
               + (", …" if len(noisy) > 8 else "") + "): these timings are perturbed "
               "(PyTorch's OpenMP threads are hit hardest).", ""]
    busy_cells = [f"{r['sweep']} {cfg_text((r['width'], r['depth'], r['batch']))} {fw} {r[fw + '_others_pct']:.0f}%"
                  for r in rows for fw in ["gradlab", "pytorch"] if perturbed(r.get(fw + "_others_pct"))]
    if busy_cells:
        md += [f"‡ perturbed: other processes used ≥{BUSY_PCT:g} % of the CPUs during the timed blocks of "
               f"{len(busy_cells)} measurement(s), even after a re-run: " + "; ".join(busy_cells[:10])
               + ("; …" if len(busy_cells) > 10 else "") + ".", ""]
    md += [table(rows, peers), "",
           "MLP: input 784 → depth × Dense(width, relu, he_normal) → Dense(10, softmax); sparse categorical "
           "cross-entropy, SGD(0.01); one fixed random batch whose labels change every step (16 draws in turn). "
           "gradlab = `Sequential.trainStep`; PyTorch = zero_grad, forward, CrossEntropyLoss, backward, SGD step. "
           "sgemm = only the step's cblas_sgemm calls (forward, weight gradients, input gradients but the "
           "first layer's) on preallocated buffers, per call the faster of 1 and all OpenBLAS threads (gradlab "
           "itself may run a large product's two column halves on two cores); gradlab overhead = gradlab − sgemm. PyTorch runs its own "
           "sgemm (not OpenBLAS), so its × sgemm can be below 1. Each time is the median over timed blocks "
           f"(about {a.min_time:g} s per configuration and framework in all) after a warm-up.", ""]
    if spread:
        md += [spread, ""]
    md += [f"Plot: {stem}.svg", ""]
    if problems:
        md += ["## Harness problems", ""] + [f"- {p}" for p in problems] + [""]
    text = "\n".join(md)
    print(text)

    os.makedirs(a.out, exist_ok=True)
    paths = {ext: os.path.join(a.out, f"{stem}.{ext}") for ext in ["md", "json", "svg"]}
    with open(paths["md"], "w") as f:
        f.write(text)
    with open(paths["svg"], "w") as f:
        f.write(svg_plot(rows, peers, f"Per-step time of an MLP training step — {title}"))
    raw = {f"{s}:{fw}:{'x'.join(map(str, cfg))}": recs for (s, fw, cfg), recs in sorted(records.items())}
    with open(paths["json"], "w") as f:
        json.dump({"date": today, "quick": a.quick, "rounds": a.rounds, "peers": peers, "machine": info,
                   "overhead": {"config": OVERHEAD_CONFIG, "gradlab_us": g_over, "pytorch_us": p_over,
                                "ratio": over_ratio, "target": OVERHEAD_TARGET, "met": None if a.quick else met},
                   "bound": BOUND, "bound_from": bounds, "rows": rows, "busy": busy,
                   "problems": problems, "notes": a.note, "raw": raw}, f, indent=1, default=str)
    print(f"wrote {paths['md']}, {paths['json']} and {paths['svg']}", file=sys.stderr)

    if problems:
        print(f"harness problems: {len(problems)} (see above)", file=sys.stderr)
        return 1
    if a.strict and not a.quick and met is False:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
