#!/usr/bin/env bash
# The machine shared (a classroom server, a laptop compiling something): W1, W5
# and W6 (updates in the background), second epoch, while 0, 1 or 2 other
# processes keep cores busy. gradlab as it runs (two cores when that measures
# faster) against itself held to one core (GRADLAB_PARALLEL=0), alternating in
# the same run. Targets: quiet, the second
# core pays (≤ 0.8× one core); under load, never slower than one core (≤ 1.1×).
#
#   bash bench/load.sh GRADLAB SESSIONS_DIR OUT.md [REPEAT]
# Called by bench/run.sh (LOAD=0 skips it); STRICT=1 exits 1 on a missed target.
set -uo pipefail
GRADLAB="$1"; SESS="$2"; OUT="$3"; REPEAT="${4:-3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gradlab-load.XXXXXX")"
hogs=()
stop_hogs() { for p in "${hogs[@]}"; do kill "$p" 2>/dev/null; done; hogs=(); }
trap 'stop_hogs; rm -rf "$WORK"' EXIT

epoch2() {  # epoch2 auto|one SESSION -> seconds of the second epoch, or "fail"
  local mode=(-u GRADLAB_PARALLEL) t
  [ "$1" = one ] && mode=(GRADLAB_PARALLEL=0)
  t=$(env "${mode[@]}" timeout 600 "$GRADLAB" --timings < "$2" 2>&1 >/dev/null | awk -F'seconds=' '/^timing fit epoch=/ {s=$2} END {print s}')
  echo "${t:-fail}"
}
median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "fail"; else if (NR % 2) print v[(NR+1)/2]; else printf "%.6f\n", (v[NR/2]+v[NR/2+1])/2}'; }

missed=0
{
  echo "# gradlab on a shared machine, $(date +%F)"
  echo
  echo "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); gradlab $("$GRADLAB" --version 2>/dev/null); medians of $REPEAT runs each, second epoch (\`timing fit epoch=2\`)."
  echo "Busy process = \`while :; do :; done\` in bash, started before and stopped after the measurements."
  echo
  echo "| workload | busy processes | gradlab | gradlab, one core | ratio | target | met |"
  echo "|---|---|---|---|---|---|---|"
} > "$OUT"
for w in w1 w5 w6; do
  [ -f "$SESS/$w.gl" ] || continue
  for h in 0 1 2; do
    stop_hogs
    for ((i = 0; i < h; i++)); do ( while :; do :; done ) & hogs+=($!); done
    : > "$WORK/auto"; : > "$WORK/one"
    for ((r = 1; r <= REPEAT; r++)); do
      epoch2 auto "$SESS/$w.gl" >> "$WORK/auto"
      epoch2 one "$SESS/$w.gl" >> "$WORK/one"
    done
    stop_hogs
    a=$(grep -v fail "$WORK/auto" | median); o=$(grep -v fail "$WORK/one" | median)
    if [ "$a" = fail ] || [ "$o" = fail ]; then
      echo "[load] $w with $h busy: a run failed" >&2; exit 2
    fi
    if [ "$h" = 0 ]; then target=0.8; else target=1.1; fi
    ratio=$(awk -v a="$a" -v o="$o" 'BEGIN {printf "%.2f", a / o}')
    met=$(awk -v r="$ratio" -v t="$target" 'BEGIN {print (r <= t) ? "yes" : "no"}')
    [ "$met" = yes ] || missed=$((missed + 1))
    printf '| %s epoch | %d | %.3f s | %.3f s | %s× | ≤%s× one core | %s |\n' "$(echo $w | tr w W)" "$h" "$a" "$o" "$ratio" "$target" "$met" >> "$OUT"
    echo "[load] $w, $h busy: gradlab $a s, one core $o s ($ratio×)" >&2
  done
done
cat "$OUT"
if [ "${STRICT:-0}" = 1 ] && [ "$missed" -gt 0 ]; then exit 1; fi
exit 0
