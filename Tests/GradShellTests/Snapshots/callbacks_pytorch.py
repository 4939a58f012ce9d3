#!/usr/bin/env python3
"""gradlab's model (2 layers, 42 parameters) as a PyTorch script.

Written by gradlab's `export`. Each section names the gradlab command it came
from. The trained weights are in callbacks_pytorch.safetensors, beside this file
(safetensors, one float32 tensor per variable, named by its Keras path such as
dense/kernel [in, out] or batch_normalization/moving_mean).

    python callbacks_pytorch.py                  # gradlab's trained weights, evaluated on the test split
    python callbacks_pytorch.py --train          # train from scratch with the same settings, then evaluate
    python callbacks_pytorch.py --split validation --predictions probabilities.npy
    python callbacks_pytorch.py --save model.pt      # keep the model in PyTorch's format (a state_dict)

Needs: pip install torch safetensors numpy
On a GPU: move the model and each batch with .to("cuda"); across GPUs or hosts wrap
the model in torch.nn.parallel.DistributedDataParallel (torchrun).
"""
import argparse
import copy
import gzip
import math
import os
from collections import OrderedDict

import numpy as np
import safetensors.numpy
import torch
from safetensors.torch import load_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHTS = os.path.join(HERE, "callbacks_pytorch.safetensors")
SEED = 42
EPSILON = 1e-7  # Keras' backend epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]


# --- data --------------------------------------------------------------------
# gradlab: data circles n=200 validation=40
DATA = os.path.join(HERE, "callbacks_pytorch.data.safetensors")


def load_data():
    """The splits gradlab used, as {name: (features, targets)}: the exact samples,
    saved beside this script by the export."""
    arrays = safetensors.numpy.load_file(DATA)
    splits = {}
    for name in ("train", "validation", "test"):
        if f"x_{name}" in arrays:
            y = arrays[f"y_{name}"]
            splits[name] = (arrays[f"x_{name}"], y.astype(np.int64))
    return splits


def prepared_data():
    """The splits as tensors: float32 features, int64 class indices."""
    return {k: (torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), torch.from_numpy(np.ascontiguousarray(y)))
            for k, (x, y) in load_data().items()}


# --- model -------------------------------------------------------------------
def build_model():
    # gradlab: model new  (input shape (2,))
    model = nn.Sequential(OrderedDict([
        # gradlab: add dense 8 activation=relu
        ("dense", nn.Linear(2, 8)),
        ("dense_relu", nn.ReLU()),
        # gradlab: add dense 2 activation=softmax
        ("dense_1", nn.Linear(8, 2)),
        ("dense_1_softmax", nn.Softmax(dim=-1)),
    ]))
    return model


def train_mode(model):
    model.train()


def keras_initializer_(tensor, fan_in, fan_out, kind, **kw):
    """Fills `tensor` as the Keras initializer `kind` does (fans of the Keras shape)."""
    if kind == "zeros":
        return tensor.zero_()
    if kind == "ones":
        return tensor.fill_(1.0)
    if kind == "constant":
        return tensor.fill_(kw["value"])
    if kind == "random_normal":
        return tensor.normal_(kw["mean"], kw["stddev"])
    if kind == "random_uniform":
        return tensor.uniform_(kw["minval"], kw["maxval"])
    if kind == "orthogonal":
        return nn.init.orthogonal_(tensor, gain=kw["gain"])
    if kind == "identity":
        # torch's weight is Keras' kernel transposed: eye(out, in) is eye(in, out) transposed.
        return nn.init.eye_(tensor).mul_(kw["gain"])
    if kind == "truncated_normal":
        mean, std = kw["mean"], kw["stddev"]
        return nn.init.trunc_normal_(tensor, mean, std, mean - 2 * std, mean + 2 * std)
    # variance_scaling: glorot = (1, fan_avg), he = (2, fan_in), lecun = (1, fan_in)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[kw["mode"]]
    s = kw["scale"] / max(1.0, n)
    if kw["distribution"] == "truncated_normal":
        std = math.sqrt(s) / 0.87962566103423978
        return nn.init.trunc_normal_(tensor, 0.0, std, -2 * std, 2 * std)
    if kw["distribution"] == "untruncated_normal":
        return tensor.normal_(0.0, math.sqrt(s))
    limit = math.sqrt(3 * s)
    return tensor.uniform_(-limit, limit)


@torch.no_grad()
def initialize(model):
    """Keras' initializers (PyTorch's defaults differ): fans from the Keras kernel [in, out]."""
    keras_initializer_(model.dense.weight, 2, 8, "variance_scaling", scale=1.0, mode="fan_avg", distribution="uniform")  # glorot_uniform
    keras_initializer_(model.dense.bias, 8, 8, "zeros")
    keras_initializer_(model.dense_1.weight, 8, 2, "variance_scaling", scale=1.0, mode="fan_avg", distribution="uniform")  # glorot_uniform
    keras_initializer_(model.dense_1.bias, 2, 2, "zeros")


# --- trained weights ---------------------------------------------------------
@torch.no_grad()
def load_weights(model, path=WEIGHTS):
    """gradlab's trained variables (Keras kernels [in, out] -> nn.Linear weights [out, in])."""
    w = load_file(path)
    model.dense.weight.copy_(w.pop("dense/kernel").T)
    model.dense.bias.copy_(w.pop("dense/bias"))
    model.dense_1.weight.copy_(w.pop("dense_1/kernel").T)
    model.dense_1.bias.copy_(w.pop("dense_1/bias"))
    if w:
        raise ValueError(f"{path} holds tensors no layer uses: {sorted(w)}")


# --- compile -----------------------------------------------------------------
# gradlab: compile optimizer=rmsprop
def loss_fn(output, target):
    """sparse_categorical_crossentropy on probabilities, as Keras computes it: each row
    normalized to sum 1, the target's probability clipped to [EPSILON, 1 - EPSILON]."""
    p = output / output.sum(dim=1, keepdim=True)
    p = p.gather(1, target.view(-1, 1)).clamp(EPSILON, 1 - EPSILON)
    return -torch.log(p).mean()


def correct_count(output, target):
    """gradlab's (and Keras') accuracy: the arg-max class against the target."""
    return int((output.argmax(dim=1) == target).sum())


def penalty(model):
    """Kernel and bias regularizers added to the loss: l1·Σ|w| + l2·Σw² (Keras' l2 has no ½)."""
    return torch.zeros(())


@torch.no_grad()
def apply_constraints(model):
    """Kernel constraints, after each step as in Keras."""
    pass


def clip_gradients(params):
    """No gradient clipping was compiled."""
    pass


def learning_rate_at(step, base):
    """A constant rate (ReduceLROnPlateau may lower `base`)."""
    return base


class KerasRMSprop(torch.optim.Optimizer):
    """Keras' RMSprop: v = ρ·v + (1−ρ)·g²; step = lr·g / sqrt(v + ε) (ε inside the root);
    with momentum m = momentum·m + step; w −= m."""

    def __init__(self, params, learning_rate, rho=0.9, momentum=0.0, epsilon=1e-07):
        super().__init__(params, dict(lr=learning_rate))
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.iterations = 0

    @torch.no_grad()
    def step(self):
        params = [p for group in self.param_groups for p in group["params"] if p.grad is not None]
        clip_gradients(params)
        lr = learning_rate_at(self.iterations, self.param_groups[0]["lr"])
        t = self.iterations + 1
        for p in params:
            g, state = p.grad, self.state[p]
            v = state.setdefault("v", torch.zeros_like(p))
            v.mul_(self.rho).add_((1 - self.rho) * g * g)
            increment = lr * g / torch.sqrt(v + self.epsilon)
            if self.momentum > 0:
                m = state.setdefault("m", torch.zeros_like(p))
                m.mul_(self.momentum).add_(increment)
                p.sub_(m)
            else:
                p.sub_(increment)
        self.iterations += 1


def make_optimizer(model):
    trainable = [p for p in model.parameters() if p.requires_grad]
    return KerasRMSprop(trainable, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07)


@torch.no_grad()
def predict(model, x, batch_size=500):
    model.eval()
    return torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])


@torch.no_grad()
def evaluate(model, x, y, batch_size=500):
    """Loss (with the kernel penalties) and accuracy in inference mode, as Keras' evaluate."""
    model.eval()
    total, correct = 0.0, 0
    for i in range(0, len(x), batch_size):
        output, target = model(x[i:i + batch_size]), y[i:i + batch_size]
        total += loss_fn(output, target).item() * len(target)
        correct += correct_count(output, target)
    return total / len(x) + penalty(model).item(), correct / len(x)


class Callback:
    stop = False

    def begin(self, model):
        pass

    def epoch_begin(self, model, optimizer, epoch):
        pass

    def epoch_end(self, model, optimizer, logs):
        pass

    def end(self, model):
        pass


def improved(monitor, value, best):
    return best is None or (value < best if monitor.endswith("loss") else value > best)


class EarlyStopping(Callback):
    """Keras' EarlyStopping (min_delta=0)."""

    def __init__(self, monitor="val_loss", patience=0, restore_best_weights=False):
        self.monitor, self.patience, self.restore_best_weights = monitor, patience, restore_best_weights

    def begin(self, model):
        self.best, self.wait, self.stop, self.best_state = None, 0, False, None

    def epoch_end(self, model, optimizer, logs):
        value = logs.get(self.monitor, logs.get(self.monitor.replace("val_", "")))
        if improved(self.monitor, value, self.best):
            self.best, self.wait = value, 0
            if self.restore_best_weights:
                self.best_state = copy.deepcopy(model.state_dict())
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stop = True
            print(f"early stopping: {self.monitor} has not improved for {self.patience} epoch(s)")

    def end(self, model):
        if self.restore_best_weights and self.best_state is not None:
            model.load_state_dict(self.best_state)


class ModelCheckpoint(Callback):
    """Keras' ModelCheckpoint: saves the state_dict when the monitored value improves."""

    def __init__(self, path, monitor="val_loss", save_best_only=True):
        self.path, self.monitor, self.save_best_only = path, monitor, save_best_only

    def begin(self, model):
        self.best = None

    def epoch_end(self, model, optimizer, logs):
        value = logs.get(self.monitor, logs.get(self.monitor.replace("val_", "")))
        if self.save_best_only and not improved(self.monitor, value, self.best):
            return
        self.best = value
        torch.save(model.state_dict(), self.path)


# --- training ----------------------------------------------------------------
def fit(model, optimizer, data, epochs=1, batch_size=32, shuffle=True, callbacks=()):
    """Keras' fit: shuffled mini-batches (the last one may be smaller), then validation."""
    x, y = data["train"]
    n = len(x)
    for cb in callbacks:
        cb.begin(model)
    for epoch in range(1, epochs + 1):
        for cb in callbacks:
            cb.epoch_begin(model, optimizer, epoch - 1)
        train_mode(model)
        order = torch.randperm(n) if shuffle else torch.arange(n)
        total, correct = 0.0, 0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            output = model(x[idx])
            loss = loss_fn(output, y[idx]) + penalty(model)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            apply_constraints(model)
            total += loss.item() * len(idx)
            correct += correct_count(output.detach(), y[idx])
        logs = {"loss": total / n, "accuracy": correct / n}
        if "validation" in data:
            logs["val_loss"], logs["val_accuracy"] = evaluate(model, *data["validation"])
        print(f"Epoch {epoch}/{epochs} - " + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        for cb in callbacks:
            cb.epoch_end(model, optimizer, logs)
        if any(cb.stop for cb in callbacks):
            break
    for cb in callbacks:
        cb.end(model)


def train(model, data):
    optimizer = make_optimizer(model)
    # gradlab: fit epochs=3 callbacks=early_stopping(patience=1, restore_best_weights=true),model_checkpoint(monitor=val_accuracy)
    fit(model, optimizer, data, epochs=3, batch_size=32, shuffle=True,
        callbacks=[EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True),
                   ModelCheckpoint("/tmp/gradlab-snapshot/sessions/best.pt", monitor="val_accuracy", save_best_only=True)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true", help="train from scratch instead of loading gradlab's weights")
    parser.add_argument("--split", default="test", choices=["train", "validation", "test"], help="the split to evaluate")
    parser.add_argument("--predictions", metavar="FILE.npy", help="save the split's predicted probabilities (float32)")
    parser.add_argument("--weights", default=WEIGHTS, help="the safetensors file of trained weights")
    parser.add_argument("--init", metavar="FILE.safetensors",
                        help="with --train: start from these weights (e.g. gradlab's initial ones) instead of fresh ones")
    parser.add_argument("--save", metavar="FILE", help="after evaluating, save the model's state_dict (FILE.pt: build_model() then model.load_state_dict(torch.load(FILE)))")
    args = parser.parse_args()
    data = prepared_data()
    # gradlab: seed 42  (PyTorch draws its own random numbers: --train starts from
    # other initial weights than gradlab did, with the same initializers)
    torch.manual_seed(SEED)
    model = build_model()
    if args.train:
        if args.init:
            load_weights(model, args.init)
        else:
            initialize(model)
        train(model, data)
    else:
        load_weights(model, args.weights)
    # gradlab: evaluate test
    x, y = data[args.split]
    loss, accuracy = evaluate(model, x, y)
    print(f"{args.split}: loss: {loss:.4f} - accuracy: {accuracy:.4f}  ({len(x)} samples)")
    if args.predictions:
        np.save(args.predictions, predict(model, x).numpy().astype(np.float32))
    if args.save:
        torch.save(model.state_dict(), args.save)


if __name__ == "__main__":
    main()
