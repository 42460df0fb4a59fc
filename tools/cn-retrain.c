/* cn-retrain: a dense retriever fine-tuned by contrastive learning (libcore
 * contrast, pairs, encoder) in the shared training loop (train.c). */
#include <getopt.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ckpt.h"
#include "contrast.h"
#include "dist.h"
#include "encoder.h"
#include "mdir.h"
#include "pairs.h"
#include "tool.h"
#include "train.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s --init ENCODER_DIR --out OUT [options] PAIRS.jsonl...\n"
           "       %s --resume OUT PAIRS.jsonl...\n"
           "Fine-tunes a BERT-family encoder as a dense retriever on examples\n"
           "{\"query\": Q, \"pos\": [P, ...], \"neg\": [N, ...]} (plain or zstd): each query is\n"
           "scored against every candidate of its micro-batch (all its queries' positives\n"
           "and hard negatives) by cosine similarity / --temperature, and the loss is the\n"
           "cross-entropy with its own positive as the label (sentence-transformers'\n"
           "MultipleNegativesRankingLoss). Texts are encoded as cn-embed does: the prompt\n"
           "first, [CLS] and [SEP] around, cut to --seq-len, mean pooling, L2 norm. Each\n"
           "epoch shuffles the examples; a micro-batch never holds the same text twice as\n"
           "a candidate (sentence-transformers' NoDuplicatesBatchSampler). With several\n"
           "ranks each micro-batch is its own pool of candidates: 2 ranks equal 1 rank\n"
           "accumulating 2 micro-batches. OUT receives the encoder (config.json,\n"
           "model.safetensors, tokenizer.json) as a Hugging Face BERT directory that is\n"
           "also a sentence-transformers one (modules.json, 1_Pooling, 2_Normalize,\n"
           "sentence_bert_config.json, config_sentence_transformers.json with the prompts).\n\n"
           "  -i, --init DIR         the encoder to start from\n"
           "  -o, --out DIR          the output directory (required)\n"
           "      --temperature F    the scores' temperature (default 0.05, scale 20; e5: 0.01)\n"
           "      --num-negatives N  hard negatives an example (default 1; 0: in-batch only)\n"
           "      --query-prompt T   put before each query (default \"query: \")\n"
           "      --passage-prompt T put before each candidate (default \"passage: \")\n"
           "  (--micro-batch B: examples a micro-batch, default 16; --seq-len T: tokens a\n"
           "   text, default 128; --batch-tokens: examples x T a step)\n"
           "%s",
           cn_prog, cn_prog, cn_train_help);
    exit(0);
}

typedef struct {
    const char *init, *qp, *pp;
    double temperature;
    int negatives, temp_set, neg_set, qp_set, pp_set;
    cn_train_opts t;
} opts;

typedef struct {
    const opts *o;
    cn_pairs *pairs;
    cn_encoder *e;
    size_t *idx;       /* [B] the micro-batch's examples */
    int32_t *ids;      /* [(B + N) * T] */
    uint8_t *valid;
    uint64_t cut;      /* texts cut to --seq-len so far */
} run_ctx;

/* one micro-batch: the queries, their positives, then their negatives */
static cn_status micro(void *ctx, cn_model *m, int a, double *loss) {
    (void)a;
    run_ctx *r = ctx;
    const opts *o = r->o;
    int B = (int)o->t.micro, T = (int)o->t.seq, K = 1 + o->negatives, nc = B * K;
    cn_status st = cn_pairs_next(r->pairs, r->idx);
    if (st || !m) return st; /* another rank's turn: moved past it */
    for (int i = 0; i < B && !st; i++) {
        const cn_pair *p = cn_pairs_at(r->pairs, r->idx[i]);
        int cut = 0;
        st = cn_encoder_row(r->e, o->qp, p->query, strlen(p->query), T, r->ids + (size_t)i * T, r->valid + (size_t)i * T, &cut);
        r->cut += (uint64_t)cut;
        for (int c = 0; c < K && !st; c++) { /* positives at B + i, negatives after all of them */
            size_t row = (size_t)B + (c == 0 ? (size_t)i : (size_t)B + (size_t)i * o->negatives + (size_t)(c - 1));
            st = cn_encoder_row(r->e, o->pp, p->cand[c], strlen(p->cand[c]), T, r->ids + row * T, r->valid + row * T, &cut);
            r->cut += (uint64_t)cut;
        }
    }
    cn_contrast_batch b = {B, nc, T, r->ids, r->valid};
    if (!st) st = cn_model_batch(m, B + nc, T);
    if (!st) st = cn_contrast_step(m, &b, (float)(1.0 / o->temperature), 1, loss);
    return st;
}

static void save_position(void *ctx, cJSON *d) {
    cn_pairs_pos p = cn_pairs_position(((run_ctx *)ctx)->pairs);
    cJSON_AddNumberToObject(d, "epoch", (double)p.epoch);
    cJSON_AddNumberToObject(d, "batches", (double)p.batches);
}

static void save_options(void *ctx, cn_trainer *t) {
    const opts *o = ((run_ctx *)ctx)->o;
    t->retrain = (cn_trainer_retrain){(char *)o->init, (char *)o->qp, (char *)o->pp, o->negatives, o->temperature};
}

static cn_status save_final(void *ctx, cn_model *m, const char *dir) {
    const run_ctx *r = ctx;
    const cn_mdir *md = cn_encoder_dir(r->e);
    cn_status st = cn_model_save(m, dir);
    if (!st) st = cn_mdir_write_tokenizer(dir, md->tok_path);
    if (!st) st = cn_mdir_write_sentence_transformers(dir, md->c.d_model, (int)r->o->t.seq, r->o->qp, r->o->pp);
    return st;
}

static char *describe_data(void *ctx) {
    const run_ctx *r = ctx;
    cn_pairs_pos p = cn_pairs_position(r->pairs);
    char *s = NULL;
    if (asprintf(&s, "%lld epochs and %lld micro-batches over %zu examples; %llu texts cut to --seq-len", (long long)p.epoch,
                 (long long)p.batches, cn_pairs_count(r->pairs), (unsigned long long)r->cut) < 0)
        return NULL;
    return s;
}

/* a resumed run's setting given again with another value: a usage error */
static void differs_num(const char *opt, double mine, double run) {
    char a[32], b[32];
    snprintf(a, sizeof a, "%g", mine), snprintf(b, sizeof b, "%g", run);
    cn_train_differs(opt, a, b);
}

static int run(opts *o, int ndata, char **data) {
    char *ckdir = NULL, *tj = NULL;
    cn_trainer trainer = {0};
    if (o->t.resume) { /* the checkpoint's settings replace the command line's */
        cn_train_resume(&o->t, &ckdir, &trainer);
        const cn_trainer_retrain *h = &trainer.retrain;
        if (o->temp_set && o->temperature != h->temperature) differs_num("--temperature", o->temperature, h->temperature);
        if (o->neg_set && o->negatives != h->negatives) differs_num("--num-negatives", o->negatives, (double)h->negatives);
        if (o->qp_set && strcmp(o->qp, h->query_prompt)) cn_train_differs("--query-prompt", o->qp, h->query_prompt);
        if (o->pp_set && strcmp(o->pp, h->passage_prompt)) cn_train_differs("--passage-prompt", o->pp, h->passage_prompt);
        o->init = h->init, o->qp = h->query_prompt, o->pp = h->passage_prompt;
        o->temperature = h->temperature, o->negatives = (int)h->negatives;
    }
    cn_pairs *pairs = cn_pairs_read((const char *const *)data, ndata, o->negatives);
    if (!pairs) cn_die_status();
    cn_encoder *e = cn_encoder_open(o->init, cn_tool_device(o->t.device));
    if (!e) cn_die_status();
    const cn_config *c = &cn_encoder_dir(e)->c;
    int B = (int)o->t.micro, T = (int)o->t.seq, accum, rows = B * (2 + o->negatives);
    uint64_t steps = cn_train_steps(&o->t, &accum);
    if (T < 2) cn_usage_error("--seq-len %d: [CLS] and [SEP] need 2 tokens", T);
    if (T > c->max_pos) cn_usage_error("--seq-len %d: the encoder has %d positions", T, c->max_pos);
    if (o->t.dry) {
        char note[96];
        snprintf(note, sizeof note, "; each micro-batch %d sequences (queries, positives, negatives)", rows);
        cn_train_print_plan(&o->t, c, 1, note);
        cn_encoder_close(e), cn_pairs_free(pairs);
        return 0;
    }
    cn_pairs_pos pos = {0, 0};
    cn_model *m = cn_encoder_model(e);
    uint64_t step0 = 0;
    if (ckdir) {
        if (cn_ckpt_load(ckdir, m, &tj)) cn_die_status();
        free(tj);
        step0 = (uint64_t)trainer.step;
        char *where = cn_path_join(ckdir, "trainer.json");
        int64_t ep, nb;
        if (!where || cn_json_int(trainer.data, "epoch", where, 0, CN_JSON_INT_MAX, &ep) ||
            cn_json_int(trainer.data, "batches", where, 0, CN_JSON_INT_MAX, &nb))
            cn_die_status();
        free(where);
        pos = (cn_pairs_pos){ep, nb};
        if (!o->t.quiet) fprintf(stderr, "cn-retrain: resuming %s at step %llu of %llu\n", ckdir, (unsigned long long)step0, (unsigned long long)steps);
    }
    if (cn_pairs_start(pairs, B, o->t.seed, pos)) cn_die("%s: %s", data[0], cn_errmsg());
    run_ctx r = {o, pairs, e, malloc((size_t)B * sizeof(size_t)), calloc((size_t)rows * T, sizeof(int32_t)), calloc((size_t)rows * T, 1), 0};
    if (!r.idx || !r.ids || !r.valid) cn_die("out of memory");
    /* checkpoints hold the tokenizer; the init's tokenizer_config.json goes on */
    cn_ckpt_side side = {cn_encoder_dir(e)->tok_path, o->init, CN_MDIR_CARRY_TOKCFG};
    cn_train_hooks h = {&r, NULL, 0, save_position, save_options, NULL, save_final, side, describe_data, micro};
    cn_train_run(&o->t, m, &h, step0);
    free(r.idx), free(r.ids), free(r.valid);
    cn_encoder_close(e);
    cn_pairs_free(pairs);
    cn_trainer_free(&trainer);
    free(ckdir);
    return 0;
}

int main(int argc, char **argv) {
    cn_tool_init("cn-retrain");
    if (cn_dist_init(&argc, &argv)) cn_die_status();
    opts o = {.qp = "query: ", .pp = "passage: ", .temperature = 0.05, .negatives = 1};
    cn_train_opts_init(&o.t, 2e-5);
    o.t.seq = 128, o.t.micro = 16;
    enum { O_TEMP = 256, O_NEG, O_QP, O_PP, O_VERSION };
    static const struct option own[] = {
        {"init", required_argument, 0, 'i'}, {"out", required_argument, 0, 'o'}, {"temperature", required_argument, 0, O_TEMP},
        {"num-negatives", required_argument, 0, O_NEG}, {"query-prompt", required_argument, 0, O_QP},
        {"passage-prompt", required_argument, 0, O_PP}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    struct option *longs = cn_train_longopts(own);
    int ch;
    while ((ch = getopt_long(argc, argv, "i:o:qh", longs, NULL)) != -1) {
        if (cn_train_option(&o.t, ch, optarg)) continue;
        switch (ch) {
        case 'i': o.init = optarg; break;
        case 'o': o.t.out = optarg; break;
        case O_TEMP:
            o.temperature = cn_opt_double("--temperature", optarg), o.temp_set = 1;
            if (!(o.temperature >= 1e-4 && o.temperature <= 100)) cn_usage_error("option --temperature: from 1e-4 to 100");
            break;
        case O_NEG: {
            uint64_t v = cn_opt_u64("--num-negatives", optarg);
            if (v > 64) cn_usage_error("option --num-negatives: at most 64");
            o.negatives = (int)v, o.neg_set = 1;
            break;
        }
        case O_QP: o.qp = optarg, o.qp_set = 1; break;
        case O_PP: o.pp = optarg, o.pp_set = 1; break;
        case 'q': o.t.quiet = 1; break;
        case 'h': usage();
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    free(longs);
    cn_train_check_init(&o.t, o.init, "ENCODER_DIR");
    if (optind >= argc) cn_usage_error("no training data: give PAIRS.jsonl files");
    static const char *const unused[] = {"val-every", "val-batches"};
    for (int i = 0; i < 2; i++)
        if (cn_train_given(&o.t, unused[i])) cn_usage_error("--%s: cn-retrain has no held-out loss", unused[i]);
    if (o.t.threads > 0) omp_set_num_threads(o.t.threads);
    o.t.data = argv + optind, o.t.ndata = argc - optind;
    cn_train_check_out(&o.t, o.init);
    int rc = run(&o, argc - optind, argv + optind);
    cn_dist_finalize();
    return rc;
}
