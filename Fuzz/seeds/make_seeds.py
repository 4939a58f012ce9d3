#!/usr/bin/env python3
"""Writes small valid seed inputs for the fuzz targets (run once; the files
are committed). run.sh adds the tutorials, Tests/BadInput and each target's
growing corpus on top of these."""
import gzip, json, os, struct

here = os.path.dirname(os.path.abspath(__file__))

def write(target, name, data):
    d = os.path.join(here, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def idx(dims, payload):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(payload)

# IDX: images and labels, alone and joined by the fuzz target's separator.
imgs = idx([3, 2, 2], range(12))
labs = idx([3], [0, 1, 2])
write("fuzz-idx", "images", imgs)
write("fuzz-idx", "labels", labs)
write("fuzz-idx", "pair", imgs + b"@@LABELS@@" + labs)
write("fuzz-idx", "vector", idx([5], [1, 2, 3, 4, 5]))
write("fuzz-idx", "rank4", idx([1, 1, 2, 2], [9, 8, 7, 6]))
# gzipped: one member (libdeflate's whole-file path) and two (zlib's streaming path)
write("fuzz-idx", "images-gz", gzip.compress(imgs, mtime=0))
write("fuzz-idx", "pair-gz", gzip.compress(imgs, mtime=0) + b"@@LABELS@@" + gzip.compress(labs, mtime=0))
write("fuzz-idx", "two-members-gz", gzip.compress(imgs[:7], mtime=0) + gzip.compress(imgs[7:], mtime=0))

# CSV: the first byte picks label= (0 → default last column).
write("fuzz-csv", "header", b"\x00x1,x2,label\n0.1,0.2,0\n0.3,-0.4,1\n1e3,2,1\n")
write("fuzz-csv", "plain", b"\x00" + b"1,2,3\n4,5,6\n7,8,9\n")
write("fuzz-csv", "named-label", b"\x04sepal,label,petal\n1,0,2\n3,1,4\n")
write("fuzz-csv", "regression", b"\x01y,x\n-1.5,2\n3.25,4\n")
write("fuzz-csv", "crlf", b"\x00a,b\r\n1,0\r\n2,1\r\n")

# Transcripts.
write("fuzz-transcript", "basic.md", """<!-- gradlab: tolerance=0.001 abs=1e-06 -->

# A title

Some prose.

```gradlab
> seed 42
seed 42
> data moons n=200
moons: train 200 × 2  test 40   (2 classes)
```

```gradlab nocheck tolerance=0.01 abs=0.5
> summary
 ```indented fence
 > indented prompt
```
""")

# safetensors: F32 tensors, aligned header, metadata.
def safetensors(tensors, meta=None):
    header, blobs, off = {}, b"", 0
    if meta: header["__metadata__"] = meta
    for name, shape, values in tensors:
        data = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(data)]}
        blobs += data; off += len(data)
    h = json.dumps(header, sort_keys=True).encode()
    h += b" " * ((8 - (len(h) + 8) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + blobs
write("fuzz-safetensors", "two", safetensors([("dense/kernel", [2, 2], [1, 2, 3, 4]), ("dense/bias", [2], [0.5, -0.5])], {"format": "gradlab"}))
write("fuzz-safetensors", "empty", safetensors([]))
write("fuzz-safetensors", "scalar", safetensors([("s", [], [7.0])]))
# The target also reads "JSON header, NUL, data" with a correct length prefix.
framed = {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1, 1], "data_offsets": [8, 12]},
          "__metadata__": {"k": "v"}}
write("fuzz-safetensors", "framed-two", json.dumps(framed).encode() + b"\0" + struct.pack("<3f", 1, 2, 3))
write("fuzz-safetensors", "framed-empty", b"{}\0")

# model.json as ModelStore.architecture writes it.
model = {"format": "gradlab-model", "version": 1, "class_name": "Sequential", "input_shape": [2],
         "layers": [
             {"class_name": "Dense", "keyword": "dense", "name": "dense", "trainable": True,
              "config": {"units": "8", "activation": "relu", "kernel_initializer": "he_normal",
                         "kernel_regularizer": "l2(0.01)", "kernel_constraint": "max_norm(2)"}},
             {"class_name": "BatchNormalization", "keyword": "batchnorm", "name": "batch_normalization", "trainable": False,
              "config": {"momentum": "0.99", "epsilon": "0.001"}},
             {"class_name": "Dropout", "keyword": "dropout", "name": "dropout", "trainable": True, "config": {"rate": "0.2"}},
             {"class_name": "RReLU", "keyword": "rrelu", "name": "rrelu", "trainable": True, "config": {"lower": "0.125", "upper": "0.333"}},
             {"class_name": "Residual", "keyword": "residual", "name": "residual", "trainable": True,
              "config": {"units": "8", "activation": "leaky_relu(0.2)"}},
             {"class_name": "Dense", "keyword": "dense", "name": "dense_1", "trainable": True,
              "config": {"units": "2", "activation": "softmax", "use_bias": "false"}}],
         "compile": {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"],
                     "optimizer": {"name": "adam", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "clipnorm": 1.0}}}
write("fuzz-model-json", "model.json", json.dumps(model, indent=1, sort_keys=True))
small = {"layers": [{"class_name": "Flatten", "name": "flatten"}, {"class_name": "PReLU", "name": "p"},
                    {"class_name": "AlphaDropout", "name": "a", "config": {"rate": "0.1"}},
                    {"class_name": "Activation", "name": "act", "config": {"activation": "elu(0.5)"}}],
         "input_shape": [2, 2], "compile": {"loss": "mse", "optimizer": {"name": "sgd", "momentum": 0.9, "nesterov": True}}}
write("fuzz-model-json", "small.json", json.dumps(small))

# NPY / NPZ: float32 and uint8 arrays, C and Fortran order; archives stored and deflated.
import io, zipfile
def npy(descr, shape, payload, fortran=False):
    shape_text = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, "True" if fortran else "False", shape_text)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (pad % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload
x = npy("<f4", [3, 2], struct.pack("<6f", 0.5, -1, 2, 3.25, 0, 1e-3))
y = npy("|u1", [3], bytes([0, 1, 1]))
write("fuzz-npy", "x.npy", x)
write("fuzz-npy", "y.npy", y)
write("fuzz-npy", "fortran.npy", npy("<f4", [2, 3], struct.pack("<6f", 1, 2, 3, 4, 5, 6), fortran=True))
write("fuzz-npy", "images.npy", npy("|u1", [2, 2, 2], bytes(range(8))))
for name, method in (("stored.npz", zipfile.ZIP_STORED), ("deflated.npz", zipfile.ZIP_DEFLATED)):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for entry, data in (("x.npy", x), ("y.npy", y)):
            info = zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)
    write("fuzz-npy", name, buf.getvalue())
