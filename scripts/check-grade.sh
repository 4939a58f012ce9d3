#!/usr/bin/env bash
# A class of 32 generated hand-ins graded by `gradlab grade` in one command:
# honest passes and fails, interrupted fits, edited outputs, edited goals,
# wrong data, a model loaded from a file, and hostile ones (an endless fit, a
# 100 MB line, a memory hog, writes aimed at `..`, other hand-ins and the
# exercise). Checks that every row is classified as expected and that no file
# outside the grader's own outputs changes (checksums before and after).
#
#   scripts/check-grade.sh [BIN]
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-${GRADLAB_BIN:-$(swift build -c release --show-bin-path)/gradlab}}
W=$(mktemp -d /tmp/gradlab-grade-test.XXXXXX)
trap '[ -n "${KEEP:-}" ] && echo "kept $W" || rm -rf "$W"' EXIT
mkdir -p "$W/teacher" "$W/class" "$W/students"
fail=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

cat > "$W/teacher/moons-bn.md" <<'EOF'
# Exercise: moons with BatchNormalization

Train a network with a BatchNormalization layer as its second layer on the
prescribed data until it reaches 0.85 validation accuracy.

```gradlab
> data moons n=400 noise=0.2 validation=100
```

```gradlab
> expect val_accuracy >= 0.85
```

```gradlab
> expect layer 1 is batchnorm
```
EOF

DATA="data moons n=400 noise=0.2 validation=100"
MODEL=("model new" "add dense 32 activation=relu" "add batchnorm" "add dense 2 activation=softmax")
GOOD="compile loss=sparse_categorical_crossentropy optimizer=adam learning_rate=0.01 metrics=accuracy"
WEAK="compile loss=sparse_categorical_crossentropy optimizer=sgd learning_rate=0.0001 metrics=accuracy"

# student NAME KIND LINES…: runs the lines in the student's own folder (with
# their copy of the exercise) and hands in handin.md as class/NAME.md.
declare -A KIND
student() {
  local name=$1 kind=$2; shift 2
  local d="$W/students/${DEPTH:-}$name"
  mkdir -p "$d/exercises"; cp "$W/teacher/moons-bn.md" "$d/exercises/"
  ( cd "$d" && { printf '%s\n' "$@"; echo "save session handin.md"; } | "$BIN" --no-autosave > run.log 2>&1 )
  cp "$d/handin.md" "$W/class/$name.md"
  KIND[$name]=$kind
}

n=0
for s in 1 2 3 4 5 6 7 8; do n=$((n+1))
  student "$(printf 'h%02d' $n)" pass "seed $s" "exercise open exercises/moons-bn.md" "$DATA" "${MODEL[@]}" "$GOOD" "fit epochs=40 verbose=0" "evaluate validation" "check"
done
for s in 1 2 3 4 5 6; do n=$((n+1))
  student "$(printf 'h%02d' $n)" fail "seed $s" "exercise open exercises/moons-bn.md" "$DATA" "${MODEL[@]}" "$WEAK" "fit epochs=1 verbose=0" "check"
done
for s in 1 2; do n=$((n+1))
  student "$(printf 'h%02d' $n)" data "seed $s" "exercise open exercises/moons-bn.md" "data moons n=2000 noise=0.2 validation=100" "${MODEL[@]}" "$GOOD" "fit epochs=10 verbose=0" "check"
done
for s in 1 2; do n=$((n+1)); name=$(printf 'h%02d' $n)
  mkdir -p "$W/students/$name"
  ( cd "$W/students/$name" && printf '%s\n' "seed 9" "$DATA" "${MODEL[@]}" "$GOOD" "fit epochs=25 verbose=0" "model save pretrained" | "$BIN" --no-autosave > /dev/null )
  student "$name" loaded "seed $s" "exercise open exercises/moons-bn.md" "$DATA" "model load pretrained" "check"
done
# Edited goals: the student's copy of the exercise asks for less, or drops a goal.
for how in weaker removed; do n=$((n+1)); name=$(printf 'h%02d' $n)
  mkdir -p "$W/students/$name/exercises"
  if [ $how = weaker ]; then sed 's/>= 0.85/>= 0.5/' "$W/teacher/moons-bn.md" > "$W/students/$name/exercises/moons-bn.md"
  else sed '/expect layer 1 is batchnorm/d' "$W/teacher/moons-bn.md" > "$W/students/$name/exercises/moons-bn.md"; fi
  ( cd "$W/students/$name" && printf '%s\n' "seed 3" "exercise open exercises/moons-bn.md" "$DATA" "${MODEL[@]}" "$WEAK" "fit epochs=1 verbose=0" "check" "save session handin.md" | "$BIN" --no-autosave > /dev/null )
  cp "$W/students/$name/handin.md" "$W/class/$name.md"; KIND[$name]=goals
done
# Edited outputs: an honest hand-in whose numbers were improved by hand.
for src in h01 h02 h03; do n=$((n+1)); name=$(printf 'h%02d' $n)
  sed -E '0,/accuracy: 0\.[0-9]{4}/s//accuracy: 0.9999/' "$W/class/$src.md" > "$W/class/$name.md"; KIND[$name]=edited
  cmp -s "$W/class/$src.md" "$W/class/$name.md" && bad "the edit of $name changed nothing"
done
# Interrupted fits: Ctrl-C (SIGINT) during a long fit, then check and hand in.
for s in 1 2 3; do n=$((n+1)); name=$(printf 'h%02d' $n); d="$W/students/$name"
  mkdir -p "$d/exercises"; cp "$W/teacher/moons-bn.md" "$d/exercises/"
  mkfifo "$d/in"
  ( cd "$d" && "$BIN" --no-autosave < in > run.log 2>&1 ) & pid=$!
  exec 3> "$d/in"
  printf '%s\n' "seed $s" "exercise open exercises/moons-bn.md" "data moons n=20000 noise=0.2 validation=100" "${MODEL[@]}" "$GOOD" "fit epochs=500" >&3
  for _ in $(seq 200); do grep -q "Epoch 2/500" "$d/run.log" 2>/dev/null && break; sleep 0.05; done
  kill -INT $(pgrep -P $pid gradlab || echo $pid) 2>/dev/null; kill -INT $pid 2>/dev/null
  for _ in $(seq 200); do grep -q "interrupted at epoch" "$d/run.log" 2>/dev/null && break; sleep 0.05; done
  printf '%s\n' "check" "save session handin.md" >&3; exec 3>&-; wait $pid
  cp "$d/handin.md" "$W/class/$name.md"; KIND[$name]=interrupted
  grep -q "interrupted at epoch" "$W/class/$name.md" || bad "$name: the fit was not interrupted"
done
# Hostile: writes aimed at .., at another hand-in and at the exercise.
n=$((n+1)); name=$(printf 'h%02d' $n)
# (Recorded one folder deeper, so that its writes land in a decoy tree now;
# at grading time the same relative paths point at the class and the teacher.)
DEPTH=decoy/a/ student "$name" escape "seed 1" "exercise open exercises/moons-bn.md" "$DATA" "${MODEL[@]}" "$GOOD" "fit epochs=40 verbose=0" "check" \
  "save session ../class/h01.md" "export md ../teacher/moons-bn.md" "model save ../../../escaped-model" "save session /tmp/gradlab-grade-escape-$$.md"
# Hostile: an endless fit (the grader's --timeout stops it).
n=$((n+1)); name=$(printf 'h%02d' $n)
student "$name" timeout "seed 1" "exercise open exercises/moons-bn.md" "$DATA" "${MODEL[@]}" "$GOOD" "fit epochs=1 verbose=0" "check"
sed -i 's/^> fit epochs=1 verbose=0$/> fit epochs=100000 batch_size=1 verbose=0/' "$W/class/$name.md"
# Hostile: a 100 MB line.
n=$((n+1)); name=$(printf 'h%02d' $n); KIND[$name]=unreadable
{ printf '# hand-in\n\n```gradlab\n> seed 1 '; head -c 100000000 /dev/zero | tr '\0' 'x'; printf '\n```\n'; } > "$W/class/$name.md"
# Hostile: a memory hog (the grader's --memory stops it).
n=$((n+1)); name=$(printf 'h%02d' $n); KIND[$name]=memory
printf '# hand-in\n\n```gradlab\n> seed 1\n```\n\n```gradlab\n> data moons n=1000000\n```\n\n```gradlab\n> model new\n```\n\n```gradlab\n> add dense 8000 activation=relu\n```\n\n```gradlab\n> add dense 8000 activation=relu\n```\n\n```gradlab\n> add dense 2 activation=softmax\n```\n\n```gradlab\n> compile loss=sparse_categorical_crossentropy optimizer=adam\n```\n\n```gradlab\n> fit epochs=1 batch_size=4096\n```\n' > "$W/class/$name.md"

count=$(ls "$W/class" | wc -l)
echo "generated a class of $count hand-ins"
[ "$count" -ge 30 ] || bad "fewer than 30 hand-ins"

# Every file under $W but the grader's own folder, with its checksum, and any escape elsewhere.
sums() { find "$W" -path "$W/grading" -prune -o -type f -print0 | xargs -0 sha256sum | sort
         ls /tmp | grep -c "gradlab-grade-escape"; ls "$W/.." | grep -c "escaped-model"; ls / | grep -c "escaped-model"; }
before=$(sums)
mkdir -p "$W/grading"
( cd "$W/grading" && "$BIN" grade ../teacher/moons-bn.md ../class/*.md --timeout 20 --memory 1024 > grade.log 2>&1 ) || bad "gradlab grade failed: $(tail -5 "$W/grading/grade.log")"
after=$(sums)
[ "$before" = "$after" ] || bad "grading changed files: $(diff <(echo "$before") <(echo "$after") | head -5)"
CSV="$W/grading/grades.csv"
[ -s "$CSV" ] && [ -s "$W/grading/grades.md" ] || { bad "no grades.csv / grades.md"; cat "$W/grading/grade.log"; exit 1; }
python3 - "$CSV" <<'PY' > "$W/rows.txt" || bad "grades.csv is not valid CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    print("\t".join([r["file"].split("/")[-1][:-3]] + [r[k] or "-" for k in ("reproduces", "goals_met", "flags")]))
PY
while IFS=$'\t' read -r name repro met flags; do
  k=${KIND[$name]:-}; [ "$flags" = - ] && flags=""
  case $k in
    pass|escape) [ "$repro" = yes ] && [ "$met" = 2 ] && [ -z "$flags" ] || bad "$name ($k): $repro $met/2 '$flags'";;
    fail) [ "$repro" = yes ] && [ "$met" -lt 2 ] && [ -z "$flags" ] || bad "$name ($k): $repro $met/2 '$flags'";;
    data) grep -q "other data than prescribed" <<< "$flags" || bad "$name ($k): '$flags'";;
    loaded) grep -q "model loaded from a file" <<< "$flags" || bad "$name ($k): '$flags'";;
    goals) grep -q "goals differ from the exercise" <<< "$flags" || bad "$name ($k): '$flags'";;
    edited) [ "$repro" = no ] && grep -q "does not reproduce" <<< "$flags" || bad "$name ($k): $repro '$flags'";;
    interrupted) grep -q "interrupted fit" <<< "$flags" && [ "$repro" = yes ] || bad "$name ($k): $repro '$flags'";;
    timeout) grep -q "timed out" <<< "$flags" || bad "$name ($k): '$flags'";;
    unreadable) grep -q "unreadable" <<< "$flags" || bad "$name ($k): '$flags'";;
    memory) grep -Eq "crashed or out of memory|does not reproduce" <<< "$flags" || bad "$name ($k): '$flags'";;
    *) bad "$name: no expected kind";;
  esac
done < "$W/rows.txt"
[ "$(wc -l < "$W/rows.txt")" = "$count" ] || bad "grades.csv has $(wc -l < "$W/rows.txt") rows for $count hand-ins"
tail -1 "$W/grading/grade.log"
[ "$fail" -eq 0 ] && echo "grade: all $count hand-ins classified as expected; no file changed" || echo "grade: $fail failures"
[ "$fail" -eq 0 ]
