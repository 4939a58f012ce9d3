#!/usr/bin/env bash
# Checks `export keras` / `export pytorch` end to end: creates a git-ignored
# venv (.venv-export) with Keras 3 + JAX, safetensors and a CPU-only PyTorch,
# then runs the ExportScriptTests, which export small trained models (every
# layer type, activation, initializer, optimizer, schedule and clipping the
# export supports), run the scripts and compare accuracy (4 decimals) and
# predictions (1e-5) with gradlab's, and round-trip Keras → import → export.
#
#   scripts/check-export.sh               # venv (if needed) + tests
#   scripts/check-export.sh --setup-only  # just the venv
#
# PyTorch without CUDA: PyPI's default `torch` wheel pulls ~6 GB of nvidia-*
# packages and the PyTorch CPU index is not reachable here. In this order:
#   1. a `torch-*+cpu*` wheel in a pip find-links folder (TORCH_WHEEL_DIR,
#      default /opt/wheels, which /etc/pip.conf lists) — no nvidia deps;
#   2. PyPI `torch --no-deps` plus its small pure-Python dependencies, kept
#      only if `import torch` then works;
#   3. otherwise no torch: the PyTorch checks are skipped with a message,
#      the Keras ones still run.
# Environment: VENV, PYTHON, TORCH_WHEEL_DIR, TORCH_FALLBACK=0 (skip step 2),
# FORCE=1 (recreate the venv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.venv-export}"
PYTHON="${PYTHON:-python3}"
TORCH_WHEEL_DIR="${TORCH_WHEEL_DIR:-/opt/wheels}"
TORCH_SMALL_DEPS=(filelock "typing-extensions>=4.10.0" "sympy>=1.13.3" networkx jinja2 fsspec setuptools)
log() { echo "[check-export] $*" >&2; }

has() { "$VENV/bin/python" -c "$1" >/dev/null 2>&1; }

setup() {
  if [ "${FORCE:-0}" = 1 ]; then rm -rf "$VENV"; fi
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV with $($PYTHON --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
  fi
  local PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
  if ! KERAS_BACKEND=jax has "import keras, jax, numpy, safetensors.numpy"; then
    log "installing keras jax safetensors numpy"
    "${PIP[@]}" install keras jax safetensors numpy
  fi
  if has "import torch, safetensors.torch"; then
    log "torch: $("$VENV/bin/python" -c 'import torch; print(torch.__version__)')"
  else
    local pyv whl
    pyv="$("$VENV/bin/python" -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')"
    whl="$(ls "$TORCH_WHEEL_DIR"/torch-*+cpu*-cp"$pyv"-*.whl 2>/dev/null | sort -V | tail -1 || true)"
    if [ -n "$whl" ]; then
      log "installing CPU-only torch from $whl"
      "${PIP[@]}" install "$whl" || true
    fi
    if ! has "import torch" && [ "${TORCH_FALLBACK:-1}" = 1 ]; then
      log "no usable torch+cpu wheel; trying PyPI torch --no-deps + small deps (no CUDA packages)"
      if "${PIP[@]}" install --no-deps torch && "${PIP[@]}" install "${TORCH_SMALL_DEPS[@]}" && has "import torch; torch.ones(2) @ torch.ones(2)"; then
        log "torch from PyPI without nvidia-* packages imports fine"
      else
        log "torch without CUDA packages does not import; removing it"
        "${PIP[@]}" uninstall -y torch >/dev/null 2>&1 || true
      fi
    fi
    if has "import torch"; then log "torch: $("$VENV/bin/python" -c 'import torch; print(torch.__version__)')"
    else log "PyTorch is unavailable: the PyTorch export checks will be skipped (Keras checks still run)"; fi
  fi
  KERAS_BACKEND=jax "$VENV/bin/python" -c "import keras, jax; print('[check-export] keras', keras.__version__, 'jax', jax.__version__)" >&2
}

setup
if [ "${1:-}" = "--setup-only" ]; then exit 0; fi

log "running ExportScriptTests with $VENV/bin/python"
export GRADLAB_EXPORT_PYTHON="$VENV/bin/python"
export GRADLAB_EXPORT_REQUIRED=1
if ! swift build --build-tests > /tmp/gradlab-check-export-build.log 2>&1; then
  grep -E "error" /tmp/gradlab-check-export-build.log | head -20; log "build failed"; exit 1
fi
swift test --skip-build --filter ExportScriptTests 2>&1 | tee /tmp/gradlab-check-export.log |
  grep -E "error|failed|passed \(|Executed|skipped|keras|pytorch|side-by-side" | tail -80 || true
grep -qE "Executed [0-9]+ tests?, with 0 failures" /tmp/gradlab-check-export.log
