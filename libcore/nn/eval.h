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
#include "chat.h"
#include "shard.h"
#include "log.h"
#include "model.h"
#include "tok.h"

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

/* ---- multiple choice (eval_mc.c) ----
 * Questions as JSONL, {"question": Q, "choices": [C...], "answer": i}, each
 * scored as lm-evaluation-harness scores a multiple-choice task: a request
 * per choice, the choice's tokens the continuation of the prompt's, the
 * prediction the choice of the largest log-likelihood (acc) and of the
 * largest per byte of the choice (acc_norm), the first on ties. */
typedef struct {
    char *q;       /* the question (UTF-8, qlen bytes, NUL-terminated) */
    size_t qlen;
    char **ch;     /* [nch] the choices */
    size_t *chlen; /* [nch] their bytes */
    int nch, answer;
    uint64_t line; /* in the file */
    char *asked;   /* NULL, or the question as asked instead of "Question: Q"
                      (retrieved passages and the question: ragctx.h), owned */
    size_t askedlen;
} cn_mc_item;

typedef struct {
    const char *path; /* as given to cn_mc_read */
    cn_mc_item *v;
    size_t n, cap;
} cn_mc_set;

/* Reads at most limit questions (0: all) of path. Errors name the file and
 * line ("q.jsonl:3: answer 4 is out of range for 4 choices (0-based)"), and
 * a file with none is CN_EFORMAT; set is then empty. */
cn_status cn_mc_read(const char *path, uint64_t limit, cn_mc_set *set);
void cn_mc_free(cn_mc_set *set);

/* How questions become requests. The prompt is "Question: Q\nAnswer:" after
 * `shots` solved examples from dev ("Question: Q\nAnswer: A\n\n" each, drawn
 * without replacement, seeded by seed and the question's index, never the
 * question itself); each choice is [BOS] + the tokens of prompt + " " +
 * choice, its continuation the tokens after those it shares with the
 * prompt's. With chat, the examples and question are a conversation in the
 * template (cn_sft_encode's ids), the choice the text that continues it. */
typedef struct {
    cn_tok *tok;
    cn_tok_state **st;         /* [threads] encoding states (made when NULL) */
    int threads, flags;        /* cn_tok_encode_batch's */
    int64_t bos;               /* before each sequence; -1: none */
    uint32_t vocab;            /* the model's: ids beyond it are refused */
    int window;                /* the model's: a longer continuation is refused */
    const cn_mc_set *dev;      /* the examples, or NULL (shots 0) */
    int shots;
    uint64_t seed;
    int chat;                  /* prompts in the chat template tpl */
    cn_chat_template tpl;
    const char *bos_s, *eos_s; /* its BOS and EOS strings */
} cn_mc_opts;

/* the requests of questions [c0, c0 + nq) of a set: one per choice, in order */
typedef struct {
    size_t c0, nq, nr;
    size_t *shots;     /* [nq * shots] the examples' indices in dev */
    cn_eval_req *req;  /* [nr] */
    cn_eval_res *res;  /* [nr] for cn_eval_loglik to fill */
    uint32_t **seq;    /* [nr] the requests' tokens */
} cn_mc_chunk;

/* Builds ch's requests (ch->c0 and ch->nq set by the caller). Errors name
 * the file and line of the question; ch is then freed. */
cn_status cn_mc_chunk_build(const cn_mc_opts *o, const cn_mc_set *set, cn_mc_chunk *ch);
void cn_mc_chunk_free(cn_mc_chunk *ch);
/* The tokens of question qi's longest request (BOS, shots, prompt, choice),
 * as cn_mc_chunk_build makes it: what must fit the model's window. */
cn_status cn_mc_longest(const cn_mc_opts *o, const cn_mc_set *set, size_t qi, size_t *tokens);

/* The predictions for one question from its choices' results (res[nch]). */
typedef struct {
    int pred, pred_norm; /* by log-likelihood, by log-likelihood per byte */
    int truncated;       /* a choice lost tokens to the window */
} cn_mc_pred;
void cn_mc_predict(const cn_mc_item *it, const cn_eval_res *res, cn_mc_pred *p);

/* a file's tallies: correct predictions, the chance level's sum, truncated questions */
typedef struct {
    double acc, acc_norm, chance;
    size_t truncated;
} cn_mc_tally;
void cn_mc_tally_add(cn_mc_tally *t, const cn_mc_item *it, const cn_mc_pred *p);

/* ---- exact match (eval_exact.c) ----
 * An answer record as cn-rag chat writes it, {"messages": [..., {"role":
 * "assistant", "content": A}], "reference": R or [R...]} (or cn-rag ask's
 * {"answer": A, ...}: cn_eval_answer): hit when A equals one of the
 * references, both without white space at either end (SQuAD's exact match
 * before its normalisation); empty when A is. CN_EFORMAT naming where
 * ("FILE:LINE") for a record without an answer or a reference. */
cn_status cn_eval_exact(const cJSON *rec, const char *where, int *hit, int *empty);

/* ---- generated text against references (eval_gen.c) ----
 * The answer of a record: its "answer" string (cn-rag ask), else its last
 * message's content when that is the assistant's (cn-rag chat); the
 * references: "reference", a string or a non-empty list of strings (not
 * looked for when refs is NULL). CN_EFORMAT naming where otherwise. */
cn_status cn_eval_answer(const cJSON *rec, const char *where, const char **answer, const cJSON **refs);

/* Three scores of an answer against its references, each the best over
 * them. Words as the rouge-score package makes them: ASCII lowercased, every
 * run of other characters than [a-z0-9] a separator, no stemming.
 *   exact_match: the same words in the same order (two empty sides: 1);
 *   token_f1: SQuAD's F1 of the words' multisets (two empty sides: 1, one: 0);
 *   rouge_l: rouge-score's ROUGE-L F-measure, 2PR/(P+R) with P and R the
 *            longest common subsequence over the answer's and the
 *            reference's words (an empty side: 0). */
typedef struct {
    double exact_match, token_f1, rouge_l;
} cn_textsim;
cn_status cn_eval_textsim(const char *answer, const cJSON *refs, cn_textsim *out);

/* ---- the unigram baseline (eval_mc.c) ----
 * Token frequencies of training data with add-one smoothing over the
 * vocabulary: the loss a model with no context at all reaches. */
typedef struct {
    double *count; /* [vocab] */
    double total;
    uint32_t vocab;
} cn_unigram;
cn_status cn_unigram_init(cn_unigram *u, uint32_t vocab);
void cn_unigram_add(cn_unigram *u, const cn_doc *d);
/* adds the negative log-likelihood (nats) of d's tokens to *nll, token by
 * token; an id beyond the vocabulary counts as seen once */
void cn_unigram_score(const cn_unigram *u, const cn_doc *d, double *nll);
void cn_unigram_free(cn_unigram *u);

#endif
