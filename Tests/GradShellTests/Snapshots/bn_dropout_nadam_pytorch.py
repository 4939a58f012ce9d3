#!/usr/bin/env python3
"""gradlab's model (4 layers, 323 parameters) as a PyTorch script.

Written by gradlab's `export`. Each section names the gradlab command it came
from. The trained weights are in bn_dropout_nadam_pytorch.safetensors, beside this file
(safetensors, one float32 tensor per variable, named by its Keras path such as
dense/kernel [in, out] or batch_normalization/moving_mean).

    python bn_dropout_nadam_pytorch.py                  # gradlab's trained weights, evaluated on the test split
    python bn_dropout_nadam_pytorch.py --train          # train from scratch with the same settings, then evaluate
    python bn_dropout_nadam_pytorch.py --split validation --predictions probabilities.npy
    python bn_dropout_nadam_pytorch.py --save model.pt      # keep the model in PyTorch's format (a state_dict)

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
WEIGHTS = os.path.join(HERE, "bn_dropout_nadam_pytorch.safetensors")
SEED = 42
EPSILON = 1e-7  # Keras' backend epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]


# --- data --------------------------------------------------------------------
# gradlab: data spirals n=200 classes=3 validation=40
DATA = os.path.join(HERE, "bn_dropout_nadam_pytorch.data.safetensors")


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


class KerasBatchNorm1d(nn.BatchNorm1d):
    """nn.BatchNorm1d updated as Keras' BatchNormalization: momentum here is 1 - Keras'
    momentum (0.99 -> 0.01) and the moving variance takes the batch's biased variance
    (nn.BatchNorm1d would take the unbiased one). Inference is plain BatchNorm1d."""

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        mean = x.mean(dim=0)
        var = x.var(dim=0, unbiased=False)
        with torch.no_grad():
            self.running_mean.mul_(1 - self.momentum).add_(mean, alpha=self.momentum)
            self.running_var.mul_(1 - self.momentum).add_(var, alpha=self.momentum)
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias


# --- model -------------------------------------------------------------------
def build_model():
    # gradlab: model new  (input shape (2,))
    model = nn.Sequential(OrderedDict([
        # gradlab: add dense 32 activation=elu kernel_initializer=he_normal
        ("dense", nn.Linear(2, 32)),
        ("dense_elu", nn.ELU(alpha=1.0)),
        # gradlab: add batchnorm  (Keras momentum 0.99 -> PyTorch momentum 1 - 0.99)
        ("batch_normalization", KerasBatchNorm1d(32, momentum=1 - 0.99, eps=0.001)),
        # gradlab: add dropout 0.2
        ("dropout", nn.Dropout(0.2)),
        # gradlab: add dense 3 activation=softmax
        ("dense_1", nn.Linear(32, 3)),
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
    keras_initializer_(model.dense.weight, 2, 32, "variance_scaling", scale=2.0, mode="fan_in", distribution="truncated_normal")  # he_normal
    keras_initializer_(model.dense.bias, 32, 32, "zeros")
    keras_initializer_(model.dense_1.weight, 32, 3, "variance_scaling", scale=1.0, mode="fan_avg", distribution="uniform")  # glorot_uniform
    keras_initializer_(model.dense_1.bias, 3, 3, "zeros")


# --- trained weights ---------------------------------------------------------
@torch.no_grad()
def load_weights(model, path=WEIGHTS):
    """gradlab's trained variables (Keras kernels [in, out] -> nn.Linear weights [out, in])."""
    w = load_file(path)
    model.dense.weight.copy_(w.pop("dense/kernel").T)
    model.dense.bias.copy_(w.pop("dense/bias"))
    model.batch_normalization.weight.copy_(w.pop("batch_normalization/gamma"))
    model.batch_normalization.bias.copy_(w.pop("batch_normalization/beta"))
    model.batch_normalization.running_mean.copy_(w.pop("batch_normalization/moving_mean"))
    model.batch_normalization.running_var.copy_(w.pop("batch_normalization/moving_variance"))
    model.dense_1.weight.copy_(w.pop("dense_1/kernel").T)
    model.dense_1.bias.copy_(w.pop("dense_1/bias"))
    if w:
        raise ValueError(f"{path} holds tensors no layer uses: {sorted(w)}")


# --- compile -----------------------------------------------------------------
# gradlab: compile optimizer=nadam clipnorm=1.0 learning_rate=exponential(0.01, decay_steps=20, decay_rate=0.5)
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
    """clipnorm=1.0: each gradient tensor rescaled to L2 norm <= 1.0, as Keras."""
    for p in params:
        norm = p.grad.norm()
        if norm > 1.0:
            p.grad.mul_(1.0 / norm)


def learning_rate_at(step, base):
    """gradlab's exponential(initial=0.01, decay_steps=20.0, decay_rate=0.5), Keras' formula, at optimizer step `step`."""
    return 0.01 * 0.5 ** (step / 20.0)  # ExponentialDecay


class KerasNadam(torch.optim.Optimizer):
    """Keras 3's Nadam: uₜ = β₁(1 − ½·0.96ᵗ); m̂ = uₜ₊₁·m/(1 − Πu·uₜ₊₁) + (1 − uₜ)·g/(1 − Πu);
    v̂ = v/(1 − β₂ᵗ); w −= lr·m̂ / (sqrt(v̂) + ε)."""

    def __init__(self, params, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-07):
        super().__init__(params, dict(lr=learning_rate))
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.iterations = 0
        self.u_product = 1.0

    @torch.no_grad()
    def step(self):
        params = [p for group in self.param_groups for p in group["params"] if p.grad is not None]
        clip_gradients(params)
        lr = learning_rate_at(self.iterations, self.param_groups[0]["lr"])
        t = self.iterations + 1
        u_t = self.beta_1 * (1 - 0.5 * 0.96 ** t)
        u_next = self.beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
        self.u_product *= u_t
        u_product_next = self.u_product * u_next
        beta_2_power = self.beta_2 ** t
        for p in params:
            g, state = p.grad, self.state[p]
            m = state.setdefault("m", torch.zeros_like(p))
            v = state.setdefault("v", torch.zeros_like(p))
            m.add_((g - m) * (1 - self.beta_1))
            v.add_((g * g - v) * (1 - self.beta_2))
            m_hat = u_next * m / (1 - u_product_next) + (1 - u_t) * g / (1 - self.u_product)
            v_hat = v / (1 - beta_2_power)
            p.sub_(lr * m_hat / (torch.sqrt(v_hat) + self.epsilon))
        self.iterations += 1


def make_optimizer(model):
    trainable = [p for p in model.parameters() if p.requires_grad]
    return KerasNadam(trainable, learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-07)


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
    # gradlab: fit epochs=2
    fit(model, optimizer, data, epochs=2, batch_size=32, shuffle=True)


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
