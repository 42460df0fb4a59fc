/* trainer: trainer.json, the state a training run continues from (each
 * checkpoint holds one, DESIGN.md section 3), read and written here alone:
 *
 *   {"tool": "cn-pretrain", "step": 40, "steps": 100, "tokens": 81920,
 *    "threads": 2, "seed": 1,
 *    "data": {...},          the data's position, serialised by its reader
 *                            (cn_pack_state_to_json, cn_sft_position_to_json)
 *    "options": {...}}       the run's settings: those every trainer shares,
 *                            then the tool's own
 *
 * Parsing checks every value (a count in its range, a number finite), and
 * the error names the file and the key, e.g. "DIR/trainer.json: 'step' is
 * 7, not an integer from 0 to 2". Files from before a key was written read
 * as its default: "tool" from the options ("template": cn-sft,
 * "no_cross_doc": cn-pretrain), schedule cosine, no validation. */
#ifndef CN_TRAINER_H
#define CN_TRAINER_H
#include <cjson/cJSON.h>
#include <stdint.h>
#include "log.h"
#include "model.h"

/* the settings every trainer shares (cn-pretrain's and cn-sft's options) */
typedef struct {
    int64_t seq_len, micro_batch, batch_tokens, warmup, save_every, keep;
    int64_t val_every, val_batches; /* -1: not recorded (a file from before they were) */
    double lr, min_lr, weight_decay, beta1, beta2, eps, clip;
    char schedule[16];              /* constant, cosine, linear */
    int has_precision;              /* 0: not recorded */
    cn_precision precision;
    char *log;                      /* the metrics log (malloc'd), or NULL */
} cn_trainer_opts;

/* cn-pretrain's own */
typedef struct {
    int no_cross_doc;
    int64_t bos, eos; /* -1: none */
} cn_trainer_pretrain;

/* cn-sft's own (strings malloc'd) */
typedef struct {
    char *init, *template_name, *lora_targets;
    int64_t lora_rank, merge;
    double lora_alpha, lora_dropout;
    int64_t max_skip;      /* -1: not recorded */
    int64_t markers_added; /* rows the template's markers added to the vocabulary */
} cn_trainer_sft;

/* cn-retrain's own (strings malloc'd) */
typedef struct {
    char *init, *query_prompt, *passage_prompt;
    int64_t negatives;  /* hard negatives an example */
    double temperature;
} cn_trainer_retrain;

typedef struct {
    char tool[32];  /* "cn-pretrain", "cn-sft", "cn-retrain"; "" when a file does not say */
    int64_t step, steps, tokens, seed, threads;
    cJSON *data;    /* the data position (owned) */
    cn_trainer_opts o;
    cn_trainer_pretrain pretrain; /* tool cn-pretrain */
    cn_trainer_sft sft;           /* tool cn-sft */
    cn_trainer_retrain retrain;   /* tool cn-retrain */
} cn_trainer;

/* Parses a trainer.json (text, n bytes; where names it in errors).
 * CN_EFORMAT on any value missing, of another kind or out of range; then
 * nothing is left to free. */
cn_status cn_trainer_parse(const char *text, size_t n, const char *where, cn_trainer *t);
/* The trainer.json text of t (malloc'd; NULL when out of memory). The data
 * position is copied from t->data (NULL: {}); what is not recorded (-1, or
 * has_precision 0) is left out, so that a file read and written back is the
 * same text. */
char *cn_trainer_to_json(const cn_trainer *t);
/* t's data position object, made empty when t has none (NULL when out of
 * memory): for the data's reader to write its position into. */
cJSON *cn_trainer_data(cn_trainer *t);
/* Frees what t owns (t itself is the caller's) and zeroes it. */
void cn_trainer_free(cn_trainer *t);
#endif
