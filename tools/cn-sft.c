/* cn-sft: supervised fine-tuning on chat data (ChipNeMo section III-C):
 * conversations rendered with a chat template, the loss on the answers
 * only, full-parameter or LoRA; the training loop is cn-pretrain's. */
#include <errno.h>
#include <getopt.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "chat.h"
#include "ckpt.h"
#include "dist.h"
#include "io.h"
#include "jsonl.h"
#include "lora.h"
#include "mdir.h"
#include "model.h"
#include "sft.h"
#include "tok.h"
#include "tool.h"
#include "train.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s --init MODEL_DIR --out OUT [options] [WEIGHT:]CHAT.jsonl...\n"
           "       %s --resume OUT [WEIGHT:]CHAT.jsonl...\n"
           "Fine-tunes a LLaMA-class model on chat records {\"messages\": [{\"role\":\n"
           "\"system|user|assistant\", \"content\": ...}]} (plain or zstd; several files blend\n"
           "by WEIGHT, shares of tokens, default 1). Each conversation is rendered with the\n"
           "chat template and tokenized piece by piece (no token spans a prompt's end and its\n"
           "answer); the loss covers the assistant's answers only. The template's markers\n"
           "(chatml's <|im_start|> <|im_end|>, chipnemo's <extra_id_0> <extra_id_1>) that the\n"
           "tokenizer lacks become special tokens, the model growing by their rows (each the\n"
           "mean of its marker's pieces); with LoRA they stay text.\n"
           "Conversations are packed whole into sequences of --seq-len, attention and\n"
           "positions kept within each. OUT receives the model (full fine-tuning), or the\n"
           "LoRA adapter in PEFT's layout (adapter_config.json, adapter_model.safetensors;\n"
           "with --merge also the merged model), with tokenizer.json, a\n"
           "tokenizer_config.json naming the template, and the --init directory's\n"
           "generation_config.json.\n\n"
           "  -i, --init DIR         the model to fine-tune (config.json, safetensors, tokenizer.json)\n"
           "  -o, --out DIR          the output directory (required)\n"
           "  -t, --tokenizer FILE   the tokenizer (default DIR/tokenizer.json)\n"
           "      --template NAME    llama2, chatml or chipnemo (default: the one DIR's\n"
           "                         tokenizer_config.json names)\n"
           "      --lora-rank R      train LoRA adapters of rank R instead of every weight\n"
           "      --lora-alpha F     their scale is alpha / rank (default 2 x rank)\n"
           "      --lora-targets L   projections to adapt: q,k,v,o,gate,up,down or all (default q,v)\n"
           "      --lora-dropout F   dropout on the adapters' input (default 0.05)\n"
           "      --merge            also write the model with the adapters merged into it\n"
           "      --val FILE         held-out chat records: their mean answer loss is val_loss\n"
           "      --max-skip N       conversations that may be skipped (no assistant answer, or\n"
           "                         answers --seq-len cuts off), each named; more stop (0;\n"
           "                         --resume keeps the run's unless given again)\n"
           "\nThe defaults: --lr 2e-5 (full) or 2e-4 (LoRA), --seq-len 256; the shared\n"
           "training options:\n%s",
           cn_prog, cn_prog, cn_train_help);
    exit(0);
}

typedef struct {
    cn_train_opts t;
    const char *init, *tok, *template_name, *val, *targets;
    int lora_rank, merge;
    double lora_alpha, lora_dropout;
    int alpha_set, targets_set, dropout_set, max_skip_set;
    uint64_t max_skip;
} opts;

typedef struct {
    const opts *o;
    cn_sft *data, *val;
    cn_chat_template tpl;
    const char *tok_path, *bos, *eos;
    const char *marker[2];   /* the template's markers (nmarker of them) */
    int64_t marker_id[2];
    int nmarker, added;      /* added: rows the markers added to the vocabulary */
    char **paths;            /* the sources' arguments (npaths) */
    int npaths;
} run_ctx;

static cn_status next_sample(void *ctx, int32_t *ids, int32_t *tg, int32_t *seg, int32_t *pos) {
    return cn_sft_next(((run_ctx *)ctx)->data, ids, tg, seg, pos);
}

static void save_position(void *ctx, cJSON *p) { cn_sft_position_to_json(((run_ctx *)ctx)->data, p); }

/* the passes over each source, for the run's last line */
static char *describe_data(void *ctx) {
    const run_ctx *r = ctx;
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n); /* whole, however long the paths */
    if (!f) return NULL;
    fputs("passes over the data:", f);
    for (int i = 0; i < r->npaths; i++) fprintf(f, "%s %s %.2f", i ? "," : "", r->paths[i], cn_sft_epochs(r->data, i));
    if (fclose(f)) {
        free(s);
        return NULL;
    }
    return s;
}

static void save_options(void *ctx, cn_trainer *t) {
    const run_ctx *r = ctx;
    const opts *o = r->o;
    t->sft = (cn_trainer_sft){(char *)o->init, (char *)cn_chat_template_name(r->tpl), (char *)o->targets, o->lora_rank, o->merge,
                              o->lora_alpha, o->lora_dropout, (int64_t)o->max_skip, r->added};
}

static double validate(void *ctx, cn_model *m, const cn_train_batch *b) {
    run_ctx *r = ctx;
    int T = (int)r->o->t.seq, B = (int)r->o->t.micro;
    cn_sft_stats st;
    cn_sft_stats_of(r->val, -1, &st);
    uint64_t batches = (st.tokens + (uint64_t)B * T - 1) / ((uint64_t)B * T); /* about one pass */
    if (batches > r->o->t.val_batches) batches = r->o->t.val_batches;
    cn_sft_rewind(r->val);
    double sum = 0;
    for (uint64_t k = 0; k < batches; k++) {
        for (int s = 0; s < B; s++) {
            size_t at = (size_t)s * T;
            if (cn_sft_next(r->val, b->ids + at, b->tg + at, b->seg + at, b->pos + at)) cn_die_status();
        }
        cn_batch bt = {b->ids, b->pos, b->seg, NULL, NULL, b->tg};
        double l;
        if (cn_model_loss(m, &bt, &l)) cn_die_status();
        sum += l;
    }
    return batches ? sum / (double)batches : 0;
}

static cn_status save_final(void *ctx, cn_model *m, const char *dir) {
    const run_ctx *r = ctx;
    cn_status st = CN_OK;
    if (cn_model_has_lora(m)) {
        st = cn_model_save_adapter(m, dir, r->o->init);
        if (!st && r->o->merge && !(st = cn_model_merge_lora(m))) st = cn_model_save(m, dir);
    } else {
        st = cn_model_save(m, dir);
    }
    /* and tokenizer_config.json naming the template, for later tools and transformers */
    cn_mdir_tokcfg tc = {r->bos, r->eos, r->tpl, r->marker, r->marker_id, r->nmarker};
    if (!st) st = cn_mdir_write_tokenizer(dir, r->tok_path);
    if (!st) st = cn_mdir_write_tokenizer_config(dir, &tc);
    return st;
}

/* says which conversations of path were skipped and why (rank 0); their count */
static uint64_t report_skipped(const char *path, const cn_sft_stats *st) {
    if (!st->skipped || cn_dist_rank() != 0) return st->skipped;
    char lines[128] = "";
    size_t k = 0;
    for (uint64_t i = 0; i < st->skipped && i < CN_SFT_SKIP_LINES; i++)
        k += (size_t)snprintf(lines + k, sizeof lines - k, "%s%llu", i ? ", " : "", (unsigned long long)st->skip_line[i]);
    fprintf(stderr, "%s: %s: %llu conversation%s skipped (line%s %s%s): %llu with no assistant answer, %llu whose answers --seq-len cuts off\n",
            cn_prog, path, (unsigned long long)st->skipped, st->skipped == 1 ? "" : "s", st->skipped == 1 ? "" : "s", lines,
            st->skipped > CN_SFT_SKIP_LINES ? ", ..." : "", (unsigned long long)(st->skipped - st->skipped_cut),
            (unsigned long long)st->skipped_cut);
    return st->skipped;
}

/* two --lora-targets lists naming the same projections */
static int same_targets(const char *a, const char *b) {
    unsigned x, y;
    return !cn_lora_parse_targets(a, &x) && !cn_lora_parse_targets(b, &y) && x == y;
}

static char marker_tok[64]; /* the tokenizer with the markers added, while the run lasts */
static void remove_marker_tok(void) { unlink(marker_tok); }

/* The template's markers as special tokens: those the tokenizer lacks as
 * added tokens are added (a token of the vocabulary keeps its id, a new one
 * takes the next id), into a tokenizer.json in a temporary file that
 * checkpoints and OUT receive; *tok and o->tok become it. New ids grow the
 * model: *rows (malloc'd, each started as the mean of the marker's pieces)
 * and c->vocab; with LoRA, which cannot carry new rows, they stay text.
 * NeMo gives these markers tokens of their own: as text a marker is several
 * pieces, and a small model trained on them ends its answers poorly (an
 * empty answer, the marker's pieces at once). */
static void add_markers(run_ctx *r, opts *o, cn_tok **tok, cn_config *c, cn_new_row **rows) {
    *rows = NULL;
    r->nmarker = cn_chat_template_markers(r->tpl, r->marker);
    const char *add[2];
    uint32_t ids[2];
    int nadd = 0;
    uint32_t next = cn_tok_vocab_size(*tok);
    for (int i = 0; i < r->nmarker; i++) {
        const char *mk = r->marker[i];
        r->marker_id[i] = cn_tok_id(*tok, mk, strlen(mk));
        if (r->marker_id[i] >= 0 && cn_tok_is_added(*tok, mk, strlen(mk))) continue;
        if (r->marker_id[i] < 0) r->marker_id[i] = next++, r->added++;
        add[nadd] = mk, ids[nadd++] = (uint32_t)r->marker_id[i];
    }
    if (!nadd) return;
    const char *tpl = cn_chat_template_name(r->tpl);
    if (r->added && cn_tok_vocab_size(*tok) != (uint32_t)c->vocab)
        cn_die("%s: %u tokens, the model %d rows: the %s template's markers cannot take the next ids; give a tokenizer (-t) that has "
               "them as special tokens", o->tok, cn_tok_vocab_size(*tok), c->vocab, tpl);
    if (r->added && o->lora_rank) { /* they stay text, their pieces trained like any other */
        if (!o->t.quiet && cn_dist_rank() == 0)
            fprintf(stderr, "%s: warning: %s: the %s template's markers %s %s are not tokens of it and stay text: a LoRA adapter cannot "
                    "carry the embedding rows that adding them grows (full fine-tuning adds them)\n", cn_prog, o->tok, tpl, r->marker[0],
                    r->marker[1]);
        r->nmarker = r->added = 0;
        return;
    }
    size_t n;
    char *json = cn_read_all(o->tok, &n), *grown = NULL;
    if (!json || cn_tok_json_add_special(json, n, o->tok, add, ids, (size_t)nadd, &grown)) cn_die_status();
    free(json);
    const char *tmp = getenv("TMPDIR");
    snprintf(marker_tok, sizeof marker_tok, "%.40s/cn-sft-XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    int fd = mkstemp(marker_tok);
    if (fd < 0) cn_die("%s: cannot create: %s", marker_tok, strerror(errno));
    atexit(remove_marker_tok);
    size_t len = strlen(grown);
    if (write(fd, grown, len) != (ssize_t)len || close(fd)) cn_die("%s: cannot write: %s", marker_tok, strerror(errno));
    free(grown);
    cn_tok *t = cn_tok_load(marker_tok);
    if (!t) cn_die_status();
    if (r->added && !(*rows = calloc((size_t)r->added, sizeof **rows))) cn_die("out of memory");
    for (int i = 0, k = 0; i < nadd; i++) {
        if (ids[i] < (uint32_t)c->vocab) continue;
        cn_ids p = {0};
        if (cn_tok_encode(*tok, add[i], strlen(add[i]), CN_TOK_CONTINUE | CN_TOK_LITERAL_SPECIAL, &p)) cn_die_status();
        (*rows)[k++] = (cn_new_row){ids[i], p.v, (uint32_t)p.n};
    }
    if (!o->t.quiet && cn_dist_rank() == 0)
        fprintf(stderr, "%s: %s: the %s template's markers %s %s were %s: added as special tokens (ids %lld, %lld)%s\n", cn_prog, o->tok,
                tpl, r->marker[0], r->marker[1], r->added ? "not tokens of it" : "not added tokens", (long long)r->marker_id[0],
                (long long)r->marker_id[1], r->added ? "; the embedding and head grow, each new row the mean of its marker's pieces" : "");
    c->vocab += r->added;
    cn_tok_free(*tok);
    *tok = t;
    o->tok = marker_tok;
}

static void free_rows(cn_new_row *rows, int n) {
    for (int i = 0; rows && i < n; i++) free((void *)rows[i].base);
    free(rows);
}

static int run(opts *o, int ndata, char **data_paths) {
    char *ckdir = NULL, *tj = NULL, *tokcopy = NULL;
    cn_trainer trainer = {0};
    if (o->t.resume) { /* the checkpoint's settings replace the command line's */
        cn_train_resume(&o->t, &ckdir, &trainer);
        const cn_trainer_sft *h = &trainer.sft;
        char a[64], b[64];
        if (o->template_name && cn_tool_template(o->template_name, NULL) != cn_tool_template(h->template_name, NULL))
            cn_train_differs("--template", o->template_name, h->template_name);
        if (o->lora_rank && o->lora_rank != h->lora_rank)
            snprintf(a, sizeof a, "%d", o->lora_rank), snprintf(b, sizeof b, "%lld", (long long)h->lora_rank), cn_train_differs("--lora-rank", a, b);
        if (o->alpha_set && o->lora_alpha != h->lora_alpha)
            snprintf(a, sizeof a, "%g", o->lora_alpha), snprintf(b, sizeof b, "%g", h->lora_alpha), cn_train_differs("--lora-alpha", a, b);
        if (o->dropout_set && o->lora_dropout != h->lora_dropout)
            snprintf(a, sizeof a, "%g", o->lora_dropout), snprintf(b, sizeof b, "%g", h->lora_dropout), cn_train_differs("--lora-dropout", a, b);
        if (o->targets_set && !same_targets(o->targets, h->lora_targets)) cn_train_differs("--lora-targets", o->targets, h->lora_targets);
        if (o->merge && !h->merge) cn_train_differs("--merge", "given", "no merge");
        o->init = h->init, o->template_name = h->template_name, o->targets = h->lora_targets;
        o->lora_rank = (int)h->lora_rank, o->lora_alpha = h->lora_alpha, o->lora_dropout = h->lora_dropout, o->merge = (int)h->merge;
        /* --max-skip only gates the data check: the run's unless given again
         * (a trainer.json from before it was recorded: 0) */
        if (!o->max_skip_set && h->max_skip >= 0) o->max_skip = (uint64_t)h->max_skip;
        /* the tokenizer: the checkpoint's (the markers the run added in it) */
        if ((tokcopy = cn_train_resume_tokenizer(&o->t, ckdir, o->tok))) o->tok = tokcopy;
    }
    /* the model and its tokenizer (-t must be its own; a resumed run's is
     * the checkpoint's, checked against it) */
    cn_mdir md;
    cn_status st = cn_mdir_open(&md, o->init, o->tok, CN_MDIR_TOKENIZER | (ckdir ? CN_MDIR_OTHER_TOKENIZER : 0));
    if (st == CN_EMISMATCH) cn_die("-t %s: give the model's own tokenizer", cn_errmsg());
    cn_mdir_gen g; /* carried over at the end: refused now if it is not JSON */
    if (st || cn_mdir_generation(o->init, &g)) cn_die_status();
    cn_config c = md.c;
    if (c.arch != CN_ARCH_LLAMA) cn_die("%s: cn-sft trains LLaMA-class models (%s given)", o->init, c.architecture);
    /* the markers the run added grew the vocabulary: the checkpoint's tokenizer has them */
    int resumed_added = ckdir ? (int)trainer.sft.markers_added : 0;
    c.vocab += resumed_added;
    cn_tok *tok = md.tok; /* ours now: the markers may replace it */
    md.tok = NULL, o->tok = md.tok_path;
    if (cn_mdir_check_vocab(tok, o->tok, c.vocab, o->init)) cn_die_status();
    run_ctx r = {.o = o, .tpl = cn_tool_template(o->template_name, o->init), .bos = "", .eos = "", .paths = data_paths, .npaths = ndata};
    cn_new_row *rows = NULL;
    add_markers(&r, o, &tok, &c, &rows);
    if (cn_mdir_check_vocab(tok, o->tok, c.vocab, o->init)) cn_die_status();
    if (ckdir) r.added = resumed_added;
    r.tok_path = o->tok;
    int64_t bos, eos; /* the template's BOS and EOS strings: the post-processor's ids, else the config's */
    if (cn_mdir_doc_ids(&c, tok, &bos, &eos)) cn_die_status();
    if (bos < 0) bos = c.bos;
    if (bos >= 0 && cn_tok_token(tok, (uint32_t)bos)) r.bos = cn_tok_token(tok, (uint32_t)bos);
    if (eos >= 0 && cn_tok_token(tok, (uint32_t)eos)) r.eos = cn_tok_token(tok, (uint32_t)eos);
    int T = (int)o->t.seq, accum;
    uint64_t steps = cn_train_steps(&o->t, &accum);
    if (cn_config_check_seq(&c, T)) cn_die_status();
    cn_lora_opts lo = {o->lora_rank, (float)o->lora_alpha, (float)o->lora_dropout, 0};
    if (o->lora_rank && cn_lora_parse_targets(o->targets, &lo.targets)) cn_usage_error("--lora-targets: %s", cn_errmsg());
    if (o->t.dry) {
        char note[128];
        snprintf(note, sizeof note, "; template %s%s", cn_chat_template_name(r.tpl), o->lora_rank ? "; LoRA adapters train" : "");
        cn_train_print_plan(&o->t, &c, !o->lora_rank, note);
        cn_tok_free(tok);
        cn_mdir_close(&md);
        free(tokcopy);
        free_rows(rows, r.added);
        return 0;
    }
    /* the data */
    uint64_t skipped = 0;
    cn_sft_opts so = {T, o->t.seed, (int32_t)(eos >= 0 ? eos : 0)};
    if (!(r.data = cn_sft_new(&so))) cn_die_status();
    for (int i = 0; i < ndata; i++) {
        double w;
        const char *path = cn_opt_weighted(data_paths[i], &w, 1);
        if (cn_sft_read(r.data, path, w, tok, r.tpl, r.bos, r.eos)) cn_die_status();
        cn_sft_stats st;
        cn_sft_stats_of(r.data, i, &st);
        if (!o->t.quiet && cn_dist_rank() == 0)
            fprintf(stderr, "%s: %s: %llu conversations, %llu tokens, %llu trained%s\n", cn_prog, path, (unsigned long long)st.conversations,
                    (unsigned long long)st.tokens, (unsigned long long)st.trained, st.truncated ? " (some cut to --seq-len)" : "");
        skipped += report_skipped(path, &st);
        if (!st.conversations) cn_die("%s: no conversation with an answer", path);
    }
    if (o->val) {
        if (!(r.val = cn_sft_new(&so)) || cn_sft_read(r.val, o->val, 1, tok, r.tpl, r.bos, r.eos)) cn_die_status();
        cn_sft_stats st;
        cn_sft_stats_of(r.val, 0, &st);
        skipped += report_skipped(o->val, &st);
    }
    if (skipped > o->max_skip)
        cn_die("%llu conversations skipped, more than --max-skip %llu: give each an answer (or a longer --seq-len), or raise --max-skip",
               (unsigned long long)skipped, (unsigned long long)o->max_skip);
    /* the model */
    cn_model *m = cn_model_new(&c, cn_tool_device(o->t.device));
    if (!m) cn_die_status();
    uint64_t step0 = 0;
    if (o->lora_rank || !ckdir) { /* the base: a LoRA checkpoint holds only the adapters */
        if (r.added ? cn_model_load_grown(m, o->init, rows, (size_t)r.added, 0) : cn_model_load(m, o->init)) cn_die_status();
    }
    free_rows(rows, r.added);
    if (o->lora_rank && cn_model_add_lora(m, &lo, o->t.seed)) cn_die_status();
    if (ckdir) {
        if (cn_ckpt_load(ckdir, m, &tj)) cn_die_status();
        free(tj);
        step0 = (uint64_t)trainer.step;
        char *where = cn_path_join(ckdir, "trainer.json");
        if (!where || cn_sft_position_from_json(r.data, trainer.data, where)) cn_die_status();
        free(where);
        if (!o->t.quiet) fprintf(stderr, "%s: resuming %s at step %llu of %llu\n", cn_prog, ckdir, (unsigned long long)step0, (unsigned long long)steps);
    }
    /* carried over: the sampling defaults (tokenizer_config.json is the run's own, naming its template) */
    cn_ckpt_side side = {o->tok, o->init, CN_MDIR_CARRY_GENERATION};
    cn_train_hooks h = {&r, next_sample, 1, save_position, save_options, o->val ? validate : NULL, save_final, side, describe_data, NULL};
    cn_train_run(&o->t, m, &h, step0);
    cn_sft_free(r.data);
    cn_sft_free(r.val);
    cn_model_free(m);
    cn_tok_free(tok);
    cn_mdir_close(&md);
    free(tokcopy);
    cn_trainer_free(&trainer);
    free(ckdir);
    return 0;
}

int main(int argc, char **argv) {
    cn_tool_init("cn-sft");
    if (cn_dist_init(&argc, &argv)) cn_die_status();
    opts o = {.targets = "q,v", .lora_alpha = -1, .lora_dropout = 0.05};
    cn_train_opts_init(&o.t, 0); /* 0: by the kind of fine-tuning, below */
    enum { O_TEMPLATE = 256, O_RANK, O_ALPHA, O_TARGETS, O_DROPOUT, O_MERGE, O_VAL, O_MAXSKIP, O_VERSION };
    static const struct option own[] = {
        {"init", required_argument, 0, 'i'}, {"out", required_argument, 0, 'o'}, {"tokenizer", required_argument, 0, 't'},
        {"template", required_argument, 0, O_TEMPLATE}, {"lora-rank", required_argument, 0, O_RANK},
        {"lora-alpha", required_argument, 0, O_ALPHA}, {"lora-targets", required_argument, 0, O_TARGETS},
        {"lora-dropout", required_argument, 0, O_DROPOUT}, {"merge", no_argument, 0, O_MERGE}, {"val", required_argument, 0, O_VAL},
        {"max-skip", required_argument, 0, O_MAXSKIP},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    struct option *longs = cn_train_longopts(own);
    int ch;
    while ((ch = getopt_long(argc, argv, "i:o:t:qh", longs, NULL)) != -1) {
        if (cn_train_option(&o.t, ch, optarg)) continue;
        switch (ch) {
        case 'i': o.init = optarg; break;
        case 'o': o.t.out = optarg; break;
        case 't': o.tok = optarg; break;
        case O_TEMPLATE: o.template_name = optarg; break;
        case O_RANK: {
            uint64_t v = cn_opt_u64("--lora-rank", optarg);
            if (v < 1 || v > 4096) cn_usage_error("option --lora-rank: between 1 and 4096");
            o.lora_rank = (int)v;
            break;
        }
        case O_ALPHA:
            o.lora_alpha = cn_opt_double("--lora-alpha", optarg);
            if (!(o.lora_alpha > 0)) cn_usage_error("option --lora-alpha: must be above 0");
            o.alpha_set = 1;
            break;
        case O_TARGETS: o.targets = optarg, o.targets_set = 1; break;
        case O_DROPOUT:
            o.lora_dropout = cn_opt_double("--lora-dropout", optarg);
            if (!(o.lora_dropout >= 0 && o.lora_dropout < 1)) cn_usage_error("option --lora-dropout: in [0, 1)");
            o.dropout_set = 1;
            break;
        case O_MERGE: o.merge = 1; break;
        case O_VAL: o.val = optarg; break;
        case O_MAXSKIP: o.max_skip = cn_opt_u64("--max-skip", optarg), o.max_skip_set = 1; break;
        case 'q': o.t.quiet = 1; break;
        case 'h': usage();
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    free(longs);
    cn_train_check_init(&o.t, o.init, "MODEL_DIR");
    if (optind >= argc && !o.t.dry) cn_usage_error("no training data: give chat JSONL files");
    if (o.merge && !o.lora_rank && !o.t.resume) cn_usage_error("--merge goes with --lora-rank");
    if ((o.alpha_set || o.targets_set || o.dropout_set) && !o.lora_rank && !o.t.resume)
        cn_usage_error("--%s sets LoRA adapters: give --lora-rank", o.alpha_set ? "lora-alpha" : o.targets_set ? "lora-targets" : "lora-dropout");
    if (o.lora_alpha < 0) o.lora_alpha = 2.0 * (o.lora_rank ? o.lora_rank : 1);
    if (!(o.t.lr > 0)) o.t.lr = o.lora_rank ? 2e-4 : 2e-5;
    if (o.lora_rank) {
        unsigned mask;
        if (cn_lora_parse_targets(o.targets, &mask)) cn_usage_error("--lora-targets: %s", cn_errmsg());
    }
    if (o.t.threads > 0) omp_set_num_threads(o.t.threads);
    o.t.data = argv + optind, o.t.ndata = argc - optind;
    cn_train_check_out(&o.t, o.init);
    int rc = run(&o, argc - optind, argv + optind);
    cn_dist_finalize();
    return rc;
}
