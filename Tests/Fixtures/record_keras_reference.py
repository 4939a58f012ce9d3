#!/usr/bin/env python3
"""Record reference numbers from real Keras 3 (JAX backend) into keras_reference.json.

gradlab re-implements Keras layers/optimizers in Swift; its tests compare against the
numbers this script writes, so they were computed independently by Keras itself.

Usage (see README.md beside this file):

    python3 -m venv .venv-keras
    .venv-keras/bin/pip install keras jax jaxlib numpy
    KERAS_BACKEND=jax .venv-keras/bin/python Tests/Fixtures/record_keras_reference.py

All inputs are fixed literals in this file. The only randomness is in the
"initializers" section (fixed seed, only summary statistics are recorded) and the
"alpha_dropout" empirical check (fixed seed, only the set of output values and the
drop fraction are recorded). Everything runs in Keras' default float32; each float32
result is written as the exact double value of that float32 (full-precision JSON).
"""

import json
import math
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
from keras import ops  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_reference.json")


def tolist(x):
    """Any tensor/array/scalar -> nested Python floats (exact value of each element)."""
    if isinstance(x, (list, tuple)):
        return [tolist(v) for v in x]
    a = np.asarray(ops.convert_to_numpy(x) if not isinstance(x, (float, int, np.ndarray, np.generic)) else x)
    if a.dtype.kind in "iub":
        return a.tolist()
    return a.astype(np.float64).tolist()


def f(x):
    return float(np.asarray(ops.convert_to_numpy(x) if not isinstance(x, (float, int, np.generic)) else x))


# --------------------------------------------------------------------------- optimizers
OPT_INITIAL = [0.5, -1.0, 2.0]
OPT_GRADS = [[0.1, -0.2, 0.3], [0.4, 0.0, -0.5], [-0.3, 0.2, 0.1]]
CONFIG_KEYS = ["learning_rate", "momentum", "nesterov", "rho", "beta_1", "beta_2",
               "epsilon", "initial_accumulator_value", "centered", "amsgrad"]


def optimizer_cases():
    O = keras.optimizers
    return [
        ("sgd", O.SGD, {"learning_rate": 0.01}),
        ("sgd_momentum", O.SGD, {"learning_rate": 0.01, "momentum": 0.9}),
        ("sgd_nesterov", O.SGD, {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True}),
        ("adagrad", O.Adagrad, {"learning_rate": 0.01}),
        ("rmsprop", O.RMSprop, {"learning_rate": 0.01}),
        ("adam", O.Adam, {"learning_rate": 0.01}),
        ("adamax", O.Adamax, {"learning_rate": 0.01}),
        ("nadam", O.Nadam, {"learning_rate": 0.01}),
        ("adam_defaults", O.Adam, {}),
    ]


def record_optimizers():
    out = []
    for name, cls, kwargs in optimizer_cases():
        opt = cls(**kwargs)
        var = keras.Variable(np.array(OPT_INITIAL, dtype="float32"), name="w")
        steps, states = [], []
        for g in OPT_GRADS:
            opt.apply_gradients([(np.array(g, dtype="float32"), var)])
            steps.append(tolist(var.value))
            # keyed by v.name (v.path has an instance-numbered prefix such as "adam_1/")
            states.append({v.name: tolist(v.value) for v in opt.variables})
        cfg = opt.get_config()
        out.append({
            "name": name,
            "class": type(opt).__name__,
            "kwargs": kwargs,
            "config": {k: (float(cfg[k]) if isinstance(cfg[k], float) else cfg[k])
                       for k in CONFIG_KEYS if k in cfg},
            "initial": OPT_INITIAL,
            "gradients": OPT_GRADS,
            "after_step": steps,
            "optimizer_variables_after_step": states,
        })
    return out


# --------------------------------------------------------------------------- clipping
def apply_sgd(grads, inits, **clip):
    opt = keras.optimizers.SGD(learning_rate=1.0, **clip)
    vs = [keras.Variable(np.array(i, dtype="float32")) for i in inits]
    opt.apply_gradients([(np.array(g, dtype="float32"), v) for g, v in zip(grads, vs)])
    # with lr=1 and zero-initialised variables, the applied (clipped) gradient = -new value
    return [tolist(-v.value) for v in vs]


def record_clipping():
    cases = []
    for grads, note in [
        ([[100.0, 1.0]], "single tensor, norm sqrt(10001) > 1"),
        ([[3.0, 4.0], [6.0, 8.0]], "two tensors: norms 5 and 10, global norm sqrt(125)"),
        ([[0.3, 0.4]], "single tensor, norm 0.5 < 1: no clipping"),
    ]:
        inits = [[0.0] * len(g) for g in grads]
        for kind in ["clipvalue", "clipnorm", "global_clipnorm"]:
            cases.append({
                "note": note,
                "optimizer": "SGD(learning_rate=1.0)",
                "kind": kind,
                "threshold": 1.0,
                "initial": inits,
                "gradients": grads,
                "applied_update": apply_sgd(grads, inits, **{kind: 1.0}),
            })
    return {
        "description": "applied_update[i] = clipped gradient of tensor i = -(new value), "
                       "SGD lr=1 on zero-initialised variables",
        "cases": cases,
    }


# --------------------------------------------------------------------------- batchnorm
BN_X = [[1, 2, 3], [4, 5, 6], [7, 8, 10], [0, -1, 2]]


def bn_case(layer, weights=None):
    x = np.array(BN_X, dtype="float32")
    layer.build(x.shape)
    if weights is not None:
        layer.set_weights([np.array(w, dtype="float32") for w in weights])
    rec = {
        "config": {k: layer.get_config()[k] for k in ["axis", "momentum", "epsilon", "center", "scale"]},
        "variables": [{"name": v.name, "path": v.path, "trainable": bool(v.trainable),
                       "shape": list(v.shape)} for v in layer.variables],
        "set_weights_order": [v.name for v in layer.weights],
        "weights_before": {v.name: tolist(v.value) for v in layer.variables},
        "input": BN_X,
    }
    y_train = layer(x, training=True)
    rec["output_training"] = tolist(y_train)
    rec["moving_mean_after"] = tolist(layer.moving_mean.value)
    rec["moving_variance_after"] = tolist(layer.moving_variance.value)
    rec["batch_mean"] = tolist(x.mean(axis=0, dtype=np.float64))
    rec["batch_variance_biased"] = tolist(x.var(axis=0, dtype=np.float64))
    rec["output_inference_after"] = tolist(layer(x, training=False))
    rec["count_params"] = layer.count_params()
    return rec


def record_batchnorm():
    L = keras.layers.BatchNormalization
    return {
        "defaults": bn_case(L()),
        "custom": dict(bn_case(L(momentum=0.9, epsilon=1e-3),
                              weights=[[1.5, 0.5, 2.0], [0.1, -0.2, 0.3],
                                       [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]),
                       gamma=[1.5, 0.5, 2.0], beta=[0.1, -0.2, 0.3]),
    }


# --------------------------------------------------------------------------- activations
ACT_X = [-5.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 5.0]
SOFTMAX_ROWS = [[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0], [0.0, 0.0, 0.0],
                [10.0, -10.0, 0.0], [1000.0, 1001.0, 1002.0]]


def record_activations():
    A = keras.activations
    fns = {
        "sigmoid": A.sigmoid,
        "tanh": A.tanh,
        "relu": A.relu,
        "leaky_relu_0.2": lambda x: A.leaky_relu(x, negative_slope=0.2),
        "leaky_relu_0.01": lambda x: A.leaky_relu(x, negative_slope=0.01),
        "leaky_relu_0.3": lambda x: A.leaky_relu(x, negative_slope=0.3),
        "leaky_relu_function_default": lambda x: A.leaky_relu(x),
        "LeakyReLU_layer_default": lambda x: keras.layers.LeakyReLU()(x),
        "elu": lambda x: A.elu(x, alpha=1.0),
        "selu": A.selu,
        "softplus": A.softplus,
        "softsign": A.softsign,
        "hard_sigmoid": A.hard_sigmoid,
        "relu6": A.relu6,
        "celu": A.celu,
        "celu_0.5": lambda x: A.celu(x, alpha=0.5),
        "exponential": A.exponential,
        "silu": A.silu,
        "swish": A.swish,
        "gelu": A.gelu,
        "gelu_approximate": lambda x: A.gelu(x, approximate=True),
        "mish": A.mish,
    }
    x = jnp.array(ACT_X, dtype=jnp.float32)
    values, grads = {}, {}
    for name, fn in fns.items():
        values[name] = tolist(fn(x))
        grads[name] = tolist(jax.grad(lambda t: jnp.sum(fn(t)))(x))
    s = jnp.array(SOFTMAX_ROWS, dtype=jnp.float32)
    sm = A.softmax(s, axis=-1)
    jac = [tolist(jax.jacobian(lambda r: A.softmax(r[None, :], axis=-1)[0])(row)) for row in s]
    return {
        "x": ACT_X,
        "values": values,
        "derivatives": grads,
        "derivative_note": "jax.grad of sum(f(x)), i.e. elementwise f'(x); at x=0 this shows "
                           "which one-sided derivative the backend picks",
        "defaults": {
            "keras.activations.leaky_relu.negative_slope": 0.2,
            "keras.layers.LeakyReLU.negative_slope": float(keras.layers.LeakyReLU().negative_slope),
            "keras.activations.elu.alpha": 1.0,
            "selu.alpha": 1.6732632423543772848170429916717,
            "selu.scale": 1.0507009873554804934193349852946,
        },
        "softmax": {"rows": SOFTMAX_ROWS, "axis": -1, "values": tolist(sm),
                    "jacobians": jac,
                    "jacobian_note": "jacobians[r][i][j] = d softmax(row r)_i / d row_r[j]"},
    }


# --------------------------------------------------------------------------- losses
def record_losses():
    L = keras.losses
    # 3 samples, 3 classes; sample 2 gives the true class probability exactly 0.
    probs = [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.0, 0.5, 0.5]]
    sparse_true = [0, 1, 0]
    onehot_true = [[1, 0, 0], [0, 1, 0], [1, 0, 0]]
    # unnormalised rows: Keras' categorical_crossentropy divides by the row sum first
    unnorm = [[1.4, 0.4, 0.2], [0.2, 1.6, 0.2]]
    unnorm_true = [[1, 0, 0], [0, 0, 1]]
    logits = [[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [-3.0, 0.0, 3.0]]
    bin_true = [[1, 0, 1, 0], [0, 1, 1, 0]]
    bin_pred = [[0.9, 0.1, 0.0, 1.0], [0.3, 0.6, 0.999, 0.5]]
    bin_logits = [[2.0, -1.0, 0.0, 3.0], [-0.5, 0.5, 4.0, -2.0]]
    mse_true = [[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]]
    mse_pred = [[1.5, 1.0, 3.0], [0.2, -0.5, -0.5]]

    def case(name, cls_kwargs, fn, y_true, y_pred, true_dtype="float32"):
        yt = np.array(y_true, dtype=true_dtype)
        yp = jnp.array(y_pred, dtype=jnp.float32)
        loss_obj = getattr(L, name)(**cls_kwargs)
        per_sample = fn(yt, yp)
        mean = loss_obj(yt, yp)
        grad = jax.grad(lambda p: loss_obj(yt, p))(yp)
        return {
            "loss": name, "kwargs": cls_kwargs, "reduction": loss_obj.reduction,
            "y_true": y_true, "y_pred": y_pred,
            "per_sample": tolist(per_sample), "mean": f(mean),
            "grad_mean_wrt_y_pred": tolist(grad),
        }

    return {
        "epsilon": float(keras.config.epsilon()),
        "note": "probabilities are clipped to [epsilon, 1-epsilon] (epsilon=1e-7) before the log; "
                "categorical_crossentropy also divides y_pred by its row sum first; "
                "mean = 'sum_over_batch_size' reduction; gradient is of the mean loss",
        "cases": [
            case("SparseCategoricalCrossentropy", {}, L.sparse_categorical_crossentropy,
                 sparse_true, probs, true_dtype="int32"),
            case("CategoricalCrossentropy", {}, L.categorical_crossentropy, onehot_true, probs),
            case("CategoricalCrossentropy", {}, L.categorical_crossentropy, unnorm_true, unnorm),
            case("SparseCategoricalCrossentropy", {"from_logits": True},
                 lambda t, p: L.sparse_categorical_crossentropy(t, p, from_logits=True),
                 [0, 1, 0], logits, true_dtype="int32"),
            case("CategoricalCrossentropy", {"from_logits": True},
                 lambda t, p: L.categorical_crossentropy(t, p, from_logits=True),
                 onehot_true, logits),
            case("BinaryCrossentropy", {}, L.binary_crossentropy, bin_true, bin_pred),
            case("BinaryCrossentropy", {"from_logits": True},
                 lambda t, p: L.binary_crossentropy(t, p, from_logits=True), bin_true, bin_logits),
            case("MeanSquaredError", {}, L.mean_squared_error, mse_true, mse_pred),
        ],
    }


# --------------------------------------------------------------------------- schedules
SCHED_STEPS = [0, 1, 5, 6, 10, 15, 16, 100, 1000, 10000]


def record_schedules():
    S = keras.optimizers.schedules
    cases = [
        ("ExponentialDecay", {"initial_learning_rate": 0.01, "decay_steps": 1000,
                              "decay_rate": 0.1, "staircase": False},
         "lr0 * decay_rate ** (step / decay_steps)"),
        ("ExponentialDecay", {"initial_learning_rate": 0.01, "decay_steps": 1000,
                              "decay_rate": 0.1, "staircase": True},
         "lr0 * decay_rate ** floor(step / decay_steps)"),
        ("InverseTimeDecay", {"initial_learning_rate": 0.01, "decay_steps": 10000,
                              "decay_rate": 1.0, "staircase": False},
         "lr0 / (1 + decay_rate * step / decay_steps)"),
        ("PiecewiseConstantDecay", {"boundaries": [5, 15], "values": [0.01, 0.005, 0.001]},
         "values[0] if step <= b[0]; values[1] if b[0] < step <= b[1]; values[2] otherwise"),
    ]
    out = []
    for cls, kw, formula in cases:
        sched = getattr(S, cls)(**kw)
        out.append({"class": cls, "kwargs": kw, "formula": formula, "steps": SCHED_STEPS,
                    "values": [f(sched(s)) for s in SCHED_STEPS]})
    return out


# --------------------------------------------------------------------------- regularizers
def record_regularizers():
    R = keras.regularizers
    kernel = [[1.0, -2.0], [3.0, 0.5]]
    k = np.array(kernel, dtype="float32")
    w = [[3.0, 0.1], [4.0, 0.2]]
    mn = keras.constraints.MaxNorm(1.0)
    return {
        "kernel": kernel,
        "penalties": {
            "l1(0.01)": f(R.L1(0.01)(k)),
            "l2(0.01)": f(R.L2(0.01)(k)),
            "l1_l2(l1=0.01,l2=0.01)": f(R.L1L2(l1=0.01, l2=0.01)(k)),
        },
        "penalty_formulas": {"l1": "l1 * sum(|w|)", "l2": "l2 * sum(w^2)  (no 1/2 factor)",
                             "l1_l2": "l1 * sum(|w|) + l2 * sum(w^2)"},
        "max_norm": {
            "max_value": 1.0, "axis": mn.get_config()["axis"], "input": w,
            "output": tolist(mn(np.array(w, dtype="float32"))),
            "formula": "w * clip(norm, 0, max_value) / (epsilon + norm), norm over axis "
                       "(keepdims), epsilon=1e-7: columns already within the limit are "
                       "still scaled by norm/(norm+1e-7)",
        },
    }


# --------------------------------------------------------------------------- initializers
TRUNC_CONST = 0.87962566103423978


def record_initializers():
    I = keras.initializers
    fan_in, fan_out = 784, 300
    shape = (fan_in, fan_out)
    avg = (fan_in + fan_out) / 2.0
    seed = 42
    cases = [
        ("glorot_uniform", I.GlorotUniform(seed=seed), math.sqrt(1.0 / avg),
         "uniform(-L, L), L = sqrt(6/(fan_in+fan_out)); std = L/sqrt(3) = sqrt(2/(fan_in+fan_out))",
         math.sqrt(6.0 / (fan_in + fan_out))),
        ("glorot_normal", I.GlorotNormal(seed=seed), math.sqrt(1.0 / avg),
         "truncated_normal(stddev = sqrt(2/(fan_in+fan_out)) / 0.87962566103423978) cut at 2*stddev; "
         "std after truncation = sqrt(2/(fan_in+fan_out))",
         2 * math.sqrt(1.0 / avg) / TRUNC_CONST),
        ("he_normal", I.HeNormal(seed=seed), math.sqrt(2.0 / fan_in),
         "truncated_normal(stddev = sqrt(2/fan_in) / 0.8796...) cut at 2*stddev; std = sqrt(2/fan_in)",
         2 * math.sqrt(2.0 / fan_in) / TRUNC_CONST),
        ("he_uniform", I.HeUniform(seed=seed), math.sqrt(2.0 / fan_in),
         "uniform(-L, L), L = sqrt(6/fan_in); std = sqrt(2/fan_in)", math.sqrt(6.0 / fan_in)),
        ("lecun_normal", I.LecunNormal(seed=seed), math.sqrt(1.0 / fan_in),
         "truncated_normal(stddev = sqrt(1/fan_in) / 0.8796...) cut at 2*stddev; std = sqrt(1/fan_in)",
         2 * math.sqrt(1.0 / fan_in) / TRUNC_CONST),
        ("lecun_uniform", I.LecunUniform(seed=seed), math.sqrt(1.0 / fan_in),
         "uniform(-L, L), L = sqrt(3/fan_in); std = sqrt(1/fan_in)", math.sqrt(3.0 / fan_in)),
        ("random_normal", I.RandomNormal(seed=seed), 0.05,
         "normal(mean 0, stddev 0.05), untruncated", None),
        ("random_uniform", I.RandomUniform(seed=seed), 0.1 / math.sqrt(12.0),
         "uniform(-0.05, 0.05); std = 0.1/sqrt(12)", 0.05),
        ("variance_scaling_2_fan_avg_uniform",
         I.VarianceScaling(scale=2.0, mode="fan_avg", distribution="uniform", seed=seed),
         math.sqrt(2.0 / avg),
         "uniform(-L, L), L = sqrt(3*scale/fan_avg) = sqrt(12/(fan_in+fan_out)); std = sqrt(2/fan_avg)",
         math.sqrt(3.0 * 2.0 / avg)),
    ]
    out = []
    for name, init, std_theory, formula, bound in cases:
        a = np.asarray(ops.convert_to_numpy(init(shape, dtype="float32")), dtype=np.float64)
        out.append({
            "name": name, "config": {k: v for k, v in init.get_config().items() if k != "seed"},
            "seed": seed, "shape": list(shape),
            "sample_mean": float(a.mean()), "sample_std": float(a.std()),
            "sample_min": float(a.min()), "sample_max": float(a.max()),
            "theoretical_std": std_theory, "theoretical_bound": bound, "formula": formula,
        })
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": avg,
            "truncated_normal_correction": TRUNC_CONST,
            "truncated_normal_note": "0.87962566103423978 is the std of a standard normal "
                                     "truncated to [-2, 2]; Keras divides the target std by it",
            "cases": out}


# --------------------------------------------------------------------------- param counts
def count(model):
    tr = sum(int(np.prod(v.shape)) for v in model.trainable_weights)
    ntr = sum(int(np.prod(v.shape)) for v in model.non_trainable_weights)
    return {
        "count_params": model.count_params(), "trainable": tr, "non_trainable": ntr,
        "layers": [{"class": type(l).__name__, "params": l.count_params(),
                    "weights": [{"name": v.name, "path": v.path, "shape": list(v.shape),
                                 "trainable": bool(v.trainable)} for v in l.weights]}
                   for l in model.layers],
    }


def record_param_counts():
    Ls = keras.layers

    def seq(layers):
        return keras.Sequential([keras.Input(shape=(28, 28))] + layers)

    a = seq([Ls.Flatten(), Ls.Dense(300, activation="elu"), Ls.Dense(100, activation="elu"),
             Ls.Dense(10, activation="softmax")])
    b = seq([Ls.Flatten(), Ls.BatchNormalization(),
             Ls.Dense(300, activation="elu"), Ls.BatchNormalization(),
             Ls.Dense(100, activation="elu"), Ls.BatchNormalization(),
             Ls.Dense(10, activation="softmax")])
    c = seq([Ls.Flatten(), Ls.BatchNormalization(),
             Ls.Dense(300, use_bias=False), Ls.BatchNormalization(), Ls.Activation("elu"),
             Ls.Dense(100, use_bias=False), Ls.BatchNormalization(), Ls.Activation("elu"),
             Ls.Dense(10, activation="softmax")])
    return {
        "input_shape": [28, 28],
        "mlp": dict(count(a), description="Flatten, Dense300 elu, Dense100 elu, Dense10 softmax"),
        "bn_mlp": dict(count(b), description="Flatten, BN, Dense300 elu, BN, Dense100 elu, BN, "
                                             "Dense10 softmax"),
        "bn_before_activation": dict(count(c), description=(
            "Flatten, BN, Dense300(use_bias=False), BN, Activation elu, "
            "Dense100(use_bias=False), BN, Activation elu, Dense10 softmax")),
    }


# --------------------------------------------------------------------------- alpha dropout
def record_alpha_dropout():
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    alpha_p = -alpha * scale
    rates = {}
    for rate in [0.1, 0.2, 0.5]:
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        rates[str(rate)] = {"rate": rate, "a": a, "b": b,
                            "kept_value_for_x=1": a + b, "dropped_value": a * alpha_p + b}
    # empirical check with Keras' own layer (fixed seed): outputs must be in {a*x+b, a*alpha_p+b}
    rate = 0.1
    layer = keras.layers.AlphaDropout(rate, seed=1234)
    x = np.ones((20000,), dtype="float32")
    y = np.asarray(ops.convert_to_numpy(layer(x, training=True)), dtype=np.float64)
    uniq = sorted(set(np.round(y, 6).tolist()))
    dropped = rates["0.1"]["dropped_value"]
    return {
        "alpha": alpha, "scale": scale, "alpha_p": alpha_p,
        "formulas": {"alpha_p": "-alpha * scale (selu constants)",
                     "a": "((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5",
                     "b": "-a * alpha_p * rate",
                     "output": "a * (x * keep + alpha_p * (1 - keep)) + b, keep ~ U[0,1) >= rate; "
                               "identity when not training"},
        "rates": rates,
        "empirical_rate_0.1": {
            "input": "ones(20000)", "seed": 1234,
            "distinct_outputs_rounded_1e-6": uniq,
            "dropped_fraction": float(np.mean(np.abs(y - dropped) < 1e-5)),
            "inference_is_identity": bool(np.all(np.asarray(ops.convert_to_numpy(
                layer(x, training=False))) == x)),
        },
    }


# --------------------------------------------------------------------------- main
def main():
    assert keras.backend.backend() == "jax", keras.backend.backend()
    keras.utils.set_random_seed(0)
    data = {
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "jax_version": jax.__version__,
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "floatx": keras.config.floatx(),
        "epsilon": float(keras.config.epsilon()),
        "optimizers": record_optimizers(),
        "clipping": record_clipping(),
        "batchnorm": record_batchnorm(),
        "activations": record_activations(),
        "losses": record_losses(),
        "schedules": record_schedules(),
        "regularizers": record_regularizers(),
        "initializers": record_initializers(),
        "param_counts": record_param_counts(),
        "alpha_dropout": record_alpha_dropout(),
    }
    with open(OUT, "w") as fh:
        json.dump(data, fh, indent=1, allow_nan=False)
        fh.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
