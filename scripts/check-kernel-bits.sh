#!/usr/bin/env bash
# The same training gives the same bits on every kernel path: runs W1, W2 and
# W3 (bench/sessions, on 6,000 training images so that the scalar path takes
# seconds; two epochs for W1 and W2, one and MC Dropout with 10 passes for W3) under GRADLAB_KERNEL=avx512,
# avx2 and scalar (those this CPU has), and checks that the saved
# model.safetensors, optimizer.safetensors and model.json and the shell's
# output are byte-identical to the first path's.
#   scripts/check-kernel-bits.sh GRADLAB [WORKDIR]
set -euo pipefail
bin=${1:?usage: $0 GRADLAB [WORKDIR]}
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/kernel-bits.XXXXXX")}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"

paths=()
for k in avx512 avx2 scalar; do
  got=$(echo quit | GRADLAB_KERNEL=$k "$bin" --timings 2>&1 >/dev/null | sed -n 's/^timing kernel=//p')
  if [[ $got == "$k" ]]; then paths+=("$k"); else echo "skip   $k (this CPU runs $got instead)"; fi
done
[[ ${#paths[@]} -ge 2 ]] || { echo "fewer than two kernel paths on this CPU: nothing to compare"; exit 1; }

run() { # kernel session output-dir
  rm -rf "$3"
  grep -v -e '^model save' -e '^quit' -e '^summary' -e '^vars' -e '^gradients' -e '^activations' -e '^predict' \
      -e '^show' -e '^weights' -e '^explain' -e '^diagnose' "$here/bench/sessions/$2.gl" |
    sed -e 's/^data fashion-mnist validation=5000$/data fashion-mnist validation=1000 limit=7000/' \
        -e 's/samples=100$/samples=10/' |
    cat - <(printf '%s\n' "model save $3" quit) | GRADLAB_KERNEL=$1 "$bin" > "$3.log" 2>&1
  [[ -f $3/model.safetensors ]] || { echo "no model saved for $2 under $1 (see $3.log)"; return 1; }
}

# Times are the only text allowed to differ.
scrub() { sed -E -e "s|$1|OUT|g" -e 's/[0-9]+s [0-9.]+(us|ms|s)\/step/T/g' "$2"; }

failed=0
for w in w1 w2 w3; do
  first=${paths[0]}
  for k in "${paths[@]}"; do run "$k" "$w" "$work/$w-$k"; done
  for k in "${paths[@]:1}"; do
    if diff <(scrub "$work/$w-$first" "$work/$w-$first.log") <(scrub "$work/$w-$k" "$work/$w-$k.log") > "$work/$w-$k.diff"; then
      echo "same   $w $k shell output as $first"
    else
      echo "DIFFER $w $k shell output (see $work/$w-$k.diff)"; failed=1
    fi
    for f in model.safetensors optimizer.safetensors model.json; do
      if cmp -s "$work/$w-$first/$f" "$work/$w-$k/$f"; then
        echo "same   $w $k $f ($(sha256sum < "$work/$w-$k/$f" | cut -c1-16))"
      else
        echo "DIFFER $w $k $f"; failed=1
      fi
    done
  done
done
exit $failed
