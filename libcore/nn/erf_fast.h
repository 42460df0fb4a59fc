/* erf_fast: erf as a rational function of x on [-4, 4] (erf is 1 in float
 * beyond), no calls, so loops vectorize; at most 4e-7 from erf (the ops test
 * checks it on a dense grid). One definition for the CPU's fp32 kernels and
 * the CUDA backend, so both backends' GELU agree to rounding. */
#ifndef CN_ERF_FAST_H
#define CN_ERF_FAST_H
#ifdef __CUDACC__
#define CN_ERF_FN __host__ __device__ __forceinline__
#else
#define CN_ERF_FN static inline
#endif

CN_ERF_FN float erf_fast(float x) {
    x = x < -4.f ? -4.f : x;
    x = x > 4.f ? 4.f : x;
    float x2 = x * x;
    float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
    p = p * x2 + -2.10102402082508e-06f;
    p = p * x2 + -5.69250639462346e-05f;
    p = p * x2 + -7.34990630326855e-04f;
    p = p * x2 + -2.95459980854025e-03f;
    p = p * x2 + -1.60960333262415e-02f;
    float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
    q = q * x2 + -1.68282697438203e-03f;
    q = q * x2 + -7.37332916720468e-03f;
    q = q * x2 + -1.42647390514189e-02f;
    return x * p / q;
}
#endif
