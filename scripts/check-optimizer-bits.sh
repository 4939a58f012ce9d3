#!/usr/bin/env bash
# Trains the same Fashion-MNIST model for two epochs with every optimizer (and
# SGD with clipnorm) under two gradlab binaries, and checks that the saved
# weights, optimizer slots and model.json are the same bytes (and the shell
# printed the same text, `explain optimizer` included), and so are the Keras and
# PyTorch scripts `export` writes and the model after `model load` and one more
# epoch (the optimizer state saved and resumed): a refactoring of the update
# rules must not move a bit.
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
  # beyond the seven above: the fused plain-SGD path, momentum in RMSprop, the other clippings, non-default keys
  "sgd"
  "rmsprop(momentum=0.5, rho=0.8)"
  "adam(beta_1=0.8, epsilon=1e-5) clipvalue=0.01"
  "nadam global_clipnorm=0.5"
  "adagrad(initial_accumulator_value=0.5, learning_rate=0.01)"
)
names=(sgd-nesterov adam nadam rmsprop adagrad adamax sgd-clipnorm
       sgd-plain rmsprop-momentum adam-clipvalue nadam-global-clipnorm adagrad-initial)

run() { # binary optimizer output-dir
  rm -rf "$3"
  printf '%s\n' 'seed 42' 'data fashion-mnist validation=5000 limit=6000' 'model new' 'add flatten' \
    'add dense 300 activation=elu kernel_initializer=he_normal' \
    'add dense 100 activation=elu kernel_initializer=he_normal' \
    'add dense 10 activation=softmax' \
    "compile loss=sparse_categorical_crossentropy optimizer=$2 metrics=accuracy" \
    'fit epochs=2 verbose=0' "model save $3" \
    'explain optimizer' "export keras $3/export/model_keras.py" "export pytorch $3/export/model_pytorch.py" \
    "model load $3" 'fit epochs=1 verbose=0' "model save $3/resumed" | "$1" > "$3.log" 2>&1
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
  for f in model.safetensors optimizer.safetensors model.json export/model_keras.py export/model_pytorch.py \
           resumed/model.safetensors resumed/optimizer.safetensors; do
    if cmp -s "$work/$n-old/$f" "$work/$n-new/$f"; then
      echo "same   $n $f ($(sha256sum < "$work/$n-new/$f" | cut -c1-16))"
    else
      echo "DIFFER $n $f"; failed=1
    fi
  done
done
[[ $failed == 0 ]] && echo "all optimizers: same bits" || { echo "bits differ (files in $work)"; exit 1; }
