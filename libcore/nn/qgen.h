/* qgen: queries written by a causal LM for passages, as ChipNeMo made its
 * retriever's training data (an LLM asked for a query a passage answers).
 *
 * Each passage goes into a prompt template at "{passage}", BOS first where
 * the tokenizer has one, tokenized whole (as cn-rag tokenizes a prompt);
 * when the prompt and max_new tokens would not fit the model's positions,
 * the template's two parts and the passage are tokenized apart and the
 * passage's tokens cut at the end. The query is the first line of the
 * greedy continuation (gen.h) with text in it, up to EOS or max_new tokens,
 * trimmed of white space; "" when nothing came.
 *
 * The decoders run one a thread over the one set of weights, each thread's
 * BLAS single-threaded: the queries are the same bytes whatever the thread
 * count. */
#ifndef CN_QGEN_H
#define CN_QGEN_H
#include <stddef.h>
#include "log.h"
#include "ops.h"

typedef struct cn_qgen cn_qgen;

/* The LLaMA-class model directory dir (config.json, safetensors,
 * tokenizer.json) with a decoder for each of threads threads (>= 1). NULL
 * on failure (cn_errmsg): the directory's errors, CN_EFORMAT for a model
 * that is not LLaMA-class. */
cn_qgen *cn_qgen_open(const char *dir, const cn_ops *ops, int threads);
void cn_qgen_close(cn_qgen *q);

/* Queries for n passages (texts[i], lens[i] bytes) into out[i] (malloc'd;
 * "" when the model wrote nothing), with template tmpl (holding "{passage}"
 * once) and at most max_new new tokens each (1 to half the positions);
 * *cut receives how many passages were cut to fit. Called after each
 * passage with the number done (progress; may be NULL). CN_EINVAL for a
 * template without "{passage}" or a bad max_new; the tokenizer's and the
 * decoder's errors, naming the passage's index. out[] is freed on error. */
cn_status cn_qgen_run(cn_qgen *q, const char *tmpl, const char *const *texts, const size_t *lens, size_t n, int max_new, char **out,
                      size_t *cut, void (*progress)(void *arg, size_t done, size_t n), void *arg);
#endif
