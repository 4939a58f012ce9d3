// GFLOP/s of cgemm_sgemm's paths and of OpenBLAS (one thread) on gradlab's
// shapes. OpenBLAS picks its kernels at load time from OPENBLAS_CORETYPE, so
// the OpenBLAS columns come from this program re-run as a child
// ("speed SECONDS blas CORETYPE"). Built and run by scripts/check-gemm.sh speed.
#define _GNU_SOURCE
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgemm.h"

struct shape { const char *name; int ta, tb, m, n, k; };

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *rnd(size_t n) {
    float *p = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) p[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    return p;
}

// Best-of time per call (seconds), over repetitions filling about `secs`.
static double timeit(int path, const struct shape *s, double secs) {
    int lda = s->ta ? s->m : s->k, ldb = s->tb ? s->k : s->n, ldc = s->n;
    float *a = rnd((size_t)s->m * s->k), *b = rnd((size_t)s->k * s->n), *c = rnd((size_t)s->m * s->n);
    if (path >= 0) cgemm_set_path(path);
    double best = 1e30, start = now();
    int reps = 0;
    do {
        double t0 = now();
        if (path >= 0)
            cgemm_sgemm(s->ta, s->tb, s->m, s->n, s->k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
        else
            cblas_sgemm(CblasRowMajor, s->ta ? CblasTrans : CblasNoTrans, s->tb ? CblasTrans : CblasNoTrans,
                        s->m, s->n, s->k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
        double t = now() - t0;
        if (t < best) best = t;
        reps++;
    } while ((now() - start < secs || reps < 3) && !(path == 0 && now() - start > secs));
    free(a); free(b); free(c);
    return best;
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 0.3;
    // Benchmark-only: force a blocking strategy (see cgemm_set_strategy).
    if (getenv("CGEMM_STRATEGY")) cgemm_set_strategy(atoi(getenv("CGEMM_STRATEGY")));
    static struct shape shapes[96];
    static char names[96][48];
    int ns = 0;
    const int batches[] = {32, 256, 1024};
    const int layers[][2] = {{784, 300}, {300, 100}, {100, 10}, {100, 100}, {512, 512}, {1024, 1024}, {2048, 2048}};
    for (int bi = 0; bi < 3; bi++)
        for (int li = 0; li < 7; li++) {
            int B = batches[bi], in = layers[li][0], out = layers[li][1];
            snprintf(names[ns], 48, "fwd  B=%d %d->%d", B, in, out);
            shapes[ns] = (struct shape){names[ns], 0, 0, B, out, in}; ns++;
            snprintf(names[ns], 48, "dW   B=%d %d->%d", B, in, out);
            shapes[ns] = (struct shape){names[ns], 1, 0, in, out, B}; ns++;
            snprintf(names[ns], 48, "dX   B=%d %d->%d", B, in, out);
            shapes[ns] = (struct shape){names[ns], 0, 1, B, in, out}; ns++;
        }
    shapes[ns++] = (struct shape){"square 512", 0, 0, 512, 512, 512};
    shapes[ns++] = (struct shape){"square 1024", 0, 0, 1024, 1024, 1024};

    // Optional filter: only shapes whose name contains it ("speed SECONDS FILTER").
    const char *filter = argc > 4 ? argv[4] : (argc == 3 ? argv[2] : NULL);
    if (filter) {
        int kept = 0;
        for (int i = 0; i < ns; i++)
            if (strstr(shapes[i].name, filter)) shapes[kept++] = shapes[i];
        ns = kept;
    }
    openblas_set_num_threads(1);
    if (argc > 3 && strcmp(argv[2], "blas") == 0) { // child: OpenBLAS column only
        fprintf(stderr, "OpenBLAS core for OPENBLAS_CORETYPE=%s: %s\n", argv[3], openblas_get_corename());
        for (int i = 0; i < ns; i++) {
            const struct shape *s = &shapes[i];
            printf("%.6g\n", 2.0 * s->m * s->n * s->k / timeit(-1, s, secs) * 1e-9);
        }
        return 0;
    }
    double blas[2][96] = {{0}};
    const char *cores[2] = {"SkylakeX", "Haswell"};
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = 0;
    for (int ci = 0; ci < 2; ci++) {
        char cmd[4600];
        snprintf(cmd, sizeof cmd, "OPENBLAS_CORETYPE=%s '%s' %g blas %s '%s'", cores[ci], exe, secs,
                 cores[ci], filter ? filter : "");
        FILE *f = popen(cmd, "r");
        for (int i = 0; f && i < ns; i++)
            if (fscanf(f, "%lf", &blas[ci][i]) != 1) break;
        if (f) pclose(f);
    }
    printf("single thread, GFLOP/s (best of repeated calls; alpha=1, beta=0); default cgemm path: %d; "
           "OpenBLAS default core here: %s\n", cgemm_path(), openblas_get_corename());
    printf("%-24s %5s %5s %5s | %8s %8s %8s | %9s %9s | %s\n", "shape", "m", "n", "k",
           "avx512", "avx2", "scalar", "OB-SkyX", "OB-Hasw", "avx512/OB-best time");
    for (int i = 0; i < ns; i++) {
        const struct shape *s = &shapes[i];
        double fl = 2.0 * s->m * s->n * s->k * 1e-9;
        double g2 = fl / timeit(2, s, secs), g1 = fl / timeit(1, s, secs), g0 = fl / timeit(0, s, secs);
        double ob = blas[0][i] > blas[1][i] ? blas[0][i] : blas[1][i];
        printf("%-24s %5d %5d %5d | %8.1f %8.1f %8.2f | %9.1f %9.1f | %.2fx\n", s->name, s->m, s->n, s->k,
               g2, g1, g0, blas[0][i], blas[1][i], ob / g2);
    }
    return 0;
}
