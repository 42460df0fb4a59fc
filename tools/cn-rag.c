/* cn-rag: generation with a LLaMA-class model directory (libcore gen): a
 * continuation of a prompt (--no-retrieval), an interactive chat on a
 * terminal, or an answer to each JSONL conversation. Retrieval (chunking, the
 * vector index, prompt assembly, map-reduce summaries) is a later issue. */
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
#include "sft.h"
#include "tok.h"
#include "tool.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s --no-retrieval --model DIR [options] [--prompt TEXT]\n"
           "       %s chat --model DIR [options] [CHATS.jsonl...]\n"
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
           "The sampling defaults come from DIR/generation_config.json as transformers'\n"
           "generate reads it (greedy unless it says do_sample; top-k 50 when sampling);\n"
           "the options override it. The processors apply in transformers' order:\n"
           "repetition penalty, temperature, top-k, top-p.\n"
           "  -m, --model DIR            config.json, model.safetensors, tokenizer.json\n"
           "  -p, --prompt TEXT          the text to continue (--no-retrieval)\n"
           "      --no-retrieval         generate from the prompt alone\n"
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
           "      --system TEXT          chat on a terminal: a system message\n"
           "      --echo                 --no-retrieval: print the prompt before its continuation\n"
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
           cn_prog, cn_prog);
    exit(0);
}

#define MAX_STOP 64
#define DEFAULT_CONTEXT 4096 /* cache positions unless --context: a 128K-position model would need a huge cache */

typedef struct {
    const char *dir, *prompt, *template_name, *system, *out_path, *device;
    int retrieval_off, chat, echo, quiet, bf16, threads, context, resume;
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
} sink;

static void put(cn_out *out, const char *s, size_t n) {
    if (cn_out_write(out, s, n) || cn_out_flush(out)) {
        cn_out_abort(out);
        cn_die_status();
    }
}

static int on_text(void *arg, int32_t id, const char *text, size_t len) {
    sink *k = arg;
    (void)id;
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
    sink k = {out, 1, NULL, 0, 0, 0, NULL};
    int32_t *v = to_ids(&ids);
    cn_rng r;
    cn_rng_seed(&r, &o->seed, 1);
    cn_gen_stats st;
    if (cn_gen_run(e.g, e.tok, v, ids.n, &e.go, &r, 1, on_text, &k, &st)) cn_die_status();
    put(out, "\n", 1);
    if (cn_out_commit(out)) cn_die_status();
    speed(o, &st);
    free(v), free(text);
    cn_ids_free(&ids);
    unload(&e);
    return 0;
}

/* ---- chat ---- */

/* generates the answer to conversation c (its last message the user's)
 * into k; the stats in st. 1 when the conversation does not fit. */
static int answer(engine *e, const opts *o, const cn_chat *c, uint64_t stream, sink *k, cn_gen_stats *st) {
    const char *bos = e->bos >= 0 ? cn_tok_token(e->tok, (uint32_t)e->bos) : NULL;
    const char *eos = e->eos >= 0 ? cn_tok_token(e->tok, (uint32_t)e->eos) : NULL;
    cn_chat_pieces p;
    if (cn_chat_render(c, e->tpl, bos, eos, CN_CHAT_GEN_PROMPT, &p)) cn_die_status();
    cn_ids ids;
    if (cn_sft_encode(e->tok, &p, &ids, NULL)) cn_die_status(); /* as cn-sft trains it */
    cn_chat_pieces_free(&p);
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
    sink k = {out, 1, NULL, 0, 0, 1, &interrupted};
    char *line = NULL;
    size_t cap = 0;
    uint64_t turn = 0;
    if (!o->quiet)
        fprintf(stderr, "%s: chatting with %s (template %s; /reset starts over, Ctrl-D ends)\n", cn_prog, o->dir,
                cn_chat_template_name(e->tpl));
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
        {"bf16", "--bf16"}, {"device", "--device"}, {"threads", "--threads"},
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

/* JSONL conversations in, each with its answer appended out: to stdout (or
 * a device) as they come, or to FILE.part, moved onto FILE at the end */
static void chat_jsonl(engine *e, const opts *o, int nfiles, char **files, int argc, char **argv) {
    cn_part *pt = o->out_path && answers_to_file(o->out_path) ? answers_open(e, o, nfiles, argc, argv) : NULL;
    cn_out *out = pt ? NULL : cn_out_open(o->out_path, 0);
    if (!pt && !out) cn_die_status();
    size_t kept = pt ? cn_part_kept(pt) : 0;
    sink k = {NULL, 0, NULL, 0, 0, 1, NULL};
    static char *stdin_only[] = {"-"};
    if (!nfiles) nfiles = 1, files = stdin_only;
    uint64_t conv = 0, tokens = 0;
    double secs = 0;
    cn_progress_begin(&prog, o->quiet);
    for (int f = 0; f < nfiles; f++) {
        cn_in *in = cn_in_open(files[f]);
        if (!in) cn_die_status();
        cn_jsonl *j = cn_jsonl_new(in, 0);
        cJSON *rec;
        cn_status s;
        while ((s = cn_jsonl_next(j, &rec)) == CN_OK) {
            char *where;
            if (asprintf(&where, "%s:%llu", cn_in_name(in), (unsigned long long)cn_jsonl_line(j)) < 0) cn_die("out of memory");
            cn_chat *c;
            if (cn_chat_parse(rec, where, &c)) cn_die_status();
            if (c->msg[c->n - 1].role != CN_CHAT_USER) cn_die("%s: the last message is not the user's: nothing to answer", where);
            if (conv < kept) { /* answered by the run that began FILE.part */
                check_kept(pt, conv++, rec, where);
                cn_chat_free(c), free(where);
                cn_progress_update(&prog, 0, "%s: %llu conversations answered before", cn_prog, (unsigned long long)conv);
                continue;
            }
            cn_gen_stats st;
            if (answer(e, o, c, conv, &k, &st)) cn_die("%s: the conversation does not fit the context of %d", where, cn_gen_capacity(e->g));
            size_t n;
            char *line = cn_chat_answer_line(rec, k.text ? k.text : "", &n);
            if (!line) cn_die("out of memory");
            if (pt && cn_part_write(pt, line, n)) cn_die_status();
            if (out) put(out, line, n);
            free(line);
            cn_chat_free(c), free(where);
            conv++, tokens += (uint64_t)st.generated, secs += st.decode_s;
            cn_progress_update(&prog, 0, "%s: %llu conversations, %.1f tokens/s", cn_prog, (unsigned long long)conv,
                               secs > 0 ? tokens / secs : 0.0);
        }
        if (s != CN_EOF) cn_die_status();
        cn_jsonl_free(j);
        cn_in_close(in);
    }
    cn_progress_end(&prog);
    if (conv < kept) {
        live = NULL;
        cn_die("%s: holds %zu answers, but the conversations are %llu: not these conversations? remove it to start again",
               cn_part_name(pt), kept, (unsigned long long)conv);
    }
    if (pt) answers_commit(pt);
    else if (cn_out_commit(out)) cn_die_status();
    free(k.text);
}

int main(int argc, char **argv) {
    cn_tool_init("cn-rag");
    int argc0 = argc;
    char **argv0 = argv;
    opts o = {.max_new = -1, .min_new = -1, .top_k = -1, .temperature = NAN, .top_p = NAN, .rep = NAN};
    int first = 1;
    if (argc >= 2 && strcmp(argv[1], "chat") == 0) o.chat = 1, first = 2;
    argc -= first - 1, argv += first - 1;
    enum { O_NORET = 256, O_MAXNEW, O_MINNEW, O_TEMP, O_TOPK, O_TOPP, O_REP, O_STOP, O_SEED, O_BF16, O_CTX, O_TPL, O_SYS, O_ECHO,
           O_THREADS, O_DEVICE, O_RESUME, O_VERSION };
    static const struct option longs[] = {
        {"model", required_argument, 0, 'm'}, {"prompt", required_argument, 0, 'p'}, {"no-retrieval", no_argument, 0, O_NORET},
        {"max-new-tokens", required_argument, 0, O_MAXNEW}, {"min-new-tokens", required_argument, 0, O_MINNEW},
        {"temperature", required_argument, 0, O_TEMP}, {"top-k", required_argument, 0, O_TOPK},
        {"top-p", required_argument, 0, O_TOPP}, {"repetition-penalty", required_argument, 0, O_REP},
        {"stop", required_argument, 0, O_STOP}, {"seed", required_argument, 0, O_SEED}, {"bf16", no_argument, 0, O_BF16},
        {"context", required_argument, 0, O_CTX}, {"template", required_argument, 0, O_TPL},
        {"system", required_argument, 0, O_SYS}, {"echo", no_argument, 0, O_ECHO}, {"threads", required_argument, 0, O_THREADS},
        {"device", required_argument, 0, O_DEVICE}, {"output", required_argument, 0, 'o'}, {"resume", no_argument, 0, O_RESUME}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
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
        case O_THREADS: {
            uint64_t v = cn_opt_u64("--threads", optarg);
            if (v < 1 || v > 1024) cn_usage_error("option --threads: between 1 and 1024");
            o.threads = (int)v;
            break;
        }
        case O_DEVICE: o.device = cn_opt_device("--device", optarg); break;
        case 'o': o.out_path = optarg; break;
        case O_RESUME: o.resume = 1; break;
        case 'q': o.quiet = 1; break;
        case 'h': usage();
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (!o.chat && !o.retrieval_off) cn_usage_error("retrieval is not there yet: give --no-retrieval, or the chat command");
    if (!o.dir) cn_usage_error("no model: give --model DIR");
    if (o.temperature == o.temperature && o.temperature < 0) cn_usage_error("--temperature must be 0 (greedy) or above");
    if (o.top_p == o.top_p && (o.top_p < 0 || o.top_p > 1)) cn_usage_error("--top-p must be between 0 and 1");
    if (o.rep == o.rep && !(o.rep > 0)) cn_usage_error("--repetition-penalty must be above 0");
    if (o.max_new == 0) cn_usage_error("--max-new-tokens must be at least 1");
    if (o.max_new > 1 << 30 || o.min_new > 1 << 30 || o.top_k > 1 << 30) cn_usage_error("a token count beyond 2^30");
    if (o.context < 0 || o.context > 1 << 24) cn_usage_error("--context: at most 2^24");
    if (!o.chat) {
        if (o.resume) cn_usage_error("--resume is for chat's answers to JSONL conversations (-o FILE)");
        if (optind < argc) cn_usage_error("unexpected argument '%s' (the prompt goes in --prompt or stdin)", argv[optind]);
        return continue_main(&o);
    }
    if (o.prompt || o.echo) cn_usage_error("--prompt and --echo are for --no-retrieval; chat reads conversations");
    int terminal = optind == argc && isatty(STDIN_FILENO);
    if (o.resume && (terminal || !o.out_path || !answers_to_file(o.out_path)))
        cn_usage_error("--resume continues the answers to JSONL conversations in -o FILE (a file, not stdout or a device)");
    if (!terminal && o.system) cn_usage_error("--system is for the chat on a terminal (a JSONL conversation carries its own)");
    engine e;
    load(&e, &o);
    chat_setup(&e, &o);
    if (terminal) chat_terminal(&e, &o);
    else chat_jsonl(&e, &o, argc - optind, argv + optind, argc0, argv0);
    unload(&e);
    return 0;
}
