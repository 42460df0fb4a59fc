/* topk: the k best of a stream of (score, id), kept in a bounded heap: a
 * higher score ranks first, and of equal scores the lower id (the order
 * FAISS and a stable sort give). The caller owns the arrays (k each). */
#ifndef CN_TOPK_H
#define CN_TOPK_H
#include <stdint.h>

typedef struct {
    float *score;  /* [k] */
    int64_t *id;   /* [k] */
    int k, filled;
} cn_topk;

/* offers (v, i): kept while fewer than k are held or when it ranks above the
 * worst held; a NaN score is never kept */
void cn_topk_push(cn_topk *h, float v, int64_t i);
/* orders what is held best first; the rest of the k slots get id -1 and
 * score -inf (as FAISS fills them) */
void cn_topk_sort(cn_topk *h);
#endif
