/* gguf: the writer (gguf.h). Metadata and tensor infos are kept in memory
 * until the header is written; tensor data either converted when added, or
 * converted and written as it is given (cn_gguf_write_next), one tensor in
 * memory at a time. */
#include "gguf.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "half.h"
#include "io.h"
#include "sb.h"

#define ALIGN 32

/* GGUF's value types */
enum { T_U32 = 4, T_I32 = 5, T_F32 = 6, T_BOOL = 7, T_STR = 8, T_ARR = 9 };

typedef struct {
    char *key;
    int type, elem; /* elem: an array's element type */
    uint64_t n;     /* an array's length */
    uint8_t *val;   /* the value's bytes as written (an array's elements) */
    size_t len;
} kv;

typedef struct {
    char *name;
    int ndim;
    uint64_t ne[4]; /* GGUF's order */
    cn_ggml_type type;
    uint8_t *data; /* converted already, or NULL: given at writing (cn_gguf_write_next) */
    size_t bytes;
    uint64_t n;    /* values */
} tensor;

struct cn_gguf {
    kv *kv;
    size_t nkv, kcap;
    tensor *t;
    size_t nt, tcap;
    int nomem;
};

cn_gguf *cn_gguf_new(void) {
    cn_gguf *g = calloc(1, sizeof *g);
    if (!g) cn_fail(CN_ENOMEM, "out of memory");
    return g;
}

void cn_gguf_free(cn_gguf *g) {
    if (!g) return;
    for (size_t i = 0; i < g->nkv; i++) free(g->kv[i].key), free(g->kv[i].val);
    for (size_t i = 0; i < g->nt; i++) free(g->t[i].name), free(g->t[i].data);
    free(g->kv), free(g->t), free(g);
}

/* ---- bytes ---- */

static void put_u32(cn_sb *b, uint32_t v) { cn_sb_put(b, &v, 4); } /* little-endian hosts (DESIGN.md) */
static void put_u64(cn_sb *b, uint64_t v) { cn_sb_put(b, &v, 8); }
static void put_str(cn_sb *b, const char *s, size_t n) {
    put_u64(b, n);
    cn_sb_put(b, s, n);
}

static cn_status add_kv(cn_gguf *g, const char *key, int type, int elem, uint64_t n, cn_sb *val) {
    if (val->nomem) return free(val->s), cn_fail(CN_ENOMEM, "out of memory");
    if (g->nkv == g->kcap) {
        kv *x = realloc(g->kv, (g->kcap = g->kcap ? 2 * g->kcap : 32) * sizeof *x);
        if (!x) return free(val->s), cn_fail(CN_ENOMEM, "out of memory");
        g->kv = x;
    }
    char *k = strdup(key);
    if (!k) return free(val->s), cn_fail(CN_ENOMEM, "out of memory");
    g->kv[g->nkv++] = (kv){k, type, elem, n, (uint8_t *)val->s, val->n};
    return CN_OK;
}

cn_status cn_gguf_u32(cn_gguf *g, const char *key, uint32_t v) {
    cn_sb b = {0};
    put_u32(&b, v);
    return add_kv(g, key, T_U32, 0, 0, &b);
}
cn_status cn_gguf_i32(cn_gguf *g, const char *key, int32_t v) {
    cn_sb b = {0};
    cn_sb_put(&b, &v, 4);
    return add_kv(g, key, T_I32, 0, 0, &b);
}
cn_status cn_gguf_f32(cn_gguf *g, const char *key, float v) {
    cn_sb b = {0};
    cn_sb_put(&b, &v, 4);
    return add_kv(g, key, T_F32, 0, 0, &b);
}
cn_status cn_gguf_bool(cn_gguf *g, const char *key, int v) {
    cn_sb b = {0};
    uint8_t x = v != 0;
    cn_sb_put(&b, &x, 1);
    return add_kv(g, key, T_BOOL, 0, 0, &b);
}
cn_status cn_gguf_str(cn_gguf *g, const char *key, const char *v) {
    cn_sb b = {0};
    put_str(&b, v, strlen(v));
    return add_kv(g, key, T_STR, 0, 0, &b);
}
cn_status cn_gguf_arr_str(cn_gguf *g, const char *key, const char *const *v, size_t n) {
    cn_sb b = {0};
    for (size_t i = 0; i < n; i++) put_str(&b, v[i], strlen(v[i]));
    return add_kv(g, key, T_ARR, T_STR, n, &b);
}
cn_status cn_gguf_arr_f32(cn_gguf *g, const char *key, const float *v, size_t n) {
    cn_sb b = {0};
    cn_sb_put(&b, v, 4 * n);
    return add_kv(g, key, T_ARR, T_F32, n, &b);
}
cn_status cn_gguf_arr_i32(cn_gguf *g, const char *key, const int32_t *v, size_t n) {
    cn_sb b = {0};
    cn_sb_put(&b, v, 4 * n);
    return add_kv(g, key, T_ARR, T_I32, n, &b);
}

/* ---- tensors ---- */

/* one block: d = max|x| / 127 (as f16), q = round(x / d) half away from zero */
static void q8_0_block(const float *x, uint8_t *dst) {
    float amax = 0;
    for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[j]));
    float d = amax / 127, id = d ? 1.0f / d : 0.0f;
    uint16_t h = cn_f32_to_f16(d);
    memcpy(dst, &h, 2);
    for (int j = 0; j < 32; j++) dst[2 + j] = (uint8_t)(int8_t)roundf(x[j] * id);
}

#if defined(__x86_64__)
#include <immintrin.h>
/* the same block with AVX2: the same products, and roundf's rounding as
 * t = trunc(|v|) + (|v| - trunc(|v|) >= 0.5), exact below 2^23 */
__attribute__((target("avx2"))) static void q8_0_avx2(const float *x, size_t n, uint8_t *dst) {
    const __m256 sign = _mm256_set1_ps(-0.0f), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    for (size_t i = 0; i < n; i += 32, dst += 34) {
        __m256 v[4], m = _mm256_setzero_ps();
        for (int k = 0; k < 4; k++) v[k] = _mm256_loadu_ps(x + i + 8 * k), m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[k]));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        float amax = _mm_cvtss_f32(m4), d = amax / 127, id = d ? 1.0f / d : 0.0f;
        uint16_t h = cn_f32_to_f16(d);
        memcpy(dst, &h, 2);
        __m256 vid = _mm256_set1_ps(id);
        __m256i q[4];
        for (int k = 0; k < 4; k++) {
            __m256 y = _mm256_mul_ps(v[k], vid), a = _mm256_andnot_ps(sign, y);
            __m256 t = _mm256_round_ps(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
            t = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(_mm256_sub_ps(a, t), half, _CMP_GE_OQ), one));
            q[k] = _mm256_cvttps_epi32(_mm256_or_ps(t, _mm256_and_ps(sign, y)));
        }
        /* int32 -> int8 in order: packs work within 128-bit lanes, then a permute */
        __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
        p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(dst + 2), p);
    }
}
#endif

void cn_gguf_q8_0(const float *x, size_t n, uint8_t *dst) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) {
        q8_0_avx2(x, n, dst);
        return;
    }
#endif
    for (size_t i = 0; i < n; i += 32) q8_0_block(x + i, dst + i / 32 * 34);
}

/* converts n fp32 values to type into dst, in chunks across the threads
 * (each chunk whole Q8_0 blocks) */
static void convert(cn_ggml_type type, const float *x, uint64_t n, uint8_t *dst) {
    uint16_t *h = (uint16_t *)dst;
    const uint64_t chunk = 1 << 16;
    const int64_t nchunks = (int64_t)((n + chunk - 1) / chunk);
#pragma omp parallel for schedule(static) if (nchunks > 1)
    for (int64_t c = 0; c < nchunks; c++) {
        uint64_t i = (uint64_t)c * chunk, m = n - i < chunk ? n - i : chunk;
        switch (type) {
        case CN_GGML_F32: memcpy((float *)dst + i, x + i, m * 4); break;
        case CN_GGML_F16: cn_f32_to_f16_n(x + i, h + i, m); break;
        case CN_GGML_BF16: cn_f32_to_bf16_n(x + i, h + i, m); break;
        default: cn_gguf_q8_0(x + i, m, dst + i / 32 * 34);
        }
    }
}

cn_status cn_gguf_tensor_later(cn_gguf *g, const char *name, cn_ggml_type type, const int64_t *dims, int ndim) {
    if (ndim < 1 || ndim > 4) return cn_fail(CN_EINVAL, "gguf: %s: %d dimensions (1 to 4)", name, ndim);
    uint64_t n = 1;
    tensor t = {.ndim = ndim, .type = type};
    for (int i = 0; i < ndim; i++) {
        if (dims[i] < 1) return cn_fail(CN_EINVAL, "gguf: %s: dimension %d is %lld", name, i, (long long)dims[i]);
        t.ne[i] = (uint64_t)dims[ndim - 1 - i], n *= t.ne[i];
    }
    switch (type) {
    case CN_GGML_F32: t.bytes = 4 * n; break;
    case CN_GGML_F16:
    case CN_GGML_BF16: t.bytes = 2 * n; break;
    case CN_GGML_Q8_0:
        if (t.ne[0] % 32) return cn_fail(CN_EINVAL, "gguf: %s: q8_0 needs rows of a multiple of 32 (%llu)", name, (unsigned long long)t.ne[0]);
        t.bytes = n / 32 * 34;
        break;
    default: return cn_fail(CN_EINVAL, "gguf: %s: type %d", name, (int)type);
    }
    t.n = n;
    if (g->nt == g->tcap) {
        tensor *x = realloc(g->t, (g->tcap = g->tcap ? 2 * g->tcap : 64) * sizeof *x);
        if (!x) return cn_fail(CN_ENOMEM, "out of memory");
        g->t = x;
    }
    if (!(t.name = strdup(name))) return cn_fail(CN_ENOMEM, "out of memory");
    g->t[g->nt++] = t;
    return CN_OK;
}

cn_status cn_gguf_tensor(cn_gguf *g, const char *name, cn_ggml_type type, const int64_t *dims, int ndim, const float *data) {
    cn_status st = cn_gguf_tensor_later(g, name, type, dims, ndim);
    if (st) return st;
    tensor *t = &g->t[g->nt - 1];
    if (!(t->data = malloc(t->bytes ? t->bytes : 1))) {
        free(t->name);
        g->nt--;
        return cn_fail(CN_ENOMEM, "out of memory");
    }
    convert(type, data, t->n, t->data);
    return CN_OK;
}

/* ---- the file ---- */

static void pad(cn_sb *b, size_t to) {
    static const uint8_t zero[ALIGN] = {0};
    cn_sb_put(b, zero, (to - b->n % to) % to);
}

struct cn_gguf_writer {
    const cn_gguf *g;
    cn_out *out;
    size_t next; /* the tensor whose data comes next */
    uint8_t *buf;
    size_t cap;
    cn_status st;
};

static const uint8_t zero[ALIGN];

/* tensor i's bytes, then the zeros to the next alignment */
static cn_status write_data(cn_gguf_writer *w, const uint8_t *b, size_t n) {
    cn_status st = cn_out_write(w->out, b, n);
    if (!st && n % ALIGN) st = cn_out_write(w->out, zero, ALIGN - n % ALIGN);
    return st;
}

/* the tensors converted already, up to the next one that is not */
static cn_status write_ready(cn_gguf_writer *w) {
    cn_status st = CN_OK;
    for (; !st && w->next < w->g->nt && w->g->t[w->next].data; w->next++) st = write_data(w, w->g->t[w->next].data, w->g->t[w->next].bytes);
    return st;
}

cn_gguf_writer *cn_gguf_write_begin(const cn_gguf *g, const char *path) {
    for (size_t i = 0; i < g->nkv; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(g->kv[i].key, g->kv[j].key) == 0) return cn_fail(CN_EINVAL, "gguf: key %s set twice", g->kv[i].key), NULL;
    cn_sb h = {0};
    cn_sb_put(&h, "GGUF", 4);
    put_u32(&h, 3);
    put_u64(&h, g->nt);
    put_u64(&h, g->nkv + 1);
    put_str(&h, "general.alignment", strlen("general.alignment")); /* first, as llama.cpp's writer puts it early */
    put_u32(&h, T_U32);
    put_u32(&h, ALIGN);
    for (size_t i = 0; i < g->nkv; i++) {
        const kv *k = &g->kv[i];
        put_str(&h, k->key, strlen(k->key));
        put_u32(&h, (uint32_t)k->type);
        if (k->type == T_ARR) put_u32(&h, (uint32_t)k->elem), put_u64(&h, k->n);
        cn_sb_put(&h, k->val, k->len);
    }
    uint64_t off = 0;
    for (size_t i = 0; i < g->nt; i++) {
        const tensor *t = &g->t[i];
        put_str(&h, t->name, strlen(t->name));
        put_u32(&h, (uint32_t)t->ndim);
        for (int d = 0; d < t->ndim; d++) put_u64(&h, t->ne[d]);
        put_u32(&h, (uint32_t)t->type);
        put_u64(&h, off);
        off += (t->bytes + ALIGN - 1) / ALIGN * ALIGN;
    }
    pad(&h, ALIGN);
    cn_gguf_writer *w = h.nomem ? NULL : calloc(1, sizeof *w);
    if (!w) return free(h.s), cn_fail(CN_ENOMEM, "out of memory"), NULL;
    w->g = g;
    if (!(w->out = cn_out_open(path, 0))) return free(h.s), free(w), NULL;
    cn_status st = cn_out_write(w->out, h.s, h.n);
    free(h.s);
    if (!st) st = write_ready(w);
    if (st) {
        cn_gguf_write_abort(w);
        return NULL;
    }
    return w;
}

cn_status cn_gguf_write_next(cn_gguf_writer *w, const float *x) {
    if (w->st) return w->st;
    if (w->next >= w->g->nt) return w->st = cn_fail(CN_EINVAL, "gguf: more tensors given than declared");
    const tensor *t = &w->g->t[w->next];
    if (t->bytes > w->cap) {
        free(w->buf);
        if (!(w->buf = malloc(w->cap = t->bytes))) return w->cap = 0, w->st = cn_fail(CN_ENOMEM, "out of memory");
    }
    convert(t->type, x, t->n, w->buf);
    w->next++;
    cn_status st = write_data(w, w->buf, t->bytes);
    if (!st) st = write_ready(w);
    return w->st = st;
}

cn_status cn_gguf_write_end(cn_gguf_writer *w) {
    cn_status st = w->st;
    if (!st && w->next < w->g->nt) st = cn_fail(CN_EINVAL, "gguf: tensor %s declared and never given", w->g->t[w->next].name);
    if (st) {
        cn_gguf_write_abort(w);
        return st;
    }
    st = cn_out_commit(w->out);
    free(w->buf), free(w);
    return st;
}

void cn_gguf_write_abort(cn_gguf_writer *w) {
    if (!w) return;
    cn_out_abort(w->out);
    free(w->buf), free(w);
}

cn_status cn_gguf_write(const cn_gguf *g, const char *path) {
    cn_gguf_writer *w = cn_gguf_write_begin(g, path);
    return w ? cn_gguf_write_end(w) : cn_last_status();
}
