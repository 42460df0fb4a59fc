/* optim: the optimizer: learning-rate schedules, gradient clipping, and
 * AdamW (torch.optim.AdamW) with its moments, sharded across ranks or not
 * (ZeRO-1), on a flat view of the parameters, as llm.c's gpt2_update: one
 * parameter buffer w and its table (cn_param: off, n, goff, decay), one
 * gradient buffer g of the trainable parameters in the table's order, and
 * the moments laid out as g. The model (model.h) holds them and steps
 * through here (cn_model_adamw ...). */
#ifndef CN_OPTIM_H
#define CN_OPTIM_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"
#include "model.h"
#include "ops.h"

typedef enum { CN_LR_CONSTANT = 0, CN_LR_COSINE = 1, CN_LR_LINEAR = 2 } cn_lr_schedule;

/* The learning rate of step (1-based) of total: linear warm-up from lr/warmup
 * to lr over the first warmup steps, then constant, or cosine or linear decay
 * to min_lr at the last step. */
double cn_lr(cn_lr_schedule s, int64_t step, int64_t total, int64_t warmup, double lr, double min_lr);
/* "constant", "cosine", "linear" -> schedule; -1 when unknown */
int cn_lr_parse(const char *name);

/* the parameters as the optimizer sees them (all in backend memory) */
typedef struct {
    const cn_ops *ops;
    float *w;          /* [nw] the parameters */
    size_t nw;
    float *g;          /* [ng] the gradients of the trainable ones */
    size_t ng;
    const cn_param *p; /* [np] the table: off and n in w, goff in g (SIZE_MAX: frozen), decay */
    int np;
} cn_flat;

/* The gradients' L2 norm (deterministic); the gradients scaled by s. */
double cn_grad_norm(const cn_flat *f);
void cn_grad_scale(const cn_flat *f, float s);

/* AdamW's state: the moments of the gradients [lo, hi) (all of them, or a
 * rank's part), m1[i - lo] gradient i's; zero-initialised means unsharded
 * with no moments yet (they are allocated on the first step or set). */
typedef struct {
    float *m1, *m2;    /* [hi - lo] first and second moments, NULL before the first step */
    size_t lo, hi;
    size_t *shard_off; /* [nparts + 1] the parts' bounds in g; NULL when not sharded */
    int nparts;
} cn_adamw;

/* Frees the moments and ends a sharding: a fresh state covering [0, ng). */
void cn_adamw_reset(cn_adamw *a, const cn_ops *ops, size_t ng);
/* One step on the parameters whose moments a holds; weight decay only where
 * cn_param.decay; step from 1. CN_ENOMEM when the moments cannot be had. */
cn_status cn_adamw_step(cn_adamw *a, const cn_flat *f, float lr, float beta1, float beta2, float eps, float wd, int64_t step);
/* Parameter i's moments, host copies (zero before the first step); set
 * allocates them when needed. CN_EINVAL for a frozen parameter or another
 * part's. */
cn_status cn_adamw_get(const cn_adamw *a, const cn_flat *f, int i, float *m1, float *m2);
cn_status cn_adamw_set(cn_adamw *a, const cn_flat *f, int i, const float *m1, const float *m2);
/* ZeRO-1 (model.h cn_model_shard_optimizer): this rank becomes part `part`
 * of nparts; whole moments held are cut to it. */
cn_status cn_adamw_shard(cn_adamw *a, const cn_flat *f, int part, int nparts);
/* After a sharded step: every part's new weights to every rank, through g
 * when some parameters are frozen (its gradients are spent). */
cn_status cn_adamw_sync(const cn_adamw *a, const cn_flat *f, cn_allgather_fn gather);
/* Every part's moments gathered on every rank; the sharding ends. */
cn_status cn_adamw_unshard(cn_adamw *a, const cn_flat *f, cn_allgather_fn gather);
#endif
