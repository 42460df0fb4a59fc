/* ops: the backend interface, every numeric kernel the transformer needs.
 * Model code calls these through a cn_ops table and never touches tensor
 * memory itself, so a GPU backend implements the same table. Each forward
 * op has its backward beside it, with the same argument order.
 *
 * Layouts: activations are row-major [N, C] with N = B x T tokens; q is
 * [N, Hq x D], k and v are [N, Hkv x D] (heads contiguous per token, as the
 * projections write them). Every reduction sums a fixed number of chunks in
 * index order, so results do not depend on the thread count or schedule.
 *
 * Every pointer an op takes is backend memory (from alloc), the integer
 * arrays (ids, positions, targets, the mask's segment and valid) too: the
 * caller uploads them. Only upload and download cross between host and
 * backend; xent_fwd_bwd and sumsq return their one number to the host.
 *
 * The CPU backend (ops_cpu.c) uses OpenBLAS sgemm for products and OpenMP
 * for the rest; its kernels are also built in double precision for the
 * finite-difference tests (ops_cpu_impl.h). */
#ifndef CN_OPS_H
#define CN_OPS_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"

/* attention masking */
typedef struct {
    int causal;             /* a query sees keys at or before it */
    const int32_t *segment; /* [N] or NULL: a query sees only keys of its segment (packed documents) */
    const uint8_t *valid;   /* [N] or NULL: keys with 0 are padding, never seen */
} cn_attn_mask;

typedef struct cn_ops {
    const char *name;
    /* memory of the backend (host memory on CPU) */
    void *(*alloc)(size_t bytes);
    void (*free)(void *p);
    void (*upload)(void *dst, const void *src, size_t bytes);
    void (*download)(void *dst, const void *src, size_t bytes);
    void (*zero)(void *p, size_t bytes);
    /* dst = src, both backend memory (a device-to-device copy on a GPU) */
    void (*copy)(void *dst, const void *src, size_t bytes);

    /* C[M,N] = alpha op(A) op(B) + beta C; op(A) is [M,K] (A^T when ta), op(B) [K,N] */
    void (*matmul)(float *c, const float *a, const float *b, int m, int n, int k, int ta, int tb, float alpha, float beta);
    /* Mixed precision's product: the same with A and B rounded to bf16
     * (nearest even) and fp32 sums, as bf16 tensor cores do (the products of
     * two bf16 are exact in fp32). An operand already in bf16 (a16 or b16
     * not NULL: a weight's copy, see cn_model_set_precision) is taken as it
     * is, and its float pointer is ignored. */
    void (*matmul_bf16)(float *c, const float *a, const uint16_t *a16, const float *b, const uint16_t *b16, int m, int n, int k,
                        int ta, int tb, float alpha, float beta);
    /* y[i] += x[i] */
    void (*add)(float *y, const float *x, size_t n);
    /* db[c] += sum over rows of dy[n, c] (a bias's gradient) */
    void (*bias_bwd)(float *db, const float *dy, int n, int c);
    /* y[n, c] += b[c] */
    void (*bias_fwd)(float *y, const float *b, int n, int c);
    /* y[n, c] = b[c] (a bias a product then adds into) */
    void (*fill_rows)(float *y, const float *b, int n, int c);

    /* RMSNorm (LLaMA): y = w * x / sqrt(mean(x^2) + eps); rstd[N] saved */
    void (*rmsnorm_fwd)(float *y, float *rstd, const float *x, const float *w, int n, int c, float eps);
    void (*rmsnorm_bwd)(float *dx, float *dw, const float *dy, const float *x, const float *w, const float *rstd, int n, int c);
    /* LayerNorm (BERT): y = (x - mean) / sqrt(var + eps) * w + b; mean, rstd saved */
    void (*layernorm_fwd)(float *y, float *mean, float *rstd, const float *x, const float *w, const float *b, int n, int c,
                          float eps);
    void (*layernorm_bwd)(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, const float *mean,
                          const float *rstd, int n, int c);

    /* RoPE, rotate-half form, in place on x [N, H x D] at per-token positions */
    void (*rope_fwd)(float *x, const int32_t *pos, int n, int h, int d, float theta);
    void (*rope_bwd)(float *dx, const int32_t *pos, int n, int h, int d, float theta);

    /* attention over B sequences of T tokens: o = softmax(q k^T / sqrt(D) + mask) v,
     * grouped-query (Hq a multiple of Hkv); lse [B, Hq, T] saved for the backward */
    void (*attn_fwd)(float *o, float *lse, const float *q, const float *k, const float *v, int b, int t, int hq, int hkv, int d,
                     const cn_attn_mask *mask);
    void (*attn_bwd)(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k, const float *v,
                     const float *o, const float *lse, int b, int t, int hq, int hkv, int d, const cn_attn_mask *mask);

    /* SwiGLU: h = silu(g) * u */
    void (*swiglu_fwd)(float *h, const float *g, const float *u, size_t n);
    void (*swiglu_bwd)(float *dg, float *du, const float *dh, const float *g, const float *u, size_t n);
    /* GELU, erf form */
    void (*gelu_fwd)(float *y, const float *x, size_t n);
    void (*gelu_bwd)(float *dx, const float *dy, const float *x, size_t n);

    /* out[i] (+)= table[ids[i]] (accumulate: add to out) */
    void (*embed_fwd)(float *out, const float *table, const int32_t *ids, int n, int c, int accumulate);
    /* dtable[ids[i]] += dout[i] */
    void (*embed_bwd)(float *dtable, const float *dout, const int32_t *ids, int n, int c, int vocab);

    /* softmax cross-entropy over logits [N, V] with targets (ignore: < 0):
     * loss[i] = logsumexp - logit[target]; the logits are overwritten by the
     * gradient of scale x sum(loss), never storing probabilities. Returns
     * the sum of the losses (double). */
    double (*xent_fwd_bwd)(float *logits, float *loss, const int32_t *targets, int n, int v, float scale);
    /* the same losses and sum, the logits left as they are (evaluation);
     * NULL on a backend without it: xent_fwd_bwd serves then */
    double (*xent_fwd)(const float *logits, float *loss, const int32_t *targets, int n, int v);

    /* AdamW as torch.optim.AdamW: p *= 1 - lr wd; m, v moments; step from 1 */
    void (*adamw)(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1, float beta2, float eps,
                  float wd, int64_t step);
    /* sum of squares (double, fixed chunks) */
    double (*sumsq)(const float *x, size_t n);
    /* x *= s */
    void (*scale)(float *x, float s, size_t n);

    /* inverted dropout (LoRA's input): y[i] = x[i] / (1 - p) where a hash of
     * (seed, i) keeps it, else 0; the backward redraws the same mask from the
     * seed, so nothing is stored. y may be x. */
    void (*dropout_fwd)(float *y, const float *x, size_t n, float p, uint64_t seed);
    void (*dropout_bwd)(float *dx, const float *dy, size_t n, float p, uint64_t seed);

    /* ---- decoding with a KV cache (gen.c) ----
     * Products of a few tokens with a weight matrix are bound by the bytes of
     * the weights, so they have their own ops, fp32 and bf16 (a bf16 weight is
     * the upper 16 bits of an fp32, as uint16_t; activations and sums stay
     * fp32). Each output is summed by one thread in a fixed order. */
    /* y[N, out] = x[N, in] W^T + beta y, W [out, in] fp32 (HF Linear) */
    void (*linear_f32)(float *y, const float *x, const float *w, int n, int out, int in, float beta);
    /* the same with W [out, in] bf16 */
    void (*linear_bf16)(float *y, const float *x, const uint16_t *w, int n, int out, int in, float beta);
    /* out[i] = table[ids[i]], table [V, C] bf16 */
    void (*embed_bf16_fwd)(float *out, const uint16_t *table, const int32_t *ids, int n, int c);
    /* dst[i] = bf16(src[i]), rounded to nearest even */
    void (*to_bf16)(uint16_t *dst, const float *src, size_t n);
    /* attention of n new queries q [N, Hq x D] at positions past..past+n-1
     * over a cache of past + n keys and values kc, vc [past + n, Hkv x D]:
     * query i sees keys 0..past+i (causal with an offset); grouped-query */
    void (*attn_cached_fwd)(float *o, const float *q, const float *kc, const float *vc, int n, int past, int hq, int hkv, int d);
    /* the kernel the bf16 products use on this machine: "avx512bf16",
     * "avx512" or "scalar" (the portable fallback, several times slower) on
     * the CPU, "cuda" on a GPU */
    const char *(*bf16_kernel)(void);
} cn_ops;

/* The CPU backend. */
const cn_ops *cn_ops_cpu(void);
/* Device names: "cpu", "cuda" (this rank's GPU: its local rank modulo the
 * GPUs, 0 when alone) or "cuda:N" (device N). cn_device_check: CN_EINVAL
 * when malformed. cn_backend: the ops of the device named (NULL: cpu); with
 * several ranks their gradients are then summed by NCCL. NULL on error, with
 * the reason in cn_errmsg(): a malformed name, a program built (or linked)
 * without the CUDA backend, a device that cannot be used (no driver, no such
 * GPU). */
cn_status cn_device_check(const char *spec);
const cn_ops *cn_backend(const char *spec);

#endif
