/* cn-embed: a dense retriever's encoder at work (libcore encoder, vec, vindex).
 *   encode  texts in, their vectors out (NumPy .npy)
 *   index   documents cut into passages, encoded, written as an index directory
 *   search  the best passages of an index for each query
 *   chunk   documents cut into passages, as index cuts them, as a BEIR corpus */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "crc.h"
#include "encoder.h"
#include "io.h"
#include "jsonl.h"
#include "passage.h"
#include "retr.h"
#include "tok.h"
#include "texts.h"
#include "tool.h"
#include "vec.h"
#include "vindex.h"

#define QUERY_PROMPT "query: "
#define PASSAGE_PROMPT "passage: "

static void usage(const char *cmd) __attribute__((noreturn));
static void usage(const char *cmd) {
    static const char *const names[] = {"encode", "index", "search", "chunk"};
    static const char *const line[] = {
        "encode --model DIR [--as query|passage] [-o OUT.npy] [TEXTS.jsonl...]",
        "index --model DIR -o INDEX [options] DOCS.jsonl...",
        "search --index INDEX [--model DIR] (--query TEXT | QUERIES.jsonl...) [options]",
        "chunk [--chunk-chars N] [--overlap N] [-o CORPUS.jsonl] DOCS.jsonl...",
    };
    static const char *const text[] = {
        "encode: the vectors of texts, one JSON object a line with a \"text\" field (plain\n"
        "or zstd; stdin when no file is given), as a NumPy .npy file of float32 rows\n"
        "(N, D) in the texts' order: each text after its prompt, mean-pooled and\n"
        "L2-normalised, as sentence-transformers encodes with an e5 model.\n"
        "  -m, --model DIR        a BERT-family model directory (config.json, safetensors,\n"
        "                         tokenizer.json)\n"
        "      --as KIND          query or passage (default): which prompt goes first, the\n"
        "                         one DIR/config_sentence_transformers.json names, else e5's\n"
        "      --prompt TEXT      this prompt instead (\"\" for none)\n"
        "      --field NAME       the text field (default text)\n"
        "  -o, --output FILE      the .npy file (default stdout, not a terminal)\n",
        "index: cuts each document (JSONL: \"text\", and \"_id\" or \"id\"; else FILE:LINE\n"
        "names it) into passages of at most --chunk-chars characters, ending at a line,\n"
        "else a sentence, else a word; encodes them after the passage prompt; writes\n"
        "INDEX/index.faiss (FAISS's IndexFlatIP file: faiss.read_index loads it),\n"
        "INDEX/passages.jsonl (id DOC#K, doc, source, start and end bytes, text) and\n"
        "INDEX/meta.json (the encoder's and tokenizer's SHA-256, prompts, pooling,\n"
        "dims, count), all three or none.\n"
        "  -m, --model DIR        the encoder (a BERT-family model directory)\n"
        "  -o, --output INDEX     the index directory (made when missing)\n"
        "      --chunk-chars N    a passage's most characters (default 512)\n"
        "      --overlap N        characters a passage repeats of the one before (default 0)\n"
        "      --query-prompt T   recorded for search (default: the encoder's, as\n"
        "                         config_sentence_transformers.json names it, else \"query: \")\n"
        "      --passage-prompt T put before each passage (default: the encoder's, else \"passage: \")\n"
        "      --overwrite        replace the index INDEX holds\n",
        "search: the --top passages of INDEX for each query (QUERIES.jsonl in BEIR's\n"
        "layout: \"_id\" and \"text\"; or one --query), by the inner product of their\n"
        "vectors, exact. One JSON object a result,\n"
        "  {\"query\": ID, \"rank\": R, \"id\": PASSAGE, \"row\": ROW, \"doc\": DOC, \"score\": S, \"text\": ...}\n"
        "(ROW: the passage's row in index.faiss), or a table on a terminal. The queries\n"
        "are encoded by the index's encoder (meta.json): another --model is refused.\n"
        "With --bm25 the same passages are ranked by Okapi BM25 instead (Lucene's\n"
        "formula, Pyserini's k1 0.9 and b 0.4; lowercase words, no stemming), no\n"
        "encoder used; only passages sharing a word with the query are given.\n"
        "  -i, --index INDEX      the index directory (cn-embed index)\n"
        "  -m, --model DIR        the encoder (default: the one meta.json names)\n"
        "      --query TEXT       one query (its id: \"query\")\n"
        "  -k, --top K            results a query (default 10)\n"
        "  -o, --output FILE      write FILE (atomically) instead of stdout\n"
        "      --table            a table even when stdout is not a terminal\n"
        "      --json             JSON even on a terminal\n"
        "      --bm25             rank by BM25, not by the vectors\n"
        "      --k1 F, --b F      BM25's parameters (default 0.9 and 0.4)\n",
        "chunk: cuts documents into passages as index does, without an encoder, and\n"
        "writes them as a BEIR corpus, one JSON object a passage:\n"
        "  {\"_id\": DOC#K, \"text\": ..., \"doc\": DOC, \"source\": FILE:LINE, \"start\": S, \"end\": E}\n"
        "(bytes [S, E) of the document). Indexing that corpus with the same\n"
        "--chunk-chars keeps each passage whole: its document id is then the _id, as\n"
        "qrels name it.\n"
        "      --chunk-chars N    a passage's most characters (default 512)\n"
        "      --overlap N        characters a passage repeats of the one before (default 0)\n"
        "  -o, --output FILE      write FILE (atomically; zstd by .zst) instead of stdout\n"
        "  -q, --quiet            nothing on stderr but errors\n"
        "  -h, --help             this help\n",
    };
    if (!cmd) {
        printf("Usage: %s COMMAND [options]\n", cn_prog);
        for (int i = 0; i < 4; i++) printf("       %s %s\n", cn_prog, line[i]);
        printf("\nA dense retriever's encoder (e5-style: prompts, mean pooling, L2 norm): texts\n"
               "to vectors, documents to an index, queries to passages. '%s COMMAND --help'\n"
               "gives each command's options.\n",
               cn_prog);
    } else {
        int i = 0;
        while (strcmp(names[i], cmd)) i++;
        printf("Usage: %s %s\n%s", cn_prog, line[i], text[i]);
        if (i == 3) exit(0); /* no encoder: none of the options below */
    }
    printf("      --batch N          sequences a forward (default 32)\n"
           "      --threads N        threads (default: all cores)\n" CN_DEVICE_HELP
           "  -q, --quiet            no progress line\n"
           "  -h, --help             this help\n"
           "      --version          print the version\n");
    exit(0);
}

/* ---- what the commands share ---- */

enum { O_AS = 256, O_PROMPT, O_FIELD, O_CHUNK, O_OVERLAP, O_QPROMPT, O_PPROMPT, O_OVERWRITE, O_QUERY, O_TABLE, O_JSON, O_BM25, O_K1, O_B,
       O_BATCH, O_THREADS, O_DEVICE, O_VERSION };
#define COMMON_LONGS                                                                                                          \
    {"batch", required_argument, 0, O_BATCH}, {"threads", required_argument, 0, O_THREADS},                                 \
        {"device", required_argument, 0, O_DEVICE}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},          \
        {"version", no_argument, 0, O_VERSION}, {                                                                            \
        0, 0, 0, 0                                                                                                            \
    }

typedef struct {
    int batch, threads, quiet;
    const char *device;
} common;

static cn_progress prog;

/* an option every command takes: 1 when c was one */
static int common_opt(int c, common *o, const char *cmd) {
    switch (c) {
    case O_BATCH: {
        uint64_t v = cn_opt_u64("--batch", optarg);
        if (v < 1 || v > 65536) cn_usage_error("option --batch: between 1 and 65536");
        o->batch = (int)v;
        return 1;
    }
    case O_THREADS: {
        uint64_t v = cn_opt_u64("--threads", optarg);
        if (v < 1 || v > 1024) cn_usage_error("option --threads: between 1 and 1024");
        o->threads = (int)v;
        return 1;
    }
    case O_DEVICE: o->device = cn_opt_device("--device", optarg); return 1;
    case 'q': o->quiet = 1; return 1;
    case 'h': usage(cmd);
    case O_VERSION: cn_print_version();
    default: return 0;
    }
}

static void on_progress(void *arg, size_t done, size_t n) {
    cn_progress_update(&prog, done == n, "%s: %s %zu of %zu, %.1f%%", cn_prog, (const char *)arg, done, n, 100.0 * (double)done / (double)n);
}

static cn_encoder *open_encoder(const char *dir, const common *o, const char *what) {
    omp_set_num_threads(o->threads);
    cn_encoder *e = cn_encoder_open(dir, cn_tool_device(o->device));
    if (!e) cn_die_status();
    cn_encoder_set_batch(e, o->batch);
    cn_encoder_set_progress(e, on_progress, (void *)what);
    return e;
}

/* the encoder's prompt of that kind (config_sentence_transformers.json),
 * else e5's */
static const char *default_prompt(const cn_encoder *e, const char *kind) {
    const char *p = cn_encoder_prompt(e, kind);
    return p ? p : strcmp(kind, "query") ? PASSAGE_PROMPT : QUERY_PROMPT;
}

static char *fmt_dup(const char *fmt, const char *a, unsigned long long b) {
    size_t n = strlen(a) + 32;
    char *s = malloc(n);
    if (!s) cn_die("out of memory");
    snprintf(s, n, fmt, a, b);
    return s;
}

static void texts_read(cn_texts *t, const char *path, const char *field, const char *what) {
    if (cn_texts_read(t, path, field, what)) cn_die_status();
}

static void report_truncated(size_t truncated, size_t n, const char *what, int maxpos) {
    if (truncated)
        fprintf(stderr, "%s: %zu of %zu %s cut to the encoder's %d positions\n", cn_prog, truncated, n, what, maxpos);
}

/* ---- encode ---- */

/* NumPy's .npy header (version 1.0) for float32 rows (n, d), padded so
 * that the data starts at a multiple of 64 bytes */
static cn_status npy_header(cn_out *out, size_t n, int d) {
    char dict[128], h[192];
    int k = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %d), }", n, d);
    size_t total = 10 + (size_t)k + 1, pad = (64 - total % 64) % 64;
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    uint16_t hl = (uint16_t)(k + pad + 1);
    memcpy(h + 8, &hl, 2);
    memcpy(h + 10, dict, (size_t)k);
    memset(h + 10 + k, ' ', pad);
    h[10 + k + pad] = '\n';
    return cn_out_write(out, h, total + pad);
}

static int encode_main(int argc, char **argv) {
    common o = {32, (int)sysconf(_SC_NPROCESSORS_ONLN), 0, NULL};
    const char *dir = NULL, *out_path = NULL, *prompt = NULL, *kind = "passage", *field = "text";
    int prompt_set = 0, as_set = 0;
    static const struct option longs[] = {
        {"model", required_argument, 0, 'm'}, {"as", required_argument, 0, O_AS}, {"prompt", required_argument, 0, O_PROMPT},
        {"field", required_argument, 0, O_FIELD}, {"output", required_argument, 0, 'o'}, COMMON_LONGS,
    };
    int c;
    while ((c = getopt_long(argc, argv, "m:o:qh", longs, NULL)) != -1) {
        if (common_opt(c, &o, "encode")) continue;
        switch (c) {
        case 'm': dir = optarg; break;
        case O_AS:
            if (strcmp(optarg, "query") && strcmp(optarg, "passage")) cn_usage_error("option --as: query or passage");
            kind = optarg, as_set = 1;
            break;
        case O_PROMPT: prompt = optarg, prompt_set = 1; break;
        case O_FIELD: field = optarg; break;
        case 'o': out_path = optarg; break;
        default: cn_usage_error("unknown option");
        }
    }
    if (!dir) cn_usage_error("no model: give --model DIR");
    if (as_set && prompt_set) cn_usage_error("--as picks a prompt and --prompt gives one: not both");
    cn_check_binary_stdout(out_path, 0);
    cn_texts t = {0};
    if (optind == argc) texts_read(&t, "-", field, "text");
    for (int f = optind; f < argc; f++) texts_read(&t, argv[f], field, "text");
    cn_encoder *e = open_encoder(dir, &o, "texts");
    if (!prompt_set) prompt = default_prompt(e, kind);
    int D = cn_encoder_dim(e);
    float *v = malloc((t.n ? t.n : 1) * (size_t)D * sizeof *v);
    if (!v) cn_die("out of memory");
    size_t truncated;
    cn_progress_begin(&prog, o.quiet);
    if (cn_encoder_encode(e, prompt, (const char *const *)t.s, t.len, t.n, v, &truncated)) cn_die_status();
    cn_progress_end(&prog);
    report_truncated(truncated, t.n, "texts", cn_encoder_dir(e)->c.max_pos);
    cn_out *out = cn_out_open(out_path, 0);
    if (!out || npy_header(out, t.n, D) || cn_out_write(out, v, t.n * (size_t)D * sizeof *v) || cn_out_commit(out)) cn_die_status();
    free(v);
    cn_texts_free(&t);
    cn_encoder_close(e);
    return 0;
}

/* ---- index ---- */

/* the documents of the n files, read into docs, cut into passages of at most
 * chunk characters (*np of them; ids DOC#K, texts pointing into docs) */
static cn_passage *cut_docs(cn_texts *docs, int n, char **files, int chunk, int overlap, size_t *np) {
    for (int f = 0; f < n; f++) texts_read(docs, files[f], "text", "document");
    cn_text_span *sp;
    if (cn_passage_cut_all((const char *const *)docs->s, docs->len, docs->n, chunk, overlap, &sp, np)) cn_die_status();
    cn_passage *p = malloc((*np ? *np : 1) * sizeof *p);
    if (!p) cn_die("out of memory");
    for (size_t i = 0, k = 0; i < *np; i++) {
        size_t d = sp[i].text;
        k = i && sp[i - 1].text == d ? k + 1 : 0; /* the passage's number in its document */
        p[i] = (cn_passage){fmt_dup("%s#%llu", docs->id[d], k), docs->id[d], (char *)docs->where[d], sp[i].start, sp[i].end,
                            docs->s[d] + sp[i].start, sp[i].end - sp[i].start};
    }
    free(sp);
    return p;
}

/* the --chunk-chars and --overlap options of index and chunk */
static int chunk_opt(int c, int *chunk, int *overlap) {
    if (c == O_CHUNK) {
        uint64_t v = cn_opt_u64("--chunk-chars", optarg);
        if (v < 16 || v > 1000000) cn_usage_error("option --chunk-chars: between 16 and 1000000");
        *chunk = (int)v;
        return 1;
    }
    if (c == O_OVERLAP) {
        uint64_t v = cn_opt_u64("--overlap", optarg);
        if (v > 1000000) cn_usage_error("option --overlap: at most 1000000");
        *overlap = (int)v;
        return 1;
    }
    return 0;
}

static void check_overlap(int chunk, int overlap) {
    if (overlap >= chunk / 2) cn_usage_error("option --overlap: under half of --chunk-chars (%d)", chunk);
}

static int index_main(int argc, char **argv) {
    common o = {32, (int)sysconf(_SC_NPROCESSORS_ONLN), 0, NULL};
    const char *dir = NULL, *out_dir = NULL;
    cn_vindex_meta meta = {.chunk_chars = 512}; /* the prompts: given, else the encoder's, else e5's */
    int overwrite = 0;
    static const struct option longs[] = {
        {"model", required_argument, 0, 'm'}, {"output", required_argument, 0, 'o'}, {"chunk-chars", required_argument, 0, O_CHUNK},
        {"overlap", required_argument, 0, O_OVERLAP}, {"query-prompt", required_argument, 0, O_QPROMPT},
        {"passage-prompt", required_argument, 0, O_PPROMPT}, {"overwrite", no_argument, 0, O_OVERWRITE}, COMMON_LONGS,
    };
    int c;
    while ((c = getopt_long(argc, argv, "m:o:qh", longs, NULL)) != -1) {
        if (common_opt(c, &o, "index") || chunk_opt(c, &meta.chunk_chars, &meta.overlap)) continue;
        switch (c) {
        case 'm': dir = optarg; break;
        case 'o': out_dir = optarg; break;
        case O_QPROMPT: meta.query_prompt = optarg; break;
        case O_PPROMPT: meta.passage_prompt = optarg; break;
        case O_OVERWRITE: overwrite = 1; break;
        default: cn_usage_error("unknown option");
        }
    }
    if (!dir) cn_usage_error("no model: give --model DIR");
    if (!out_dir) cn_usage_error("no index: give -o INDEX");
    if (optind == argc) cn_usage_error("no documents: give JSONL files");
    check_overlap(meta.chunk_chars, meta.overlap);
    char *mp = cn_path_join(out_dir, "meta.json");
    if (!mp) cn_die("out of memory");
    if (!overwrite && access(mp, F_OK) == 0) cn_die("%s: holds an index: give --overwrite to replace it", out_dir);
    free(mp);
    /* the documents, cut */
    cn_texts docs = {0};
    size_t np;
    cn_passage *p = cut_docs(&docs, argc - optind, argv + optind, meta.chunk_chars, meta.overlap, &np);
    const char **ptext = malloc((np ? np : 1) * sizeof *ptext);
    size_t *plen = malloc((np ? np : 1) * sizeof *plen);
    if (!ptext || !plen) cn_die("out of memory");
    for (size_t i = 0; i < np; i++) ptext[i] = p[i].text, plen[i] = p[i].len;
    /* encoded */
    cn_encoder *e = open_encoder(dir, &o, "passages");
    if (!meta.query_prompt) meta.query_prompt = default_prompt(e, "query");
    if (!meta.passage_prompt) meta.passage_prompt = default_prompt(e, "passage");
    int D = cn_encoder_dim(e);
    float *v = malloc((np ? np : 1) * (size_t)D * sizeof *v);
    if (!v) cn_die("out of memory");
    size_t truncated;
    cn_progress_begin(&prog, o.quiet);
    if (cn_encoder_encode(e, meta.passage_prompt, ptext, plen, np, v, &truncated)) cn_die_status();
    cn_progress_end(&prog);
    report_truncated(truncated, np, "passages", cn_encoder_dir(e)->c.max_pos);
    /* written */
    uint8_t sha[32];
    if (cn_encoder_sha256(e, sha)) cn_die_status();
    cn_hex32(sha, meta.encoder_sha256);
    cn_hex32(cn_tok_sha256(cn_encoder_dir(e)->tok), meta.tokenizer_sha256);
    char *abs = realpath(dir, NULL); /* a search from another directory finds it */
    if (!abs) cn_die("%s: %s", dir, strerror(errno));
    meta.encoder = abs, meta.dim = D, meta.count = (int64_t)np, meta.truncated = (int64_t)truncated;
    cn_vindex_writer *w = cn_vindex_create(out_dir, &meta);
    if (!w) cn_die_status();
    for (size_t i = 0; i < np; i++)
        if (cn_vindex_add(w, &p[i], v + i * (size_t)D)) {
            cn_vindex_abort(w);
            cn_die_status();
        }
    if (cn_vindex_commit(w)) cn_die_status();
    if (!o.quiet) fprintf(stderr, "%s: %s: %zu passages of %zu documents, %d dims\n", cn_prog, out_dir, np, docs.n, D);
    for (size_t i = 0; i < np; i++) free(p[i].id);
    free(p), free(ptext), free(plen), free(v), free(abs);
    cn_texts_free(&docs);
    cn_encoder_close(e);
    return 0;
}

/* ---- search ---- */

/* n bytes of s into dst, each control character a space (a terminal shows them as they are) */
static size_t printable(char *dst, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
    dst[n] = 0;
    return n;
}

static void put_table(cn_out *out, const char *qid, int rank, const cn_passage *p, float score) {
    char line[192], snip[80], q[16], id[32];
    size_t k = printable(snip, p->text, p->len < 72 ? p->len : 72);
    while (k && ((unsigned char)snip[k - 1] & 0xC0) == 0x80) k--; /* no character cut in two */
    if (k && (unsigned char)snip[k - 1] >= 0xC0) k--;
    snip[k] = 0;
    printable(q, qid, strnlen(qid, 10));
    const char *pid = p->id; /* its end tells passages apart: "notes/cdc#0#1" */
    size_t L = strlen(pid);
    if (L > 24) {
        pid += L - 24;
        while (((unsigned char)*pid & 0xC0) == 0x80) pid++;
    }
    printable(id, pid, strlen(pid));
    int m = snprintf(line, sizeof line, "%-10.10s %3d %8.4f  %-24s %s%s\n", q, rank, score, id, snip, p->len > 72 ? "..." : "");
    if (cn_out_write(out, line, (size_t)(m < (int)sizeof line ? m : (int)sizeof line - 1))) cn_die_status();
}

static void put_json(cn_out *out, const char *qid, int rank, int64_t row, const cn_passage *p, float score) {
    char num[96];
    cn_status st = cn_out_write(out, "{\"query\": ", 10);
    if (!st) st = cn_json_write_string(out, qid, strlen(qid));
    int m = snprintf(num, sizeof num, ", \"rank\": %d, \"id\": ", rank);
    if (!st) st = cn_out_write(out, num, (size_t)m);
    if (!st) st = cn_json_write_string(out, p->id, strlen(p->id));
    m = snprintf(num, sizeof num, ", \"row\": %lld, \"doc\": ", (long long)row);
    if (!st) st = cn_out_write(out, num, (size_t)m);
    if (!st) st = cn_json_write_string(out, p->doc, strlen(p->doc));
    m = snprintf(num, sizeof num, ", \"score\": %.9g, \"text\": ", score);
    if (!st) st = cn_out_write(out, num, (size_t)m);
    if (!st) st = cn_json_write_string(out, p->text, p->len);
    if (!st) st = cn_out_write(out, "}\n", 2);
    if (st) cn_die_status();
}

/* the queries' best rows by their vectors: the index's encoder, or one with
 * the same weights and tokenizer (another is refused) */
static void vector_rank(const cn_vindex *ix, const char *ix_dir, const char *dir, const cn_texts *q, const common *o, int k, int64_t *ids,
                        float *score) {
    const cn_vindex_meta *meta = cn_vindex_meta_of(ix);
    const char *given = dir ? dir : meta->encoder;
    cn_encoder *e = open_encoder(given, o, "queries");
    if (cn_vindex_check_encoder(ix, ix_dir, e, given)) cn_die_status();
    int D = cn_encoder_dim(e);
    float *v = malloc((q->n ? q->n : 1) * (size_t)D * sizeof *v);
    if (!v) cn_die("out of memory");
    size_t truncated;
    cn_progress_begin(&prog, o->quiet);
    if (cn_encoder_encode(e, meta->query_prompt, (const char *const *)q->s, q->len, q->n, v, &truncated)) cn_die_status();
    cn_progress_end(&prog);
    report_truncated(truncated, q->n, "queries", cn_encoder_dir(e)->c.max_pos);
    if (cn_vec_search(cn_vindex_vectors(ix), v, (int)q->n, k, ids, score)) cn_die_status();
    free(v);
    cn_encoder_close(e);
}

/* the queries' best rows by BM25 over the index's passages (libcore retr) */
static void bm25_rank(const char *ix_dir, const cn_texts *q, double k1, double b, int k, int64_t *ids, float *score, int quiet) {
    cn_retr *r = cn_retr_open_bm25(ix_dir, k1, b);
    if (!r) cn_die_status();
    cn_progress_begin(&prog, quiet);
    for (size_t i = 0; i < q->n; i++) {
        if (cn_retr_search(r, q->s[i], q->len[i], k, ids + i * (size_t)k, score + i * (size_t)k)) cn_die_status();
        on_progress((void *)"queries", i + 1, q->n);
    }
    cn_progress_end(&prog);
    cn_retr_close(r);
}

static int search_main(int argc, char **argv) {
    common o = {32, (int)sysconf(_SC_NPROCESSORS_ONLN), 0, NULL};
    const char *ix_dir = NULL, *dir = NULL, *query = NULL, *out_path = NULL;
    int k = 10, table = -1, bm25 = 0, bm25_set = 0, enc_set = 0;
    double k1 = 0.9, b = 0.4;
    static const struct option longs[] = {
        {"index", required_argument, 0, 'i'}, {"model", required_argument, 0, 'm'}, {"query", required_argument, 0, O_QUERY},
        {"top", required_argument, 0, 'k'}, {"output", required_argument, 0, 'o'}, {"table", no_argument, 0, O_TABLE},
        {"json", no_argument, 0, O_JSON}, {"bm25", no_argument, 0, O_BM25}, {"k1", required_argument, 0, O_K1},
        {"b", required_argument, 0, O_B}, COMMON_LONGS,
    };
    int c;
    while ((c = getopt_long(argc, argv, "i:m:k:o:qh", longs, NULL)) != -1) {
        if (c == O_BATCH || c == O_DEVICE) enc_set = 1;
        if (common_opt(c, &o, "search")) continue;
        switch (c) {
        case 'i': ix_dir = optarg; break;
        case 'm': dir = optarg, enc_set = 1; break;
        case O_BM25: bm25 = 1; break;
        case O_K1:
            k1 = cn_opt_double("--k1", optarg), bm25_set = 1;
            if (!(k1 >= 0 && k1 <= 100)) cn_usage_error("option --k1: from 0 to 100");
            break;
        case O_B:
            b = cn_opt_double("--b", optarg), bm25_set = 1;
            if (!(b >= 0 && b <= 1)) cn_usage_error("option --b: from 0 to 1");
            break;
        case O_QUERY: query = optarg; break;
        case 'k': {
            uint64_t v = cn_opt_u64("--top", optarg);
            if (v < 1 || v > 100000) cn_usage_error("option --top: between 1 and 100000");
            k = (int)v;
            break;
        }
        case 'o': out_path = optarg; break;
        case O_TABLE: table = 1; break;
        case O_JSON: table = 0; break;
        default: cn_usage_error("unknown option");
        }
    }
    if (!ix_dir) cn_usage_error("no index: give --index INDEX");
    if (!query == (optind == argc)) cn_usage_error("give one --query TEXT or QUERIES.jsonl files, not both");
    if (table < 0) table = !out_path && isatty(1);
    if (bm25 && enc_set) cn_usage_error("--bm25 uses no encoder: no --model, --batch or --device with it");
    if (!bm25 && bm25_set) cn_usage_error("--k1 and --b are BM25's: give --bm25 with them");
    cn_vindex *ix = cn_vindex_open(ix_dir);
    if (!ix) cn_die_status();
    cn_texts q = {0};
    if (query) {
        size_t n = strlen(query), s = 0;
        while (s < n && strchr(" \t\r\n\f\v", query[s])) s++;
        if (s == n) cn_usage_error("option --query: an empty query");
        if (cn_texts_add(&q, query, n, "query", "--query")) cn_die_status();
    }
    for (int f = optind; f < argc; f++) texts_read(&q, argv[f], "text", "query");
    float *score = malloc((q.n ? q.n : 1) * (size_t)k * sizeof *score);
    int64_t *ids = malloc((q.n ? q.n : 1) * (size_t)k * sizeof *ids);
    if (!score || !ids) cn_die("out of memory");
    if (bm25) bm25_rank(ix_dir, &q, k1, b, k, ids, score, o.quiet);
    else vector_rank(ix, ix_dir, dir, &q, &o, k, ids, score);
    cn_out *out = cn_out_open(out_path, 0);
    if (!out) cn_die_status();
    for (size_t i = 0; i < q.n; i++)
        for (int r = 0; r < k; r++) {
            int64_t row = ids[i * (size_t)k + r];
            if (row < 0) break;
            if (table) put_table(out, q.id[i], r + 1, cn_vindex_passage(ix, row), score[i * (size_t)k + r]);
            else put_json(out, q.id[i], r + 1, row, cn_vindex_passage(ix, row), score[i * (size_t)k + r]);
        }
    if (cn_out_commit(out)) cn_die_status();
    free(score), free(ids);
    cn_texts_free(&q);
    cn_vindex_close(ix);
    return 0;
}

/* ---- chunk ---- */

static void put_field(cn_out *out, const char *key, const char *s, size_t n) {
    char head[32];
    int m = snprintf(head, sizeof head, "%s\"%s\": ", strcmp(key, "_id") ? ", " : "{", key);
    if (cn_out_write(out, head, (size_t)m) || cn_json_write_string(out, s, n)) cn_die_status();
}

static int chunk_main(int argc, char **argv) {
    const char *out_path = NULL;
    int chunk = 512, overlap = 0, quiet = 0;
    static const struct option longs[] = {
        {"chunk-chars", required_argument, 0, O_CHUNK}, {"overlap", required_argument, 0, O_OVERLAP},
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:qh", longs, NULL)) != -1) {
        if (chunk_opt(c, &chunk, &overlap)) continue;
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage("chunk");
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (optind == argc) cn_usage_error("no documents: give JSONL files");
    check_overlap(chunk, overlap);
    cn_texts docs = {0};
    size_t np;
    cn_passage *p = cut_docs(&docs, argc - optind, argv + optind, chunk, overlap, &np);
    cn_out *out = cn_out_open(out_path, 0);
    if (!out) cn_die_status();
    for (size_t i = 0; i < np; i++) {
        char tail[64];
        put_field(out, "_id", p[i].id, strlen(p[i].id));
        put_field(out, "text", p[i].text, p[i].len);
        put_field(out, "doc", p[i].doc, strlen(p[i].doc));
        put_field(out, "source", p[i].source, strlen(p[i].source));
        int m = snprintf(tail, sizeof tail, ", \"start\": %zu, \"end\": %zu}\n", p[i].start, p[i].end);
        if (cn_out_write(out, tail, (size_t)m)) cn_die_status();
        free(p[i].id);
    }
    if (cn_out_commit(out)) cn_die_status();
    if (!quiet) fprintf(stderr, "%s: %zu documents, %zu passages\n", cn_prog, docs.n, np);
    free(p);
    cn_texts_free(&docs);
    return 0;
}

int main(int argc, char **argv) {
    cn_tool_init("cn-embed");
    if (argc < 2) cn_usage_error("no command: give encode, index, search or chunk");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) usage(NULL);
    if (!strcmp(cmd, "--version")) cn_print_version();
    argv[1] = argv[0];
    if (!strcmp(cmd, "encode")) return encode_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "index")) return index_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "search")) return search_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "chunk")) return chunk_main(argc - 1, argv + 1);
    cn_usage_error("unknown command '%s': give encode, index, search or chunk", cmd);
}
