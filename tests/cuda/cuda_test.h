/* cuda_test: what the GPU tests share: the skip when no GPU is usable, the
 * comparison against the CPU backend (max|got - ref| <= atol + rtol x
 * max|ref|, the largest difference printed), and a count of the host-device
 * copies the process makes (cudaMemcpy and cudaMemcpyAsync are wrapped: the
 * backend's calls land here first), so a test can assert that an op makes
 * none. Included once per test program. */
#ifndef CN_CUDA_TEST_H
#define CN_CUDA_TEST_H
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../unit/check.h"
#include "log.h"
#include "ops.h"
#include "ops_cuda.h"

/* ---- copies between host and device ---- */
static struct {
    long h2d, d2h, h2d_bytes, d2h_bytes;
} copies;

static void count_copy(enum cudaMemcpyKind kind, size_t bytes) {
    if (kind == cudaMemcpyHostToDevice) copies.h2d++, copies.h2d_bytes += (long)bytes;
    if (kind == cudaMemcpyDeviceToHost) copies.d2h++, copies.d2h_bytes += (long)bytes;
    if (kind == cudaMemcpyDefault) { /* the backend names its kinds: count it as both, to be seen */
        copies.h2d++, copies.d2h++;
    }
}

cudaError_t cudaMemcpy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind) {
    static cudaError_t (*real)(void *, const void *, size_t, enum cudaMemcpyKind);
    if (!real) *(void **)&real = dlsym(RTLD_NEXT, "cudaMemcpy");
    count_copy(kind, count);
    return real(dst, src, count, kind);
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind, cudaStream_t stream) {
    static cudaError_t (*real)(void *, const void *, size_t, enum cudaMemcpyKind, cudaStream_t);
    if (!real) *(void **)&real = dlsym(RTLD_NEXT, "cudaMemcpyAsync");
    count_copy(kind, count);
    return real(dst, src, count, kind, stream);
}

static __attribute__((unused)) void copies_reset(void) { memset(&copies, 0, sizeof copies); }

/* ---- the backends ---- */
static const cn_ops *cpu, *gpu;

/* the GPU backend, or exit 0 with a skip line when there is none */
static void cuda_test_init(const char *prog) {
    int n = cn_cuda_devices();
    if (n < 1) {
        int drv = 0;
        cudaError_t e = cudaGetDeviceCount(&drv);
        printf("%s: skipped: no CUDA device (%s)\n", prog, e == cudaSuccess ? "none found" : cudaGetErrorString(e));
        exit(0);
    }
    cpu = cn_ops_cpu();
    if (!(gpu = cn_ops_cuda(0))) {
        fprintf(stderr, "%s: the CUDA backend did not start: %s\n", prog, cn_errmsg());
        exit(1);
    }
    struct cudaDeviceProp p;
    cudaGetDeviceProperties(&p, 0);
    printf("%s: %s, compute capability %d.%d, %d multiprocessors, %.1f GiB\n", prog, p.name, p.major, p.minor, p.multiProcessorCount,
           p.totalGlobalMem / 1073741824.0);
}

/* device copy of host floats (and ints, bytes) */
static __attribute__((unused)) void *dev_bytes(const void *h, size_t bytes) {
    void *d = gpu->alloc(bytes);
    CHECK(d != NULL);
    if (d && h) gpu->upload(d, h, bytes);
    return d;
}
static __attribute__((unused)) float *dev(const float *h, size_t n) { return dev_bytes(h, n * sizeof(float)); }
static __attribute__((unused)) float *host_of(const float *d, size_t n) {
    float *h = malloc(n * sizeof *h + 4);
    gpu->download(h, d, n * sizeof *h);
    return h;
}

/* ---- comparison ---- */
static double tol_scale = 1; /* CN_TOL_SCALE: looser for a bf16 build */

/* CN_TOL_SCALE, from 1 to 10: bf16's tolerances are at most ten times
 * fp32's, so that a check in bf16 can still fail; anything else exits 2 */
static __attribute__((unused)) void tol_scale_init(const char *prog) {
    const char *ts = getenv("CN_TOL_SCALE");
    if (!ts) return;
    char *end;
    tol_scale = strtod(ts, &end);
    if (end == ts || *end || !(tol_scale >= 1 && tol_scale <= 10)) {
        fprintf(stderr, "%s: CN_TOL_SCALE=%s: give a factor from 1 to 10\n", prog, ts);
        exit(2);
    }
}

/* max|got - ref| against atol + rtol max|ref|; prints the figures, returns
 * the largest difference */
static __attribute__((unused)) double compare(const char *what, const float *got, const float *ref, size_t n, double atol, double rtol) {
    double d = 0, m = 0;
    size_t at = 0;
    int nan = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - (double)ref[i]);
        if (isnan(got[i]) != isnan(ref[i])) nan = 1;
        if (e > d) d = e, at = i;
        if (fabs(ref[i]) > m) m = fabs(ref[i]);
    }
    double tol = tol_scale * (atol + rtol * m);
    int ok = !nan && d <= tol;
    printf("  %-44s max|diff| %.3g (at %zu) max|ref| %.3g tol %.3g %s\n", what, d, at, m, tol, ok ? "ok" : "FAIL");
    CHECK_MSG(ok, "%s: max|diff| %.3g > %.3g%s", what, d, tol, nan ? " (NaN)" : "");
    return d;
}

/* compares a device tensor with a host reference */
static __attribute__((unused)) double compare_dev(const char *what, const float *d, const float *ref, size_t n, double atol, double rtol) {
    float *h = host_of(d, n);
    double r = compare(what, h, ref, n, atol, rtol);
    free(h);
    return r;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static __attribute__((unused)) double urand(void) { /* uniform in [-1, 1) */
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 4503599627370496.0 - 1.0;
}
static __attribute__((unused)) float *rnd(size_t n, double s) {
    float *x = malloc(n * sizeof *x + 4);
    for (size_t i = 0; i < n; i++) x[i] = (float)(s * urand());
    return x;
}
static __attribute__((unused)) float *dupf(const float *x, size_t n) {
    float *y = malloc(n * sizeof *y + 4);
    memcpy(y, x, n * sizeof *y);
    return y;
}
#endif
