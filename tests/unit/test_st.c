/* st: safetensors written here read back exactly; half-precision conversions;
 * sharded checkpoints through an index; every kind of hostile header is a
 * clear error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check.h"
#include "half.h"
#include "st.h"

static void put_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

/* a safetensors file from a header text and n data bytes (value i & 0xFF) */
static void raw(const char *path, const char *header, size_t ndata, long long claim) {
    size_t hl = strlen(header), n = 8 + hl + ndata;
    unsigned char *b = malloc(n);
    unsigned long long l = claim >= 0 ? (unsigned long long)claim : hl;
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(l >> (8 * i));
    memcpy(b + 8, header, hl);
    for (size_t i = 0; i < ndata; i++) b[8 + hl + i] = (unsigned char)i;
    put_file(path, b, n);
    free(b);
}

static void bad(const char *header, size_t ndata, long long claim, const char *want) {
    raw("bad.safetensors", header, ndata, claim);
    cn_st *s = cn_st_open("bad.safetensors");
    CHECK_MSG(s == NULL && strstr(cn_errmsg(), want) != NULL, "header %s: got '%s', want '%s'", header, s ? "(opened)" : cn_errmsg(), want);
    cn_st_close(s);
}

int main(void) {
    /* half precision: exact values, rounding to nearest even, specials */
    CHECK(cn_f32_to_f16(1.0f) == 0x3C00 && cn_f16_to_f32(0x3C00) == 1.0f);
    CHECK(cn_f32_to_f16(65504.0f) == 0x7BFF && cn_f32_to_f16(65520.0f) == 0x7C00);
    CHECK(cn_f32_to_f16(ldexpf(1, -24)) == 0x0001 && cn_f16_to_f32(0x0001) == ldexpf(1, -24));
    CHECK(cn_f32_to_f16(-2.0f) == 0xC000 && cn_f16_to_f32(0x8000) == 0.0f && signbit(cn_f16_to_f32(0x8000)));
    CHECK(cn_f32_to_f16(1.0f + ldexpf(1, -11)) == 0x3C00);                    /* tie to even: down */
    CHECK(cn_f32_to_f16(1.0f + 3 * ldexpf(1, -11)) == 0x3C02);                /* tie to even: up */
    CHECK(isinf(cn_f16_to_f32(0x7C00)) && isnan(cn_f16_to_f32(0x7E00)) && (cn_f32_to_f16(NAN) & 0x7C00) == 0x7C00);
    CHECK(cn_f32_to_bf16(1.0f) == 0x3F80 && cn_bf16_to_f32(0x3F80) == 1.0f);
    CHECK(cn_f32_to_bf16(1.0f + ldexpf(1, -8)) == 0x3F80 && cn_f32_to_bf16(1.0f + 3 * ldexpf(1, -8)) == 0x3F82);
    CHECK(isnan(cn_bf16_to_f32(cn_f32_to_bf16(NAN))));
    { /* the batch conversions (F16C where the CPU has it) give the scalar ones' bits: ~1M
       * bit patterns spread over all of them (specials, subnormals, ties), an odd count */
        enum { N = (1 << 20) + 3 };
        float *x = malloc(N * sizeof *x);
        uint16_t *h = malloc(N * sizeof *h), *b = malloc(N * sizeof *b);
        for (uint32_t i = 0; i < N; i++) {
            uint32_t bits = i * 4093u + (i & 1 ? 0x1000u : 0);
            memcpy(&x[i], &bits, 4);
        }
        cn_f32_to_f16_n(x, h, N), cn_f32_to_bf16_n(x, b, N);
        int bad = 0;
        for (uint32_t i = 0; i < N; i++) bad += h[i] != cn_f32_to_f16(x[i]) || b[i] != cn_f32_to_bf16(x[i]);
        CHECK(bad == 0);
        free(x), free(h), free(b);
    }
    for (uint32_t h = 0; h < 0x10000; h++) { /* every finite half survives f32 and back */
        if ((h & 0x7C00) == 0x7C00) continue;
        CHECK(cn_f32_to_f16(cn_f16_to_f32((uint16_t)h)) == h);
    }

    /* write, read back */
    float a[6] = {1, -2, 3.5f, 1e-3f, 0, 65504};
    uint16_t ah[6], ab[6];
    for (int i = 0; i < 6; i++) ah[i] = cn_f32_to_f16(a[i]), ab[i] = cn_f32_to_bf16(a[i]);
    int64_t ids[3] = {7, -1, 1LL << 40};
    int64_t s23[2] = {2, 3}, s6[1] = {6}, s3[1] = {3}, s0[2] = {0, 4};
    cn_st_writer *w = cn_st_writer_new();
    CHECK(cn_st_add(w, "z.weight", CN_ST_F32, s23, 2, a) == CN_OK);
    CHECK(cn_st_add(w, "a.half", CN_ST_F16, s6, 1, ah) == CN_OK);
    CHECK(cn_st_add(w, "m.bf", CN_ST_BF16, s23, 2, ab) == CN_OK);
    CHECK(cn_st_add(w, "ids", CN_ST_I64, s3, 1, ids) == CN_OK);
    CHECK(cn_st_add(w, "empty", CN_ST_F32, s0, 2, NULL) == CN_OK);
    CHECK(cn_st_add(w, "scalar", CN_ST_F32, NULL, 0, a) == CN_OK);
    CHECK(cn_st_add(w, "ids", CN_ST_I64, s3, 1, ids) == CN_EINVAL);
    CHECK(cn_st_set_metadata(w, "format", "pt") == CN_OK && cn_st_set_metadata(w, "note", "a \"quoted\" one") == CN_OK);
    CHECK(cn_st_write(w, "m.safetensors") == CN_OK);
    cn_st_writer_free(w);
    {
        struct stat sb;
        stat("m.safetensors", &sb);
        FILE *f = fopen("m.safetensors", "rb");
        unsigned char len[8];
        CHECK(fread(len, 1, 8, f) == 8);
        fclose(f);
        unsigned long long hl = 0;
        for (int i = 7; i >= 0; i--) hl = hl << 8 | len[i];
        CHECK((8 + hl) % 8 == 0);
        CHECK((unsigned long long)sb.st_size == 8 + hl + 24 + 12 + 12 + 24 + 0 + 4);
    }
    cn_st *s = cn_st_open("m.safetensors");
    CHECK_MSG(s != NULL, "%s", cn_errmsg());
    CHECK(cn_st_count(s) == 6);
    CHECK(strcmp(cn_st_at(s, 0)->name, "a.half") == 0 && strcmp(cn_st_at(s, 5)->name, "z.weight") == 0);
    CHECK(strcmp(cn_st_metadata(s, "format"), "pt") == 0 && strcmp(cn_st_metadata(s, "note"), "a \"quoted\" one") == 0);
    float got[6];
    const cn_st_tensor *t = cn_st_find(s, "z.weight");
    CHECK(t && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 && t->dtype == CN_ST_F32);
    CHECK(cn_st_to_f32(t, got, 6) == CN_OK && memcmp(got, a, sizeof a) == 0);
    CHECK(cn_st_to_f32(cn_st_find(s, "a.half"), got, 6) == CN_OK);
    for (int i = 0; i < 6; i++) CHECK(got[i] == cn_f16_to_f32(ah[i]));
    CHECK(cn_st_to_f32(cn_st_find(s, "m.bf"), got, 6) == CN_OK && got[2] == 3.5f && got[1] == -2);
    CHECK(cn_st_to_f32(cn_st_find(s, "m.bf"), got, 5) == CN_EFORMAT);
    CHECK(cn_st_to_f32(cn_st_find(s, "ids"), got, 3) == CN_EFORMAT);
    CHECK(memcmp(cn_st_find(s, "ids")->data, ids, sizeof ids) == 0);
    CHECK(cn_st_find(s, "empty")->numel == 0 && cn_st_find(s, "scalar")->numel == 1);
    CHECK(cn_st_find(s, "nope") == NULL);
    cn_st_close(s);

    /* hostile headers */
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 1000, "runs beyond the file");
    bad("[1,2]", 0, -1, "not a JSON object");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4, -1, "malformed JSON");
    bad("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, -1, "unknown dtype");
    bad("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, -1, "no dtype");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, -1, "4 bytes for 2 elements of F32");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 4, -1, "outside the 4 data bytes");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, -1, "data_offsets");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, -1, "bad shape");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4, -1, "bad shape");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}",
        6, -1, "overlap");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
        12, -1, "belong to no tensor");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, -1, "bytes 4..8 of the data belong to no tensor");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
        8, -1, "tensor 'a' twice");
    bad("{\"__metadata__\":{\"k\":1}}", 0, -1, "is not a string");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} x", 4, -1, "trailing bytes");
    bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4, -1, "bad shape");
    put_file("short.safetensors", "abc", 3);
    CHECK(cn_st_open("short.safetensors") == NULL && strstr(cn_errmsg(), "too short") != NULL);
    CHECK(cn_st_open("missing.safetensors") == NULL && strstr(cn_errmsg(), "missing.safetensors") != NULL);

    /* sharded: an index naming two files; a directory finds the index */
    mkdir("ck", 0755);
    float x[2] = {1, 2}, y[3] = {3, 4, 5};
    int64_t s2[1] = {2};
    w = cn_st_writer_new();
    CHECK(cn_st_add(w, "model.embed_tokens.weight", CN_ST_F32, s2, 1, x) == CN_OK && cn_st_write(w, "ck/model-00001-of-00002.safetensors") == CN_OK);
    cn_st_writer_free(w);
    w = cn_st_writer_new();
    CHECK(cn_st_add(w, "lm_head.weight", CN_ST_F32, s3, 1, y) == CN_OK && cn_st_write(w, "ck/model-00002-of-00002.safetensors") == CN_OK);
    cn_st_writer_free(w);
    const char *idx = "{\"metadata\":{\"total_size\":20},\"weight_map\":{\"lm_head.weight\":\"model-00002-of-00002.safetensors\","
                      "\"model.embed_tokens.weight\":\"model-00001-of-00002.safetensors\"}}";
    put_file("ck/model.safetensors.index.json", idx, strlen(idx));
    s = cn_st_open("ck");
    CHECK_MSG(s != NULL, "%s", cn_errmsg());
    CHECK(s && cn_st_count(s) == 2 && cn_st_to_f32(cn_st_find(s, "lm_head.weight"), got, 3) == CN_OK && got[2] == 5);
    cn_st_close(s);
    const char *idx2 = "{\"weight_map\":{\"lm_head.weight\":\"model-00001-of-00002.safetensors\"}}";
    put_file("ck/bad.index.json", idx2, strlen(idx2));
    CHECK(cn_st_open("ck/bad.index.json") == NULL && strstr(cn_errmsg(), "does not hold it") != NULL);
    const char *idx3 = "{\"weight_map\":{\"x\":\"../m.safetensors\"}}";
    put_file("ck/evil.index.json", idx3, strlen(idx3));
    CHECK(cn_st_open("ck/evil.index.json") == NULL && strstr(cn_errmsg(), "not a file name") != NULL);
    return check_done();
}
