#!/usr/bin/env bash
# Re-records every tutorial from its command file in tutorials/src/ with the
# release build, marks machine-dependent training cells `nocheck` (post.py),
# and replays each with --check. Prose numbers are written by hand: after a
# numeric change, re-read each tutorial's prose against its new outputs.
set -uo pipefail
cd "$(dirname "$0")/../.."
# BIN=path uses that binary instead of building one.
if [ -z "${BIN:-}" ]; then
  swift build -c release 2>&1 | tail -1
  BIN=$(swift build -c release --show-bin-path)/gradlab
fi
record() { # NN name [--nocheck REGEX]...
  local src=tutorials/src/$1.txt out=tutorials/$2.md; shift 2
  "$BIN" run "$src" > /tmp/gradlab-record.out 2>&1 || true
  if grep -q "expectation failed" /tmp/gradlab-record.out; then echo "!! $out: an expectation failed while recording:"; grep -B2 "expectation failed" /tmp/gradlab-record.out | head -20; fi
  # A solution must end with its exercise solved: the last `check` meets every goal.
  if [[ $out == */solutions/* ]] && ! grep "goals met" /tmp/gradlab-record.out | tail -1 | grep -q "exercise complete"; then
    echo "!! $out: the solution's last check does not complete the exercise:"; grep "goals met" /tmp/gradlab-record.out | tail -1
  fi
  python3 scripts/tutorials/post.py "$out" --header "<!-- gradlab: version=$("$BIN" --version) tolerance=0.01 abs=0.0001 -->" "$@"
  "$BIN" replay --check --quiet "$out" | tail -1
}
record 01 01-vanishing-gradients --nocheck '^fit ' --nocheck '^gradients$#3'
record 02 02-initializers
record 03 03-relu-family --nocheck '^fit ' --nocheck '^activations$#2' --nocheck '^activations$#3' --nocheck '^gradients$' --nocheck '^activations$#4'
record 04 04-selu --nocheck '^fit '
record 05 05-batchnorm --nocheck '^fit ' --nocheck '^vars 1$#2'
record 06 06-gradient-clipping --nocheck '^fit '
record 07 07-optimizers --nocheck '^fit '
record 08 08-lr-schedules --nocheck '^fit ' --nocheck '^plot lr'
record 09 09-regularization --nocheck '^fit ' --nocheck '^weights'
record 10 10-dropout --nocheck '^fit '
record 11 11-residual-and-reuse --nocheck '^fit ' --nocheck '^evaluate test'
record 12 12-the-exercise --nocheck '^fit ' --nocheck '^search '
record s1 exercises/solutions/01-batchnorm --nocheck '^fit '
record s2 exercises/solutions/02-deep-gradients
record s3 exercises/solutions/03-max-norm --nocheck '^fit '
record s4 exercises/solutions/04-beat-the-instructor --nocheck "^fit "
