/* cn-vocab: BPE tokenizer training and ChipNeMo's tokenizer augmentation. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bpe.h"
#include "io.h"
#include "jsonl.h"
#include "num.h"
#include "tool.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s train --type spm-bpe|byte-bpe --vocab-size N [options] [FILE...]\n"
           "       %s augment --base BASE.json --domain FILE... --general FILE... --add N [options]\n"
           "\n"
           "train: learns a BPE tokenizer from JSONL documents (plain or zstd, - for stdin)\n"
           "and writes its tokenizer.json, which Hugging Face tokenizers and cn-tokenize\n"
           "load with the same ids. spm-bpe is SentencePiece-style BPE with byte fallback,\n"
           "as LLaMA2; byte-bpe is byte-level BPE, as GPT-2.\n"
           "  -t, --type TYPE        spm-bpe or byte-bpe (required)\n"
           "  -n, --vocab-size N     every token: specials, bytes, characters, merges (required)\n"
           "      --coverage F       spm-bpe: share of the characters the alphabet covers (0.9995);\n"
           "                         the rest falls back to bytes\n"
           "      --max-token-chars N  spm-bpe: longest token in characters (16; 0: no limit)\n"
           "      --min-count N      never merge a pair seen fewer times (2)\n"
           "      --max-memory SIZE  bound on the word counts, e.g. 2Gi (rarest words dropped)\n"
           "\n"
           "augment: appends domain tokens to a SentencePiece-style BPE base tokenizer\n"
           "(ChipNeMo): tokens of a domain tokenizer (trained here on --domain, or given)\n"
           "that the base lacks, made of characters the base has, and rare in --general\n"
           "text, most frequent in the domain first; each with merges after the base's.\n"
           "  -b, --base FILE        the base tokenizer.json (required)\n"
           "      --domain FILE...   domain JSONL documents (required)\n"
           "      --general FILE...  general JSONL documents (required)\n"
           "  -a, --add N            tokens to add (required)\n"
           "      --domain-tokenizer FILE  take candidates from this tokenizer.json\n"
           "      --domain-vocab N   vocabulary of the domain tokenizer trained here (4 x N)\n"
           "      --general-frac F   drop a candidate whose rate per byte in general text is\n"
           "                         at least F times its rate in domain text (0.25)\n"
           "      --min-fire F       share of added tokens that must occur in the domain text (0.8)\n"
           "      --rounds N         rounds replacing tokens that never occur (6)\n"
           "  -m, --map FILE         write {\"id\", \"piece\", \"base_ids\"} per new token (JSONL)\n"
           "      --max-memory SIZE  as for train\n"
           "      --threads N        encoding threads (default: all cores)\n"
           "\n"
           "  -o, --output FILE      write the tokenizer.json to FILE (atomically), not stdout\n"
           "      --field NAME       the text field (default text)\n"
           "  -q, --quiet            no progress\n"
           "  -h, --help             this help\n"
           "      --version          print the version\n",
           cn_prog, cn_prog);
    exit(0);
}

static cn_progress prog;

/* a list of JSONL files, read as many times as asked */
typedef struct {
    char **files;
    int n;
    const char *field;
    uint64_t docs;
} corpus;

static cn_status corpus_each(void *src, cn_status (*each)(const char *text, size_t n, void *ctx), void *ctx) {
    corpus *c = src;
    cn_status st = CN_OK;
    for (int i = 0; i < c->n && !st; i++) {
        cn_in *in = cn_in_open(c->files[i]);
        if (!in) return cn_last_status();
        cn_jsonl *j = cn_jsonl_new(in, 0);
        cJSON *o;
        while (!st && (st = cn_jsonl_next(j, &o)) == CN_OK) {
            const char *s;
            size_t len;
            if (!(st = cn_jsonl_text(j, c->field, &s, &len))) st = each(s, len, ctx);
            if (!st && ++c->docs % 1024 == 0) cn_progress_update(&prog, 0, "cn-vocab: %llu documents", (unsigned long long)c->docs);
        }
        if (st == CN_EOF) st = CN_OK;
        cn_jsonl_free(j);
        cn_in_close(in);
    }
    return st;
}

/* writes data (n bytes, a newline added when it lacks one) to path (NULL:
 * stdout); with keep, the output stays open in *keep for cn_out_commit_all */
static void write_out(const char *path, const char *data, size_t n, cn_out **keep) {
    cn_out *out = cn_out_open(path, 0);
    if (!out) cn_die_status();
    cn_status st = cn_out_write(out, data, n);
    if (!st && (n == 0 || data[n - 1] != '\n')) st = cn_out_write(out, "\n", 1);
    if (!st && keep) {
        *keep = out;
        return;
    }
    if (!st) st = cn_out_commit(out);
    else cn_out_abort(out);
    if (st) cn_die_status();
}

static char *read_all(const char *path, size_t *n) {
    char *text = cn_read_all(path, n);
    if (!text) cn_die_status();
    return text;
}

static void train_progress(uint32_t done, uint32_t want) {
    cn_progress_update(&prog, 0, "cn-vocab: merges %u of %u", done, want);
}

typedef struct {
    const char *out, *field, *base, *dtok, *map;
    int type, quiet, threads;
    uint64_t vocab, add, domain_vocab, max_chars, min_count, max_memory, rounds;
    double coverage, general_frac, min_fire;
    int max_chars_set;
    char **domain, **general;
    int ndomain, ngeneral;
} opts;

static cn_status train_each(const char *text, size_t n, void *ctx) { return cn_bpe_add_text(ctx, text, n); }

static int train(opts *o, int n, char **files) {
    if (!o->type) cn_usage_error("train needs --type spm-bpe or byte-bpe");
    if (!o->vocab) cn_usage_error("train needs --vocab-size N");
    cn_bpe_opts bo;
    cn_bpe_opts_init(&bo, (cn_bpe_type)o->type, (uint32_t)o->vocab);
    if (o->coverage > 0) bo.char_coverage = o->coverage;
    if (o->max_chars_set) bo.max_chars = (uint32_t)o->max_chars;
    if (o->min_count) bo.min_count = o->min_count;
    bo.max_memory = o->max_memory;
    cn_bpe_trainer *tr = cn_bpe_trainer_new(&bo);
    if (!tr) cn_die_status();
    static char *stdin_only[] = {"-"};
    corpus c = {n ? files : stdin_only, n ? n : 1, o->field, 0};
    if (corpus_each(&c, train_each, tr)) cn_die_status();
    char *json;
    size_t len;
    if (cn_bpe_train(tr, &json, &len, o->quiet ? NULL : train_progress)) cn_die_status();
    uint64_t docs, words, dropped;
    cn_bpe_counts(tr, &docs, &words, &dropped);
    cn_progress_end(&prog);
    write_out(o->out, json, len, NULL);
    if (!o->quiet)
        fprintf(stderr, "cn-vocab: %llu documents, %llu distinct words%s%llu dropped for --max-memory\n",
                (unsigned long long)docs, (unsigned long long)words, ", ", (unsigned long long)dropped);
    if (cn_bpe_made(tr) < bo.vocab_size) /* a warning, -q or not: the size differs from what was asked */
        fprintf(stderr, "cn-vocab: warning: %s: %u tokens, not the %u asked: no pair is left to merge (each occurs fewer than --min-count %llu "
                        "times or makes a token past --max-token-chars); give more text or a smaller --vocab-size\n",
                o->out ? o->out : "stdout", cn_bpe_made(tr), bo.vocab_size, (unsigned long long)bo.min_count);
    free(json);
    cn_bpe_trainer_free(tr);
    return 0;
}

/* the augmentation's news, a line each, on stderr (clear of the progress line) */
static void note(void *ctx, const char *line) {
    (void)ctx;
    cn_progress_interrupt();
    fprintf(stderr, "%s\n", line);
}

static int augment(opts *o) {
    if (!o->base) cn_usage_error("augment needs --base BASE.json");
    if (!o->ndomain || !o->ngeneral) cn_usage_error("augment needs --domain FILE... and --general FILE...");
    if (!o->add) cn_usage_error("augment needs --add N");
    cn_bpe_augment_opts ao;
    cn_bpe_augment_opts_init(&ao, (uint32_t)o->add);
    if (o->general_frac > 0) ao.general_frac = o->general_frac;
    if (o->min_fire > 0) ao.min_fire = o->min_fire;
    if (o->rounds) ao.rounds = (int)o->rounds;
    ao.domain_vocab = (uint32_t)o->domain_vocab;
    ao.max_memory = o->max_memory;
    ao.threads = o->threads;
    if (!o->quiet) ao.note = note;
    size_t blen, dlen = 0;
    char *base = read_all(o->base, &blen), *dtok = o->dtok ? read_all(o->dtok, &dlen) : NULL;
    corpus d = {o->domain, o->ndomain, o->field, 0}, g = {o->general, o->ngeneral, o->field, 0};
    cn_bpe_corpus dc = {corpus_each, &d}, gc = {corpus_each, &g};
    char *json, *map;
    size_t jlen, mlen;
    cn_bpe_augment_stats s;
    cn_status st = cn_bpe_augment(&ao, base, blen, dtok, dlen, &dc, &gc, &json, &jlen, &map, &mlen, &s);
    cn_progress_end(&prog);
    if (st) cn_die_status();
    cn_out *outs[2] = {NULL, NULL}; /* the map and the tokenizer: both or neither */
    if (o->map) write_out(o->map, map, mlen, &outs[0]);
    write_out(o->out, json, jlen, &outs[1]);
    if (cn_out_commit_all(outs, 2)) cn_die_status();
    if (!o->quiet)
        fprintf(stderr,
                "cn-vocab: %u tokens added to %u (ids %u..%u); candidates %u, dropped %u for bytes-only characters, %u for "
                "digits (the base splits them), %u as common in general text; %u of %u occur in the domain text after %u "
                "rounds\n",
                s.added, s.base_size, s.base_size, s.base_size + s.added - 1, s.candidates, s.dropped_bytes, s.dropped_digits,
                s.dropped_general,
                s.fired, s.added, s.rounds);
    free(json), free(map), free(base), free(dtok);
    free(o->domain), free(o->general);
    return 0;
}

/* --domain / --general take every following argument up to the next option */
static char **take_files(int argc, char **argv, int *n) {
    char **v = malloc(((size_t)argc + 1) * sizeof *v);
    if (!v) cn_die("out of memory");
    v[(*n = 0)] = optarg;
    (*n)++;
    while (optind < argc && argv[optind][0] != '-') v[(*n)++] = argv[optind++];
    if (optind < argc && strcmp(argv[optind], "-") == 0) v[(*n)++] = argv[optind++];
    return v;
}

int main(int argc, char **argv) {
    cn_tool_init("cn-vocab");
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) usage();
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) cn_print_version();
    if (argc < 2 || (strcmp(argv[1], "train") != 0 && strcmp(argv[1], "augment") != 0))
        cn_usage_error("expected a command: train or augment");
    int is_train = strcmp(argv[1], "train") == 0;
    argc--, argv++;
    opts o = {0};
    o.field = "text";
    o.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (o.threads < 1) o.threads = 1;
    enum { O_COVERAGE = 256, O_MAXCHARS, O_MINCOUNT, O_MAXMEM, O_DOMAIN, O_GENERAL, O_DTOK, O_DVOCAB, O_GFRAC, O_MINFIRE,
           O_ROUNDS, O_THREADS, O_FIELD, O_VERSION };
    static const struct option longs[] = {
        {"type", required_argument, 0, 't'}, {"vocab-size", required_argument, 0, 'n'},
        {"coverage", required_argument, 0, O_COVERAGE}, {"max-token-chars", required_argument, 0, O_MAXCHARS},
        {"min-count", required_argument, 0, O_MINCOUNT}, {"max-memory", required_argument, 0, O_MAXMEM},
        {"base", required_argument, 0, 'b'}, {"domain", required_argument, 0, O_DOMAIN},
        {"general", required_argument, 0, O_GENERAL}, {"add", required_argument, 0, 'a'},
        {"domain-tokenizer", required_argument, 0, O_DTOK}, {"domain-vocab", required_argument, 0, O_DVOCAB},
        {"general-frac", required_argument, 0, O_GFRAC}, {"min-fire", required_argument, 0, O_MINFIRE},
        {"rounds", required_argument, 0, O_ROUNDS}, {"map", required_argument, 0, 'm'},
        {"threads", required_argument, 0, O_THREADS}, {"output", required_argument, 0, 'o'},
        {"field", required_argument, 0, O_FIELD}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    unsigned char seen[512] = {0};
    while ((c = getopt_long(argc, argv, "t:n:b:a:m:o:qh", longs, NULL)) != -1) {
        if (c > 0 && c < 512) seen[c] = 1;
        switch (c) {
        case 't':
            if (strcmp(optarg, "spm-bpe") == 0) o.type = CN_BPE_SPM;
            else if (strcmp(optarg, "byte-bpe") == 0) o.type = CN_BPE_BYTE;
            else cn_usage_error("option --type: expected spm-bpe or byte-bpe");
            break;
        case 'n':
            o.vocab = cn_opt_u64("--vocab-size", optarg);
            if (o.vocab < 1 || o.vocab > (1u << 24)) cn_usage_error("option --vocab-size: between 1 and 16M");
            break;
        case O_COVERAGE:
            o.coverage = cn_opt_double("--coverage", optarg);
            if (!(o.coverage > 0 && o.coverage <= 1)) cn_usage_error("option --coverage: above 0, at most 1");
            break;
        case O_MAXCHARS: o.max_chars = cn_opt_u64("--max-token-chars", optarg), o.max_chars_set = 1; break;
        case O_MINCOUNT: o.min_count = cn_opt_u64("--min-count", optarg); break;
        case O_MAXMEM: o.max_memory = cn_opt_u64("--max-memory", optarg); break;
        case 'b': o.base = optarg; break;
        case O_DOMAIN: o.domain = take_files(argc, argv, &o.ndomain); break;
        case O_GENERAL: o.general = take_files(argc, argv, &o.ngeneral); break;
        case 'a':
            o.add = cn_opt_u64("--add", optarg);
            if (o.add < 1 || o.add > (1u << 22)) cn_usage_error("option --add: between 1 and 4M");
            break;
        case O_DTOK: o.dtok = optarg; break;
        case O_DVOCAB: o.domain_vocab = cn_opt_u64("--domain-vocab", optarg); break;
        case O_GFRAC:
            o.general_frac = cn_opt_double("--general-frac", optarg);
            if (!(o.general_frac > 0)) cn_usage_error("option --general-frac: above 0");
            break;
        case O_MINFIRE:
            o.min_fire = cn_opt_double("--min-fire", optarg);
            if (!(o.min_fire > 0 && o.min_fire <= 1)) cn_usage_error("option --min-fire: above 0, at most 1");
            break;
        case O_ROUNDS: o.rounds = cn_opt_u64("--rounds", optarg); break;
        case 'm': o.map = optarg; break;
        case O_THREADS: {
            uint64_t v = cn_opt_u64("--threads", optarg);
            if (v < 1 || v > 1024) cn_usage_error("option --threads: between 1 and 1024");
            o.threads = (int)v;
            break;
        }
        case 'o': o.out = optarg; break;
        case O_FIELD: o.field = optarg; break;
        case 'q': o.quiet = 1; break;
        case 'h': usage();
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    /* an option of the other command is an error, not silently dropped */
    static const struct { int code, train; const char *name; } own[] = {
        {'t', 1, "--type"}, {'n', 1, "--vocab-size"}, {O_COVERAGE, 1, "--coverage"}, {O_MAXCHARS, 1, "--max-token-chars"},
        {O_MINCOUNT, 1, "--min-count"}, {'b', 0, "--base"}, {O_DOMAIN, 0, "--domain"}, {O_GENERAL, 0, "--general"},
        {'a', 0, "--add"}, {O_DTOK, 0, "--domain-tokenizer"}, {O_DVOCAB, 0, "--domain-vocab"}, {O_GFRAC, 0, "--general-frac"},
        {O_MINFIRE, 0, "--min-fire"}, {O_ROUNDS, 0, "--rounds"}, {'m', 0, "--map"}, {O_THREADS, 0, "--threads"},
    };
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        if (seen[own[i].code] && own[i].train != is_train)
            cn_usage_error("%s is an option of cn-vocab %s, not of %s", own[i].name, own[i].train ? "train" : "augment",
                           is_train ? "train" : "augment");
    cn_progress_begin(&prog, o.quiet);
    if (is_train) return train(&o, argc - optind, argv + optind);
    if (optind < argc) cn_usage_error("augment takes no file arguments: give --domain FILE... and --general FILE...");
    return augment(&o);
}
