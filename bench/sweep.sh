#!/usr/bin/env bash
# `make bench SWEEP=1` (issue 9): how gradlab's per-step cost grows with the
# model, against PyTorch and the step's sgemm calls alone.  bench/run.sh
# execs this when SWEEP=1.  See bench/README.md.
#
# Grid: three one-dimensional sweeps around W1's shape, plus the overhead point
#   width   W ∈ 32 … 4096        (depth 2, batch 32)
#   depth   D ∈ 2 … 32           (width 256, batch 32)
#   batch   B ∈ 1 … 1024         (width 256, depth 2)
#   overhead  width 32, depth 2, batch 1 (the smallest model at batch 1)
# Each sweep runs as one gradlab-sweep process (bench/sweep/main.swift) and one
# bench/peers/torch_sweep.py process; bench/sweep_report.py writes
# results/sweep-DATE.md, .json and .svg.
#
#   bash bench/sweep.sh            # full grid (~3 min on 2 cores)
#   QUICK=1 bash bench/sweep.sh    # smoke test: 2 sizes per sweep, a few steps; exit 0 iff the harness works
# Environment:
#   PEERS=pytorch|none     (default pytorch; QUICK: pytorch only if bench/.venv already imports torch)
#   REPEAT=1               rounds of the whole grid; medians are reported
#   MIN_TIME=0.5           timed seconds per configuration and framework (QUICK 0.02)
#   BLOCKS=5               timed blocks per configuration (QUICK 3); the median block counts
#   WARMUP_TIME=0.2        warm-up seconds per configuration (QUICK 0.01)
#   MAX_STEPS=20000        timed steps per configuration at most
#   SWEEP_BIN=path         use this gradlab-sweep instead of building one
#   OUT=dir                default bench/results (QUICK: $TMPDIR/gradlab-bench-quick)
#   STRICT=1               exit 1 when the overhead target (≤ 0.1× PyTorch's) is missed
#   KEEP=1                 keep the raw run directory
#   QUIET_WAIT=60, QUIET_PCT=15   wait for a quiet machine before each process (QUICK: no wait);
#                          a configuration during whose timed blocks other processes used
#                          ≥ QUIET_PCT % of the CPUs runs once more (RETRY=0: never), and the
#                          report marks those that stayed perturbed
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"

QUICK="${QUICK:-0}"; [ "$QUICK" = 0 ] || QUICK=1
VENV_PY="$HERE/.venv/bin/python"
if [ "$QUICK" = 1 ]; then
  if [ -z "${PEERS+x}" ]; then
    "$VENV_PY" -c 'import torch' >/dev/null 2>&1 && PEERS=pytorch || PEERS=none
  fi
  OUT="${OUT:-${TMPDIR:-/tmp}/gradlab-bench-quick}"
  MIN_TIME="${MIN_TIME:-0.02}"; BLOCKS="${BLOCKS:-3}"; WARMUP_TIME="${WARMUP_TIME:-0.01}"
  QUIET_WAIT="${QUIET_WAIT:-0}"; RUN_TIMEOUT="${RUN_TIMEOUT:-120}"
else
  PEERS="${PEERS:-pytorch}"
  OUT="${OUT:-$HERE/results}"
  MIN_TIME="${MIN_TIME:-0.5}"; BLOCKS="${BLOCKS:-5}"; WARMUP_TIME="${WARMUP_TIME:-0.2}"
  QUIET_WAIT="${QUIET_WAIT:-60}"; RUN_TIMEOUT="${RUN_TIMEOUT:-600}"
fi
[ "$PEERS" = all ] && PEERS=pytorch
[ "$PEERS" = none ] && PEERS=""
REPEAT="${REPEAT:-1}"
MAX_STEPS="${MAX_STEPS:-20000}"
QUIET_PCT="${QUIET_PCT:-15}"

log() { echo "[sweep] $*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- grid
if [ "$QUICK" = 1 ]; then
  WIDTHS="32 256"; DEPTHS="2 4"; BATCHES="1 32"
else
  WIDTHS="32 64 128 256 512 1024 2048 4096"; DEPTHS="2 4 8 16 32"
  BATCHES="1 2 4 8 16 32 64 128 256 512 1024"
fi
SWEEPS=(width depth batch overhead)
configs() {  # configs SWEEP -> "--config W,D,B ..."
  local v out=()
  case "$1" in
    width) for v in $WIDTHS; do out+=(--config "$v,2,32"); done ;;
    depth) for v in $DEPTHS; do out+=(--config "256,$v,32"); done ;;
    batch) for v in $BATCHES; do out+=(--config "256,2,$v"); done ;;
    overhead) out+=(--config "32,2,1") ;;
  esac
  echo "${out[@]}"
}
TIMING=(--min-time "$MIN_TIME" --blocks "$BLOCKS" --warmup-time "$WARMUP_TIME" --max-steps "$MAX_STEPS")

# ---------------------------------------------------------------- build
if [ -z "${SWEEP_BIN:-}" ]; then
  log "swift build -c release --product gradlab-sweep"
  swift build -c release --product gradlab-sweep >&2 || die "building gradlab-sweep failed"
  SWEEP_BIN="$(swift build -c release --show-bin-path)/gradlab-sweep"
fi
[ -x "$SWEEP_BIN" ] || die "no gradlab-sweep binary at $SWEEP_BIN"

NOTES=()
if [[ ",$PEERS," == *",pytorch,"* ]]; then
  if [ "$QUICK" = 0 ]; then
    log "peers: pytorch (bench/setup_venv.sh)"
    bash "$HERE/setup_venv.sh" >&2 || die "bench/setup_venv.sh failed"
  fi
  if ! "$VENV_PY" -c 'import torch' >/dev/null 2>&1; then
    log "warning: torch does not import in bench/.venv (see bench/setup_venv.sh): no PyTorch column"
    PEERS=""
    NOTES+=("PyTorch skipped: torch does not import in bench/.venv (see bench/setup_venv.sh).")
  fi
elif [ -n "$PEERS" ]; then
  die "PEERS=$PEERS: the sweep knows only pytorch (or none)"
fi

# ---------------------------------------------------------------- machine state
source "$HERE/machine.sh"  # busy_pct, wait_quiet

# gradlab-sweep times each block of gradlab's steps right after a block of OpenBLAS
# sgemm-only steps in the same process. OpenBLAS' threads keep spinning (sched_yield)
# for 2^28 cycles (~0.1 s) after their last call, and that took the second core from
# gradlab's next block (Zen 4, 256x2 at batch 1024: 17.3 ms per step instead of 9.9).
# OPENBLAS_THREAD_TIMEOUT=4 (2^4 cycles) puts them to sleep at once.
run_one() {  # run_one NAME CMD...   -> NAME.jsonl, NAME.stderr, NAME.rc
  local name="$1"; shift
  timeout "$RUN_TIMEOUT" "$@" > "$WORK/$name.jsonl" 2> "$WORK/$name.stderr"
  local rc=$?
  echo "$rc" > "$WORK/$name.rc"
  [ "$rc" = 0 ] || log "  $name exited $rc (see $WORK/$name.stderr)"
}

# ---------------------------------------------------------------- run
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gradlab-sweep.XXXXXX")"
log "gradlab-sweep: $SWEEP_BIN"
log "work dir: $WORK (QUICK=$QUICK REPEAT=$REPEAT PEERS=${PEERS:-none} MIN_TIME=$MIN_TIME BLOCKS=$BLOCKS)"
START="$EPOCHREALTIME"
for ((r = 1; r <= REPEAT; r++)); do
  for s in "${SWEEPS[@]}"; do
    read -r -a CFG <<< "$(configs "$s")"
    log "round $r/$REPEAT: $s sweep ($(( ${#CFG[@]} / 2 )) configurations): gradlab"
    wait_quiet "$WORK" "r$r-$s-gradlab"
    run_one "r$r-$s-gradlab" env OPENBLAS_THREAD_TIMEOUT=4 "$SWEEP_BIN" --json "${TIMING[@]}" "${CFG[@]}"
    if [ -n "$PEERS" ]; then
      log "round $r/$REPEAT: $s sweep: pytorch"
      wait_quiet "$WORK" "r$r-$s-pytorch"
      run_one "r$r-$s-pytorch" "$VENV_PY" "$HERE/peers/torch_sweep.py" "${TIMING[@]}" "${CFG[@]}"
    fi
  done
done

# Configurations during whose timed blocks other processes used ≥ QUIET_PCT % of the CPUs
# (each record's others_cpu_pct) run once more after waiting for quiet; the report keeps,
# per round, the quieter record.
if [ "${RETRY:-1}" = 1 ]; then
  declare -A RETRY_CFG=()
  while read -r s fw r cfg; do
    [ -n "$cfg" ] && RETRY_CFG["$r $s $fw"]+=" --config $cfg"
  done < <(python3 "$HERE/sweep_report.py" --work "$WORK" --out "$OUT" --busy-pct "$QUIET_PCT" --list-perturbed)
  for k in "${!RETRY_CFG[@]}"; do
    read -r r s fw <<< "$k"
    read -r -a CFG <<< "${RETRY_CFG[$k]}"
    log "re-running $(( ${#CFG[@]} / 2 )) $fw configuration(s) of round $r's $s sweep: other processes took CPU"
    wait_quiet "$WORK" "r$r-$s-$fw-retry"
    if [ "$fw" = gradlab ]; then
      run_one "r$r-$s-$fw-retry" env OPENBLAS_THREAD_TIMEOUT=4 "$SWEEP_BIN" --json "${TIMING[@]}" "${CFG[@]}"
    else
      run_one "r$r-$s-$fw-retry" "$VENV_PY" "$HERE/peers/torch_sweep.py" "${TIMING[@]}" "${CFG[@]}"
    fi
  done
fi
log "measured in $(echo "$START $EPOCHREALTIME" | awk '{printf "%.0f", $2 - $1}') s"

# ---------------------------------------------------------------- report
ARGS=(--work "$WORK" --out "$OUT" --peers "$PEERS" --rounds "$REPEAT" --min-time "$MIN_TIME" --busy-pct "$QUIET_PCT"
      --widths "$WIDTHS" --depths "$DEPTHS" --batches "$BATCHES")
[ "$QUICK" = 1 ] && ARGS+=(--quick)
[ "${STRICT:-0}" = 1 ] && ARGS+=(--strict)
for n in "${NOTES[@]}"; do ARGS+=(--note "$n"); done
python3 "$HERE/sweep_report.py" "${ARGS[@]}"
rc=$?
if [ "${KEEP:-0}" = 1 ] || [ "$rc" != 0 ]; then
  log "raw runs kept in $WORK"
else
  rm -rf "$WORK"
fi
exit $rc
