#!/usr/bin/env python3
"""gradlab's model (4 layers, 418 parameters) as a Keras 3 script.

Written by gradlab's `export`. Each section names the gradlab command it came
from. The trained weights are in residual_frozen_keras.safetensors, beside this file
(safetensors, one float32 tensor per variable, named by its Keras path such as
dense/kernel [in, out] or batch_normalization/moving_mean).

    python residual_frozen_keras.py                  # gradlab's trained weights, evaluated on the test split
    python residual_frozen_keras.py --train          # train from scratch with the same settings, then evaluate
    python residual_frozen_keras.py --split validation --predictions probabilities.npy
    python residual_frozen_keras.py --save model.keras      # keep the model in Keras' own format

Needs: pip install keras jax safetensors numpy
Any Keras 3 backend runs it (KERAS_BACKEND=jax, tensorflow or torch). On a GPU
or TPU nothing changes; across devices or hosts see keras.distribution
(JAX: DataParallel / ModelParallel) or tf.distribute.
"""
import argparse
import gzip
import math
import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import keras
import safetensors.numpy
from keras import layers, ops

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHTS = os.path.join(HERE, "residual_frozen_keras.safetensors")
SEED = 42


# --- data --------------------------------------------------------------------
# gradlab: data xor n=200 validation=40 standardize=true
DATA = os.path.join(HERE, "residual_frozen_keras.data.safetensors")


def load_data():
    """The splits gradlab used, as {name: (features, targets)}: the exact samples,
    saved beside this script by the export."""
    arrays = safetensors.numpy.load_file(DATA)
    splits = {}
    for name in ("train", "validation", "test"):
        if f"x_{name}" in arrays:
            y = arrays[f"y_{name}"]
            splits[name] = (arrays[f"x_{name}"], y.astype(np.int64))
    # gradlab: standardize=true — each feature to mean 0, std 1 with statistics
    # fitted on the training split (float64 sums, as gradlab).
    x = splits["train"][0].reshape(len(splits["train"][0]), -1).astype(np.float64)
    mean = x.sum(axis=0) / len(x)
    var = np.maximum(0, (x * x).sum(axis=0) / len(x) - mean * mean)
    inv_std = np.where(var > 1e-12, 1 / np.sqrt(np.where(var > 1e-12, var, 1)), 1)
    mean, inv_std = mean.astype(np.float32), inv_std.astype(np.float32)
    shape = splits["train"][0].shape[1:]
    splits = {k: (((x.reshape(len(x), -1) - mean) * inv_std).reshape((len(x),) + shape), y) for k, (x, y) in splits.items()}
    return splits


def prepared_data():
    """Class indices are what sparse_categorical_crossentropy takes."""
    return load_data()


@keras.saving.register_keras_serializable(package="gradlab")
class Residual(layers.Layer):
    """gradlab's residual block y = x + dense(x) (He et al. 2016); the dense layer
    keeps the input's width so the sum is defined."""

    DENSE_KEYS = ("units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                  "kernel_regularizer", "bias_regularizer", "kernel_constraint")

    def __init__(self, units, dense_name=None, **kwargs):
        dense_args = {k: kwargs.pop(k) for k in self.DENSE_KEYS[1:] if k in kwargs}
        super().__init__(**kwargs)
        self.dense = layers.Dense(units, name=dense_name or self.name + "_dense", **dense_args)

    def build(self, input_shape):
        self.dense.build(input_shape)

    def call(self, x):
        return x + self.dense(x)

    def get_config(self):
        dense = self.dense.get_config()
        return {**super().get_config(), "dense_name": self.dense.name, **{k: dense[k] for k in self.DENSE_KEYS}}


# --- model -------------------------------------------------------------------
def build_model():
    # gradlab: model new
    model = keras.Sequential(name="sequential")
    model.add(keras.Input(shape=(2,)))
    # gradlab: add dense 16 activation=relu
    model.add(layers.Dense(16, activation="relu", name="dense"))
    # gradlab: add residual dense 16 activation=tanh kernel_regularizer=l2(0.001)
    model.add(Residual(16, activation="tanh", kernel_regularizer=keras.regularizers.L2(0.001), name="residual"))
    # gradlab: add batchnorm
    model.add(layers.BatchNormalization(name="batch_normalization"))
    # gradlab: add dense 2 activation=softmax
    model.add(layers.Dense(2, activation="softmax", name="dense_1"))
    # gradlab: set trainable 0 false
    model.get_layer("dense").trainable = False
    # gradlab: set trainable 2 false  (a frozen BatchNormalization runs in inference mode, in Keras 3 as in gradlab)
    model.get_layer("batch_normalization").trainable = False
    return model


# --- compile -----------------------------------------------------------------
def compile_model(model):
    # gradlab: compile optimizer=adam(learning_rate=0.01)
    optimizer = keras.optimizers.Adam(learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-07)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])


# --- trained weights ---------------------------------------------------------
def load_weights(model, path=WEIGHTS):
    """Assigns gradlab's trained variables, matched by `layer/variable` name."""
    weights = safetensors.numpy.load_file(path)
    for layer in model.layers:
        prefix = layer.dense.name if isinstance(layer, Residual) else layer.name
        for v in layer.weights:
            v.assign(weights.pop(f"{prefix}/{v.name}"))
    if weights:
        raise ValueError(f"{path} holds tensors no layer uses: {sorted(weights)}")


# --- training ----------------------------------------------------------------
def train(model, data):
    x, y = data["train"]
    # gradlab: fit epochs=2 shuffle=false
    model.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=2, validation_data=data["validation"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true", help="train from scratch instead of loading gradlab's weights")
    parser.add_argument("--split", default="test", choices=["train", "validation", "test"], help="the split to evaluate")
    parser.add_argument("--predictions", metavar="FILE.npy", help="save the split's predicted probabilities (float32)")
    parser.add_argument("--weights", default=WEIGHTS, help="the safetensors file of trained weights")
    parser.add_argument("--init", metavar="FILE.safetensors",
                        help="with --train: start from these weights (e.g. gradlab's initial ones) instead of fresh ones")
    parser.add_argument("--save", metavar="FILE", help="after evaluating, save the model in Keras' format (FILE.keras: keras.saving.load_model reads it)")
    args = parser.parse_args()
    data = prepared_data()
    # gradlab: seed 42  (Keras draws its own random numbers: --train starts from
    # other initial weights than gradlab did, with the same initializers)
    keras.utils.set_random_seed(SEED)
    model = build_model()
    compile_model(model)
    if args.train:
        if args.init:
            load_weights(model, args.init)
        train(model, data)
    else:
        load_weights(model, args.weights)
    # gradlab: evaluate test
    x, y = data[args.split]
    result = model.evaluate(x, y, batch_size=500, verbose=0, return_dict=True)
    print(f"{args.split}: loss: {result['loss']:.4f} - accuracy: {result['accuracy']:.4f}  ({len(x)} samples)")
    if args.predictions:
        np.save(args.predictions, np.asarray(model.predict(x, batch_size=500, verbose=0), dtype=np.float32))
    if args.save:
        model.save(args.save)


if __name__ == "__main__":
    main()
