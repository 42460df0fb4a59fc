/* half: fp32 <-> fp16 and bf16, rounding to nearest even (the safetensors
 * dtypes, the CPU backend's bf16 kernels, bf16 weights for generation). */
#ifndef CN_HALF_H
#define CN_HALF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* fp32 <-> fp16 / bf16 (round to nearest even) */
float cn_f16_to_f32(uint16_t h);
uint16_t cn_f32_to_f16(float f);
/* n values at a time, each exactly as the function of one (F16C's
 * instructions where the CPU has them) */
void cn_f32_to_f16_n(const float *x, uint16_t *h, size_t n);
void cn_f32_to_bf16_n(const float *x, uint16_t *h, size_t n);
/* bf16 is the upper half of an fp32: inline, as the CPU backend's bf16
 * kernels call them per element (a NaN stays a quiet NaN) */
static inline float cn_bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}
static inline uint16_t cn_f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7F800000) == 0x7F800000 && (x & 0x7FFFFF)) return (uint16_t)((x >> 16) | 0x40);
    x += 0x7FFF + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

#endif
