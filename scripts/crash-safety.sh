#!/usr/bin/env bash
# Crash safety, tried the hard way with a real process:
#   1. kill -9 at random moments while `model save` replaces a model of another
#      architecture: the folder always loads as the old model or the new one;
#   2. kill -9 at random moments while `save session` rewrites a transcript:
#      the file is always the old one or the new one, byte for byte;
#   3. kill -9 at random moments while an autosaving session trains: `resume`
#      always brings back a consistent session;
#   4. kill -9 after a given cell, then resume in a new process: the final
#      weights are byte-identical to a session run straight through;
#   5. a full file system (a 2 MiB tmpfs, when this machine lets us mount one):
#      saves fail with a clear error and leave the old files as they were.
#
#   scripts/crash-safety.sh [BIN] [TRIES]      (TRIES per random-kill part, default 100)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-${GRADLAB_BIN:-$(swift build -c release --show-bin-path)/gradlab}}
TRIES=${2:-100}
W=$(mktemp -d /tmp/gradlab-crash.XXXXXX)
trap 'umount "$W/full" 2>/dev/null; rm -rf "$W"' EXIT
cd "$W"
fail=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
# A random delay in [0, $1) seconds.
pause() { sleep "$(awk -v m="$1" -v r="$RANDOM" 'BEGIN { printf "%.4f", m * r / 32768 }')"; }
same_model() { cmp -s "$1/model.safetensors" "$2/model.safetensors" && cmp -s "$1/model.json" "$2/model.json" \
               && cmp -s "$1/optimizer.safetensors" "$2/optimizer.safetensors"; }

# Two models of different architectures: small A ([2, 16] kernel) and big B ([2, 2048]).
cat > setup.txt <<'EOF'
seed 1
data moons n=200
model new
add dense 16 activation=relu
add dense 2 activation=softmax
compile loss=sparse_categorical_crossentropy optimizer=adam metrics=accuracy
fit epochs=1
model save A
model new
add dense 2048 activation=relu
add dense 512 activation=relu
add dense 2 activation=softmax
compile loss=sparse_categorical_crossentropy optimizer=adam metrics=accuracy
fit epochs=1
model save B
EOF
"$BIN" run setup.txt > setup.log || { cat setup.log; exit 1; }

# --- 1. model save, killed at random --------------------------------------
{ for i in $(seq 20); do echo "model load A"; echo "model save X"; echo "model load B"; echo "model save X"; done; } > saves.txt
t0=$(date +%s.%N); "$BIN" run saves.txt > /dev/null; t1=$(date +%s.%N)
span=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
olds=0; news=0
for t in $(seq "$TRIES"); do
  rm -rf X .X.gradlab-*; cp -r A X
  "$BIN" run saves.txt > /dev/null 2>&1 & pid=$!
  pause "$span"; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  # Loading finishes an interrupted swap; then the folder must be A or B exactly.
  out=$(printf 'model load X\n' | "$BIN" 2>&1)
  if ! grep -q "^loaded" <<< "$out"; then bad "model save try $t: X does not load: $out"; continue; fi
  if same_model X A; then olds=$((olds + 1)); elif same_model X B; then news=$((news + 1)); else bad "model save try $t: X is neither A nor B"; fi
  ls -a | grep -q '\.X\.gradlab-' && bad "model save try $t: a temporary folder was left after loading"
done
echo "model save, kill -9 x $TRIES: $olds loaded as A, $news as B"

# --- 2. save session, killed at random ------------------------------------
{ echo "seed 1"; for i in $(seq 60); do echo "note line $i of a long session"; echo "save session T.md"; done; } > notes.txt
"$BIN" run notes.txt > /dev/null; cp T.md T.final
t0=$(date +%s.%N); "$BIN" run notes.txt > /dev/null; t1=$(date +%s.%N)
span=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
printf 'seed 1\nsave session T.md\n' | "$BIN" > /dev/null; cp T.md T.first
for t in $(seq "$TRIES"); do
  cp T.first T.md
  "$BIN" run notes.txt > /dev/null 2>&1 & pid=$!
  pause "$span"; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  # Every state it may be in is a complete transcript: the first one, or one
  # whose last line is note N and which holds exactly N notes (nothing cut off).
  last=$(grep -v '^$' T.md | tail -1 | sed -nE 's/^line ([0-9]+) of a long session$/\1/p')
  if ! cmp -s T.md T.first && { [ -z "$last" ] || [ "$(grep -c '^line [0-9]* of a long session$' T.md)" != "$last" ]; }; then
    bad "save session try $t: T.md is cut off or mixed"; fi
  ls -a | grep -q '^\.T\.md\.tmp' && rm -f .T.md.tmp*   # a temp file may remain after kill -9; never the target
done
echo "save session, kill -9 x $TRIES: every file a complete transcript"

# --- 3. autosave while training, killed at random -------------------------
cat > train.txt <<'EOF'
seed 4
data moons n=400 validation=100
model new
add dense 64 activation=elu kernel_initializer=he_normal
add batchnorm
add dropout 0.2
add dense 2 activation=softmax
compile loss=sparse_categorical_crossentropy optimizer=nadam metrics=accuracy
fit epochs=2
fit epochs=2
fit epochs=2
EOF
t0=$(date +%s.%N); "$BIN" --autosave --sessions S0 < train.txt > /dev/null; t1=$(date +%s.%N)
span=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
resumed=0
for t in $(seq $((TRIES / 2))); do
  rm -rf S
  "$BIN" --autosave --sessions S < train.txt > /dev/null 2>&1 & pid=$!
  pause "$span"; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  [ -d S/autosave ] && [ -n "$(ls S/autosave)" ] || continue
  out=$(printf 'resume\nsummary\n' | "$BIN" --sessions S 2>&1)
  if grep -q "^resumed" <<< "$out"; then resumed=$((resumed + 1))
  elif ! grep -q "no saved session" <<< "$out"; then bad "autosave try $t: resume failed: $(grep error <<< "$out")"; fi
done
echo "autosave while training, kill -9 x $((TRIES / 2)): $resumed resumed (the others were killed before the first cell finished)"

# --- 4. kill -9 after a cell, resume: the same bits -----------------------
( cat train.txt; echo "model save straight" ) | "$BIN" > /dev/null
for cut in 2 8 9 10; do
  rm -rf S; mkfifo in.fifo
  "$BIN" --autosave --sessions S < in.fifo > out.log 2>&1 & pid=$!
  exec 3> in.fifo
  head -n "$cut" train.txt >&3
  # Wait until cell $cut has finished (the prompt of the next one is printed as its line arrives: poll the autosave).
  for _ in $(seq 600); do
    n=$(grep -c '"input"' S/autosave/*/state.json 2>/dev/null || echo 0)
    [ "${n:-0}" -ge "$cut" ] && break; sleep 0.05
  done
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; exec 3>&-; rm -f in.fifo
  ( echo "resume"; tail -n +"$((cut + 1))" train.txt; echo "model save resumed" ) | "$BIN" --sessions S > resume.log 2>&1
  if same_model straight resumed; then echo "kill -9 after cell $cut, resumed: byte-identical model"
  else bad "kill -9 after cell $cut: the resumed model differs from the straight run"; grep -E "error|resumed" resume.log | head -3; fi
  rm -rf resumed
done

# --- 5. full disk -----------------------------------------------------------
mkdir -p full
if mount -t tmpfs -o size=2m tmpfs full 2>/dev/null; then
  cp -r A full/M
  printf 'seed 1\nnote a transcript\nsave session full/T.md\n' | "$BIN" > /dev/null; cp full/T.md T.before
  out=$(printf 'model load B\nmodel save full/M\n' | "$BIN" 2>&1)
  grep -q "error: model not saved" <<< "$out" || bad "full disk: model save did not report the failure: $out"
  same_model full/M A || bad "full disk: the old model changed"
  ls -a full | grep -q gradlab- && bad "full disk: a temporary folder was left"
  head -c 1900000 /dev/zero > full/filler 2>/dev/null
  big=$(head -c 60000 /dev/zero | tr '\0' 'x')
  out=$( { echo "seed 1"; for i in $(seq 5); do echo "note $big"; done; echo "save session full/T.md"; } | "$BIN" 2>&1)
  grep -q "error: cannot write" <<< "$out" || bad "full disk: save session did not report the failure"
  cmp -s full/T.md T.before || bad "full disk: the old transcript changed"
  ls -a full | grep -q '\.tmp-' && bad "full disk: a temporary file was left"
  umount full
  echo "full disk (2 MiB tmpfs): saves refused with an error, old files intact"
else
  echo "full disk: cannot mount a tmpfs here (not root?); the injected-failure unit tests cover it"
fi

[ "$fail" -eq 0 ] && echo "crash safety: all passed" || echo "crash safety: $fail failures"
[ "$fail" -eq 0 ]
