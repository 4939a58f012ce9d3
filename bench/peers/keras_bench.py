#!/usr/bin/env python3
"""Keras 3 peer benchmark: W1-W6 and W3b (see common.py) on the backend named by
KERAS_BACKEND (tensorflow, the default here, or jax).

  KERAS_BACKEND=jax bench/.venv/bin/python bench/peers/keras_bench.py --workloads W1,W3 [--quick]

Prints one JSON object per workload on stdout, e.g.
  {"framework": "keras-jax", "workload": "W1", "epoch_seconds": 1.19, "test_accuracy": 0.814, ...}

Timing: model.fit(epochs=2, validation_data=5,000 images, verbose=0) with a
callback that starts a clock at on_epoch_begin and stops it when the epoch's
training steps are done (on_test_begin, i.e. before validation; the clock
stops only after reading back the last kernel, so JAX's asynchronous dispatch
is waited for).  epoch_seconds is the last (2nd) epoch: the steady state, after
tracing/compilation in the 1st.  test_accuracy is measured after the 1st epoch
(in on_epoch_end, outside the clock) with a plain forward pass; test_accuracies
lists it after every epoch.
"""

import os
import time

from common import Startup, emit, load_fashion_mnist, log, parse_args, peak_rss_mib

startup = Startup()
args = parse_args(__doc__.split("\n")[0])

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
BACKEND = os.environ["KERAS_BACKEND"]
if BACKEND not in ("tensorflow", "jax"):
    raise SystemExit("KERAS_BACKEND must be tensorflow or jax, not " + BACKEND)

import keras  # noqa: E402
import numpy as np  # noqa: E402

# "ready": the backend has executed an op and handed back a result
_ = keras.ops.convert_to_numpy(keras.ops.ones((2, 2)) + 1.0)
STARTUP_SECONDS = startup.ready()

FRAMEWORK = "keras-" + ("tf" if BACKEND == "tensorflow" else "jax")
if BACKEND == "tensorflow":
    import tensorflow as tf
    VERSIONS = {"keras": keras.__version__, "tensorflow": tf.__version__}
else:
    import jax
    VERSIONS = {"keras": keras.__version__, "jax": jax.__version__}
log(f"{FRAMEWORK}: ready in {STARTUP_SECONDS:.2f} s ({VERSIONS})")

keras.utils.set_random_seed(args.seed)
_t = time.perf_counter()
data = load_fashion_mnist(args.quick)
DATA_SECONDS = time.perf_counter() - _t


def build(kind):
    L = keras.layers
    layers = [L.Input(shape=(28, 28)), L.Flatten()]
    optimizer = keras.optimizers.SGD(learning_rate=0.01)
    if kind == "deep":
        # W6: the chapter's exercise, 20 x (Dense 100 he_normal, BN, elu), Nadam
        for _ in range(20):
            layers += [L.Dense(100, kernel_initializer="he_normal"),
                       L.BatchNormalization(),
                       L.Activation("elu")]
        optimizer = keras.optimizers.Nadam(learning_rate=0.001)
    elif kind == "bn":
        layers += [L.BatchNormalization(),
                   L.Dense(300, activation="elu", kernel_initializer="he_normal"),
                   L.BatchNormalization(),
                   L.Dense(100, activation="elu", kernel_initializer="he_normal"),
                   L.BatchNormalization()]
    elif kind in ("dropout", "dropout_input"):
        if kind == "dropout_input":  # W3b: the book's dropout model, dropout on the input too
            layers.append(L.Dropout(0.2))
        layers += [L.Dense(300, activation="elu", kernel_initializer="he_normal"),
                   L.Dropout(0.2),
                   L.Dense(100, activation="elu", kernel_initializer="he_normal"),
                   L.Dropout(0.2)]
    else:
        layers += [L.Dense(300, activation="elu", kernel_initializer="he_normal"),
                   L.Dense(100, activation="elu", kernel_initializer="he_normal")]
    layers.append(L.Dense(10, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(loss="sparse_categorical_crossentropy",
                  optimizer=optimizer,
                  metrics=["accuracy"])
    return model


def accuracy(model, x, y, batch=1000):
    correct = 0
    for i in range(0, len(x), batch):
        p = keras.ops.convert_to_numpy(model(x[i:i + batch], training=False))
        correct += int((p.argmax(axis=1) == y[i:i + batch]).sum())
    return correct / len(x)


class EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch's training steps (validation excluded)."""

    def __init__(self):
        super().__init__()
        self.train_seconds = []
        self.test_accuracies = []
        self._t0 = None

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def _stop(self):
        if self._t0 is None:
            return
        # wait for asynchronously dispatched steps (JAX): read the last kernel back
        keras.ops.convert_to_numpy(self.model.trainable_variables[-1].value)
        self.train_seconds.append(time.perf_counter() - self._t0)
        self._t0 = None

    def on_test_begin(self, logs=None):  # validation starts: training steps are over
        self._stop()

    def on_epoch_end(self, epoch, logs=None):
        self._stop()
        # outside the clock: test accuracy after each epoch (the 1st is the one compared)
        self.test_accuracies.append(accuracy(self.model, data["x_test"], data["y_test"]))


def train(kind, batch_size, epochs):
    model = build(kind)
    timer = EpochTimer()
    model.fit(data["x_train"], data["y_train"], epochs=epochs, batch_size=batch_size,
              validation_data=(data["x_valid"], data["y_valid"]), verbose=0,
              callbacks=[timer])
    return model, timer


def base(workload, batch_size):
    return {"framework": FRAMEWORK, "workload": workload, "batch_size": batch_size,
            "train_samples": int(len(data["x_train"])), "quick": args.quick,
            "versions": VERSIONS, "cpus": os.cpu_count()}


def run_fit_workload(workload, kind, batch_size):
    _, timer = train(kind, batch_size, args.epochs)
    rec = base(workload, batch_size)
    rec.update(epoch_seconds=timer.train_seconds[-1], epoch_times=timer.train_seconds,
               test_accuracy=timer.test_accuracies[0], test_accuracies=timer.test_accuracies,
               data_seconds=DATA_SECONDS,
               startup_seconds=STARTUP_SECONDS, peak_rss_mib=peak_rss_mib())
    return rec


def run_mc(workload, kind="dropout"):
    model, timer = train(kind, 32, 1)
    x_test = keras.ops.convert_to_tensor(data["x_test"])
    t0 = time.perf_counter()
    # the notes' MC Dropout: 100 stochastic forward passes with training=True
    y_probas = np.stack([keras.ops.convert_to_numpy(model(x_test, training=True))
                         for _ in range(args.mc_passes)])
    y_proba = y_probas.mean(axis=0)
    mc_seconds = time.perf_counter() - t0
    rec = base(workload, 32)
    rec.update(mc_seconds=mc_seconds, mc_passes=args.mc_passes,
               mc_samples=int(len(data["x_test"])),
               test_accuracy=float((y_proba.argmax(axis=1) == data["y_test"]).mean()),
               train_epoch_seconds=timer.train_seconds[-1], peak_rss_mib=peak_rss_mib())
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
