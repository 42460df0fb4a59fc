/* gen: text generation with LLaMA-class models (config.h's CN_ARCH_LLAMA).
 *
 * A decoder (cn_gen) holds the weights it reads, a KV cache and the tokens
 * in it. A prompt goes through in one pass (its tokens' products are matrix
 * products), then one token a step, each at its absolute position (RoPE),
 * its keys and values appended to the cache; attention is grouped-query over
 * the cached positions. The matrices are fp32 or bf16 (half the bytes a
 * token reads; products still sum in fp32).
 *
 * Sampling follows transformers' generate: the repetition penalty, then
 * min_new_tokens, then (sampling only) temperature, top-k, top-p, in that
 * order; greedy is the argmax of the processed logits.
 *
 * Text is streamed as it becomes complete: a token's text is emitted once
 * the characters it ends with are whole (bytes of one character may come in
 * several byte-fallback tokens) and once it cannot be the start of a stop
 * string; a stop string ends the text before it.
 *
 * Dimensions: L layers, T cache positions, N tokens of a pass, C channels,
 * F MLP width, V vocab, Hq / Hkv heads, D head size, KV = Hkv x D. */
#ifndef CN_GEN_H
#define CN_GEN_H
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "log.h"
#include "model.h"
#include "ops.h"
#include "rng.h"
#include "tok.h"

typedef enum { CN_GEN_F32 = 0, CN_GEN_BF16 = 1 } cn_gen_dtype;

typedef struct cn_gen cn_gen;

/* A decoder over a LLaMA model's weights with a cache of max_t positions
 * (0: max_position_embeddings; at most that). fp32: the model's weights are
 * used in place, so m must outlive the decoder and not change under it;
 * bf16: the decoder keeps its own copy (matrices rounded to nearest even,
 * norms fp32) and m may be freed. LoRA adapters must be merged first. NULL
 * with cn_errmsg() on error (not a LLaMA, unmerged adapters, max_t out of
 * range, memory). */
cn_gen *cn_gen_new(const cn_model *m, int max_t, cn_gen_dtype dt);
/* A decoder whose weights come from a checkpoint (safetensors file, index or
 * directory, F32/F16/BF16 tensors by HF name) for config c, stored in dt
 * (bf16 tensors of a bf16 checkpoint are kept bit for bit), no cn_model in
 * between: only the weights and the cache are allocated. NULL with
 * cn_errmsg() on error ("PATH: tensor 'NAME' missing", a shape that is not
 * the config's, memory). */
cn_gen *cn_gen_load(const cn_config *c, const cn_ops *ops, const char *path, int max_t, cn_gen_dtype dt);
void cn_gen_free(cn_gen *g);

const cn_config *cn_gen_config(const cn_gen *g);
/* Positions the cache holds now, and at most. */
int cn_gen_len(const cn_gen *g);
int cn_gen_capacity(const cn_gen *g);
/* The tokens in the cache (cn_gen_len of them; owned by g, valid until the
 * next feed or rewind). */
const int32_t *cn_gen_tokens(const cn_gen *g);
/* Bytes of weights one token reads: every matrix of the layers and the head
 * (not the embedding table, of which it reads one row). */
uint64_t cn_gen_weight_bytes(const cn_gen *g);
/* Forgets the cache from position n on (n <= cn_gen_len): the next token
 * fed goes at position n. */
void cn_gen_rewind(cn_gen *g, int n);

enum {
    CN_GEN_ALL_LOGITS = 1, /* logits of every token fed, [N, V], not only the last */
};

/* Runs n tokens through the model at positions len .. len+n-1, appending
 * their keys and values to the cache; a long run goes through in chunks.
 * With logits != NULL writes (host) the logits of the last token [V], or of
 * all n [N, V] with CN_GEN_ALL_LOGITS. CN_ERANGE (cache unchanged) for an
 * id outside the vocabulary or more tokens than the cache has room for. */
cn_status cn_gen_feed(cn_gen *g, const int32_t *ids, int n, float *logits, int flags);

/* ---- sampling: logits processors on host logits [V], in place ---- */

/* HF's RepetitionPenaltyLogitsProcessor: the logit of every token present in
 * ctx (once, however often it appears) is divided by penalty when positive,
 * multiplied by it when negative. */
void cn_gen_repetition_penalty(float *logits, int v, const int32_t *ctx, size_t n, float penalty);
/* logits / t (t > 0) */
void cn_gen_temperature(float *logits, int v, float t);
/* HF's TopKLogitsWarper: -inf for every logit below the k-th largest (ties
 * with it stay); k <= 0 or k >= v: nothing. CN_ENOMEM. */
cn_status cn_gen_top_k(float *logits, int v, int k);
/* HF's TopPLogitsWarper: keeps the most probable tokens, in order of logit
 * (ties: lower id first), while the probability of those before each is
 * below p, the first always; -inf for the rest. p >= 1: nothing; p <= 0:
 * the first alone. CN_ENOMEM. */
cn_status cn_gen_top_p(float *logits, int v, float p);
/* The largest logit's id (ties: the lowest id). */
int32_t cn_gen_argmax(const float *logits, int v);
/* A draw from softmax(logits) (-inf: never), by one uniform of r against the
 * cumulative sum in id order. */
int32_t cn_gen_draw(const float *logits, int v, cn_rng *r);

typedef struct {
    float temperature;        /* <= 0: greedy (argmax); otherwise sampling */
    int top_k;                /* sampling: keep the k most likely (0: off) */
    float top_p;              /* sampling: nucleus (0 or >= 1: off) */
    float repetition_penalty; /* 0 or 1: off (as HF, greedy too) */
    int min_new_tokens;       /* the stop tokens are masked until this many */
    int max_new_tokens;       /* at most this many (0: until the cache is full) */
    const int32_t *stop_ids;  /* tokens that end the text (EOS, end of turn) */
    int nstop_ids;
    const char *const *stop; /* strings that end the text, not included */
    int nstop;
} cn_gen_opts;

/* A zeroed cn_gen_opts is greedy decoding until the cache is full. */
/* The next token after logits (processed in place): opts' processors and
 * greedy or a draw from r; ctx (n tokens: prompt and generated so far) for
 * the repetition penalty, n_new (generated so far) for min_new_tokens. */
cn_status cn_gen_sample(float *logits, int v, const cn_gen_opts *o, const int32_t *ctx, size_t n, int n_new, cn_rng *r,
                        int32_t *next);

/* ---- streaming text ---- */

typedef struct cn_gen_stream cn_gen_stream;
/* Text for tokens pushed one at a time, with the tokenizer's decoder
 * (special tokens left out). ctx: the tokens just before the first one
 * pushed (the prompt's last few; n may be 0), so that the first piece keeps
 * a leading space the decoder would strip at the start of a text. stop:
 * strings that end the text (copied). NULL when out of memory. */
cn_gen_stream *cn_gen_stream_new(const cn_tok *tok, const int32_t *ctx, size_t n, const char *const *stop, int nstop);
void cn_gen_stream_free(cn_gen_stream *s);
/* Adds a token. *text, *len: the text complete now (owned by s, valid until
 * the next call; often empty). *stopped = 1 when a stop string completed:
 * the text is what came before it, and nothing follows. */
cn_status cn_gen_stream_push(cn_gen_stream *s, int32_t id, const char **text, size_t *len, int *stopped);
/* At the end: the text held back (an incomplete character as U+FFFD, the
 * start of a stop string that did not complete). */
cn_status cn_gen_stream_end(cn_gen_stream *s, const char **text, size_t *len);

/* ---- generation ---- */

typedef enum {
    CN_GEN_END_STOP_ID = 1, /* a stop token (EOS) was drawn */
    CN_GEN_END_STOP,        /* a stop string completed */
    CN_GEN_END_LENGTH,      /* max_new_tokens */
    CN_GEN_END_FULL,        /* the cache is full */
    CN_GEN_END_CALLER,      /* the callback asked to stop */
} cn_gen_end;

typedef struct {
    cn_gen_end end;
    int prompt;      /* prompt tokens */
    int reused;      /* of them, found in the cache already (not fed again) */
    int generated;   /* tokens drawn (a stop token included) */
    double prefill_s, decode_s;
} cn_gen_stats;

/* Called for every token drawn (id; -1 for the text flushed at the end)
 * with the text it completed (maybe empty); nonzero stops the generation. */
typedef int (*cn_gen_text_fn)(void *arg, int32_t id, const char *text, size_t len);

/* Generates a continuation of prompt (n >= 1 tokens): the cache keeps what
 * it shares with the prompt's start (a chat's earlier turns), the rest is
 * fed, then tokens are drawn until a stop token, a stop string,
 * max_new_tokens or a full cache. Text goes to fn as it completes, decoded
 * with tok; ctx_text: 1 to decode the first piece in the prompt's context
 * (a continuation), 0 alone (an answer, as HF decodes generated ids). r:
 * the sampling's random stream (unused when greedy). */
cn_status cn_gen_run(cn_gen *g, const cn_tok *tok, const int32_t *prompt, size_t n, const cn_gen_opts *o, cn_rng *r,
                     int ctx_text, cn_gen_text_fn fn, void *arg, cn_gen_stats *st);
#endif
