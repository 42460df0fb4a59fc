/* mine: hard negatives for a retriever's training pairs, as
 * sentence-transformers' mine_hard_negatives picks them (sampling "top"),
 * with ChipNeMo's random fill.
 *
 * A pair is a query vector and its positive, one of the candidates (the
 * pool: distinct texts, so a text the same as a positive is that positive).
 * Pairs of the same query text form a group, and every positive of the group
 * is excluded from each of its pairs' negatives. The other candidates are
 * ranked by score (inner product of unit vectors: cosine), a tie going to
 * the lower candidate; ranks [range_min, range_max) of that ranking are
 * considered (0-based: range_min 0 starts at the best), and of those, in
 * rank order, the first `num` whose score s holds s <= p - margin * |p|,
 * p the pair's positive score (for p >= 0 that is s <= p * (1 - margin), NV-
 * Retriever's TopK-PercPos, and it stays a margin below p when p < 0). When
 * fewer remain, random candidates (seeded by the seed and the pair's index;
 * not excluded, not already taken, no margin) fill the rest.
 *
 * Scores are computed in fixed blocks, each by single-threaded BLAS on
 * its thread: the negatives are the same whatever the thread count.
 *   P pairs, N candidates, D dims */
#ifndef CN_MINE_H
#define CN_MINE_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"

typedef struct {
    int range_min, range_max; /* ranks considered, [min, max) */
    int num;                  /* negatives a pair */
    double margin;            /* relative margin; < 0: none */
    int fill;                 /* random fill when too few remain */
    uint64_t seed;
} cn_mine_opts;

typedef struct {
    size_t mined;  /* negatives taken from the ranking */
    size_t filled; /* negatives drawn at random */
    size_t short_; /* pairs left with fewer than num (the pool too small) */
} cn_mine_stats;

/* Negatives for P pairs: q (P, D) the pairs' query vectors, c (N, D) the
 * candidates, pos[p] pair p's positive, group[p] its query group (pairs of
 * a group need not be adjacent). neg (P, num) receives candidate indices,
 * -1 where fewer were found. CN_EINVAL for bad options, CN_ENOMEM. */
cn_status cn_mine(const float *q, const float *c, size_t np, size_t nc, int d, const int64_t *pos, const int64_t *group,
                  const cn_mine_opts *o, int64_t *neg, cn_mine_stats *stats);
#endif
