// peak: the machine's peak single-precision FMA throughput, measured.
//
// Each kernel runs CHAINS independent chains of vector FMAs (acc_i = acc_i * x + y,
// no dependency between chains, so the FMA units never wait for a latency) for
// a fixed number of iterations; FLOP/s = 2 × lanes × chains × iterations / time.
// AVX-512 (16 floats per FMA) and AVX2 (8) are separate functions compiled with
// per-function target attributes (built with plain clang, no -march), each run
// only when the CPU has the feature. Per core: one thread; all cores: one
// thread per online CPU, started together, each timed over the same span
// (the slowest thread's time counts). Best of --rounds rounds (default 5).
//
//   peak [--seconds 0.2] [--rounds 5] [--json]
// Output: one line per ISA, or one JSON object:
//   {"avx512": {"per_core_gflops": G, "all_cores_gflops": G, "cores": N}, "avx2": {...}, "ghz_estimate": ...}
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHAINS 24  // ≥ FMA latency (4-5 cycles) × FMA pipes (2): enough independent work

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static volatile float sink;

__attribute__((target("avx512f,fma"), noinline)) static void fma512(long iters) {
    __m512 acc[CHAINS];
    __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < iters; it++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
        __asm__ volatile("" ::: "memory");
    }
    __m512 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
    sink = _mm512_reduce_add_ps(s);
}

#define CHAINS2 12  // AVX2 has 16 ymm registers: 12 accumulators + x, y
__attribute__((target("avx2,fma"), noinline)) static void fma256(long iters) {
    __m256 acc[CHAINS2];
    __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS2; i++) acc[i] = _mm256_set1_ps((float)i);
    for (long it = 0; it < iters; it++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < CHAINS2; i++) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
        __asm__ volatile("" ::: "memory");
    }
    __m256 s = acc[0];
    for (int i = 1; i < CHAINS2; i++) s = _mm256_add_ps(s, acc[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    sink = out[0] + out[7];
}

struct isa { const char *name; void (*fn)(long); double flops_per_iter; int ok; };
static struct isa isas[2];

struct arg { int isa; long iters; double seconds; };
static atomic_int ready, go;

static void *thread_main(void *p) {
    struct arg *a = p;
    atomic_fetch_add(&ready, 1);
    while (!atomic_load(&go)) __builtin_ia32_pause();
    double t0 = now();
    isas[a->isa].fn(a->iters);
    a->seconds = now() - t0;
    return NULL;
}

// GFLOP/s with n threads running `iters` iterations each (slowest thread's time).
static double run(int isa, int n, long iters) {
    pthread_t t[256];
    struct arg args[256];
    atomic_store(&ready, 0);
    atomic_store(&go, 0);
    for (int i = 0; i < n; i++) {
        args[i] = (struct arg){isa, iters, 0};
        pthread_create(&t[i], NULL, thread_main, &args[i]);
    }
    while (atomic_load(&ready) < n) __builtin_ia32_pause();
    atomic_store(&go, 1);
    double worst = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        if (args[i].seconds > worst) worst = args[i].seconds;
    }
    return isas[isa].flops_per_iter * iters * n / worst * 1e-9;
}

int main(int argc, char **argv) {
    double seconds = 0.2;
    int rounds = 5, json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json")) json = 1;
        else { fprintf(stderr, "usage: peak [--seconds S] [--rounds N] [--json]\n"); return 2; }
    }
    __builtin_cpu_init();
    isas[0] = (struct isa){"avx512", fma512, 2.0 * 16 * CHAINS, __builtin_cpu_supports("avx512f")};
    isas[1] = (struct isa){"avx2", fma256, 2.0 * 8 * CHAINS2, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")};
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    if (cores > 256) cores = 256;
    double res[2][2] = {{0}};
    long iters[2] = {0};
    for (int k = 0; k < 2; k++) {
        if (!isas[k].ok) continue;
        // calibrate: iterations for about `seconds` on one thread
        long it = 1000;
        for (;;) {
            double t0 = now();
            isas[k].fn(it);
            double t = now() - t0;
            if (t > seconds / 4) { it = (long)(it * seconds / t); break; }
            it *= 4;
        }
        iters[k] = it;
        for (int r = 0; r < rounds; r++) {
            double one = run(k, 1, it), all = run(k, cores, it);
            if (one > res[k][0]) res[k][0] = one;
            if (all > res[k][1]) res[k][1] = all;
        }
    }
    if (json) {
        printf("{\"cores\":%d,\"seconds\":%g,\"rounds\":%d", cores, seconds, rounds);
        for (int k = 0; k < 2; k++) {
            if (!isas[k].ok) { printf(",\"%s\":null", isas[k].name); continue; }
            printf(",\"%s\":{\"per_core_gflops\":%.1f,\"all_cores_gflops\":%.1f,\"flops_per_cycle_at_1ghz\":%.1f}",
                   isas[k].name, res[k][0], res[k][1], res[k][0]);
        }
        printf("}\n");
    } else {
        for (int k = 0; k < 2; k++) {
            if (!isas[k].ok) { printf("%-7s not supported by this CPU\n", isas[k].name); continue; }
            printf("%-7s peak fp32 FMA: %7.1f GFLOP/s per core, %7.1f GFLOP/s on %d cores (best of %d rounds)\n",
                   isas[k].name, res[k][0], res[k][1], cores, rounds);
        }
    }
    return 0;
}
