/* eval_ir: a retriever's results scored against relevance judgements, as
 * BEIR reports them through pytrec_eval (trec_eval's definitions).
 *
 * Judgements (qrels) are BEIR's qrels/test.tsv: query-id, corpus-id, score
 * (an integer grade; above 0 is relevant), tab-separated, with a header
 * line. Results are cn-embed search's JSON lines: "query", "doc" and
 * "score" are read; a document met again (another of its passages) keeps
 * its best score. As trec_eval, the ranking is made from the scores, ties
 * going to the higher document id (descending, byte order); the "rank"
 * field is not read.
 *
 * Per query (each query of the qrels with a relevant document; one absent
 * from the results scores 0 on every metric):
 *   hit@k     1 when a relevant document is among the first k (BEIR's
 *             accuracy@k; ChipNeMo's hit rate)
 *   recall@k  the relevant documents among the first k over all relevant
 *   mrr@10    1 / the rank of the first relevant document within 10, else 0
 *   ndcg@10   sum over the first 10 of grade / log2(rank + 1), over the
 *             same for the grades in their best order (trec_eval ndcg_cut)
 * The mean over queries is the metric; its 95% interval is a percentile
 * bootstrap over the queries. */
#ifndef CN_EVAL_IR_H
#define CN_EVAL_IR_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"

#define CN_IR_MAXK 16

typedef struct {
    size_t nq;        /* queries scored */
    char **query;     /* [nq] their ids, in byte order */
    int nmetric;      /* 2 x nk + 2 */
    char **metric;    /* [nmetric] "hit@1" ... "recall@1" ... "mrr@10", "ndcg@10" */
    double *v;        /* [nq, nmetric] each query's values */
    size_t missing;   /* queries of the qrels with no result */
    size_t unjudged;  /* queries of the results not in the qrels (left out) */
} cn_ir_scores;

/* Scores the results file against the qrels file, hit@ and recall@ at each
 * of k[0..nk) (1 to 1000, at most CN_IR_MAXK of them). Errors name the file
 * and line ("q.tsv:3: a grade that is not an integer"), CN_EFORMAT also for
 * qrels without a relevant document. */
cn_status cn_ir_evaluate(const char *qrels, const char *results, const int *k, int nk, cn_ir_scores *s);
void cn_ir_scores_free(cn_ir_scores *s);

/* The mean of x[i * stride] over i < n and its 95% percentile bootstrap
 * interval from B resamples of the n (seeded; the same seed, the same
 * interval). */
void cn_ir_bootstrap(const double *x, size_t n, size_t stride, int B, uint64_t seed, double *mean, double *lo, double *hi);

/* Paired: d[i] = b[i * stride] - a[i * stride]; its mean, the 95%
 * interval of the mean (percentile bootstrap) and the two-sided p of a
 * paired bootstrap test of no difference: the share of B resamples of the
 * centred d whose mean is at least as far from 0 as d's own. */
double cn_ir_paired(const double *a, const double *b, size_t n, size_t stride, int B, uint64_t seed, double *lo, double *hi,
                    double *p);
#endif
