#!/usr/bin/env bash
# The gradlab executable pins OpenBLAS to its Haswell kernels on CPUs with AVX2
# and FMA (Sources/gradlab/PinnedBLAS.swift), so that transcripts replay with
# the same numbers on Intel and AMD machines. OPENBLAS_VERBOSE=2 makes OpenBLAS
# print "Core: NAME" each time it chooses kernels; the last choice must be
# Haswell, and GRADLAB_BLAS_CORE=native must keep OpenBLAS' own choice.
set -uo pipefail
BIN=${1:?usage: check-blas-pin.sh GRADLAB_BINARY}
flags=$(grep -m1 '^flags' /proc/cpuinfo || true)
if ! grep -qw avx2 <<<"$flags" || ! grep -qw fma <<<"$flags"; then
  echo "no AVX2/FMA on this CPU: nothing is pinned, nothing to check"; exit 0
fi
pinned=$(OPENBLAS_VERBOSE=2 "$BIN" --version 2>&1 | grep '^Core:' | tail -1)
native=$(OPENBLAS_VERBOSE=2 GRADLAB_BLAS_CORE=native "$BIN" --version 2>&1 | grep '^Core:' | tail -1)
own=$(OPENBLAS_VERBOSE=2 OPENBLAS_CORETYPE=Sandybridge "$BIN" --version 2>&1 | grep '^Core:' | tail -1)
echo "default: ${pinned:-none}; GRADLAB_BLAS_CORE=native: ${native:-none}; OPENBLAS_CORETYPE=Sandybridge: ${own:-none}"
ok=0
[ "$pinned" = "Core: Haswell" ] || { echo "FAIL: expected the Haswell kernels by default"; ok=1; }
[ -n "$native" ] || { echo "FAIL: no kernel choice printed with GRADLAB_BLAS_CORE=native"; ok=1; }
[ "$own" = "Core: Sandybridge" ] || { echo "FAIL: a user's OPENBLAS_CORETYPE must win"; ok=1; }
exit $ok
