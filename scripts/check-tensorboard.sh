#!/usr/bin/env bash
# fit callbacks=tensorboard(…) writes event files that the `tensorboard` Python
# package reads back: the epoch losses it holds are the ones gradlab printed,
# every variable has a histogram per epoch, batch_loss is there with
# update_freq=batch, and a fit killed with -9 leaves files that still read.
# tensorboard goes into a git-ignored venv from PyPI.
set -euo pipefail
BIN=${1:-.build/release/gradlab}
VENV=.venv-tb
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -c "import tensorboard" 2>/dev/null || "$VENV/bin/pip" install -q tensorboard
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
setup='seed 1\ndata moons n=400 validation=100\nmodel new\nadd dense 8 activation=relu\nadd dense 2 activation=softmax\ncompile optimizer=adam\n'
printf "$setup"'fit epochs=3 callbacks=tensorboard(log_dir=%s/logs, histogram_freq=1, update_freq=batch)\nquit\n' "$tmp" \
  | "$BIN" --sessions "$tmp" > "$tmp/out.txt"
grep -q "val_loss" "$tmp/out.txt" || { echo "no epoch lines in gradlab's output:"; cat "$tmp/out.txt"; exit 1; }

# A long fit killed with -9 after its second epoch: what was logged must read back.
printf "$setup"'fit epochs=100000 callbacks=tensorboard(log_dir=%s/killed)\n' "$tmp" | "$BIN" --sessions "$tmp" > "$tmp/killed.txt" &
pid=$!
for _ in $(seq 1 300); do [ "$(grep -c val_loss "$tmp/killed.txt" || true)" -ge 2 ] && break; sleep 0.1; done
kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true

"$VENV/bin/python" - "$tmp" <<'PY'
import glob, math, os, re, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

tmp = sys.argv[1]
out = open(os.path.join(tmp, "out.txt")).read()
# Each epoch's metrics follow its "Epoch N/M" line (wrapped to the terminal's width).
blocks = [b.split("\n[")[0] for b in re.split(r"^Epoch \d+/\d+$", out, flags=re.M)[1:]]
printed = [dict((k, float(v)) for k, v in re.findall(r"(\w+): (\d+\.\d+)", b)) for b in blocks]
assert all(len(p) == 4 for p in printed), printed
assert len(printed) == 3, out

def load(run):
    files = glob.glob(os.path.join(tmp, "logs", run, "events.out.tfevents.*.v2"))
    assert len(files) == 1, (run, files)
    acc = EventAccumulator(files[0], size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    return acc

train, validation = load("train"), load("validation")
tags = train.Tags()
print("train scalars:", sorted(tags["scalars"]))
print("train histograms:", sorted(tags["histograms"]))
print("validation scalars:", sorted(validation.Tags()["scalars"]))

def check(acc, tag, key):
    events = acc.Scalars(tag)
    assert [e.step for e in events] == [0, 1, 2], (tag, [e.step for e in events])
    for e, p in zip(events, printed):
        # gradlab prints 4 decimals; the event holds a float32.
        assert abs(e.value - p[key]) <= 5e-5 + 1e-6, (tag, e.step, e.value, p[key])
    return [round(e.value, 4) for e in events]

print("epoch_loss      ", check(train, "epoch_loss", "loss"), "= printed loss")
print("epoch_accuracy  ", check(train, "epoch_accuracy", "accuracy"), "= printed accuracy")
print("val epoch_loss  ", check(validation, "epoch_loss", "val_loss"), "= printed val_loss")
print("val epoch_acc   ", check(validation, "epoch_accuracy", "val_accuracy"), "= printed val_accuracy")
lr = train.Scalars("epoch_learning_rate")
assert all(abs(e.value - 0.001) < 1e-9 for e in lr), lr  # Adam's default
steps = [e.step for e in train.Scalars("batch_loss")]
assert steps == list(range(1, len(steps) + 1)) and len(steps) == 3 * 10, steps  # 300 samples / 32 = 10 steps an epoch
want = {f"{layer}/{var}/histogram" for layer in ("dense", "dense_1") for var in ("kernel", "bias")}
assert want <= set(tags["histograms"]), tags["histograms"]
for tag in sorted(want):
    hs = train.Histograms(tag)
    assert [h.step for h in hs] == [0, 1, 2], (tag, [h.step for h in hs])
    for h in hs:
        v = h.histogram_value
        assert v.num == sum(v.bucket) > 0 and v.min <= v.max and len(v.bucket) == len(v.bucket_limit), (tag, v)
k = train.Histograms("dense/kernel/histogram")[-1].histogram_value
print(f"dense/kernel/histogram at epoch 2: {int(k.num)} values in {len(k.bucket)} buckets, min {k.min:.4f} max {k.max:.4f}")

# The framing, checked with tensorboard's own CRC-32C: every record whole in the
# finished files; after kill -9 at most the last one cut short.
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
assert masked_crc32c(b"123456789") == (((0xE3069283 >> 15) | (0xE3069283 << 17)) + 0xA282EAD8) & 0xFFFFFFFF
def framing(path):
    b = open(path, "rb").read()
    i = n = 0
    while i + 12 <= len(b):
        size = int.from_bytes(b[i:i + 8], "little")
        assert int.from_bytes(b[i + 8:i + 12], "little") == masked_crc32c(b[i:i + 8]), (path, i)
        if i + 16 + size > len(b): break
        data = b[i + 12:i + 12 + size]
        assert int.from_bytes(b[i + 12 + size:i + 16 + size], "little") == masked_crc32c(data), (path, i)
        i += 16 + size; n += 1
    return n, len(b) - i
for path in glob.glob(os.path.join(tmp, "logs", "*", "events.out.tfevents.*")):
    n, rest = framing(path)
    assert rest == 0, (path, rest)
    print(f"{os.path.relpath(path, tmp).split('/events')[0]}: {n} records, checksums hold, no trailing bytes")

killed = glob.glob(os.path.join(tmp, "killed", "train", "events.out.tfevents.*.v2"))
n, rest = framing(killed[0])
print(f"after kill -9: {n} whole records" + (f" and a cut-short last one ({rest} bytes)" if rest else ", nothing cut short"))
acc = EventAccumulator(killed[0], size_guidance={"scalars": 0})
acc.Reload()
n = len(acc.Scalars("epoch_loss"))
assert n >= 2 and all(math.isfinite(e.value) for e in acc.Scalars("epoch_loss")), n
print(f"after kill -9: tensorboard reads back {n} epochs of epoch_loss")
print("tensorboard: OK")
PY
