#!/usr/bin/env python3
"""PyTorch (CPU) side of `make bench SWEEP=1`: per-step time of an MLP training step.

  bench/.venv/bin/python bench/peers/torch_sweep.py --config 256,2,32 [--config W,D,B ...]
  bench/.venv/bin/python bench/peers/torch_sweep.py --grid FILE      (one "W D B" or "W,D,B" a line)

The model and step are gradlab-sweep's (bench/sweep/main.swift): input 784,
DEPTH × Linear(WIDTH) + ReLU (Keras' he_normal: truncated normal, zero bias),
Linear(10) logits (glorot_uniform) with the softmax fused into
CrossEntropyLoss, SGD(lr=0.01); one fixed batch of random pixels in [0, 1)
whose random labels cycle through 16 draws, one a step (with fixed labels the
model memorizes the batch, the gradients underflow into denormals and steps
get up to 30× slower).  A step is zero_grad(set_to_none=True), forward, loss,
backward, opt.step() — the fastest idiomatic eager loop (no data loading,
no metrics).  Threads: torch.set_num_threads(os.cpu_count()) unless
--threads.

Timing as gradlab-sweep: warm-up steps for --warmup-time s (at least 3),
then --blocks blocks of n steps, n from the warm-up rate so that the blocks
take about --min-time s in all (at most --max-steps steps); step_us = median
over the blocks of the block's mean per-step time.  One JSON object per
configuration on stdout; others_cpu_pct = the share of all CPUs other
processes used during the timed blocks (above ~15 the numbers are perturbed:
PyTorch's OpenMP threads collapse when a core is taken).
"""

import argparse
import math
import os
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import emit, log  # noqa: E402

LABEL_SETS = 16  # as gradlab-sweep's labelSets


def cpu_reading():
    """(machine busy s, machine total s, own CPU s) from /proc/stat and getrusage; None without /proc."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    try:
        with open("/proc/stat") as f:
            fields = [float(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    total = sum(fields)
    return (total - fields[3] - fields[4]) / hz, total / hz, ru.ru_utime + ru.ru_stime


def others_percent(a, b):
    """Share of all CPUs that other processes used between readings a and b."""
    if a is None or b is None or b[1] <= a[1]:
        return None
    return max(0.0, 100 * ((b[0] - a[0]) - (b[2] - a[2])) / (b[1] - a[1]))


def parse_config(text):
    parts = [p for p in text.replace(",", " ").split() if p]
    if len(parts) != 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"bad configuration {text!r} (want W,D,B)")
    return tuple(int(p) for p in parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", action="append", default=[], help="W,D,B (repeatable)")
    ap.add_argument("--grid", help="file with one W D B per line (# comments)")
    ap.add_argument("--width", type=int)
    ap.add_argument("--depth", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--blocks", type=int, default=5)
    ap.add_argument("--max-steps", type=int, default=20000)
    ap.add_argument("--warmup-time", type=float, default=0.05)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: all CPUs)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    configs = []
    try:
        configs += [parse_config(c) for c in a.config]
        if a.grid:
            with open(a.grid) as f:
                for line in f:
                    body = line.split("#", 1)[0].strip()
                    if body:
                        configs.append(parse_config(body))
    except (OSError, ValueError) as e:
        ap.error(str(e))
    if a.width or a.depth or a.batch:
        configs.append((a.width or 256, a.depth or 2, a.batch or 32))
    if not configs:
        ap.error("no configuration given")

    import torch
    from torch import nn

    threads = a.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    versions = {"torch": torch.__version__}
    log(f"pytorch sweep: torch {torch.__version__}, {torch.get_num_threads()} threads, {len(configs)} configurations")

    def dense(n_in, n_out, he):
        layer = nn.Linear(n_in, n_out)
        with torch.no_grad():
            if he:  # Keras' he_normal: truncated at 2 std, std corrected for the truncation
                std = math.sqrt(2.0 / n_in) / 0.87962566103423978
                nn.init.trunc_normal_(layer.weight, mean=0.0, std=std, a=-2 * std, b=2 * std)
            else:
                nn.init.xavier_uniform_(layer.weight)
            layer.bias.zero_()
        return layer

    for width, depth, batch in configs:
        torch.manual_seed(a.seed)
        mods, n_in = [], 784
        for _ in range(depth):
            mods += [dense(n_in, width, True), nn.ReLU()]
            n_in = width
        mods.append(dense(n_in, 10, False))
        model = nn.Sequential(*mods)
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        loss_fn = nn.CrossEntropyLoss()
        x = torch.rand(batch, 784)
        ys = [torch.randint(0, 10, (batch,)) for _ in range(LABEL_SETS)]
        params = sum(p.numel() for p in model.parameters())

        last = [None]
        index = [0]

        def steps(k):
            loss = None
            i = index[0]
            for _ in range(k):
                y = ys[i % LABEL_SETS]
                i += 1
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
            index[0] = i
            last[0] = loss

        warm = 0
        t0 = time.perf_counter()
        half = t0
        half_steps = 0
        while warm < 3 or time.perf_counter() - t0 < a.warmup_time:
            steps(1)
            warm += 1
            if warm == 2:
                half, half_steps = time.perf_counter(), warm
            if warm >= a.max_steps:
                break
        per_step = max((time.perf_counter() - half) / max(warm - half_steps, 1), 1e-7)
        per_block = max(1, min(math.ceil(a.min_time / a.blocks / per_step), max(1, a.max_steps // a.blocks)))

        times = []
        cpu0 = cpu_reading()
        for _ in range(a.blocks):
            t = time.perf_counter()
            steps(per_block)
            times.append((time.perf_counter() - t) / per_block)
        others = others_percent(cpu0, cpu_reading())
        loss = float(last[0].detach()) if last[0] is not None else float("nan")
        emit({"framework": "pytorch", "width": width, "depth": depth, "batch": batch, "params": params,
              "step_us": statistics.median(times) * 1e6,
              "step_us_blocks": [round(t * 1e6, 3) for t in times],
              "steps_per_block": per_block, "blocks": a.blocks, "warmup_steps": warm,
              "others_cpu_pct": None if others is None else round(others, 1),
              "loss": loss if math.isfinite(loss) else None,
              "threads": torch.get_num_threads(), "versions": versions, "cpus": os.cpu_count()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
