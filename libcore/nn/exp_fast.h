/* exp_fast: e^x in fp32 with no calls and no branches, so the softmax loops
 * that use it vectorize (glibc's expf is one call an element). x = n ln2 + r
 * with |r| <= ln2/2 (ln2 in two parts, Cody and Waite), e^r by its degree-6
 * series as a polynomial (Cephes' expf coefficients), 2^n put into the
 * exponent bits. At most 2 ulp from expf over [-87, 88] (the ops test checks
 * a dense grid); below -87.3, -inf included, it is 0; above 88.7 the largest
 * power it can make (the scores it gets are at most 0 after the row maximum
 * is taken off). */
#ifndef CN_EXP_FAST_H
#define CN_EXP_FAST_H
#include <stdint.h>

static inline float exp_fast(float x) {
    const float lo = -87.33654f, hi = 88.3762626647949f;
    float z = x < lo ? lo : x;
    z = z > hi ? hi : z;
    /* n = round(z / ln2): adding 1.5 * 2^23 leaves no fraction bits (SSE2 has
     * no vector floor; -ffast-math, which would fold this away, is not used) */
    float n = (z * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = z - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union { int32_t i; float f; } s = {((int32_t)n + 127) << 23}; /* 2^n */
    return x < lo ? 0.0f : p * s.f;
}
#endif
