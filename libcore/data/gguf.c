/* gguf: the writer (gguf.h). Everything is kept in memory until
 * cn_gguf_write lays it out: metadata, infos, then data. */
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
    uint8_t *data;
    size_t bytes;
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

void cn_gguf_q8_0(const float *x, size_t n, uint8_t *dst) {
    for (size_t i = 0; i < n; i += 32, dst += 34) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[i + j]));
        float d = amax / 127, id = d ? 1.0f / d : 0.0f;
        uint16_t h = cn_f32_to_f16(d);
        memcpy(dst, &h, 2);
        for (int j = 0; j < 32; j++) dst[2 + j] = (uint8_t)(int8_t)roundf(x[i + j] * id);
    }
}

cn_status cn_gguf_tensor(cn_gguf *g, const char *name, cn_ggml_type type, const int64_t *dims, int ndim, const float *data) {
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
    if (g->nt == g->tcap) {
        tensor *x = realloc(g->t, (g->tcap = g->tcap ? 2 * g->tcap : 64) * sizeof *x);
        if (!x) return cn_fail(CN_ENOMEM, "out of memory");
        g->t = x;
    }
    if (!(t.name = strdup(name)) || !(t.data = malloc(t.bytes ? t.bytes : 1))) {
        free(t.name);
        return cn_fail(CN_ENOMEM, "out of memory");
    }
    uint16_t *h = (uint16_t *)t.data;
    switch (type) {
    case CN_GGML_F32: memcpy(t.data, data, t.bytes); break;
    case CN_GGML_F16:
        for (uint64_t i = 0; i < n; i++) h[i] = cn_f32_to_f16(data[i]);
        break;
    case CN_GGML_BF16:
        for (uint64_t i = 0; i < n; i++) h[i] = cn_f32_to_bf16(data[i]);
        break;
    default: cn_gguf_q8_0(data, n, t.data);
    }
    g->t[g->nt++] = t;
    return CN_OK;
}

/* ---- the file ---- */

static void pad(cn_sb *b, size_t to) {
    static const uint8_t zero[ALIGN] = {0};
    cn_sb_put(b, zero, (to - b->n % to) % to);
}

cn_status cn_gguf_write(const cn_gguf *g, const char *path) {
    for (size_t i = 0; i < g->nkv; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(g->kv[i].key, g->kv[j].key) == 0) return cn_fail(CN_EINVAL, "gguf: key %s set twice", g->kv[i].key);
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
    if (h.nomem) return free(h.s), cn_fail(CN_ENOMEM, "out of memory");
    cn_out *out = cn_out_open(path, 0);
    if (!out) return free(h.s), cn_last_status();
    cn_status st = cn_out_write(out, h.s, h.n);
    static const uint8_t zero[ALIGN] = {0};
    for (size_t i = 0; !st && i < g->nt; i++) {
        const tensor *t = &g->t[i];
        st = cn_out_write(out, t->data, t->bytes);
        if (!st && t->bytes % ALIGN) st = cn_out_write(out, zero, ALIGN - t->bytes % ALIGN);
    }
    free(h.s);
    if (st) {
        cn_out_abort(out);
        return st;
    }
    return cn_out_commit(out);
}
