#!/usr/bin/env bash
# Creates bench/.venv (git-ignored) with the peer frameworks the bench compares
# gradlab against: Keras 3 (TensorFlow-CPU and JAX backends) and PyTorch (CPU).
#
# Idempotent: if the venv already imports every framework at the pinned
# versions it does nothing (FORCE=1 reinstalls).  What got installed is written
# to bench/.venv/installed.txt (pip freeze + how torch was obtained).
#
# PyTorch without CUDA: the default `torch` wheel on PyPI depends on ~6 GB of
# nvidia-* CUDA packages.  We install a CPU-only build instead:
#   1. a local `torch-*+cpu*.whl` in a pip find-links directory
#      (TORCH_WHEEL_DIR, default /opt/wheels, which this machine image ships
#      and /etc/pip.conf already lists as find-links) -> `torch==X+cpu`, whose
#      metadata has no nvidia dependencies;
#   2. otherwise nothing by default: PyPI has no CPU-only torch for Linux x86_64
#      (checked: `pip install --no-deps torch==2.13.0` installs, but `import torch`
#      fails with "libcublasLt.so.*[0-9] not found": the wheel's libtorch needs
#      the nvidia-* libraries), so the PyTorch peer is skipped with a warning;
#      TORCH_FALLBACK=cuda installs the default PyPI wheel with its ~6 GB of
#      CUDA packages instead (it runs on CPU, but its peak RSS is ~550 MiB higher).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${VENV:-$HERE/.venv}"
PYTHON="${PYTHON:-python3}"

KERAS_VERSION="${KERAS_VERSION:-3.15.1}"
TF_VERSION="${TF_VERSION:-2.21.0}"
JAX_SPEC="${JAX_SPEC:-jax[cpu]==0.10.2}"      # jax + jaxlib for CPU
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
TORCH_WHEEL_DIR="${TORCH_WHEEL_DIR:-/opt/wheels}"

log() { echo "[setup_venv] $*" >&2; }

py_tag() { "$VENV/bin/python" -c 'import sys;print(f"{sys.version_info[0]}{sys.version_info[1]}")'; }
cpu_wheel() { ls "$TORCH_WHEEL_DIR"/torch-"$TORCH_VERSION"+cpu*-cp"$(py_tag)"-*.whl 2>/dev/null | head -1 || true; }

check_keras() {
  [ -x "$VENV/bin/python" ] || return 1
  "$VENV/bin/python" - "$KERAS_VERSION" "$TF_VERSION" <<'EOF' >/dev/null 2>&1
import sys, importlib.metadata as md
assert md.version("keras") == sys.argv[1]
assert md.version("tensorflow-cpu") == sys.argv[2]
md.version("jax"); md.version("jaxlib")  # tensorflow/jax imports are slow: versions suffice
EOF
}
check_torch() {
  [ -x "$VENV/bin/python" ] || return 1
  "$VENV/bin/python" - "$TORCH_VERSION" <<'EOF' >/dev/null 2>&1
import sys, importlib.metadata as md
assert md.version("torch").split("+")[0] == sys.argv[1]
import torch
assert float((torch.ones(8, 8) @ torch.ones(8, 8))[0, 0]) == 8.0
EOF
}
# torch is settled when it imports, or when it can't be had (no CPU wheel, no opt-in)
torch_settled() { check_torch || { [ -z "$(cpu_wheel)" ] && [ "${TORCH_FALLBACK:-none}" != cuda ]; }; }

if [ "${FORCE:-0}" != 1 ] && check_keras && torch_settled; then
  check_torch || log "warning: no CPU-only torch available (see the header of this script): no PyTorch peer"
  log "venv at $VENV is complete; nothing to do (FORCE=1 to reinstall)"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  log "creating venv at $VENV with $($PYTHON --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
"${PIP[@]}" install -q --upgrade pip wheel

if [ "${FORCE:-0}" = 1 ] || ! check_keras; then
  log "installing keras==$KERAS_VERSION tensorflow-cpu==$TF_VERSION $JAX_SPEC"
  "${PIP[@]}" install -q "keras==$KERAS_VERSION" "tensorflow-cpu==$TF_VERSION" "$JAX_SPEC"
fi

torch_how="not installed: no CPU-only wheel in $TORCH_WHEEL_DIR and TORCH_FALLBACK != cuda"
wheel="$(cpu_wheel)"
if [ "${FORCE:-0}" != 1 ] && check_torch; then
  torch_how="$("$VENV/bin/python" -c 'import torch; print("torch==" + torch.__version__)') (already installed)"
elif [ -n "$wheel" ]; then
  log "installing CPU-only torch from $wheel"
  "${PIP[@]}" install -q --find-links "$TORCH_WHEEL_DIR" "torch==$TORCH_VERSION+cpu"
  torch_how="torch==$TORCH_VERSION+cpu from $wheel (no nvidia-* dependencies)"
elif [ "${TORCH_FALLBACK:-none}" = cuda ]; then
  log "no torch+cpu wheel in $TORCH_WHEEL_DIR; TORCH_FALLBACK=cuda: PyPI torch==$TORCH_VERSION with its CUDA packages"
  "${PIP[@]}" install -q "torch==$TORCH_VERSION"
  torch_how="torch==$TORCH_VERSION from PyPI with nvidia-* CUDA packages (TORCH_FALLBACK=cuda; runs on CPU)"
else
  log "warning: no CPU-only torch wheel in $TORCH_WHEEL_DIR and PyPI has none for this platform:"
  log "         no PyTorch peer (TORCH_FALLBACK=cuda installs the ~6 GB CUDA wheel instead)"
fi

log "checking imports"
"$VENV/bin/python" - <<'EOF'
try:
    import torch
except ImportError:
    print("torch: not installed")
else:
    x = torch.ones(64, 64) @ torch.ones(64, 64)
    assert float(x[0, 0]) == 64.0
    print("torch", torch.__version__, "ok; CUDA available:", torch.cuda.is_available())
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
{ check_keras && torch_settled; } || { log "post-install check failed"; exit 1; }
log "done; see $VENV/installed.txt ($(du -sh "$VENV" | cut -f1))"
