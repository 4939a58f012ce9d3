#!/usr/bin/env bash
# Trains the same Fashion-MNIST model for two epochs with every optimizer (and
# SGD with clipnorm) under two gradlab binaries, and checks that the saved
# weights, optimizer slots and model.json are the same bytes (and the shell
# printed the same text): a refactoring of the update rules must not move a bit.
#   scripts/check-optimizer-bits.sh OLD_GRADLAB NEW_GRADLAB [WORKDIR]
set -euo pipefail
old=${1:?usage: $0 OLD_GRADLAB NEW_GRADLAB [WORKDIR]}
new=${2:?usage: $0 OLD_GRADLAB NEW_GRADLAB [WORKDIR]}
work=${3:-$(mktemp -d "${TMPDIR:-/tmp}/optimizer-bits.XXXXXX")}
mkdir -p "$work"

optimizers=(
  "sgd(learning_rate=0.01, momentum=0.9, nesterov=true)"
  "adam"
  "nadam"
  "rmsprop"
  "adagrad"
  "adamax"
  "sgd(learning_rate=0.01, momentum=0.9, nesterov=true) clipnorm=1.0"
)
names=(sgd-nesterov adam nadam rmsprop adagrad adamax sgd-clipnorm)

run() { # binary optimizer output-dir
  rm -rf "$3"
  printf '%s\n' 'seed 42' 'data fashion-mnist validation=5000 limit=6000' 'model new' 'add flatten' \
    'add dense 300 activation=elu kernel_initializer=he_normal' \
    'add dense 100 activation=elu kernel_initializer=he_normal' \
    'add dense 10 activation=softmax' \
    "compile loss=sparse_categorical_crossentropy optimizer=$2 metrics=accuracy" \
    'fit epochs=2 verbose=0' "model save $3" | "$1" > "$3.log" 2>&1
  [[ -f $3/model.safetensors && -f $3/optimizer.safetensors ]] || { echo "no model saved by $1 for $2 (see $3.log)"; return 1; }
}

failed=0
for i in "${!optimizers[@]}"; do
  n=${names[$i]}
  run "$old" "${optimizers[$i]}" "$work/$n-old"
  run "$new" "${optimizers[$i]}" "$work/$n-new"
  if diff <(sed "s|$work/$n-old|OUT|g" "$work/$n-old.log") <(sed "s|$work/$n-new|OUT|g" "$work/$n-new.log") > /dev/null; then
    echo "same   $n shell output"
  else
    echo "DIFFER $n shell output"; failed=1
  fi
  for f in model.safetensors optimizer.safetensors model.json; do
    if cmp -s "$work/$n-old/$f" "$work/$n-new/$f"; then
      echo "same   $n $f ($(sha256sum < "$work/$n-new/$f" | cut -c1-16))"
    else
      echo "DIFFER $n $f"; failed=1
    fi
  done
done
[[ $failed == 0 ]] && echo "all optimizers: same bits" || { echo "bits differ (files in $work)"; exit 1; }
