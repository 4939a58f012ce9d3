#!/bin/sh
# Builds and runs the CGemm checks or benchmark with plain clang (no -march).
#   scripts/check-gemm.sh [check [NSHAPES]]   bit-identity of every path vs the fmaf rule, OpenBLAS sanity
#   scripts/check-gemm.sh speed [SECONDS [FILTER]] GFLOP/s of each path vs OpenBLAS (SkylakeX and Haswell kernels)
#   scripts/check-gemm.sh fma [MILLIONS]       path 0's exact FMA (no FMA instructions) vs the hardware fmaf
set -eu
cd "$(dirname "$0")/.."
CC=${CC:-$(command -v /opt/swift/usr/bin/clang || command -v clang)}
OUT=${OUT:-.build/gemm}
mkdir -p "$OUT"
BLAS_CFLAGS=$(pkg-config --cflags openblas)
BLAS_LIBS=$(pkg-config --libs openblas)
# The library as Package.swift builds it; the test drivers at -O2.
"$CC" -O3 -ffp-contract=off -ISources/CGemm/include -c Sources/CGemm/cgemm.c -o "$OUT/cgemm.o"
mode=${1:-check}
case "$mode" in
check)
    "$CC" -O2 -ffp-contract=off -ISources/CGemm/include $BLAS_CFLAGS bench/gemm/check.c "$OUT/cgemm.o" \
        -o "$OUT/check" $BLAS_LIBS -lm
    "$OUT/check" "${2:-300}"
    ;;
speed)
    "$CC" -O2 -ISources/CGemm/include $BLAS_CFLAGS bench/gemm/speed.c "$OUT/cgemm.o" \
        -o "$OUT/speed" $BLAS_LIBS -lm
    "$OUT/speed" "${2:-0.3}" ${3:+"$3"}
    ;;
fma)
    "$CC" -O2 -ffp-contract=off -ISources/CGemm/include bench/gemm/fma_exact.c -o "$OUT/fma_exact" -lm
    "$OUT/fma_exact" "${2:-100}"
    ;;
*) echo "usage: $0 [check [NSHAPES] | speed [SECONDS] | fma [MILLIONS]]" >&2; exit 2 ;;
esac
