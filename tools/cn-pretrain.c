/* cn-pretrain: (continued) pretraining of a LLaMA-class model on token
 * shards: packing, gradient accumulation, AdamW with a schedule, clipping. */
#include <getopt.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bpe.h"
#include "ckpt.h"
#include "dist.h"
#include "io.h"
#include "jsonl.h"
#include "mdir.h"
#include "model.h"
#include "num.h"
#include "optim.h"
#include "pack.h"
#include "tok.h"
#include "tool.h"
#include "train.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s (--init MODEL_DIR | --config config.json) --out OUT [options] DATA...\n"
           "       %s --resume OUT DATA...\n"
           "Trains a LLaMA-class model on token shards (files, Megatron prefixes, or - for\n"
           "a stream on stdin, e.g. from cn-mix): documents are packed as [BOS] doc EOS\n"
           "into sequences of --seq-len; each step accumulates micro-batches up to\n"
           "--batch-tokens, clips the gradient and takes an AdamW step. OUT receives\n"
           "config.json, model.safetensors and tokenizer.json as transformers loads them\n"
           "(--config without -t: no tokenizer.json), and the --init directory's\n"
           "generation_config.json and, unless --vocab-map changes the tokenizer, its\n"
           "tokenizer_config.json.\n\n"
           "  -i, --init DIR         start from this model (config.json + safetensors)\n"
           "  -c, --config FILE      start from random weights of this config.json\n"
           "  -o, --out DIR          the output model directory (required)\n"
           "  -t, --tokenizer FILE   the data's tokenizer.json: BOS/EOS from its post-processor\n"
           "                         and config; checked against the shards; copied to OUT\n"
           "                         (default: the --init directory's own, which -t must equal\n"
           "                         unless --vocab-map grows the model to it)\n"
           "      --vocab-map FILE   with --init and an augmented --tokenizer: the map of\n"
           "                         cn-vocab augment; the embedding (and head) grow to the\n"
           "                         tokenizer's size, each new row the mean of its base pieces'\n"
           "      --head-init mean|zero  the head's new rows: that mean (default, as NeMo) or zero\n"
           "      --no-cross-doc     attention stays within each document; positions restart\n"
           "      --bos ID|none --eos ID|none  override the ids added around documents\n"
           "      --init-std F       --config: normal weights of this deviation (0.02)\n"
           "      --val SHARD        held-out data (repeat for more), packed as the training data:\n"
           "                         its mean loss is val_loss in the log\n"
           "\nThe defaults: --lr 3e-4; the shared training options:\n%s",
           cn_prog, cn_prog, cn_train_help);
    exit(0);
}

typedef struct {
    cn_train_opts t;
    const char *init, *config, *tok, *vmap;
    int head_zero;
    char **val;
    int nval;
    double init_std;
    int64_t bos, eos;
    int bos_set, eos_set, no_cross, std_set, head_set;
} opts;

/* the training loop's view of the data: the packer over the shards */
typedef struct {
    const opts *o;
    cn_packer *pk;
    cn_pack_opts po;
    uint64_t epochs; /* passes over the data already noted */
} data;

/* the next sample; a note (once a pass) when the data starts again from its
 * beginning, since a run that repeats its data is often one that was not
 * meant to */
static cn_status next_sample(void *ctx, int32_t *ids, int32_t *tg, int32_t *seg, int32_t *pos) {
    data *d = ctx;
    cn_status st = cn_packer_next(d->pk, ids, tg, seg, pos);
    uint64_t e = cn_packer_epochs(d->pk);
    if (!st && e > d->epochs) {
        d->epochs = e;
        if (!d->o->t.quiet && cn_dist_rank() == 0) {
            cn_progress_interrupt();
            fprintf(stderr, "%s: note: the data ended (%llu tokens a pass); pass %llu over it begins (--steps or --tokens asks more than one pass)\n",
                    cn_prog, (unsigned long long)llround((double)cn_packer_tokens(d->pk) / cn_packer_passes(d->pk)), (unsigned long long)e + 1);
        }
    }
    return st;
}

static char *describe_data(void *ctx) {
    const data *d = ctx;
    double passes = cn_packer_passes(d->pk);
    char *s = NULL;
    int k = passes > 0 ? asprintf(&s, "%.2f passes over the data", passes)
                       : asprintf(&s, "under one pass over the data (%llu tokens read)", (unsigned long long)cn_packer_tokens(d->pk));
    return k < 0 ? NULL : s;
}

static void save_position(void *ctx, cJSON *p) {
    cn_pack_state ps;
    cn_packer_state(((data *)ctx)->pk, &ps);
    cn_pack_state_to_json(&ps, p);
}

static void save_options(void *ctx, cn_trainer *t) {
    const opts *o = ((data *)ctx)->o;
    t->pretrain = (cn_trainer_pretrain){o->no_cross, o->bos, o->eos};
}

/* the mean loss over up to val_batches micro-batches of the held-out data,
 * packed as the training data (read from the start each time) */
static double validate(void *ctx, cn_model *m, const cn_train_batch *b) {
    data *d = ctx;
    const opts *o = d->o;
    cn_docsrc **src = calloc((size_t)o->nval, sizeof *src);
    cn_docsrc_opts so = {.eos = CN_MEGATRON_EOS_AUTO};
    for (int i = 0; i < o->nval; i++)
        if (!(src[i] = cn_docsrc_open(o->val[i], &so))) cn_die_status();
    cn_packer *pk = cn_packer_new(src, o->nval, &d->po);
    if (!pk) cn_die_status();
    free(src);
    int T = d->po.t, B = (int)o->t.micro;
    double sum = 0;
    uint64_t n = 0;
    for (uint64_t k = 0; k < o->t.val_batches; k++) {
        int s = 0;
        cn_status st = CN_OK;
        for (; s < B; s++) {
            size_t at = (size_t)s * T;
            if ((st = cn_packer_next(pk, b->ids + at, b->tg + at, b->seg + at, b->pos + at))) break;
        }
        if (st && st != CN_EOF) cn_die_status();
        if (s < B || cn_packer_epochs(pk) > 0) break; /* one pass, whole micro-batches */
        cn_batch bt = {b->ids, b->pos, o->no_cross ? b->seg : NULL, NULL, NULL, b->tg};
        double l;
        if (cn_model_loss(m, &bt, &l)) cn_die_status();
        sum += l, n++;
    }
    cn_packer_free(pk);
    if (!n) cn_die("--val: not one micro-batch of %d x %d tokens in the held-out data", B, T);
    return sum / (double)n;
}

static cn_status save_final(void *ctx, cn_model *m, const char *dir) {
    const opts *o = ((data *)ctx)->o;
    cn_status st = cn_model_save(m, dir);
    if (!st && o->tok) st = cn_mdir_write_tokenizer(dir, o->tok);
    return st;
}

/* the model directory the run starts from, with its tokenizer (-t, else
 * its own): one that does not fit the model is refused, with what to do */
static void open_model(cn_mdir *md, const char *dir, const opts *o, int flags) {
    cn_status st = cn_mdir_open(md, dir, o->tok, flags);
    if (st == CN_ERANGE) cn_die("%s: for a tokenizer augmented by cn-vocab augment, give its --vocab-map MAP.jsonl to grow the model", cn_errmsg());
    if (st == CN_EMISMATCH)
        cn_die("-t %s: give the model's own tokenizer, or, for one augmented by cn-vocab augment, its --vocab-map MAP.jsonl", cn_errmsg());
    if (st == CN_EIO && !md->tok && !o->tok) cn_die("%s: give the data's tokenizer.json with -t", cn_errmsg());
    if (st) cn_die_status();
}

/* --resume with --bos/--eos that differ from the run's */
static void resume_id(const char *opt, int64_t mine, int64_t run) {
    char a[32] = "none", b[32] = "none";
    if (mine >= 0) snprintf(a, sizeof a, "%lld", (long long)mine);
    if (run >= 0) snprintf(b, sizeof b, "%lld", (long long)run);
    cn_train_differs(opt, a, b);
}

static int run(opts *o, int ndata, char **data_paths) {
    cn_config c;
    char *ckdir = NULL, *tj = NULL, *tokcopy = NULL;
    cn_trainer trainer = {0};
    const char *dir = o->init; /* the model directory the run starts from */
    if (o->t.resume) { /* the checkpoint's settings replace the command line's */
        cn_train_resume(&o->t, &ckdir, &trainer);
        int no_cross = trainer.pretrain.no_cross_doc;
        int64_t bos = trainer.pretrain.bos, eos = trainer.pretrain.eos;
        if (o->no_cross && !no_cross) cn_train_differs("--no-cross-doc", "given", "attention across documents");
        if (o->bos_set && o->bos != bos) resume_id("--bos", o->bos, bos);
        if (o->eos_set && o->eos != eos) resume_id("--eos", o->eos, eos);
        o->no_cross = no_cross, o->bos = bos, o->eos = eos, o->bos_set = o->eos_set = 1;
        o->tok = tokcopy = cn_train_resume_tokenizer(&o->t, ckdir, o->tok);
        /* and the files the run carries over, beside it in --out */
        if (cn_mdir_carry(o->t.out, ckdir, CN_MDIR_CARRY_GENERATION | CN_MDIR_CARRY_TOKCFG)) cn_die_status();
        dir = ckdir;
    }
    cn_mdir md = {0};
    cn_tok *tok = NULL; /* the data's tokenizer: BOS/EOS, its hash, the grown vocabulary */
    if (dir) { /* an --init model needs its tokenizer (its own or -t) */
        open_model(&md, dir, o, (o->vmap ? CN_MDIR_OTHER_TOKENIZER : 0) | (o->init ? CN_MDIR_TOKENIZER : 0));
        c = md.c, tok = md.tok, o->tok = md.tok_path;
        cn_mdir_gen g; /* carried over at the end: refused now if it is not JSON */
        if (cn_mdir_generation(dir, &g)) cn_die_status();
    } else {
        if (cn_config_load(o->config, &c)) cn_die_status();
        if (o->tok && (!(tok = cn_tok_load(o->tok)) || cn_mdir_check_vocab(tok, o->tok, c.vocab, o->config))) cn_die_status();
    }
    if (o->vmap) { /* the model grows to the augmented tokenizer */
        if (!o->init || !tok) cn_usage_error("--vocab-map needs --init BASE_DIR and the augmented --tokenizer");
        c.vocab = (int)cn_tok_vocab_size(tok);
    }
    if (c.arch != CN_ARCH_LLAMA) cn_die("%s: cn-pretrain trains LLaMA-class models (%s given)", o->init ? o->init : o->config, c.architecture);
    int T = (int)o->t.seq, accum;
    uint64_t steps = cn_train_steps(&o->t, &accum);
    if (cn_config_check_seq(&c, T)) cn_die_status();
    if (o->t.dry) {
        cn_train_print_plan(&o->t, &c, 1, NULL);
        if (!dir) cn_tok_free(tok);
        cn_mdir_close(&md);
        free(tokcopy);
        return 0;
    }
    int64_t bos, eos;
    if (cn_mdir_doc_ids(&c, tok, &bos, &eos)) cn_die_status();
    const uint8_t *tok_hash = tok ? cn_tok_sha256(tok) : NULL;
    if (o->bos_set) bos = o->bos;
    if (o->eos_set) eos = o->eos;
    o->bos = bos, o->eos = eos; /* as they are, for trainer.json */
    if (bos >= c.vocab || eos >= c.vocab) cn_die("BOS %lld or EOS %lld beyond the vocabulary of %d", (long long)bos, (long long)eos, c.vocab);
    /* the data */
    cn_docsrc **src = calloc((size_t)ndata, sizeof *src);
    cn_docsrc_opts so = {.eos = CN_MEGATRON_EOS_AUTO};
    for (int i = 0; i < ndata; i++) {
        if (!(src[i] = cn_docsrc_open(data_paths[i], &so))) cn_die_status();
        int has;
        const cn_shard_info *info = cn_docsrc_info(src[i], &has);
        static const uint8_t zero[32];
        if (has && tok_hash && memcmp(info->tok_hash, zero, 32) != 0 && memcmp(info->tok_hash, tok_hash, 32) != 0)
            cn_die("%s: made with another tokenizer than %s", data_paths[i], o->tok);
        if (has && info->vocab_size > (uint32_t)c.vocab)
            cn_die("%s: vocabulary of %u, the model has %d", data_paths[i], info->vocab_size, c.vocab);
    }
    data d = {o, NULL, {T, bos, eos, o->no_cross, (uint32_t)c.vocab}, 0};
    if (!(d.pk = cn_packer_new(src, ndata, &d.po))) cn_die_status();
    free(src);
    /* the model */
    cn_model *m = cn_model_new(&c, cn_tool_device(o->t.device));
    if (!m) cn_die_status();
    uint64_t step0 = 0;
    if (ckdir) {
        if (cn_ckpt_load(ckdir, m, &tj)) cn_die_status();
        free(tj);
        step0 = (uint64_t)trainer.step;
        cn_pack_state ps;
        char *where = cn_path_join(ckdir, "trainer.json");
        if (!where || cn_pack_state_from_json(trainer.data, where, &ps)) cn_die_status();
        free(where);
        if (cn_packer_restore(d.pk, &ps)) cn_die("%s: %s", ckdir, cn_errmsg());
        d.epochs = cn_packer_epochs(d.pk);
        if (!o->t.quiet) fprintf(stderr, "cn-pretrain: resuming %s at step %llu of %llu\n", ckdir, (unsigned long long)step0, (unsigned long long)steps);
    } else if (o->init && o->vmap) {
        size_t nrows; /* map.jsonl of cn-vocab augment: a row per new token */
        cn_bpe_map_row *map;
        if (cn_bpe_map_read(o->vmap, &map, &nrows)) cn_die_status();
        cn_new_row *rows = malloc((nrows ? nrows : 1) * sizeof *rows);
        if (!rows) cn_die("out of memory");
        for (size_t i = 0; i < nrows; i++) rows[i] = (cn_new_row){map[i].id, map[i].base, map[i].nbase};
        if (cn_model_load_grown(m, o->init, rows, nrows, o->head_zero)) cn_die("%s: %s", o->vmap, cn_errmsg());
        free(rows);
        cn_bpe_map_free(map, nrows);
    } else if (o->init) {
        if (cn_model_load(m, o->init)) cn_die_status();
    } else {
        cn_model_init_random(m, o->t.seed, (float)o->init_std);
    }
    /* carried over: the sampling defaults, and the tokenizer's config where the tokenizer stays the init's own */
    cn_ckpt_side side = {o->tok, ckdir ? o->t.out : o->init, CN_MDIR_CARRY_GENERATION | (o->vmap ? 0 : CN_MDIR_CARRY_TOKCFG)};
    cn_train_hooks h = {&d, next_sample, o->no_cross, save_position, save_options, o->nval ? validate : NULL, save_final, side,
                        describe_data, NULL};
    cn_train_run(&o->t, m, &h, step0);
    cn_packer_free(d.pk);
    cn_model_free(m);
    if (!dir) cn_tok_free(tok);
    cn_mdir_close(&md);
    free(tokcopy);
    cn_trainer_free(&trainer);
    free(ckdir);
    return 0;
}

int main(int argc, char **argv) {
    cn_tool_init("cn-pretrain");
    if (cn_dist_init(&argc, &argv)) cn_die_status();
    opts o = {.init_std = 0.02};
    cn_train_opts_init(&o.t, 3e-4);
    enum { O_NOCROSS = 256, O_BOS, O_EOS, O_STD, O_VMAP, O_HEAD, O_VAL, O_VERSION };
    static const struct option own[] = {
        {"init", required_argument, 0, 'i'}, {"config", required_argument, 0, 'c'}, {"out", required_argument, 0, 'o'},
        {"tokenizer", required_argument, 0, 't'}, {"no-cross-doc", no_argument, 0, O_NOCROSS},
        {"bos", required_argument, 0, O_BOS}, {"eos", required_argument, 0, O_EOS}, {"init-std", required_argument, 0, O_STD},
        {"vocab-map", required_argument, 0, O_VMAP}, {"head-init", required_argument, 0, O_HEAD},
        {"val", required_argument, 0, O_VAL}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    struct option *longs = cn_train_longopts(own);
    int ch;
    while ((ch = getopt_long(argc, argv, "i:c:o:t:qh", longs, NULL)) != -1) {
        if (cn_train_option(&o.t, ch, optarg)) continue;
        switch (ch) {
        case 'i': o.init = optarg; break;
        case 'c': o.config = optarg; break;
        case 'o': o.t.out = optarg; break;
        case 't': o.tok = optarg; break;
        case O_NOCROSS: o.no_cross = 1; break;
        case O_BOS: o.bos_set = 1, o.bos = strcmp(optarg, "none") == 0 ? -1 : (int64_t)cn_opt_u64("--bos", optarg); break;
        case O_EOS: o.eos_set = 1, o.eos = strcmp(optarg, "none") == 0 ? -1 : (int64_t)cn_opt_u64("--eos", optarg); break;
        case O_STD: {
            double v = cn_opt_double("--init-std", optarg);
            if (!(v > 0)) cn_usage_error("option --init-std: must be above 0");
            o.init_std = v, o.std_set = 1;
            break;
        }
        case O_VMAP: o.vmap = optarg; break;
        case O_VAL: /* repeatable: the training data stays positional */
            if (!(o.val = realloc(o.val, (size_t)(o.nval + 1) * sizeof *o.val))) cn_die("out of memory");
            o.val[o.nval++] = optarg;
            break;
        case O_HEAD:
            if (strcmp(optarg, "mean") && strcmp(optarg, "zero")) cn_usage_error("option --head-init: mean or zero");
            o.head_zero = strcmp(optarg, "zero") == 0, o.head_set = 1;
            break;
        case 'q': o.t.quiet = 1; break;
        case 'h': usage();
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    free(longs);
    if (o.t.resume && (o.init || o.config)) cn_usage_error("--resume continues a run: no --init or --config with it");
    if (!o.t.resume && !o.init == !o.config) cn_usage_error("give one of --init MODEL_DIR or --config config.json");
    if (!o.t.out && !o.t.dry && !o.t.resume) cn_usage_error("no output: give --out DIR");
    if (o.t.steps && o.t.tokens) cn_usage_error("give --steps or --tokens, not both");
    if (o.std_set && !o.config) cn_usage_error("--init-std sets --config's random weights: not with --init or --resume");
    if (o.vmap && !o.init) cn_usage_error("--vocab-map grows an --init model: not with --config or --resume");
    if (o.head_set && !o.vmap) cn_usage_error("--head-init sets the rows --vocab-map adds: give --vocab-map");
    if (optind >= argc && !o.t.dry) cn_usage_error("no training data: give shard files, Megatron prefixes or -");
    if (o.t.threads > 0) omp_set_num_threads(o.t.threads);
    o.t.data = argv + optind, o.t.ndata = argc - optind;
    cn_train_check_out(&o.t, o.init);
    int rc = run(&o, argc - optind, argv + optind);
    free(o.val);
    cn_dist_finalize();
    return rc;
}
