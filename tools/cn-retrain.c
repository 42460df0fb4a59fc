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
#include "io.h"
#include "jsonl.h"
#include "mdir.h"
#include "mine.h"
#include "pairs.h"
#include "passage.h"
#include "qgen.h"
#include "rng.h"
#include "structure.h"
#include "texts.h"
#include "tool.h"
#include "train.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s (--init ENCODER_DIR | --config config.json -t tokenizer.json) --out OUT [options] PAIRS.jsonl...\n"
           "       %s --resume OUT PAIRS.jsonl...\n"
           "       %s pairs [options] DOCS.jsonl... -o PAIRS.jsonl (--help: its options)\n"
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
           "  -c, --config FILE      or: start from random weights of this BERT config.json\n"
           "  -t, --tokenizer FILE   --config: the WordPiece tokenizer.json (copied to OUT)\n"
           "      --init-std F       --config: normal weights of this deviation (0.02)\n"
           "  -o, --out DIR          the output directory (required)\n"
           "      --temperature F    the scores' temperature (default 0.05, scale 20; e5: 0.01)\n"
           "      --num-negatives N  hard negatives an example (default 1; 0: in-batch only)\n"
           "      --query-prompt T   put before each query (default \"query: \")\n"
           "      --passage-prompt T put before each candidate (default \"passage: \")\n"
           "  (--micro-batch B: examples a micro-batch, default 16; --seq-len T: tokens a\n"
           "   text, default 128; --batch-tokens: examples x T a step)\n"
           "%s",
           cn_prog, cn_prog, cn_prog, cn_train_help);
    exit(0);
}

typedef struct {
    const char *init, *config, *tok, *qp, *pp;
    double temperature, init_std;
    int negatives, temp_set, neg_set, qp_set, pp_set, std_set;
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
    /* a run from random weights records no init ("") */
    t->retrain = (cn_trainer_retrain){(char *)(o->init ? o->init : ""), (char *)o->qp, (char *)o->pp, o->negatives, o->temperature};
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
        o->init = *h->init ? h->init : NULL, o->qp = h->query_prompt, o->pp = h->passage_prompt;
        o->temperature = h->temperature, o->negatives = (int)h->negatives;
    }
    cn_pairs *pairs = cn_pairs_read((const char *const *)data, ndata, o->negatives);
    if (!pairs) cn_die_status();
    /* from random weights: the config and tokenizer given, or on resuming the
       checkpoint's (its tokenizer copied into --out: --keep may remove the
       checkpoint), whose loading then sets the weights */
    const cn_ops *ops = cn_tool_device(o->t.device);
    char *tokcopy = ckdir && !o->init ? cn_train_resume_tokenizer(&o->t, ckdir, NULL) : NULL;
    cn_encoder *e = o->init ? cn_encoder_open(o->init, ops)
                            : cn_encoder_new(ckdir ? ckdir : o->config, ckdir ? tokcopy : o->tok, o->t.seed, (float)o->init_std, ops);
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
        cn_encoder_close(e), cn_pairs_free(pairs), free(tokcopy);
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
    free(ckdir), free(tokcopy);
    return 0;
}

/* ---- pairs: training examples from unlabelled documents ---- */

static void pairs_usage(void) __attribute__((noreturn));
static void pairs_usage(void) {
    printf("Usage: %s pairs [options] DOCS.jsonl... -o PAIRS.jsonl\n"
           "Training examples {\"query\", \"pos\": [P], \"neg\": [N, ...], \"kind\", \"source\"} from\n"
           "documents {\"text\", ...} (plain or zstd), as their layout states them: a\n"
           "heading and its section, an option and its description, a usage line and its\n"
           "help text, a comment and the code below it, a title and its first paragraph;\n"
           "with --generator, also passages (cut as cn-embed index cuts them) and the\n"
           "query a causal LM writes for each (ChipNeMo's synthetic queries).\n"
           "With --miner, each gets hard negatives mined as sentence-transformers'\n"
           "mine_hard_negatives does: the other positives (distinct texts) ranked by\n"
           "cosine to the query, ranks --range-min to --range-max, each at most the\n"
           "positive's score less --relative-margin of its size, the best --num-negatives;\n"
           "every positive of the same query is excluded, and random ones fill in when\n"
           "too few remain. The output is the same bytes whatever --threads.\n\n"
           "  -o, --output FILE        the examples (required; plain, or zstd by .zst)\n"
           "      --chunk-chars N      a positive's characters at most (default 512)\n"
           "      --kinds LIST         of heading,option,command,comment,title,generated\n"
           "                           (default all; generated needs --generator)\n"
           "      --generator DIR      a LLaMA-class model that writes a query a passage\n"
           "                           answers: the first line with text of its greedy\n"
           "                           continuation, within --generator-tokens\n"
           "      --generate N         passages it writes for, drawn by --seed (default all)\n"
           "      --generator-prompt T the prompt, \"{passage}\" where the passage goes\n"
           "                           (default \"Passage: {passage}\\nA question it answers:\")\n"
           "      --generator-tokens N a query's tokens at most (default 32)\n"
           "      --exclude FILE       JSONL {\"text\"}: an example whose query or positive\n"
           "                           holds one of these (white space and ASCII case\n"
           "                           aside) is dropped\n"
           "      --max-pairs N        at most N examples, drawn by --seed (default all)\n"
           "      --miner DIR          the encoder that mines hard negatives\n"
           "      --num-negatives N    a query's hard negatives (default 3; needs --miner)\n"
           "      --range-min N        candidates skipped at the top (default 0)\n"
           "      --range-max N        candidates considered (default 50)\n"
           "      --relative-margin F  default 0.05; none: no margin\n"
           "      --no-fill            no random fill: an example short of negatives is dropped\n"
           "      --query-prompt T     before each query (default the miner's, else \"query: \")\n"
           "      --passage-prompt T   before each candidate (default the miner's, else \"passage: \")\n"
           "      --seed N             random fill and --max-pairs (default 1)\n"
           "      --threads N          threads (default all cores)\n"
           "  -q, --quiet              no counts on stderr\n",
           cn_prog);
    exit(0);
}

typedef struct {
    char *query, *pos;
    int kind; /* a structure.h kind, or GENERATED */
    char *source;
} ex;

enum { GENERATED = CN_SP_KINDS, NKINDS };
static const char *kind_name(int k) { return k == GENERATED ? "generated" : cn_sp_kind_name[k]; }

/* the line (0-based) of byte at in s */
static size_t line_of(const char *s, size_t at) {
    size_t l = 0;
    for (size_t i = 0; i < at; i++) l += s[i] == '\n';
    return l;
}

/* which k of n (k < n) a seeded draw keeps: a mask (malloc'd) */
static uint8_t *drawn(size_t n, uint64_t k, uint64_t seed, uint64_t salt) {
    size_t *idx = malloc(n * sizeof *idx);
    uint8_t *keep = calloc(n, 1);
    if (!idx || !keep) cn_die("out of memory");
    for (size_t i = 0; i < n; i++) idx[i] = i;
    uint64_t key[2] = {seed, salt};
    cn_rng r;
    cn_rng_seed(&r, key, 2);
    for (size_t i = 0; i < k; i++) { /* a partial Fisher-Yates shuffle */
        size_t j = i + (size_t)cn_rng_below(&r, n - i), t = idx[i];
        idx[i] = idx[j], idx[j] = t;
        keep[idx[i]] = 1;
    }
    free(idx);
    return keep;
}

static cn_progress gen_prog;
static void on_generated(void *arg, size_t done, size_t n) {
    (void)arg;
    cn_progress_update(&gen_prog, done == n, "%s pairs: queries written %zu of %zu", cn_prog, done, n);
}

/* Appends to v the generated examples: the documents cut into passages of
 * chunk characters, n_gen of them (0: all) drawn by seed, each with the
 * query the generator writes; *empty counts those it wrote nothing for. */
static void generated_pairs(const cn_texts *docs, const char *dir, const char *tmpl, int max_new, int chunk, uint64_t n_gen,
                            uint64_t seed, int quiet, ex **v, size_t *nv, size_t *cap, size_t *empty) {
    cn_text_span *p;
    size_t np;
    if (cn_passage_cut_all((const char *const *)docs->s, docs->len, docs->n, chunk, 0, &p, &np)) cn_die("%s", cn_errmsg());
    if (n_gen && n_gen < np) { /* a seeded draw, kept in the documents' order */
        uint8_t *keep = drawn(np, n_gen, seed, 0x67656e71ull);
        size_t w = 0;
        for (size_t i = 0; i < np; i++)
            if (keep[i]) p[w++] = p[i];
        np = w;
        free(keep);
    }
    const char **t = malloc((np + 1) * sizeof *t);
    size_t *len = malloc((np + 1) * sizeof *len), cut;
    char **q = malloc((np + 1) * sizeof *q);
    if (!t || !len || !q) cn_die("out of memory");
    for (size_t i = 0; i < np; i++) t[i] = docs->s[p[i].text] + p[i].start, len[i] = p[i].end - p[i].start;
    cn_qgen *g = cn_qgen_open(dir, cn_tool_device(NULL), omp_get_max_threads());
    if (!g) cn_die_status();
    cn_progress_begin(&gen_prog, quiet);
    if (cn_qgen_run(g, tmpl, t, len, np, max_new, q, &cut, on_generated, NULL)) cn_die("%s: %s", dir, cn_errmsg());
    cn_progress_end(&gen_prog);
    cn_qgen_close(g);
    if (cut && !quiet) fprintf(stderr, "%s pairs: %zu of %zu passages cut to fit the generator's prompt\n", cn_prog, cut, np);
    for (size_t i = 0; i < np; i++) {
        if (!*q[i]) {
            free(q[i]), (*empty)++;
            continue;
        }
        if (*nv == *cap && !(*v = realloc(*v, (*cap = *cap ? 2 * *cap : 1024) * sizeof **v))) cn_die("out of memory");
        char *pos = malloc(len[i] + 1), *src = NULL;
        const cn_text_span *x = &p[i];
        if (!pos || asprintf(&src, "%s+%zu", docs->where[x->text], line_of(docs->s[x->text], x->start)) < 0) cn_die("out of memory");
        memcpy(pos, t[i], len[i]), pos[len[i]] = 0;
        (*v)[(*nv)++] = (ex){q[i], pos, GENERATED, src};
    }
    free(t), free(len), free(q), free(p);
}

/* s as --exclude compares it: no white space, lowercase (malloc'd) */
static char *folded(const char *s) {
    char *o = cn_fold(s, strlen(s));
    if (!o) cn_die("out of memory");
    return o;
}

static int by_str(const void *a, const void *b, void *arg) {
    char *const *s = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(s[x], s[y]);
    return c ? c : (x > y) - (x < y);
}

/* each string's class: the index of its first occurrence's class, classes
 * numbered in order of first appearance; *nclass of them, first[k] the first
 * string of class k */
static size_t *classes(char **s, size_t n, size_t *nclass, size_t **first) {
    size_t *order = malloc((n + 1) * sizeof *order), *cls = malloc((n + 1) * sizeof *cls), *f = malloc((n + 1) * sizeof *f);
    if (!order || !cls || !f) cn_die("out of memory");
    for (size_t i = 0; i < n; i++) order[i] = i;
    qsort_r(order, n, sizeof *order, by_str, s);
    size_t *lead = malloc((n + 1) * sizeof *lead); /* each string's first equal one */
    if (!lead) cn_die("out of memory");
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a; b < n && !strcmp(s[order[a]], s[order[b]]); b++) lead[order[b]] = order[a];
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (lead[i] == i) cls[i] = k, f[k++] = i;
        else cls[i] = cls[lead[i]];
    }
    free(order), free(lead);
    *nclass = k, *first = f;
    return cls;
}

static void put_json_str(cn_out *out, const char *key, const char *s, int comma) {
    char head[64];
    int m = snprintf(head, sizeof head, "%s\"%s\": ", comma ? ", " : "", key);
    if (cn_out_write(out, head, (size_t)m) || cn_json_write_string(out, s, strlen(s))) cn_die_status();
}

static int pairs_main(int argc, char **argv) {
    const char *out_path = NULL, *exclude = NULL, *miner = NULL, *qp = NULL, *pp = NULL, *generator = NULL;
    const char *gen_prompt = "Passage: {passage}\nA question it answers:";
    int chunk = 512, kinds = (1 << NKINDS) - 1, kinds_set = 0, threads = 0, quiet = 0, mined_opt = 0, gen_opt = 0, gen_tokens = 32;
    uint64_t max_pairs = 0, seed = 1, n_gen = 0;
    cn_mine_opts mo = {0, 50, 3, 0.05, 1, 1};
    enum { O_CHUNK = 256, O_KINDS, O_EXCL, O_MAX, O_MINER, O_NUM, O_RMIN, O_RMAX, O_MARGIN, O_NOFILL, O_QP, O_PP, O_SEED, O_THREADS,
           O_GEN, O_NGEN, O_GPROMPT, O_GTOK, O_VERSION };
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'}, {"chunk-chars", required_argument, 0, O_CHUNK}, {"kinds", required_argument, 0, O_KINDS},
        {"exclude", required_argument, 0, O_EXCL}, {"max-pairs", required_argument, 0, O_MAX}, {"miner", required_argument, 0, O_MINER},
        {"num-negatives", required_argument, 0, O_NUM}, {"range-min", required_argument, 0, O_RMIN},
        {"range-max", required_argument, 0, O_RMAX}, {"relative-margin", required_argument, 0, O_MARGIN},
        {"no-fill", no_argument, 0, O_NOFILL}, {"query-prompt", required_argument, 0, O_QP}, {"passage-prompt", required_argument, 0, O_PP},
        {"seed", required_argument, 0, O_SEED}, {"threads", required_argument, 0, O_THREADS}, {"quiet", no_argument, 0, 'q'},
        {"generator", required_argument, 0, O_GEN}, {"generate", required_argument, 0, O_NGEN},
        {"generator-prompt", required_argument, 0, O_GPROMPT}, {"generator-tokens", required_argument, 0, O_GTOK},
        {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "o:qh", longs, NULL)) != -1) {
        switch (ch) {
        case 'o': out_path = optarg; break;
        case O_CHUNK: {
            uint64_t v = cn_opt_u64("--chunk-chars", optarg);
            if (v < 64 || v > 1 << 20) cn_usage_error("option --chunk-chars: from 64 to 1Mi");
            chunk = (int)v;
            break;
        }
        case O_KINDS: {
            kinds = 0, kinds_set = 1;
            char *list = strdup(optarg), *save = NULL;
            if (!list) cn_die("out of memory");
            for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                int k = 0;
                while (k < NKINDS && strcmp(t, kind_name(k))) k++;
                if (k == NKINDS) cn_usage_error("option --kinds: '%s' is not heading, option, command, comment, title or generated", t);
                kinds |= 1 << k;
            }
            free(list);
            if (!kinds) cn_usage_error("option --kinds: none given");
            break;
        }
        case O_EXCL: exclude = optarg; break;
        case O_MAX:
            max_pairs = cn_opt_u64("--max-pairs", optarg);
            if (!max_pairs) cn_usage_error("option --max-pairs: at least 1");
            break;
        case O_MINER: miner = optarg; break;
        case O_NUM: {
            uint64_t v = cn_opt_u64("--num-negatives", optarg);
            if (v < 1 || v > 64) cn_usage_error("option --num-negatives: from 1 to 64");
            mo.num = (int)v, mined_opt = 1;
            break;
        }
        case O_RMIN: {
            uint64_t v = cn_opt_u64("--range-min", optarg);
            if (v > 100000) cn_usage_error("option --range-min: at most 100000");
            mo.range_min = (int)v, mined_opt = 1;
            break;
        }
        case O_RMAX: {
            uint64_t v = cn_opt_u64("--range-max", optarg);
            if (v < 1 || v > 100000) cn_usage_error("option --range-max: from 1 to 100000");
            mo.range_max = (int)v, mined_opt = 1;
            break;
        }
        case O_MARGIN:
            if (!strcmp(optarg, "none")) mo.margin = -1;
            else {
                mo.margin = cn_opt_double("--relative-margin", optarg);
                if (!(mo.margin >= 0 && mo.margin < 1)) cn_usage_error("option --relative-margin: from 0 to under 1, or none");
            }
            mined_opt = 1;
            break;
        case O_NOFILL: mo.fill = 0, mined_opt = 1; break;
        case O_QP: qp = optarg, mined_opt = 1; break;
        case O_PP: pp = optarg, mined_opt = 1; break;
        case O_SEED: seed = cn_opt_u64("--seed", optarg); break;
        case O_GEN: generator = optarg; break;
        case O_NGEN:
            n_gen = cn_opt_u64("--generate", optarg), gen_opt = 1;
            if (!n_gen) cn_usage_error("option --generate: at least 1");
            break;
        case O_GPROMPT: gen_prompt = optarg, gen_opt = 1; break;
        case O_GTOK: {
            uint64_t v = cn_opt_u64("--generator-tokens", optarg);
            if (v < 1 || v > 4096) cn_usage_error("option --generator-tokens: from 1 to 4096");
            gen_tokens = (int)v, gen_opt = 1;
            break;
        }
        case O_THREADS: {
            uint64_t v = cn_opt_u64("--threads", optarg);
            if (v < 1 || v > 1024) cn_usage_error("option --threads: between 1 and 1024");
            threads = (int)v;
            break;
        }
        case 'q': quiet = 1; break;
        case 'h': pairs_usage();
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (!out_path) cn_usage_error("no output: give -o PAIRS.jsonl");
    if (optind >= argc) cn_usage_error("no documents: give DOCS.jsonl files");
    if (mined_opt && !miner) cn_usage_error("the negatives' options need --miner DIR");
    if (gen_opt && !generator) cn_usage_error("the generator's options need --generator DIR");
    if (kinds_set && (kinds >> GENERATED & 1) && !generator) cn_usage_error("option --kinds: generated needs --generator DIR");
    if (generator && !(kinds >> GENERATED & 1)) cn_usage_error("--generator: --kinds leaves generated out, so no query would be written");
    if (!generator) kinds &= ~(1 << GENERATED);
    if (generator && !strstr(gen_prompt, "{passage}")) cn_usage_error("option --generator-prompt: no \"{passage}\" in it");
    if (miner && mo.range_max <= mo.range_min) cn_usage_error("option --range-max: above --range-min (%d)", mo.range_min);
    if (threads) omp_set_num_threads(threads);
    mo.seed = seed;
    /* the documents' pairs */
    cn_texts docs = {0};
    for (int f = optind; f < argc; f++)
        if (cn_texts_read(&docs, argv[f], "text", "document")) cn_die_status();
    ex *v = NULL;
    size_t nv = 0, cap = 0, per[NKINDS] = {0}, empty = 0;
    for (size_t d = 0; d < docs.n; d++) {
        cn_sp *sp;
        size_t ns;
        if (cn_struct_pairs(docs.s[d], docs.len[d], chunk, &sp, &ns)) cn_die("%s: %s", docs.where[d], cn_errmsg());
        for (size_t i = 0; i < ns; i++) {
            if (!(kinds >> sp[i].kind & 1)) continue;
            if (nv == cap && !(v = realloc(v, (cap = cap ? 2 * cap : 1024) * sizeof *v))) cn_die("out of memory");
            char *pos = malloc(sp[i].end - sp[i].start + 1), *src = malloc(strlen(docs.where[d]) + 32);
            if (!pos || !src) cn_die("out of memory");
            memcpy(pos, docs.s[d] + sp[i].start, sp[i].end - sp[i].start), pos[sp[i].end - sp[i].start] = 0;
            sprintf(src, "%s+%zu", docs.where[d], sp[i].line - 1);
            v[nv++] = (ex){sp[i].query, pos, (int)sp[i].kind, src};
            sp[i].query = NULL;
        }
        cn_sp_free(sp, ns);
    }
    if (kinds >> GENERATED & 1) generated_pairs(&docs, generator, gen_prompt, gen_tokens, chunk, n_gen, seed, quiet, &v, &nv, &cap, &empty);
    size_t found = nv, dups = 0, excluded = 0;
    /* the same query and positive once */
    {
        char **key = malloc((nv + 1) * sizeof *key);
        if (!key) cn_die("out of memory");
        for (size_t i = 0; i < nv; i++) {
            size_t a = strlen(v[i].query), b = strlen(v[i].pos);
            if (!(key[i] = malloc(a + b + 2))) cn_die("out of memory");
            memcpy(key[i], v[i].query, a), key[i][a] = '\n', memcpy(key[i] + a + 1, v[i].pos, b + 1);
        }
        size_t nc, *first, *cls = classes(key, nv, &nc, &first);
        size_t w = 0;
        for (size_t i = 0; i < nv; i++) {
            if (first[cls[i]] == i) v[w++] = v[i];
            else free(v[i].query), free(v[i].pos), free(v[i].source), dups++;
            free(key[i]);
        }
        nv = w;
        free(key), free(cls), free(first);
    }
    /* the excluded texts */
    if (exclude) {
        cn_texts ex_t = {0};
        if (cn_texts_read(&ex_t, exclude, "text", "text")) cn_die_status();
        char **ex_s = malloc((ex_t.n + 1) * sizeof *ex_s);
        if (!ex_s) cn_die("out of memory");
        for (size_t i = 0; i < ex_t.n; i++) ex_s[i] = folded(ex_t.s[i]); /* none empty: cn_texts_read refuses those */
        size_t w = 0;
        for (size_t i = 0; i < nv; i++) {
            char *q = folded(v[i].query), *p = folded(v[i].pos);
            int hit = 0;
            for (size_t k = 0; k < ex_t.n && !hit; k++) hit = strstr(q, ex_s[k]) || strstr(p, ex_s[k]);
            free(q), free(p);
            if (hit) free(v[i].query), free(v[i].pos), free(v[i].source), excluded++;
            else v[w++] = v[i];
        }
        nv = w;
        for (size_t i = 0; i < ex_t.n; i++) free(ex_s[i]);
        free(ex_s);
        cn_texts_free(&ex_t);
    }
    /* at most max_pairs, a seeded draw kept in the documents' order */
    if (max_pairs && nv > max_pairs) {
        uint8_t *keep = drawn(nv, max_pairs, seed, 0x70616972ull);
        size_t w = 0;
        for (size_t i = 0; i < nv; i++) {
            if (keep[i]) v[w++] = v[i];
            else free(v[i].query), free(v[i].pos), free(v[i].source);
        }
        nv = w;
        free(keep);
    }
    for (size_t i = 0; i < nv; i++) per[v[i].kind]++;
    /* hard negatives */
    int64_t *neg = NULL;
    size_t ncand = 0, *cand_first = NULL, dropped = 0;
    cn_mine_stats ms = {0, 0, 0};
    char **pos_s = malloc((nv + 1) * sizeof *pos_s);
    if (!pos_s) cn_die("out of memory");
    for (size_t i = 0; i < nv; i++) pos_s[i] = v[i].pos;
    if (miner && nv) {
        size_t *pc = classes(pos_s, nv, &ncand, &cand_first), nq, *qfirst;
        char **q_s = malloc(nv * sizeof *q_s);
        if (!q_s) cn_die("out of memory");
        for (size_t i = 0; i < nv; i++) q_s[i] = v[i].query;
        size_t *qc = classes(q_s, nv, &nq, &qfirst);
        cn_encoder *e = cn_encoder_open(miner, cn_tool_device(NULL));
        if (!e) cn_die_status();
        int th = omp_get_max_threads();
        if (cn_encoder_set_replicas(e, th)) cn_die_status();
        if (!qp) qp = cn_encoder_prompt(e, "query") ? cn_encoder_prompt(e, "query") : "query: ";
        if (!pp) pp = cn_encoder_prompt(e, "passage") ? cn_encoder_prompt(e, "passage") : "passage: ";
        int D = cn_encoder_dim(e);
        const char **ct = malloc((ncand + nq + 1) * sizeof *ct);
        size_t *cl = malloc((ncand + nq + 1) * sizeof *cl);
        float *cv = malloc((ncand + 1) * (size_t)D * sizeof *cv), *qv = malloc((nq + 1) * (size_t)D * sizeof *qv);
        float *pq = malloc((nv + 1) * (size_t)D * sizeof *pq);
        int64_t *pos = malloc((nv + 1) * sizeof *pos), *grp = malloc((nv + 1) * sizeof *grp);
        neg = malloc((nv + 1) * (size_t)mo.num * sizeof *neg);
        if (!ct || !cl || !cv || !qv || !pq || !pos || !grp || !neg) cn_die("out of memory");
        size_t cut;
        for (size_t k = 0; k < ncand; k++) ct[k] = pos_s[cand_first[k]], cl[k] = strlen(ct[k]);
        if (cn_encoder_encode(e, pp, ct, cl, ncand, cv, &cut)) cn_die_status();
        for (size_t k = 0; k < nq; k++) ct[k] = q_s[qfirst[k]], cl[k] = strlen(ct[k]);
        if (cn_encoder_encode(e, qp, ct, cl, nq, qv, &cut)) cn_die_status();
        for (size_t i = 0; i < nv; i++) {
            memcpy(pq + i * D, qv + qc[i] * D, (size_t)D * sizeof *pq);
            pos[i] = (int64_t)pc[i], grp[i] = (int64_t)qc[i];
        }
        if (cn_mine(pq, cv, nv, ncand, D, pos, grp, &mo, neg, &ms)) cn_die_status();
        free(pc), free(ct), free(cl), free(cv), free(qv), free(pq), free(pos), free(grp), free(q_s), free(qc), free(qfirst);
        cn_encoder_close(e);
    }
    /* written */
    cn_out *out = cn_out_open(out_path, 0);
    if (!out) cn_die_status();
    size_t written = 0;
    for (size_t i = 0; i < nv; i++) {
        if (neg) {
            int shortfall = 0;
            for (int k = 0; k < mo.num; k++) shortfall |= neg[i * mo.num + k] < 0;
            if (shortfall) {
                dropped++;
                continue;
            }
        }
        if (cn_out_write(out, "{", 1)) cn_die_status();
        put_json_str(out, "query", v[i].query, 0);
        if (cn_out_write(out, ", \"pos\": [", 10) || cn_json_write_string(out, v[i].pos, strlen(v[i].pos)) || cn_out_write(out, "], \"neg\": [", 11))
            cn_die_status();
        for (int k = 0; neg && k < mo.num; k++) {
            const char *t = pos_s[cand_first[neg[i * mo.num + k]]];
            if ((k && cn_out_write(out, ", ", 2)) || cn_json_write_string(out, t, strlen(t))) cn_die_status();
        }
        if (cn_out_write(out, "]", 1)) cn_die_status();
        put_json_str(out, "kind", kind_name(v[i].kind), 1);
        put_json_str(out, "source", v[i].source, 1);
        if (cn_out_write(out, "}\n", 2)) cn_die_status();
        written++;
    }
    if (cn_out_commit(out)) cn_die_status();
    if (!quiet) {
        fprintf(stderr, "%s pairs: %zu documents: %zu pairs found, %zu repeated, %zu excluded; %zu written (", cn_prog, docs.n, found, dups,
                excluded, written);
        for (int k = 0; k < NKINDS; k++)
            if (k < CN_SP_KINDS || generator) fprintf(stderr, "%s%s %zu", k ? ", " : "", kind_name(k), per[k]);
        fprintf(stderr, ")\n");
        if (empty) fprintf(stderr, "%s pairs: the generator wrote nothing for %zu passages\n", cn_prog, empty);
        if (miner)
            fprintf(stderr, "%s pairs: %zu candidates; negatives %zu mined, %zu filled at random; %zu pairs short of %d dropped\n", cn_prog,
                    ncand, ms.mined, ms.filled, dropped, mo.num);
    }
    for (size_t i = 0; i < nv; i++) free(v[i].query), free(v[i].pos), free(v[i].source);
    free(v), free(pos_s), free(neg), free(cand_first);
    cn_texts_free(&docs);
    return 0;
}

int main(int argc, char **argv) {
    cn_tool_init("cn-retrain");
    if (argc > 1 && !strcmp(argv[1], "pairs")) return pairs_main(argc - 1, argv + 1);
    if (cn_dist_init(&argc, &argv)) cn_die_status();
    opts o = {.qp = "query: ", .pp = "passage: ", .temperature = 0.05, .negatives = 1, .init_std = 0.02};
    cn_train_opts_init(&o.t, 2e-5);
    o.t.seq = 128, o.t.micro = 16;
    enum { O_TEMP = 256, O_NEG, O_QP, O_PP, O_STD, O_VERSION };
    static const struct option own[] = {
        {"init", required_argument, 0, 'i'}, {"config", required_argument, 0, 'c'}, {"tokenizer", required_argument, 0, 't'},
        {"init-std", required_argument, 0, O_STD}, {"out", required_argument, 0, 'o'}, {"temperature", required_argument, 0, O_TEMP},
        {"num-negatives", required_argument, 0, O_NEG}, {"query-prompt", required_argument, 0, O_QP},
        {"passage-prompt", required_argument, 0, O_PP}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    struct option *longs = cn_train_longopts(own);
    int ch;
    while ((ch = getopt_long(argc, argv, "i:c:t:o:qh", longs, NULL)) != -1) {
        if (cn_train_option(&o.t, ch, optarg)) continue;
        switch (ch) {
        case 'i': o.init = optarg; break;
        case 'c': o.config = optarg; break;
        case 't': o.tok = optarg; break;
        case O_STD:
            o.init_std = cn_opt_double("--init-std", optarg), o.std_set = 1;
            if (!(o.init_std > 0 && o.init_std <= 10)) cn_usage_error("option --init-std: above 0, at most 10");
            break;
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
    if (o.t.resume && o.config) cn_usage_error("--resume continues a run: no --config with it");
    if (o.init && o.config) cn_usage_error("give one of --init ENCODER_DIR or --config config.json, not both");
    if (o.config && !o.tok) cn_usage_error("--config needs -t tokenizer.json: a BERT's WordPiece vocabulary");
    if (o.tok && !o.config) cn_usage_error("-t gives --config's tokenizer: an --init or resumed encoder has its own");
    if (o.std_set && !o.config) cn_usage_error("--init-std sets --config's random weights: not with --init or --resume");
    cn_train_check_init(&o.t, o.init ? o.init : o.config, "ENCODER_DIR (or --config config.json -t tokenizer.json)");
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
