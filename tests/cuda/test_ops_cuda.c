/* ops on CUDA: every member of cn_ops against the CPU backend on the same
 * random inputs, forward and backward, at odd sizes (T not a multiple of
 * the attention tile, head sizes 8 to 256, grouped-query heads, every mask);
 * the deterministic reductions give the same bits twice; no op copies
 * between host and device (the two that return a number copy 8 bytes).
 * Prints the largest difference per op; the exit status is the verdict.
 * CN_TEST_QUICK=1: smaller sizes (for compute-sanitizer). Without a GPU:
 * a skip line, exit 0. */
#include "cuda_test.h"

static int quick;

/* copies an op made: none (or one 8-byte result) */
#define NO_COPIES(what, results)                                                                                     \
    CHECK_MSG(copies.h2d == 0 && copies.d2h == (results) && copies.d2h_bytes == 8 * (results),                       \
              "%s: %ld uploads, %ld downloads (%ld bytes) inside the op", what, copies.h2d, copies.d2h, copies.d2h_bytes)

/* ---- memory ---- */
static void check_memory(void) {
    printf("memory\n");
    float *h = rnd(1000, 1), back[1000];
    float *a = dev(h, 1000), *b = gpu->alloc(1000 * 4);
    gpu->copy(b, a, 1000 * 4);
    gpu->download(back, b, 1000 * 4);
    CHECK(memcmp(back, h, sizeof back) == 0);
    gpu->zero(b, 500 * 4);
    gpu->download(back, b, 1000 * 4);
    CHECK(back[0] == 0 && back[499] == 0 && back[500] == h[500]);
    gpu->free(a), gpu->free(b), free(h);
    CHECK(strcmp(gpu->name, "cuda") == 0 && strcmp(gpu->bf16_kernel(), "cuda") == 0);
}

/* ---- products ---- */
static void check_matmul(void) {
    printf("matmul\n");
    int sizes[][3] = {{37, 75, 19}, {128, 64, 256}, {1, 300, 77}, {200, 3, 1}};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                int m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
                float *a = rnd((size_t)m * k, 1), *b = rnd((size_t)k * n, 1), *c = rnd((size_t)m * n, 1), *c0 = dupf(c, (size_t)m * n);
                float *da = dev(a, (size_t)m * k), *db = dev(b, (size_t)k * n), *dc = dev(c, (size_t)m * n);
                cpu->matmul(c, a, b, m, n, k, ta, tb, 0.75f, 0.5f);
                copies_reset();
                gpu->matmul(dc, da, db, m, n, k, ta, tb, 0.75f, 0.5f);
                NO_COPIES("matmul", 0);
                char name[96];
                snprintf(name, sizeof name, "matmul %dx%dx%d ta=%d tb=%d", m, n, k, ta, tb);
                compare_dev(name, dc, c, (size_t)m * n, 1e-6, 2e-6 * sqrt(k));
                gpu->free(da), gpu->free(db), gpu->free(dc), free(a), free(b), free(c), free(c0);
            }
}

/* mixed precision's product: the same rounded operands as the CPU's, so
 * only the order of the fp32 sums differs; each operand given in fp32 (and
 * rounded by the op) or already in bf16 */
static void check_matmul_bf16(void) {
    printf("matmul_bf16\n");
    int sizes[][3] = {{37, 75, 19}, {128, 64, 256}, {1, 300, 77}, {200, 3, 1}, {64, 48, 0}};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++)
                for (int given = 0; given < 4; given++) {
                    int m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
                    size_t na = (size_t)m * k, nb = (size_t)k * n;
                    float *a = rnd(na, 1), *b = rnd(nb, 3), *c = rnd((size_t)m * n, 1);
                    uint16_t *a16 = malloc(na * 2 + 2), *b16 = malloc(nb * 2 + 2);
                    cpu->to_bf16(a16, a, na), cpu->to_bf16(b16, b, nb);
                    float *da = dev(a, na), *db = dev(b, nb), *dc = dev(c, (size_t)m * n);
                    uint16_t *da16 = dev_bytes(a16, na * 2 + 2), *db16 = dev_bytes(b16, nb * 2 + 2);
                    cpu->matmul_bf16(c, a, NULL, b, NULL, m, n, k, ta, tb, 0.75f, 0.5f);
                    copies_reset();
                    gpu->matmul_bf16(dc, given & 1 ? NULL : da, given & 1 ? da16 : NULL, given & 2 ? NULL : db, given & 2 ? db16 : NULL, m,
                                     n, k, ta, tb, 0.75f, 0.5f);
                    NO_COPIES("matmul_bf16", 0);
                    char name[96];
                    snprintf(name, sizeof name, "matmul_bf16 %dx%dx%d ta=%d tb=%d given=%d", m, n, k, ta, tb, given);
                    compare_dev(name, dc, c, (size_t)m * n, 1e-6, 2e-6 * sqrt(k + 1));
                    gpu->free(da), gpu->free(db), gpu->free(dc), gpu->free(da16), gpu->free(db16);
                    free(a), free(b), free(c), free(a16), free(b16);
                }
}

/* linear_f32 and linear_bf16: few tokens (the row kernel; bf16 rows of a
 * multiple of 8 the 16-byte one), many (cuBLAS) */
static void check_linear(int in) {
    printf("linear_f32, linear_bf16 (in %d)\n", in);
    int ns[] = {1, 5, 8, 9, 33}, out = 301;
    float *w = rnd((size_t)out * in, 1);
    uint16_t *wh = malloc((size_t)out * in * 2);
    cpu->to_bf16(wh, w, (size_t)out * in);
    float *dw = dev(w, (size_t)out * in);
    uint16_t *dwh = dev_bytes(wh, (size_t)out * in * 2);
    for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
        for (int bf = 0; bf < 2; bf++)
            for (int beta = 0; beta < 2; beta++) {
                int n = ns[a];
                float *x = rnd((size_t)n * in, 1), *y = rnd((size_t)n * out, 1);
                float *dx = dev(x, (size_t)n * in), *dy = dev(y, (size_t)n * out);
                copies_reset();
                if (bf) {
                    cpu->linear_bf16(y, x, wh, n, out, in, (float)beta);
                    gpu->linear_bf16(dy, dx, dwh, n, out, in, (float)beta);
                } else {
                    cpu->linear_f32(y, x, w, n, out, in, (float)beta);
                    gpu->linear_f32(dy, dx, dw, n, out, in, (float)beta);
                }
                NO_COPIES("linear", 0);
                char name[96];
                snprintf(name, sizeof name, "linear_%s n=%d in=%d beta=%d", bf ? "bf16" : "f32", n, in, beta);
                compare_dev(name, dy, y, (size_t)n * out, 1e-6, 2e-5);
                gpu->free(dx), gpu->free(dy), free(x), free(y);
            }
    gpu->free(dw), gpu->free(dwh), free(w), free(wh);
}

/* ---- element-wise and per-row ---- */
static void check_pointwise(void) {
    printf("add, scale, bias, fill_rows, swiglu, gelu, dropout, to_bf16\n");
    int n = 333, c = 77;
    size_t nn = (size_t)n * c;
    float *x = rnd(nn, 3), *y = rnd(nn, 1), *b = rnd(c, 1);
    float *dx = dev(x, nn), *dyv = dev(y, nn), *db = dev(b, c);
    copies_reset();
    cpu->add(y, x, nn), gpu->add(dyv, dx, nn);
    compare_dev("add", dyv, y, nn, 0, 0);
    cpu->scale(y, 0.3f, nn), gpu->scale(dyv, 0.3f, nn);
    compare_dev("scale", dyv, y, nn, 0, 0);
    copies_reset();
    cpu->bias_fwd(y, b, n, c), gpu->bias_fwd(dyv, db, n, c);
    NO_COPIES("bias_fwd", 0);
    compare_dev("bias_fwd", dyv, y, nn, 0, 0);
    cpu->fill_rows(y, b, n, c), gpu->fill_rows(dyv, db, n, c);
    compare_dev("fill_rows", dyv, y, nn, 0, 0);
    /* bias_bwd: into a nonzero gradient, rows in chunks (twice: the same bits) */
    {
        float *g = rnd(c, 1), *dg = dev(g, c), *dg2 = dev(g, c);
        cpu->bias_bwd(g, x, n, c);
        copies_reset();
        gpu->bias_bwd(dg, dx, n, c);
        NO_COPIES("bias_bwd", 0);
        gpu->bias_bwd(dg2, dx, n, c);
        compare_dev("bias_bwd (chunks of 32 rows)", dg, g, c, 1e-6, 1e-6);
        float *h1 = host_of(dg, c), *h2 = host_of(dg2, c);
        CHECK_MSG(memcmp(h1, h2, (size_t)c * 4) == 0, "bias_bwd: two runs differ");
        printf("  bias_bwd: %s the CPU's bits\n", memcmp(h1, g, (size_t)c * 4) == 0 ? "exactly" : "not exactly");
        free(h1), free(h2), free(g), gpu->free(dg), gpu->free(dg2);
    }
    /* SwiGLU, GELU forward and backward */
    {
        float *g = rnd(nn, 5), *u = rnd(nn, 2), *dh = rnd(nn, 1), *h = malloc(nn * 4), *dgr = malloc(nn * 4), *dur = malloc(nn * 4);
        float *d_g = dev(g, nn), *d_u = dev(u, nn), *d_dh = dev(dh, nn), *d_h = gpu->alloc(nn * 4), *d_dg = gpu->alloc(nn * 4),
              *d_du = gpu->alloc(nn * 4);
        copies_reset();
        cpu->swiglu_fwd(h, g, u, nn), gpu->swiglu_fwd(d_h, d_g, d_u, nn);
        cpu->swiglu_bwd(dgr, dur, dh, g, u, nn), gpu->swiglu_bwd(d_dg, d_du, d_dh, d_g, d_u, nn);
        NO_COPIES("swiglu", 0);
        compare_dev("swiglu_fwd", d_h, h, nn, 0, 1e-6);
        compare_dev("swiglu_bwd dg", d_dg, dgr, nn, 0, 1e-6);
        compare_dev("swiglu_bwd du", d_du, dur, nn, 0, 1e-6);
        copies_reset();
        cpu->gelu_fwd(h, g, nn), gpu->gelu_fwd(d_h, d_g, nn);
        cpu->gelu_bwd(dgr, dh, g, nn), gpu->gelu_bwd(d_dg, d_dh, d_g, nn);
        NO_COPIES("gelu", 0);
        compare_dev("gelu_fwd", d_h, h, nn, 0, 1e-6);
        compare_dev("gelu_bwd", d_dg, dgr, nn, 0, 1e-6);
        /* dropout: the same mask as the CPU's, bit for bit; backward redraws it */
        copies_reset();
        cpu->dropout_fwd(h, g, nn, 0.3f, 12345), gpu->dropout_fwd(d_h, d_g, nn, 0.3f, 12345);
        cpu->dropout_bwd(dgr, dh, nn, 0.3f, 12345), gpu->dropout_bwd(d_dg, d_dh, nn, 0.3f, 12345);
        NO_COPIES("dropout", 0);
        compare_dev("dropout_fwd (the CPU's mask)", d_h, h, nn, 0, 0);
        compare_dev("dropout_bwd", d_dg, dgr, nn, 0, 0);
        free(g), free(u), free(dh), free(h), free(dgr), free(dur);
        gpu->free(d_g), gpu->free(d_u), gpu->free(d_dh), gpu->free(d_h), gpu->free(d_dg), gpu->free(d_du);
    }
    /* bf16 rounding: the CPU's bits, specials included */
    {
        float sp[] = {1.0f, 1.00390625f, 1.01171875f, -2.5f, 3.4e38f, -0.0f, INFINITY, NAN, 1e-40f};
        float *v = malloc((nn + 9) * 4);
        memcpy(v, sp, sizeof sp);
        memcpy(v + 9, x, nn * 4);
        uint16_t *hc = malloc((nn + 9) * 2), *hg = malloc((nn + 9) * 2);
        float *dv = dev(v, nn + 9);
        uint16_t *dh16 = gpu->alloc((nn + 9) * 2);
        cpu->to_bf16(hc, v, nn + 9);
        copies_reset();
        gpu->to_bf16(dh16, dv, nn + 9);
        NO_COPIES("to_bf16", 0);
        gpu->download(hg, dh16, (nn + 9) * 2);
        CHECK_MSG(memcmp(hc, hg, (nn + 9) * 2) == 0, "to_bf16 differs from the CPU's");
        printf("  to_bf16: %s\n", memcmp(hc, hg, (nn + 9) * 2) == 0 ? "the CPU's bits" : "FAIL");
        free(v), free(hc), free(hg), gpu->free(dv), gpu->free(dh16);
    }
    gpu->free(dx), gpu->free(dyv), gpu->free(db), free(x), free(y), free(b);
}

/* ---- norms ---- */
static void check_norms(void) {
    printf("rmsnorm, layernorm\n");
    int shapes[][2] = {{37, 75}, {300, 768}, {5, 4096}, {1000, 64}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int n = shapes[s][0], c = shapes[s][1];
        size_t nn = (size_t)n * c;
        float *x = rnd(nn, 2), *w = rnd(c, 1), *bb = rnd(c, 1), *dy = rnd(nn, 1);
        float *y = malloc(nn * 4), *rstd = malloc(n * 4), *mean = malloc(n * 4), *dx = malloc(nn * 4), *dw = rnd(c, 1), *dbv = rnd(c, 1);
        float *d_x = dev(x, nn), *d_w = dev(w, c), *d_b = dev(bb, c), *d_dy = dev(dy, nn), *d_y = gpu->alloc(nn * 4);
        float *d_rstd = gpu->alloc(n * 4), *d_mean = gpu->alloc(n * 4), *d_dx = gpu->alloc(nn * 4), *d_dw = dev(dw, c), *d_db = dev(dbv, c);
        float *d_dw2 = dev(dw, c);
        char name[96];
        copies_reset();
        cpu->rmsnorm_fwd(y, rstd, x, w, n, c, 1e-5f), gpu->rmsnorm_fwd(d_y, d_rstd, d_x, d_w, n, c, 1e-5f);
        NO_COPIES("rmsnorm_fwd", 0);
        snprintf(name, sizeof name, "rmsnorm_fwd %dx%d", n, c), compare_dev(name, d_y, y, nn, 0, 2e-6);
        snprintf(name, sizeof name, "rmsnorm_fwd rstd %dx%d", n, c), compare_dev(name, d_rstd, rstd, n, 0, 2e-6);
        gpu->upload(d_rstd, rstd, n * 4); /* the backward from the same inputs */
        copies_reset();
        cpu->rmsnorm_bwd(dx, dw, dy, x, w, rstd, n, c), gpu->rmsnorm_bwd(d_dx, d_dw, d_dy, d_x, d_w, d_rstd, n, c);
        NO_COPIES("rmsnorm_bwd", 0);
        snprintf(name, sizeof name, "rmsnorm_bwd dx %dx%d", n, c), compare_dev(name, d_dx, dx, nn, 0, 2e-6);
        snprintf(name, sizeof name, "rmsnorm_bwd dw %dx%d", n, c), compare_dev(name, d_dw, dw, c, 0, 1e-6);
        { /* deterministic: the same bits again (d_dw2 started as d_dw did) */
            gpu->rmsnorm_bwd(d_dx, d_dw2, d_dy, d_x, d_w, d_rstd, n, c);
            float *a = host_of(d_dw, c), *a2 = host_of(d_dw2, c);
            CHECK_MSG(memcmp(a, a2, (size_t)c * 4) == 0, "rmsnorm_bwd dw: two runs differ");
            printf("  rmsnorm_bwd dw: %s the CPU's bits\n", memcmp(a, dw, (size_t)c * 4) == 0 ? "exactly" : "not exactly");
            free(a), free(a2);
        }
        copies_reset();
        cpu->layernorm_fwd(y, mean, rstd, x, w, bb, n, c, 1e-12f), gpu->layernorm_fwd(d_y, d_mean, d_rstd, d_x, d_w, d_b, n, c, 1e-12f);
        NO_COPIES("layernorm_fwd", 0);
        snprintf(name, sizeof name, "layernorm_fwd %dx%d", n, c), compare_dev(name, d_y, y, nn, 1e-6, 5e-6);
        gpu->upload(d_mean, mean, n * 4), gpu->upload(d_rstd, rstd, n * 4);
        copies_reset();
        cpu->layernorm_bwd(dx, dw, dbv, dy, x, w, mean, rstd, n, c);
        gpu->layernorm_bwd(d_dx, d_dw, d_db, d_dy, d_x, d_w, d_mean, d_rstd, n, c);
        NO_COPIES("layernorm_bwd", 0);
        snprintf(name, sizeof name, "layernorm_bwd dx %dx%d", n, c), compare_dev(name, d_dx, dx, nn, 0, 5e-6);
        snprintf(name, sizeof name, "layernorm_bwd dw %dx%d", n, c), compare_dev(name, d_dw, dw, c, 0, 1e-6);
        snprintf(name, sizeof name, "layernorm_bwd db %dx%d", n, c), compare_dev(name, d_db, dbv, c, 0, 1e-6);
        free(x), free(w), free(bb), free(dy), free(y), free(rstd), free(mean), free(dx), free(dw), free(dbv);
        float *ds[] = {d_x, d_w, d_b, d_dy, d_y, d_rstd, d_mean, d_dx, d_dw, d_db, d_dw2};
        for (size_t i = 0; i < sizeof ds / sizeof *ds; i++) gpu->free(ds[i]);
    }
}

/* ---- RoPE: large positions, head sizes 64 and 128 ---- */
static void check_rope(void) {
    printf("rope\n");
    int cfg[][3] = {{37, 4, 64}, {20, 3, 128}, {9, 2, 8}};
    for (size_t s = 0; s < sizeof cfg / sizeof *cfg; s++) {
        int n = cfg[s][0], h = cfg[s][1], d = cfg[s][2];
        size_t nn = (size_t)n * h * d;
        int32_t *pos = malloc(n * 4);
        for (int i = 0; i < n; i++) pos[i] = i == n - 1 ? 4095 : i * 37 % 2048;
        float *x = rnd(nn, 1), *dx = dev(x, nn);
        int32_t *dpos = dev_bytes(pos, n * 4);
        char name[64];
        copies_reset();
        cpu->rope_fwd(x, pos, n, h, d, 10000), gpu->rope_fwd(dx, dpos, n, h, d, 10000);
        NO_COPIES("rope_fwd", 0);
        snprintf(name, sizeof name, "rope_fwd n=%d h=%d d=%d", n, h, d), compare_dev(name, dx, x, nn, 1e-6, 2e-6);
        cpu->rope_bwd(x, pos, n, h, d, 500000), gpu->rope_bwd(dx, dpos, n, h, d, 500000);
        snprintf(name, sizeof name, "rope_bwd n=%d h=%d d=%d", n, h, d), compare_dev(name, dx, x, nn, 1e-6, 2e-6);
        free(pos), free(x), gpu->free(dx), gpu->free(dpos);
    }
}

/* ---- attention, forward and backward ---- */
static void check_attention(int b, int t, int hq, int hkv, int d, int causal, int segments, int padding) {
    size_t nq = (size_t)b * t * hq * d, nk = (size_t)b * t * hkv * d, nl = (size_t)b * hq * t;
    float *q = rnd(nq, 1), *k = rnd(nk, 1), *v = rnd(nk, 1), *dout = rnd(nq, 1);
    float *o = malloc(nq * 4), *lse = malloc(nl * 4), *dq = malloc(nq * 4), *dk = malloc(nk * 4), *dv = malloc(nk * 4);
    int32_t *seg = malloc((size_t)b * t * 4);
    uint8_t *valid = malloc((size_t)b * t);
    for (int i = 0; i < b * t; i++) {
        int p = i % t;
        seg[i] = p < t / 3 ? 0 : p < t / 2 ? 1 : 2; /* three documents */
        /* padding at the end, more in later sequences; the second also
         * starts with one, so that causally its first query sees nothing */
        valid[i] = !(padding && (p >= t - 1 - (i / t) * 5 || (p == 0 && i / t == 1)));
    }
    cn_attn_mask mk = {causal, segments ? seg : NULL, padding ? valid : NULL};
    cpu->attn_fwd(o, lse, q, k, v, b, t, hq, hkv, d, &mk);
    cpu->attn_bwd(dq, dk, dv, dout, q, k, v, o, lse, b, t, hq, hkv, d, &mk);

    float *d_q = dev(q, nq), *d_k = dev(k, nk), *d_v = dev(v, nk), *d_do = dev(dout, nq), *d_o = gpu->alloc(nq * 4), *d_l = gpu->alloc(nl * 4);
    float *d_dq = gpu->alloc(nq * 4), *d_dk = gpu->alloc(nk * 4), *d_dv = gpu->alloc(nk * 4);
    int32_t *d_seg = dev_bytes(seg, (size_t)b * t * 4);
    uint8_t *d_valid = dev_bytes(valid, (size_t)b * t);
    cn_attn_mask dmk = {causal, segments ? d_seg : NULL, padding ? d_valid : NULL};
    char name[160], what[96];
    snprintf(what, sizeof what, "b=%d t=%d hq=%d hkv=%d d=%d%s%s%s", b, t, hq, hkv, d, causal ? " causal" : "", segments ? " segments" : "",
             padding ? " padding" : "");
    copies_reset();
    gpu->attn_fwd(d_o, d_l, d_q, d_k, d_v, b, t, hq, hkv, d, &dmk);
    NO_COPIES("attn_fwd", 0);
    snprintf(name, sizeof name, "attn_fwd %s", what), compare_dev(name, d_o, o, nq, 1e-6, 2e-5);
    {
        float *hl = host_of(d_l, nl);
        double m = 0;
        int inf_same = 1;
        for (size_t i = 0; i < nl; i++) {
            if (isinf(lse[i]) || isinf(hl[i])) inf_same &= lse[i] == hl[i];
            else m = fmax(m, fabs(hl[i] - lse[i]));
        }
        CHECK_MSG(inf_same && m < 1e-4, "attn lse %s: off by %.3g, +inf rows %s", what, m, inf_same ? "same" : "differ");
        printf("  %-44s max|diff| %.3g, +inf rows %s\n", "attn lse", m, inf_same ? "the same" : "DIFFER");
        free(hl);
    }
    /* the backward from the CPU's forward (o, lse), as the model gives it */
    gpu->upload(d_o, o, nq * 4), gpu->upload(d_l, lse, nl * 4);
    copies_reset();
    gpu->attn_bwd(d_dq, d_dk, d_dv, d_do, d_q, d_k, d_v, d_o, d_l, b, t, hq, hkv, d, &dmk);
    NO_COPIES("attn_bwd", 0);
    snprintf(name, sizeof name, "attn_bwd dq %s", what), compare_dev(name, d_dq, dq, nq, 1e-6, 5e-5);
    snprintf(name, sizeof name, "attn_bwd dk %s", what), compare_dev(name, d_dk, dk, nk, 1e-6, 5e-5);
    snprintf(name, sizeof name, "attn_bwd dv %s", what), compare_dev(name, d_dv, dv, nk, 1e-6, 5e-5);
    {   /* deterministic: the same bits again */
        float *a = host_of(d_dk, nk), *a2 = host_of(d_dq, nq);
        gpu->attn_bwd(d_dq, d_dk, d_dv, d_do, d_q, d_k, d_v, d_o, d_l, b, t, hq, hkv, d, &dmk);
        float *c = host_of(d_dk, nk), *c2 = host_of(d_dq, nq);
        CHECK_MSG(memcmp(a, c, nk * 4) == 0 && memcmp(a2, c2, nq * 4) == 0, "attn_bwd %s: two runs differ", what);
        free(a), free(c), free(a2), free(c2);
    }
    free(q), free(k), free(v), free(dout), free(o), free(lse), free(dq), free(dk), free(dv), free(seg), free(valid);
    float *ds[] = {d_q, d_k, d_v, d_do, d_o, d_l, d_dq, d_dk, d_dv};
    for (size_t i = 0; i < sizeof ds / sizeof *ds; i++) gpu->free(ds[i]);
    gpu->free(d_seg), gpu->free(d_valid);
}

/* cached attention: n new queries at past.. over the cache */
static void check_attn_cached(int past, int n, int hq, int hkv, int d) {
    int t = past + n;
    size_t qs = (size_t)hq * d, ks = (size_t)hkv * d;
    float *q = rnd(n * qs, 1), *kc = rnd(t * ks, 1), *vc = rnd(t * ks, 1), *o = malloc(n * qs * 4);
    float *d_q = dev(q, n * qs), *d_k = dev(kc, t * ks), *d_v = dev(vc, t * ks), *d_o = gpu->alloc(n * qs * 4);
    cpu->attn_cached_fwd(o, q, kc, vc, n, past, hq, hkv, d);
    copies_reset();
    gpu->attn_cached_fwd(d_o, d_q, d_k, d_v, n, past, hq, hkv, d);
    NO_COPIES("attn_cached_fwd", 0);
    char name[96];
    snprintf(name, sizeof name, "attn_cached_fwd past=%d n=%d hq=%d hkv=%d d=%d", past, n, hq, hkv, d);
    compare_dev(name, d_o, o, n * qs, 1e-6, 2e-5);
    free(q), free(kc), free(vc), free(o), gpu->free(d_q), gpu->free(d_k), gpu->free(d_v), gpu->free(d_o);
}

/* ---- embedding ---- */
static void check_embed(void) {
    printf("embed\n");
    int n = quick ? 300 : 4099, c = 131, vocab = 1000;
    int32_t *ids = malloc(n * 4);
    for (int i = 0; i < n; i++) ids[i] = i % 7 == 0 ? 5 : (int)((urand() + 1) * 0.5 * vocab) % vocab; /* id 5 often */
    float *table = rnd((size_t)vocab * c, 1), *out = rnd((size_t)n * c, 1), *dt = rnd((size_t)vocab * c, 1);
    float *d_table = dev(table, (size_t)vocab * c), *d_out = dev(out, (size_t)n * c), *d_dt = dev(dt, (size_t)vocab * c),
          *d_dt2 = dev(dt, (size_t)vocab * c);
    int32_t *d_ids = dev_bytes(ids, n * 4);
    copies_reset();
    cpu->embed_fwd(out, table, ids, n, c, 1), gpu->embed_fwd(d_out, d_table, d_ids, n, c, 1);
    NO_COPIES("embed_fwd", 0);
    compare_dev("embed_fwd accumulate", d_out, out, (size_t)n * c, 0, 0);
    cpu->embed_fwd(out, table, ids, n, c, 0), gpu->embed_fwd(d_out, d_table, d_ids, n, c, 0);
    compare_dev("embed_fwd", d_out, out, (size_t)n * c, 0, 0);
    float *grad = rnd((size_t)n * c, 1), *d_grad = dev(grad, (size_t)n * c);
    cpu->embed_bwd(dt, grad, ids, n, c, vocab);
    copies_reset();
    gpu->embed_bwd(d_dt, d_grad, d_ids, n, c, vocab);
    NO_COPIES("embed_bwd", 0);
    gpu->embed_bwd(d_dt2, d_grad, d_ids, n, c, vocab);
    compare_dev("embed_bwd (sorted runs, the CPU's order)", d_dt, dt, (size_t)vocab * c, 0, 1e-6);
    float *h1 = host_of(d_dt, (size_t)vocab * c), *h2 = host_of(d_dt2, (size_t)vocab * c);
    CHECK_MSG(memcmp(h1, h2, (size_t)vocab * c * 4) == 0, "embed_bwd: two runs differ");
    printf("  embed_bwd: %s the CPU's bits\n", memcmp(h1, dt, (size_t)vocab * c * 4) == 0 ? "exactly" : "not exactly");
    /* bf16 table */
    uint16_t *tb = malloc((size_t)vocab * c * 2);
    cpu->to_bf16(tb, table, (size_t)vocab * c);
    uint16_t *d_tb = dev_bytes(tb, (size_t)vocab * c * 2);
    cpu->embed_bf16_fwd(out, tb, ids, n, c), gpu->embed_bf16_fwd(d_out, d_tb, d_ids, n, c);
    compare_dev("embed_bf16_fwd", d_out, out, (size_t)n * c, 0, 0);
    free(ids), free(table), free(out), free(dt), free(grad), free(h1), free(h2), free(tb);
    gpu->free(d_table), gpu->free(d_out), gpu->free(d_dt), gpu->free(d_dt2), gpu->free(d_ids), gpu->free(d_grad), gpu->free(d_tb);
}

/* ---- cross-entropy ---- */
static void check_xent(int n, int v) {
    size_t nn = (size_t)n * v;
    float *x = rnd(nn, 4), *loss = malloc(n * 4);
    int32_t *tg = malloc(n * 4);
    for (int i = 0; i < n; i++) tg[i] = i % 5 == 3 ? -100 : (int)((urand() + 1) * 0.5 * v) % v;
    /* masked logits (-inf), first in some threads' runs: they add nothing */
    for (int i = 1; i < n; i += 4)
        for (int j = 0; j < 300 && j < v; j += 1 + j % 3)
            if (j != tg[i]) x[(size_t)i * v + j] = -INFINITY;
    float *d_x = dev(x, nn), *d_loss = gpu->alloc(n * 4);
    int32_t *d_tg = dev_bytes(tg, n * 4);
    char name[96];
    /* the losses alone: the same losses, the logits untouched */
    double want_fwd = cpu->xent_fwd(x, loss, tg, n, v);
    copies_reset();
    double got_fwd = gpu->xent_fwd(d_x, d_loss, d_tg, n, v);
    NO_COPIES("xent_fwd", 1);
    snprintf(name, sizeof name, "xent_fwd n=%d v=%d loss", n, v), compare_dev(name, d_loss, loss, n, 1e-6, 2e-6);
    float *kept = host_of(d_x, nn);
    CHECK_MSG(memcmp(kept, x, nn * 4) == 0, "xent_fwd n=%d v=%d changed the logits", n, v);
    free(kept);
    CHECK_MSG(fabs(got_fwd - want_fwd) <= 1e-5 * fabs(want_fwd) + 1e-6, "xent_fwd sum %.9g, CPU %.9g", got_fwd, want_fwd);
    double want = cpu->xent_fwd_bwd(x, loss, tg, n, v, 1.0f / n);
    copies_reset();
    double got = gpu->xent_fwd_bwd(d_x, d_loss, d_tg, n, v, 1.0f / n);
    NO_COPIES("xent_fwd_bwd", 1);
    snprintf(name, sizeof name, "xent n=%d v=%d loss", n, v), compare_dev(name, d_loss, loss, n, 1e-6, 2e-6);
    snprintf(name, sizeof name, "xent n=%d v=%d gradient", n, v), compare_dev(name, d_x, x, nn, 1e-9, 1e-5);
    CHECK_MSG(fabs(got - want) <= 1e-5 * fabs(want) + 1e-6, "xent sum %.9g, CPU %.9g", got, want);
    printf("  %-44s %.9g (CPU %.9g)\n", "xent sum of losses", got, want);
    free(x), free(loss), free(tg), gpu->free(d_x), gpu->free(d_loss), gpu->free(d_tg);
}

/* ---- AdamW, sum of squares ---- */
static void check_optim(void) {
    printf("adamw, sumsq\n");
    size_t n = quick ? 10007 : 1000003;
    float *p = rnd(n, 1), *g = rnd(n, 0.1), *m = rnd(n, 0.01), *v = rnd(n, 0.001);
    for (size_t i = 0; i < n; i++) v[i] = fabsf(v[i]);
    float *d_p = dev(p, n), *d_g = dev(g, n), *d_m = dev(m, n), *d_v = dev(v, n);
    for (int step = 1; step <= 3; step++) {
        cpu->adamw(p, g, m, v, n, 3e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, step);
        copies_reset();
        gpu->adamw(d_p, d_g, d_m, d_v, n, 3e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, step);
        NO_COPIES("adamw", 0);
    }
    compare_dev("adamw p after 3 steps", d_p, p, n, 0, 1e-6);
    compare_dev("adamw m", d_m, m, n, 0, 1e-6);
    compare_dev("adamw v", d_v, v, n, 0, 1e-6);
    {
        float *hp = host_of(d_p, n);
        printf("  adamw: %s the CPU's bits\n", memcmp(hp, p, n * 4) == 0 ? "exactly" : "not exactly");
        free(hp);
    }
    double want = cpu->sumsq(p, n);
    copies_reset();
    double got = gpu->sumsq(d_p, n), again = gpu->sumsq(d_p, n);
    NO_COPIES("sumsq", 2);
    CHECK_MSG(fabs(got - want) <= 1e-12 * want && got == again, "sumsq %.17g, CPU %.17g, again %.17g", got, want, again);
    printf("  %-44s %.17g (CPU %.17g)\n", "sumsq", got, want);
    free(p), free(g), free(m), free(v), gpu->free(d_p), gpu->free(d_g), gpu->free(d_m), gpu->free(d_v);
}

int main(void) {
    const char *q = getenv("CN_TEST_QUICK");
    quick = q && strcmp(q, "1") == 0;
    tol_scale_init("test_ops_cuda");
    cuda_test_init("test_ops_cuda");
    check_memory();
    check_matmul();
    check_matmul_bf16();
    check_linear(200);
    check_linear(203);
    check_pointwise();
    check_norms();
    check_rope();
    printf("attention\n");
    check_attention(2, 67, 4, 2, 64, 1, 0, 0);  /* GQA, T not a multiple of the tile */
    check_attention(1, 130, 8, 2, 128, 1, 1, 0); /* head size 128, packed documents */
    check_attention(2, 50, 3, 3, 64, 0, 0, 1);  /* BERT: bidirectional, padding */
    check_attention(2, 33, 2, 2, 40, 0, 1, 1);  /* an odd head size, segments and padding */
    check_attention(1, 17, 6, 2, 8, 1, 0, 0);   /* tiny heads */
    check_attention(2, 45, 4, 2, 32, 1, 0, 1);  /* a query that sees nothing: lse +inf, output 0 */
    if (!quick) {
        check_attention(1, 200, 4, 1, 128, 1, 1, 1); /* every mask, one key head */
        check_attention(1, 70, 2, 1, 256, 1, 0, 0);  /* head size 256: 32 x 32 tiles */
        check_attention(2, 300, 4, 4, 16, 1, 0, 0);
        check_attention(1, 257, 2, 2, 64, 0, 0, 0);
    }
    check_attn_cached(0, 9, 4, 2, 64);
    check_attn_cached(37, 1, 4, 2, 64);
    check_attn_cached(100, 5, 8, 8, 128);
    check_attn_cached(63, 2, 6, 3, 40);
    check_embed();
    printf("xent\n");
    check_xent(37, 1001);
    check_xent(quick ? 8 : 64, 32000);
    check_optim();
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_done();
}
