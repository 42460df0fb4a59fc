/* trainer: trainer.json read into a typed struct and written back. */
#include "trainer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonl.h"
#include "optim.h"

#define BIG CN_JSON_INT_MAX

void cn_trainer_free(cn_trainer *t) {
    cJSON_Delete(t->data);
    free(t->o.log);
    free(t->sft.init), free(t->sft.template_name), free(t->sft.lora_targets);
    free(t->retrain.init), free(t->retrain.query_prompt), free(t->retrain.passage_prompt);
    memset(t, 0, sizeof *t);
}

cJSON *cn_trainer_data(cn_trainer *t) {
    if (!t->data) t->data = cJSON_CreateObject();
    return t->data;
}

static const cJSON *item(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

/* a string value copied (malloc'd), or CN_EFORMAT naming it */
static cn_status str(const cJSON *o, const char *key, const char *where, char **out) {
    const cJSON *v = item(o, key);
    if (!cJSON_IsString(v)) return cn_fail(CN_EFORMAT, "%s: '%s' missing or not a string", where, key);
    return (*out = strdup(v->valuestring)) ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
}

/* an integer that files from before it was written lack: def then */
static cn_status opt_int(const cJSON *o, const char *key, const char *where, int64_t lo, int64_t hi, int64_t def, int64_t *out) {
    if (!item(o, key)) return *out = def, CN_OK;
    return cn_json_int(o, key, where, lo, hi, out);
}

static cn_status parse_opts(const cJSON *h, const char *where, cn_trainer_opts *o) {
    cn_status st = cn_json_int(h, "seq_len", where, 1, INT32_MAX, &o->seq_len);
    if (!st) st = cn_json_int(h, "micro_batch", where, 1, INT32_MAX, &o->micro_batch);
    if (!st) st = cn_json_int(h, "batch_tokens", where, 0, BIG, &o->batch_tokens);
    if (!st) st = cn_json_num(h, "lr", where, &o->lr);
    if (!st) st = cn_json_num(h, "min_lr", where, &o->min_lr);
    if (!st) st = cn_json_int(h, "warmup", where, 0, BIG, &o->warmup);
    const cJSON *sc = item(h, "schedule");
    snprintf(o->schedule, sizeof o->schedule, "%s", cJSON_IsString(sc) && cn_lr_parse(sc->valuestring) >= 0 ? sc->valuestring : "cosine");
    if (!st) st = cn_json_num(h, "weight_decay", where, &o->weight_decay);
    if (!st) st = cn_json_num(h, "beta1", where, &o->beta1);
    if (!st) st = cn_json_num(h, "beta2", where, &o->beta2);
    if (!st) st = cn_json_num(h, "eps", where, &o->eps);
    if (!st) st = cn_json_num(h, "clip", where, &o->clip);
    if (!st) st = cn_json_int(h, "save_every", where, 0, BIG, &o->save_every);
    if (!st) st = cn_json_int(h, "keep", where, 0, INT32_MAX, &o->keep);
    if (!st) st = opt_int(h, "val_every", where, 0, BIG, -1, &o->val_every);
    if (!st) st = opt_int(h, "val_batches", where, 0, BIG, -1, &o->val_batches);
    const cJSON *pr = item(h, "precision");
    if (!st && cJSON_IsString(pr)) {
        o->has_precision = 1;
        if (cn_precision_parse(pr->valuestring, &o->precision)) st = cn_fail(CN_EFORMAT, "%s: %s", where, cn_errmsg());
    }
    const cJSON *lg = item(h, "log");
    if (!st && cJSON_IsString(lg) && *lg->valuestring && !(o->log = strdup(lg->valuestring))) st = cn_fail(CN_ENOMEM, "out of memory");
    return st;
}

static cn_status parse_pretrain(const cJSON *h, const char *where, cn_trainer_pretrain *p) {
    int64_t nc = 0;
    cn_status st = cn_json_int(h, "no_cross_doc", where, 0, 1, &nc);
    p->no_cross_doc = (int)nc;
    if (!st) st = cn_json_int(h, "bos", where, -1, INT32_MAX, &p->bos);
    if (!st) st = cn_json_int(h, "eos", where, -1, INT32_MAX, &p->eos);
    return st;
}

static cn_status parse_sft(const cJSON *h, const char *where, cn_trainer_sft *s) {
    if (!cJSON_IsString(item(h, "init")) || !cJSON_IsString(item(h, "template")) || !cJSON_IsString(item(h, "lora_targets")))
        return cn_fail(CN_EFORMAT, "%s: not cn-sft's (no \"init\", \"template\" and \"lora_targets\" strings)", where);
    cn_status st = str(h, "init", where, &s->init);
    if (!st) st = str(h, "template", where, &s->template_name);
    if (!st) st = str(h, "lora_targets", where, &s->lora_targets);
    if (!st) st = cn_json_int(h, "lora_rank", where, 0, 1 << 20, &s->lora_rank);
    if (!st) st = cn_json_int(h, "merge", where, 0, 1, &s->merge);
    if (!st) st = cn_json_num(h, "lora_alpha", where, &s->lora_alpha);
    if (!st) st = cn_json_num(h, "lora_dropout", where, &s->lora_dropout);
    if (!st) st = opt_int(h, "max_skip", where, 0, BIG, -1, &s->max_skip);
    if (!st) st = opt_int(h, "markers_added", where, 0, 2, 0, &s->markers_added);
    return st;
}

static cn_status parse_retrain(const cJSON *h, const char *where, cn_trainer_retrain *r) {
    cn_status st = str(h, "init", where, &r->init);
    if (!st) st = str(h, "query_prompt", where, &r->query_prompt);
    if (!st) st = str(h, "passage_prompt", where, &r->passage_prompt);
    if (!st) st = cn_json_int(h, "negatives", where, 0, 1 << 16, &r->negatives);
    if (!st) st = cn_json_num(h, "temperature", where, &r->temperature);
    if (!st && !(r->temperature > 0)) st = cn_fail(CN_EFORMAT, "%s: 'temperature' %g is not above 0", where, r->temperature);
    return st;
}

cn_status cn_trainer_parse(const char *text, size_t n, const char *where, cn_trainer *t) {
    memset(t, 0, sizeof *t);
    cJSON *root = cJSON_ParseWithLength(text, n);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cn_fail(CN_EFORMAT, "%s: not a JSON object", where);
    }
    const cJSON *h = item(root, "options");
    cJSON *data = cJSON_DetachItemFromObjectCaseSensitive(root, "data");
    t->data = data;
    cn_status st = CN_OK;
    if (!cJSON_IsObject(h) || !cJSON_IsObject(data))
        st = cn_fail(CN_EFORMAT, "%s: not a trainer.json (no \"options\" and \"data\" objects)", where);
    if (!st) st = cn_json_int(root, "steps", where, 1, BIG, &t->steps);
    if (!st) st = cn_json_int(root, "step", where, 0, t->steps, &t->step);
    if (!st) st = cn_json_int(root, "tokens", where, 0, BIG, &t->tokens);
    if (!st) st = cn_json_int(root, "seed", where, 0, BIG, &t->seed);
    if (!st) st = cn_json_int(root, "threads", where, 1, 1 << 16, &t->threads);
    /* the tool (files from before "tool" was written: by their options) */
    const cJSON *tl = item(root, "tool");
    const char *tool = cJSON_IsString(tl)          ? tl->valuestring
                     : item(h, "template")         ? "cn-sft"
                     : item(h, "no_cross_doc")     ? "cn-pretrain"
                                                   : "";
    snprintf(t->tool, sizeof t->tool, "%s", tool);
    if (!st) st = parse_opts(h, where, &t->o);
    if (!st && strcmp(t->tool, "cn-pretrain") == 0) st = parse_pretrain(h, where, &t->pretrain);
    if (!st && strcmp(t->tool, "cn-sft") == 0) st = parse_sft(h, where, &t->sft);
    if (!st && strcmp(t->tool, "cn-retrain") == 0) st = parse_retrain(h, where, &t->retrain);
    cJSON_Delete(root);
    if (st) cn_trainer_free(t);
    return st;
}

/* a number as the shortest text that reads back as the same double (cJSON's
 * own printing can be an ulp off: a resumed run must step with the very
 * learning rate it began with) */
static void num(cJSON *o, const char *key, double v) {
    char b[32];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(b, sizeof b, "%.*g", digits, v);
        if (strtod(b, NULL) == v) break;
    }
    cJSON_AddRawToObject(o, key, b);
}

char *cn_trainer_to_json(const cn_trainer *t) {
    cJSON *j = cJSON_CreateObject(), *x = cJSON_CreateObject();
    cJSON *p = t->data ? cJSON_Duplicate(t->data, 1) : cJSON_CreateObject();
    if (!j || !x || !p) {
        cJSON_Delete(j), cJSON_Delete(x), cJSON_Delete(p);
        return NULL;
    }
    cJSON_AddStringToObject(j, "tool", t->tool);
    num(j, "step", (double)t->step);
    num(j, "steps", (double)t->steps);
    num(j, "tokens", (double)t->tokens);
    num(j, "threads", (double)t->threads);
    num(j, "seed", (double)t->seed);
    cJSON_AddItemToObject(j, "data", p);
    const cn_trainer_opts *o = &t->o;
    num(x, "seq_len", (double)o->seq_len);
    num(x, "micro_batch", (double)o->micro_batch);
    num(x, "batch_tokens", (double)o->batch_tokens);
    num(x, "lr", o->lr);
    num(x, "min_lr", o->min_lr);
    num(x, "warmup", (double)o->warmup);
    cJSON_AddStringToObject(x, "schedule", o->schedule);
    num(x, "weight_decay", o->weight_decay);
    num(x, "beta1", o->beta1);
    num(x, "beta2", o->beta2);
    num(x, "eps", o->eps);
    num(x, "clip", o->clip);
    num(x, "save_every", (double)o->save_every);
    num(x, "keep", (double)o->keep);
    if (o->val_every >= 0) num(x, "val_every", (double)o->val_every);
    if (o->val_batches >= 0) num(x, "val_batches", (double)o->val_batches);
    if (o->has_precision) cJSON_AddStringToObject(x, "precision", cn_precision_name(o->precision));
    if (o->log) cJSON_AddStringToObject(x, "log", o->log);
    if (strcmp(t->tool, "cn-pretrain") == 0) {
        const cn_trainer_pretrain *q = &t->pretrain;
        cJSON_AddBoolToObject(x, "no_cross_doc", q->no_cross_doc);
        num(x, "bos", (double)q->bos);
        num(x, "eos", (double)q->eos);
    } else if (strcmp(t->tool, "cn-sft") == 0) {
        const cn_trainer_sft *s = &t->sft;
        cJSON_AddStringToObject(x, "init", s->init);
        cJSON_AddStringToObject(x, "template", s->template_name);
        num(x, "lora_rank", (double)s->lora_rank);
        num(x, "lora_alpha", s->lora_alpha);
        num(x, "lora_dropout", s->lora_dropout);
        cJSON_AddStringToObject(x, "lora_targets", s->lora_targets);
        cJSON_AddBoolToObject(x, "merge", (int)s->merge);
        if (s->max_skip >= 0) num(x, "max_skip", (double)s->max_skip);
        num(x, "markers_added", (double)s->markers_added);
    } else if (strcmp(t->tool, "cn-retrain") == 0) {
        const cn_trainer_retrain *r = &t->retrain;
        cJSON_AddStringToObject(x, "init", r->init);
        cJSON_AddStringToObject(x, "query_prompt", r->query_prompt);
        cJSON_AddStringToObject(x, "passage_prompt", r->passage_prompt);
        num(x, "negatives", (double)r->negatives);
        num(x, "temperature", r->temperature);
    }
    cJSON_AddItemToObject(j, "options", x);
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    return s;
}
