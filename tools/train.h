/* train: what cn-pretrain and cn-sft share: the optimizer's options and
 * their help, the training loop (micro-batches taken in turn by the ranks,
 * gradient accumulation, the sum across ranks, clipping, AdamW on a
 * schedule, the NaN stop, validation, the progress line and metrics log,
 * checkpoints and SIGTERM/SIGUSR1) and trainer.json. The tool supplies the
 * model and its samples through cn_train_hooks. */
#ifndef CN_TRAIN_H
#define CN_TRAIN_H
#include <getopt.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "ckpt.h"
#include "model.h"
#include "trainer.h"

typedef struct {
    uint64_t steps, tokens, seq, micro, batch_tokens, warmup, seed, save_every, keep, val_every, val_batches, log_every;
    double lr, min_lr, wd, beta1, beta2, eps, clip;
    const char *schedule, *out, *log, *resume, *device;
    int dry, quiet, threads, zero1, overwrite, ranks; /* ranks: --dry-run's plan */
    cn_precision precision; /* of the products (model.h) */
    uint64_t given;         /* the shared options given on the command line (bit: option - 1000) */
    char **data;            /* the data arguments, for the command that resumes */
    int ndata;
} cn_train_opts;

/* the defaults: lr as given, cosine, AdamW 0.9/0.95/1e-8, wd 0.1, clip 1 */
void cn_train_opts_init(cn_train_opts *o, double lr);

/* The shared long options merged after the tool's own (tool: terminated by
 * a zero entry; the result is malloc'd), and their parser: 1 when ch was
 * one of them (usage errors exit 2). Their values start at 1000. */
struct option *cn_train_longopts(const struct option *tool);
int cn_train_option(cn_train_opts *o, int ch, const char *arg);
/* The usage errors of a fine-tuner (cn-sft, cn-retrain): --init and
 * --resume, one of them (what: the --init argument's name in the message);
 * an --out unless resuming or a dry run; --steps or --tokens, not both. */
void cn_train_check_init(const cn_train_opts *o, const char *init, const char *what);
/* whether the shared option --name was given on the command line */
int cn_train_given(const cn_train_opts *o, const char *name);
/* the shared options' lines for --help */
extern const char cn_train_help[];

/* A micro-batch of B sequences of T tokens: ids, targets, segment, pos,
 * each [B*T], owned by the loop. */
typedef struct {
    int32_t *ids, *tg, *seg, *pos;
} cn_train_batch;

/* The hooks a tool gives the loop; ctx is the tool's. */
typedef struct {
    void *ctx;
    /* the next sample: ids, targets (< 0: no loss), segment, pos each [T];
     * CN_EOF when the data ended for good */
    cn_status (*next)(void *ctx, int32_t *ids, int32_t *tg, int32_t *seg, int32_t *pos);
    /* whether attention stays within segments */
    int use_segments;
    /* the data position into trainer.json's "data" */
    void (*save_position)(void *ctx, cJSON *data);
    /* the tool's own settings into trainer.json (t->pretrain or t->sft) */
    void (*save_options)(void *ctx, cn_trainer *t);
    /* the mean held-out loss, or NULL for none; b is the loop's micro-batch
     * to fill (free between steps) */
    double (*validate)(void *ctx, cn_model *m, const cn_train_batch *b);
    /* writes the final model to the output directory */
    cn_status (*save_final)(void *ctx, cn_model *m, const char *dir);
    /* what checkpoints hold beside the model: the tokenizer.json copied in,
     * and the files carried over (cn_mdir_carry) into them and the final
     * model */
    cn_ckpt_side side;
    /* the passes over the data so far, for the run's last line ("2.50
     * passes over the data"; malloc'd, NULL for none), or NULL */
    char *(*describe_data)(void *ctx);
    /* a micro-batch's forward and backward done by the tool itself (a loss
     * the model does not compute, as cn-retrain's), or NULL for next()'s
     * samples through the model's own loss (next is then not called). The
     * hook reads the micro-batch a of the step; with m NULL (another rank's
     * turn) it only moves past it. CN_EOF when the data ended for good. */
    cn_status (*micro)(void *ctx, cn_model *m, int a, double *loss);
} cn_train_hooks;

/* Trains from step0 (0, or a resumed checkpoint's step) to the last step;
 * exits the process (cn_die) on failure. Returns 1 when a signal stopped it
 * (its checkpoint written), 0 at the end. */
int cn_train_run(const cn_train_opts *o, cn_model *m, const cn_train_hooks *h, uint64_t step0);

/* the number of optimizer steps and micro-batches a step, from the options
 * (usage error when the batch is not a multiple of the micro-batch) */
uint64_t cn_train_steps(const cn_train_opts *o, int *accum);

/* --dry-run: prints the plan (steps, micro-batches, the model; note, when
 * not NULL, after it) and the memory a step needs to stdout. */
void cn_train_print_plan(const cn_train_opts *o, const cn_config *c, int train_all, const char *note);

/* Resume: OUT/latest's directory (malloc'd; cn_die when none) and its
 * trainer.json in *t (cn_trainer_free; its tool's own settings are in
 * t->pretrain or t->sft); the shared options replaced by
 * the checkpoint's (a warning when the thread count differs). A setting the
 * run recorded that the command line gives again with another value is a
 * usage error (cn_train_differs); --threads, --device, --zero1 and --log may
 * change. */
void cn_train_resume(cn_train_opts *o, char **ckdir, cn_trainer *t);
/* Before a run writes to --out: refused when it is the init directory, or
 * holds a model or a run (cn_ckpt_in_use) unless --overwrite, which clears
 * that run first; resuming into the run's own directory passes. */
void cn_train_check_out(const cn_train_opts *o, const char *init);
/* With --resume: the usage error for option opt given as mine where the
 * resumed run (its trainer.json) has run's. */
void cn_train_differs(const char *opt, const char *mine, const char *run) __attribute__((noreturn));
/* With --resume: the checkpoint's tokenizer, copied into --out (where the
 * final model goes: --keep may remove the checkpoint); its path there
 * (malloc'd), or NULL when the checkpoint has none. A tokenizer given (-t)
 * must be the checkpoint's, by SHA-256 (a usage error otherwise, and when
 * the checkpoint has none). */
char *cn_train_resume_tokenizer(const cn_train_opts *o, const char *ckdir, const char *given);
#endif
