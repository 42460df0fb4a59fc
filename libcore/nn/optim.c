/* optim: learning-rate schedules, clipping, AdamW and ZeRO-1 on a flat view of the parameters. */
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double cn_lr(cn_lr_schedule s, int64_t step, int64_t total, int64_t warmup, double lr, double min_lr) {
    if (warmup > 0 && step <= warmup) return lr * (double)step / (double)warmup;
    if (s == CN_LR_CONSTANT || total <= warmup) return lr;
    double f = (double)(step - warmup) / (double)(total - warmup); /* 0 -> 1 over the decay */
    if (f > 1) f = 1;
    if (s == CN_LR_LINEAR) return lr + (min_lr - lr) * f;
    return min_lr + (lr - min_lr) * 0.5 * (1 + cos(3.14159265358979323846 * f));
}

int cn_lr_parse(const char *name) {
    if (strcmp(name, "constant") == 0) return CN_LR_CONSTANT;
    if (strcmp(name, "cosine") == 0) return CN_LR_COSINE;
    if (strcmp(name, "linear") == 0) return CN_LR_LINEAR;
    return -1;
}

/* ---- clipping ---- */

double cn_grad_norm(const cn_flat *f) { return f->ng ? sqrt(f->ops->sumsq(f->g, f->ng)) : 0.0; }

void cn_grad_scale(const cn_flat *f, float s) {
    if (f->ng) f->ops->scale(f->g, s, f->ng);
}

/* ---- AdamW, its moments, and their sharding across ranks (ZeRO-1) ---- */

static int owned(const cn_adamw *a, const cn_param *p) { return p->goff != SIZE_MAX && p->goff >= a->lo && p->goff < a->hi; }

static void free_moments(cn_adamw *a, const cn_ops *o) {
    if (a->m1) o->free(a->m1);
    if (a->m2) o->free(a->m2);
    a->m1 = a->m2 = NULL;
}

void cn_adamw_reset(cn_adamw *a, const cn_ops *ops, size_t ng) {
    free_moments(a, ops);
    free(a->shard_off);
    *a = (cn_adamw){.lo = 0, .hi = ng};
}

static cn_status alloc_moments(cn_adamw *a, const cn_ops *o) {
    size_t n = a->hi - a->lo;
    if (a->m1 || !n) return CN_OK;
    a->m1 = o->alloc(n * sizeof(float));
    a->m2 = o->alloc(n * sizeof(float));
    if (!a->m1 || !a->m2) {
        free_moments(a, o);
        return cn_fail(CN_ENOMEM, "out of memory for the AdamW moments");
    }
    o->zero(a->m1, n * sizeof(float));
    o->zero(a->m2, n * sizeof(float));
    return CN_OK;
}

static cn_status moments_of(const cn_adamw *a, const cn_flat *f, int i) {
    if (i < 0 || i >= f->np || f->p[i].goff == SIZE_MAX) return cn_fail(CN_EINVAL, "no moments for parameter %d", i);
    if (!owned(a, &f->p[i])) return cn_fail(CN_EINVAL, "the moments of %s are another rank's (sharded optimizer)", f->p[i].name);
    return CN_OK;
}

cn_status cn_adamw_get(const cn_adamw *a, const cn_flat *f, int i, float *m1, float *m2) {
    cn_status st = moments_of(a, f, i);
    if (st) return st;
    const cn_param *p = &f->p[i];
    if (!a->m1) {
        memset(m1, 0, p->n * sizeof *m1), memset(m2, 0, p->n * sizeof *m2);
        return CN_OK;
    }
    f->ops->download(m1, a->m1 + (p->goff - a->lo), p->n * sizeof(float));
    f->ops->download(m2, a->m2 + (p->goff - a->lo), p->n * sizeof(float));
    return CN_OK;
}

cn_status cn_adamw_set(cn_adamw *a, const cn_flat *f, int i, const float *m1, const float *m2) {
    cn_status st = moments_of(a, f, i);
    if (!st) st = alloc_moments(a, f->ops);
    if (st) return st;
    const cn_param *p = &f->p[i];
    f->ops->upload(a->m1 + (p->goff - a->lo), m1, p->n * sizeof(float));
    f->ops->upload(a->m2 + (p->goff - a->lo), m2, p->n * sizeof(float));
    return CN_OK;
}

cn_status cn_adamw_step(cn_adamw *a, const cn_flat *f, float lr, float beta1, float beta2, float eps, float wd, int64_t step) {
    const cn_ops *o = f->ops;
    cn_status st = alloc_moments(a, o);
    if (st) return st;
    for (int i = 0; i < f->np; i++) {
        const cn_param *p = &f->p[i];
        if (!owned(a, p)) continue;
        size_t k = p->goff - a->lo;
        o->adamw(f->w + p->off, f->g + p->goff, a->m1 + k, a->m2 + k, p->n, lr, beta1, beta2, eps, p->decay ? wd : 0.0f, step);
    }
    return CN_OK;
}

cn_status cn_adamw_shard(cn_adamw *a, const cn_flat *f, int part, int nparts) {
    if (nparts < 1 || part < 0 || part >= nparts) return cn_fail(CN_EINVAL, "part %d of %d", part, nparts);
    size_t *off = malloc(((size_t)nparts + 1) * sizeof *off);
    if (!off) return cn_fail(CN_ENOMEM, "out of memory");
    /* whole parameters, in gradient order: a parameter goes to the part its
     * middle falls in, so the parts are contiguous ranges of about ng / n */
    int r = 0;
    off[0] = 0;
    for (int i = 0; i < f->np; i++) {
        const cn_param *p = &f->p[i];
        if (p->goff == SIZE_MAX) continue;
        int want = (int)((double)(p->goff + p->n / 2) * nparts / (double)(f->ng ? f->ng : 1));
        want = want >= nparts ? nparts - 1 : want;
        while (r < want) off[++r] = p->goff;
    }
    while (r < nparts) off[++r] = f->ng;
    size_t lo = off[part], hi = off[part + 1];
    /* moments already there (a resumed run's, whole): keep this part's */
    if (a->m1 && (lo != a->lo || hi != a->hi)) {
        if (lo < a->lo || hi > a->hi) {
            free(off);
            return cn_fail(CN_EINVAL, "the moments held do not cover part %d of %d", part, nparts);
        }
        const cn_ops *o = f->ops;
        float *x = o->alloc((hi - lo ? hi - lo : 1) * sizeof(float)), *y = o->alloc((hi - lo ? hi - lo : 1) * sizeof(float));
        if (!x || !y) {
            if (x) o->free(x);
            if (y) o->free(y);
            free(off);
            return cn_fail(CN_ENOMEM, "out of memory for the AdamW moments");
        }
        o->copy(x, a->m1 + (lo - a->lo), (hi - lo) * sizeof(float));
        o->copy(y, a->m2 + (lo - a->lo), (hi - lo) * sizeof(float));
        free_moments(a, o);
        a->m1 = x, a->m2 = y;
    }
    free(a->shard_off);
    a->shard_off = off, a->nparts = nparts;
    a->lo = lo, a->hi = hi;
    return CN_OK;
}

cn_status cn_adamw_sync(const cn_adamw *a, const cn_flat *f, cn_allgather_fn gather) {
    if (!a->nparts) return CN_OK;
    const cn_ops *o = f->ops;
    if (f->ng == f->nw) return gather(f->w, a->shard_off); /* every parameter trains: the gradients' layout is the weights' */
    /* some are frozen: the gradient buffer carries the weights: each part's own where their
     * gradients were, gathered, then into the weights of the others' */
    for (int i = 0; i < f->np; i++)
        if (owned(a, &f->p[i])) o->copy(f->g + f->p[i].goff, f->w + f->p[i].off, f->p[i].n * sizeof(float));
    cn_status st = gather(f->g, a->shard_off);
    if (st) return st;
    for (int i = 0; i < f->np; i++)
        if (f->p[i].goff != SIZE_MAX && !owned(a, &f->p[i])) o->copy(f->w + f->p[i].off, f->g + f->p[i].goff, f->p[i].n * sizeof(float));
    return CN_OK;
}

cn_status cn_adamw_unshard(cn_adamw *a, const cn_flat *f, cn_allgather_fn gather) {
    if (!a->nparts) return CN_OK;
    const cn_ops *o = f->ops;
    cn_status st = CN_OK;
    if (f->ng) {
        float *x = o->alloc(f->ng * sizeof(float)), *y = o->alloc(f->ng * sizeof(float));
        if (!x || !y) st = cn_fail(CN_ENOMEM, "out of memory for the whole AdamW moments");
        if (!st) {
            o->zero(x, f->ng * sizeof(float)), o->zero(y, f->ng * sizeof(float));
            if (a->m1) { /* else every part's are still zero: they have not started */
                o->copy(x + a->lo, a->m1, (a->hi - a->lo) * sizeof(float));
                o->copy(y + a->lo, a->m2, (a->hi - a->lo) * sizeof(float));
            }
            st = gather(x, a->shard_off);
            if (!st) st = gather(y, a->shard_off);
        }
        if (st) {
            if (x) o->free(x);
            if (y) o->free(y);
            return st;
        }
        free_moments(a, o);
        a->m1 = x, a->m2 = y;
    }
    free(a->shard_off);
    a->shard_off = NULL, a->nparts = 0;
    a->lo = 0, a->hi = f->ng;
    return CN_OK;
}
