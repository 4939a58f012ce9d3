#!/usr/bin/env bash
# Creates bench/.venv (git-ignored) with the peer frameworks the bench compares
# gradlab against: Keras 3 (TensorFlow-CPU and JAX backends) and PyTorch (CPU).
#
# Idempotent: if the venv already imports every framework at the pinned
# versions it does nothing (FORCE=1 reinstalls).  What got installed is written
# to bench/.venv/installed.txt (pip freeze + how torch was obtained).
#
# PyTorch without CUDA: the default `torch` wheel on PyPI depends on ~6 GB of
# nvidia-* CUDA packages.  We install a CPU-only build instead, in this order:
#   1. a local `torch-*+cpu*.whl` in a pip find-links directory
#      (TORCH_WHEEL_DIR, default /opt/wheels, which this machine image ships
#      and /etc/pip.conf already lists as find-links) -> `torch==X+cpu`, whose
#      metadata has no nvidia dependencies;
#   2. otherwise the PyPI wheel with `--no-deps` plus its small pure-Python
#      dependencies, then a check that `import torch` works without the nvidia
#      libraries (TORCH_FALLBACK=0 disables this path).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${VENV:-$HERE/.venv}"
PYTHON="${PYTHON:-python3}"

KERAS_VERSION="${KERAS_VERSION:-3.15.1}"
TF_VERSION="${TF_VERSION:-2.21.0}"
JAX_SPEC="${JAX_SPEC:-jax[cpu]}"              # newest jax + jaxlib for CPU
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
TORCH_WHEEL_DIR="${TORCH_WHEEL_DIR:-/opt/wheels}"
# torch's pure-python runtime dependencies (what its metadata lists besides nvidia-*/triton)
TORCH_SMALL_DEPS=(filelock "typing-extensions>=4.10.0" "sympy>=1.13.3" networkx jinja2 fsspec setuptools)

log() { echo "[setup_venv] $*" >&2; }

check() {
  [ -x "$VENV/bin/python" ] || return 1
  "$VENV/bin/python" - "$KERAS_VERSION" "$TF_VERSION" "$TORCH_VERSION" <<'EOF' >/dev/null 2>&1
import sys, importlib.metadata as md
keras_v, tf_v, torch_v = sys.argv[1:4]
assert md.version("keras") == keras_v
assert md.version("tensorflow-cpu") == tf_v
md.version("jax"); md.version("jaxlib")
assert md.version("torch").split("+")[0] == torch_v
import torch, numpy  # noqa: F401  (tensorflow/jax imports are slow; versions suffice)
assert not torch.cuda.is_available()
EOF
}

if [ "${FORCE:-0}" != 1 ] && check; then
  log "venv at $VENV is complete; nothing to do (FORCE=1 to reinstall)"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating venv at $VENV with $($PYTHON --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
"${PIP[@]}" install -q --upgrade pip wheel

log "installing keras==$KERAS_VERSION tensorflow-cpu==$TF_VERSION $JAX_SPEC"
"${PIP[@]}" install -q "keras==$KERAS_VERSION" "tensorflow-cpu==$TF_VERSION" "$JAX_SPEC"

torch_how=""
cpu_wheel="$(ls "$TORCH_WHEEL_DIR"/torch-"$TORCH_VERSION"+cpu*-cp"$("$VENV/bin/python" -c 'import sys;print(f"{sys.version_info[0]}{sys.version_info[1]}")')"-*.whl 2>/dev/null | head -1 || true)"
if [ -n "$cpu_wheel" ]; then
  log "installing CPU-only torch from $cpu_wheel"
  "${PIP[@]}" install -q --find-links "$TORCH_WHEEL_DIR" "torch==$TORCH_VERSION+cpu"
  torch_how="torch==$TORCH_VERSION+cpu from $cpu_wheel (no nvidia-* dependencies)"
elif [ "${TORCH_FALLBACK:-1}" = 1 ]; then
  log "no torch+cpu wheel in $TORCH_WHEEL_DIR; installing PyPI torch==$TORCH_VERSION --no-deps + small deps"
  "${PIP[@]}" install -q --no-deps "torch==$TORCH_VERSION"
  "${PIP[@]}" install -q "${TORCH_SMALL_DEPS[@]}"
  torch_how="torch==$TORCH_VERSION from PyPI with --no-deps (nvidia-* packages not installed)"
else
  log "no CPU torch wheel found and TORCH_FALLBACK=0"; exit 1
fi

log "checking imports"
"$VENV/bin/python" - <<'EOF'
import torch
assert not torch.cuda.is_available()
x = torch.ones(64, 64) @ torch.ones(64, 64)
assert float(x[0, 0]) == 64.0
print("torch", torch.__version__, "ok (cpu)")
import jax, jax.numpy as jnp
print("jax", jax.__version__, "ok", jax.devices())
import tensorflow as tf
print("tensorflow", tf.__version__, "ok")
import keras
print("keras", keras.__version__, "ok")
EOF

{
  echo "# bench/.venv installed $(date -u +%Y-%m-%dT%H:%M:%SZ) with $("$VENV/bin/python" --version 2>&1)"
  echo "# torch: $torch_how"
  "${PIP[@]}" freeze
} > "$VENV/installed.txt"
check || { log "post-install check failed"; exit 1; }
log "done; see $VENV/installed.txt ($(du -sh "$VENV" | cut -f1))"
