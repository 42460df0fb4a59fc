/* pairs: a retriever's training examples (DESIGN.md "Retriever pairs":
 * {"query": ..., "pos": [...], "neg": [...]}, JSONL, plain or zstd) and the
 * order they are drawn in.
 *
 * An example is its query, its first positive and its first `negatives`
 * hard negatives (a line with fewer is refused, naming it). Micro-batches
 * are drawn as sentence-transformers' NoDuplicatesBatchSampler draws them
 * with drop_last: each epoch shuffles the examples (seeded by the seed and
 * the epoch); a pass over what is left of the epoch takes, in that order,
 * each example none of whose texts (query, positive, negatives) the examples
 * taken before it hold. The examples taken leave the epoch; when they fill a
 * micro-batch it is drawn, and when they do not it is dropped and the next
 * pass begins. The epoch ends when no example is left. The position is the
 * epoch and the micro-batches drawn in it, which a resumed run replays. */
#ifndef CN_PAIRS_H
#define CN_PAIRS_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"

typedef struct {
    const char *query;  /* NUL-terminated each */
    const char **cand;  /* [1 + negatives]: the positive, then the negatives */
    uint64_t line;      /* in its file */
    const char *file;
} cn_pair;

typedef struct cn_pairs cn_pairs;

/* Reads the examples of n files. NULL on failure: "FILE:LINE: ..." for a
 * missing or empty query, no positive, fewer than `negatives` negatives, a
 * negative the same text as the positive; CN_EFORMAT when there are none. */
cn_pairs *cn_pairs_read(const char *const *paths, int n, int negatives);
void cn_pairs_free(cn_pairs *p);
size_t cn_pairs_count(const cn_pairs *p);
const cn_pair *cn_pairs_at(const cn_pairs *p, size_t i);

typedef struct {
    int64_t epoch, batches; /* the epoch (from 0) and the micro-batches drawn in it */
} cn_pairs_pos;

/* Starts drawing micro-batches of b examples, seeded, at pos (a new run:
 * {0, 0}); replays the epoch up to it. CN_EINVAL when the examples cannot
 * fill one micro-batch of b without a candidate twice. */
cn_status cn_pairs_start(cn_pairs *p, int b, uint64_t seed, cn_pairs_pos pos);
/* The next micro-batch: the indices of its b examples into idx. */
cn_status cn_pairs_next(cn_pairs *p, size_t *idx);
cn_pairs_pos cn_pairs_position(const cn_pairs *p);
#endif
