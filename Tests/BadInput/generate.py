#!/usr/bin/env python3
"""Regenerates Tests/BadInput/files/: small hostile files for every loader.

Run from anywhere: python3 Tests/BadInput/generate.py. The outputs are
committed; BadInputTests reads them (and builds the few huge ones — a 100 MB
transcript line, 10 001 layers — at run time instead of committing them).

Folder rules (checked by BadInputTests):
  idx/*          IDX.parse and IDX.load refuse each file (DataError)
  idx-pairs/     pairs.txt lists `data idx` argument sets that must fail;
                 ok-*.idx are valid helpers
  csv/*          CSV.load refuses each file
  transcripts/*  Transcript.load refuses each file; `replay` and
                 `exercise open` fail
  exercises/*    valid transcripts that `exercise open` must refuse
  safetensors/*  SafeTensors.decode refuses each file (ModelError)
  json/*         ModelStore.fromArchitecture refuses each (after
                 JSONSerialization), or the JSON itself is invalid
  models/*/      ModelStore.load refuses each folder; `model load` and
                 `model reuse` fail
  valid/         loadable files that later commands must survive (scenarios)
  findings/      open findings: files gradlab accepts today (same rules as
                 their folder); findings/crash/ those that crash it.
                 BadInputTests runs them last.
"""
import gzip, json, os, shutil, struct

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "files")


def write(rel, data):
    path = os.path.join(out, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def idx(dims, payload=b"", type_code=8, rank=None):
    head = bytes([0, 0, type_code, len(dims) if rank is None else rank])
    return head + b"".join(struct.pack(">I", d) for d in dims) + bytes(payload)


def safetensors(header, blob=b"", length=None, raw_header=None):
    h = raw_header if raw_header is not None else json.dumps(header).encode()
    return struct.pack("<Q", len(h) if length is None else length) + h + blob


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


if os.path.isdir(out):
    shutil.rmtree(out)

# ---------------------------------------------------------------- IDX
write("idx/empty.idx", b"")
write("idx/three-bytes.idx", b"\x00\x00\x08")
write("idx/bad-magic.idx", b"\x12\x34\x08\x01\x00\x00\x00\x02ab")
write("idx/ascii-text.idx", "this is not an IDX file\n")
write("idx/type-float32.idx", idx([2], f32(1, 2), type_code=0x0D))
write("idx/type-int32.idx", idx([1], b"\x00\x00\x00\x01", type_code=0x0C))
write("idx/type-ff.idx", idx([1], b"\x00", type_code=0xFF))
write("idx/rank-0.idx", idx([], b"", rank=0))
write("idx/rank-5.idx", idx([1, 1, 1, 1, 1], b"\x00"))
write("idx/rank-255.idx", idx([1] * 4, b"\x00", rank=255))
write("idx/truncated-header.idx", idx([3, 28, 28])[:9])
write("idx/truncated-header-rank4.idx", idx([1, 2, 3, 4])[:15])
write("idx/claims-1e12-items.idx", idx([1_000_000, 1000, 1000]))
write("idx/claims-1e12-items-4d.idx", idx([1000, 1000, 1000, 1000]))
write("idx/claims-1e12-items-with-payload.idx", idx([1_000_000, 1000, 1000], bytes(4096)))
write("idx/claims-2pow31-items.idx", idx([65536, 32768]))
write("idx/claims-2pow31-plus-1.idx", idx([2147483649]))
write("idx/dims-max-uint32.idx", idx([0xFFFFFFFF, 0xFFFFFFFF]))
write("idx/dims-max-uint32-4d.idx", idx([0xFFFFFFFF] * 4))
write("idx/dims-overflow-int64.idx", idx([0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF]))
write("idx/truncated-payload.idx", idx([10, 28, 28], bytes(100)))
write("idx/one-byte-short.idx", idx([3, 2, 2], bytes(11)))
write("idx/one-byte-long.idx", idx([3, 2, 2], bytes(13)))
write("idx/payload-but-zero-dims.idx", idx([0, 28, 28], bytes(10)))
write("idx/gzip-truncated.idx.gz", gzip.compress(idx([3, 2, 2], bytes(range(12))))[:20])
write("idx/gzip-garbage.idx.gz", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(256)) * 4)
write("idx/gzip-claims-1e12.idx.gz", gzip.compress(idx([1_000_000, 1000, 1000], bytes(64))))
write("idx/gzip-of-text.idx.gz", gzip.compress(b"hello, world\n" * 100))
write("idx/gzip-empty.idx.gz", gzip.compress(b""))
write("idx/gzip-bad-crc.idx.gz", (lambda g: g[:-8] + b"\xde\xad\xbe\xef" + g[-4:])(gzip.compress(idx([3, 2, 2], bytes(12)))))

# IDX pairs: each file parses, the combination does not fit.
write("idx-pairs/ok-images.idx", idx([3, 2, 2], bytes(range(12))))
write("idx-pairs/ok-labels.idx", idx([3], [0, 1, 2]))
write("idx-pairs/labels-5.idx", idx([5], [0, 1, 2, 3, 4]))
write("idx-pairs/labels-2d.idx", idx([3, 1], [0, 1, 2]))
write("idx-pairs/images-vector.idx", idx([3], [7, 8, 9]))
write("idx-pairs/images-zero-count.idx", idx([0, 28, 28]))
write("idx-pairs/labels-zero-count.idx", idx([0]))
write("idx-pairs/images-zero-size.idx", idx([3, 0, 0]))
write("idx-pairs/images-3x3.idx", idx([3, 3, 3], bytes(27)))
write("idx-pairs/pairs.txt", """\
# data idx argument sets that must fail (paths relative to this folder);
# every one of these files parses on its own.
ok-images.idx labels-5.idx
ok-images.idx labels-2d.idx
ok-labels.idx ok-images.idx
images-vector.idx ok-labels.idx
ok-images.idx ok-labels.idx images-3x3.idx ok-labels.idx
ok-images.idx ok-labels.idx ok-images.idx labels-5.idx
ok-images.idx ok-labels.idx ok-images.idx
ok-images.idx ok-labels.idx images-zero-count.idx labels-zero-count.idx
""")
write("findings/idx-pairs.txt", """\
# Open findings: data idx argument sets (relative to ../idx-pairs/) that
# gradlab accepts today but must refuse: no images, or images of 0 pixels.
images-zero-count.idx labels-zero-count.idx
images-zero-size.idx ok-labels.idx
""")

# ---------------------------------------------------------------- CSV
write("csv/empty.csv", b"")
write("csv/blank-lines.csv", "\n\n   \n\t\n\r\n")
write("csv/only-header.csv", "x1,x2,label\n")
write("csv/one-column.csv", "label\n0\n1\n")
write("csv/one-column-numbers.csv", "1\n2\n3\n")
write("csv/ragged.csv", "x1,x2,label\n1,2,0\n3,4\n")
write("csv/ragged-long.csv", "x1,x2,label\n1,2,0\n3,4,1,9\n")
write("csv/empty-field.csv", "x1,x2,label\n1,,0\n")
write("csv/empty-row-fields.csv", "x1,label\n1,0\n,\n")
write("csv/nan.csv", "x1,x2,label\n1,nan,0\n")
write("csv/inf.csv", "x1,x2,label\n1,inf,0\n")
write("csv/minus-inf.csv", "x1,x2,label\n-inf,1,0\n")
write("csv/overflow-float.csv", "x1,x2,label\n1e39,1,0\n")
write("csv/nan-label.csv", "x1,label\n1,nan\n")
write("csv/text-values.csv", "x1,x2,label\n1,two,0\n")
write("csv/quoted-fields.csv", 'x1,x2,label\n"1","2","0"\n')
write("csv/semicolons.csv", "x1;x2;label\n1;2;0\n3;4;1\n")
write("csv/decimal-commas.csv", "x1,x2,label\n1,5,2,0\n")
write("csv/trailing-comma.csv", "x1,x2,label\n1,2,0,\n")
write("csv/nul-bytes.csv", b"x1,label\n1,0\x00\n")
write("csv/invalid-utf8.csv", b"x1,label\n1,\xff\xfe\n")
write("csv/utf16.csv", "x1,label\n1,0\n".encode("utf-16"))
write("csv/binary.csv", bytes(range(256)) * 8)
write("csv/gzip.csv", gzip.compress(b"x1,label\n1,0\n"))
write("csv/header-twice.csv", "x1,label\n1,0\nx1,label\n2,1\n")
write("csv/spaces-inside-number.csv", "x1,label\n1 000,0\n")
write("csv/hash-comment.csv", "x1,label\n# a comment\n1,0\n")

# ---------------------------------------------------------------- transcripts
write("transcripts/unclosed-block.md", "# Title\n\n```gradlab\n> seed 1\nseed 1\n")
write("transcripts/unknown-option.md", "```gradlab frobnicate\n> seed 1\n```\n")
write("transcripts/option-negative-tolerance.md", "```gradlab tolerance=-1\n> seed 1\n```\n")
write("transcripts/option-nan-tolerance.md", "```gradlab tolerance=nan\n> seed 1\n```\n")
write("transcripts/option-inf-abs.md", "```gradlab abs=1e999\n> seed 1\n```\n")
write("transcripts/option-empty-value.md", "```gradlab tolerance=\n> seed 1\n```\n")
write("transcripts/output-before-command.md", "```gradlab\nseed 1\n> seed 1\n```\n")
write("transcripts/only-output.md", "```gradlab\nsome output\n```\n")
write("transcripts/invalid-utf8.md", b"```gradlab\n> seed \xff\xfe\n```\n")
write("transcripts/utf16.md", "```gradlab\n> seed 1\n```\n".encode("utf-16"))
write("transcripts/latin1.md", "# Caf\u00e9\n```gradlab\n> note caf\u00e9\n```\n".encode("latin-1"))
write("transcripts/second-block-unclosed.md", "```gradlab\n> seed 1\n```\n\ntext\n\n```gradlab nocheck\n> seed 2\n")

# Valid transcripts that are not exercises.
write("exercises/no-expect.md", "# Not an exercise\n\n```gradlab\n> seed 1\nseed 1\n```\n")
write("exercises/prose-only.md", "# Only prose\n\nNothing to check here.\n")
write("exercises/empty.md", "")

# ---------------------------------------------------------------- safetensors
ok_header = {"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
write("safetensors/empty.safetensors", b"")
write("safetensors/seven-bytes.safetensors", b"\x08\x00\x00\x00\x00\x00\x00")
write("safetensors/length-only.safetensors", struct.pack("<Q", 0))
write("safetensors/header-length-huge.safetensors", safetensors(ok_header, f32(1, 2), length=2**63 + 5))
write("safetensors/header-length-max.safetensors", safetensors(ok_header, f32(1, 2), length=2**64 - 1))
write("safetensors/header-length-past-end.safetensors", safetensors(ok_header, f32(1, 2), length=10_000))
write("safetensors/header-length-100MB.safetensors", safetensors(ok_header, f32(1, 2), length=100_000_001))
write("safetensors/header-not-json.safetensors", safetensors(None, raw_header=b"not json at all!"))
write("safetensors/header-json-array.safetensors", safetensors([1, 2, 3]))
write("safetensors/header-json-string.safetensors", safetensors("hello"))
write("safetensors/header-truncated-json.safetensors", safetensors(None, raw_header=b'{"t": {"dtype": "F32", "sha'))
write("safetensors/header-invalid-utf8.safetensors", safetensors(None, raw_header=b'{"\xff\xfe": 1}'))
write("safetensors/offsets-past-end.safetensors", safetensors({"t": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, f32(1, 2)))
write("safetensors/offsets-far-past-end.safetensors", safetensors({"t": {"dtype": "F32", "shape": [1], "data_offsets": [2**40, 2**40 + 4]}}, f32(1)))
write("safetensors/offsets-int64-max.safetensors", safetensors({"t": {"dtype": "F32", "shape": [1], "data_offsets": [2**63 - 4, 2**63 - 1]}}, f32(1)))
write("safetensors/offsets-negative.safetensors", safetensors({"t": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}, f32(1)))
write("safetensors/offsets-reversed.safetensors", safetensors({"t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}, f32(1, 2)))
write("safetensors/offsets-three.safetensors", safetensors({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}}, f32(1, 2)))
write("safetensors/offsets-strings.safetensors", safetensors({"t": {"dtype": "F32", "shape": [1], "data_offsets": ["0", "4"]}}, f32(1)))
write("safetensors/offsets-floats.safetensors", safetensors({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0.5, 4.5]}}, f32(1, 2)))
write("safetensors/offsets-huge-floats.safetensors", safetensors({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 1e300]}}, f32(1)))
write("safetensors/offsets-overlap.safetensors", safetensors({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                                             "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, f32(1, 2, 3)))
write("safetensors/offsets-size-mismatch.safetensors", safetensors({"t": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, f32(1, 2)))
write("safetensors/dtype-f16.safetensors", safetensors({"t": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]}}, b"\x00" * 4))
write("safetensors/dtype-f64.safetensors", safetensors({"t": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}, b"\x00" * 8))
write("safetensors/dtype-missing.safetensors", safetensors({"t": {"shape": [2], "data_offsets": [0, 8]}}, f32(1, 2)))
write("safetensors/dtype-number.safetensors", safetensors({"t": {"dtype": 32, "shape": [2], "data_offsets": [0, 8]}}, f32(1, 2)))
write("safetensors/shape-negative.safetensors", safetensors({"t": {"dtype": "F32", "shape": [-1, -8], "data_offsets": [0, 32]}}, f32(*range(8))))
write("safetensors/shape-huge.safetensors", safetensors({"t": {"dtype": "F32", "shape": [2**31 - 1, 2**31 - 1], "data_offsets": [0, 8]}}, f32(1, 2)))
write("safetensors/shape-overflow.safetensors", safetensors({"t": {"dtype": "F32", "shape": [2**30, 2**30, 2**30, 2**30], "data_offsets": [0, 0]}}))
write("safetensors/shape-zero-times-huge.safetensors", safetensors({"t": {"dtype": "F32", "shape": [0, 2**62], "data_offsets": [0, 0]}}))
write("safetensors/shape-not-list.safetensors", safetensors({"t": {"dtype": "F32", "shape": 2, "data_offsets": [0, 8]}}, f32(1, 2)))
write("safetensors/shape-floats.safetensors", safetensors({"t": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 8]}}, f32(1, 2)))
write("safetensors/entry-not-object.safetensors", safetensors({"t": [1, 2, 3]}, f32(1, 2)))
write("safetensors/metadata-not-strings.safetensors", safetensors({"__metadata__": {"epochs": 3}}))
write("safetensors/metadata-list.safetensors", safetensors({"__metadata__": ["a", "b"]}))
write("safetensors/deep-nesting.safetensors", safetensors(None, raw_header=b"[" * 10_000 + b"]" * 10_000))
write("safetensors/deep-nesting-objects.safetensors", safetensors(None, raw_header=b'{"a":' * 5_000 + b"1" + b"}" * 5_000))

# Valid files that later commands choke on (used by scenarios/).
write("valid/three-features.csv", "x1,x2,x3,label\n1,2,3,0\n4,5,6,1\n7,8,9,0\n1,1,1,1\n2,2,2,0\n")
write("valid/negative-targets.csv", "x,y\n" + "".join(f"{i},{-1 - i % 3}\n" for i in range(12)))
write("valid/huge-targets.csv", "x,y\n1,1e30\n" + "".join(f"{i},{i % 2}\n" for i in range(2, 13)))
write("valid/fractional-targets.csv", "x,y\n" + "".join(f"{i},{i / 7:.3f}\n" for i in range(12)))

# ---------------------------------------------------------------- model.json (fromArchitecture)
def layer(cls, name, **config):
    return {"class_name": cls, "name": name, "config": {k: str(v) for k, v in config.items()}}

def model(*layers, **extra):
    d = {"format": "gradlab-model", "version": 1, "class_name": "Sequential", "layers": list(layers)}
    d.update(extra)
    return json.dumps(d)

dense = layer("Dense", "dense", units=2, activation="softmax")
write("json/no-layers.json", json.dumps({"format": "gradlab-model"}))
write("json/layers-not-list.json", json.dumps({"layers": {"dense": 1}}))
write("json/layers-list-of-numbers.json", json.dumps({"layers": [1, 2, 3]}))
write("json/layer-missing-class.json", json.dumps({"layers": [{"name": "d", "config": {"units": "2"}}]}))
write("json/layer-missing-name.json", json.dumps({"layers": [{"class_name": "Dense", "config": {"units": "2"}}]}))
write("json/layer-class-number.json", json.dumps({"layers": [{"class_name": 7, "name": "d"}]}))
write("json/unknown-class.json", model(layer("Conv2D", "conv", filters=32)))
write("json/dense-units-missing.json", model(layer("Dense", "dense")))
write("json/dense-units-zero.json", model(layer("Dense", "dense", units=0)))
write("json/dense-units-negative.json", model(layer("Dense", "dense", units=-5)))
write("json/dense-units-huge.json", model(layer("Dense", "dense", units=10**12)))
write("json/dense-units-int64-overflow.json", model(layer("Dense", "dense", units="99999999999999999999")))
write("json/dense-units-float.json", model(layer("Dense", "dense", units="1.5")))
write("json/dense-units-word.json", model(layer("Dense", "dense", units="many")))
write("json/dense-units-as-number.json", json.dumps({"layers": [{"class_name": "Dense", "name": "d", "config": {"units": 2}}]}))
write("json/activation-unknown.json", model(layer("Dense", "dense", units=2, activation="gelux")))
write("json/activation-bad-alpha.json", model(layer("Dense", "dense", units=2, activation="elu(abc)")))
write("json/activation-layer-unknown.json", model(layer("Activation", "act", activation="swishy")))
write("json/dropout-rate-nan.json", model(layer("Dropout", "dropout", rate="nan")))
write("json/dropout-rate-inf.json", model(layer("Dropout", "dropout", rate="inf")))
write("json/dropout-rate-word.json", model(layer("Dropout", "dropout", rate="half")))
write("json/dropout-rate-2.json", model(layer("Dropout", "dropout", rate=2)))
write("json/dropout-rate-negative.json", model(layer("Dropout", "dropout", rate=-0.5)))
write("json/alpha-dropout-rate-1.json", model(layer("AlphaDropout", "a", rate=1)))
write("json/batchnorm-momentum-inf.json", model(layer("BatchNormalization", "bn", momentum="inf")))
write("json/batchnorm-momentum-negative.json", model(layer("BatchNormalization", "bn", momentum=-5)))
write("json/batchnorm-epsilon-negative.json", model(layer("BatchNormalization", "bn", epsilon=-1)))
write("json/batchnorm-epsilon-zero.json", model(layer("BatchNormalization", "bn", epsilon=0)))
write("json/rrelu-lower-gt-upper.json", model(layer("RReLU", "r", lower=0.9, upper=0.1)))
write("json/rrelu-upper-nan.json", model(layer("RReLU", "r", upper="nan")))
write("json/input-shape-zero.json", model(dense, input_shape=[0]))
write("json/input-shape-negative.json", model(dense, input_shape=[-3]))
write("json/input-shape-huge.json", model(dense, input_shape=[1 << 30]))
write("findings/crash/json/input-shape-product-overflow.json", model(layer("Flatten", "f"), dense, input_shape=[16777215] * 4))
write("json/input-shape-product-too-big.json", model(layer("Flatten", "f"), dense, input_shape=[16384, 16384, 16384]))
write("json/input-shape-empty.json", model(dense, input_shape=[]))
write("json/input-shape-2d-into-dense.json", model(dense, input_shape=[28, 28]))
write("json/input-shape-strings.json", model(dense, input_shape=["28"]))
write("findings/crash/json/lying-huge-dense.json", model(layer("Dense", "dense", units=1_000_000), input_shape=[16_000_000]))
write("findings/crash/json/lying-huge-dense-2.json", model(layer("Dense", "d1", units=1_000_000), layer("Dense", "d2", units=1_000_000), input_shape=[2]))
write("findings/crash/json/lying-huge-prelu.json", model(layer("Flatten", "f"), layer("PReLU", "p"), layer("Dense", "dense", units=1000), input_shape=[16_000, 16_000]))
write("json/optimizer-unknown.json", model(dense, input_shape=[2], compile={"loss": "sparse_categorical_crossentropy", "optimizer": {"name": "lbfgs"}}))
write("json/optimizer-lr-huge.json", model(dense, input_shape=[2], compile={"loss": "sparse_categorical_crossentropy", "optimizer": {"name": "sgd", "learning_rate": 1e300}}))
write("json/optimizer-lr-negative.json", model(dense, input_shape=[2], compile={"loss": "sparse_categorical_crossentropy", "optimizer": {"name": "adam", "learning_rate": -1}}))
write("json/optimizer-beta-out-of-range.json", model(dense, input_shape=[2], compile={"loss": "sparse_categorical_crossentropy", "optimizer": {"name": "adam", "beta_1": 7}}))
write("json/optimizer-clipnorm-negative.json", model(dense, input_shape=[2], compile={"loss": "sparse_categorical_crossentropy", "optimizer": {"name": "sgd", "clipnorm": -1}}))
write("json/not-json.json", "this is not JSON\n")
write("json/truncated.json", model(dense)[:40])
write("json/trailing-garbage.json", model(dense) + "}}}")
write("json/array.json", "[1, 2, 3]")
write("json/string.json", '"model"')
write("json/empty.json", "")
write("json/invalid-utf8.json", b'{"layers": [{"class_name": "Dense", "name": "\xff\xfe"}]}')
write("json/nan-literal.json", '{"layers": [], "input_shape": [NaN]}')
write("json/deep-nesting.json", "[" * 10_000 + "]" * 10_000)
write("json/deep-nesting-objects.json", '{"a":' * 5_000 + "1" + "}" * 5_000)

# ---------------------------------------------------------------- model folders (ModelStore.load)
arch_ok = model(layer("Dense", "dense", units=2, activation="softmax"), input_shape=[2])
weights_ok = safetensors({"dense/kernel": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                          "dense/bias": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}}, f32(1, 2, 3, 4, 5, 6))
compiled = model(layer("Dense", "dense", units=2, activation="softmax"), input_shape=[2],
                 compile={"loss": "sparse_categorical_crossentropy", "optimizer": {"name": "adam", "learning_rate": 0.001}})
write("models/json-only/model.json", arch_ok)
write("models/weights-only/model.safetensors", weights_ok)
write("models/not-json/model.json", "not json")
write("models/not-json/model.safetensors", weights_ok)
write("models/json-is-array/model.json", "[]")
write("models/json-is-array/model.safetensors", weights_ok)
write("models/weights-empty-file/model.json", arch_ok)
write("models/weights-empty-file/model.safetensors", b"")
write("models/weights-missing-tensor/model.json", arch_ok)
write("models/weights-missing-tensor/model.safetensors",
      safetensors({"dense/kernel": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, f32(1, 2, 3, 4)))
write("models/weights-wrong-shape/model.json", arch_ok)
write("models/weights-wrong-shape/model.safetensors",
      safetensors({"dense/kernel": {"dtype": "F32", "shape": [4, 1], "data_offsets": [0, 16]},
                   "dense/bias": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}}, f32(1, 2, 3, 4, 5, 6)))
write("models/weights-offsets-past-end/model.json", arch_ok)
write("models/weights-offsets-past-end/model.safetensors",
      safetensors({"dense/kernel": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                   "dense/bias": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}}, f32(1, 2, 3)))
write("models/weights-header-lies/model.json", arch_ok)
write("models/weights-header-lies/model.safetensors", safetensors({}, length=2**62))
write("models/weights-f16/model.json", arch_ok)
write("models/weights-f16/model.safetensors",
      safetensors({"dense/kernel": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]},
                   "dense/bias": {"dtype": "F16", "shape": [2], "data_offsets": [8, 12]}}, bytes(12)))
write("models/optimizer-corrupt/model.json", compiled)
write("models/optimizer-corrupt/model.safetensors", weights_ok)
write("models/optimizer-corrupt/optimizer.safetensors", safetensors({}, length=10_000))
write("models/unknown-layer/model.json", model(layer("LSTM", "lstm", units=4), input_shape=[2]))
write("models/unknown-layer/model.safetensors", weights_ok)
write("findings/crash/models/huge-dense/model.json", model(layer("Dense", "dense", units=1_000_000), input_shape=[16_000_000]))
write("findings/crash/models/huge-dense/model.safetensors", weights_ok)
write("models/model-json-is-directory/model.json/README", "model.json is a folder here\n")

# Open findings: files gradlab accepts (or crashes on) today. They keep
# their folder's rule and live under findings/ until fixed.
for rel in ["csv/nul-bytes.csv",
            "json/alpha-dropout-rate-1.json", "json/batchnorm-epsilon-negative.json", "json/batchnorm-epsilon-zero.json",
            "json/batchnorm-momentum-negative.json", "json/dropout-rate-2.json", "json/dropout-rate-negative.json",
            "json/input-shape-strings.json", "json/optimizer-beta-out-of-range.json", "json/optimizer-clipnorm-negative.json",
            "json/optimizer-lr-huge.json", "json/optimizer-lr-negative.json", "json/rrelu-lower-gt-upper.json"]:
    os.makedirs(os.path.dirname(os.path.join(out, "findings", rel)), exist_ok=True)
    os.rename(os.path.join(out, rel), os.path.join(out, "findings", rel))

count = sum(len(fs) for _, _, fs in os.walk(out))
print(f"wrote {count} files under {out}")
