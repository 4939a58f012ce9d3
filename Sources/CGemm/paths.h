// One element-wise kernel, compiled for each path and chosen at run time.
//
//     #define BODY_OF_F for (long i = 0; i < n; i++) p[i] = ...;
//     CGEMM_PATHS(f, (float *restrict p, long n), BODY_OF_F)
//     void cgemm_f(float *p, long n) { CGEMM_DISPATCH(f, p, n); }
//
// defines f_scalar, f_avx512 and f_avx2 from the same loop; the compiler
// vectorises it for each target. Bodies keep each element's operations in the
// scalar order (the files set FP_CONTRACT off), so every path gives the same bits.
#ifndef CGEMM_PATHS_H
#define CGEMM_PATHS_H

#include "cgemm.h"

#if defined(__x86_64__) || defined(_M_X64)
// Path 0 still has x86-64-v2 (SSE4.2), which the Swift modules are built for.
#define CGEMM_PATHS(NAME, ARGS, BODY)                                                      \
    __attribute__((target("sse4.2"))) static void NAME##_scalar ARGS { BODY }              \
    __attribute__((target("avx512f"))) static void NAME##_avx512 ARGS { BODY }             \
    __attribute__((target("avx2,fma"))) static void NAME##_avx2 ARGS { BODY }
#define CGEMM_DISPATCH(NAME, ...)                                                          \
    switch (cgemm_path()) {                                                                \
    case 2: NAME##_avx512(__VA_ARGS__); return;                                            \
    case 1: NAME##_avx2(__VA_ARGS__); return;                                              \
    default: NAME##_scalar(__VA_ARGS__); return;                                           \
    }
#else
#define CGEMM_PATHS(NAME, ARGS, BODY) static void NAME##_scalar ARGS { BODY }
#define CGEMM_DISPATCH(NAME, ...) NAME##_scalar(__VA_ARGS__)
#endif

#endif
