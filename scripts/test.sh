#!/usr/bin/env bash
# The whole test suite: unit and end-to-end tests (swift test), every
# tutorial replayed with --check, the terminal tests under tmux, nbformat
# validation of an exported notebook, and the bench harness smoke test.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1
passed=0; failed=0
step() { # name, command…
  local name=$1; shift
  echo "=== $name"
  if "$@"; then passed=$((passed+1)); echo "--- ok: $name"; else failed=$((failed+1)); echo "--- FAILED: $name"; fi
}

swift build --build-tests 2>&1 | tail -3 || exit 1
# The Python export checks run once, below, in their own step.
GRADLAB_EXPORT_PYTHON=none swift test 2>&1 | tee /tmp/gradlab-swift-test.log | grep -E "error|failed|Executed .* tests" | tail -40
swift_test_status=${PIPESTATUS[0]}
xc=$(grep -E "^\s*Executed [0-9]+ tests" /tmp/gradlab-swift-test.log | tail -1)
xt=$(echo "$xc" | sed -E 's/.*Executed ([0-9]+) tests.*/\1/'); xf=$(echo "$xc" | sed -E 's/.* ([0-9]+) failures?.*/\1/')
if [ -z "$xt" ]; then echo "swift test did not run"; failed=$((failed+1)); else
  xs=$(echo "$xc" | grep -oE '[0-9]+ tests skipped' | grep -oE '^[0-9]+' || true)
  passed=$((passed + xt - xf - ${xs:-0})); failed=$((failed + xf)); fi
# A test process that crashes (a trap, a signal) prints no failure count for the rest: count it.
if [ "$swift_test_status" -ne 0 ] && [ "${xf:-0}" = 0 ]; then echo "swift test exited $swift_test_status"; failed=$((failed+1)); fi

swift build -c release 2>&1 | tail -1
BIN=$(swift build -c release --show-bin-path)/gradlab
export GRADLAB_BIN=$BIN

# Every transcript replayed with --check, exactly (tolerance=0), under the default
# kernels (AVX-512 where the CPU has it), the AVX2 kernels and path 0, the kernels
# for CPUs without FMA: recorded once, they replay on every path. Path 0 takes
# about 10 minutes for all of them.
for kernel in default avx2 scalar; do
  for t in tutorials/[0-9]*.md tutorials/exercises/solutions/*.md; do
    [ -f "$t" ] || continue
    if [ $kernel = default ]; then
      step "replay --check $t" "$BIN" replay --check --quiet "$t"
    else
      step "replay --check $t (GRADLAB_KERNEL=$kernel)" env GRADLAB_KERNEL=$kernel "$BIN" replay --check --quiet "$t"
    fi
  done
done

if [ -x Tests/terminal/run.sh ] || [ -f Tests/terminal/run.sh ]; then
  step "terminal tests (tmux)" bash Tests/terminal/run.sh
fi

step "crash safety: kill -9 x 100 during saves, resume bits, full disk" bash scripts/crash-safety.sh "$BIN" 100
step "grade a class of 30 hand-ins (sandboxed, classified, no file changed)" bash scripts/check-grade.sh "$BIN"
step "products: every kernel path gives the literal fmaf sums, bit for bit" bash scripts/check-gemm.sh check 120
step "products: path 0's exact FMA (for CPUs without FMA) equals the hardware fmaf on 100M hard and random triples" bash scripts/check-gemm.sh fma 100
step "training: W1-W3 byte-identical under every kernel path" bash scripts/check-kernel-bits.sh "$BIN"
step "ipynb validates with nbformat" bash scripts/check-ipynb.sh "$BIN"
step "tensorboard reads fit callbacks=tensorboard(…) logs back (venv)" bash scripts/check-tensorboard.sh "$BIN"
step "export keras/pytorch scripts reproduce gradlab (venv)" bash scripts/check-export.sh
step "bench harness smoke test (QUICK=1)" env QUICK=1 PEERS=none REPEAT=1 bash bench/run.sh
step "bench sweep smoke test (SWEEP=1 QUICK=1)" env SWEEP=1 QUICK=1 PEERS=none bash bench/run.sh

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
