/* eval: log-likelihoods of continuations given contexts under a causal
 * language model (LLaMA), the numbers behind multiple-choice accuracy as
 * EleutherAI's lm-evaluation-harness computes it (its `loglikelihood`
 * requests): for a token sequence x[0..n) whose last k tokens are the
 * continuation,
 *
 *   ll = sum over i in [n-k, n) of log softmax(logits(x[0..i)))[x[i]]
 *
 * where logits(x[0..i)) is the model's next-token distribution after the
 * first i tokens. Many requests go through one forward: longest first, in
 * batches whose rows are as long as the batch's longest input (rounded up a
 * little, so that few batch shapes occur), several requests packed to a row
 * when they fit (a segment each, positions restarting at 0, attention within
 * the segment) or one to a row padded at its end; the log-softmax is taken
 * only at the rows that predict continuation tokens. Each choice is a
 * sequence of its own: a context shared by several requests is computed once
 * for each (sharing it would need a KV cache or a tree-shaped mask).
 *
 * A sequence longer than the model's window (max_position_embeddings, or
 * the sliding window when smaller) loses tokens from the left, as
 * lm-evaluation-harness truncates: the inputs are the last `window` tokens
 * before the final one, so the first tokens (the BOS with them) are dropped
 * and every continuation token still has a prediction. */
#ifndef CN_EVAL_H
#define CN_EVAL_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"
#include "model.h"

typedef struct {
    const uint32_t *ids; /* [n] the context, then the continuation (BOS, if any, included by the caller) */
    size_t n;            /* tokens in ids */
    size_t ncont;        /* the last ncont tokens are the continuation: 1 <= ncont < n */
} cn_eval_req;

typedef struct {
    double ll;     /* sum of the log-probabilities of the continuation's tokens */
    int greedy;    /* 1 when each continuation token is the most likely one (lm-eval's is_greedy) */
    size_t dropped; /* tokens dropped from the left to fit the window (0: none) */
} cn_eval_res;

typedef struct {
    int tokens; /* tokens per forward, B x T (0: 2048); never fewer than one longest sequence */
    int pad;    /* 1: one sequence per row, padded at its end, no segments; 0: packed */
    /* called after each forward with the requests done so far (may be NULL) */
    void (*progress)(void *arg, size_t done, size_t total);
    void *arg;
} cn_eval_opts;

/* The log-likelihood of each request's continuation under m (a LLaMA model
 * with its parameters loaded), into out[0..n). o may be NULL (defaults).
 * The batch shape of m is set here, batch by batch (cn_model_batch), and
 * left as the last one's. The same requests give the same bits; packed,
 * padded, other budgets and other thread counts agree to rounding.
 * Errors, before any forward: CN_EINVAL for a request without context or
 * continuation, or a model that is not LLaMA; CN_ERANGE for a token id
 * outside the vocabulary or a continuation longer than the window (the
 * message names the request's index); CN_ENOMEM. out is then unspecified. */
cn_status cn_eval_loglik(cn_model *m, const cn_eval_req *reqs, size_t n, const cn_eval_opts *o, cn_eval_res *out);

/* log softmax(row)[target] of one row of v logits, in double precision;
 * *is_max (may be NULL) is 1 when target is the row's first largest logit. */
double cn_eval_logprob(const float *row, int v, uint32_t target, int *is_max);

/* Accuracy-style statistics of k successes in n trials (n > 0): the mean,
 * lm-evaluation-harness's standard error (se) sqrt(p(1-p)/(n-1)) (0 when n == 1),
 * and the Wilson score interval at 95% (z = 1.959963984540054). */
typedef struct {
    double mean, se, lo, hi; /* se: the standard error; [lo, hi]: the interval */
} cn_eval_prop;
void cn_eval_proportion(double k, double n, cn_eval_prop *p);

#endif
