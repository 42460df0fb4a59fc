/* eval_ir: retrieval metrics against qrels, and their bootstrap (eval_ir.h). */
#include "eval_ir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io.h"
#include "jsonl.h"
#include "rng.h"

typedef struct {
    char *q, *d;
    double v; /* the grade (qrels) or the score (results) */
} triple;

typedef struct {
    triple *t;
    size_t n, cap;
} triples;

static cn_status push(triples *a, const char *q, size_t qn, const char *d, size_t dn, double v) {
    if (a->n == a->cap) {
        triple *x = realloc(a->t, (a->cap = a->cap ? 2 * a->cap : 1024) * sizeof *x);
        if (!x) return cn_fail(CN_ENOMEM, "out of memory");
        a->t = x;
    }
    triple *t = &a->t[a->n];
    if (!(t->q = strndup(q, qn)) || !(t->d = strndup(d, dn))) {
        free(t->q);
        return cn_fail(CN_ENOMEM, "out of memory");
    }
    t->v = v, a->n++;
    return CN_OK;
}

static void triples_free(triples *a) {
    for (size_t i = 0; i < a->n; i++) free(a->t[i].q), free(a->t[i].d);
    free(a->t);
}

/* by query, then document */
static int by_qd(const void *x, const void *y) {
    const triple *a = x, *b = y;
    int c = strcmp(a->q, b->q);
    return c ? c : strcmp(a->d, b->d);
}

/* by query and document, then score (high first) */
static int by_qd_best(const void *x, const void *y) {
    const triple *a = x, *b = y;
    int c = by_qd(a, b);
    return c ? c : (a->v < b->v) - (a->v > b->v);
}

/* by query, then score (high first), then document (high first: trec_eval) */
static int by_rank(const void *x, const void *y) {
    const triple *a = x, *b = y;
    int c = strcmp(a->q, b->q);
    if (c) return c;
    if (a->v != b->v) return a->v > b->v ? -1 : 1;
    return -strcmp(a->d, b->d);
}

/* qrels/test.tsv: query-id TAB corpus-id TAB score, a header first */
static cn_status read_qrels(const char *path, triples *out) {
    size_t n;
    char *text = cn_read_all(path, &n);
    if (!text) return cn_last_status();
    cn_status st = CN_OK;
    unsigned long long line = 0;
    for (char *p = text, *end = text + n; p < end && !st;) {
        char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
        line++;
        if (e > p && e[-1] == '\r') e[-1] = 0, e--;
        *e = 0;
        char *t1 = strchr(p, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (e == p) { /* a blank line */
        } else if (!t1 || !t2 || strchr(t2 + 1, '\t')) {
            st = cn_fail(CN_EFORMAT, "%s:%llu: not query-id, corpus-id and score separated by tabs", path, line);
        } else if (line == 1 && !strncmp(p, "query-id\t", 9)) { /* the header */
        } else {
            char *stop;
            long g = strtol(t2 + 1, &stop, 10);
            if (stop == t2 + 1 || *stop || g < -1000000 || g > 1000000)
                st = cn_fail(CN_EFORMAT, "%s:%llu: a grade that is not an integer ('%s')", path, line, t2 + 1);
            else if (t1 == p || t2 == t1 + 1)
                st = cn_fail(CN_EFORMAT, "%s:%llu: an empty query-id or corpus-id", path, line);
            else
                st = push(out, p, (size_t)(t1 - p), t1 + 1, (size_t)(t2 - t1 - 1), (double)g);
        }
        p = nl ? nl + 1 : end;
    }
    free(text);
    if (!st && out->n) {
        qsort(out->t, out->n, sizeof *out->t, by_qd);
        for (size_t i = 1; i < out->n && !st; i++)
            if (!by_qd(&out->t[i - 1], &out->t[i]))
                st = cn_fail(CN_EFORMAT, "%s: query '%s' judges '%s' twice", path, out->t[i].q, out->t[i].d);
    }
    return st;
}

/* results: "query", "doc", "score" a line; each (query, doc) once, its best score */
static cn_status read_results(const char *path, triples *out) {
    cn_in *in = cn_in_open(path);
    if (!in) return cn_last_status();
    cn_jsonl *j = cn_jsonl_new(in, 0);
    cn_status st = j ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    cJSON *o;
    while (!st && (st = cn_jsonl_next(j, &o)) == CN_OK) {
        const char *q, *d;
        size_t qn, dn;
        double v;
        char where[64];
        snprintf(where, sizeof where, "line %llu", (unsigned long long)cn_jsonl_line(j));
        if (!(st = cn_jsonl_text(j, "query", &q, &qn)) && !(st = cn_jsonl_text(j, "doc", &d, &dn))) {
            if (cn_json_num(o, "score", where, &v)) st = cn_fail(CN_EFORMAT, "%s:%llu: 'score' missing or not a number", path,
                                                                 (unsigned long long)cn_jsonl_line(j));
            else st = push(out, q, qn, d, dn, v);
        }
    }
    if (st == CN_EOF) st = CN_OK;
    cn_jsonl_free(j);
    cn_in_close(in);
    if (st) return st;
    /* a document again (its passages): the best score kept, the rest freed */
    if (out->n) qsort(out->t, out->n, sizeof *out->t, by_qd_best);
    size_t w = 0;
    for (size_t i = 0; i < out->n; i++) {
        if (w && !by_qd(&out->t[w - 1], &out->t[i])) free(out->t[i].q), free(out->t[i].d);
        else out->t[w++] = out->t[i];
    }
    out->n = w;
    if (out->n) qsort(out->t, out->n, sizeof *out->t, by_rank);
    return CN_OK;
}

/* the first index of query q in sorted triples (n when absent) and its count */
static size_t find_q(const triples *a, const char *q, size_t *count) {
    size_t lo = 0, hi = a->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(a->t[mid].q, q) < 0) lo = mid + 1;
        else hi = mid;
    }
    size_t e = lo;
    while (e < a->n && !strcmp(a->t[e].q, q)) e++;
    *count = e - lo;
    return lo;
}

/* the grade of document d for the query's judgements [t, t + n) (sorted by document), 0 when unjudged */
static double grade(const triple *t, size_t n, const char *d) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(t[mid].d, d);
        if (!c) return t[mid].v;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

static int desc(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a < b) - (a > b);
}

cn_status cn_ir_evaluate(const char *qrels, const char *results, const int *k, int nk, cn_ir_scores *s) {
    memset(s, 0, sizeof *s);
    if (nk < 1 || nk > CN_IR_MAXK) return cn_fail(CN_EINVAL, "%d cut-offs (1 to %d)", nk, CN_IR_MAXK);
    for (int i = 0; i < nk; i++)
        if (k[i] < 1 || k[i] > 1000) return cn_fail(CN_EINVAL, "a cut-off of %d (1 to 1000)", k[i]);
    triples qr = {0}, rs = {0};
    cn_status st = read_qrels(qrels, &qr);
    if (!st) st = read_results(results, &rs);
    s->nmetric = 2 * nk + 2;
    if (!st && !(s->metric = calloc((size_t)s->nmetric, sizeof *s->metric))) st = cn_fail(CN_ENOMEM, "out of memory");
    for (int i = 0; !st && i < s->nmetric; i++) {
        char name[32];
        if (i < 2 * nk) snprintf(name, sizeof name, "%s@%d", i < nk ? "hit" : "recall", k[i % nk]);
        else snprintf(name, sizeof name, "%s", i == 2 * nk ? "mrr@10" : "ndcg@10");
        if (!(s->metric[i] = strdup(name))) st = cn_fail(CN_ENOMEM, "out of memory");
    }
    /* the queries with a relevant document */
    size_t nq = 0;
    if (!st) { /* a query counts when one of its judgements is relevant */
        for (size_t i = 0; i < qr.n;) {
            size_t e = i;
            int rel = 0;
            while (e < qr.n && !strcmp(qr.t[e].q, qr.t[i].q)) rel |= qr.t[e].v > 0, e++;
            nq += rel, i = e;
        }
        if (!nq) st = cn_fail(CN_EFORMAT, "%s: no query has a relevant document", qrels);
    }
    if (!st && (!(s->query = calloc(nq, sizeof *s->query)) || !(s->v = calloc(nq * (size_t)s->nmetric, sizeof *s->v))))
        st = cn_fail(CN_ENOMEM, "out of memory");
    double *ideal = st ? NULL : malloc((qr.n + 1) * sizeof *ideal);
    if (!st && !ideal) st = cn_fail(CN_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < qr.n;) {
        size_t e = i, nrel = 0, ng = 0;
        while (e < qr.n && !strcmp(qr.t[e].q, qr.t[i].q)) {
            if (qr.t[e].v > 0) nrel++, ideal[ng++] = qr.t[e].v;
            e++;
        }
        if (nrel) {
            double *v = s->v + s->nq * (size_t)s->nmetric;
            if (!(s->query[s->nq] = strdup(qr.t[i].q))) {
                st = cn_fail(CN_ENOMEM, "out of memory");
                break;
            }
            size_t cnt, at = find_q(&rs, qr.t[i].q, &cnt);
            if (!cnt) s->missing++;
            size_t found = 0; /* relevant so far */
            double dcg = 0, idcg = 0, mrr = 0;
            int first = 0;
            for (size_t r = 0; r < cnt; r++) {
                double g = grade(qr.t + i, e - i, rs.t[at + r].d);
                if (g > 0) {
                    found++;
                    if (!first) first = (int)r + 1;
                    if (r < 10) dcg += g / log2((double)r + 2);
                }
                for (int c = 0; c < nk; c++)
                    if ((int)r + 1 == k[c]) v[c] = first ? 1 : 0, v[nk + c] = (double)found / (double)nrel;
            }
            for (int c = 0; c < nk; c++)
                if ((size_t)k[c] > cnt) v[c] = first ? 1 : 0, v[nk + c] = (double)found / (double)nrel;
            if (first && first <= 10) mrr = 1.0 / first;
            qsort(ideal, ng, sizeof *ideal, desc);
            for (size_t r = 0; r < ng && r < 10; r++) idcg += ideal[r] / log2((double)r + 2);
            v[2 * nk] = mrr, v[2 * nk + 1] = dcg / idcg;
            s->nq++;
        }
        i = e;
    }
    free(ideal);
    for (size_t i = 0; !st && i < rs.n; i++) { /* result queries with no judgement */
        if (i && !strcmp(rs.t[i].q, rs.t[i - 1].q)) continue;
        size_t cnt;
        find_q(&qr, rs.t[i].q, &cnt);
        if (!cnt) s->unjudged++;
    }
    triples_free(&qr), triples_free(&rs);
    if (st) cn_ir_scores_free(s);
    return st;
}

void cn_ir_scores_free(cn_ir_scores *s) {
    for (size_t i = 0; s->query && i < s->nq; i++) free(s->query[i]);
    for (int i = 0; s->metric && i < s->nmetric; i++) free(s->metric[i]);
    free(s->query), free(s->metric), free(s->v);
    memset(s, 0, sizeof *s);
}

/* ---- bootstrap ---- */

static int asc(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* the 2.5% and 97.5% points of B sorted means (linear between ranks, as numpy's percentile) */
static void interval(double *m, int B, double *lo, double *hi) {
    qsort(m, (size_t)B, sizeof *m, asc);
    double at[2] = {0.025 * (B - 1), 0.975 * (B - 1)}, *out[2] = {lo, hi};
    for (int i = 0; i < 2; i++) {
        int f = (int)floor(at[i]);
        double w = at[i] - f;
        *out[i] = f + 1 < B ? m[f] * (1 - w) + m[f + 1] * w : m[f];
    }
}

/* B resampled means of x (or of x - shift) */
static void resample(const double *x, size_t n, size_t stride, int B, uint64_t seed, double shift, double *m) {
    cn_rng r;
    cn_rng_seed(&r, &seed, 1);
    for (int b = 0; b < B; b++) {
        double sum = 0;
        for (size_t i = 0; i < n; i++) sum += x[cn_rng_below(&r, n) * stride] - shift;
        m[b] = sum / (double)n;
    }
}

void cn_ir_bootstrap(const double *x, size_t n, size_t stride, int B, uint64_t seed, double *mean, double *lo, double *hi) {
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += x[i * stride];
    *mean = n ? sum / (double)n : 0;
    double *m = malloc((size_t)B * sizeof *m);
    if (!m || !n || B < 2) {
        *lo = *hi = *mean;
        free(m);
        return;
    }
    resample(x, n, stride, B, seed, 0, m);
    interval(m, B, lo, hi);
    free(m);
}

double cn_ir_paired(const double *a, const double *b, size_t n, size_t stride, int B, uint64_t seed, double *lo, double *hi,
                    double *p) {
    double *d = malloc((n + 1) * sizeof *d), *m = malloc(((size_t)B + 1) * sizeof *m), mean = 0;
    if (!d || !m || !n || B < 2) {
        free(d), free(m);
        *lo = *hi = 0, *p = 1;
        return 0;
    }
    for (size_t i = 0; i < n; i++) d[i] = b[i * stride] - a[i * stride], mean += d[i];
    mean /= (double)n;
    resample(d, n, 1, B, seed, mean, m); /* centred: the world where there is no difference */
    int far = 0;
    for (int i = 0; i < B; i++) far += fabs(m[i]) >= fabs(mean) - 1e-12;
    *p = (double)far / B;
    for (int i = 0; i < B; i++) m[i] += mean;
    interval(m, B, lo, hi);
    free(d), free(m);
    return mean;
}
