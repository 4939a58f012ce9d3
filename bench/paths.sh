#!/usr/bin/env bash
# What each kernel path reaches: W1 and W5 (second epoch) with the products
# forced onto one path (GRADLAB_KERNEL=avx512|avx2|scalar, as a CPU with only
# that path would run them), against CGemm's floor for the same products on the
# same path and against that path's peak FMA rate on this machine (peak.c: its
# AVX-512 and AVX2 FMA loops, per core × cores). The paths give the same bits
# (`make test`); this is their speed. The scalar path computes each fused
# multiply-add exactly in software (it is for CPUs without FMA) and has no FMA
# peak to compare with; it runs on the QUICK sessions' 1,500 images.
#
#   bash bench/paths.sh GRADLAB CGEMM_FLOOR PEAK SESSIONS_DIR OUT.md [REPEAT]
# Called by bench/run.sh (PATHS=0 skips it); no targets: a report.
set -uo pipefail
GRADLAB="$1"; FLOOR="$2"; PEAK="$3"; SESS="$4"; OUT="$5"; REPEAT="${6:-3}"
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/quick_session.sh"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gradlab-paths.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "fail"; else if (NR % 2) print v[(NR+1)/2]; else printf "%.6f\n", (v[NR/2]+v[NR/2+1])/2}'; }
epoch2() {  # epoch2 PATH SESSION -> seconds of the second epoch, or "fail"
  local t
  t=$(env -u GRADLAB_PARALLEL GRADLAB_KERNEL="$1" timeout 900 "$GRADLAB" --timings < "$2" 2>&1 >/dev/null |
      awk -F'seconds=' '/^timing fit epoch=/ {s=$2} END {print s}')
  echo "${t:-fail}"
}
floor_run() {  # floor_run PATH BATCH SAMPLES -> "seconds gflops" of one run, or "fail"
  local j
  j=$(GRADLAB_KERNEL="$1" timeout 900 "$FLOOR" --json --repeat 1 --warmup 1 --threads 2 \
      --layers 784,300,100,10 --batch "$2" --samples "$3" 2>/dev/null | tail -1)
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["seconds"], r["gflops"])' "$j" 2>/dev/null || echo fail
}

paths=()
grep -qw avx512f /proc/cpuinfo && paths+=(avx512)
grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && paths+=(avx2)
paths+=(scalar)

peak_json=$("$PEAK" --json --seconds 0.2 --rounds 3 2>/dev/null | tail -1)
peak_of() {  # peak_of PATH -> GFLOP/s of all cores (per core × cores), or ""
  python3 - "$peak_json" "$1" <<'PY'
import json, sys
try:
    r = json.loads(sys.argv[1])
    p = r.get(sys.argv[2]) or {}
    print(f"{p['per_core_gflops'] * r['cores']:.1f}" if p.get("per_core_gflops") else "")
except Exception:
    print("")
PY
}

{
  echo "# gradlab's kernel paths, $(date +%F)"
  echo
  echo "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); gradlab $("$GRADLAB" --version 2>/dev/null); medians of $REPEAT alternating runs; second epoch (\`timing fit epoch=2\`) under \`GRADLAB_KERNEL=path\`; floor = bench/floor-tools/cgemm_floor.c on the same path, two threads."
  echo "GFLOP/s = 2 × the multiply-adds of the forward, weight-gradient and input-gradient products (not the first Dense's input gradient) ÷ time; gradlab's counts the same products as the floor. Peak = peak.c's FMA loop of the path's vector width, per core × $(nproc) cores."
  echo
  echo "| path | workload | images | gradlab epoch | floor | × floor | gradlab GFLOP/s | floor GFLOP/s | peak GFLOP/s | gradlab % of peak | floor % of peak |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
} > "$OUT"
failed=0
for path in "${paths[@]}"; do
  for w in w1 w5; do
    [ -f "$SESS/$w.gl" ] || continue
    batch=32; [ "$w" = w5 ] && batch=256
    sess="$SESS/$w.gl"; images=55000
    if [ "$path" = scalar ] || [ "${QUICK:-0}" = 1 ]; then
      quick_session "$SESS/$w.gl" > "$WORK/$w-quick.gl"; sess="$WORK/$w-quick.gl"; images=1500
    fi
    : > "$WORK/g"; : > "$WORK/f"; : > "$WORK/fg"
    for ((r = 1; r <= REPEAT; r++)); do
      epoch2 "$path" "$sess" >> "$WORK/g"
      read -r fs fg <<< "$(floor_run "$path" "$batch" "$images")"
      [ "$fs" = fail ] || { echo "$fs" >> "$WORK/f"; echo "$fg" >> "$WORK/fg"; }
    done
    g=$(grep -v fail "$WORK/g" | median); f=$(median < "$WORK/f"); fg=$(median < "$WORK/fg")
    if [ "$g" = fail ] || [ "$f" = fail ]; then
      echo "[paths] $path $w: a run failed" >&2; failed=1; continue
    fi
    peak=$(peak_of "$path")
    python3 - "$path" "$w" "$images" "$g" "$f" "$fg" "$peak" >> "$OUT" <<'PY'
import sys
path, w, images, g, f, fg, peak = sys.argv[1:]
g, f, fg = float(g), float(f), float(fg)
gg = fg * f / g   # the floor's flops over gradlab's time
pk = float(peak) if peak else None
pct = lambda x: f"{100 * x / pk:.0f} %" if pk else "—"
n = lambda x: f"{x:.0f}" if x >= 10 else f"{x:.2f}"
print(f"| {path} | {w.upper()} | {int(images):,} | {g:.3f} s | {f:.3f} s | {g / f:.2f}× | {n(gg)} | {n(fg)} | "
      f"{pk if pk else '—'} | {pct(gg)} | {pct(fg)} |")
PY
    echo "[paths] $path $w: gradlab $g s, floor $f s" >&2
  done
done
cat "$OUT"
exit "$failed"
