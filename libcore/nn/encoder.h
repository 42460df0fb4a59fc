/* encoder: texts to sentence vectors with a BERT-family model directory, as
 * sentence-transformers encodes with an e5 model: the prompt ("query: ",
 * "passage: ") put before the text, the tokenizer's [CLS] and [SEP] around
 * it, the tokens between them cut so that the whole fits the model's
 * positions, the last hidden states mean-pooled over the tokens and
 * L2-normalised (vec.h). Texts are batched by length (sorted, then padded
 * to the longest of each batch), so that padding costs little; the vectors
 * come back in the texts' order.
 *   N texts, D the model's hidden size */
#ifndef CN_ENCODER_H
#define CN_ENCODER_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"
#include "mdir.h"
#include "model.h"
#include "ops.h"

typedef struct cn_encoder cn_encoder;

/* Opens the model directory dir (config.json of a BERT model, its
 * safetensors, its tokenizer.json) on the backend ops. NULL on failure
 * (cn_errmsg): the directory's errors (mdir), CN_EFORMAT when the model is
 * not BERT-family, the tokenizer puts no [CLS]/[SEP] around a text, or
 * config_sentence_transformers.json is there but not a JSON object. */
cn_encoder *cn_encoder_open(const char *dir, const cn_ops *ops);
/* A new encoder of random weights (normal of deviation std, norms near one;
 * seed), for one to be trained from scratch: the shape of the BERT config.json
 * at config, the tokenizer.json at tokenizer; no prompts of its own. NULL on
 * failure, as cn_encoder_open. */
cn_encoder *cn_encoder_new(const char *config, const char *tokenizer, uint64_t seed, float std, const cn_ops *ops);
void cn_encoder_close(cn_encoder *e);
/* the vectors' dims (the hidden size) */
int cn_encoder_dim(const cn_encoder *e);
/* the directory's model and tokenizer, as opened */
const cn_mdir *cn_encoder_dir(const cn_encoder *e);
/* The prompt named name ("query", "passage") in the directory's
 * config_sentence_transformers.json (as cn-retrain writes it), or NULL when
 * the file or the name is not there (owned by e). */
const char *cn_encoder_prompt(const cn_encoder *e, const char *name);
/* the model itself (cn-retrain trains it) */
cn_model *cn_encoder_model(cn_encoder *e);
/* SHA-256 of the weights as loaded: each tensor's name (with its NUL) and
 * its fp32 values, in the model's order; the same whatever the file's
 * layout (one file or shards) or dtype on disk. What an index records to
 * refuse another encoder. CN_ENOMEM. */
cn_status cn_encoder_sha256(const cn_encoder *e, uint8_t out[32]);

/* Sequences a batch (default 32). */
void cn_encoder_set_batch(cn_encoder *e, int batch);
/* With n >= 1, cn_encoder_encode deals its batches to n model replicas (the
 * weights copied n - 1 times), one a thread, each thread's BLAS
 * single-threaded: the vectors are then the same bytes whatever n, where
 * one model on n threads gives OpenBLAS's n-thread sums (which differ in the
 * last bits). 0 (the default) goes back to the one model. The replicas hold
 * the weights as they are now: not for a model being trained. CN_EINVAL,
 * CN_ENOMEM. */
cn_status cn_encoder_set_replicas(cn_encoder *e, int n);
/* Called after each batch with the texts done so far of the n of a
 * cn_encoder_encode (a tool's progress line); NULL for none. */
typedef void (*cn_encoder_progress)(void *arg, size_t done, size_t n);
void cn_encoder_set_progress(cn_encoder *e, cn_encoder_progress fn, void *arg);

/* The vectors (N, D) of n texts (texts[i], lens[i] bytes of UTF-8), each
 * after prompt (NULL or ""): *truncated (may be NULL) receives how many were
 * cut to fit the model. Errors: a text that is not UTF-8 (CN_EFORMAT naming
 * its index), CN_ENOMEM; out is then undefined. */
cn_status cn_encoder_encode(cn_encoder *e, const char *prompt, const char *const *texts, const size_t *lens, size_t n, float *out,
                            size_t *truncated);

/* One text as a model's input row of t tokens (t at most the positions):
 * [CLS], the tokens of prompt + text cut to t - 2, [SEP], then padding
 * (id 0, valid 0). *cut (may be NULL) is 1 when it was cut. For a caller
 * batching its own rows (cn-retrain); one thread at a time. */
cn_status cn_encoder_row(cn_encoder *e, const char *prompt, const char *text, size_t n, int t, int32_t *ids, uint8_t *valid, int *cut);
#endif
