/* pairs: retriever examples read, and drawn with no candidate twice in a
 * micro-batch (pairs.h). */
#include "pairs.h"

#include <stdlib.h>
#include <string.h>
#include "io.h"
#include "jsonl.h"
#include "rng.h"

struct cn_pairs {
    cn_pair *v;
    size_t n, cap;
    int ncand;
    char **strs; /* every string read, to free */
    size_t nstr, capstr;
    /* drawing */
    int b;
    uint64_t seed;
    cn_pairs_pos pos;
    size_t *left, nleft; /* the epoch's examples not drawn yet, in its order */
    uint64_t *hash;      /* [n * (1 + ncand)] the hash of each text: the query, then the candidates */
};

static char *keep(cn_pairs *p, const char *s, size_t n) {
    if (p->nstr == p->capstr) {
        char **x = realloc(p->strs, (p->capstr = p->capstr ? 2 * p->capstr : 1024) * sizeof *x);
        if (!x) return NULL;
        p->strs = x;
    }
    char *c = strndup(s, n);
    if (c) p->strs[p->nstr++] = c;
    return c;
}

static int blank(const char *s) {
    while (*s && strchr(" \t\r\n\f\v", *s)) s++;
    return !*s;
}

/* example i's text c: 0 the query, then its candidates */
static const char *text(const cn_pairs *p, size_t i, int c) { return c ? p->v[i].cand[c - 1] : p->v[i].query; }

static uint64_t fnv(const char *s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

cn_pairs *cn_pairs_read(const char *const *paths, int n, int negatives) {
    cn_pairs *p = calloc(1, sizeof *p);
    if (!p) {
        cn_fail(CN_ENOMEM, "out of memory");
        return NULL;
    }
    p->ncand = 1 + negatives;
    cn_status st = CN_OK;
    for (int f = 0; f < n && !st; f++) {
        cn_in *in = cn_in_open(paths[f]);
        if (!in) {
            st = cn_last_status();
            break;
        }
        cn_jsonl *j = cn_jsonl_new(in, 0);
        if (!j) st = cn_fail(CN_ENOMEM, "out of memory");
        cJSON *o;
        while (!st && (st = cn_jsonl_next(j, &o)) == CN_OK) {
            unsigned long long line = (unsigned long long)cn_jsonl_line(j);
            const char *q, *w = paths[f];
            size_t qn;
            if ((st = cn_jsonl_text(j, "query", &q, &qn))) break;
            if (strlen(q) != qn) {
                st = cn_fail(CN_EFORMAT, "%s:%llu: the query holds a NUL byte (\\u0000)", w, line);
                break;
            }
            if (p->n == p->cap) {
                cn_pair *x = realloc(p->v, (p->cap = p->cap ? 2 * p->cap : 1024) * sizeof *x);
                if (!x) {
                    st = cn_fail(CN_ENOMEM, "out of memory");
                    break;
                }
                p->v = x;
            }
            cn_pair *e = &p->v[p->n];
            e->line = line, e->file = w;
            e->cand = calloc((size_t)p->ncand, sizeof *e->cand);
            if (!e->cand || !(e->query = keep(p, q, qn))) {
                free(e->cand);
                st = cn_fail(CN_ENOMEM, "out of memory");
                break;
            }
            p->n++;
            if (blank(e->query)) st = cn_fail(CN_EFORMAT, "%s:%llu: an empty query", w, line);
            for (int c = 0; !st && c < p->ncand; c++) {
                const char *t;
                size_t tn;
                if ((st = cn_jsonl_item(j, c ? "neg" : "pos", c ? c - 1 : 0, &t, &tn))) break;
                if (!t) st = c ? cn_fail(CN_EFORMAT, "%s:%llu: %d hard negatives wanted (--num-negatives), fewer given", w, line, negatives)
                               : cn_fail(CN_EFORMAT, "%s:%llu: no positive (\"pos\": [TEXT, ...])", w, line);
                else if (strlen(t) != tn) st = cn_fail(CN_EFORMAT, "%s:%llu: a %s holds a NUL byte (\\u0000)", w, line, c ? "negative" : "positive");
                else if (blank(t)) st = cn_fail(CN_EFORMAT, "%s:%llu: an empty %s", w, line, c ? "negative" : "positive");
                else if (c && !strcmp(t, e->cand[0])) st = cn_fail(CN_EFORMAT, "%s:%llu: negative %d is the positive's text", w, line, c - 1);
                for (int k = 1; !st && k < c; k++)
                    if (!strcmp(t, e->cand[k])) st = cn_fail(CN_EFORMAT, "%s:%llu: negatives %d and %d are the same text", w, line, k - 1, c - 1);
                if (!st && !(e->cand[c] = keep(p, t, tn))) st = cn_fail(CN_ENOMEM, "out of memory");
            }
        }
        if (st == CN_EOF) st = CN_OK;
        cn_jsonl_free(j);
        cn_in_close(in);
    }
    if (!st && !p->n) st = cn_fail(CN_EFORMAT, "%s: no examples", n ? paths[0] : "-");
    int w = 1 + p->ncand;
    if (!st && !(p->hash = malloc(p->n * (size_t)w * sizeof *p->hash))) st = cn_fail(CN_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < p->n; i++)
        for (int c = 0; c < w; c++) p->hash[i * w + c] = fnv(text(p, i, c));
    if (st) {
        cn_pairs_free(p);
        return NULL;
    }
    return p;
}

void cn_pairs_free(cn_pairs *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) free(p->v[i].cand);
    for (size_t i = 0; i < p->nstr; i++) free(p->strs[i]);
    free(p->v), free(p->strs), free(p->left), free(p->hash);
    free(p);
}

size_t cn_pairs_count(const cn_pairs *p) { return p->n; }
const cn_pair *cn_pairs_at(const cn_pairs *p, size_t i) { return &p->v[i]; }
cn_pairs_pos cn_pairs_position(const cn_pairs *p) { return p->pos; }

/* the epoch's order: a Fisher-Yates shuffle seeded by (seed, epoch) */
static void begin_epoch(cn_pairs *p) {
    uint64_t key[2] = {p->seed, (uint64_t)p->pos.epoch};
    cn_rng r;
    cn_rng_seed(&r, key, 2);
    for (size_t i = 0; i < p->n; i++) p->left[i] = i;
    for (size_t i = p->n; i > 1; i--) {
        size_t j = (size_t)cn_rng_below(&r, i);
        size_t t = p->left[i - 1];
        p->left[i - 1] = p->left[j], p->left[j] = t;
    }
    p->nleft = p->n;
}

/* whether example e shares a text (query or candidate) with those taken (idx[0..k)) */
static int clashes(const cn_pairs *p, size_t e, const size_t *idx, int k) {
    int w = 1 + p->ncand;
    for (int a = 0; a < w; a++) {
        uint64_t h = p->hash[e * w + a];
        for (int i = 0; i < k; i++)
            for (int c = 0; c < w; c++)
                if (p->hash[idx[i] * w + c] == h && !strcmp(text(p, e, a), text(p, idx[i], c))) return 1;
    }
    return 0;
}

/* one pass over what is left of the epoch, taking each example that clashes
 * with none taken before it; the examples taken leave the epoch whether or
 * not they fill a micro-batch (a partial one is dropped). 1 when b were
 * taken, 0 when fewer, -1 when out of memory. */
static int draw(cn_pairs *p, size_t *idx) {
    int k = 0;
    size_t *took = malloc((size_t)p->b * sizeof *took);
    if (!took) return -1;
    for (size_t i = 0; i < p->nleft && k < p->b; i++)
        if (!clashes(p, p->left[i], idx, k)) took[k] = i, idx[k++] = p->left[i];
    size_t w = 0; /* the rest keep their order */
    for (size_t i = 0, t = 0; i < p->nleft; i++)
        if (t < (size_t)k && took[t] == i) t++;
        else p->left[w++] = p->left[i];
    p->nleft = w;
    free(took);
    return k == p->b;
}

/* the epoch's next full micro-batch: 1, or 0 when the epoch ran out, -1 when out of memory */
static int next_in_epoch(cn_pairs *p, size_t *idx) {
    while (p->nleft) {
        int ok = draw(p, idx);
        if (ok) return ok;
    }
    return 0;
}

cn_status cn_pairs_start(cn_pairs *p, int b, uint64_t seed, cn_pairs_pos pos) {
    free(p->left);
    size_t *idx = malloc((size_t)(b > 0 ? b : 1) * sizeof *idx);
    if (!(p->left = malloc((p->n + 1) * sizeof *p->left)) || !idx) {
        free(idx);
        return cn_fail(CN_ENOMEM, "out of memory");
    }
    p->b = b, p->seed = seed, p->pos = (cn_pairs_pos){pos.epoch, 0};
    begin_epoch(p);
    int ok = next_in_epoch(p, idx); /* one micro-batch must be possible at all */
    begin_epoch(p);
    cn_status st = ok == 1 ? CN_OK : ok < 0 ? cn_fail(CN_ENOMEM, "out of memory")
                                             : cn_fail(CN_EINVAL, "%zu examples cannot fill a micro-batch of %d without a text twice", p->n, b);
    for (int64_t i = 0; !st && i < pos.batches; i++) /* replay */
        if ((ok = next_in_epoch(p, idx)) != 1)
            st = ok < 0 ? cn_fail(CN_ENOMEM, "out of memory")
                        : cn_fail(CN_EFORMAT, "epoch %lld has no micro-batch %lld", (long long)pos.epoch, (long long)i);
    if (!st) p->pos.batches = pos.batches;
    free(idx);
    return st;
}

cn_status cn_pairs_next(cn_pairs *p, size_t *idx) {
    int ok = next_in_epoch(p, idx);
    if (!ok) { /* the epoch ran out: the next one */
        p->pos.epoch++, p->pos.batches = 0;
        begin_epoch(p);
        ok = next_in_epoch(p, idx);
        if (!ok)
            return cn_fail(CN_EINVAL, "epoch %lld's order yields no micro-batch of %d without a text twice (fewer distinct examples, or a smaller --micro-batch)",
                           (long long)p->pos.epoch, p->b);
    }
    if (ok < 0) return cn_fail(CN_ENOMEM, "out of memory");
    p->pos.batches++;
    return CN_OK;
}
