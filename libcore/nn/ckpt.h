/* ckpt: training checkpoints (DESIGN.md section 3). OUT/step-N/ is a model
 * directory (config.json, model.safetensors, tokenizer.json) plus
 * optimizer.safetensors (AdamW moments, exp_avg.NAME and exp_avg_sq.NAME) and
 * trainer.json (the trainer's own state, trainer.h; opaque here); it is written as
 * OUT/step-N.tmp/, each file fsynced, then renamed, and OUT/latest (a line
 * "step-N") names the newest. A crash at any point leaves the previous
 * checkpoint whole. */
#ifndef CN_CKPT_H
#define CN_CKPT_H
#include <stdint.h>
#include "jsonl.h"
#include "log.h"
#include "model.h"

/* What a checkpoint holds beside the model and the trainer's state: the
 * tokenizer.json copied in (or NULL), and the files carried over from the
 * directory the run started from (cn_mdir_carry's from and what). */
typedef struct {
    const char *tokenizer;
    const char *carry_from;
    int carry;
} cn_ckpt_side;

/* Writes the checkpoint of step; keeps the newest keep step-* directories
 * (0: all). */
cn_status cn_ckpt_save(const char *out, int64_t step, const cn_model *m, const char *trainer_json, const cn_ckpt_side *side,
                       int keep);
/* Removes the files of a model directory or checkpoint in dir (config,
 * weights, adapters, optimizer, trainer and tokenizer files, nothing else),
 * then dir itself when that left it empty: what a failed save leaves. */
void cn_ckpt_remove_model(const char *dir);
/* Whether dir holds a model or a run: one of a model directory's files (the
 * ones cn_ckpt_remove_model removes), OUT/latest or a step-N checkpoint. */
int cn_ckpt_in_use(const char *dir);
/* Clears a run out of OUT, for a new one in its place: its step-N
 * checkpoints, latest and its model's files; other files stay. */
void cn_ckpt_clear(const char *out);
/* The newest checkpoint directory of OUT (malloc'd), or NULL when none. */
char *cn_ckpt_latest(const char *out);
/* Loads a checkpoint's parameters and moments into m (made from its
 * config.json); *trainer_json (malloc'd) is its trainer.json. A model with
 * LoRA adapters (whose checkpoints hold the adapters in PEFT's layout
 * instead of the model) loads only them: its base is loaded first. */
cn_status cn_ckpt_load(const char *dir, cn_model *m, char **trainer_json);

#endif
