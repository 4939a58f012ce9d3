#!/bin/sh
# Builds the bench's C tools with plain clang (no -march; per-function target
# attributes and CGemm's run-time dispatch pick the vector code):
#   $OUT/cgemm-floor   bench/floor-tools/cgemm_floor.c + Sources/CGemm/cgemm.c (as scripts/check-gemm.sh)
#                      and normalization.c (its --batchnorm passes)
#   $OUT/peak          bench/floor-tools/peak.c
# OUT defaults to .build/bench-tools. Prints nothing on success.
set -eu
cd "$(dirname "$0")/../.."
CC=${CC:-$(command -v /opt/swift/usr/bin/clang || command -v clang)}
OUT=${OUT:-.build/bench-tools}
mkdir -p "$OUT"
# CGemm as Package.swift builds it (-O3, no FMA contraction: the kernels' bits are fixed)
"$CC" -O3 -ffp-contract=off -ISources/CGemm/include -c Sources/CGemm/cgemm.c -o "$OUT/cgemm.o"
"$CC" -O3 -ffp-contract=off -fno-math-errno -ISources/CGemm/include -c Sources/CGemm/normalization.c -o "$OUT/normalization.o"
"$CC" -O2 -ISources/CGemm/include bench/floor-tools/cgemm_floor.c "$OUT/cgemm.o" "$OUT/normalization.o" -o "$OUT/cgemm-floor" -lpthread -lm
"$CC" -O2 bench/floor-tools/peak.c -o "$OUT/peak" -lpthread
