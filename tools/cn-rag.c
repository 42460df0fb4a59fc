/* cn-rag: generation with a LLaMA-class model directory (libcore gen): a
 * continuation of a prompt (--no-retrieval), an interactive chat on a
 * terminal, or an answer to each JSONL conversation; with --index, each
 * question first retrieves passages (cn-embed's index, libcore vindex and
 * encoder) put before it under the prompt's token budget (libcore ragctx);
 * ask answers JSONL questions so. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "chat.h"
#include "gen.h"
#include "io.h"
#include "jsonl.h"
#include "mdir.h"
#include "ragctx.h"
#include "retr.h"
#include "sft.h"
#include "summ.h"
#include "tok.h"
#include "tool.h"
#include "vindex.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s --no-retrieval --model DIR [options] [--prompt TEXT]\n"
           "       %s chat --model DIR [--index INDEX] [options] [CHATS.jsonl...]\n"
           "       %s ask --model DIR --index INDEX [options] (--question TEXT | QUESTIONS.jsonl...)\n"
           "       %s summarize --model DIR [--style S] [options] [TEXTS.jsonl...]\n"
           "       %s frame --model DIR --index INDEX [options] [CHATS.jsonl...]\n"
           "\n"
           "--no-retrieval: continues TEXT (or all of stdin, less one final newline),\n"
           "streaming the continuation to stdout as it is generated, then a newline.\n"
           "\n"
           "chat: on a terminal, a chat with the model in its chat template (a line is a\n"
           "turn; /reset starts over; Ctrl-C stops an answer; Ctrl-D ends). Otherwise each\n"
           "line of the JSONL files (or stdin; plain or zstd) is a conversation\n"
           "{\"messages\": [..., {\"role\": \"user\", \"content\": ...}]}, written back with the\n"
           "answer appended: {\"messages\": [..., {\"role\": \"assistant\", \"content\": ANSWER}]}.\n"
           "\n"
           "--index INDEX (a cn-embed index): each question (the last user message)\n"
           "retrieves --passages passages with the index's encoder (or --embed DIR, the\n"
           "same weights), numbered [1]..[k] in the user's message before it, as many\n"
           "as fit the context less --max-new-tokens (the rest dropped from the lowest\n"
           "rank; one that does not fit whole is cut at a line; repeats left out). chat\n"
           "adds {\"rag\": {\"passages\": [{\"n\", \"id\", \"doc\", \"source\", \"row\", \"score\",\n"
           "\"cut\"}...], \"cited\": [n...]}} to each conversation (n: its number in the\n"
           "prompt, null when it did not fit; cited: the numbers the answer gives as\n"
           "[n]); on a terminal /sources lists them. ask writes a line a question,\n"
           "{\"id\", \"question\", \"answer\", \"passages\", \"cited\"}; its questions are\n"
           "{\"question\": Q} or BEIR's {\"_id\", \"text\"} (the id kept); --question on a\n"
           "terminal streams the answer and lists its sources. --bm25 ranks the index's\n"
           "passages by Okapi BM25 (k1 0.9, b 0.4, as cn-embed search --bm25) instead.\n"
           "\n"
           "frame: retrieval-augmented SFT data: each conversation ending with a question\n"
           "and its answer {\"messages\": [..., user Q, assistant A]} written back with Q\n"
           "asked as chat --index asks it (its passages before it), as many as let the\n"
           "whole conversation fit the context (cn-sft --seq-len of the same size keeps\n"
           "it), and a \"rag\" key as chat writes it; one too long even without passages\n"
           "is written as it is. Nothing is generated.\n"
           "\n"
           "summarize: the summary of each JSONL record's --field text, map-reduce: the\n"
           "text cut into chunks whose prompts fit the context less --max-new-tokens (at\n"
           "lines, else spaces, else characters), each summarised, the summaries joined\n"
           "and cut again, until one chunk is left (at most --max-depth levels). Runs of\n"
           "[A-Za-z0-9_./:-] longer than --alias-len (paths, hierarchical names) become\n"
           "short aliases (ID1, ...) in the prompts and are put back in the summary. Each\n"
           "record is written back with \"summary\", \"levels\", \"chunks\" (a level's\n"
           "chunks) and \"aliases\" (how many).\n"
           "\n"
           "The sampling defaults come from DIR/generation_config.json as transformers'\n"
           "generate reads it (greedy unless it says do_sample; top-k 50 when sampling);\n"
           "the options override it. The processors apply in transformers' order:\n"
           "repetition penalty, temperature, top-k, top-p.\n"
           "  -m, --model DIR            config.json, model.safetensors, tokenizer.json\n"
           "  -p, --prompt TEXT          the text to continue (--no-retrieval)\n"
           "      --no-retrieval         generate from the prompt alone\n"
           "      --index INDEX          chat, ask: passages from this cn-embed index\n"
           "      --embed DIR            the questions' encoder (default: the index's)\n"
           "      --passages K           passages a question retrieves (default 4)\n"
           "      --bm25                 the passages ranked by BM25 (no encoder)\n"
           "      --question TEXT        ask: this one question\n"
           "      --style S              summarize: technical (default) or managerial\n"
           "      --field F              summarize: the records' text (default text)\n"
           "      --max-depth D          summarize: levels at most (default 4)\n"
           "      --alias-len N          summarize: aliases for runs longer than N (default 24;\n"
           "                             0: none)\n"
           "      --max-new-tokens N     at most N tokens (default 256)\n"
           "      --min-new-tokens N     no end of text before N tokens (default 0)\n"
           "      --temperature T        0: greedy; above: sampling at T\n"
           "      --top-k K              sampling: the K most likely tokens (0: all)\n"
           "      --top-p P              sampling: the nucleus of probability P (1: all)\n"
           "      --repetition-penalty R tokens already in the context made less likely (1: off)\n"
           "      --stop STR             end the text before STR (repeatable)\n"
           "      --seed N               the sampling's random stream (default 0)\n"
           "      --bf16                 weights in bf16 (half the memory, about twice as fast)\n"
           "      --context N            positions of the cache (default max_position_embeddings,\n"
           "                             at most 4096)\n"
           "      --template NAME        chat: llama2, chatml or chipnemo (default: the one\n"
           "                             DIR/tokenizer_config.json names)\n"
           "      --system TEXT          chat on a terminal, ask, summarize: a system message\n"
           "      --echo                 --no-retrieval: print the prompt before its continuation\n"
           "      --ids                  --no-retrieval: print the continuation's token ids (a JSON\n"
           "                             array, the stop token included) instead of its text\n"
           "      --threads N            threads (default: all cores)\n"
           "      --device D             cpu (default), cuda (the first GPU) or cuda:N\n"
           "  -o, --output FILE          write FILE (atomically) instead of stdout; chat's answers\n"
           "                             go to FILE.part as they come (a line each), moved onto\n"
           "                             FILE at the end; a stopped run leaves FILE.part\n"
           "      --resume               chat -o FILE: continue the FILE.part a stopped run left\n"
           "                             (the same conversations and options; the answers are\n"
           "                             those of a run never stopped)\n"
           "  -q, --quiet                no progress or speed line on stderr\n"
           "  -h, --help                 this help\n"
           "      --version              print the version\n",
           cn_prog, cn_prog, cn_prog, cn_prog, cn_prog);
    exit(0);
}

#define MAX_STOP 64
#define DEFAULT_CONTEXT 4096 /* cache positions unless --context: a 128K-position model would need a huge cache */

typedef struct {
    const char *dir, *prompt, *template_name, *system, *out_path, *device;
    const char *index, *embed, *question; /* retrieval: the index, its encoder, ask's one question */
    const char *field, *style;            /* summarize */
    int retrieval_off, chat, ask, summarize, frame, echo, ids, quiet, bf16, threads, context, resume, passages, max_depth, alias_len;
    int bm25; /* --index ranked by BM25 */
    /* -1 / NaN: not given (generation_config.json or the default then) */
    long max_new, min_new, top_k;
    double temperature, top_p, rep;
    uint64_t seed;
    const char *stop[MAX_STOP];
    int nstop;
} opts;

/* everything a generation needs */
typedef struct {
    cn_mdir md;    /* the model directory */
    cn_config c;   /* md's */
    cn_tok *tok;   /* md's */
    cn_gen *g;
    cn_gen_opts go;
    int32_t stop_ids[MAX_STOP];
    const char *stop[MAX_STOP + 2];
    int64_t bos, eos;
    cn_chat_template tpl;
    /* --index: the passages; the encoder of the questions; the last
     * question's retrieval (rows, scores: passages of them) and prompt */
    cn_retr *rt;
    const cn_vindex *ix;
    int k;
    int64_t *rows;
    float *scores;
    cn_ragctx ctx;
} engine;

static void add_stop_id(engine *e, int64_t id) {
    if (id < 0 || id >= e->c.vocab || e->go.nstop_ids == MAX_STOP) return;
    for (int i = 0; i < e->go.nstop_ids; i++)
        if (e->stop_ids[i] == id) return;
    e->stop_ids[e->go.nstop_ids++] = (int32_t)id;
}

/* the sampling settings: the options, else generation_config.json, else
 * transformers' defaults (256 new tokens, of which transformers has none) */
static void settings(engine *e, const opts *o) {
    cn_mdir_gen g;
    if (cn_mdir_generation(o->dir, &g)) cn_die_status();
    for (int i = 0; i < g.neos; i++) add_stop_id(e, g.eos[i]);
    int sample = g.do_sample;
    if (o->temperature == o->temperature) sample = o->temperature > 0, g.temperature = o->temperature;
    e->go.temperature = sample ? (float)g.temperature : 0;
    e->go.top_k = (int)(o->top_k >= 0 ? o->top_k : g.top_k);
    e->go.top_p = (float)(o->top_p == o->top_p ? o->top_p : g.top_p);
    e->go.repetition_penalty = (float)(o->rep == o->rep ? o->rep : g.repetition_penalty);
    e->go.max_new_tokens = (int)(o->max_new >= 0 ? o->max_new : g.max_new_tokens >= 0 ? g.max_new_tokens : 256);
    e->go.min_new_tokens = (int)(o->min_new >= 0 ? o->min_new : g.min_new_tokens);
}

static void load(engine *e, const opts *o) {
    memset(e, 0, sizeof *e);
    if (cn_mdir_open(&e->md, o->dir, NULL, CN_MDIR_TOKENIZER)) cn_die_status();
    e->c = e->md.c, e->tok = e->md.tok, e->bos = e->md.bos, e->eos = e->md.eos;
    if (e->c.arch != CN_ARCH_LLAMA) cn_die("%s: generation needs a LLaMA-class model (%s given)", o->dir, e->c.architecture);
    e->go.stop_ids = e->stop_ids;
    add_stop_id(e, e->eos);
    add_stop_id(e, e->c.eos);
    settings(e, o);
    for (int i = 0; i < o->nstop; i++) e->stop[e->go.nstop++] = o->stop[i];
    e->go.stop = e->stop;
    if (o->context > e->c.max_pos) cn_usage_error("--context %d: the model has %d positions", o->context, e->c.max_pos);
    int ctx = o->context ? o->context : e->c.max_pos < DEFAULT_CONTEXT ? e->c.max_pos : DEFAULT_CONTEXT;
    if (o->threads > 0) omp_set_num_threads(o->threads);
    const cn_ops *ops = cn_tool_device(o->device);
    if (!(e->g = cn_gen_load(&e->c, ops, o->dir, ctx, o->bf16 ? CN_GEN_BF16 : CN_GEN_F32))) cn_die_status();
    if (o->bf16 && strcmp(ops->bf16_kernel(), "scalar") == 0 && !o->quiet)
        fprintf(stderr, "%s: note: no AVX-512 on this CPU: bf16 products use the portable kernel (slower than fp32)\n", cn_prog);
}

static void unload(engine *e) {
    cn_gen_free(e->g);
    cn_mdir_close(&e->md);
}

/* the chat template, its BOS and EOS strings and where a turn ends: a
 * token when the template's marker is one, else a stop string */
static void chat_setup(engine *e, const opts *o) {
    e->tpl = cn_tool_template(o->template_name, o->dir);
    const char *marker = cn_chat_template_end(e->tpl);
    if (!marker) return; /* llama2: the answer ends with EOS */
    int64_t id = cn_tok_id(e->tok, marker, strlen(marker));
    if (id >= 0) add_stop_id(e, id);
    else {
        if (e->tpl == CN_CHAT_CHIPNEMO) e->stop[e->go.nstop++] = "\n<extra_id_1>"; /* the newline before it is not the answer's */
        e->stop[e->go.nstop++] = marker;
    }
}

/* ---- output ---- */

typedef struct {
    cn_out *out;
    int flush; /* after every piece (streaming) */
    char *text; /* the answer so far (chat) */
    size_t len, cap;
    int keep;
    volatile sig_atomic_t *interrupted;
    cn_ids *ids; /* the ids drawn, instead of text (--ids) */
} sink;

static void put(cn_out *out, const char *s, size_t n) {
    if (cn_out_write(out, s, n) || cn_out_flush(out)) {
        cn_out_abort(out);
        cn_die_status();
    }
}

static int on_text(void *arg, int32_t id, const char *text, size_t len) {
    sink *k = arg;
    if (k->ids) {
        if (id >= 0 && cn_ids_push(k->ids, (uint32_t)id)) cn_die("out of memory");
        return 0;
    }
    if (k->out && len) {
        if (cn_out_write(k->out, text, len) || (k->flush && cn_out_flush(k->out))) {
            cn_out_abort(k->out);
            cn_die_status();
        }
    }
    if (k->keep && len) {
        if (k->len + len + 1 > k->cap) {
            size_t c = (k->len + len + 1) * 2;
            char *x = realloc(k->text, c);
            if (!x) cn_die("out of memory");
            k->text = x, k->cap = c;
        }
        memcpy(k->text + k->len, text, len);
        k->len += len;
        k->text[k->len] = 0;
    }
    return k->interrupted && *k->interrupted;
}

static cn_progress prog;

static void speed(const opts *o, const cn_gen_stats *st) {
    if (o->quiet || !isatty(STDERR_FILENO)) return;
    cn_progress_interrupt();
    fprintf(stderr, "%s: %d prompt tokens (%d cached) in %.2f s, %d new at %.1f tokens/s\n", cn_prog, st->prompt, st->reused,
            st->prefill_s, st->generated, st->decode_s > 0 ? st->generated / st->decode_s : 0.0);
}

static int32_t *to_ids(const cn_ids *ids) {
    int32_t *v = malloc((ids->n + 1) * sizeof *v);
    if (!v) cn_die("out of memory");
    for (size_t i = 0; i < ids->n; i++) v[i] = (int32_t)ids->v[i];
    return v;
}

/* ---- --no-retrieval: a continuation ---- */

static int continue_main(const opts *o) {
    char *text;
    size_t n;
    if (o->prompt) {
        if (!(text = strdup(o->prompt))) cn_die("out of memory");
        n = strlen(text);
    } else {
        if (isatty(STDIN_FILENO) && !o->quiet) fprintf(stderr, "%s: reading the prompt from the terminal (Ctrl-D ends it)\n", cn_prog);
        if (!(text = cn_read_all("-", &n))) cn_die_status();
        if (n && text[n - 1] == '\n') text[--n] = 0;
    }
    engine e;
    load(&e, o);
    cn_ids ids = {0};
    if (e.bos >= 0 && cn_ids_push(&ids, (uint32_t)e.bos)) cn_die("out of memory");
    if (cn_tok_encode(e.tok, text, n, 0, &ids)) cn_die("%s: %s", o->prompt ? "--prompt" : "<stdin>", cn_errmsg());
    if (!ids.n) cn_die("an empty prompt and no BOS token to start from");
    if (ids.n > (size_t)cn_gen_capacity(e.g))
        cn_die("the prompt is %zu tokens, the context %d: give a shorter one", ids.n, cn_gen_capacity(e.g));
    cn_out *out = cn_out_open(o->out_path, 0);
    if (!out) cn_die_status();
    if (o->echo) put(out, text, n);
    cn_ids drawn = {0};
    sink k = {out, 1, NULL, 0, 0, 0, NULL, o->ids ? &drawn : NULL};
    int32_t *v = to_ids(&ids);
    cn_rng r;
    cn_rng_seed(&r, &o->seed, 1);
    cn_gen_stats st;
    if (cn_gen_run(e.g, e.tok, v, ids.n, &e.go, &r, 1, on_text, &k, &st)) cn_die_status();
    for (size_t i = 0; o->ids && i < drawn.n; i++) {
        char num[16];
        put(out, num, (size_t)snprintf(num, sizeof num, "%s%u", i ? "," : "[", drawn.v[i]));
    }
    if (o->ids) put(out, drawn.n ? "]" : "[]", drawn.n ? 1 : 2);
    cn_ids_free(&drawn);
    put(out, "\n", 1);
    if (cn_out_commit(out)) cn_die_status();
    speed(o, &st);
    free(v), free(text);
    cn_ids_free(&ids);
    unload(&e);
    return 0;
}

/* ---- retrieval (--index) ---- */

static void rag_open(engine *e, const opts *o) {
    e->rt = o->bm25 ? cn_retr_open_bm25(o->index, 0.9, 0.4) : cn_retr_open(o->index, o->embed, cn_tool_device(o->device));
    if (!e->rt) cn_die_status();
    e->ix = cn_retr_index(e->rt);
    int64_t n = cn_vindex_count(e->ix);
    e->k = (int64_t)o->passages < n ? o->passages : (int)n;
    e->rows = malloc(((size_t)e->k + 1) * sizeof *e->rows);
    e->scores = malloc(((size_t)e->k + 1) * sizeof *e->scores);
    if (!e->rows || !e->scores) cn_die("out of memory");
    if (e->go.max_new_tokens >= cn_gen_capacity(e->g))
        cn_usage_error("--max-new-tokens %d leaves no room for the passages in the context of %d", e->go.max_new_tokens, cn_gen_capacity(e->g));
}

static void rag_close(engine *e) {
    cn_ragctx_free(&e->ctx);
    cn_retr_close(e->rt);
    free(e->rows), free(e->scores);
}

/* the ids of conversation c as cn-sft encodes it, message at replaced by
 * msg when msg is given; flags cn_chat_render's (CN_CHAT_GEN_PROMPT: a
 * prompt for the answer) */
static cn_status encode_msgs(engine *e, const cn_chat *c, size_t at, const char *msg, size_t len, int flags, cn_ids *ids) {
    const char *bos = e->bos >= 0 ? cn_tok_token(e->tok, (uint32_t)e->bos) : NULL;
    const char *eos = e->eos >= 0 ? cn_tok_token(e->tok, (uint32_t)e->eos) : NULL;
    cn_chat *d = NULL;
    cn_status st = CN_OK;
    if (msg) {
        if (!(d = cn_chat_new())) return cn_fail(CN_ENOMEM, "out of memory");
        for (size_t i = 0; i < c->n && !st; i++)
            st = i == at ? cn_chat_add(d, c->msg[i].role, msg, len) : cn_chat_add(d, c->msg[i].role, c->msg[i].text, c->msg[i].len);
    }
    cn_chat_pieces p;
    if (!st) st = cn_chat_render(d ? d : c, e->tpl, bos, eos, flags, &p);
    if (!st) {
        st = cn_sft_encode(e->tok, &p, ids, NULL); /* as cn-sft trains it */
        cn_chat_pieces_free(&p);
    }
    cn_chat_free(d);
    return st;
}

/* the prompt's ids for conversation c, its last (the user's) message
 * replaced by msg when msg is given */
static cn_status encode_chat(engine *e, const cn_chat *c, const char *msg, size_t len, cn_ids *ids) {
    return encode_msgs(e, c, c->n - 1, msg, len, CN_CHAT_GEN_PROMPT, ids);
}

typedef struct {
    engine *e;
    const cn_chat *c;
} prompt_of;

static cn_status count_tokens(void *arg, const char *msg, size_t len, size_t *tokens) {
    prompt_of *a = arg;
    cn_ids ids = {0};
    cn_status st = encode_chat(a->e, a->c, msg, len, &ids);
    *tokens = ids.n;
    cn_ids_free(&ids);
    return st;
}

/* the passages for the last message of c, fitted before it into e->ctx
 * under the context less --max-new-tokens; 1 when the conversation does
 * not fit even without them */
static int retrieve(engine *e, const cn_chat *c) {
    const cn_chat_msg *q = &c->msg[c->n - 1];
    cn_ragctx_free(&e->ctx);
    prompt_of a = {e, c};
    size_t budget = (size_t)(cn_gen_capacity(e->g) - e->go.max_new_tokens);
    cn_status st = cn_retr_fit(e->rt, q->text, q->len, e->k, budget, count_tokens, &a, e->rows, e->scores, &e->ctx);
    if (st == CN_ERANGE) return 1;
    if (st) cn_die_status();
    return 0;
}

/* {"passages": [{"n" (its number in the prompt, null when it did not fit),
 * "id", "doc", "source", "row", "score", "cut"}...], "cited": [n...]} of
 * the last retrieval and its answer */
static cJSON *rag_json(const engine *e, const char *answer) {
    cJSON *o = cJSON_CreateObject(), *ps = cJSON_AddArrayToObject(o, "passages"), *ci = cJSON_AddArrayToObject(o, "cited");
    if (!ci) cn_die("out of memory");
    for (int i = 0; i < e->k && e->rows[i] >= 0; i++) {
        const cn_passage *p = cn_vindex_passage(e->ix, e->rows[i]);
        int n = 0;
        for (int j = 0; j < e->ctx.n; j++)
            if (e->ctx.from[j] == i) n = j + 1;
        cJSON *x = cJSON_CreateObject();
        if (!x || !cJSON_AddItemToArray(ps, x)) cn_die("out of memory");
        if (n) cJSON_AddNumberToObject(x, "n", n);
        else cJSON_AddNullToObject(x, "n");
        cJSON_AddStringToObject(x, "id", p->id);
        cJSON_AddStringToObject(x, "doc", p->doc);
        cJSON_AddStringToObject(x, "source", p->source);
        cJSON_AddNumberToObject(x, "row", (double)e->rows[i]);
        cJSON_AddNumberToObject(x, "score", e->scores[i]);
        if (!cJSON_AddBoolToObject(x, "cut", n && e->ctx.bytes[n - 1] < p->len)) cn_die("out of memory");
    }
    int *cited = malloc(((size_t)e->ctx.n + 1) * sizeof *cited);
    if (!cited) cn_die("out of memory");
    int m = cn_ragctx_cited(answer, strlen(answer), e->ctx.n, cited);
    for (int i = 0; i < m; i++)
        if (!cJSON_AddItemToArray(ci, cJSON_CreateNumber(cited[i]))) cn_die("out of memory");
    free(cited);
    return o;
}

/* the passages of the last answer, a line each (a terminal's /sources) */
static void show_sources(const engine *e) {
    if (!e->ctx.n) fprintf(stderr, "%s: no passage went into the last answer's prompt\n", cn_prog);
    for (int j = 0; j < e->ctx.n; j++) {
        int i = e->ctx.from[j];
        const cn_passage *p = cn_vindex_passage(e->ix, e->rows[i]);
        fprintf(stderr, "[%d] %.4f %s (%s)%s\n", j + 1, e->scores[i], p->id, p->source, e->ctx.bytes[j] < p->len ? ", cut" : "");
    }
}

/* ---- chat ---- */

/* generates the answer to conversation c (its last message the user's,
 * with the passages it retrieves before it under --index) into k; the stats
 * in st. 1 when the conversation does not fit. */
static int answer(engine *e, const opts *o, const cn_chat *c, uint64_t stream, sink *k, cn_gen_stats *st) {
    if (e->ix && retrieve(e, c)) return 1;
    cn_ids ids = {0};
    if (encode_chat(e, c, e->ix ? e->ctx.msg : NULL, e->ctx.len, &ids)) cn_die_status();
    if (ids.n + 1 > (size_t)cn_gen_capacity(e->g)) {
        cn_ids_free(&ids);
        return 1;
    }
    int32_t *v = to_ids(&ids);
    uint64_t keys[2] = {o->seed, stream};
    cn_rng r;
    cn_rng_seed(&r, keys, 2);
    k->len = 0;
    if (k->text) k->text[0] = 0;
    if (cn_gen_run(e->g, e->tok, v, ids.n, &e->go, &r, 0, on_text, k, st)) cn_die_status();
    /* chipnemo: "{answer}\n<extra_id_1>": the newline is the marker's */
    if (st->end == CN_GEN_END_STOP_ID && e->tpl == CN_CHAT_CHIPNEMO && k->keep && k->len && k->text[k->len - 1] == '\n')
        k->text[--k->len] = 0;
    free(v);
    cn_ids_free(&ids);
    return 0;
}

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
}

/* a chat on a terminal: a line a turn */
static void chat_terminal(engine *e, const opts *o) {
    cn_chat *c = cn_chat_new();
    if (!c) cn_die("out of memory");
    if (o->system && cn_chat_add(c, CN_CHAT_SYSTEM, o->system, strlen(o->system))) cn_die("--system: %s", cn_errmsg());
    struct sigaction sa = {0};
    sa.sa_handler = on_sigint; /* no SA_RESTART: Ctrl-C at the prompt ends the chat */
    sigaction(SIGINT, &sa, NULL);
    cn_out *out = cn_out_open(NULL, CN_OUT_NO_ATOMIC);
    if (!out) cn_die_status();
    sink k = {out, 1, NULL, 0, 0, 1, &interrupted, NULL};
    char *line = NULL;
    size_t cap = 0;
    uint64_t turn = 0;
    if (!o->quiet)
        fprintf(stderr, "%s: chatting with %s (template %s%s; /reset starts over, Ctrl-D ends)\n", cn_prog, o->dir,
                cn_chat_template_name(e->tpl), e->ix ? "; passages from the index, /sources lists the last answer's" : "");
    for (;;) {
        fputs("> ", stderr);
        fflush(stderr);
        interrupted = 0;
        ssize_t n = getline(&line, &cap, stdin);
        if (n < 0 || interrupted) {
            fputc('\n', stderr);
            break;
        }
        if (n && line[n - 1] == '\n') line[--n] = 0;
        if (n == 0) continue;
        if (strcmp(line, "/sources") == 0) {
            if (e->ix) show_sources(e);
            else fprintf(stderr, "%s: /sources: no --index, no passages\n", cn_prog);
            continue;
        }
        if (strcmp(line, "/reset") == 0) {
            cn_chat_free(c);
            if (!(c = cn_chat_new())) cn_die("out of memory");
            if (o->system) cn_chat_add(c, CN_CHAT_SYSTEM, o->system, strlen(o->system));
            continue;
        }
        if (cn_chat_add(c, CN_CHAT_USER, line, (size_t)n)) {
            fprintf(stderr, "%s: %s\n", cn_prog, cn_errmsg());
            continue;
        }
        cn_gen_stats st;
        int fits = 1;
        while (fits && answer(e, o, c, turn, &k, &st)) {
            /* too long: the oldest exchange goes (a system message stays);
             * a message too long alone goes itself */
            size_t first = c->n && c->msg[0].role == CN_CHAT_SYSTEM, skip = first;
            fits = c->n - first >= 3;
            if (!fits) {
                fprintf(stderr, "%s: that message does not fit the context of %d positions\n", cn_prog, cn_gen_capacity(e->g));
                skip = c->n - 1;
            }
            cn_chat *d = cn_chat_new();
            if (!d) cn_die("out of memory");
            for (size_t i = 0; i < c->n; i++)
                if (i < skip || i >= skip + (fits ? 2 : 1)) cn_chat_add(d, c->msg[i].role, c->msg[i].text, c->msg[i].len);
            cn_chat_free(c);
            c = d;
            if (fits && !o->quiet) fprintf(stderr, "%s: (the oldest exchange left the context)\n", cn_prog);
        }
        if (!fits) continue;
        turn++;
        put(out, "\n", 1);
        speed(o, &st);
        if (cn_chat_add(c, CN_CHAT_ASSISTANT, k.text ? k.text : "", k.len)) cn_die_status();
    }
    free(line), free(k.text);
    cn_chat_free(c);
    cn_out_commit(out);
}

/* ---- chat's answers in FILE.part as they come (-o FILE) ---- */

/* the settings that make the answers, as FILE.part's header: a run that
 * continues it must have the same (malloc'd JSON) */
static char *run_header(const engine *e, const opts *o) {
    char weights[64] = "", *real = realpath(o->dir, NULL);
    struct stat st;
    if (stat(e->md.weights, &st) == 0) snprintf(weights, sizeof weights, "%lld bytes, modified %lld.%09ld", (long long)st.st_size,
                                                 (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    cn_json_settings *h = cn_json_settings_new();
    if (!h) cn_die("out of memory");
    cn_json_settings_str(h, "cn-rag chat", CN_VERSION);
    cn_json_settings_str(h, "model", real ? real : o->dir);
    free(real);
    cn_json_settings_str(h, "weights", weights);
    cn_json_settings_str(h, "template", cn_chat_template_name(e->tpl));
    cn_json_settings_num(h, "temperature", e->go.temperature);
    cn_json_settings_num(h, "top_k", e->go.top_k);
    cn_json_settings_num(h, "top_p", e->go.top_p);
    cn_json_settings_num(h, "repetition_penalty", e->go.repetition_penalty);
    cn_json_settings_num(h, "max_new_tokens", e->go.max_new_tokens);
    cn_json_settings_num(h, "min_new_tokens", e->go.min_new_tokens);
    cn_json_settings_strs(h, "stop", o->stop, o->nstop);
    cn_json_settings_str(h, "seed", seed);
    cn_json_settings_num(h, "context", cn_gen_capacity(e->g));
    cn_json_settings_bool(h, "bf16", o->bf16);
    cn_json_settings_str(h, "device", o->device ? o->device : "cpu");
    cn_json_settings_num(h, "threads", omp_get_max_threads());
    char *ix = o->index ? realpath(o->index, NULL) : NULL;
    cn_json_settings_str(h, "index", o->index ? (ix ? ix : o->index) : "");
    free(ix);
    cn_json_settings_num(h, "passages", o->index ? e->k : 0);
    char *text = cn_json_settings_print(h);
    if (!text) cn_die("out of memory");
    return text;
}

/* whether a continued FILE.part was begun with the settings of this run:
 * NULL, or the message naming the first that differs (*usage: a usage
 * error; else FILE.part is not cn-rag's) */
static char *settings_differ(const cn_part *pt, const char *mine, int *usage) {
    static const char *const opt[][2] = {
        {"cn-rag chat", "cn-rag"}, {"model", "--model"}, {"weights", "--model"}, {"template", "--template"},
        {"temperature", "--temperature"}, {"top_k", "--top-k"}, {"top_p", "--top-p"},
        {"repetition_penalty", "--repetition-penalty"}, {"max_new_tokens", "--max-new-tokens"},
        {"min_new_tokens", "--min-new-tokens"}, {"stop", "--stop"}, {"seed", "--seed"}, {"context", "--context"},
        {"bf16", "--bf16"}, {"device", "--device"}, {"threads", "--threads"}, {"index", "--index"}, {"passages", "--passages"},
    };
    const char *name = cn_part_name(pt), *keys[sizeof opt / sizeof opt[0]];
    int nkeys = (int)(sizeof opt / sizeof opt[0]), i;
    for (i = 0; i < nkeys; i++) keys[i] = opt[i][0];
    char *x, *y, *msg = NULL;
    *usage = 0;
    if (cn_json_settings_diff(cn_part_header(pt), mine, keys, nkeys, &i, &x, &y)) {
        if (asprintf(&msg, "%s:1: not the header of cn-rag's answers: remove %s to start again", name, name) < 0) msg = NULL;
        return msg ? msg : strdup("out of memory");
    }
    if (i < 0) return NULL;
    int named = !strcmp(opt[i][0], "weights") || !strcmp(opt[i][0], "cn-rag chat"); /* the others are the option's value */
    *usage = 1;
    if (asprintf(&msg, "%s%s%s%s %s here, but %s was begun with %s: the run that continues it needs the same; or remove %s to "
                       "start again", opt[i][1], named ? " (" : "", named ? opt[i][0] : "", named ? ")" : "", y ? y : "?", name,
                 x ? x : "none", name) < 0)
        msg = NULL;
    free(x), free(y);
    return msg ? msg : strdup("out of memory");
}

static cn_part *volatile live;           /* the answers being written, until committed */
static char *continue_cmd;   /* the command line that continues the run */
static struct sigaction stop_before[3];
static const int stop_sigs[3] = {SIGINT, SIGTERM, SIGHUP};

static void say(const char *s) {
    if (write(2, s, strlen(s)) < 0) { /* nothing more to do on stderr */ }
}

/* "cn-rag: OUT.part keeps N answers: continue with: CMD" (signal-safe) */
static void note_kept(const char *why, size_t n) {
    char num[24];
    size_t i = sizeof num - 1;
    num[i] = 0;
    do num[--i] = (char)('0' + n % 10), n /= 10;
    while (n);
    if (prog.enabled && prog.drawn) say("\r\033[K"); /* the progress line goes */
    say(cn_prog), say(": "), say(why), say(cn_part_name(live)), say(" keeps "), say(num + i);
    say(strcmp(num + i, "1") ? " answers" : " answer"), say(": continue with: "), say(continue_cmd), say("\n");
}

static void on_stop(int sig) {
    if (live) {
        size_t n = cn_part_cut(live);
        if (n) note_kept("interrupted; ", n);
    }
    for (int i = 0; i < 3; i++)
        if (stop_sigs[i] == sig) sigaction(sig, &stop_before[i], NULL);
    raise(sig);
}

static void at_exit_keep(void) {
    if (!live) return;
    size_t n = cn_part_cut(live);
    if (n) note_kept("", n);
}

/* -o FILE: the answers go through FILE.part, unless FILE is a device or a
 * fifo (written in place, as cn_out does) */
static int answers_to_file(const char *path) {
    struct stat st;
    return strcmp(path, "-") && (stat(path, &st) || S_ISREG(st.st_mode));
}

/* FILE.part, begun or continued; signals and exits leave its whole lines */
static cn_part *answers_open(const engine *e, const opts *o, int nfiles, int argc, char **argv) {
    char *header = run_header(e, o);
    cn_part *pt = cn_part_open(o->out_path, header, o->resume);
    if (!pt) cn_die_status();
    static char *differ; /* kept for the exit's message */
    int usage;
    if (cn_part_header(pt) && (differ = settings_differ(pt, header, &usage))) {
        cn_part_free(pt), free(header); /* FILE.part as it was */
        if (usage) cn_usage_error("%s", differ);
        cn_die("%s", differ);
    }
    else if (o->resume && !o->quiet) fprintf(stderr, "%s: note: no answers kept in %s: begun afresh\n", cn_prog, cn_part_name(pt));
    free(header);
    const char **w = malloc((size_t)(argc + 2) * sizeof *w);
    if (!w) cn_die("out of memory");
    int n = 0, again = 0;
    w[n++] = cn_prog;
    for (int i = 1; i < argc; i++) again |= strcmp(argv[i], "--resume") == 0, w[n++] = argv[i];
    if (!again) w[n++] = "--resume";
    char *cmd = cn_shell_command(n, w);
    if (!nfiles) { /* the same conversations on stdin again */
        static const char more[] = " (the same conversations on stdin)";
        if (!(cmd = realloc(cmd, strlen(cmd) + sizeof more))) cn_die("out of memory");
        strcat(cmd, more);
    }
    continue_cmd = cmd;
    free(w);
    live = pt;
    atexit(at_exit_keep);
    for (int i = 0; i < 3; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop;
        sigemptyset(&sa.sa_mask);
        if (sigaction(stop_sigs[i], NULL, &stop_before[i]) == 0 && stop_before[i].sa_handler != SIG_IGN)
            sigaction(stop_sigs[i], &sa, NULL);
    }
    return pt;
}

static void answers_commit(cn_part *pt) {
    for (int i = 0; i < 3; i++)
        if (stop_before[i].sa_handler != SIG_IGN) sigaction(stop_sigs[i], &stop_before[i], NULL);
    if (cn_part_commit(pt)) cn_die_status(); /* (FILE.part stays, and the note says so) */
    live = NULL;
    cn_part_free(pt);
    free(continue_cmd);
}

/* a kept line answers conversation rec (where): rec and one assistant
 * message more */
static void check_kept(const cn_part *pt, size_t i, const cJSON *rec, const char *where) {
    size_t n;
    const char *line = cn_part_line(pt, i, &n);
    if (!cn_chat_answers(line, n, rec)) {
        live = NULL; /* not to be continued with these conversations */
        cn_die("%s:%zu: not the answer to %s (the conversations changed?): remove %s to start again", cn_part_name(pt), i + 2,
               where, cn_part_name(pt));
    }
}

/* calls fn on each record of the JSONL files (plain or zstd; stdin when
 * none) with its "FILE:LINE" */
typedef void (*record_fn)(void *arg, cJSON *rec, const char *where);
static void each_record(int nfiles, char **files, record_fn fn, void *arg) {
    static char *stdin_only[] = {"-"};
    if (!nfiles) nfiles = 1, files = stdin_only;
    for (int f = 0; f < nfiles; f++) {
        cn_in *in = cn_in_open(files[f]);
        if (!in) cn_die_status();
        cn_jsonl *j = cn_jsonl_new(in, 0);
        cJSON *rec;
        cn_status s;
        while ((s = cn_jsonl_next(j, &rec)) == CN_OK) {
            char *where;
            if (asprintf(&where, "%s:%llu", cn_in_name(in), (unsigned long long)cn_jsonl_line(j)) < 0) cn_die("out of memory");
            fn(arg, rec, where);
            free(where);
        }
        if (s != CN_EOF) cn_die_status();
        cn_jsonl_free(j);
        cn_in_close(in);
    }
}

typedef struct {
    engine *e;
    const opts *o;
    cn_part *pt;
    cn_out *out;
    size_t kept;
    sink k;
    uint64_t conv, tokens;
    double secs;
} chat_run;

static void chat_record(void *arg, cJSON *rec, const char *where) {
    chat_run *r = arg;
    cn_chat *c;
    if (cn_chat_parse(rec, where, &c)) cn_die_status();
    if (c->msg[c->n - 1].role != CN_CHAT_USER) cn_die("%s: the last message is not the user's: nothing to answer", where);
    if (r->conv < r->kept) { /* answered by the run that began FILE.part */
        check_kept(r->pt, r->conv++, rec, where);
        cn_chat_free(c);
        cn_progress_update(&prog, 0, "%s: %llu conversations answered before", cn_prog, (unsigned long long)r->conv);
        return;
    }
    cn_gen_stats st;
    if (answer(r->e, r->o, c, r->conv, &r->k, &st)) cn_die("%s: the conversation does not fit the context of %d", where, cn_gen_capacity(r->e->g));
    size_t n;
    const char *a = r->k.text ? r->k.text : "";
    if (r->e->ix && !cJSON_AddItemToObject(rec, "rag", rag_json(r->e, a))) cn_die("out of memory");
    char *line = cn_chat_answer_line(rec, a, &n);
    if (!line) cn_die("out of memory");
    if (r->pt && cn_part_write(r->pt, line, n)) cn_die_status();
    if (r->out) put(r->out, line, n);
    free(line);
    cn_chat_free(c);
    r->conv++, r->tokens += (uint64_t)st.generated, r->secs += st.decode_s;
    cn_progress_update(&prog, 0, "%s: %llu conversations, %.1f tokens/s", cn_prog, (unsigned long long)r->conv,
                       r->secs > 0 ? r->tokens / r->secs : 0.0);
}

/* JSONL conversations in, each with its answer appended out: to stdout (or
 * a device) as they come, or to FILE.part, moved onto FILE at the end */
static void chat_jsonl(engine *e, const opts *o, int nfiles, char **files, int argc, char **argv) {
    chat_run r = {e, o, NULL, NULL, 0, {NULL, 0, NULL, 0, 0, 1, NULL, NULL}, 0, 0, 0};
    r.pt = o->out_path && answers_to_file(o->out_path) ? answers_open(e, o, nfiles, argc, argv) : NULL;
    r.out = r.pt ? NULL : cn_out_open(o->out_path, 0);
    if (!r.pt && !r.out) cn_die_status();
    r.kept = r.pt ? cn_part_kept(r.pt) : 0;
    cn_progress_begin(&prog, o->quiet);
    each_record(nfiles, files, chat_record, &r);
    cn_progress_end(&prog);
    if (r.conv < r.kept) {
        live = NULL;
        cn_die("%s: holds %zu answers, but the conversations are %llu: not these conversations? remove it to start again",
               cn_part_name(r.pt), r.kept, (unsigned long long)r.conv);
    }
    if (r.pt) answers_commit(r.pt);
    else if (cn_out_commit(r.out)) cn_die_status();
    free(r.k.text);
}

/* ---- frame: retrieval-augmented SFT data ---- */

typedef struct {
    engine *e;
    const cn_chat *c; /* the conversation; its question (c->n - 2) replaced */
} framing;

/* the tokens of the whole conversation, as cn-sft trains it, with the
 * question replaced by msg */
static cn_status frame_count(void *arg, const char *msg, size_t len, size_t *tokens) {
    framing *a = arg;
    cn_ids ids = {0};
    cn_status st = encode_msgs(a->e, a->c, a->c->n - 2, msg, len, 0, &ids);
    *tokens = ids.n;
    cn_ids_free(&ids);
    return st;
}

typedef struct {
    engine *e;
    cn_out *out;
    uint64_t n, plain; /* conversations; those written without passages */
} frame_run;

static void frame_record(void *arg, cJSON *rec, const char *where) {
    frame_run *r = arg;
    engine *e = r->e;
    cn_chat *c;
    if (cn_chat_parse(rec, where, &c)) cn_die_status();
    if (c->n < 2 || c->msg[c->n - 1].role != CN_CHAT_ASSISTANT || c->msg[c->n - 2].role != CN_CHAT_USER)
        cn_die("%s: not a question and its answer: the last two messages must be the user's and the assistant's", where);
    const cn_chat_msg *q = &c->msg[c->n - 2];
    framing a = {e, c};
    cn_ragctx_free(&e->ctx);
    /* the whole conversation within the context, as cn-sft's --seq-len of the same size keeps it */
    cn_status st = cn_retr_fit(e->rt, q->text, q->len, e->k, (size_t)cn_gen_capacity(e->g) - 1, frame_count, &a, e->rows, e->scores,
                               &e->ctx);
    if (st && st != CN_ERANGE) cn_die("%s: %s", where, cn_errmsg());
    if (st == CN_ERANGE) { /* too long even without passages: as it is (cn-sft skips it) */
        cn_ragctx_free(&e->ctx);
    } else {
        cJSON *msgs = cJSON_GetObjectItemCaseSensitive(rec, "messages"), *m = cJSON_GetArrayItem(msgs, cJSON_GetArraySize(msgs) - 2);
        char *framed = strndup(e->ctx.msg, e->ctx.len);
        if (!framed || !cJSON_ReplaceItemInObjectCaseSensitive(m, "content", cJSON_CreateString(framed))) cn_die("out of memory");
        free(framed);
    }
    if (!cJSON_AddItemToObject(rec, "rag", rag_json(e, c->msg[c->n - 1].text))) cn_die("out of memory");
    r->plain += e->ctx.n == 0;
    char *line = cJSON_PrintUnformatted(rec);
    if (!line) cn_die("out of memory");
    put(r->out, line, strlen(line));
    put(r->out, "\n", 1);
    free(line);
    cn_chat_free(c);
    r->n++;
    cn_progress_update(&prog, 0, "%s: %llu conversations framed", cn_prog, (unsigned long long)r->n);
}

static void frame_main(engine *e, const opts *o, int nfiles, char **files) {
    frame_run r = {e, cn_out_open(o->out_path, 0), 0, 0};
    if (!r.out) cn_die_status();
    cn_progress_begin(&prog, o->quiet);
    each_record(nfiles, files, frame_record, &r);
    cn_progress_end(&prog);
    if (cn_out_commit(r.out)) cn_die_status();
    if (!o->quiet)
        fprintf(stderr, "%s: %llu conversations, %llu of them without a passage (none fitted)\n", cn_prog, (unsigned long long)r.n,
                (unsigned long long)r.plain);
}

/* ---- ask: questions answered from the index ---- */

/* a conversation of --system (when given) and one user message; NULL on
 * failure (text not UTF-8, out of memory: cn_errmsg) */
static cn_chat *one_turn(const opts *o, const char *text, size_t len) {
    cn_chat *c = cn_chat_new();
    if (!c) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    if ((o->system && cn_chat_add(c, CN_CHAT_SYSTEM, o->system, strlen(o->system))) || cn_chat_add(c, CN_CHAT_USER, text, len)) {
        cn_chat_free(c);
        return NULL;
    }
    return c;
}

/* one question: its line of JSONL, or on a terminal (--question) the
 * answer as it streams and its sources */
static void ask_one(engine *e, const opts *o, cn_out *out, const char *id, const char *q, size_t qlen, uint64_t stream, const char *where,
                    uint64_t *tokens, double *secs) {
    int show = o->question && !o->out_path && isatty(STDOUT_FILENO);
    cn_chat *c = one_turn(o, q, qlen);
    if (!c) cn_die("%s: %s", where, cn_errmsg());
    sink k = {show ? out : NULL, show, NULL, 0, 0, 1, NULL, NULL};
    cn_gen_stats st;
    if (answer(e, o, c, stream, &k, &st))
        cn_die("%s: the question does not fit the context of %d less --max-new-tokens %d", where, cn_gen_capacity(e->g), e->go.max_new_tokens);
    const char *a = k.text ? k.text : "";
    if (show) {
        put(out, "\n", 1);
        show_sources(e);
    } else {
        cJSON *rec = rag_json(e, a);
        if (id) cJSON_AddStringToObject(rec, "id", id);
        cJSON_AddStringToObject(rec, "question", q);
        if (!cJSON_AddStringToObject(rec, "answer", a)) cn_die("out of memory");
        /* the question and answer first, as a person reads the line */
        const char *order[] = {"id", "question", "answer", "passages", "cited"};
        cJSON *line = cJSON_CreateObject();
        for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
            cJSON *x = cJSON_DetachItemFromObjectCaseSensitive(rec, order[i]);
            if (x) cJSON_AddItemToObject(line, order[i], x);
        }
        char *txt = cJSON_PrintUnformatted(line);
        if (!txt) cn_die("out of memory");
        put(out, txt, strlen(txt));
        put(out, "\n", 1);
        cJSON_free(txt), cJSON_Delete(line), cJSON_Delete(rec);
    }
    *tokens += (uint64_t)st.generated, *secs += st.decode_s;
    speed(o, &st);
    free(k.text);
    cn_chat_free(c);
}

typedef struct {
    engine *e;
    const opts *o;
    cn_out *out;
    uint64_t n, tokens;
    double secs;
} ask_run;

static void ask_record(void *arg, cJSON *rec, const char *where) {
    ask_run *r = arg;
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(rec, "question");
    if (!q) q = cJSON_GetObjectItemCaseSensitive(rec, "text");
    if (!cJSON_IsString(q)) cn_die("%s: no \"question\" (or BEIR's \"text\") string", where);
    if (!*q->valuestring) cn_die("%s: an empty question", where);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
    if (!id) id = cJSON_GetObjectItemCaseSensitive(rec, "_id");
    if (id && !cJSON_IsString(id)) cn_die("%s: \"%s\" is not a string", where, id->string);
    ask_one(r->e, r->o, r->out, id ? id->valuestring : NULL, q->valuestring, strlen(q->valuestring), r->n++, where, &r->tokens, &r->secs);
    cn_progress_update(&prog, 0, "%s: %llu questions, %.1f tokens/s", cn_prog, (unsigned long long)r->n, r->secs > 0 ? r->tokens / r->secs : 0.0);
}

/* --question, or each line of the JSONL files (stdin): {"question": Q} or
 * BEIR's {"_id", "text"}, an "id" kept */
static void ask_main(engine *e, const opts *o, int nfiles, char **files) {
    ask_run r = {e, o, cn_out_open(o->out_path, 0), 0, 0, 0};
    if (!r.out) cn_die_status();
    if (o->question) ask_one(e, o, r.out, NULL, o->question, strlen(o->question), 0, "--question", &r.tokens, &r.secs);
    else {
        cn_progress_begin(&prog, o->quiet);
        each_record(nfiles, files, ask_record, &r);
        cn_progress_end(&prog);
    }
    if (cn_out_commit(r.out)) cn_die_status();
}

/* ---- summarize: hierarchical summaries (libcore summ) ---- */

typedef struct {
    engine *e;
    const opts *o;
    cn_out *out;
    uint64_t rec, calls; /* the record, the prompts so far: each its own random stream */
    uint64_t tokens;
    double secs;
} summ_run;

static cn_status summ_count(void *arg, const char *p, size_t len, size_t *tokens) {
    summ_run *r = arg;
    cn_chat *c = one_turn(r->o, p, len);
    cn_status st = c ? CN_OK : cn_last_status();
    cn_ids ids = {0};
    if (!st) st = encode_chat(r->e, c, NULL, 0, &ids);
    *tokens = ids.n + 1; /* the first new token's position too, as answer() asks */
    cn_ids_free(&ids);
    cn_chat_free(c);
    return st;
}

static cn_status summ_gen(void *arg, const char *p, size_t len, char **out) {
    summ_run *r = arg;
    cn_chat *c = one_turn(r->o, p, len);
    if (!c) cn_die_status();
    sink k = {NULL, 0, NULL, 0, 0, 1, NULL, NULL};
    cn_gen_stats st;
    if (answer(r->e, r->o, c, r->rec << 24 | r->calls++, &k, &st)) cn_die("a summary's prompt does not fit (cannot happen: it was counted)");
    r->tokens += (uint64_t)st.generated, r->secs += st.decode_s;
    cn_chat_free(c);
    *out = k.text ? k.text : strdup("");
    return *out ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
}

static void summ_record(void *arg, cJSON *rec, const char *where) {
    summ_run *r = arg;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(rec, r->o->field);
    if (!cJSON_IsString(t)) cn_die("%s: no \"%s\" string (--field)", where, r->o->field);
    const char *text = t->valuestring;
    char *aliased = NULL;
    cn_summ_aliases al = {0};
    if (r->o->alias_len) {
        if (cn_summ_alias(text, strlen(text), (size_t)r->o->alias_len, &aliased, &al)) cn_die("%s: %s", where, cn_errmsg());
        text = aliased;
    }
    cn_summ_opts so = {CN_SUMM_TECHNICAL, r->o->max_depth, (size_t)(cn_gen_capacity(r->e->g) - r->e->go.max_new_tokens), summ_count,
                       summ_gen, r, NULL};
    if (cn_summ_style_parse(r->o->style, &so.style)) cn_die_status();
    char *sum;
    int levels, chunks[64];
    r->calls = 0;
    if (cn_summ_run(&so, text, strlen(text), &sum, &levels, chunks)) cn_die("%s: %s", where, cn_errmsg());
    char *back = r->o->alias_len ? cn_summ_restore(&al, sum) : sum;
    if (!back) cn_die("out of memory");
    cJSON *ch = cJSON_AddArrayToObject(rec, "chunks");
    for (int l = 0; ch && l < levels; l++) cJSON_AddItemToArray(ch, cJSON_CreateNumber(chunks[l]));
    if (!ch || !cJSON_AddStringToObject(rec, "summary", back) || !cJSON_AddNumberToObject(rec, "levels", levels) ||
        (r->o->alias_len && !cJSON_AddNumberToObject(rec, "aliases", (double)al.n)))
        cn_die("out of memory");
    char *line = cJSON_PrintUnformatted(rec);
    if (!line) cn_die("out of memory");
    put(r->out, line, strlen(line));
    put(r->out, "\n", 1);
    cJSON_free(line);
    if (back != sum) free(back);
    free(sum), free(aliased);
    cn_summ_aliases_free(&al);
    r->rec++;
    cn_progress_update(&prog, 0, "%s: %llu texts summarised, %.1f tokens/s", cn_prog, (unsigned long long)r->rec, r->secs > 0 ? r->tokens / r->secs : 0.0);
}

int main(int argc, char **argv) {
    cn_tool_init("cn-rag");
    int argc0 = argc;
    char **argv0 = argv;
    opts o = {.max_new = -1, .min_new = -1, .top_k = -1, .temperature = NAN, .top_p = NAN, .rep = NAN, .passages = -1, .max_depth = -1,
              .alias_len = -1};
    int first = 1;
    if (argc >= 2 && strcmp(argv[1], "chat") == 0) o.chat = 1, first = 2;
    if (argc >= 2 && strcmp(argv[1], "ask") == 0) o.ask = 1, first = 2;
    if (argc >= 2 && strcmp(argv[1], "summarize") == 0) o.summarize = 1, first = 2;
    if (argc >= 2 && strcmp(argv[1], "frame") == 0) o.frame = 1, first = 2;
    argc -= first - 1, argv += first - 1;
    enum { O_NORET = 256, O_MAXNEW, O_MINNEW, O_TEMP, O_TOPK, O_TOPP, O_REP, O_STOP, O_SEED, O_BF16, O_CTX, O_TPL, O_SYS, O_ECHO, O_IDS,
           O_THREADS, O_DEVICE, O_RESUME, O_VERSION, O_INDEX, O_EMBED, O_PASSAGES, O_QUESTION, O_FIELD, O_STYLE, O_DEPTH, O_ALIAS, O_BM25 };
    static const struct option longs[] = {
        {"model", required_argument, 0, 'm'}, {"prompt", required_argument, 0, 'p'}, {"no-retrieval", no_argument, 0, O_NORET},
        {"max-new-tokens", required_argument, 0, O_MAXNEW}, {"min-new-tokens", required_argument, 0, O_MINNEW},
        {"temperature", required_argument, 0, O_TEMP}, {"top-k", required_argument, 0, O_TOPK},
        {"top-p", required_argument, 0, O_TOPP}, {"repetition-penalty", required_argument, 0, O_REP},
        {"stop", required_argument, 0, O_STOP}, {"seed", required_argument, 0, O_SEED}, {"bf16", no_argument, 0, O_BF16},
        {"context", required_argument, 0, O_CTX}, {"template", required_argument, 0, O_TPL},
        {"system", required_argument, 0, O_SYS}, {"echo", no_argument, 0, O_ECHO}, {"ids", no_argument, 0, O_IDS},
        {"threads", required_argument, 0, O_THREADS},
        {"device", required_argument, 0, O_DEVICE}, {"output", required_argument, 0, 'o'}, {"resume", no_argument, 0, O_RESUME}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {"index", required_argument, 0, O_INDEX}, {"embed", required_argument, 0, O_EMBED},
        {"passages", required_argument, 0, O_PASSAGES}, {"question", required_argument, 0, O_QUESTION},
        {"field", required_argument, 0, O_FIELD}, {"style", required_argument, 0, O_STYLE}, {"max-depth", required_argument, 0, O_DEPTH},
        {"alias-len", required_argument, 0, O_ALIAS}, {"bm25", no_argument, 0, O_BM25}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "m:p:o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'm': o.dir = optarg; break;
        case 'p': o.prompt = optarg; break;
        case O_NORET: o.retrieval_off = 1; break;
        case O_MAXNEW: o.max_new = (long)cn_opt_u64("--max-new-tokens", optarg); break;
        case O_MINNEW: o.min_new = (long)cn_opt_u64("--min-new-tokens", optarg); break;
        case O_TEMP: o.temperature = cn_opt_double("--temperature", optarg); break;
        case O_TOPK: o.top_k = (long)cn_opt_u64("--top-k", optarg); break;
        case O_TOPP: o.top_p = cn_opt_double("--top-p", optarg); break;
        case O_REP: o.rep = cn_opt_double("--repetition-penalty", optarg); break;
        case O_STOP:
            if (o.nstop == MAX_STOP) cn_usage_error("at most %d --stop strings", MAX_STOP);
            if (!*optarg) cn_usage_error("--stop: an empty string");
            o.stop[o.nstop++] = optarg;
            break;
        case O_SEED: o.seed = cn_opt_u64("--seed", optarg); break;
        case O_BF16: o.bf16 = 1; break;
        case O_CTX: o.context = (int)cn_opt_u64("--context", optarg); break;
        case O_TPL: o.template_name = optarg; break;
        case O_SYS: o.system = optarg; break;
        case O_ECHO: o.echo = 1; break;
        case O_IDS: o.ids = 1; break;
        case O_THREADS: {
            uint64_t v = cn_opt_u64("--threads", optarg);
            if (v < 1 || v > 1024) cn_usage_error("option --threads: between 1 and 1024");
            o.threads = (int)v;
            break;
        }
        case O_DEVICE: o.device = cn_opt_device("--device", optarg); break;
        case 'o': o.out_path = optarg; break;
        case O_RESUME: o.resume = 1; break;
        case O_INDEX: o.index = optarg; break;
        case O_EMBED: o.embed = optarg; break;
        case O_PASSAGES: {
            uint64_t v = cn_opt_u64("--passages", optarg);
            if (v < 1 || v > 1000) cn_usage_error("option --passages: between 1 and 1000");
            o.passages = (int)v;
            break;
        }
        case O_QUESTION: o.question = optarg; break;
        case O_BM25: o.bm25 = 1; break;
        case O_FIELD: o.field = optarg; break;
        case O_STYLE: {
            cn_summ_style st;
            if (cn_summ_style_parse(optarg, &st)) cn_usage_error("--style: %s", cn_errmsg());
            o.style = optarg;
            break;
        }
        case O_DEPTH: {
            uint64_t v = cn_opt_u64("--max-depth", optarg);
            if (v < 1 || v > 64) cn_usage_error("option --max-depth: between 1 and 64");
            o.max_depth = (int)v;
            break;
        }
        case O_ALIAS: {
            uint64_t v = cn_opt_u64("--alias-len", optarg);
            if (v > 4096) cn_usage_error("option --alias-len: at most 4096 (0: no aliases)");
            o.alias_len = (int)v;
            break;
        }
        case 'q': o.quiet = 1; break;
        case 'h': usage();
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (!o.chat && !o.ask && !o.summarize && !o.frame && !o.retrieval_off)
        cn_usage_error("no mode: give ask or chat (with --index), summarize, frame, or --no-retrieval");
    if (!o.summarize && (o.field || o.style || o.max_depth >= 0 || o.alias_len >= 0))
        cn_usage_error("--field, --style, --max-depth and --alias-len are summarize's");
    if (!o.dir) cn_usage_error("no model: give --model DIR");
    if (o.retrieval_off && (o.chat || o.ask)) cn_usage_error("--no-retrieval is the continuation mode: chat without --index is the chat without retrieval");
    if (o.retrieval_off && o.index) cn_usage_error("--index and --no-retrieval: give one");
    if (o.ask && !o.index) cn_usage_error("ask answers from passages: give --index INDEX");
    if (!o.index && (o.embed || o.passages >= 0 || o.bm25)) cn_usage_error("--embed, --passages and --bm25 are for retrieval: give --index INDEX");
    if (o.bm25 && o.embed) cn_usage_error("--bm25 ranks without an encoder: no --embed with it");
    if (o.question && !o.ask) cn_usage_error("--question is ask's (chat reads conversations)");
    if (o.passages < 0) o.passages = 4;
    if (o.frame) {
        if (!o.index) cn_usage_error("frame puts retrieved passages before each question: give --index INDEX");
        if (o.retrieval_off || o.question || o.resume || o.prompt || o.echo || o.ids || o.system || o.max_new >= 0 || o.min_new >= 0 || o.top_k >= 0 ||
            o.temperature == o.temperature || o.top_p == o.top_p || o.rep == o.rep || o.nstop || o.seed)
            cn_usage_error("frame generates nothing: no --no-retrieval, --question, --resume, --prompt, --echo, --ids, --system or sampling options");
        engine e;
        load(&e, &o);
        chat_setup(&e, &o);
        e.go.max_new_tokens = 0; /* nothing generated: the whole context is the conversation's */
        rag_open(&e, &o);
        frame_main(&e, &o, argc - optind, argv + optind);
        rag_close(&e);
        unload(&e);
        return 0;
    }
    if (o.summarize) {
        if (o.index || o.question) cn_usage_error("summarize does not retrieve: no --index or --question");
        if (o.retrieval_off) cn_usage_error("--no-retrieval is the continuation mode, not summarize's");
        if (o.resume || o.prompt || o.echo || o.ids) cn_usage_error("--resume, --prompt, --echo and --ids are not summarize's");
        if (!o.field) o.field = "text";
        if (!o.style) o.style = "technical";
        if (o.max_depth < 0) o.max_depth = 4;
        if (o.alias_len < 0) o.alias_len = 24;
        engine e;
        load(&e, &o);
        chat_setup(&e, &o);
        if (e.go.max_new_tokens >= cn_gen_capacity(e.g))
            cn_usage_error("--max-new-tokens %d leaves no room for the text in the context of %d", e.go.max_new_tokens, cn_gen_capacity(e.g));
        summ_run r = {&e, &o, cn_out_open(o.out_path, 0), 0, 0, 0, 0};
        if (!r.out) cn_die_status();
        cn_progress_begin(&prog, o.quiet);
        each_record(argc - optind, argv + optind, summ_record, &r);
        cn_progress_end(&prog);
        if (cn_out_commit(r.out)) cn_die_status();
        unload(&e);
        return 0;
    }
    if (o.temperature == o.temperature && o.temperature < 0) cn_usage_error("--temperature must be 0 (greedy) or above");
    if (o.top_p == o.top_p && (o.top_p < 0 || o.top_p > 1)) cn_usage_error("--top-p must be between 0 and 1");
    if (o.rep == o.rep && !(o.rep > 0)) cn_usage_error("--repetition-penalty must be above 0");
    if (o.max_new == 0) cn_usage_error("--max-new-tokens must be at least 1");
    if (o.max_new > 1 << 30 || o.min_new > 1 << 30 || o.top_k > 1 << 30) cn_usage_error("a token count beyond 2^30");
    if (o.context < 0 || o.context > 1 << 24) cn_usage_error("--context: at most 2^24");
    if (o.ask) {
        if (o.resume) cn_usage_error("--resume is for chat's answers to JSONL conversations (-o FILE)");
        if (o.prompt || o.echo || o.ids) cn_usage_error("--prompt, --echo and --ids are for --no-retrieval; ask reads questions");
        if (o.question && optind < argc) cn_usage_error("--question and question files '%s': give one", argv[optind]);
        engine e;
        load(&e, &o);
        chat_setup(&e, &o);
        rag_open(&e, &o);
        ask_main(&e, &o, argc - optind, argv + optind);
        rag_close(&e);
        unload(&e);
        return 0;
    }
    if (!o.chat) {
        if (o.resume) cn_usage_error("--resume is for chat's answers to JSONL conversations (-o FILE)");
        if (optind < argc) cn_usage_error("unexpected argument '%s' (the prompt goes in --prompt or stdin)", argv[optind]);
        if (o.ids && o.echo) cn_usage_error("--ids prints ids, --echo the prompt's text: give one");
        return continue_main(&o);
    }
    if (o.prompt || o.echo || o.ids) cn_usage_error("--prompt, --echo and --ids are for --no-retrieval; chat reads conversations");
    int terminal = optind == argc && isatty(STDIN_FILENO);
    if (o.resume && (terminal || !o.out_path || !answers_to_file(o.out_path)))
        cn_usage_error("--resume continues the answers to JSONL conversations in -o FILE (a file, not stdout or a device)");
    if (!terminal && o.system) cn_usage_error("--system is for the chat on a terminal (a JSONL conversation carries its own)");
    engine e;
    load(&e, &o);
    chat_setup(&e, &o);
    if (o.index) rag_open(&e, &o);
    if (terminal) chat_terminal(&e, &o);
    else chat_jsonl(&e, &o, argc - optind, argv + optind, argc0, argv0);
    if (o.index) rag_close(&e);
    unload(&e);
    return 0;
}
