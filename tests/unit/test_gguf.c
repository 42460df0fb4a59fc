/* gguf's Q8_0 blocks, as llama.cpp's quantize_row_q8_0_ref makes them:
 * d = max|x| / 127 stored as f16, q = roundf(x / d), half away from zero
 * (ties and random blocks; the file layout is tests/sh/gguf-ref.sh's); a
 * file whose tensors are declared and streamed is byte for byte the file
 * converted whole, and a declared tensor never given, or one too many,
 * leaves no file */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "gguf.h"
#include "half.h"
#include "io.h"

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

    /* streamed: the same bytes; a tensor added whole between declared ones */
    char dir[] = "/tmp/test_gguf.XXXXXX", whole[64], streamed[64], badf[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(whole, sizeof whole, "%s/whole.gguf", dir);
    snprintf(streamed, sizeof streamed, "%s/streamed.gguf", dir);
    snprintf(badf, sizeof badf, "%s/bad.gguf", dir);
    const int64_t d1[2] = {64, 96}, d2[1] = {7}, d3[2] = {3, 32};
    const cn_ggml_type ty[3] = {CN_GGML_Q8_0, CN_GGML_F32, CN_GGML_F16};
    const int64_t *dims[3] = {d1, d2, d3};
    const int nd[3] = {2, 1, 2};
    const float *val[3] = {x, x + 9000, x + 20000};
    cn_gguf *a = cn_gguf_new(), *b = cn_gguf_new();
    CHECK(cn_gguf_u32(a, "k", 7) == CN_OK && cn_gguf_u32(b, "k", 7) == CN_OK);
    for (int i = 0; i < 3; i++) {
        char name[8] = {'t', (char)('0' + i), 0};
        CHECK(cn_gguf_tensor(a, name, ty[i], dims[i], nd[i], val[i]) == CN_OK);
        CHECK((i == 1 ? cn_gguf_tensor(b, name, ty[i], dims[i], nd[i], val[i]) : cn_gguf_tensor_later(b, name, ty[i], dims[i], nd[i])) == CN_OK);
    }
    CHECK(cn_gguf_write(a, whole) == CN_OK);
    cn_gguf_writer *w = cn_gguf_write_begin(b, streamed);
    CHECK(w && cn_gguf_write_next(w, val[0]) == CN_OK && cn_gguf_write_next(w, val[2]) == CN_OK && cn_gguf_write_end(w) == CN_OK);
    size_t na = 0, nb = 0;
    char *fa = cn_read_all(whole, &na), *fb = cn_read_all(streamed, &nb);
    CHECK(fa && fb && na == nb && na > 0 && memcmp(fa, fb, na) == 0);
    free(fa), free(fb);
    CHECK(cn_gguf_write(b, badf) == CN_EINVAL); /* declared tensors need the writer */
    w = cn_gguf_write_begin(b, badf);
    CHECK(w && cn_gguf_write_next(w, val[0]) == CN_OK && cn_gguf_write_end(w) == CN_EINVAL);
    w = cn_gguf_write_begin(b, badf);
    CHECK(w && cn_gguf_write_next(w, val[0]) == CN_OK && cn_gguf_write_next(w, val[2]) == CN_OK);
    CHECK(cn_gguf_write_next(w, val[2]) == CN_EINVAL && cn_gguf_write_end(w) == CN_EINVAL);
    CHECK(access(badf, F_OK) != 0);
    cn_gguf_free(a), cn_gguf_free(b);
    unlink(whole), unlink(streamed), rmdir(dir);
    return check_done();
}
