/* cn-score: measurements, one JSON object each (DESIGN.md section 3).
 *   tokens  tokenizer efficiency: bytes, tokens, bytes per token per dataset
 *           and document kind, and B's change against A */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>
#include "io.h"
#include "model.h"
#include "shard.h"
#include "jsonl.h"
#include "tok.h"
#include "tool.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s tokens -t A.json [-t B.json] [options] DATA...\n"
           "       %s ppl --model DIR [options] DATA...\n"
           "       %s unigram --train SHARD SHARD...\n"
           "\n"
           "tokens: encodes the JSONL documents of each DATA file (plain or zstd) with\n"
           "each tokenizer and reports, per file and per document kind (field \"kind\";\n"
           "\"all\" for the whole file), bytes, tokens and bytes per token, and B's change in\n"
           "tokens against A. One JSON object per measurement,\n"
           "  {\"task\": \"tokens\", \"metric\": ..., \"value\": ..., \"n\": DOCS, \"model\": ..., \"data\": ..., \"kind\": ...}\n"
           "or a table when stdout is a terminal.\n"
           "\n"
           "ppl: a LLaMA-class model's token-level loss, perplexity and bits per byte\n"
           "(comparable across tokenizers) on token shards (made with the model's\n"
           "tokenizer) or JSONL (encoded with DIR/tokenizer.json); each document as the\n"
           "tokenizer's [BOS] doc EOS, every token after the first predicted, in windows of\n"
           "--seq-len tokens (default 256), --batch windows a forward (default 8).\n"
           "  -m, --model DIR        the model directory (config.json, model.safetensors, tokenizer.json)\n"
           "  -t, --tokenizer FILE   a tokenizer.json (once or twice: A, then B)\n"
           "      --field NAME       the text field (default text)\n"
           "      --literal-special  special tokens in the text are plain text\n"
           "      --table            a table even when stdout is not a terminal\n"
           "      --json             JSON even on a terminal\n"
           "      --threads N        encoding threads (default: all cores)\n"
           "  -o, --output FILE      write FILE (atomically) instead of stdout\n"
           "  -q, --quiet            no progress line\n"
           "  -h, --help             this help\n"
           "\n"
           "unigram: the loss and bits per byte of a unigram model (token frequencies of\n"
           "--train, add-one smoothed): the baseline a language model must beat.\n"
           "      --version          print the version\n",
           cn_prog, cn_prog, cn_prog);
    exit(0);
}

static cn_progress prog;

#define MAXKIND 64
#define BATCH 512

typedef struct {
    char name[64];
    uint64_t docs, bytes, tokens[2];
} tally;

typedef struct {
    tally k[MAXKIND + 1]; /* [0] is "all" */
    int n;
} tallies;

static tally *kind_of(tallies *t, const char *kind) {
    for (int i = 1; i <= t->n; i++)
        if (strcmp(t->k[i].name, kind) == 0) return &t->k[i];
    if (t->n == MAXKIND) return NULL; /* beyond: counted in "all" only */
    tally *k = &t->k[++t->n];
    snprintf(k->name, sizeof k->name, "%s", kind);
    return k;
}

typedef struct {
    cn_tok *tok[2];
    cn_tok_state **st[2];
    int ntok, threads, flags;
} enc;

/* encodes a batch with every tokenizer and adds it up */
static void run_batch(enc *e, tallies *t, char **texts, size_t *lens, tally **kinds, size_t n, cn_ids *ids, const char *file) {
    for (int k = 0; k < e->ntok; k++) {
        size_t failed;
        if (cn_tok_encode_batch(e->tok[k], e->st[k], e->threads, (const char *const *)texts, lens, n, e->flags, ids, &failed))
            cn_die("%s: %s", file, cn_errmsg());
        for (size_t i = 0; i < n; i++) {
            t->k[0].tokens[k] += ids[i].n;
            if (kinds[i]) kinds[i]->tokens[k] += ids[i].n;
        }
    }
    for (size_t i = 0; i < n; i++) {
        t->k[0].docs++, t->k[0].bytes += lens[i];
        if (kinds[i]) kinds[i]->docs++, kinds[i]->bytes += lens[i];
        free(texts[i]);
    }
}

static void measure(enc *e, const char *file, const char *field, tallies *t) {
    memset(t, 0, sizeof *t);
    snprintf(t->k[0].name, sizeof t->k[0].name, "all");
    cn_in *in = cn_in_open(file);
    if (!in) cn_die_status();
    cn_jsonl *j = cn_jsonl_new(in, 0);
    char *texts[BATCH];
    size_t lens[BATCH], n = 0;
    tally *kinds[BATCH];
    cn_ids ids[BATCH] = {{0}};
    cJSON *o;
    cn_status st;
    while ((st = cn_jsonl_next(j, &o)) == CN_OK) {
        const char *s;
        size_t len;
        if (cn_jsonl_text(j, field, &s, &len)) cn_die_status();
        const cJSON *kd = cJSON_GetObjectItemCaseSensitive(o, "kind");
        kinds[n] = kind_of(t, cJSON_IsString(kd) ? kd->valuestring : "-");
        if (!(texts[n] = malloc(len ? len : 1))) cn_die("out of memory");
        memcpy(texts[n], s, len);
        lens[n++] = len;
        if (n == BATCH) {
            run_batch(e, t, texts, lens, kinds, n, ids, file);
            n = 0;
            cn_progress_update(&prog, 0, "cn-score: %s: %llu documents", file, (unsigned long long)t->k[0].docs);
        }
    }
    if (st != CN_EOF) cn_die_status();
    if (n) run_batch(e, t, texts, lens, kinds, n, ids, file);
    for (int i = 0; i < BATCH; i++) cn_ids_free(&ids[i]);
    cn_jsonl_free(j);
    cn_in_close(in);
}

static void put(cn_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(cn_out *out, const char *fmt, ...) {
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof line) n = sizeof line - 1;
    if (cn_out_write(out, line, (size_t)n)) {
        cn_out_abort(out);
        cn_die_status();
    }
}

/* a JSON string literal of s into buf */
static const char *jstr(char *buf, size_t cap, const char *s) {
    size_t k = 0;
    buf[k++] = '"';
    for (; *s && k + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') buf[k++] = '\\', buf[k++] = (char)c;
        else if (c < 0x20) k += (size_t)snprintf(buf + k, cap - k, "\\u%04x", c);
        else buf[k++] = (char)c;
    }
    buf[k++] = '"';
    buf[k] = 0;
    return buf;
}

/* ---- ppl ---- */

typedef struct {
    cn_model *m;
    int t, b, n;            /* window, windows per forward, windows filled */
    int32_t *ids, *tg;
    double nll, count;
} ppl_ctx;

static void ppl_flush(ppl_ctx *p) {
    if (!p->n) return;
    for (int i = p->n; i < p->b; i++) /* empty windows: nothing to predict */
        for (int j = 0; j < p->t; j++) p->ids[(size_t)i * p->t + j] = 0, p->tg[(size_t)i * p->t + j] = -1;
    double valid = 0, loss;
    for (size_t i = 0; i < (size_t)p->b * p->t; i++) valid += p->tg[i] >= 0;
    cn_batch bt = {p->ids, NULL, NULL, NULL, NULL, p->tg};
    if (cn_model_forward(p->m, &bt, &loss)) cn_die_status();
    p->nll += loss * valid;
    p->count += valid;
    p->n = 0;
}

/* one document's tokens (with BOS/EOS around) as windows of t + 1 tokens */
static void ppl_doc(ppl_ctx *p, const int32_t *seq, size_t len) {
    for (size_t at = 0; at + 1 < len; at += (size_t)p->t) {
        int32_t *ids = p->ids + (size_t)p->n * p->t, *tg = p->tg + (size_t)p->n * p->t;
        for (int j = 0; j < p->t; j++) {
            size_t k = at + (size_t)j;
            ids[j] = k < len ? seq[k] : 0;
            tg[j] = k + 1 < len ? seq[k + 1] : -1;
        }
        if (++p->n == p->b) ppl_flush(p);
    }
}

static int is_jsonl(const char *path) {
    size_t l = strlen(path);
    return (l > 6 && strcmp(path + l - 6, ".jsonl") == 0) || (l > 10 && strcmp(path + l - 10, ".jsonl.zst") == 0);
}

static int ppl_main(int argc, char **argv) {
    const char *dir = NULL, *out_path = NULL, *field = "text";
    int t = 256, b = 8, quiet = 0, literal = 1;
    enum { O_SEQ = 256, O_BATCH, O_FIELD, O_VERSION };
    static const struct option longs[] = {
        {"model", required_argument, 0, 'm'}, {"seq-len", required_argument, 0, O_SEQ}, {"batch", required_argument, 0, O_BATCH},
        {"field", required_argument, 0, O_FIELD}, {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "m:o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'm': dir = optarg; break;
        case O_SEQ: t = (int)cn_opt_u64("--seq-len", optarg); break;
        case O_BATCH: b = (int)cn_opt_u64("--batch", optarg); break;
        case O_FIELD: field = optarg; break;
        case 'o': out_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage();
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (!dir) cn_usage_error("no model: give --model DIR");
    if (optind >= argc) cn_usage_error("no data: give shards or JSONL files");
    if (t < 1 || b < 1) cn_usage_error("--seq-len and --batch must be at least 1");
    cn_config cfg;
    if (cn_config_load(dir, &cfg)) cn_die_status();
    if (cfg.arch != CN_ARCH_LLAMA) cn_die("%s: ppl is for LLaMA-class models", dir);
    cn_model *m = cn_model_new(&cfg, cn_ops_cpu());
    if (!m || cn_model_load(m, dir) || cn_model_batch(m, b, t)) cn_die_status();
    char tp[4200];
    snprintf(tp, sizeof tp, "%s/tokenizer.json", dir);
    cn_tok *tok = access(tp, R_OK) == 0 ? cn_tok_load(tp) : NULL;
    int64_t bos = cfg.bos, eos = cfg.eos;
    if (tok && cn_tok_template(tok, &bos, &eos)) cn_die_status();
    if (eos < 0) eos = cfg.eos;
    ppl_ctx p = {m, t, b, 0, malloc((size_t)b * t * 4), malloc((size_t)b * t * 4), 0, 0};
    cn_progress_begin(&prog, quiet);
    cn_out *out = cn_out_open(out_path, 0);
    if (!out) cn_die_status();
    int32_t *seq = NULL;
    size_t cap = 0;
    for (int f = optind; f < argc; f++) {
        uint64_t docs = 0, bytes = 0;
        p.nll = p.count = 0;
#define PUSH_SEQ(n_, get_)                                                                 \
    do {                                                                                   \
        size_t need = (size_t)(n_) + 2, len = 0;                                           \
        if (need > cap && !(seq = realloc(seq, (cap = need * 2) * sizeof *seq))) cn_die("out of memory"); \
        if (bos >= 0) seq[len++] = (int32_t)bos;                                           \
        for (size_t k = 0; k < (size_t)(n_); k++) seq[len++] = (int32_t)(get_);           \
        if (eos >= 0) seq[len++] = (int32_t)eos;                                           \
        ppl_doc(&p, seq, len);                                                             \
    } while (0)
        if (is_jsonl(argv[f])) {
            if (!tok) cn_die("%s: JSONL needs %s", argv[f], tp);
            cn_in *in = cn_in_open(argv[f]);
            if (!in) cn_die_status();
            cn_jsonl *j = cn_jsonl_new(in, 0);
            cJSON *o;
            cn_status st;
            cn_ids ids = {0};
            while ((st = cn_jsonl_next(j, &o)) == CN_OK) {
                const char *s;
                size_t n;
                ids.n = 0;
                if (cn_jsonl_text(j, field, &s, &n) || cn_tok_encode(tok, s, n, literal ? CN_TOK_LITERAL_SPECIAL : 0, &ids)) cn_die_status();
                PUSH_SEQ(ids.n, ids.v[k]);
                docs++, bytes += n;
                cn_progress_update(&prog, 0, "cn-score: %s: %llu documents", argv[f], (unsigned long long)docs);
            }
            if (st != CN_EOF) cn_die_status();
            cn_ids_free(&ids);
            cn_jsonl_free(j);
            cn_in_close(in);
        } else {
            cn_docsrc_opts so = {.eos = CN_MEGATRON_EOS_AUTO};
            cn_docsrc *src = cn_docsrc_open(argv[f], &so);
            if (!src) cn_die_status();
            int has;
            const cn_shard_info *info = cn_docsrc_info(src, &has);
            if (has && tok && memcmp(info->tok_hash, cn_tok_sha256(tok), 32) != 0) {
                static const uint8_t zero[32];
                if (memcmp(info->tok_hash, zero, 32) != 0) cn_die("%s: made with another tokenizer than the model's", argv[f]);
            }
            cn_doc d;
            cn_status st;
            while ((st = cn_docsrc_next(src, &d)) == CN_OK) {
                for (uint32_t k = 0; k < d.n; k++)
                    if (cn_doc_id(&d, k) >= (uint32_t)cfg.vocab) cn_die("%s: token id %u beyond the model's vocabulary", argv[f], cn_doc_id(&d, k));
                PUSH_SEQ(d.n, cn_doc_id(&d, (uint32_t)k));
                docs++, bytes += d.text_bytes;
                cn_progress_update(&prog, 0, "cn-score: %s: %llu documents", argv[f], (unsigned long long)docs);
            }
            if (st != CN_EOF) cn_die_status();
            cn_docsrc_close(src);
        }
#undef PUSH_SEQ
        ppl_flush(&p);
        char data[1024], model[1024];
        jstr(data, sizeof data, argv[f]);
        jstr(model, sizeof model, dir);
        double loss = p.count ? p.nll / p.count : 0;
        const char *fmt = "{\"task\": \"ppl\", \"metric\": \"%s\", \"value\": %.17g, \"n\": %llu, \"model\": %s, \"data\": %s}\n";
        put(out, fmt, "loss", loss, (unsigned long long)docs, model, data);
        put(out, fmt, "ppl", exp(loss), (unsigned long long)docs, model, data);
        put(out, fmt, "bits_per_byte", bytes ? p.nll / log(2.0) / (double)bytes : 0.0, (unsigned long long)docs, model, data);
        put(out, fmt, "tokens", p.count, (unsigned long long)docs, model, data);
        put(out, fmt, "bytes", (double)bytes, (unsigned long long)docs, model, data);
    }
    cn_progress_end(&prog);
    if (cn_out_commit(out)) cn_die_status();
    free(seq), free(p.ids), free(p.tg);
    cn_tok_free(tok);
    cn_model_free(m);
    return 0;
}

/* ---- unigram: the baseline a language model must beat ---- */

static int unigram_main(int argc, char **argv) {
    const char *train = NULL;
    int quiet = 0;
    static const struct option longs[] = {
        {"train", required_argument, 0, 'T'}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "qh", longs, NULL)) != -1) {
        if (c == 'T') train = optarg;
        else if (c == 'q') quiet = 1;
        else if (c == 'h') usage();
        else cn_usage_error("unknown option");
    }
    (void)quiet;
    if (!train || optind >= argc) cn_usage_error("unigram needs --train SHARD and the shards to score");
    cn_docsrc_opts so = {.eos = CN_MEGATRON_EOS_AUTO};
    cn_docsrc *src = cn_docsrc_open(train, &so);
    if (!src) cn_die_status();
    int has;
    uint32_t v = cn_docsrc_info(src, &has)->vocab_size;
    double *count = calloc(v + 1, sizeof *count), total = v; /* add-one */
    for (uint32_t i = 0; i < v; i++) count[i] = 1;
    cn_doc d;
    cn_status st;
    while ((st = cn_docsrc_next(src, &d)) == CN_OK)
        for (uint32_t k = 0; k < d.n; k++) count[cn_doc_id(&d, k)]++, total++;
    if (st != CN_EOF) cn_die_status();
    cn_docsrc_close(src);
    cn_out *out = cn_out_open(NULL, 0);
    for (int f = optind; f < argc; f++) {
        cn_docsrc *s = cn_docsrc_open(argv[f], &so);
        if (!s) cn_die_status();
        double nll = 0, tokens = 0, bytes = 0, docs = 0;
        while ((st = cn_docsrc_next(s, &d)) == CN_OK) {
            for (uint32_t k = 0; k < d.n; k++) {
                uint32_t id = cn_doc_id(&d, k);
                nll -= log((id < v ? count[id] : 1) / total);
            }
            tokens += d.n, bytes += d.text_bytes, docs++;
        }
        if (st != CN_EOF) cn_die_status();
        cn_docsrc_close(s);
        char data[1024], model[1024];
        jstr(data, sizeof data, argv[f]);
        jstr(model, sizeof model, train);
        const char *fmt = "{\"task\": \"unigram\", \"metric\": \"%s\", \"value\": %.17g, \"n\": %.0f, \"model\": %s, \"data\": %s}\n";
        put(out, fmt, "loss", tokens ? nll / tokens : 0.0, docs, model, data);
        put(out, fmt, "bits_per_byte", bytes ? nll / log(2.0) / bytes : 0.0, docs, model, data);
    }
    free(count);
    if (cn_out_commit(out)) cn_die_status();
    return 0;
}

int main(int argc, char **argv) {
    cn_tool_init("cn-score");
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) usage();
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) cn_print_version();
    if (argc < 2 || (strcmp(argv[1], "tokens") != 0 && strcmp(argv[1], "ppl") != 0 && strcmp(argv[1], "unigram") != 0))
        cn_usage_error("expected a command: tokens, ppl or unigram");
    if (strcmp(argv[1], "ppl") == 0) return ppl_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "unigram") == 0) return unigram_main(argc - 1, argv + 1);
    argc--, argv++;
    const char *tokp[2] = {0}, *field = "text", *out_path = NULL;
    int ntok = 0, quiet = 0, table = -1, literal = 0;
    int threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    enum { O_FIELD = 256, O_LITERAL, O_TABLE, O_JSON, O_THREADS, O_VERSION };
    static const struct option longs[] = {
        {"tokenizer", required_argument, 0, 't'}, {"field", required_argument, 0, O_FIELD},
        {"literal-special", no_argument, 0, O_LITERAL}, {"table", no_argument, 0, O_TABLE},
        {"json", no_argument, 0, O_JSON}, {"threads", required_argument, 0, O_THREADS},
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "t:o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 't':
            if (ntok == 2) cn_usage_error("at most two tokenizers (A and B)");
            tokp[ntok++] = optarg;
            break;
        case O_FIELD: field = optarg; break;
        case O_LITERAL: literal = 1; break;
        case O_TABLE: table = 1; break;
        case O_JSON: table = 0; break;
        case O_THREADS: {
            uint64_t v = cn_opt_u64("--threads", optarg);
            if (v < 1 || v > 1024) cn_usage_error("option --threads: between 1 and 1024");
            threads = (int)v;
            break;
        }
        case 'o': out_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage();
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (!ntok) cn_usage_error("no tokenizer: give -t A.json [-t B.json]");
    if (optind >= argc) cn_usage_error("no data: give the JSONL files to measure");
    if (table < 0) table = !out_path && isatty(1);
    enc e = {.ntok = ntok, .threads = threads, .flags = literal ? CN_TOK_LITERAL_SPECIAL : 0};
    for (int k = 0; k < ntok; k++) {
        if (!(e.tok[k] = cn_tok_load(tokp[k]))) cn_die_status();
        if (!(e.st[k] = calloc((size_t)threads, sizeof *e.st[k]))) cn_die("out of memory");
    }
    cn_progress_begin(&prog, quiet);
    cn_out *out = cn_out_open(out_path, 0);
    if (!out) cn_die_status();
    if (table) {
        put(out, "%-32s %-12s %7s %12s", "data", "kind", "docs", "bytes");
        for (int k = 0; k < ntok; k++) put(out, " %12s %10s", k ? "tokens B" : "tokens A", k ? "bytes/tok B" : "bytes/tok A");
        put(out, "%s\n", ntok == 2 ? "  B vs A" : "");
    }
    tallies *t = malloc(sizeof *t);
    if (!t) cn_die("out of memory");
    for (int f = optind; f < argc; f++) {
        measure(&e, argv[f], field, t);
        for (int i = 0; i <= t->n; i++) {
            const tally *k = &t->k[i];
            if (i > 0 && t->n == 1 && k->docs == t->k[0].docs) continue; /* one kind: "all" says it */
            if (table) {
                const char *shown = argv[f];
                size_t sl = strlen(shown);
                if (sl > 32) shown += sl - 32; /* the end of a long path says most */
                put(out, "%-32s %-12.12s %7llu %12llu", shown, k->name, (unsigned long long)k->docs,
                    (unsigned long long)k->bytes);
                for (int m = 0; m < ntok; m++)
                    put(out, " %12llu %10.3f", (unsigned long long)k->tokens[m],
                        k->tokens[m] ? (double)k->bytes / (double)k->tokens[m] : 0.0);
                if (ntok == 2 && k->tokens[0])
                    put(out, "  %+6.2f%%", 100.0 * ((double)k->tokens[1] - (double)k->tokens[0]) / (double)k->tokens[0]);
                put(out, "\n");
                continue;
            }
            char data[1024], kind[256], model[1024];
            jstr(data, sizeof data, argv[f]);
            jstr(kind, sizeof kind, k->name);
            for (int m = 0; m < ntok; m++) {
                jstr(model, sizeof model, tokp[m]);
                const char *fmt = "{\"task\": \"tokens\", \"metric\": \"%s\", \"value\": %.17g, \"n\": %llu, \"model\": %s, \"data\": %s, \"kind\": %s}\n";
                unsigned long long docs = (unsigned long long)k->docs;
                put(out, fmt, "bytes", (double)k->bytes, docs, model, data, kind);
                put(out, fmt, "tokens", (double)k->tokens[m], docs, model, data, kind);
                put(out, fmt, "bytes_per_token", k->tokens[m] ? (double)k->bytes / (double)k->tokens[m] : 0.0, docs, model, data, kind);
                if (m == 1 && k->tokens[0])
                    put(out, fmt, "token_change", ((double)k->tokens[1] - (double)k->tokens[0]) / (double)k->tokens[0], docs, model,
                        data, kind);
            }
        }
    }
    cn_progress_end(&prog);
    if (cn_out_commit(out)) cn_die_status();
    free(t);
    for (int k = 0; k < ntok; k++) {
        for (int i = 0; i < threads; i++) cn_tok_state_free(e.st[k][i]);
        free(e.st[k]);
        cn_tok_free(e.tok[k]);
    }
    return 0;
}
