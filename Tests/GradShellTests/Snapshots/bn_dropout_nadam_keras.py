#!/usr/bin/env python3
"""gradlab's model (4 layers, 323 parameters) as a Keras 3 script.

Written by gradlab's `export`. Each section names the gradlab command it came
from. The trained weights are in bn_dropout_nadam_keras.safetensors, beside this file
(safetensors, one float32 tensor per variable, named by its Keras path such as
dense/kernel [in, out] or batch_normalization/moving_mean).

    python bn_dropout_nadam_keras.py                  # gradlab's trained weights, evaluated on the test split
    python bn_dropout_nadam_keras.py --train          # train from scratch with the same settings, then evaluate
    python bn_dropout_nadam_keras.py --split validation --predictions probabilities.npy
    python bn_dropout_nadam_keras.py --save model.keras      # keep the model in Keras' own format

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
WEIGHTS = os.path.join(HERE, "bn_dropout_nadam_keras.safetensors")
SEED = 42


# --- data --------------------------------------------------------------------
# gradlab: data spirals n=200 classes=3 validation=40
DATA = os.path.join(HERE, "bn_dropout_nadam_keras.data.safetensors")


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
    """Class indices are what sparse_categorical_crossentropy takes."""
    return load_data()


# --- model -------------------------------------------------------------------
def build_model():
    # gradlab: model new
    model = keras.Sequential(name="sequential")
    model.add(keras.Input(shape=(2,)))
    # gradlab: add dense 32 activation=elu kernel_initializer=he_normal
    model.add(layers.Dense(32, activation="elu", kernel_initializer="he_normal", name="dense"))
    # gradlab: add batchnorm
    model.add(layers.BatchNormalization(name="batch_normalization"))
    # gradlab: add dropout 0.2
    model.add(layers.Dropout(0.2, name="dropout"))
    # gradlab: add dense 3 activation=softmax
    model.add(layers.Dense(3, activation="softmax", name="dense_1"))
    return model


# --- compile -----------------------------------------------------------------
def compile_model(model):
    # gradlab: compile optimizer=nadam clipnorm=1.0 learning_rate=exponential(0.01, decay_steps=20, decay_rate=0.5)
    optimizer = keras.optimizers.Nadam(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=20.0, decay_rate=0.5, staircase=False), beta_1=0.9, beta_2=0.999, epsilon=1e-07, clipnorm=1.0)
    model.compile(loss="sparse_categorical_crossentropy", optimizer=optimizer, metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])


# --- trained weights ---------------------------------------------------------
def load_weights(model, path=WEIGHTS):
    """Assigns gradlab's trained variables, matched by `layer/variable` name."""
    weights = safetensors.numpy.load_file(path)
    for layer in model.layers:
        prefix = layer.name
        for v in layer.weights:
            v.assign(weights.pop(f"{prefix}/{v.name}"))
    if weights:
        raise ValueError(f"{path} holds tensors no layer uses: {sorted(weights)}")


# --- training ----------------------------------------------------------------
def train(model, data):
    x, y = data["train"]
    # gradlab: fit epochs=2
    model.fit(x, y, epochs=2, batch_size=32, shuffle=True, verbose=2, validation_data=data["validation"])


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
