#!/usr/bin/env python3
"""PyTorch (CPU) peer benchmark: W1-W6 and W3b (see common.py), the same models as Keras.

  bench/.venv/bin/python bench/peers/torch_bench.py --workloads W1,W3 [--quick]

Prints one JSON object per workload on stdout.

Matching Keras: he_normal = truncated normal (2 std) with std sqrt(2/fan_in)/0.8796,
the softmax layer's glorot_uniform, zero biases; BatchNorm momentum 0.99 (torch
momentum=0.01) and epsilon 1e-3; sparse categorical cross-entropy = cross_entropy
on logits (softmax fused into the loss); plain SGD lr 0.01; the training set is
reshuffled each epoch.  The training loop is the fastest idiomatic one: tensors
preloaded, batches sliced by a random permutation (no DataLoader), no per-step
metrics.  epoch_seconds = wall time of the 2nd epoch's training loop;
test_accuracy is measured after the 1st epoch (eval mode, no_grad), untimed;
test_accuracies lists it after every epoch.
W3's MC Dropout: model.eval() with only the Dropout modules in train(), under
no_grad, 100 passes over the whole test set stacked and averaged.
"""

import math
import os
import time

from common import Startup, emit, load_fashion_mnist, log, parse_args, peak_rss_mib

startup = Startup()
args = parse_args(__doc__.split("\n")[0])

import torch  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

_ = (torch.ones(2, 2) + 1.0).numpy()
STARTUP_SECONDS = startup.ready()

FRAMEWORK = "pytorch"
VERSIONS = {"torch": torch.__version__}
log(f"{FRAMEWORK}: ready in {STARTUP_SECONDS:.2f} s ({VERSIONS}, {torch.get_num_threads()} threads)")

torch.manual_seed(args.seed)
_t = time.perf_counter()
np_data = load_fashion_mnist(args.quick)
DATA_SECONDS = time.perf_counter() - _t
data = {k: torch.from_numpy(v) for k, v in np_data.items()}


def he_normal_(w):
    fan_in = w.shape[1]  # Linear weight is [out, in]
    std = math.sqrt(2.0 / fan_in) / 0.87962566103423978
    nn.init.trunc_normal_(w, mean=0.0, std=std, a=-2 * std, b=2 * std)


def dense(n_in, n_out, init):
    layer = nn.Linear(n_in, n_out)
    with torch.no_grad():
        if init == "he_normal":
            he_normal_(layer.weight)
        else:
            nn.init.xavier_uniform_(layer.weight)
        layer.bias.zero_()
    return layer


def bn(n):
    return nn.BatchNorm1d(n, eps=1e-3, momentum=0.01)


def build(kind):
    mods = [nn.Flatten()]
    if kind == "deep":
        # W6: 20 x (Dense 100 he_normal, BN, elu)
        n_in = 784
        for _ in range(20):
            mods += [dense(n_in, 100, "he_normal"), bn(100), nn.ELU()]
            n_in = 100
    elif kind == "bn":
        mods += [bn(784), dense(784, 300, "he_normal"), nn.ELU(), bn(300),
                 dense(300, 100, "he_normal"), nn.ELU(), bn(100)]
    elif kind in ("dropout", "dropout_input"):
        if kind == "dropout_input":  # W3b: dropout on the input too
            mods.append(nn.Dropout(0.2))
        mods += [dense(784, 300, "he_normal"), nn.ELU(), nn.Dropout(0.2),
                 dense(300, 100, "he_normal"), nn.ELU(), nn.Dropout(0.2)]
    else:
        mods += [dense(784, 300, "he_normal"), nn.ELU(),
                 dense(300, 100, "he_normal"), nn.ELU()]
    mods.append(dense(100, 10, "glorot_uniform"))  # logits; softmax is fused into the loss
    return nn.Sequential(*mods)


@torch.no_grad()
def accuracy(model, x, y, batch=1000):
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += int((model(x[i:i + batch]).argmax(dim=1) == y[i:i + batch]).sum())
    model.train()
    return correct / len(x)


def train_epoch(model, opt, batch_size):
    x, y = data["x_train"], data["y_train"]
    n = len(x)
    model.train()
    t0 = time.perf_counter()
    perm = torch.randperm(n)
    for i in range(0, n, batch_size):
        idx = perm[i:i + batch_size]
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def train(kind, batch_size, epochs):
    model = build(kind)
    if kind == "deep":
        # Keras' Nadam(learning_rate=0.001): beta 0.9 / 0.999, epsilon 1e-7, momentum
        # schedule 0.9 * (1 - 0.5 * 0.96 ** (0.004 t)) = torch's momentum_decay 0.004
        opt = torch.optim.NAdam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-7,
                                momentum_decay=0.004)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
    times, test_accs = [], []
    for epoch in range(epochs):
        times.append(train_epoch(model, opt, batch_size))
        accuracy(model, data["x_valid"], data["y_valid"])  # validation, like Keras' fit (untimed)
        test_accs.append(accuracy(model, data["x_test"], data["y_test"]))
    return model, times, test_accs


def base(workload, batch_size):
    return {"framework": FRAMEWORK, "workload": workload, "batch_size": batch_size,
            "train_samples": int(len(data["x_train"])), "quick": args.quick,
            "versions": VERSIONS, "cpus": os.cpu_count(), "threads": torch.get_num_threads()}


def run_fit_workload(workload, kind, batch_size):
    _, times, test_accs = train(kind, batch_size, args.epochs)
    rec = base(workload, batch_size)
    rec.update(epoch_seconds=times[-1], epoch_times=times, test_accuracy=test_accs[0],
               test_accuracies=test_accs, data_seconds=DATA_SECONDS,
               startup_seconds=STARTUP_SECONDS, peak_rss_mib=peak_rss_mib())
    return rec


@torch.no_grad()
def run_mc(workload, kind="dropout"):
    with torch.enable_grad():
        model, times, _ = train(kind, 32, 1)
    model.eval()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.train()
    x_test = data["x_test"]
    t0 = time.perf_counter()
    y_probas = torch.stack([F.softmax(model(x_test), dim=1) for _ in range(args.mc_passes)])
    y_proba = y_probas.mean(dim=0)
    mc_seconds = time.perf_counter() - t0
    rec = base(workload, 32)
    rec.update(mc_seconds=mc_seconds, mc_passes=args.mc_passes, mc_samples=int(len(x_test)),
               test_accuracy=float((y_proba.argmax(dim=1) == data["y_test"]).float().mean()),
               train_epoch_seconds=times[-1], peak_rss_mib=peak_rss_mib())
    return rec


for w in args.workloads:
    log(f"{FRAMEWORK}: {w}")
    if w == "W4":
        rec = run_fit_workload("W1", "plain", 32)
        emit(rec)
        w4 = base("W4", 32)
        w4.update(startup_seconds=STARTUP_SECONDS, peak_rss_mib=rec["peak_rss_mib"])
        emit(w4)
    elif w == "W1":
        emit(run_fit_workload("W1", "plain", 32))
    elif w == "W2":
        emit(run_fit_workload("W2", "bn", 32))
    elif w == "W3":
        emit(run_mc("W3"))
    elif w == "W3b":
        emit(run_mc("W3b", "dropout_input"))
    elif w == "W5":
        emit(run_fit_workload("W5", "plain", 256))
    elif w == "W6":
        emit(run_fit_workload("W6", "deep", 32))
