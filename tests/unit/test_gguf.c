/* gguf's Q8_0 blocks, as llama.cpp's quantize_row_q8_0_ref makes them:
 * d = max|x| / 127 stored as f16, q = roundf(x / d), half away from zero
 * (ties and random blocks; the file layout is tests/sh/gguf-ref.sh's) */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "gguf.h"
#include "half.h"

int main(void) {
    enum { NB = 4096 };
    static float x[NB * 32];
    static uint8_t q[NB * 34];
    /* block 0: d = 1 exactly, so x / d lands on ties: 0.5 -> 1, 2.5 -> 3, -0.5 -> -1, -3.5 -> -4 */
    const float ties[8] = {127, 0.5f, 1.5f, 2.5f, -0.5f, -2.5f, -3.5f, 126.5f};
    for (int j = 0; j < 32; j++) x[j] = j < 8 ? ties[j] : (float)(j - 16);
    uint32_t s = 12345;
    for (int i = 32; i < NB * 32; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = ((float)(s >> 8) / 16777216.0f - 0.5f) * (float)(1 + i / 32 % 7);
    }
    memset(x + 64, 0, 32 * sizeof *x); /* block 2: all zero, d = 0 */
    cn_gguf_q8_0(x, NB * 32, q);
    int bad = 0;
    for (int b = 0; b < NB; b++) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[b * 32 + j]));
        float d = amax / 127, id = d ? 1.0f / d : 0.0f;
        uint16_t h;
        memcpy(&h, q + b * 34, 2);
        bad += h != cn_f32_to_f16(d);
        for (int j = 0; j < 32; j++) bad += (int8_t)q[b * 34 + 2 + j] != (int8_t)roundf(x[b * 32 + j] * id);
    }
    CHECK(bad == 0);
    const int8_t want[8] = {127, 1, 2, 3, -1, -3, -4, 127};
    CHECK(memcmp(q + 2, want, 8) == 0);
    return check_done();
}
