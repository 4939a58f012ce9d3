#!/usr/bin/env python3
"""numpy-floor: the sgemm floor of bench/floor/main.swift with numpy's bundled
OpenBLAS (the wheel's scipy-openblas, not Debian's): the same products on
preallocated float32 buffers, np.matmul(..., out=...) with transposes as
views (numpy hands them to sgemm as transpose flags, no copies).

  bench/.venv/bin/python bench/floor-tools/numpy_floor.py --layers 784,300,100,10 --batch 32 --samples 55000 [--threads N] [--json]
  bench/.venv/bin/python bench/floor-tools/numpy_floor.py --mc-passes 100 --mc-samples 10000 [--batch 1000]

--threads N sets OPENBLAS_NUM_THREADS before numpy is imported (0 = OpenBLAS'
default, all CPUs). The time includes Python's per-call overhead (~1-2 µs a
product), which a C caller does not pay: this candidate is slightly
pessimistic on small products.
"""
import argparse
import json
import os
import sys
import time

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--layers", default="784,300,100,10")
ap.add_argument("--batch", type=int)
ap.add_argument("--samples", type=int, default=55000)
ap.add_argument("--mc-passes", type=int)
ap.add_argument("--mc-samples", type=int, default=10000)
ap.add_argument("--repeat", type=int, default=3)
ap.add_argument("--warmup", type=int, default=1)
ap.add_argument("--threads", type=int, default=0)
ap.add_argument("--first-input-grad", action="store_true")
ap.add_argument("--json", action="store_true")
a = ap.parse_args()
if a.threads > 0:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ[var] = str(a.threads)

import numpy as np  # noqa: E402


def blas_info():
    """(core name, threads) of numpy's OpenBLAS, read through ctypes; (None, None) if not found."""
    import ctypes
    import glob
    dirs = [os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs"),
            os.path.join(os.path.dirname(np.__file__), "..", "scipy_openblas32", "lib"),
            os.path.join(os.path.dirname(np.__file__), "..", "scipy_openblas64", "lib")]
    for d in dirs:
        for lib in glob.glob(os.path.join(d, "*openblas*.so*")):
            try:
                h = ctypes.CDLL(lib)
            except OSError:
                continue
            for prefix in ("scipy_", ""):
                for suffix in ("64_", ""):
                    try:
                        core = getattr(h, f"{prefix}openblas_get_corename{suffix}")
                        nthr = getattr(h, f"{prefix}openblas_get_num_threads{suffix}")
                    except AttributeError:
                        continue
                    core.restype = ctypes.c_char_p
                    return core().decode(), int(nthr())
    return None, None


layers = [int(x) for x in a.layers.split(",")]
nl = len(layers) - 1
mc = a.mc_passes is not None
B = a.batch or (min(1000, a.mc_samples) if mc else 32)
rng = np.random.default_rng(1)
acts = [rng.uniform(-0.5, 0.5, (B, layers[l])).astype(np.float32) for l in range(nl + 1)]
deltas = [(rng.uniform(-0.5, 0.5, (B, layers[l + 1])) * 0.1).astype(np.float32) for l in range(nl)]
kernels = [(rng.uniform(-0.5, 0.5, (layers[l], layers[l + 1])) * (2 / layers[l]) ** 0.5).astype(np.float32)
           for l in range(nl)]
kgrads = [np.zeros((layers[l], layers[l + 1]), np.float32) for l in range(nl)]
in_grad = np.zeros((B, layers[0]), np.float32)
# row views per batch size (the last training step is partial)
views = {}


def bufs(m):
    if m not in views:
        views[m] = ([x[:m] for x in acts], [d[:m] for d in deltas], in_grad[:m])
    return views[m]


matmul = np.matmul


def run_once():
    calls, flops = 0, 0.0
    per_fwd = sum(2.0 * layers[l] * layers[l + 1] for l in range(nl))
    per_bwd = sum(2.0 * layers[l] * layers[l + 1] * (2 if (l > 0 or a.first_input_grad) else 1) for l in range(nl))
    t0 = time.perf_counter()
    if mc:
        remaining = a.mc_passes * a.mc_samples
        while remaining > 0:
            m = min(B, remaining)
            A, _, _ = bufs(m)
            for l in range(nl):
                matmul(A[l], kernels[l], out=A[l + 1])
            calls += nl
            flops += per_fwd * m
            remaining -= m
    else:
        start = 0
        while start < a.samples:
            m = min(B, a.samples - start)
            A, D, G = bufs(m)
            for l in range(nl):
                matmul(A[l], kernels[l], out=A[l + 1])
            for l in range(nl - 1, -1, -1):
                matmul(A[l].T, D[l], out=kgrads[l])
                if l > 0:
                    matmul(D[l], kernels[l].T, out=D[l - 1])
                elif a.first_input_grad:
                    matmul(D[0], kernels[0].T, out=G)
            calls += 3 * nl - (0 if a.first_input_grad else 1)
            flops += (per_fwd + per_bwd) * m
            start += m
    return time.perf_counter() - t0, calls, flops


for _ in range(a.warmup):
    run_once()
times = []
for _ in range(a.repeat):
    t, calls, flops = run_once()
    times.append(t)
s = sorted(times)
med = s[len(s) // 2] if len(s) % 2 else 0.5 * (s[len(s) // 2 - 1] + s[len(s) // 2])
core, nthreads = blas_info()
rec = {"mode": "mc" if mc else "train", "layers": layers, "batch": B,
       **({"mc_passes": a.mc_passes, "mc_samples": a.mc_samples} if mc else {"samples": a.samples}),
       "first_input_grad": a.first_input_grad, "sgemm_calls": calls,
       "blas_threads": str(nthreads if nthreads is not None else (a.threads or "default")),
       "blas_core": f"numpy-openblas-{core}" if core else "numpy-openblas", "library": "numpy " + np.__version__,
       "repeat": a.repeat, "seconds": round(med, 6), "min_seconds": round(s[0], 6),
       "times": [round(t, 6) for t in times], "gflops": round(flops / med * 1e-9, 2)}
if a.json:
    print(json.dumps(rec))
else:
    print(f"floor seconds={med:.4f} min={s[0]:.4f} mode={rec['mode']} layers={a.layers} batch={B} "
          f"sgemm_calls={calls} threads={rec['blas_threads']} core={rec['blas_core']} gflops={rec['gflops']}")
