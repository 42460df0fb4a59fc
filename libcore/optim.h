/* optim: learning-rate schedules (AdamW itself is cn_model_adamw). */
#ifndef CN_OPTIM_H
#define CN_OPTIM_H
#include <stdint.h>

typedef enum { CN_LR_CONSTANT = 0, CN_LR_COSINE = 1, CN_LR_LINEAR = 2 } cn_lr_schedule;

/* The learning rate of step (1-based) of total: linear warm-up from lr/warmup
 * to lr over the first warmup steps, then constant, or cosine or linear decay
 * to min_lr at the last step. */
double cn_lr(cn_lr_schedule s, int64_t step, int64_t total, int64_t warmup, double lr, double min_lr);
/* "constant", "cosine", "linear" -> schedule; -1 when unknown */
int cn_lr_parse(const char *name);
#endif
