/* cn-pretrain: (continued) pretraining of a LLaMA-class model on token
 * shards: packing, gradient accumulation, AdamW with a schedule, clipping. */
#include <getopt.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include "ckpt.h"
#include "dist.h"
#include "io.h"
#include "jsonl.h"
#include "model.h"
#include "num.h"
#include "optim.h"
#include "pack.h"
#include "tok.h"
#include "tool.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s (--init MODEL_DIR | --config config.json) --out OUT [options] DATA...\n"
           "       %s --resume OUT DATA...\n"
           "Trains a LLaMA-class model on token shards (files, Megatron prefixes, or - for\n"
           "a stream on stdin, e.g. from cn-mix): documents are packed as [BOS] doc EOS\n"
           "into sequences of --seq-len; each step accumulates micro-batches up to\n"
           "--batch-tokens, clips the gradient and takes an AdamW step. OUT receives\n"
           "config.json, model.safetensors (and tokenizer.json) as transformers loads them.\n\n"
           "  -i, --init DIR         start from this model (config.json + safetensors)\n"
           "  -c, --config FILE      start from random weights of this config.json\n"
           "  -o, --out DIR          the output model directory (required)\n"
           "  -t, --tokenizer FILE   the data's tokenizer.json: BOS/EOS from its post-processor\n"
           "                         and config; checked against the shards; copied to OUT\n"
           "      --vocab-map FILE   with --init and an augmented --tokenizer: the map of\n"
           "                         cn-vocab augment; the embedding (and head) grow to the\n"
           "                         tokenizer's size, each new row the mean of its base pieces'\n"
           "      --head-init mean|zero  the head's new rows: that mean (default, as NeMo) or zero\n"
           "      --steps N          optimizer steps\n"
           "      --tokens N         or: steps enough for N training tokens (e.g. 20M)\n"
           "      --seq-len T        tokens per sequence (default 256)\n"
           "      --micro-batch B    sequences per forward (default 4)\n"
           "      --batch-tokens N   tokens per optimizer step, a multiple of B x T (default B x T)\n"
           "      --lr F             peak learning rate (default 3e-4)\n"
           "      --min-lr F         the floor the decay ends at (default lr / 10)\n"
           "      --warmup N         warm-up steps (default 0)\n"
           "      --schedule S       constant, cosine or linear (default cosine)\n"
           "      --weight-decay F   AdamW, not on norms and biases (default 0.1)\n"
           "      --beta1 F --beta2 F --eps F   AdamW (0.9, 0.95, 1e-8)\n"
           "      --clip F           gradient norm clipping (default 1.0; 0: none)\n"
           "      --no-cross-doc     attention stays within each document; positions restart\n"
           "      --bos ID|none --eos ID|none  override the ids added around documents\n"
           "      --init-std F       --config: normal weights of this deviation (0.02)\n"
           "      --seed N           for random weights (default 1)\n"
           "      --save-every K     a checkpoint OUT/step-N every K steps (and at the end)\n"
           "      --keep N           keep the newest N checkpoints (default all)\n"
           "      --resume OUT       continue from OUT/latest: the same data position, state and\n"
           "                         settings; bit-identical to an uninterrupted run on as many\n"
           "                         threads. SIGTERM or SIGUSR1 checkpoints and exits 0\n"
           "      --val SHARD        held-out data (repeat for more): the mean loss of up to --val-batches\n"
           "                         micro-batches (default 16) every --val-every steps (default:\n"
           "                         at each checkpoint and the end), as val_loss in the log\n"
           "      --log FILE         metrics JSONL per step: step, tokens, loss, lr, grad_norm,\n"
           "                         tokens_per_s (and val_loss)\n"
           "      --dry-run          print the plan and the memory a step needs, then exit\n"
           "      --threads N        threads (default: all cores)\n"
           "  -q, --quiet            no progress line\n"
           "  -h, --help             this help\n"
           "      --version          print the version\n",
           cn_prog, cn_prog);
    exit(0);
}

typedef struct {
    const char *init, *config, *out, *tok, *log, *schedule, *resume, *vmap;
    int head_zero;
    char **val;
    int nval;
    uint64_t val_every, val_batches;
    uint64_t steps, tokens, seq, micro, batch_tokens, warmup, seed, save_every, keep;
    double lr, min_lr, wd, beta1, beta2, eps, clip, init_std;
    int64_t bos, eos;
    int bos_set, eos_set, no_cross, dry, quiet, threads;
} opts;

static cn_progress prog;
static volatile sig_atomic_t stop_signal;
static void on_stop(int sig) { stop_signal = sig; }

/* the trainer's state and settings, for trainer.json */
static char *trainer_json(const opts *o, uint64_t step, uint64_t steps, uint64_t tokens, const cn_pack_state *ps) {
    cJSON *j = cJSON_CreateObject(), *p = cJSON_CreateObject(), *h = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "step", (double)step);
    cJSON_AddNumberToObject(j, "steps", (double)steps);
    cJSON_AddNumberToObject(j, "tokens", (double)tokens);
    cJSON_AddNumberToObject(j, "threads", o->threads);
    cJSON_AddNumberToObject(j, "seed", (double)o->seed);
    cJSON_AddNumberToObject(p, "docs", (double)ps->docs);
    cJSON_AddNumberToObject(p, "dpos", (double)ps->dpos);
    cJSON_AddNumberToObject(p, "pos", ps->pos);
    cJSON_AddNumberToObject(p, "carry", ps->carry);
    cJSON_AddNumberToObject(p, "carry_doc", (double)ps->carry_doc);
    cJSON_AddNumberToObject(p, "carry_pos", ps->carry_pos);
    cJSON_AddNumberToObject(p, "have_carry", ps->have_carry);
    cJSON_AddNumberToObject(p, "ended", ps->ended);
    cJSON_AddItemToObject(j, "data", p);
    cJSON_AddNumberToObject(h, "seq_len", (double)o->seq);
    cJSON_AddNumberToObject(h, "micro_batch", (double)o->micro);
    cJSON_AddNumberToObject(h, "batch_tokens", (double)o->batch_tokens);
    cJSON_AddNumberToObject(h, "lr", o->lr);
    cJSON_AddNumberToObject(h, "min_lr", o->min_lr);
    cJSON_AddNumberToObject(h, "warmup", (double)o->warmup);
    cJSON_AddStringToObject(h, "schedule", o->schedule);
    cJSON_AddNumberToObject(h, "weight_decay", o->wd);
    cJSON_AddNumberToObject(h, "beta1", o->beta1);
    cJSON_AddNumberToObject(h, "beta2", o->beta2);
    cJSON_AddNumberToObject(h, "eps", o->eps);
    cJSON_AddNumberToObject(h, "clip", o->clip);
    cJSON_AddBoolToObject(h, "no_cross_doc", o->no_cross);
    cJSON_AddNumberToObject(h, "bos", (double)o->bos);
    cJSON_AddNumberToObject(h, "eos", (double)o->eos);
    cJSON_AddNumberToObject(h, "save_every", (double)o->save_every);
    cJSON_AddNumberToObject(h, "keep", (double)o->keep);
    cJSON_AddItemToObject(j, "options", h);
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    if (!s) cn_die("out of memory");
    return s;
}

static double num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v) && !cJSON_IsBool(v)) cn_die("trainer.json: '%s' missing", k);
    return cJSON_IsBool(v) ? (double)cJSON_IsTrue(v) : v->valuedouble;
}

/* map.jsonl of cn-vocab augment: {"id", "piece", "base_ids"} per new token */
static cn_new_row *read_map(const char *path, size_t *n) {
    cn_in *in = cn_in_open(path);
    if (!in) cn_die_status();
    cn_jsonl *j = cn_jsonl_new(in, 0);
    cn_new_row *rows = NULL;
    size_t cap = 0;
    *n = 0;
    cJSON *o;
    cn_status st;
    while ((st = cn_jsonl_next(j, &o)) == CN_OK) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id"), *b = cJSON_GetObjectItemCaseSensitive(o, "base_ids");
        if (!cJSON_IsNumber(id) || id->valuedouble < 0 || !cJSON_IsArray(b))
            cn_die("%s:%llu: a map line needs \"id\" and \"base_ids\"", path, (unsigned long long)cn_jsonl_line(j));
        if (*n == cap && !(rows = realloc(rows, (cap = cap ? cap * 2 : 1024) * sizeof *rows))) cn_die("out of memory");
        uint32_t nb = (uint32_t)cJSON_GetArraySize(b), k = 0;
        uint32_t *base = malloc((nb ? nb : 1) * sizeof *base);
        if (!base) cn_die("out of memory");
        const cJSON *e;
        cJSON_ArrayForEach(e, b) {
            if (!cJSON_IsNumber(e) || e->valuedouble < 0) cn_die("%s:%llu: bad base id", path, (unsigned long long)cn_jsonl_line(j));
            base[k++] = (uint32_t)e->valuedouble;
        }
        rows[(*n)++] = (cn_new_row){(uint32_t)id->valuedouble, base, nb};
    }
    if (st != CN_EOF) cn_die_status();
    cn_jsonl_free(j);
    cn_in_close(in);
    return rows;
}

/* the mean loss over up to val_batches micro-batches of the held-out data,
 * packed as the training data (read from the start each time) */
static double validate(const opts *o, cn_model *m, const cn_pack_opts *po, int32_t *ids, int32_t *tg, int32_t *seg, int32_t *pos) {
    cn_docsrc **src = calloc((size_t)o->nval, sizeof *src);
    cn_docsrc_opts so = {.eos = CN_MEGATRON_EOS_AUTO};
    for (int i = 0; i < o->nval; i++)
        if (!(src[i] = cn_docsrc_open(o->val[i], &so))) cn_die_status();
    cn_packer *pk = cn_packer_new(src, o->nval, po);
    if (!pk) cn_die_status();
    free(src);
    int T = po->t, B = (int)o->micro;
    double sum = 0;
    uint64_t n = 0;
    for (uint64_t k = 0; k < o->val_batches; k++) {
        int s = 0;
        cn_status st = CN_OK;
        for (; s < B; s++) {
            st = cn_packer_next(pk, ids + (size_t)s * T, tg + (size_t)s * T, seg + (size_t)s * T, pos + (size_t)s * T);
            if (st) break;
        }
        if (st && st != CN_EOF) cn_die_status();
        if (s < B || cn_packer_epochs(pk) > 0) break; /* one pass, whole micro-batches */
        cn_batch bt = {ids, pos, o->no_cross ? seg : NULL, NULL, NULL, tg};
        double l;
        if (cn_model_forward(m, &bt, &l)) cn_die_status();
        sum += l, n++;
    }
    cn_packer_free(pk);
    if (!n) cn_die("--val: not one micro-batch of %d x %d tokens in the held-out data", B, T);
    return sum / (double)n;
}

static int run(opts *o, int ndata, char **data) {
    cn_config c;
    char *ckdir = NULL, *tj = NULL, tokbuf[4200];
    cJSON *trainer = NULL;
    if (o->resume) { /* the checkpoint's settings replace the command line's */
        if (!(ckdir = cn_ckpt_latest(o->resume))) cn_die("%s: no checkpoint to resume (no %s/latest)", o->resume, o->resume);
        if (cn_config_load(ckdir, &c)) cn_die_status();
        char tp[4300];
        snprintf(tp, sizeof tp, "%s/trainer.json", ckdir);
        size_t n;
        char *text = cn_read_all(tp, &n);
        if (!text) cn_die_status();
        trainer = cJSON_ParseWithLength(text, n);
        free(text);
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(trainer, "options");
        if (!cJSON_IsObject(h)) cn_die("%s: not a trainer.json", tp);
        o->seq = (uint64_t)num(h, "seq_len"), o->micro = (uint64_t)num(h, "micro_batch"), o->batch_tokens = (uint64_t)num(h, "batch_tokens");
        o->lr = num(h, "lr"), o->min_lr = num(h, "min_lr"), o->warmup = (uint64_t)num(h, "warmup");
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(h, "schedule");
        o->schedule = cJSON_IsString(sc) && cn_lr_parse(sc->valuestring) >= 0 ? sc->valuestring : "cosine";
        o->wd = num(h, "weight_decay"), o->beta1 = num(h, "beta1"), o->beta2 = num(h, "beta2"), o->eps = num(h, "eps");
        o->clip = num(h, "clip"), o->no_cross = (int)num(h, "no_cross_doc");
        o->bos = (int64_t)num(h, "bos"), o->eos = (int64_t)num(h, "eos"), o->bos_set = o->eos_set = 1;
        o->save_every = (uint64_t)num(h, "save_every"), o->keep = (uint64_t)num(h, "keep");
        o->steps = (uint64_t)num(trainer, "steps"), o->tokens = 0, o->seed = (uint64_t)num(trainer, "seed");
        if ((int)num(trainer, "threads") != o->threads)
            fprintf(stderr, "%s: warning: the run had %d threads, this one %d: it will not be bit-identical to an uninterrupted run\n",
                    cn_prog, (int)num(trainer, "threads"), o->threads);
        if (!o->out) o->out = o->resume;
        /* the tokenizer: into OUT (where the final model goes), since --keep
         * may remove the checkpoint it comes from */
        char from[4300];
        snprintf(from, sizeof from, "%s/tokenizer.json", ckdir);
        snprintf(tokbuf, sizeof tokbuf, "%s/tokenizer.json", o->out);
        o->tok = NULL;
        if (access(from, R_OK) == 0) {
            if (cn_copy_file(from, tokbuf)) cn_die_status();
            o->tok = tokbuf;
        }
    } else if (cn_config_load(o->init ? o->init : o->config, &c)) {
        cn_die_status();
    }
    cn_tok *tok = NULL; /* the data's tokenizer: BOS/EOS, its hash, the grown vocabulary */
    if (o->tok && !(tok = cn_tok_load(o->tok))) cn_die_status();
    if (o->vmap) { /* the model grows to the augmented tokenizer */
        if (!o->init || !tok) cn_usage_error("--vocab-map needs --init BASE_DIR and the augmented --tokenizer");
        c.vocab = (int)cn_tok_vocab_size(tok);
    }
    if (c.arch != CN_ARCH_LLAMA) cn_die("%s: cn-pretrain trains LLaMA-class models (%s given)", o->init ? o->init : o->config, c.architecture);
    int T = (int)o->seq, B = (int)o->micro;
    uint64_t per_micro = (uint64_t)B * T, batch = o->batch_tokens ? o->batch_tokens : per_micro;
    if (batch % per_micro) cn_usage_error("--batch-tokens %llu is not a multiple of micro-batch x seq-len (%llu)", (unsigned long long)batch,
                                          (unsigned long long)per_micro);
    int accum = (int)(batch / per_micro);
    uint64_t steps = o->steps ? o->steps : (o->tokens + batch - 1) / batch;
    if (!steps) cn_usage_error("give --steps N or --tokens N");
    if (cn_config_check_seq(&c, T)) cn_die_status();
    if (o->dry) {
        cn_model_mem mm;
        cn_model_memory(&c, B, T, 1, &mm);
        printf("model: %s, %llu parameters; %llu steps of %llu tokens (%d micro-batches of %d x %d)\n", c.architecture,
               (unsigned long long)cn_config_params(&c), (unsigned long long)steps, (unsigned long long)batch, accum, B, T);
        printf("memory: parameters %.1f MB, gradients %.1f MB, AdamW moments %.1f MB, activations %.1f MB, total %.1f MB\n",
               mm.params / 1048576.0, mm.grads / 1048576.0, mm.moments / 1048576.0, mm.acts / 1048576.0, mm.total / 1048576.0);
        cn_tok_free(tok);
        return 0;
    }
    int64_t bos = c.bos, eos = c.eos;
    const uint8_t *tok_hash = NULL;
    if (tok) {
        if (cn_tok_template(tok, &bos, &eos)) cn_die_status();
        if (eos < 0) eos = c.eos; /* LLaMA's template adds no EOS; the config names it */
        tok_hash = cn_tok_sha256(tok);
    }
    if (o->bos_set) bos = o->bos;
    if (o->eos_set) eos = o->eos;
    o->bos = bos, o->eos = eos; /* as they are, for trainer.json */
    if (bos >= c.vocab || eos >= c.vocab) cn_die("BOS %lld or EOS %lld beyond the vocabulary of %d", (long long)bos, (long long)eos, c.vocab);
    /* the data */
    cn_docsrc **src = calloc((size_t)ndata, sizeof *src);
    cn_docsrc_opts so = {.eos = CN_MEGATRON_EOS_AUTO};
    for (int i = 0; i < ndata; i++) {
        if (!(src[i] = cn_docsrc_open(data[i], &so))) cn_die_status();
        int has;
        const cn_shard_info *info = cn_docsrc_info(src[i], &has);
        static const uint8_t zero[32];
        if (has && tok_hash && memcmp(info->tok_hash, zero, 32) != 0 && memcmp(info->tok_hash, tok_hash, 32) != 0)
            cn_die("%s: made with another tokenizer than %s", data[i], o->tok);
        if (has && info->vocab_size > (uint32_t)c.vocab)
            cn_die("%s: vocabulary of %u, the model has %d", data[i], info->vocab_size, c.vocab);
    }
    cn_pack_opts po = {T, bos, eos, o->no_cross, (uint32_t)c.vocab};
    cn_packer *pk = cn_packer_new(src, ndata, &po);
    if (!pk) cn_die_status();
    free(src);
    /* the model */
    cn_model *m = cn_model_new(&c, cn_ops_cpu());
    if (!m) cn_die_status();
    uint64_t step0 = 0;
    if (ckdir) {
        if (cn_ckpt_load(ckdir, m, &tj)) cn_die_status();
        free(tj);
        step0 = (uint64_t)num(trainer, "step");
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(trainer, "data");
        cn_pack_state ps = {(uint64_t)num(d, "docs"), (uint64_t)num(d, "dpos"), (uint64_t)num(d, "carry_doc"), (int32_t)num(d, "pos"),
                            (int32_t)num(d, "carry"), (int32_t)num(d, "carry_pos"), (int)num(d, "have_carry"), (int)num(d, "ended")};
        if (cn_packer_restore(pk, &ps)) cn_die_status();
        if (!o->quiet) fprintf(stderr, "cn-pretrain: resuming %s at step %llu of %llu\n", ckdir, (unsigned long long)step0, (unsigned long long)steps);
    } else if (o->init && o->vmap) {
        size_t nrows;
        cn_new_row *rows = read_map(o->vmap, &nrows);
        if (cn_model_load_grown(m, o->init, rows, nrows, o->head_zero)) cn_die("%s: %s", o->vmap, cn_errmsg());
        for (size_t i = 0; i < nrows; i++) free((void *)rows[i].base);
        free(rows);
    } else if (o->init) {
        if (cn_model_load(m, o->init)) cn_die_status();
    } else {
        cn_model_init_random(m, o->seed, (float)o->init_std);
    }
    if (cn_model_batch(m, B, T)) cn_die_status();
    cn_out *log = NULL;
    if (o->log && cn_dist_rank() == 0 && !(log = cn_out_open(o->log, 0))) cn_die_status();
    size_t n = (size_t)B * T;
    int32_t *ids = malloc(n * 4), *tg = malloc(n * 4), *seg = malloc(n * 4), *pos = malloc(n * 4);
    if (!ids || !tg || !seg || !pos) cn_die("out of memory");
    double t0 = cn_now(), min_lr = o->min_lr >= 0 ? o->min_lr : o->lr / 10;
    int sched = cn_lr_parse(o->schedule);
    signal(SIGTERM, on_stop);
    signal(SIGUSR1, on_stop);
    /* every rank packs the whole global stream and takes every R-th
     * micro-batch; each micro-batch's gradients are summed alone, so that R
     * ranks of A micro-batches equal one rank of R x A (for R = 2, A = 1: bit
     * for bit) */
    int rank = cn_dist_rank(), nrank = cn_dist_size(), mine = 0;
    if (nrank > 1 && rank == 0 && !o->quiet)
        fprintf(stderr, "cn-pretrain: %d ranks, %d micro-batches of %d x %d a step\n", nrank, accum, B, T);
    for (uint64_t step = step0 + 1; step <= steps; step++) {
        double loss = 0;
        for (int a = 0; a < accum; a++) {
            for (int s = 0; s < B; s++) {
                cn_status st = cn_packer_next(pk, ids + (size_t)s * T, tg + (size_t)s * T, seg + (size_t)s * T, pos + (size_t)s * T);
                if (st == CN_EOF) cn_die("the data ended at step %llu (it cannot be read again: stdin)", (unsigned long long)step);
                if (st) cn_die_status();
            }
            if (a % nrank != rank) continue;
            cn_batch bt = {ids, pos, o->no_cross ? seg : NULL, NULL, NULL, tg};
            double l;
            cn_model_zero_grad(m);
            if (cn_model_forward(m, &bt, &l) || cn_model_backward(m, NULL)) cn_die_status();
            if (accum > nrank && cn_model_accumulate(m, a < nrank)) cn_die_status();
            loss += l;
            mine = 1;
        }
        if (!mine) cn_model_zero_grad(m); /* more ranks than micro-batches */
        if (accum > nrank) cn_model_accumulated(m);
        size_t ng;
        float *gd = cn_model_grad_data(m, &ng);
        if (cn_dist_sum_f32(gd, ng) || cn_dist_sum_f64(&loss, 1)) cn_die_status();
        loss /= accum;
        cn_model_scale_grad(m, 1.0f / (float)accum);
        double gn = cn_model_grad_norm(m);
        if (!isfinite(loss) || !isfinite(gn)) {
            if (log) cn_out_abort(log);
            cn_die("step %llu: the loss (%g) or the gradient norm (%g) is not finite; stopping (the output is left as it was)",
                   (unsigned long long)step, loss, gn);
        }
        if (o->clip > 0 && gn > o->clip) cn_model_scale_grad(m, (float)(o->clip / gn));
        double lr = cn_lr((cn_lr_schedule)sched, (int64_t)step, (int64_t)steps, (int64_t)o->warmup, o->lr, min_lr);
        if (cn_model_adamw(m, (float)lr, (float)o->beta1, (float)o->beta2, (float)o->eps, (float)o->wd, (int64_t)step)) cn_die_status();
        double dt = cn_now() - t0, tps = (double)(step - step0) * batch / (dt > 0 ? dt : 1e-9);
        if (rank == 0) cn_progress_update(&prog, step == steps, "cn-pretrain: step %llu/%llu loss %.4f lr %.3g %.0f tokens/s ETA %.0f s",
                           (unsigned long long)step, (unsigned long long)steps, loss, lr, tps, (double)(steps - step) * batch / tps);
        int checkpoint = (o->save_every && step % o->save_every == 0) || step == steps || stop_signal;
        double val = NAN;
        double stop = stop_signal != 0; /* every rank stops at the same step */
        if (cn_dist_sum_f64(&stop, 1)) cn_die_status();
        if (stop > 0 && !stop_signal) stop_signal = SIGTERM;
        checkpoint |= stop_signal != 0;
        if (rank == 0 && o->nval && ((o->val_every && step % o->val_every == 0) || (!o->val_every && checkpoint))) {
            val = validate(o, m, &po, ids, tg, seg, pos);
            if (!o->quiet && !isatty(2)) fprintf(stderr, "cn-pretrain: step %llu val_loss %.4f\n", (unsigned long long)step, val);
        }
        if (log) {
            char line[512], vl[64] = "";
            if (!isnan(val)) snprintf(vl, sizeof vl, ", \"val_loss\": %.6f", val);
            int k = snprintf(line, sizeof line,
                             "{\"step\": %llu, \"tokens\": %llu, \"loss\": %.6f, \"lr\": %.6g, \"grad_norm\": %.6g, \"tokens_per_s\": %.1f%s}\n",
                             (unsigned long long)step, (unsigned long long)(step * batch), loss, lr, gn, tps, vl);
            if (cn_out_write(log, line, (size_t)k)) cn_die_status();
        }
        if (checkpoint && rank == 0) {
            cn_pack_state ps;
            cn_packer_state(pk, &ps);
            char *js = trainer_json(o, step, steps, step * batch, &ps);
            if (cn_ckpt_save(o->out, (int64_t)step, m, js, o->tok, (int)o->keep)) cn_die_status();
            free(js);
        }
        if (stop_signal) {
            cn_progress_end(&prog);
            if (log && cn_out_commit(log)) cn_die_status();
            log = NULL;
            if (rank == 0)
                fprintf(stderr, "cn-pretrain: signal %d: checkpoint of step %llu in %s; continue with --resume %s\n", (int)stop_signal,
                        (unsigned long long)step, o->out, o->out);
            break;
        }
    }
    cn_progress_end(&prog);
    if (rank == 0 && !stop_signal) { /* rank 0 writes the model */
        if (cn_model_save(m, o->out)) cn_die_status();
        if (o->tok) {
            char path[4096];
            snprintf(path, sizeof path, "%s/tokenizer.json", o->out);
            if (cn_copy_file(o->tok, path)) cn_die_status();
        }
        if (log && cn_out_commit(log)) cn_die_status();
        if (!o->quiet)
            fprintf(stderr, "cn-pretrain: %llu steps, %llu tokens, %.1f s; model in %s\n", (unsigned long long)steps,
                    (unsigned long long)(steps * batch), cn_now() - t0, o->out);
    }
    free(ids), free(tg), free(seg), free(pos);
    cn_packer_free(pk);
    cn_model_free(m);
    cn_tok_free(tok);
    cJSON_Delete(trainer);
    free(ckdir);
    return 0;
}

static double opt_pos(const char *name, const char *v, int zero_ok) {
    double d = cn_opt_double(name, v);
    if (!(d > 0 || (zero_ok && d == 0))) cn_usage_error("option %s: must be %s", name, zero_ok ? "at least 0" : "above 0");
    return d;
}

int main(int argc, char **argv) {
    cn_tool_init("cn-pretrain");
    if (cn_dist_init(&argc, &argv)) cn_die_status();
    opts o = {.seq = 256, .micro = 4, .lr = 3e-4, .min_lr = -1, .wd = 0.1, .beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8,
              .clip = 1.0, .init_std = 0.02, .seed = 1, .schedule = "cosine", .val_batches = 16};
    o.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    enum { O_STEPS = 256, O_TOKENS, O_SEQ, O_MICRO, O_BATCH, O_LR, O_MINLR, O_WARMUP, O_SCHED, O_WD, O_B1, O_B2, O_EPS, O_CLIP,
           O_NOCROSS, O_BOS, O_EOS, O_STD, O_SEED, O_LOG, O_DRY, O_THREADS, O_SAVE, O_KEEP, O_RESUME, O_VMAP, O_HEAD, O_VAL,
           O_VALEVERY, O_VALBATCHES, O_VERSION };
    static const struct option longs[] = {
        {"init", required_argument, 0, 'i'}, {"config", required_argument, 0, 'c'}, {"out", required_argument, 0, 'o'},
        {"tokenizer", required_argument, 0, 't'}, {"steps", required_argument, 0, O_STEPS}, {"tokens", required_argument, 0, O_TOKENS},
        {"seq-len", required_argument, 0, O_SEQ}, {"micro-batch", required_argument, 0, O_MICRO},
        {"batch-tokens", required_argument, 0, O_BATCH}, {"lr", required_argument, 0, O_LR}, {"min-lr", required_argument, 0, O_MINLR},
        {"warmup", required_argument, 0, O_WARMUP}, {"schedule", required_argument, 0, O_SCHED},
        {"weight-decay", required_argument, 0, O_WD}, {"beta1", required_argument, 0, O_B1}, {"beta2", required_argument, 0, O_B2},
        {"eps", required_argument, 0, O_EPS}, {"clip", required_argument, 0, O_CLIP}, {"no-cross-doc", no_argument, 0, O_NOCROSS},
        {"bos", required_argument, 0, O_BOS}, {"eos", required_argument, 0, O_EOS}, {"init-std", required_argument, 0, O_STD},
        {"seed", required_argument, 0, O_SEED}, {"log", required_argument, 0, O_LOG}, {"dry-run", no_argument, 0, O_DRY},
        {"threads", required_argument, 0, O_THREADS}, {"save-every", required_argument, 0, O_SAVE},
        {"keep", required_argument, 0, O_KEEP}, {"resume", required_argument, 0, O_RESUME},
        {"vocab-map", required_argument, 0, O_VMAP}, {"head-init", required_argument, 0, O_HEAD},
        {"val", required_argument, 0, O_VAL}, {"val-every", required_argument, 0, O_VALEVERY},
        {"val-batches", required_argument, 0, O_VALBATCHES},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "i:c:o:t:qh", longs, NULL)) != -1) {
        switch (ch) {
        case 'i': o.init = optarg; break;
        case 'c': o.config = optarg; break;
        case 'o': o.out = optarg; break;
        case 't': o.tok = optarg; break;
        case O_STEPS: o.steps = cn_opt_u64("--steps", optarg); break;
        case O_TOKENS: o.tokens = cn_opt_u64("--tokens", optarg); break;
        case O_SEQ:
            o.seq = cn_opt_u64("--seq-len", optarg);
            if (o.seq < 1 || o.seq > (1u << 20)) cn_usage_error("option --seq-len: between 1 and 1M");
            break;
        case O_MICRO:
            o.micro = cn_opt_u64("--micro-batch", optarg);
            if (o.micro < 1 || o.micro > 65536) cn_usage_error("option --micro-batch: between 1 and 65536");
            break;
        case O_BATCH: o.batch_tokens = cn_opt_u64("--batch-tokens", optarg); break;
        case O_LR: o.lr = opt_pos("--lr", optarg, 0); break;
        case O_MINLR: o.min_lr = opt_pos("--min-lr", optarg, 1); break;
        case O_WARMUP: o.warmup = cn_opt_u64("--warmup", optarg); break;
        case O_SCHED:
            if (cn_lr_parse(optarg) < 0) cn_usage_error("option --schedule: constant, cosine or linear");
            o.schedule = optarg;
            break;
        case O_WD: o.wd = opt_pos("--weight-decay", optarg, 1); break;
        case O_B1: o.beta1 = opt_pos("--beta1", optarg, 1); break;
        case O_B2: o.beta2 = opt_pos("--beta2", optarg, 1); break;
        case O_EPS: o.eps = opt_pos("--eps", optarg, 0); break;
        case O_CLIP: o.clip = opt_pos("--clip", optarg, 1); break;
        case O_NOCROSS: o.no_cross = 1; break;
        case O_BOS: o.bos_set = 1, o.bos = strcmp(optarg, "none") == 0 ? -1 : (int64_t)cn_opt_u64("--bos", optarg); break;
        case O_EOS: o.eos_set = 1, o.eos = strcmp(optarg, "none") == 0 ? -1 : (int64_t)cn_opt_u64("--eos", optarg); break;
        case O_STD: o.init_std = opt_pos("--init-std", optarg, 0); break;
        case O_SEED: o.seed = cn_opt_u64("--seed", optarg); break;
        case O_LOG: o.log = optarg; break;
        case O_DRY: o.dry = 1; break;
        case O_THREADS: {
            uint64_t v = cn_opt_u64("--threads", optarg);
            if (v < 1 || v > 1024) cn_usage_error("option --threads: between 1 and 1024");
            o.threads = (int)v;
            break;
        }
        case O_SAVE: o.save_every = cn_opt_u64("--save-every", optarg); break;
        case O_KEEP: o.keep = cn_opt_u64("--keep", optarg); break;
        case O_RESUME: o.resume = optarg; break;
        case O_VMAP: o.vmap = optarg; break;
        case O_VAL: /* repeatable: the training data stays positional */
            if (!(o.val = realloc(o.val, (size_t)(o.nval + 1) * sizeof *o.val))) cn_die("out of memory");
            o.val[o.nval++] = optarg;
            break;
        case O_VALEVERY: o.val_every = cn_opt_u64("--val-every", optarg); break;
        case O_VALBATCHES:
            o.val_batches = cn_opt_u64("--val-batches", optarg);
            if (!o.val_batches) cn_usage_error("option --val-batches: at least 1");
            break;
        case O_HEAD:
            if (strcmp(optarg, "mean") && strcmp(optarg, "zero")) cn_usage_error("option --head-init: mean or zero");
            o.head_zero = strcmp(optarg, "zero") == 0;
            break;
        case 'q': o.quiet = 1; break;
        case 'h': usage();
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (o.resume && (o.init || o.config)) cn_usage_error("--resume continues a run: no --init or --config with it");
    if (!o.resume && !o.init == !o.config) cn_usage_error("give one of --init MODEL_DIR or --config config.json");
    if (!o.out && !o.dry && !o.resume) cn_usage_error("no output: give --out DIR");
    if (o.steps && o.tokens) cn_usage_error("give --steps or --tokens, not both");
    if (optind >= argc && !o.dry) cn_usage_error("no training data: give shard files, Megatron prefixes or -");
    if (o.threads > 0) omp_set_num_threads(o.threads);
    cn_progress_begin(&prog, o.quiet || cn_dist_rank() != 0);
    int rc = run(&o, argc - optind, argv + optind);
    free(o.val);
    cn_dist_finalize();
    return rc;
}
