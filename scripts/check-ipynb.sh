#!/usr/bin/env bash
# Exports a session as .ipynb and validates it with Python's nbformat
# (installed into a git-ignored venv from PyPI).
set -euo pipefail
BIN=${1:-.build/release/gradlab}
VENV=.venv-tools
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -c "import nbformat" 2>/dev/null || "$VENV/bin/pip" install -q nbformat
tmp=$(mktemp -d)
printf '# A small session\nseed 1\ndata moons n=200 validation=40\nmodel new\nadd dense 8 activation=relu\nadd dense 2 activation=softmax\ncompile optimizer=adam\nfit epochs=2\nexport ipynb %s/s.ipynb\nquit\n' "$tmp" | "$BIN" --sessions "$tmp" >/dev/null
"$VENV/bin/python" - "$tmp/s.ipynb" <<'PY'
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
kinds = [c.cell_type for c in nb.cells]
assert kinds[0] == "markdown" and kinds.count("code") == 7, kinds
print("nbformat: valid,", len(nb.cells), "cells")
PY
rm -rf "$tmp"
