/* retr: a question's best passages from a retrieval index (vindex.h) with
 * the encoder that made it: the one the index names, or another directory
 * with the same weights and tokenizer (a different one is refused); or by
 * BM25 over the same passages. */
#ifndef CN_RETR_H
#define CN_RETR_H
#include <stddef.h>
#include <stdint.h>
#include "ops.h"
#include "bm25.h"
#include "ragctx.h"
#include "vindex.h"

typedef struct cn_retr cn_retr;

/* Opens the index in index_dir and its encoder (encoder_dir, NULL: the one
 * meta.json names) on ops; NULL on failure (cn_errmsg). */
cn_retr *cn_retr_open(const char *index_dir, const char *encoder_dir, const cn_ops *ops);
/* The same index's passages ranked by Okapi BM25 (bm25.h, parameters k1 and
 * b) instead of its vectors: no encoder. */
cn_retr *cn_retr_open_bm25(const char *index_dir, double k1, double b);
void cn_retr_close(cn_retr *r);
const cn_vindex *cn_retr_index(const cn_retr *r);

/* The k best rows of the index for query q (len bytes, the index's query
 * prompt before it), best first: rows[k], scores[k]; k at most the index's
 * count. BM25 gives only passages that share a word with q (any k): the
 * rest of the rows are -1 (score -inf). */
cn_status cn_retr_search(cn_retr *r, const char *q, size_t len, int k, int64_t *rows, float *scores);

/* The k best rows for q (as cn_retr_search), their passages (those found)
 * then fitted
 * before q under budget tokens into *ctx (cn_ragctx_fit, count counting a
 * prompt; its from[] index rows[]). CN_ERANGE when q alone does not fit. */
cn_status cn_retr_fit(cn_retr *r, const char *q, size_t len, int k, size_t budget, cn_ragctx_count_fn count, void *arg, int64_t *rows,
                      float *scores, cn_ragctx *ctx);
#endif
