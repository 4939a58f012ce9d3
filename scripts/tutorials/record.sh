#!/usr/bin/env bash
# Re-records every tutorial from its command file in tutorials/src/ with the
# release build (post.py merges consecutive cells into one block) and replays
# each with --check. Every cell is checked exactly (tolerance=0 abs=0): the
# bits of a training are the same on every CPU and kernel path. Prose numbers are written by hand: after a
# numeric change, re-read each tutorial's prose against its new outputs.
set -uo pipefail
cd "$(dirname "$0")/../.."
# BIN=path uses that binary instead of building one.
if [ -z "${BIN:-}" ]; then
  swift build -c release 2>&1 | tail -1
  BIN=$(swift build -c release --show-bin-path)/gradlab
fi
record() { # NN name [--nocheck REGEX]... (no tutorial needs one today)
  local src=tutorials/src/$1.txt out=tutorials/$2.md; shift 2
  "$BIN" run "$src" > /tmp/gradlab-record.out 2>&1 || true
  if grep -q "expectation failed" /tmp/gradlab-record.out; then echo "!! $out: an expectation failed while recording:"; grep -B2 "expectation failed" /tmp/gradlab-record.out | head -20; fi
  # A solution must end with its exercise solved: the last `check` meets every goal.
  if [[ $out == */solutions/* ]] && ! grep "goals met" /tmp/gradlab-record.out | tail -1 | grep -q "exercise complete"; then
    echo "!! $out: the solution's last check does not complete the exercise:"; grep "goals met" /tmp/gradlab-record.out | tail -1
  fi
  python3 scripts/tutorials/post.py "$out" --header "<!-- gradlab: version=$("$BIN" --version) tolerance=0 abs=0 -->" "$@"
  "$BIN" replay --check --quiet "$out" | tail -1
}
record 01 01-vanishing-gradients
record 02 02-initializers
record 03 03-relu-family
record 04 04-selu
record 05 05-batchnorm
record 06 06-gradient-clipping
record 07 07-optimizers
record 08 08-lr-schedules
record 09 09-regularization
record 10 10-dropout
record 11 11-residual-and-reuse
record 12 12-the-exercise
record s1 exercises/solutions/01-batchnorm
record s2 exercises/solutions/02-deep-gradients
record s3 exercises/solutions/03-max-norm
record s4 exercises/solutions/04-beat-the-instructor
