/* optim: learning-rate schedules. */
#include "optim.h"

#include <math.h>
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
