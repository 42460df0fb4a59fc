/* mine: hard negatives by rank and margin, then random fill (mine.h).
 *   P pairs, N candidates, D dims, B pairs a block, R candidates a block */
#include "mine.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "rng.h"
#include "topk.h"

#define PB 64   /* pairs scored by one sgemm */
#define CB 4096 /* candidates scored by one sgemm */

static int by_group(const void *a, const void *b, void *arg) {
    const int64_t *g = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return g[x] < g[y] ? -1 : g[x] > g[y] ? 1 : (x > y) - (x < y);
}

/* the negatives of pair p, its scores row s (N) and the group's positives marked in ex */
static void pick(const cn_mine_opts *o, size_t p, const float *s, size_t nc, int64_t pos, uint8_t *ex, cn_topk *h, int64_t *neg,
                 cn_mine_stats *st) {
    h->filled = 0;
    for (size_t j = 0; j < nc; j++)
        if (!ex[j]) cn_topk_push(h, s[j], (int64_t)j);
    cn_topk_sort(h);
    double ps = s[pos], bound = ps - (o->margin >= 0 ? o->margin * fabs(ps) : -INFINITY);
    int k = 0;
    for (int r = o->range_min; r < h->filled && k < o->num; r++)
        if (o->margin < 0 || (double)h->score[r] <= bound) neg[k++] = h->id[r];
    st->mined += (size_t)k;
    if (k < o->num && o->fill) { /* random candidates, none excluded or taken twice */
        size_t free_ = 0;
        for (size_t j = 0; j < nc; j++) free_ += !ex[j];
        uint64_t key[2] = {o->seed, (uint64_t)p};
        cn_rng r;
        cn_rng_seed(&r, key, 2);
        while (k < o->num && (size_t)k < free_) {
            int64_t j = (int64_t)cn_rng_below(&r, nc);
            int dup = ex[j];
            for (int i = 0; i < k && !dup; i++) dup = neg[i] == j;
            if (!dup) neg[k++] = j, st->filled++;
        }
    }
    if (k < o->num) st->short_++;
    for (; k < o->num; k++) neg[k] = -1;
}

cn_status cn_mine(const float *q, const float *c, size_t np, size_t nc, int d, const int64_t *pos, const int64_t *group,
                  const cn_mine_opts *o, int64_t *neg, cn_mine_stats *stats) {
    *stats = (cn_mine_stats){0, 0, 0};
    if (o->num < 1 || o->range_min < 0 || o->range_max <= o->range_min || d < 1)
        return cn_fail(CN_EINVAL, "mining %d negatives from ranks %d to %d", o->num, o->range_min, o->range_max);
    if (!np) return CN_OK;
    /* each pair's group as a range of `order`, the pairs sorted by group */
    size_t *order = malloc(np * sizeof *order), *gfirst = malloc(np * sizeof *gfirst), *gend = malloc(np * sizeof *gend);
    if (!order || !gfirst || !gend) {
        free(order), free(gfirst), free(gend);
        return cn_fail(CN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < np; i++) order[i] = i;
    qsort_r(order, np, sizeof *order, by_group, (void *)group);
    for (size_t a = 0, b; a < np; a = b) {
        for (b = a; b < np && group[order[b]] == group[order[a]]; b++) {}
        for (size_t i = a; i < b; i++) gfirst[order[i]] = a, gend[order[i]] = b;
    }
    int kmax = o->range_max;
    int failed = 0;
    cn_mine_stats total = {0, 0, 0};
    size_t nblocks = (np + PB - 1) / PB;
#pragma omp parallel
    {
#ifdef _OPENMP
        omp_set_num_threads(1); /* this thread's BLAS single-threaded (OpenBLAS follows omp_get_max_threads) */
#endif
        float *s = malloc((size_t)PB * nc * sizeof *s); /* (B, N) */
        uint8_t *ex = calloc(nc, 1);
        float *hs = malloc((size_t)kmax * sizeof *hs);
        int64_t *hi = malloc((size_t)kmax * sizeof *hi);
        cn_mine_stats mine = {0, 0, 0};
        if (!s || !ex || !hs || !hi) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp barrier
        if (!failed) {
#pragma omp for schedule(static)
            for (size_t bi = 0; bi < nblocks; bi++) {
                size_t p0 = bi * PB, nb = np - p0 < PB ? np - p0 : PB;
                for (size_t c0 = 0; c0 < nc; c0 += CB) { /* fixed blocks: the same sums whatever the threads */
                    size_t m = nc - c0 < CB ? nc - c0 : CB;
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)m, d, 1.0f, q + p0 * d, d, c + c0 * d, d, 0.0f,
                                s + c0, (int)nc);
                }
                for (size_t i = 0; i < nb; i++) {
                    size_t p = p0 + i;
                    for (size_t g = gfirst[p]; g < gend[p]; g++) ex[pos[order[g]]] = 1;
                    cn_topk h = {hs, hi, kmax, 0};
                    pick(o, p, s + i * nc, nc, pos[p], ex, &h, neg + p * (size_t)o->num, &mine);
                    for (size_t g = gfirst[p]; g < gend[p]; g++) ex[pos[order[g]]] = 0;
                }
            }
        }
#pragma omp critical(cn_mine_stats)
        total.mined += mine.mined, total.filled += mine.filled, total.short_ += mine.short_;
        free(s), free(ex), free(hs), free(hi);
    }
    free(order), free(gfirst), free(gend);
    if (failed) return cn_fail(CN_ENOMEM, "out of memory for the scores of %zu candidates", nc);
    *stats = total;
    return CN_OK;
}
