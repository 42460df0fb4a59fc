/* contrast: a dense retriever's contrastive loss (InfoNCE), with the
 * semantics of sentence-transformers' MultipleNegativesRankingLoss: each
 * query is scored against every candidate of the micro-batch (all the
 * queries' positives, then all the hard negatives) by cosine similarity
 * times scale (1 / temperature), and the loss is the cross-entropy of those
 * scores with the query's own positive as the label, averaged over queries.
 *   Q queries, N candidates (N >= Q; candidate i is query i's positive),
 *   D dims, T time */
#ifndef CN_CONTRAST_H
#define CN_CONTRAST_H
#include <stdint.h>
#include "log.h"
#include "model.h"

/* The loss of unit vectors q (Q, D) against c (N, D) into *loss; with dq
 * and dc (both or neither) their gradients (Q, D) and (N, D). CN_ERANGE when
 * the loss is not finite. */
cn_status cn_infonce(const float *q, const float *c, int nq, int nc, int d, float scale, double *loss, float *dq, float *dc);

/* A micro-batch of token sequences: the Q queries, then the N candidates,
 * each T tokens ([CLS] text [SEP] then padding, valid 0 on the padding). */
typedef struct {
    int nq, nc, t;
    const int32_t *ids;    /* ((Q + N) * T) */
    const uint8_t *valid;  /* ((Q + N) * T) */
} cn_contrast_batch;

/* One micro-batch through a BERT model whose batch is (Q + N) x T
 * (cn_model_batch): the forward, mean pooling and L2 norm (vec.h), the loss
 * into *loss; with train, its backward added into the model's gradients. */
cn_status cn_contrast_step(cn_model *m, const cn_contrast_batch *b, float scale, int train, double *loss);
#endif
