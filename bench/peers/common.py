"""Shared helpers for the peer benchmarks (Keras 3 and PyTorch).

Kept free of heavy imports: the framework scripts import this module before
the framework itself, so that W4's start-up time covers importing the framework.

Workloads (see bench/README.md):
  W1  Flatten, Dense 300 elu he_normal, Dense 100 elu he_normal, Dense 10 softmax;
      SGD lr 0.01, batch 32, 55,000 training / 5,000 validation images.
  W2  Flatten, BN, Dense 300 elu, BN, Dense 100 elu, BN, Dense 10 softmax; as W1.
  W3  W1 with Dropout(0.2) after each hidden Dense; 1 epoch, then MC Dropout:
      100 stochastic passes over the 10,000 test images (only this is timed).
  W4  start-up (process start to framework ready) and peak RSS of a W1 run.
  W5  W1 at batch 256.
  W3b the book's dropout model with Dropout(0.2) on the input too (Flatten, Dropout, Dense 300,
      Dropout, Dense 100, Dropout, Dense 10); 1 epoch; measured: MC Dropout as W3.
  W6  the chapter's exercise: Flatten, 20 x (Dense 100 he_normal, BatchNormalization, elu),
      Dense 10 softmax; Nadam(learning_rate=0.001), batch 32, 2 epochs; measured as W1.
"""

import argparse
import gzip
import json
import os
import resource
import sys
import time

DATA_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
ALL_WORKLOADS = ["W1", "W2", "W3", "W3b", "W4", "W5", "W6"]


def process_start_time():
    """Wall-clock time (time.time() scale) at which this process started.

    Read from /proc (10 ms resolution); None where /proc is not available."""
    try:
        with open("/proc/self/stat") as f:
            stat = f.read()
        # the command name may contain spaces: fields after the last ')'
        fields = stat[stat.rindex(")") + 2:].split()
        start_ticks = int(fields[19])  # field 22 of stat(5)
        with open("/proc/stat") as f:
            btime = next(int(line.split()[1]) for line in f if line.startswith("btime"))
        return btime + start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


class Startup:
    """Measures 'import to ready': process start until the framework has run an op."""

    def __init__(self):
        self.script_start = time.time()
        self.process_start = process_start_time()

    def ready(self):
        now = time.time()
        start = self.process_start
        # /proc's 10 ms ticks can put the start slightly after the script start
        if start is None or start > self.script_start:
            start = self.script_start
        return now - start


def peak_rss_mib():
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def parse_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--workloads", default="W1,W2,W3,W4,W5",
                   help="comma-separated subset of " + ",".join(ALL_WORKLOADS))
    p.add_argument("--quick", action="store_true",
                   help="2,000 training / 500 validation / 500 test images (harness smoke test)")
    p.add_argument("--epochs", type=int, default=2,
                   help="epochs for W1/W2/W5/W6; the last one is the steady-state epoch (default 2)")
    p.add_argument("--mc-passes", type=int, default=100)
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    canon = {w.upper(): w for w in ALL_WORKLOADS}  # w3b, W3B -> W3b
    wl = [canon.get(w.strip().upper(), w.strip()) for w in args.workloads.split(",") if w.strip()]
    bad = [w for w in wl if w not in ALL_WORKLOADS]
    if bad:
        p.error("unknown workload(s): " + ",".join(bad))
    # W4 measures the process' start-up and the peak RSS of a W1 run: W1 must
    # run first in a fresh process for that number to mean anything.
    if "W4" in wl:
        wl = ["W4"] + [w for w in wl if w not in ("W4", "W1")]
    args.workloads = wl
    return args


def _read_idx(path):
    import numpy as np
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_mnist(quick=False):
    """Fashion-MNIST as float32 pixels / 255 and int64 labels.

    Full: the first 55,000 training images train, the last 5,000 validate, the
    10,000 test images test.  Quick: the first 2,000 train, the last 500
    validate, the first 500 test images test."""
    import numpy as np
    x_train = _read_idx(os.path.join(DATA_DIR, "train-images-idx3-ubyte.gz"))
    y_train = _read_idx(os.path.join(DATA_DIR, "train-labels-idx1-ubyte.gz"))
    x_test = _read_idx(os.path.join(DATA_DIR, "t10k-images-idx3-ubyte.gz"))
    y_test = _read_idx(os.path.join(DATA_DIR, "t10k-labels-idx1-ubyte.gz"))
    n_train, n_val, n_test = (2000, 500, 500) if quick else (55000, 5000, 10000)
    to_f = lambda a: (a.astype(np.float32) / np.float32(255.0))
    data = {
        "x_train": to_f(x_train[:n_train]), "y_train": y_train[:n_train].astype(np.int64),
        "x_valid": to_f(x_train[-n_val:]), "y_valid": y_train[-n_val:].astype(np.int64),
        "x_test": to_f(x_test[:n_test]), "y_test": y_test[:n_test].astype(np.int64),
    }
    return data


def emit(record):
    """One JSON object per workload on stdout (flushed: run.sh reads it line by line)."""
    out = {}
    for k, v in record.items():
        if isinstance(v, float):
            v = round(v, 6)
        out[k] = v
    print(json.dumps(out), flush=True)


def log(msg):
    print("[peer] " + msg, file=sys.stderr, flush=True)
