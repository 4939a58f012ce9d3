// cgemm-floor: the sgemm floor of bench/floor/main.swift (gradlab-sgemm-floor),
// computed with gradlab's own kernels (Sources/CGemm, cgemm_sgemm) instead of
// OpenBLAS: the same products on the same preallocated buffers, same flags,
// same output. Built by bench/floor-tools/build.sh with plain clang (no -march), as
// scripts/check-gemm.sh builds CGemm; cgemm picks its AVX-512 / AVX2 / scalar
// path at run time (GRADLAB_KERNEL forces one).
//
//   cgemm-floor --layers 784,300,100,10 --batch 32 --samples 55000 [--threads 1|2] [--json]
//   cgemm-floor --mc-passes 100 --mc-samples 10000 --layers 784,300,100,10 [--batch 1000]
//
// --threads 2 splits every product of at least 500,000 multiply-adds with at
// least 32 output columns into two column halves computed on two threads (the
// rule of gradlab's GemmSplitter, Tuning.splitWork), a spinning worker thread
// as gradlab's TwoCoreRunner; --threads 1 (default) runs everything on the
// calling thread. Other flags as gradlab-sgemm-floor: --repeat N (3),
// --warmup N (1), --first-input-grad; and --batchnorm (W2's model: the products
// and its BatchNormalization passes, see below).
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include "cgemm.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fail(const char *msg) {
    fprintf(stderr, "cgemm-floor: %s\nusage: cgemm-floor --layers 784,300,100,10 --batch 32 --samples 55000 "
                    "[--mc-passes P --mc-samples N] [--threads 1|2] [--repeat N] [--warmup N] [--json]\n", msg);
    exit(2);
}

// ---------------------------------------------------------------- two-thread split
// A job for the worker: one product's left columns, or the lower part [lo, hi) of a
// range of element-wise work (Parallel.halves).
typedef void (*range_fn)(void *ctx, long lo, long hi);
struct job { int ta, tb, m, n, k; const float *a; int lda; const float *b; int ldb; float *c; int ldc;
             range_fn fn; void *ctx; long lo, hi; };
static struct job pending;
static atomic_int generation, done;
static int threads = 1;
static long split_work = 500000;

static void *worker(void *arg) {
    (void)arg;
    int seen = 0;
    for (;;) {
        int g;
        while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen) __builtin_ia32_pause();
        seen = g;
        struct job j = pending;
        if (j.fn) j.fn(j.ctx, j.lo, j.hi);
        else cgemm_sgemm(j.ta, j.tb, j.m, j.n, j.k, 1.0f, j.a, j.lda, j.b, j.ldb, 0.0f, j.c, j.ldc);
        atomic_store_explicit(&done, g, memory_order_release);
    }
    return NULL;
}

static void post(struct job j) {
    pending = j;
    atomic_store_explicit(&generation, atomic_load(&generation) + 1, memory_order_release);
}
static void wait_worker(void) {
    int g = atomic_load(&generation);
    while (atomic_load_explicit(&done, memory_order_acquire) != g) __builtin_ia32_pause();
}

// As Parallel.halves: work of count items (of per_item elements each) in two parts when it
// has at least 16,384 elements, the worker [0, h), this thread [h, count), h a multiple of granule.
static void halves(range_fn fn, void *ctx, long count, long granule, long per_item) {
    if (threads > 1 && count * per_item >= 16384 && count >= 2 * granule) {
        long h = (count / 2) / granule * granule;
        post((struct job){.fn = fn, .ctx = ctx, .lo = 0, .hi = h});
        fn(ctx, h, count);
        wait_worker();
    } else {
        fn(ctx, 0, count);
    }
}

static void gemm(int ta, int tb, int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                 float *c, int ldc) {
    if (threads > 1 && (long)m * n * k >= split_work && n >= 32) {
        // as GemmSplitter: the worker takes the left columns up to the multiple of 8 at or
        // below n / 2, this thread (which starts first) the rest
        int left = (n / 2) / 8 * 8, right = n - left;
        post((struct job){ta, tb, m, left, k, a, lda, b, ldb, c, ldc, NULL, NULL, 0, 0});
        cgemm_sgemm(ta, tb, m, right, k, 1.0f, a, lda, tb ? b + (size_t)left * ldb : b + left, ldb, 0.0f, c + left, ldc);
        wait_worker();
    } else {
        cgemm_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
    }
}

// ---------------------------------------------------------------- buffers
static unsigned long long rng = 0x9E3779B97F4A7C15ull;
static float next_float(void) {
    rng += 0x9E3779B97F4A7C15ull;
    unsigned long long z = rng;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)(z >> 40) / (float)(1 << 24) - 0.5f;
}
static float *buffer(size_t n, float scale) {
    float *p = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++) p[i] = next_float() * scale;
    return p;
}

#define MAXL 64
static int layers[MAXL + 1], nl;
static int B, samples = 55000, mc_passes = 0, mc_samples = 10000, first_input_grad = 0;
static float *acts[MAXL + 1], *deltas[MAXL], *kernels[MAXL], *kgrads[MAXL], *input_grad;

// --batchnorm (W2's model): a BatchNormalization before every product's input, as
// gradlab runs it: its forward pass (batch statistics, x̂ and γ·x̂ + β), its backward
// pass for every layer but the first, and for the first the fold (Dense+FastPaths:
// blocks of 64 kernel rows, G = x̂ᵀ·dZ then dW, dγ, dβ and the SGD update in one pass)
// in place of that layer's weight-gradient product. Same C kernels as gradlab, same
// two-thread splits; what it leaves out (activations, loss, bias, data) is not counted.
#define FOLD_BLOCK 64
static int batchnorm = 0;
static float *bn_xh[MAXL], *bn_y[MAXL], *bn_dy[MAXL], *bn_stat[MAXL], *fold_scratch, *fold_sums;

// per-feature arrays of layer l's normalization: 11 of layers[l] floats
enum { MEAN, VAR, INV_STD, GAMMA, BETA, MOVING_MEAN, MOVING_VAR, SUM_DY, SUM_DY_XH, DGAMMA, DBETA, NSTAT };
static float *stat(int l, int which) { return bn_stat[l] + (size_t)which * layers[l]; }

struct bn_ctx { int l; long rows; };
static void bn_forward_range(void *ctx, long lo, long hi) {
    struct bn_ctx *c = ctx;
    int l = c->l;
    cgemm_batchnorm_forward(acts[l], bn_xh[l], bn_y[l], c->rows, layers[l], lo, hi, 1.0f / c->rows, 1e-3f, 0.99f,
                            stat(l, MEAN), stat(l, VAR), stat(l, INV_STD), stat(l, GAMMA), stat(l, BETA),
                            stat(l, MOVING_MEAN), stat(l, MOVING_VAR));
}
static void bn_backward_range(void *ctx, long lo, long hi) {
    struct bn_ctx *c = ctx;
    int l = c->l;
    cgemm_batchnorm_backward(bn_dy[l], bn_xh[l], deltas[l - 1], c->rows, layers[l], lo, hi, 1.0f / c->rows,
                             stat(l, GAMMA), stat(l, INV_STD), stat(l, SUM_DY), stat(l, SUM_DY_XH));
}
static void fold_range(void *ctx, long lo, long hi) {
    struct bn_ctx *c = ctx;
    int f = layers[0], n = layers[1];
    float *g = fold_scratch + (lo == 0 ? 0 : (size_t)FOLD_BLOCK * n);
    for (long j = lo; j < hi; j += FOLD_BLOCK) {
        int rows = hi - j < FOLD_BLOCK ? (int)(hi - j) : FOLD_BLOCK;
        cgemm_sgemm(1, 0, rows, n, (int)c->rows, 1.0f, bn_xh[0] + j, f, deltas[0], n, 0.0f, g, n);
        cgemm_fold_affine_rows(kernels[0] + j * n, g, rows, n, fold_sums, stat(0, GAMMA) + j, stat(0, BETA) + j,
                               stat(0, DGAMMA) + j, stat(0, DBETA) + j, 1, -1e-4f);
    }
}

static void forward(int m) {
    for (int l = 0; l < nl; l++) {
        int k = layers[l], n = layers[l + 1];
        if (batchnorm) {
            struct bn_ctx c = {l, m};
            halves(bn_forward_range, &c, k, 8, m);
            gemm(0, 0, m, n, k, bn_y[l], k, kernels[l], n, acts[l + 1], n);
        } else {
            gemm(0, 0, m, n, k, acts[l], k, kernels[l], n, acts[l + 1], n);
        }
    }
}
static void backward_batchnorm(int m) {
    for (int l = nl - 1; l >= 1; l--) {
        int k = layers[l], n = layers[l + 1];
        gemm(1, 0, k, n, m, bn_y[l], k, deltas[l], n, kgrads[l], n);
        gemm(0, 1, m, k, n, deltas[l], n, kernels[l], n, bn_dy[l], k);
        struct bn_ctx c = {l, m};
        halves(bn_backward_range, &c, k, 8, m);
    }
    int n = layers[1];
    for (int j = 0; j < n; j++) fold_sums[j] = 0;
    for (int r = 0; r < m; r++)
        for (int j = 0; j < n; j++) fold_sums[j] += deltas[0][(size_t)r * n + j];
    struct bn_ctx c = {0, m};
    halves(fold_range, &c, layers[0], 8, n);
}
static void backward(int m) {
    if (batchnorm) { backward_batchnorm(m); return; }
    for (int l = nl - 1; l >= 0; l--) {
        int k = layers[l], n = layers[l + 1];
        gemm(1, 0, k, n, m, acts[l], k, deltas[l], n, kgrads[l], n);
        if (l > 0) gemm(0, 1, m, k, n, deltas[l], n, kernels[l], n, deltas[l - 1], k);
        else if (first_input_grad) gemm(0, 1, m, k, n, deltas[0], n, kernels[0], n, input_grad, k);
    }
}

static double run_once(long *calls, double *flops) {
    double per_fwd = 0, per_bwd = 0;
    for (int l = 0; l < nl; l++) {
        double mac = 2.0 * layers[l] * layers[l + 1];
        per_fwd += mac;
        per_bwd += (l > 0 || first_input_grad) ? 2 * mac : mac;
    }
    *calls = 0; *flops = 0;
    double t0 = now();
    if (mc_passes) {
        long remaining = (long)mc_passes * mc_samples;
        while (remaining > 0) {
            int m = remaining < B ? (int)remaining : B;
            forward(m);
            *calls += nl; *flops += per_fwd * m; remaining -= m;
        }
    } else {
        for (int start = 0; start < samples; start += B) {
            int m = samples - start < B ? samples - start : B;
            forward(m); backward(m);
            *calls += 3 * nl - (first_input_grad ? 0 : 1); *flops += (per_fwd + per_bwd) * m;
        }
    }
    return now() - t0;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int repeat = 3, warmup = 1, json = 0, batch = 0;
    nl = 3; layers[0] = 784; layers[1] = 300; layers[2] = 100; layers[3] = 10;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define VAL() (i + 1 < argc ? argv[++i] : (fail("missing value"), ""))
        if (!strcmp(a, "--layers")) {
            char *s = strdup(VAL()), *tok, *save = NULL;
            int c = 0;
            for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (c > MAXL) fail("too many layers");
                layers[c++] = atoi(tok);
                if (layers[c - 1] <= 0) fail("bad --layers");
            }
            if (c < 2) fail("bad --layers");
            nl = c - 1;
        } else if (!strcmp(a, "--batch")) batch = atoi(VAL());
        else if (!strcmp(a, "--samples")) samples = atoi(VAL());
        else if (!strcmp(a, "--repeat")) repeat = atoi(VAL());
        else if (!strcmp(a, "--warmup")) warmup = atoi(VAL());
        else if (!strcmp(a, "--threads")) threads = atoi(VAL());
        else if (!strcmp(a, "--mc-passes")) mc_passes = atoi(VAL());
        else if (!strcmp(a, "--mc-samples")) mc_samples = atoi(VAL());
        else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--first-input-grad")) first_input_grad = 1;
        else if (!strcmp(a, "--batchnorm")) batchnorm = 1;
        else fail("unknown argument");
    }
    if (repeat < 1 || threads < 1 || threads > 2) fail("bad --repeat or --threads (1 or 2)");
    if (getenv("GRADLAB_SPLIT_MIN_WORK")) split_work = atol(getenv("GRADLAB_SPLIT_MIN_WORK"));
    B = batch > 0 ? batch : (mc_passes ? (mc_samples < 1000 ? mc_samples : 1000) : 32);
    for (int l = 0; l <= nl; l++) acts[l] = buffer((size_t)B * layers[l], 1);
    for (int l = 0; l < nl; l++) {
        deltas[l] = buffer((size_t)B * layers[l + 1], 0.1f);
        kernels[l] = buffer((size_t)layers[l] * layers[l + 1], sqrtf(2.0f / layers[l]));
        kgrads[l] = buffer((size_t)layers[l] * layers[l + 1], 0);
    }
    input_grad = buffer(first_input_grad ? (size_t)B * layers[0] : 1, 0);
    if (batchnorm) {
        if (mc_passes || first_input_grad) fail("--batchnorm is for training without --first-input-grad");
        for (int l = 0; l < nl; l++) {
            bn_xh[l] = buffer((size_t)B * layers[l], 0);
            bn_y[l] = buffer((size_t)B * layers[l], 0);
            bn_dy[l] = buffer((size_t)B * layers[l], 0);
            bn_stat[l] = buffer((size_t)NSTAT * layers[l], 0);
            for (int j = 0; j < layers[l]; j++) { stat(l, GAMMA)[j] = 1; stat(l, MOVING_VAR)[j] = 1; }
        }
        fold_scratch = buffer((size_t)2 * FOLD_BLOCK * layers[1], 0);
        fold_sums = buffer(layers[1], 0);
    }
    if (threads > 1) {
        pthread_t t;
        pthread_create(&t, NULL, worker, NULL);
        pthread_detach(t);
    }
    long calls = 0; double flops = 0;
    for (int i = 0; i < warmup; i++) run_once(&calls, &flops);
    double times[256], sorted[256];
    if (repeat > 256) repeat = 256;
    for (int i = 0; i < repeat; i++) times[i] = run_once(&calls, &flops);
    memcpy(sorted, times, sizeof(double) * repeat);
    qsort(sorted, repeat, sizeof(double), cmp);
    double med = repeat % 2 ? sorted[repeat / 2] : 0.5 * (sorted[repeat / 2 - 1] + sorted[repeat / 2]);
    const char *path = cgemm_path() == 2 ? "avx512" : cgemm_path() == 1 ? "avx2" : "scalar";
    char lay[1024] = "";
    for (int l = 0; l <= nl; l++) snprintf(lay + strlen(lay), sizeof lay - strlen(lay), l ? ",%d" : "%d", layers[l]);
    if (json) {
        printf("{\"mode\":\"%s\",\"layers\":[%s],\"batch\":%d,\"batchnorm\":%s,", mc_passes ? "mc" : "train", lay, B,
               batchnorm ? "true" : "false");
        if (mc_passes) printf("\"mc_passes\":%d,\"mc_samples\":%d,", mc_passes, mc_samples);
        else printf("\"samples\":%d,", samples);
        printf("\"first_input_grad\":%s,\"sgemm_calls\":%ld,\"blas_threads\":\"%d\",\"blas_core\":\"cgemm-%s\","
               "\"library\":\"cgemm\",\"repeat\":%d,\"seconds\":%.6f,\"min_seconds\":%.6f,\"times\":[",
               first_input_grad ? "true" : "false", calls, threads, path, repeat, med, sorted[0]);
        for (int i = 0; i < repeat; i++) printf(i ? ",%.6f" : "%.6f", times[i]);
        printf("],\"gflops\":%.2f}\n", flops / med * 1e-9);
    } else {
        printf("floor seconds=%.4f min=%.4f mode=%s layers=%s batch=%d sgemm_calls=%ld threads=%d kernel=cgemm-%s "
               "repeat=%d gflops=%.1f\n", med, sorted[0], mc_passes ? "mc" : "train", lay, B, calls, threads, path,
               repeat, flops / med * 1e-9);
    }
    return 0;
}
