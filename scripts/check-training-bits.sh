#!/usr/bin/env bash
# The same training under two gradlab binaries gives the same bits: runs the
# bench's W1, W2, W3 and W3b sessions (bench/sessions/w{1,2,3,3b}.gl: two
# epochs for W1 and W2, one and MC Dropout for W3 and W3b, whose dropout is on
# the input too) under OLD and NEW, saves each model,
# and checks that model.safetensors, optimizer.safetensors and model.json are
# byte-identical and that the shell printed the same text but for timings.
# A refactoring of the training code must not move a bit.
#   scripts/check-training-bits.sh OLD_GRADLAB NEW_GRADLAB [WORKDIR]
set -euo pipefail
old=${1:?usage: $0 OLD_GRADLAB NEW_GRADLAB [WORKDIR]}
new=${2:?usage: $0 OLD_GRADLAB NEW_GRADLAB [WORKDIR]}
work=${3:-$(mktemp -d "${TMPDIR:-/tmp}/training-bits.XXXXXX")}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"

run() { # binary session output-dir
  rm -rf "$3"
  # The session without its own saves and quit, then a save here.
  grep -v -e '^model save' -e '^quit' "$here/bench/sessions/$2.gl" |
    cat - <(printf '%s\n' "model save $3" quit) | "$1" > "$3.log" 2>&1
  [[ -f $3/model.safetensors ]] || { echo "no model saved by $1 for $2 (see $3.log)"; return 1; }
}
# Times and speeds are the only text allowed to differ.
scrub() { sed -E -e "s|$1|OUT|g" -e 's/[0-9.]+ ?(s|ms|us|µs)\b/T/g' -e 's/[0-9.]+ ?(us|ms|µs|s)\/step/T/g' -e 's/[0-9.]+ (samples|steps)\/s/R/g' "$2"; }

failed=0
for w in w1 w2 w3 w3b; do
  run "$old" "$w" "$work/$w-old"
  run "$new" "$w" "$work/$w-new"
  if diff <(scrub "$work/$w-old" "$work/$w-old.log") <(scrub "$work/$w-new" "$work/$w-new.log") > "$work/$w.diff"; then
    echo "same   $w shell output"
  else
    echo "DIFFER $w shell output (see $work/$w.diff)"; failed=1
  fi
  for f in model.safetensors optimizer.safetensors model.json; do
    [[ -f $work/$w-old/$f || -f $work/$w-new/$f ]] || continue
    if cmp -s "$work/$w-old/$f" "$work/$w-new/$f"; then
      echo "same   $w $f ($(sha256sum < "$work/$w-new/$f" | cut -c1-16))"
    else
      echo "DIFFER $w $f"; failed=1
    fi
  done
done
exit $failed
