/* cn-tokenize: JSONL documents to token shards (or Megatron datasets) with a
 * Hugging Face tokenizer.json, and shards back to text with --decode. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "jsonl.h"
#include "shard.h"
#include "tok.h"
#include "tool.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s -t TOKENIZER.json [options] [FILE...]\n"
           "       %s -t TOKENIZER.json --decode [options] [SHARD...]\n"
           "Encodes JSONL documents (plain or zstd, - for stdin) into one token shard stream\n"
           "with the ids Hugging Face tokenizers gives for TOKENIZER.json: one record per\n"
           "document, no BOS/EOS stored, the text's UTF-8 bytes per record, the SHA-256 of\n"
           "TOKENIZER.json in the header. --decode turns shards back into JSONL text.\n\n"
           "  -t, --tokenizer FILE   the tokenizer.json (required)\n"
           "  -o, --output FILE      write FILE (atomically) instead of stdout; with\n"
           "                         --format megatron, the output prefix (PREFIX.bin, .idx;\n"
           "                         a name ending in .bin or .idx is taken as its prefix)\n"
           "  -z, --zstd             compress the output (implied by *.zst)\n"
           "  -f, --force-tty        write binary data even to a terminal\n"
           "      --field NAME       the text field (default text)\n"
           "      --literal-special  special tokens in the text are plain text (HF's\n"
           "                         encode_special_tokens): a literal <s> stays text\n"
           "      --format cn|megatron  token shards (default) or a Megatron-LM dataset\n"
           "      --eos ID|none      megatron: the id appended to each document (required)\n"
           "      --replace-invalid-utf8  replace invalid UTF-8 with U+FFFD (default: error)\n"
           "      --threads N        encoding threads (default: all cores)\n"
           "      --decode           shards to JSONL {\"text\": ...}\n"
           "      --force            decode shards made with another tokenizer\n"
           "  -q, --quiet            no progress line, no summary at the end\n"
           "  -h, --help             this help\n"
           "      --version          print the version\n",
           cn_prog, cn_prog);
    exit(0);
}

typedef struct {
    const char *tok_path, *out_path, *field;
    int zstd, force_tty, literal, megatron, replace, decode, force, quiet, threads;
    int64_t eos;
    int eos_set, format_set, threads_set, field_set;
} opts;

static cn_progress prog;

/* one batch of documents: their texts (copied) and ids */
#define BATCH_DOCS 1024
#define BATCH_BYTES (1u << 20)

typedef struct {
    char *text;
    size_t cap, used;
    size_t off[BATCH_DOCS], len[BATCH_DOCS];
    const char *ptr[BATCH_DOCS];
    cn_ids ids[BATCH_DOCS];
    uint64_t line[BATCH_DOCS]; /* each document's line in its file */
    size_t n;
    int file, last;            /* the input it comes from; its last batch */
} batch;

typedef struct {
    cn_out *out;
    cn_shard_writer *w;
    cn_megatron_writer *mw;
    int64_t eos;
    uint32_t *tmp;
    size_t tmpcap;
    uint64_t docs, empty, tokens, bytes;
} sink;

static void put_batch(sink *k, batch *b) {
    for (size_t i = 0; i < b->n; i++) {
        cn_ids *ids = &b->ids[i];
        cn_status st;
        if (k->mw) {
            if (ids->n == 0) { /* Megatron's preprocessing leaves empty documents out */
                k->empty++;
                continue;
            }
            if (k->eos >= 0) {
                if ((st = cn_ids_push(ids, (uint32_t)k->eos))) cn_die_status();
            }
            st = cn_megatron_add(k->mw, ids->v, ids->n);
            if (!st) st = cn_megatron_end_doc(k->mw, (uint32_t)b->len[i]);
        } else {
            st = cn_shard_write(k->w, ids->v, (uint32_t)ids->n, (uint32_t)b->len[i]);
        }
        if (st) {
            if (k->out) cn_out_abort(k->out);
            if (k->mw) cn_megatron_abort(k->mw);
            cn_die_status();
        }
        k->docs += ids->n > 0;
        k->empty += ids->n == 0;
        k->tokens += ids->n;
        k->bytes += b->len[i];
    }
    double dt = cn_now() - prog.t0;
    cn_progress_update(&prog, 0, "cn-tokenize: %llu docs, %.1fM tokens, %.1f MB/s", (unsigned long long)k->docs,
                       k->tokens / 1e6, dt > 0 ? k->bytes / 1e6 / dt : 0.0);
}

/* The reader thread: parses the JSONL files into batches (one file's
 * documents per batch, at most BATCH_DOCS / BATCH_BYTES) and hands them to the
 * encoder through two slots, so that parsing overlaps encoding. */
typedef struct {
    const opts *o;
    int n;
    char **files;
    batch *slot[2];
    int full[2];
    int done, stop;
    char msg[1100]; /* the reading error, when done with one */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} feed;

static int fill(feed *f, batch *b, cn_jsonl *j, int file) {
    cJSON *obj;
    cn_status st = CN_OK;
    b->n = 0;
    b->used = 0;
    b->file = file;
    while (b->n < BATCH_DOCS && b->used < BATCH_BYTES && (st = cn_jsonl_next(j, &obj)) == CN_OK) {
        const char *s;
        size_t len;
        if ((st = cn_jsonl_text(j, f->o->field, &s, &len))) break;
        if (b->used + len > b->cap) {
            size_t cap = b->cap;
            while (cap < b->used + len) cap *= 2;
            char *nt = realloc(b->text, cap);
            if (!nt) {
                st = cn_fail(CN_ENOMEM, "out of memory");
                break;
            }
            b->text = nt;
            b->cap = cap;
        }
        memcpy(b->text + b->used, s, len);
        b->off[b->n] = b->used;
        b->len[b->n] = len;
        b->line[b->n] = cn_jsonl_line(j);
        b->used += len;
        b->n++;
    }
    for (size_t d = 0; d < b->n; d++) b->ptr[d] = b->text + b->off[d];
    b->last = st == CN_EOF;
    return st == CN_OK || st == CN_EOF ? 0 : 1;
}

static void *reader(void *arg) {
    feed *f = arg;
    int k = 0, failed = 0;
    for (int i = 0; i < f->n && !failed; i++) {
        cn_in *in = cn_in_open(f->files[i]);
        cn_jsonl *j = in ? cn_jsonl_new(in, f->o->replace ? CN_JSONL_REPLACE_UTF8 : 0) : NULL;
        if (!j) {
            cn_in_close(in);
            failed = 1;
            break;
        }
        for (int last = 0; !last && !failed; k ^= 1) {
            pthread_mutex_lock(&f->mu);
            while (f->full[k] && !f->stop) pthread_cond_wait(&f->cv, &f->mu);
            int stop = f->stop;
            pthread_mutex_unlock(&f->mu);
            if (stop) {
                failed = 2;
                break;
            }
            batch *b = f->slot[k];
            failed = fill(f, b, j, i);
            last = b->last;
            /* a batch read before an error still goes out, as in order */
            pthread_mutex_lock(&f->mu);
            if (b->n || last) f->full[k] = 1;
            else k ^= 1; /* nothing to hand over: this slot is reused */
            pthread_cond_broadcast(&f->cv);
            pthread_mutex_unlock(&f->mu);
        }
        cn_jsonl_free(j);
        cn_in_close(in);
    }
    pthread_mutex_lock(&f->mu);
    if (failed == 1) snprintf(f->msg, sizeof f->msg, "%s", cn_errmsg());
    f->done = 1;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

static void abort_sink(sink *k) {
    if (k->out) cn_out_abort(k->out);
    if (k->mw) cn_megatron_abort(k->mw);
}

static int encode(const opts *o, int n, char **files) {
    /* the reader starts first: parsing the first batch overlaps loading */
    feed f = {.o = o, .n = n, .files = files, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    for (int s = 0; s < 2; s++) {
        f.slot[s] = calloc(1, sizeof *f.slot[s]);
        if (!f.slot[s] || !(f.slot[s]->text = malloc(BATCH_BYTES))) cn_die("out of memory");
        f.slot[s]->cap = BATCH_BYTES;
    }
    pthread_t rt;
    if (pthread_create(&rt, NULL, reader, &f)) cn_die("cannot start the reader thread");
    cn_tok *t = cn_tok_load(o->tok_path);
    if (!t) cn_die_status();
    cn_shard_info info;
    cn_shard_info_init(&info, cn_tok_vocab_size(t), cn_tok_sha256(t), 0);
    sink k = {0};
    k.eos = o->eos;
    if (o->megatron) {
        if (!o->out_path) cn_usage_error("--format megatron needs -o PREFIX");
        if (!o->eos_set) cn_usage_error("--format megatron needs --eos ID (appended to each document, as Megatron's preprocessing does) or --eos none");
        if (o->eos >= (int64_t)cn_tok_vocab_size(t)) cn_usage_error("--eos %lld is not below the vocabulary size %u", (long long)o->eos, cn_tok_vocab_size(t));
        k.mw = cn_megatron_writer_new(o->out_path, cn_megatron_dtype_for(cn_tok_vocab_size(t)));
        if (!k.mw || cn_megatron_begin_shard(k.mw, &info, o->eos)) cn_die_status();
    } else {
        cn_check_binary_stdout(o->out_path, o->force_tty);
        k.out = cn_out_open(o->out_path, o->zstd ? CN_OUT_ZSTD : 0);
        if (!k.out || !(k.w = cn_shard_writer_new(k.out, &info))) cn_die_status();
    }
    int threads = o->threads;
    cn_tok_state **states = calloc((size_t)threads, sizeof *states);
    if (!states) cn_die("out of memory");
    int flags = o->literal ? CN_TOK_LITERAL_SPECIAL : 0;
    for (int s = 0;; s ^= 1) {
        pthread_mutex_lock(&f.mu);
        while (!f.full[s] && !f.done) pthread_cond_wait(&f.cv, &f.mu);
        int full = f.full[s];
        pthread_mutex_unlock(&f.mu);
        if (!full) break; /* the reader is done and this slot is empty */
        batch *b = f.slot[s];
        size_t failed;
        if (b->n && cn_tok_encode_batch(t, states, threads, b->ptr, b->len, b->n, flags, b->ids, &failed)) {
            char msg[1100];
            snprintf(msg, sizeof msg, "%s", cn_errmsg());
            pthread_mutex_lock(&f.mu);
            f.stop = 1;
            pthread_cond_broadcast(&f.cv);
            pthread_mutex_unlock(&f.mu);
            pthread_join(rt, NULL);
            abort_sink(&k);
            cn_die("%s:%llu: %s", strcmp(files[b->file], "-") == 0 ? "<stdin>" : files[b->file], (unsigned long long)b->line[failed], msg);
        }
        put_batch(&k, b);
        pthread_mutex_lock(&f.mu);
        f.full[s] = 0;
        pthread_cond_broadcast(&f.cv);
        pthread_mutex_unlock(&f.mu);
    }
    pthread_join(rt, NULL);
    if (f.msg[0]) {
        abort_sink(&k);
        cn_die("%s", f.msg);
    }
    cn_progress_end(&prog);
    cn_status st;
    if (k.mw) {
        st = cn_megatron_finish(k.mw);
    } else {
        st = cn_shard_writer_finish(k.w, NULL);
        if (st) cn_out_abort(k.out);
        else st = cn_out_commit(k.out);
    }
    if (st) cn_die_status();
    if (!o->quiet) { /* the end summary, on a terminal or not */
        double dt = cn_now() - prog.t0;
        fprintf(stderr, "cn-tokenize: %s%s: %llu documents%s%.0llu%s, %llu tokens, %.2f bytes a token, %.1f MB in %.1f s\n",
                o->out_path ? o->out_path : "stdout", k.mw ? ".{bin,idx}" : "", (unsigned long long)(k.docs + k.empty),
                k.empty ? " (" : "", (unsigned long long)k.empty, !k.empty ? "" : k.mw ? " empty, left out)" : " empty)", (unsigned long long)k.tokens,
                k.tokens ? (double)k.bytes / (double)k.tokens : 0.0, k.bytes / 1e6, dt);
    }
    for (int s = 0; s < 2; s++) {
        for (size_t d = 0; d < BATCH_DOCS; d++) cn_ids_free(&f.slot[s]->ids[d]);
        free(f.slot[s]->text);
        free(f.slot[s]);
    }
    for (int i = 0; i < threads; i++) cn_tok_state_free(states[i]);
    free(states);
    cn_tok_free(t);
    return 0;
}

static int decode(const opts *o, int n, char **files) {
    cn_tok *t = cn_tok_load(o->tok_path);
    if (!t) cn_die_status();
    const uint8_t *hash = cn_tok_sha256(t);
    cn_out *out = cn_out_open(o->out_path, o->zstd ? CN_OUT_ZSTD : 0);
    if (!out) cn_die_status();
    uint32_t *ids = NULL;
    size_t cap = 0;
    for (int i = 0; i < n; i++) {
        cn_in *in = cn_in_open(files[i]);
        if (!in) goto fail;
        cn_shard_reader *r = cn_shard_reader_new(in);
        cn_doc d;
        cn_status st;
        uint64_t shards = 0;
        while ((st = cn_shard_next(r, &d)) == CN_OK) {
            if (cn_shard_reader_shards(r) != shards) {
                shards = cn_shard_reader_shards(r);
                if (memcmp(cn_shard_reader_info(r)->tok_hash, hash, 32) != 0 && !o->force) {
                    cn_fail(CN_EMISMATCH, "%s: made by another tokenizer than %s (--force to decode anyway)", cn_in_name(in), o->tok_path);
                    goto fail;
                }
            }
            if (d.n > cap) {
                cap = 2 * (size_t)d.n;
                if (!(ids = realloc(ids, cap * sizeof *ids))) cn_die("out of memory");
            }
            for (uint32_t k = 0; k < d.n; k++) ids[k] = cn_doc_id(&d, k);
            char *text;
            size_t len;
            if (cn_tok_decode(t, ids, d.n, 0, &text, &len)) goto fail;
            st = cn_out_write(out, "{\"text\": ", 9);
            if (!st) st = cn_json_write_string(out, text, len);
            if (!st) st = cn_out_write(out, "}\n", 2);
            free(text);
            if (st) goto fail;
        }
        if (st != CN_EOF) goto fail;
        cn_shard_reader_free(r);
        cn_in_close(in);
    }
    free(ids);
    if (cn_out_commit(out)) cn_die_status();
    cn_tok_free(t);
    return 0;
fail:
    cn_out_abort(out);
    cn_die_status();
}

int main(int argc, char **argv) {
    cn_tool_init("cn-tokenize");
    opts o = {0};
    o.field = "text";
    o.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (o.threads < 1) o.threads = 1;
    enum { O_FIELD = 256, O_LITERAL, O_FORMAT, O_EOS, O_REPLACE, O_THREADS, O_DECODE, O_FORCE, O_VERSION };
    static const struct option longs[] = {
        {"tokenizer", required_argument, 0, 't'}, {"output", required_argument, 0, 'o'},
        {"zstd", no_argument, 0, 'z'}, {"force-tty", no_argument, 0, 'f'},
        {"field", required_argument, 0, O_FIELD}, {"literal-special", no_argument, 0, O_LITERAL},
        {"format", required_argument, 0, O_FORMAT}, {"eos", required_argument, 0, O_EOS},
        {"replace-invalid-utf8", no_argument, 0, O_REPLACE}, {"threads", required_argument, 0, O_THREADS},
        {"decode", no_argument, 0, O_DECODE}, {"force", no_argument, 0, O_FORCE},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "t:o:zfqh", longs, NULL)) != -1) {
        switch (c) {
        case 't': o.tok_path = optarg; break;
        case 'o': o.out_path = optarg; break;
        case 'z': o.zstd = 1; break;
        case 'f': o.force_tty = 1; break;
        case 'q': o.quiet = 1; break;
        case 'h': usage();
        case O_FIELD: o.field = optarg, o.field_set = 1; break;
        case O_LITERAL: o.literal = 1; break;
        case O_FORMAT:
            o.format_set = 1;
            if (strcmp(optarg, "megatron") == 0) o.megatron = 1;
            else if (strcmp(optarg, "cn") != 0) cn_usage_error("option --format: expected cn or megatron");
            break;
        case O_EOS:
            o.eos_set = 1;
            o.eos = strcmp(optarg, "none") == 0 ? -1 : (int64_t)cn_opt_u64("--eos", optarg);
            break;
        case O_REPLACE: o.replace = 1; break;
        case O_THREADS: {
            uint64_t v = cn_opt_u64("--threads", optarg);
            if (v < 1 || v > 1024) cn_usage_error("option --threads: between 1 and 1024");
            o.threads = (int)v, o.threads_set = 1;
            break;
        }
        case O_DECODE: o.decode = 1; break;
        case O_FORCE: o.force = 1; break;
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (!o.tok_path) cn_usage_error("no tokenizer: give -t TOKENIZER.json");
    const char *encoding = o.field_set ? "--field" : o.literal ? "--literal-special" : o.format_set ? "--format" : o.eos_set ? "--eos"
                         : o.replace ? "--replace-invalid-utf8" : o.threads_set ? "--threads" : NULL;
    if (o.decode && encoding) cn_usage_error("%s is an encoding option: not with --decode", encoding);
    if (o.decode && o.force_tty && !o.zstd) cn_usage_error("--decode writes text: -f goes with -z");
    if (!o.decode && o.force) cn_usage_error("--force decodes shards of another tokenizer: it goes with --decode");
    if (!o.decode && o.eos_set && !o.megatron) cn_usage_error("--eos goes with --format megatron (token shards store no EOS; readers add it)");
    char *prefix = NULL; /* megatron: -o PREFIX, or PREFIX.bin or PREFIX.idx as Megatron names its files */
    if (o.megatron && o.out_path) {
        size_t len = strlen(o.out_path);
        if (len > 4 && (strcmp(o.out_path + len - 4, ".bin") == 0 || strcmp(o.out_path + len - 4, ".idx") == 0)) {
            if (!(prefix = strndup(o.out_path, len - 4))) cn_die("out of memory");
            o.out_path = prefix;
        }
    }
    int n = argc - optind;
    char **files = argv + optind;
    static char *stdin_only[] = {"-"};
    if (n == 0) {
        n = 1;
        files = stdin_only;
    }
    cn_progress_begin(&prog, o.quiet);
    int rc = o.decode ? decode(&o, n, files) : encode(&o, n, files);
    free(prefix);
    return rc;
}
