/* cn-score: measurements, one JSON object each (DESIGN.md section 3).
 *   tokens  tokenizer efficiency: bytes, tokens, bytes per token per dataset
 *           and document kind, and B's change against A
 *   ppl     a model's loss, perplexity and bits per byte
 *   unigram the unigram baseline
 *   mc      multiple-choice accuracy by log-likelihood (libcore eval)
 *   exact   the exact-match rate of generated answers
 *   retrieval  a retriever's results against qrels (libcore eval_ir)
 *   gen     generated answers against references (libcore eval_gen)
 *   exec    generated Verilog and yosys scripts run by the tools (libcore eval_exec)
 *   report  all of them and the training logs as one page (libcore report) */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <math.h>
#include <omp.h>
#include "chat.h"
#include "eval.h"
#include "eval_exec.h"
#include "eval_ir.h"
#include "io.h"
#include "model.h"
#include "shard.h"
#include "jsonl.h"
#include "mdir.h"
#include "ragctx.h"
#include "report.h"
#include "retr.h"
#include "sbox.h"
#include "tok.h"
#include "tool.h"

/* cn-score --help: the commands; cn-score CMD --help: that command and only
 * the options it takes */
static void usage(const char *cmd) __attribute__((noreturn));
static void usage(const char *cmd) {
    static const char *const line[] = {
        "tokens -t A.json [-t B.json] [options] DATA...", "ppl --model DIR [options] DATA...", "unigram --train SHARD [-q] SHARD...",
        "mc --model DIR [--shots K --dev FILE] [options] DATA...", "exact [-q] [-o FILE] ANSWERS...",
        "retrieval --qrels QRELS [--compare B.jsonl] [options] RESULTS.jsonl", "gen [options] ANSWERS...",
        "exec --tasks TASKS [options] GENERATIONS... | exec --tasks TASKS --solutions FIELD [options]",
        "report --spec SPEC.json -o DIR [options] SCORES.jsonl... LOGS.jsonl...",
    };
    static const char *const text[] = {
        "tokens: encodes the JSONL documents of each DATA file (plain or zstd) with\n"
        "each tokenizer and reports, per file and per document kind (field \"kind\";\n"
        "\"all\" for the whole file), bytes, tokens and bytes per token, and B's change in\n"
        "tokens against A. One JSON object per measurement,\n"
        "  {\"task\": \"tokens\", \"metric\": ..., \"value\": ..., \"n\": DOCS, \"model\": ..., \"data\": ..., \"kind\": ...}\n"
        "or a table when stdout is a terminal.\n"
        "  -t, --tokenizer FILE   a tokenizer.json (once or twice: A, then B)\n"
        "      --field NAME       the text field (default text)\n"
        "      --literal-special  special tokens in the text are plain text\n"
        "      --table            a table even when stdout is not a terminal\n"
        "      --json             JSON even on a terminal\n"
        "      --threads N        encoding threads (default: all cores)\n",
        "ppl: a LLaMA-class model's token-level loss, perplexity and bits per byte\n"
        "(comparable across tokenizers) on token shards (made with the model's\n"
        "tokenizer) or JSONL (encoded with DIR/tokenizer.json); each document as the\n"
        "tokenizer's [BOS] doc EOS, every token after the first predicted, in windows of\n"
        "--seq-len tokens, --batch windows a forward.\n"
        "  -m, --model DIR        the model directory (config.json, model.safetensors, tokenizer.json)\n"
        "      --seq-len N        the window (default 256)\n"
        "      --batch N          windows a forward (default 8)\n"
        "      --field NAME       JSONL's text field (default text)\n"
        "      --device D         cpu (default), cuda (the first GPU) or cuda:N\n"
        "      --precision P      fp32 (default) or bf16 (products in bf16, fp32 sums)\n",
        "unigram: the loss and bits per byte of a unigram model (token frequencies of\n"
        "--train, add-one smoothed) on the other shards: the baseline a language model\n"
        "must beat.\n"
        "      --train SHARD      the shard whose token frequencies make the model\n",
        "mc: multiple-choice accuracy by log-likelihood, as lm-evaluation-harness\n"
        "scores it, on JSONL questions {\"question\": Q, \"choices\": [C, ...], \"answer\": I}\n"
        "(I counts from 0). The prompt is \"Question: Q\\nAnswer:\", after --shots solved\n"
        "examples \"Question: Q\\nAnswer: C\\n\\n\" drawn from --dev for each question (by\n"
        "--seed and the question's index, never the question itself); each choice is\n"
        "the continuation \" C\", scored by the sum of its tokens' log-probabilities\n"
        "([BOS] as the tokenizer puts it; the choice's tokens are those of prompt + \" C\"\n"
        "after the prompt's, or after the prompt's but its last when that one merges\n"
        "with the choice). acc: the largest sum is the answer; acc_norm: the largest\n"
        "sum per UTF-8 byte of C; each with lm-eval's \"stderr\" sqrt(p(1-p)/(n-1)) and a\n"
        "Wilson score 95% interval \"ci95\": [lo, hi]; chance: the mean of 1/choices.\n"
        "A prompt longer than max_position_embeddings loses tokens from the left (a\n"
        "warning, and \"truncated\" counts the questions).\n"
        "  -m, --model DIR        the model directory (config.json, model.safetensors, tokenizer.json)\n"
        "      --shots K          solved examples before each question (default 0)\n"
        "      --dev FILE         the questions they are drawn from (may be a DATA file)\n"
        "      --seed N           the draw of the examples (default 1234)\n"
        "      --limit N          the first N questions of each DATA file\n"
        "      --batch-tokens N   tokens a forward (default 2048); sequences are packed\n"
        "                         several to a row, --no-pack pads one to a row\n"
        "      --details FILE     per question JSONL: log-likelihoods, predictions, shots\n"
        "      --threads N        threads (default: all cores)\n"
        "      --literal-special  special tokens in the text are plain text\n"
        "      --chat             prompts in the chat template DIR/tokenizer_config.json names\n"
        "                         (as cn-sft writes it): the examples as user and assistant\n"
        "                         turns, the question as the last user turn, each choice the\n"
        "                         answer that follows the generation prompt, its own tokens\n"
        "                         after the prompt's (as cn-sft trains an answer)\n"
        "      --device D         cpu (default), cuda (the first GPU) or cuda:N\n"
        "      --precision P      fp32 (default) or bf16 (products in bf16, fp32 sums)\n"
        "      --rag INDEX        each question asked after the passages it retrieves from\n"
        "                         this cn-embed index (cn-rag's prompt: \"Answer from these\n"
        "                         passages, citing them as [1]:\", \"[1] TEXT\"..., then\n"
        "                         \"Question: Q\"), as many as fit the model's window with\n"
        "                         the longest choice (libcore ragctx); --details lists them\n"
        "      --passages K       --rag: passages a question retrieves (default 4)\n"
        "      --embed DIR        --rag: the questions' encoder (default: the index's)\n"
        "      --bm25             --rag: the index's passages ranked by Okapi BM25 (k1 0.9,\n"
        "                         b 0.4, as cn-embed search --bm25), no encoder\n"
        "The lines say how the questions were asked: \"shots\", \"chat\": true with\n"
        "--chat, and with --rag the index (\"rag\"), \"passages\" and \"bm25\": true.\n",
        "exact: the exact-match rate of generated answers: each ANSWERS line a chat\n"
        "record whose last message is the answer (as cn-rag chat writes it, keeping the\n"
        "question's other keys) with a \"reference\" string, or a list of strings any of\n"
        "which counts; answer and reference compared with white space at both ends\n"
        "left out. Reports exact_match and empty (the share of empty answers), \"n\" the\n"
        "answers, one JSON object each.\n",
        "retrieval: a retriever's results (cn-embed search's JSON lines: query, doc,\n"
        "score) against relevance judgements (BEIR's qrels/test.tsv), as BEIR reports\n"
        "them through pytrec_eval: hit@k (any relevant document in the first k, BEIR's\n"
        "accuracy@k), recall@k, mrr@10 and ndcg@10, ranked by score with ties to the\n"
        "higher document id (trec_eval), a document's passages as one (its best score).\n"
        "Each is the mean over the judged queries (one without results scores 0) with a\n"
        "95% percentile-bootstrap interval \"ci95\": [lo, hi]. With --compare, B's\n"
        "metrics too, and for each its difference from RESULTS (B - A) with the\n"
        "interval and the two-sided p of a paired bootstrap test (\"versus\": A).\n"
        "  -r, --qrels FILE       the judgements: query-id, corpus-id, score (TSV, header)\n"
        "  -k, --cutoffs LIST     hit@ and recall@ cut-offs (default 1,3,5,8,10)\n"
        "      --compare FILE     the results of a second retriever, B\n"
        "      --bootstrap N      resamples (default 1000)\n"
        "      --seed N           the resamples' seed (default 1234)\n"
        "      --details FILE     per query JSONL: each metric's value\n",
        "gen: generated answers against their references: exact_match, token_f1 and\n"
        "rouge_l, each the best over an answer's references. Each ANSWERS line is\n"
        "cn-rag ask's {\"answer\"} or cn-rag chat's record (the answer its last message)\n"
        "with a \"reference\" string or list of strings. Words as the rouge-score\n"
        "package makes them: lowercase, every run of characters outside [a-z0-9] a\n"
        "space, no stemming. exact_match: the same words in order; token_f1: SQuAD's\n"
        "F1 of the words as multisets (both sides empty: 1); rouge_l: the F-measure of\n"
        "the longest common subsequence of words (a side empty: 0). Each is the mean\n"
        "over the answers with a 95% percentile-bootstrap interval \"ci95\".\n"
        "      --details FILE     per answer JSONL: data, line and the three scores\n"
        "      --bootstrap N      resamples (default 1000)\n"
        "      --seed N           the resamples' seed (default 1234)\n",
        "exec: generated Verilog and yosys scripts checked by running them (ChipNeMo's\n"
        "EDA-script benchmark; VerilogEval's check): pass@k, the unbiased estimator of\n"
        "Chen et al. (2021), the mean over the tasks with a 95% percentile-bootstrap\n"
        "interval \"ci95\", for all tasks, each kind, and each kind's levels. TASKS:\n"
        "  {\"id\", \"kind\": \"verilog\", \"prompt\", \"testbench\", \"level\"?}: the answer is\n"
        "    compiled with the testbench (iverilog -g2012 -s tb) and simulated (vvp);\n"
        "    it passes when vvp exits 0 having printed a line that is exactly PASS;\n"
        "  {\"id\", \"kind\": \"yosys\", \"prompt\", \"design\", \"check\", \"level\"?}: the\n"
        "    answer runs as a script (yosys -q -s gen.ys) beside design.v, then the\n"
        "    check script reads what it wrote; it passes when both exit 0.\n"
        "Each GENERATIONS line is a sample of the task \"id\" names: cn-rag ask's\n"
        "{\"id\", \"answer\"} or a chat record; the code is the answer's first ``` block,\n"
        "else the whole answer; a task's samples are its lines, and every task needs\n"
        "at least k. Each command runs apart: its own directory, --timeout, --mem, no\n"
        "network (its own network namespace; as root, as user nobody), killed with\n"
        "its children at the limit (its own PID namespace).\n"
        "  -t, --tasks FILE       the tasks (samples/eda-tasks: make eda-tasks)\n"
        "      --solutions FIELD  no GENERATIONS: each task's FIELD (e.g. reference or\n"
        "                         mutant) is its one sample\n"
        "  -k LIST                pass@k for these k (default: 1, and 5 and 10 where\n"
        "                         every task has that many samples)\n"
        "      --timeout S        seconds each command may run (default 20)\n"
        "      --mem BYTES        address space each process may have (default 4Gi)\n"
        "  -j, --jobs N           runs at once (default: all cores)\n"
        "      --keep DIR         run in DIR/ID.N (made; must not hold them) and keep\n"
        "                         them, instead of temporary directories\n"
        "      --details FILE     per sample JSONL: id, sample, kind, level, verdict\n"
        "                         (pass, fail, timeout, signal), stage, code, seconds,\n"
        "                         isolated, and the end of the failing command's log\n"
        "      --bootstrap N      resamples (default 1000)\n"
        "      --seed N           the resamples' seed (default 1234)\n",
        "report: the score lines of the other commands and the trainers' logs\n"
        "({\"step\", \"loss\"} lines: a file whose first line has them) as one report,\n"
        "DIR/index.html (self-contained: inline SVG plots, no script) and DIR/report.md,\n"
        "laid out by SPEC: ChipNeMo's claims, each with the paper's figure and this\n"
        "run's; loss curves; bar charts with intervals. Each drawn value is the one\n"
        "line that fits its plot's, group's and series' matches (key: shell pattern,\n"
        "number, boolean, or null for absent; a line that fits twice is an error, none\n"
        "a gap and a warning) and names it (data-src=\"FILE:LINE\"). The claims go to\n"
        "stdout as a table. The spec's format: libcore/data/report.h; the recipe's:\n"
        "pipelines/report.json.\n"
        "      --spec FILE        the layout (JSON)\n"
        "  -o, --output DIR       the report's directory (made; index.html and report.md\n"
        "                         written atomically)\n",
    };
    static const char *const names[] = {"tokens", "ppl", "unigram", "mc", "exact", "retrieval", "gen", "exec", "report"};
    enum { NCMD = sizeof names / sizeof *names };
    int k = -1;
    for (int i = 0; cmd && i < NCMD; i++)
        if (strcmp(cmd, names[i]) == 0) k = i;
    if (k < 0) {
        for (int i = 0; i < NCMD; i++) printf("%s %s %s\n", i ? "      " : "Usage:", cn_prog, line[i]);
        printf("\n");
        for (int i = 0; i < NCMD; i++) { /* each command's first sentence */
            const char *e = text[i];
            while (e[1] && !(e[0] == '.' && (e[1] == ' ' || e[1] == '\n'))) e++;
            printf("%.*s\n\n", (int)(e - text[i] + 1), text[i]);
        }
        printf("%s CMD --help: that command's options.\n"
               "  -h, --help             this help\n"
               "      --version          print the version\n",
               cn_prog);
        exit(0);
    }
    printf("Usage: %s %s\n\n%s", cn_prog, line[k], text[k]);
    if (k != 2 && k != 8) printf("  -o, --output FILE      write FILE (atomically) instead of stdout\n");
    printf("  -q, --quiet            no progress line\n"
           "  -h, --help             this help\n"
           "      --version          print the version\n");
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
        const char *kd = cn_jsonl_label(j, "kind");
        kinds[n] = kind_of(t, kd ? kd : "-");
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

/* --bootstrap's resamples: from 100 (an interval of fewer means little) */
static uint64_t opt_bootstrap(const char *arg) {
    uint64_t b = cn_opt_u64("--bootstrap", arg);
    if (b < 100 || b > 1000000) cn_usage_error("option --bootstrap: from 100 to 1000000");
    return b;
}

static void put(cn_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(cn_out *out, const char *fmt, ...) {
    char *line;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&line, fmt, ap); /* whole, however long the paths in it */
    va_end(ap);
    if (n < 0) cn_die("out of memory");
    if (cn_out_write(out, line, (size_t)n)) {
        cn_out_abort(out);
        cn_die_status();
    }
    free(line);
}

/* s as a JSON string literal (malloc'd) */
static char *jstr(const char *s) {
    char *lit = cn_json_quote_dup(s);
    if (!lit) cn_die("out of memory");
    return lit;
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
    if (cn_model_loss(p->m, &bt, &loss)) cn_die_status();
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

/* DIR's LLaMA-class model on the device, in the precision, and its
 * directory md (flags: cn_mdir_open's; what: the task, for the error) */
static cn_model *load_llama(const char *dir, int flags, const char *device, cn_precision prec, const char *what, cn_mdir *md) {
    if (cn_mdir_open(md, dir, NULL, flags)) cn_die_status();
    const cn_config *cfg = &md->c;
    if (cfg->arch != CN_ARCH_LLAMA) cn_die("%s: %s is for LLaMA-class models", dir, what);
    cn_model *m = cn_model_new(cfg, cn_tool_device(device));
    if (!m || cn_model_load(m, dir) || cn_model_set_precision(m, prec)) cn_die_status();
    return m;
}

/* ppl's progress through a file: documents, and where the share done is
 * known (frac > 0: documents of a shard, bytes of an uncompressed file) the
 * percentage and the time left at the rate so far */
static void ppl_progress(const char *file, uint64_t docs, uint64_t total, double frac, double t0) {
    if (frac <= 0) {
        cn_progress_update(&prog, 0, "cn-score: %s: %llu documents", file, (unsigned long long)docs);
        return;
    }
    double dt = cn_now() - t0;
    char of[48] = "";
    if (total) snprintf(of, sizeof of, "/%llu", (unsigned long long)total);
    cn_progress_update(&prog, 0, "cn-score: %s: %llu%s documents, %.1f%%, ETA %.0f s", file, (unsigned long long)docs, of,
                       100 * frac, frac < 1 ? dt * (1 - frac) / frac : 0.0);
}

static int ppl_main(int argc, char **argv) {
    const char *dir = NULL, *out_path = NULL, *field = "text", *device = NULL;
    int t = 256, b = 8, quiet = 0, literal = 1;
    cn_precision prec = CN_PREC_FP32;
    enum { O_SEQ = 256, O_BATCH, O_FIELD, O_DEVICE, O_PREC, O_VERSION };
    static const struct option longs[] = {
        {"model", required_argument, 0, 'm'}, {"seq-len", required_argument, 0, O_SEQ}, {"batch", required_argument, 0, O_BATCH},
        {"field", required_argument, 0, O_FIELD}, {"device", required_argument, 0, O_DEVICE},
        {"precision", required_argument, 0, O_PREC}, {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "m:o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'm': dir = optarg; break;
        case O_SEQ: t = (int)cn_opt_u64("--seq-len", optarg); break;
        case O_BATCH: b = (int)cn_opt_u64("--batch", optarg); break;
        case O_FIELD: field = optarg; break;
        case O_DEVICE: device = cn_opt_device("--device", optarg); break;
        case O_PREC: prec = cn_opt_precision("--precision", optarg); break;
        case 'o': out_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage("ppl");
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (!dir) cn_usage_error("no model: give --model DIR");
    if (optind >= argc) cn_usage_error("no data: give shards or JSONL files");
    if (t < 1 || b < 1) cn_usage_error("--seq-len and --batch must be at least 1");
    cn_mdir md; /* a tokenizer for JSONL only: shards score without one */
    cn_model *m = load_llama(dir, 0, device, prec, "ppl", &md);
    if (cn_model_batch(m, b, t)) cn_die_status();
    cn_tok *tok = md.tok;
    int64_t bos = md.bos, eos = md.eos;
    ppl_ctx p = {m, t, b, 0, malloc((size_t)b * t * 4), malloc((size_t)b * t * 4), 0, 0};
    cn_progress_begin(&prog, quiet);
    cn_out *out = cn_out_open(out_path, 0);
    if (!out) cn_die_status();
    int32_t *seq = NULL;
    size_t cap = 0;
    for (int f = optind; f < argc; f++) {
        uint64_t docs = 0, bytes = 0;
        double t0 = cn_now();
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
            if (!tok) cn_die("%s: JSONL needs %s/tokenizer.json", argv[f], dir);
            cn_in *in = cn_in_open(argv[f]);
            if (!in) cn_die_status();
            uint64_t size = 0; /* an uncompressed file's: the share read */
            struct stat sb;
            if (!cn_in_zstd(in) && stat(argv[f], &sb) == 0 && S_ISREG(sb.st_mode)) size = (uint64_t)sb.st_size;
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
                ppl_progress(argv[f], docs, 0, size ? (double)cn_in_pos(in) / (double)size : 0, t0);
            }
            if (st != CN_EOF) cn_die_status();
            cn_ids_free(&ids);
            cn_jsonl_free(j);
            cn_in_close(in);
        } else {
            cn_docsrc_opts so = {.eos = CN_MEGATRON_EOS_AUTO, .random = 1}; /* indexed where it can be: the total, for the progress line */
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
            uint64_t total = cn_docsrc_random(src) ? cn_docsrc_count(src) : 0;
            while ((st = cn_docsrc_next(src, &d)) == CN_OK) {
                for (uint32_t k = 0; k < d.n; k++)
                    if (cn_doc_id(&d, k) >= (uint32_t)md.c.vocab) cn_die("%s: token id %u beyond the model's vocabulary", argv[f], cn_doc_id(&d, k));
                PUSH_SEQ(d.n, cn_doc_id(&d, (uint32_t)k));
                docs++, bytes += d.text_bytes;
                ppl_progress(argv[f], docs, total, total ? (double)docs / (double)total : 0, t0);
            }
            if (st != CN_EOF) cn_die_status();
            cn_docsrc_close(src);
        }
#undef PUSH_SEQ
        ppl_flush(&p);
        char *data = jstr(argv[f]), *model = jstr(dir);
        double loss = p.count ? p.nll / p.count : 0;
        const char *fmt = "{\"task\": \"ppl\", \"metric\": \"%s\", \"value\": %.17g, \"n\": %llu, \"model\": %s, \"data\": %s}\n";
        put(out, fmt, "loss", loss, (unsigned long long)docs, model, data);
        put(out, fmt, "ppl", exp(loss), (unsigned long long)docs, model, data);
        put(out, fmt, "bits_per_byte", bytes ? p.nll / log(2.0) / (double)bytes : 0.0, (unsigned long long)docs, model, data);
        put(out, fmt, "tokens", p.count, (unsigned long long)docs, model, data);
        put(out, fmt, "bytes", (double)bytes, (unsigned long long)docs, model, data);
        free(data), free(model);
    }
    cn_progress_end(&prog);
    if (cn_out_commit(out)) cn_die_status();
    free(seq), free(p.ids), free(p.tg);
    cn_mdir_close(&md);
    cn_model_free(m);
    return 0;
}

/* ---- unigram: the baseline a language model must beat ---- */

static int unigram_main(int argc, char **argv) {
    const char *train = NULL;
    int quiet = 0;
    static const struct option longs[] = {
        {"train", required_argument, 0, 'T'}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "qh", longs, NULL)) != -1) {
        if (c == 'T') train = optarg;
        else if (c == 'q') quiet = 1;
        else if (c == 'h') usage("unigram");
        else if (c == 'V') cn_print_version();
        else cn_usage_error("unknown option");
    }
    if (!train || optind >= argc) cn_usage_error("unigram needs --train SHARD and the shards to score");
    cn_progress_begin(&prog, quiet);
    cn_docsrc_opts so = {.eos = CN_MEGATRON_EOS_AUTO};
    cn_docsrc *src = cn_docsrc_open(train, &so);
    if (!src) cn_die_status();
    int has;
    cn_unigram u;
    if (cn_unigram_init(&u, cn_docsrc_info(src, &has)->vocab_size)) cn_die_status();
    cn_doc d;
    cn_status st;
    uint64_t ndoc = 0;
    while ((st = cn_docsrc_next(src, &d)) == CN_OK) {
        cn_unigram_add(&u, &d);
        cn_progress_update(&prog, 0, "cn-score: %s: %llu documents counted", train, (unsigned long long)++ndoc);
    }
    if (st != CN_EOF) cn_die_status();
    cn_docsrc_close(src);
    cn_out *out = cn_out_open(NULL, 0);
    for (int f = optind; f < argc; f++) {
        cn_docsrc *s = cn_docsrc_open(argv[f], &so);
        if (!s) cn_die_status();
        double nll = 0, tokens = 0, bytes = 0, docs = 0;
        while ((st = cn_docsrc_next(s, &d)) == CN_OK) {
            cn_unigram_score(&u, &d, &nll);
            tokens += d.n, bytes += d.text_bytes, docs++;
            cn_progress_update(&prog, 0, "cn-score: %s: %.0f documents scored", argv[f], docs);
        }
        if (st != CN_EOF) cn_die_status();
        cn_docsrc_close(s);
        char *data = jstr(argv[f]), *model = jstr(train);
        const char *fmt = "{\"task\": \"unigram\", \"metric\": \"%s\", \"value\": %.17g, \"n\": %.0f, \"model\": %s, \"data\": %s}\n";
        put(out, fmt, "loss", tokens ? nll / tokens : 0.0, docs, model, data);
        put(out, fmt, "bits_per_byte", bytes ? nll / log(2.0) / bytes : 0.0, docs, model, data);
        free(data), free(model);
    }
    cn_progress_end(&prog);
    cn_unigram_free(&u);
    if (cn_out_commit(out)) cn_die_status();
    return 0;
}

/* ---- mc: multiple-choice accuracy by log-likelihood (libcore eval) ---- */

typedef struct {
    cn_mc_opts q;      /* how questions become requests */
    cn_model *m;
    int tokens, pad;   /* cn_eval_loglik's batch */
    cn_out *details;
    const char *model;
    /* --rag: the retriever, passages a question, and the current file's
     * passages in each prompt (k rows a question, the first used[i] in it) */
    cn_retr *rt;
    const char *rag; /* its index, as given */
    int bm25;        /* ranked by BM25, not by the index's vectors */
    int k;
    int64_t *rows;
    int *used;
} mc_run;

typedef struct {
    const char *path;
    size_t base, nq, total; /* questions before this chunk, in it, in the file */
} mc_prog;

static void mc_progress(void *arg, size_t done, size_t total) {
    const mc_prog *p = arg;
    size_t q = p->base + (total ? done * p->nq / total : 0);
    double dt = cn_now() - prog.t0;
    cn_progress_update(&prog, 0, "cn-score: %s: %zu/%zu questions, %.1f/s", p->path, q, p->total, dt > 0 ? (double)q / dt : 0.0);
}

#define MC_CHUNK 128 /* questions a call to cn_eval_loglik */

/* a question's line of --details */
static void mc_detail(const mc_run *o, const cn_mc_item *it, size_t i, const cn_eval_res *res, const cn_mc_pred *p, const size_t *shots,
                      const char *data) {
    cn_out *d = o->details;
    put(d, "{\"data\": %s, \"index\": %zu, \"line\": %llu, \"answer\": %d, \"pred\": %d, \"pred_norm\": %d, \"lls\": [", data, i,
        (unsigned long long)it->line, it->answer, p->pred, p->pred_norm);
    for (int k = 0; k < it->nch; k++) put(d, "%s%.17g", k ? ", " : "", res[k].ll);
    put(d, "], \"greedy\": [");
    for (int k = 0; k < it->nch; k++) put(d, "%s%s", k ? ", " : "", res[k].greedy ? "true" : "false");
    put(d, "], \"shots\": [");
    for (int k = 0; k < o->q.shots; k++) put(d, "%s%zu", k ? ", " : "", shots[k]);
    put(d, "], \"truncated\": %s", p->truncated ? "true" : "false");
    if (o->rt) {
        put(d, ", \"passages\": [");
        for (int k = 0; k < o->used[i]; k++) put(d, "%s%lld", k ? ", " : "", (long long)o->rows[i * (size_t)o->k + (size_t)k]);
        put(d, "]");
    }
    put(d, "}\n");
}

typedef struct {
    const mc_run *o;
    cn_mc_set *set;
    size_t i;
} mc_asking;

/* the tokens of question i's longest request asked as msg */
static cn_status mc_count(void *arg, const char *msg, size_t len, size_t *tokens) {
    mc_asking *a = arg;
    cn_mc_item *it = &a->set->v[a->i];
    it->asked = (char *)msg, it->askedlen = len;
    cn_status st = cn_mc_longest(&a->o->q, a->set, a->i, tokens);
    it->asked = NULL, it->askedlen = 0;
    return st;
}

/* --rag: each question of set asked after the passages that fit the window */
static void mc_retrieve(mc_run *o, cn_mc_set *set) {
    free(o->rows), free(o->used);
    o->rows = malloc((set->n * (size_t)o->k + 1) * sizeof *o->rows), o->used = calloc(set->n + 1, sizeof *o->used);
    float *score = malloc(((size_t)o->k + 1) * sizeof *score);
    if (!o->rows || !o->used || !score) cn_die("out of memory");
    for (size_t i = 0; i < set->n; i++) {
        cn_mc_item *it = &set->v[i];
        int64_t *rows = o->rows + i * (size_t)o->k;
        mc_asking a = {o, set, i};
        cn_ragctx c;
        cn_status st = cn_retr_fit(o->rt, it->q, it->qlen, o->k, (size_t)o->q.window, mc_count, &a, rows, score, &c);
        if (st == CN_ERANGE) continue; /* asked plainly: truncated from the left, as without --rag */
        if (st) cn_die("%s:%llu: %s", set->path, (unsigned long long)it->line, cn_errmsg());
        /* the prompt's passages, in its order (rank order, repeats left
         * out: from[k] >= k, so in place) */
        for (int k = 0; k < c.n; k++) rows[k] = rows[c.from[k]];
        o->used[i] = c.n;
        if (c.n) it->asked = c.msg, it->askedlen = c.len, c.msg = NULL;
        cn_ragctx_free(&c);
        mc_prog pg = {set->path, i, 1, set->n};
        mc_progress(&pg, 1, 1);
    }
    free(score);
}

/* scores one file's questions and prints its three lines */
static void mc_score(mc_run *o, cn_mc_set *set, cn_out *out) {
    if (o->rt) mc_retrieve(o, set);
    cn_mc_tally t = {0};
    char *data = jstr(set->path), *model = jstr(o->model);
    for (size_t c0 = 0; c0 < set->n; c0 += MC_CHUNK) {
        cn_mc_chunk ch = {.c0 = c0, .nq = set->n - c0 < MC_CHUNK ? set->n - c0 : MC_CHUNK};
        if (cn_mc_chunk_build(&o->q, set, &ch)) cn_die_status();
        mc_prog pg = {set->path, c0, ch.nq, set->n};
        cn_eval_opts eo = {o->tokens, o->pad, mc_progress, &pg};
        if (cn_eval_loglik(o->m, ch.req, ch.nr, &eo, ch.res)) cn_die("%s: %s", set->path, cn_errmsg());
        const cn_eval_res *res = ch.res;
        for (size_t i = c0; i < c0 + ch.nq; res += set->v[i].nch, i++) {
            cn_mc_pred p;
            cn_mc_predict(&set->v[i], res, &p);
            cn_mc_tally_add(&t, &set->v[i], &p);
            if (o->details) mc_detail(o, &set->v[i], i, res, &p, ch.shots + (i - c0) * (size_t)o->q.shots, data);
        }
        cn_mc_chunk_free(&ch);
    }
    if (t.truncated) {
        cn_progress_interrupt();
        fprintf(stderr, "%s: warning: %s: %zu of %zu questions longer than the model's window of %d tokens, truncated from the left\n",
                cn_prog, set->path, t.truncated, set->n, o->q.window);
    }
    /* how the questions were asked: with --rag, the index and passages */
    char *rag = o->rt ? jstr(o->rag) : NULL, *how;
    if (asprintf(&how, "\"shots\": %d%s", o->q.shots, o->q.chat ? ", \"chat\": true" : "") < 0) cn_die("out of memory");
    if (rag) {
        char *x;
        if (asprintf(&x, "%s, \"rag\": %s, \"passages\": %d%s", how, rag, o->k, o->bm25 ? ", \"bm25\": true" : "") < 0)
            cn_die("out of memory");
        free(how), how = x;
    }
    const char *fmt = "{\"task\": \"mc\", \"metric\": \"%s\", \"value\": %.17g, \"n\": %zu, \"model\": %s, \"data\": %s, "
                      "\"stderr\": %.17g, \"ci95\": [%.17g, %.17g], \"ci95_method\": \"wilson\", \"correct\": %.0f, "
                      "%s, \"truncated\": %zu}\n";
    cn_eval_prop p;
    cn_eval_proportion(t.acc, (double)set->n, &p);
    put(out, fmt, "acc", p.mean, set->n, model, data, p.se, p.lo, p.hi, t.acc, how, t.truncated);
    cn_eval_proportion(t.acc_norm, (double)set->n, &p);
    put(out, fmt, "acc_norm", p.mean, set->n, model, data, p.se, p.lo, p.hi, t.acc_norm, how, t.truncated);
    put(out, "{\"task\": \"mc\", \"metric\": \"chance\", \"value\": %.17g, \"n\": %zu, \"model\": %s, \"data\": %s, %s}\n",
        t.chance / (double)set->n, set->n, model, data, how);
    free(data), free(model), free(how), free(rag);
}

static int mc_main(int argc, char **argv) {
    const char *dir = NULL, *out_path = NULL, *dev_path = NULL, *details_path = NULL, *device = NULL;
    cn_precision prec = CN_PREC_FP32;
    int quiet = 0, literal = 0;
    uint64_t limit = 0;
    mc_run o = {.q.seed = 1234, .tokens = 2048};
    o.q.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (o.q.threads < 1) o.q.threads = 1;
    enum { O_SHOTS = 256, O_DEV, O_SEED, O_LIMIT, O_THREADS, O_TOKENS, O_NOPACK, O_DETAILS, O_LITERAL, O_CHAT, O_DEVICE, O_PREC, O_VERSION,
           O_RAG, O_PASSAGES, O_EMBED, O_BM25 };
    const char *rag = NULL, *embed = NULL;
    int passages = -1, bm25 = 0;
    static const struct option longs[] = {
        {"model", required_argument, 0, 'm'}, {"shots", required_argument, 0, O_SHOTS}, {"dev", required_argument, 0, O_DEV},
        {"chat", no_argument, 0, O_CHAT}, {"bm25", no_argument, 0, O_BM25},
        {"seed", required_argument, 0, O_SEED}, {"limit", required_argument, 0, O_LIMIT}, {"threads", required_argument, 0, O_THREADS},
        {"batch-tokens", required_argument, 0, O_TOKENS}, {"no-pack", no_argument, 0, O_NOPACK},
        {"details", required_argument, 0, O_DETAILS}, {"literal-special", no_argument, 0, O_LITERAL},
        {"device", required_argument, 0, O_DEVICE}, {"precision", required_argument, 0, O_PREC},
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {"rag", required_argument, 0, O_RAG}, {"passages", required_argument, 0, O_PASSAGES},
        {"embed", required_argument, 0, O_EMBED}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "m:o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'm': dir = optarg; break;
        case O_RAG: rag = optarg; break;
        case O_EMBED: embed = optarg; break;
        case O_PASSAGES: {
            uint64_t v = cn_opt_u64("--passages", optarg);
            if (v < 1 || v > 64) cn_usage_error("option --passages: between 1 and 64");
            passages = (int)v;
            break;
        }
        case O_SHOTS: {
            uint64_t v = cn_opt_u64("--shots", optarg);
            if (v > 1000) cn_usage_error("option --shots: at most 1000");
            o.q.shots = (int)v;
            break;
        }
        case O_DEV: dev_path = optarg; break;
        case O_SEED: o.q.seed = cn_opt_u64("--seed", optarg); break;
        case O_LIMIT:
            if (!(limit = cn_opt_u64("--limit", optarg))) cn_usage_error("option --limit: at least 1");
            break;
        case O_THREADS: {
            uint64_t v = cn_opt_u64("--threads", optarg);
            if (v < 1 || v > 1024) cn_usage_error("option --threads: between 1 and 1024");
            o.q.threads = (int)v;
            break;
        }
        case O_TOKENS: {
            uint64_t v = cn_opt_u64("--batch-tokens", optarg);
            if (v < 1 || v > (1u << 30)) cn_usage_error("option --batch-tokens: between 1 and 1G");
            o.tokens = (int)v;
            break;
        }
        case O_NOPACK: o.pad = 1; break;
        case O_DETAILS: details_path = optarg; break;
        case O_LITERAL: literal = 1; break;
        case O_CHAT: o.q.chat = 1; break;
        case O_BM25: bm25 = 1; break;
        case O_DEVICE: device = cn_opt_device("--device", optarg); break;
        case O_PREC: prec = cn_opt_precision("--precision", optarg); break;
        case 'o': out_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage("mc");
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (!dir) cn_usage_error("no model: give --model DIR");
    if (optind >= argc) cn_usage_error("no data: give JSONL files of questions");
    if (o.q.chat && literal) cn_usage_error("--chat needs the template's special tokens: no --literal-special with it");
    if (o.q.shots && !dev_path) cn_usage_error("--shots needs --dev FILE, the examples to draw from");
    if (!rag && (embed || passages >= 0 || bm25)) cn_usage_error("--embed, --passages and --bm25 are for retrieval: give --rag INDEX");
    if (bm25 && embed) cn_usage_error("--bm25 ranks without an encoder: no --embed with it");
    omp_set_num_threads(o.q.threads);
    /* every input read and checked before the model is loaded */
    cn_mc_set dev = {0}, *sets = calloc((size_t)(argc - optind), sizeof *sets);
    if (!sets) cn_die("out of memory");
    if (o.q.shots && cn_mc_read(dev_path, 0, &dev)) cn_die_status();
    if (o.q.shots) o.q.dev = &dev;
    for (int f = optind; f < argc; f++)
        if (cn_mc_read(argv[f], limit, &sets[f - optind])) cn_die_status();
    cn_mdir md;
    o.m = load_llama(dir, CN_MDIR_TOKENIZER, device, prec, "mc", &md);
    const cn_config *cfg = &md.c;
    o.q.window = cfg->window > 0 && cfg->window < cfg->max_pos ? cfg->window : cfg->max_pos;
    o.q.vocab = (uint32_t)cfg->vocab;
    o.q.tok = md.tok, o.q.bos = md.bos; /* the BOS the post-processor adds */
    char *bos_s = NULL, *eos_s = NULL;
    if (o.q.chat) { /* the template of DIR/tokenizer_config.json, which puts BOS in itself */
        if (cn_chat_dir_template(dir, &o.q.tpl, &bos_s, &eos_s)) cn_die("--chat: %s", cn_errmsg());
        o.q.bos = -1, o.q.bos_s = bos_s, o.q.eos_s = eos_s;
    }
    if (!(o.q.st = calloc((size_t)o.q.threads, sizeof *o.q.st))) cn_die("out of memory");
    o.q.flags = literal ? CN_TOK_LITERAL_SPECIAL : 0;
    o.model = dir;
    if (rag) {
        if (!(o.rt = bm25 ? cn_retr_open_bm25(rag, 0.9, 0.4) : cn_retr_open(rag, embed, cn_tool_device(device)))) cn_die_status();
        o.bm25 = bm25;
        o.rag = rag;
        int64_t n = cn_vindex_count(cn_retr_index(o.rt));
        o.k = passages < 0 ? 4 : passages;
        if (o.k > n) o.k = (int)n;
    }
    cn_progress_begin(&prog, quiet);
    cn_out *out = cn_out_open(out_path, 0);
    if (!out) cn_die_status();
    if (details_path && !(o.details = cn_out_open(details_path, 0))) cn_die_status();
    for (int f = optind; f < argc; f++) mc_score(&o, &sets[f - optind], out);
    cn_progress_end(&prog);
    cn_out *outs[2] = {out, o.details}; /* a failed stdout: no details either, and the other way round */
    if (cn_out_commit_all(outs, 2)) cn_die_status();
    for (int f = optind; f < argc; f++) cn_mc_free(&sets[f - optind]);
    free(sets);
    free(bos_s), free(eos_s);
    cn_mc_free(&dev);
    for (int i = 0; i < o.q.threads; i++) cn_tok_state_free(o.q.st[i]);
    free(o.q.st);
    cn_mdir_close(&md);
    cn_model_free(o.m);
    cn_retr_close(o.rt);
    free(o.rows), free(o.used);
    return 0;
}

/* ---- retrieval ---- */

/* the cut-offs of a list "1,3,5" */
static int parse_cutoffs(const char *list, int *k) {
    int n = 0;
    const char *p = list;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 1000 || (*end && *end != ',')) cn_usage_error("option --cutoffs: numbers from 1 to 1000 separated by commas");
        if (n == CN_IR_MAXK) cn_usage_error("option --cutoffs: at most %d", CN_IR_MAXK);
        k[n++] = (int)v;
        p = *end ? end + 1 : end;
    }
    if (!n) cn_usage_error("option --cutoffs: at least one");
    return n;
}

static int retrieval_main(int argc, char **argv) {
    const char *qrels = NULL, *other = NULL, *out_path = NULL, *details_path = NULL, *cut = "1,3,5,8,10";
    uint64_t seed = 1234, boot = 1000;
    enum { O_COMPARE = 256, O_BOOT, O_SEED, O_DETAILS, O_VERSION };
    static const struct option longs[] = {
        {"qrels", required_argument, 0, 'r'}, {"cutoffs", required_argument, 0, 'k'}, {"compare", required_argument, 0, O_COMPARE},
        {"bootstrap", required_argument, 0, O_BOOT}, {"seed", required_argument, 0, O_SEED}, {"details", required_argument, 0, O_DETAILS},
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "r:k:o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'r': qrels = optarg; break;
        case 'k': cut = optarg; break;
        case O_COMPARE: other = optarg; break;
        case O_BOOT: boot = opt_bootstrap(optarg); break;
        case O_SEED: seed = cn_opt_u64("--seed", optarg); break;
        case O_DETAILS: details_path = optarg; break;
        case 'o': out_path = optarg; break;
        case 'q': break; /* nothing is slow enough for a progress line */
        case 'h': usage("retrieval");
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (!qrels) cn_usage_error("no judgements: give --qrels QRELS.tsv");
    if (optind + 1 != argc) cn_usage_error("give one RESULTS.jsonl (a second one with --compare)");
    int k[CN_IR_MAXK], nk = parse_cutoffs(cut, k);
    const char *run[2] = {argv[optind], other};
    cn_ir_scores s[2];
    for (int r = 0; r < 1 + !!other; r++) {
        if (cn_ir_evaluate(qrels, run[r], k, nk, &s[r])) cn_die_status();
        if (s[r].missing) fprintf(stderr, "%s: %s: %zu of %zu judged queries have no result (scored 0)\n", cn_prog, run[r], s[r].missing, s[r].nq);
        if (s[r].unjudged) fprintf(stderr, "%s: %s: %zu queries not in %s (left out)\n", cn_prog, run[r], s[r].unjudged, qrels);
    }
    cn_out *out = cn_out_open(out_path, 0), *det = details_path ? cn_out_open(details_path, 0) : NULL;
    if (!out || (details_path && !det)) cn_die_status();
    char *data = jstr(qrels);
    const char *fmt = "{\"task\": \"retrieval\", \"metric\": \"%s\", \"value\": %.17g, \"n\": %zu, \"model\": %s, \"data\": %s, \"ci95\": [%.17g, %.17g]";
    for (int r = 0; r < 1 + !!other; r++) {
        char *model = jstr(run[r]);
        for (int m = 0; m < s[r].nmetric; m++) {
            double mean, lo, hi;
            cn_ir_bootstrap(s[r].v + m, s[r].nq, (size_t)s[r].nmetric, (int)boot, seed, &mean, &lo, &hi);
            put(out, fmt, s[r].metric[m], mean, s[r].nq, model, data, lo, hi);
            put(out, "}\n");
        }
        free(model);
    }
    if (other) { /* B - A, paired by query */
        if (s[0].nq != s[1].nq) cn_die("%s and %s: judged queries differ", run[0], run[1]);
        char *model = jstr(run[1]), *versus = jstr(run[0]);
        for (int m = 0; m < s[0].nmetric; m++) {
            double lo, hi, p, d = cn_ir_paired(s[0].v + m, s[1].v + m, s[0].nq, (size_t)s[0].nmetric, (int)boot, seed, &lo, &hi, &p);
            put(out, fmt, s[0].metric[m], d, s[0].nq, model, data, lo, hi);
            put(out, ", \"versus\": %s, \"p\": %.17g}\n", versus, p);
        }
        free(model), free(versus);
    }
    for (size_t i = 0; det && i < s[0].nq; i++) { /* per query: A's values (and B's) */
        char *q = jstr(s[0].query[i]);
        put(det, "{\"query\": %s", q);
        for (int r = 0; r < 1 + !!other; r++)
            for (int m = 0; m < s[r].nmetric; m++) put(det, ", \"%s%s\": %.17g", other ? (r ? "B " : "A ") : "", s[r].metric[m], s[r].v[i * (size_t)s[r].nmetric + m]);
        put(det, "}\n");
        free(q);
    }
    cn_out *outs[2] = {out, det};
    if (cn_out_commit_all(outs, 2)) cn_die_status();
    free(data);
    for (int r = 0; r < 1 + !!other; r++) cn_ir_scores_free(&s[r]);
    return 0;
}

/* ---- exact ---- */

static int exact_main(int argc, char **argv) {
    const char *out_path = NULL;
    int quiet = 0;
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:qh", longs, NULL)) != -1) {
        if (c == 'o') out_path = optarg;
        else if (c == 'q') quiet = 1;
        else if (c == 'h') usage("exact");
        else if (c == 'V') cn_print_version();
        else cn_usage_error("unknown option");
    }
    if (optind >= argc) cn_usage_error("no answers: give the JSONL files cn-rag chat wrote");
    cn_progress_begin(&prog, quiet);
    cn_out *out = cn_out_open(out_path, 0);
    if (!out) cn_die_status();
    for (int f = optind; f < argc; f++) {
        cn_in *in = cn_in_open(argv[f]);
        if (!in) cn_die_status();
        cn_jsonl *j = cn_jsonl_new(in, 0);
        cJSON *o;
        cn_status st;
        uint64_t n = 0, right = 0, empty = 0;
        while ((st = cn_jsonl_next(j, &o)) == CN_OK) {
            char *where;
            if (asprintf(&where, "%s:%llu", argv[f], (unsigned long long)cn_jsonl_line(j)) < 0) cn_die("out of memory");
            int hit, blank;
            if (cn_eval_exact(o, where, &hit, &blank)) cn_die_status();
            free(where);
            n++, right += (uint64_t)hit, empty += (uint64_t)blank;
            cn_progress_update(&prog, 0, "cn-score: %s: %llu answers", argv[f], (unsigned long long)n);
        }
        if (st != CN_EOF) cn_die_status();
        cn_jsonl_free(j);
        cn_in_close(in);
        if (!n) cn_die("%s: no answers", argv[f]);
        char *data = jstr(argv[f]);
        const char *fmt = "{\"task\": \"exact\", \"metric\": \"%s\", \"value\": %.17g, \"n\": %llu, \"data\": %s}\n";
        put(out, fmt, "exact_match", (double)right / (double)n, (unsigned long long)n, data);
        put(out, fmt, "empty", (double)empty / (double)n, (unsigned long long)n, data);
        free(data);
    }
    cn_progress_end(&prog);
    if (cn_out_commit(out)) cn_die_status();
    return 0;
}

/* ---- gen: generated answers against references (libcore eval_gen) ---- */

static int gen_main(int argc, char **argv) {
    const char *out_path = NULL, *details_path = NULL;
    int quiet = 0;
    uint64_t boot = 1000, seed = 1234;
    enum { O_DETAILS = 256, O_BOOT, O_SEED, O_VERSION };
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"details", required_argument, 0, O_DETAILS}, {"bootstrap", required_argument, 0, O_BOOT}, {"seed", required_argument, 0, O_SEED},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'q': quiet = 1; break;
        case O_DETAILS: details_path = optarg; break;
        case O_BOOT: boot = opt_bootstrap(optarg); break;
        case O_SEED: seed = cn_opt_u64("--seed", optarg); break;
        case 'h': usage("gen");
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (optind >= argc) cn_usage_error("no answers: give the JSONL files cn-rag ask or chat wrote");
    cn_progress_begin(&prog, quiet);
    cn_out *out = cn_out_open(out_path, 0), *det = NULL;
    if (!out || (details_path && !(det = cn_out_open(details_path, 0)))) cn_die_status();
    static const char *const metric[3] = {"exact_match", "token_f1", "rouge_l"};
    for (int f = optind; f < argc; f++) {
        cn_in *in = cn_in_open(argv[f]);
        if (!in) cn_die_status();
        cn_jsonl *j = cn_jsonl_new(in, 0);
        cJSON *o;
        cn_status st;
        double *v = NULL;
        size_t n = 0, cap = 0;
        char *data = jstr(argv[f]);
        while ((st = cn_jsonl_next(j, &o)) == CN_OK) {
            char *where;
            if (asprintf(&where, "%s:%llu", argv[f], (unsigned long long)cn_jsonl_line(j)) < 0) cn_die("out of memory");
            const char *a;
            const cJSON *refs;
            cn_textsim t;
            if (cn_eval_answer(o, where, &a, &refs) || cn_eval_textsim(a, refs, &t)) cn_die_status();
            free(where);
            if (n == cap) {
                double *x = realloc(v, (cap = cap ? 2 * cap : 256) * 3 * sizeof *v);
                if (!x) cn_die("out of memory");
                v = x;
            }
            v[3 * n] = t.exact_match, v[3 * n + 1] = t.token_f1, v[3 * n + 2] = t.rouge_l;
            if (det)
                put(det, "{\"data\": %s, \"line\": %llu, \"exact_match\": %.17g, \"token_f1\": %.17g, \"rouge_l\": %.17g}\n", data,
                    (unsigned long long)cn_jsonl_line(j), t.exact_match, t.token_f1, t.rouge_l);
            n++;
            cn_progress_update(&prog, 0, "cn-score: %s: %zu answers", argv[f], n);
        }
        if (st != CN_EOF) cn_die_status();
        cn_jsonl_free(j);
        cn_in_close(in);
        if (!n) cn_die("%s: no answers", argv[f]);
        for (int m = 0; m < 3; m++) {
            double mean, lo, hi;
            cn_ir_bootstrap(v + m, n, 3, (int)boot, seed, &mean, &lo, &hi);
            put(out, "{\"task\": \"gen\", \"metric\": \"%s\", \"value\": %.17g, \"n\": %zu, \"data\": %s, \"ci95\": [%.17g, %.17g]}\n",
                metric[m], mean, n, data, lo, hi);
        }
        free(v), free(data);
    }
    cn_progress_end(&prog);
    cn_out *outs[2] = {out, det};
    if (cn_out_commit_all(outs, det ? 2 : 1)) cn_die_status();
    return 0;
}

/* ---- exec: generations run by iverilog, vvp and yosys (libcore eval_exec) ---- */

typedef struct {
    size_t task;   /* its index in the tasks */
    unsigned nth;  /* among the task's samples, from 0 */
    char *code;
    cn_exec_res res;
} exec_sample;

typedef struct {
    exec_sample *v;
    size_t n, cap;
} exec_samples;

static void exec_add(exec_samples *s, size_t task, unsigned nth, char *code) {
    if (!code) cn_die("out of memory");
    if (s->n == s->cap) {
        exec_sample *x = realloc(s->v, (s->cap = s->cap ? 2 * s->cap : 256) * sizeof *x);
        if (!x) cn_die("out of memory");
        s->v = x;
    }
    s->v[s->n++] = (exec_sample){.task = task, .nth = nth, .code = code};
}

typedef struct {
    const char *path;
    const cn_exec_set *ts;
    unsigned *count;
    exec_samples *s;
} exec_reading;

/* a generations line: a sample of the task its "id" names */
static cn_status exec_line(cn_jsonl *j, cJSON *o, void *arg) {
    exec_reading *x = arg;
    char where[512];
    snprintf(where, sizeof where, "%s:%llu", x->path, (unsigned long long)cn_jsonl_line(j));
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    const char *a;
    if (!cJSON_IsString(id)) cn_die("%s: no \"id\" string naming the task", where);
    long t = cn_exec_find(x->ts, id->valuestring);
    if (t < 0) cn_die("%s: no task \"%.60s\" in %s", where, id->valuestring, x->ts->path);
    if (cn_eval_answer(o, where, &a, NULL)) cn_die_status();
    exec_add(x->s, (size_t)t, x->count[t]++, cn_exec_code(a));
    return CN_OK;
}

static void exec_read(const char *path, const cn_exec_set *ts, unsigned *count, exec_samples *s) {
    exec_reading x = {path, ts, count, s};
    if (cn_jsonl_each(path, 0, exec_line, &x)) cn_die_status();
}

/* pass@k of each k over the tasks of one kind (-1: any) and level (NULL: any) */
static void exec_group(cn_out *out, const cn_exec_set *ts, const unsigned *n, const unsigned *c, const unsigned *ks, int nk,
                       int kind, const char *level, const char *data, const char *extra, uint64_t boot, uint64_t seed) {
    double *v = malloc(ts->n * sizeof *v);
    if (!v) cn_die("out of memory");
    char *lv = jstr(level ? level : "all");
    for (int q = 0; q < nk; q++) {
        size_t m = 0, samples = 0;
        for (size_t t = 0; t < ts->n; t++)
            if ((kind < 0 || (int)ts->v[t].kind == kind) && (!level || strcmp(ts->v[t].level, level) == 0))
                v[m++] = cn_exec_pass_at_k(n[t], c[t], ks[q]), samples += n[t];
        if (!m) break;
        double mean, lo, hi;
        cn_ir_bootstrap(v, m, 1, (int)boot, seed, &mean, &lo, &hi);
        put(out,
            "{\"task\": \"exec\", \"metric\": \"pass@%u\", \"value\": %.17g, \"n\": %zu, \"samples\": %zu, \"data\": %s%s, \"kind\": "
            "\"%s\", \"level\": %s, \"ci95\": [%.17g, %.17g]}\n",
            ks[q], mean, m, samples, data, extra, kind < 0 ? "all" : cn_exec_kind_name((cn_exec_kind)kind), lv, lo, hi);
    }
    free(lv), free(v);
}

static int exec_main(int argc, char **argv) {
    const char *out_path = NULL, *details_path = NULL, *tasks_path = NULL, *solutions = NULL, *klist = NULL;
    int quiet = 0, jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    uint64_t boot = 1000, seed = 1234;
    cn_exec_opts eo = {.wall = 20, .mem = 4ull << 30, .isolate = 1};
    enum { O_DETAILS = 256, O_BOOT, O_SEED, O_VERSION, O_SOL, O_TIMEOUT, O_MEM, O_KEEP };
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"tasks", required_argument, 0, 't'}, {"solutions", required_argument, 0, O_SOL}, {"jobs", required_argument, 0, 'j'},
        {"timeout", required_argument, 0, O_TIMEOUT}, {"mem", required_argument, 0, O_MEM}, {"keep", required_argument, 0, O_KEEP},
        {"details", required_argument, 0, O_DETAILS}, {"bootstrap", required_argument, 0, O_BOOT}, {"seed", required_argument, 0, O_SEED},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:qht:j:k:", longs, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'q': quiet = 1; break;
        case 't': tasks_path = optarg; break;
        case 'k': klist = optarg; break;
        case O_SOL: solutions = optarg; break;
        case 'j': {
            uint64_t v = cn_opt_u64("--jobs", optarg);
            if (v < 1 || v > 1024) cn_usage_error("option --jobs: between 1 and 1024");
            jobs = (int)v;
            break;
        }
        case O_TIMEOUT:
            eo.wall = cn_opt_double("--timeout", optarg);
            if (!(eo.wall > 0 && eo.wall <= 86400)) cn_usage_error("option --timeout: seconds, above 0 and at most 86400");
            break;
        case O_MEM:
            eo.mem = cn_opt_u64("--mem", optarg);
            if (eo.mem && eo.mem < (64u << 20)) cn_usage_error("option --mem: at least 64Mi (0: no limit)");
            break;
        case O_KEEP: eo.keep = optarg; break;
        case O_DETAILS: details_path = optarg; break;
        case O_BOOT: boot = opt_bootstrap(optarg); break;
        case O_SEED: seed = cn_opt_u64("--seed", optarg); break;
        case 'h': usage("exec");
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (!tasks_path) cn_usage_error("no tasks: give --tasks FILE");
    if (solutions && optind < argc) cn_usage_error("--solutions takes the samples from the tasks: no GENERATIONS then");
    if (!solutions && optind >= argc) cn_usage_error("no generations: give the JSONL files of the answers, or --solutions FIELD");
    cn_exec_set ts;
    if (cn_exec_read(tasks_path, &ts)) cn_die_status();
    unsigned *n = calloc(ts.n, sizeof *n), *pass = calloc(ts.n, sizeof *pass), ks[16], nk = 0, nmin = UINT32_MAX;
    if (!n || !pass) cn_die("out of memory");
    exec_samples s = {0};
    if (solutions) {
        for (size_t t = 0; t < ts.n; t++) {
            const cJSON *f = cJSON_GetObjectItemCaseSensitive(ts.v[t].rec, solutions);
            if (!cJSON_IsString(f)) cn_die("%s:%llu: no \"%s\" string (--solutions)", tasks_path, (unsigned long long)ts.v[t].line, solutions);
            exec_add(&s, t, n[t]++, cn_exec_code(f->valuestring));
        }
    } else {
        for (int f = optind; f < argc; f++) exec_read(argv[f], &ts, n, &s);
    }
    int need[2] = {0, 0};
    for (size_t t = 0; t < ts.n; t++) {
        if (!n[t]) cn_die("%s:%llu: task %s has no samples in the generations", tasks_path, (unsigned long long)ts.v[t].line, ts.v[t].id);
        if (n[t] < nmin) nmin = n[t];
        need[ts.v[t].kind] = 1;
    }
    if (klist) {
        for (const char *p = klist; *p; nk++) {
            char num[32];
            size_t l = strcspn(p, ",");
            if (nk == 16 || l == 0 || l >= sizeof num) cn_usage_error("option -k: 1 to 16 numbers, comma-separated");
            memcpy(num, p, l), num[l] = 0;
            uint64_t k = cn_opt_u64("-k", num);
            if (k < 1) cn_usage_error("option -k: each k at least 1");
            if (k > nmin) cn_die("-k %llu: a task has only %u samples (pass@k needs k of them)", (unsigned long long)k, nmin);
            ks[nk] = (unsigned)k;
            p += l + (p[l] == ',');
        }
    } else {
        ks[nk++] = 1;
        if (nmin >= 5) ks[nk++] = 5;
        if (nmin >= 10) ks[nk++] = 10;
    }
    if ((need[CN_EXEC_VERILOG] && (!cn_sbox_which("iverilog") || !cn_sbox_which("vvp"))) || (need[CN_EXEC_YOSYS] && !cn_sbox_which("yosys")))
        cn_die("%s: the tasks need %s on PATH (make deps installs them)", tasks_path,
               need[CN_EXEC_VERILOG] && need[CN_EXEC_YOSYS] ? "iverilog, vvp and yosys" : need[CN_EXEC_VERILOG] ? "iverilog and vvp" : "yosys");
    if (!cn_sbox_can_isolate()) fprintf(stderr, "%s: warning: the runs share this machine's network: %s\n", cn_prog, cn_errmsg());
    if (eo.keep && mkdir(eo.keep, 0755) != 0 && errno != EEXIST) cn_die("%s: %s", eo.keep, strerror(errno));
    cn_out *out = cn_out_open(out_path, 0), *det = NULL;
    if (!out || (details_path && !(det = cn_out_open(details_path, 0)))) cn_die_status();
    cn_progress_begin(&prog, quiet);
    size_t done = 0, npass = 0;
    char *err = NULL;
    int failed = 0; /* the runs after a failure are skipped */
#pragma omp parallel for schedule(dynamic, 1) num_threads(jobs)
    for (size_t i = 0; i < s.n; i++) {
        exec_sample *x = &s.v[i];
        char name[160];
        int stop;
        snprintf(name, sizeof name, "%s.%u", ts.v[x->task].id, x->nth);
#pragma omp atomic read
        stop = failed;
        cn_status st = stop ? CN_OK : cn_exec_run(&ts.v[x->task], x->code, name, &eo, &x->res);
#pragma omp critical(exec_progress)
        {
            if (st && !err) {
                err = strdup(cn_errmsg());
#pragma omp atomic write
                failed = 1;
            }
            done++, npass += x->res.verdict == CN_EXEC_PASS;
            cn_progress_update(&prog, 0, "cn-score: exec: %zu/%zu runs, %zu passed", done, s.n, npass);
        }
    }
    cn_progress_end(&prog);
    if (err) {
        cn_out_abort(out);
        if (det) cn_out_abort(det);
        cn_die("%s", err);
    }
    char *data = jstr(solutions ? tasks_path : argv[optind]), *extra = NULL;
    if (solutions) {
        char *f = jstr(solutions);
        if (asprintf(&extra, ", \"solutions\": %s", f) < 0) cn_die("out of memory");
        free(f);
    } else if (argc - optind > 1 && asprintf(&extra, ", \"files\": %d", argc - optind) < 0) {
        cn_die("out of memory");
    }
    int isolated = 1;
    for (size_t i = 0; i < s.n; i++) {
        exec_sample *x = &s.v[i];
        const cn_exec_task *t = &ts.v[x->task];
        pass[x->task] += x->res.verdict == CN_EXEC_PASS;
        isolated &= x->res.isolated;
        if (!det) continue;
        char *id = jstr(t->id), *lv = jstr(t->level), *log = jstr(x->res.verdict == CN_EXEC_PASS ? "" : x->res.log);
        put(det,
            "{\"id\": %s, \"sample\": %u, \"kind\": \"%s\", \"level\": %s, \"verdict\": \"%s\", \"stage\": \"%s\", \"code\": %d, "
            "\"seconds\": %.3f, \"isolated\": %s, \"log\": %s}\n",
            id, x->nth, cn_exec_kind_name(t->kind), lv, cn_exec_verdict_name(x->res.verdict), x->res.stage, x->res.code, x->res.secs,
            x->res.isolated ? "true" : "false", log);
        free(id), free(lv), free(log);
    }
    if (!isolated && cn_sbox_can_isolate()) fprintf(stderr, "%s: warning: some runs could not enter their namespaces\n", cn_prog);
    const char *ex = extra ? extra : "";
    exec_group(out, &ts, n, pass, ks, (int)nk, -1, NULL, data, ex, boot, seed);
    for (int k = 0; k < 2; k++) {
        if (!need[k]) continue;
        exec_group(out, &ts, n, pass, ks, (int)nk, k, NULL, data, ex, boot, seed);
        const char *levels[64];
        int nl = 0;
        for (size_t t = 0; t < ts.n; t++) {
            if ((int)ts.v[t].kind != k) continue;
            int seen = 0;
            for (int l = 0; l < nl; l++) seen |= strcmp(levels[l], ts.v[t].level) == 0;
            if (!seen && nl < 64) levels[nl++] = ts.v[t].level;
        }
        for (int l = 0; nl > 1 && l < nl; l++) exec_group(out, &ts, n, pass, ks, (int)nk, k, levels[l], data, ex, boot, seed);
    }
    cn_out *outs[2] = {out, det};
    if (cn_out_commit_all(outs, det ? 2 : 1)) cn_die_status();
    for (size_t i = 0; i < s.n; i++) free(s.v[i].code);
    free(s.v), free(n), free(pass), free(data), free(extra);
    cn_exec_free(&ts);
    return 0;
}

/* ---- report: the scores and logs as one page (libcore report) ---- */

static void write_whole(const char *path, const cn_sb *b, cn_out **o) {
    if (!(*o = cn_out_open(path, 0)) || (b->n && cn_out_write(*o, b->s, b->n))) cn_die_status();
}

static int report_main(int argc, char **argv) {
    const char *out_dir = NULL, *spec_path = NULL;
    enum { O_SPEC = 256, O_VERSION };
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"spec", required_argument, 0, O_SPEC}, {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': out_dir = optarg; break;
        case 'q': break; /* nothing long enough to show progress */
        case O_SPEC: spec_path = optarg; break;
        case 'h': usage("report");
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (!spec_path) cn_usage_error("no layout: give --spec FILE (pipelines/report.json is the recipe's)");
    if (!out_dir) cn_usage_error("no output: give -o DIR");
    if (optind >= argc) cn_usage_error("no inputs: give the score and log files");
    size_t len;
    char *text = cn_read_all(spec_path, &len);
    if (!text) cn_die_status();
    cJSON *spec = cJSON_ParseWithLength(text, len);
    free(text);
    if (!spec) cn_die("%s: not valid JSON", spec_path);
    cn_report *r = cn_report_new(spec, spec_path);
    if (!r) cn_die_status();
    for (int f = optind; f < argc; f++)
        if (cn_report_add(r, argv[f])) cn_die_status();
    cn_sb html = {0}, md = {0}, head = {0}, warn = {0};
    if (cn_report_render(r, &html, &md, &head, &warn)) cn_die_status();
    if (warn.n) fprintf(stderr, "%.*s", (int)warn.n, warn.s);
    if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) cn_die("%s: %s", out_dir, strerror(errno));
    char *hp, *mp;
    if (asprintf(&hp, "%s/index.html", out_dir) < 0 || asprintf(&mp, "%s/report.md", out_dir) < 0) cn_die("out of memory");
    cn_out *outs[3];
    write_whole(hp, &html, &outs[0]);
    write_whole(mp, &md, &outs[1]);
    write_whole(NULL, &head, &outs[2]);
    if (cn_out_commit_all(outs, 3)) cn_die_status();
    free(hp), free(mp);
    cn_sb_free(&html), cn_sb_free(&md), cn_sb_free(&head), cn_sb_free(&warn);
    cn_report_free(r);
    cJSON_Delete(spec);
    return 0;
}

int main(int argc, char **argv) {
    cn_tool_init("cn-score");
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) usage(NULL);
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) cn_print_version();
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } cmds[] = {{"ppl", ppl_main}, {"unigram", unigram_main}, {"mc", mc_main},     {"exact", exact_main},
                {"retrieval", retrieval_main}, {"gen", gen_main}, {"exec", exec_main}, {"report", report_main}};
    for (size_t i = 0; argc >= 2 && i < sizeof cmds / sizeof *cmds; i++)
        if (strcmp(argv[1], cmds[i].name) == 0) return cmds[i].run(argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "tokens") != 0)
        cn_usage_error("expected a command: tokens, ppl, unigram, mc, exact, retrieval, gen, exec or report");
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
        case 'h': usage("tokens");
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
    int width = 32; /* the data column: each path whole */
    for (int f = optind; f < argc; f++)
        if (strlen(argv[f]) > (size_t)width) width = (int)strlen(argv[f]);
    if (table) {
        for (int k = 0; k < ntok; k++) put(out, "tokenizer %c: %s\n", 'A' + k, tokp[k]);
        put(out, "%-*s %-12s %7s %12s", width, "data", "kind", "docs", "bytes");
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
                put(out, "%-*s %-12s %7llu %12llu", width, argv[f], k->name, (unsigned long long)k->docs,
                    (unsigned long long)k->bytes);
                for (int m = 0; m < ntok; m++)
                    put(out, " %12llu %10.3f", (unsigned long long)k->tokens[m],
                        k->tokens[m] ? (double)k->bytes / (double)k->tokens[m] : 0.0);
                if (ntok == 2 && k->tokens[0])
                    put(out, "  %+6.2f%%", 100.0 * ((double)k->tokens[1] - (double)k->tokens[0]) / (double)k->tokens[0]);
                put(out, "\n");
                continue;
            }
            char *data = jstr(argv[f]), *kind = jstr(k->name);
            for (int m = 0; m < ntok; m++) {
                char *model = jstr(tokp[m]);
                const char *fmt = "{\"task\": \"tokens\", \"metric\": \"%s\", \"value\": %.17g, \"n\": %llu, \"model\": %s, \"data\": %s, \"kind\": %s}\n";
                unsigned long long docs = (unsigned long long)k->docs;
                put(out, fmt, "bytes", (double)k->bytes, docs, model, data, kind);
                put(out, fmt, "tokens", (double)k->tokens[m], docs, model, data, kind);
                put(out, fmt, "bytes_per_token", k->tokens[m] ? (double)k->bytes / (double)k->tokens[m] : 0.0, docs, model, data, kind);
                if (m == 1 && k->tokens[0])
                    put(out, fmt, "token_change", ((double)k->tokens[1] - (double)k->tokens[0]) / (double)k->tokens[0], docs, model,
                        data, kind);
                free(model);
            }
            free(data), free(kind);
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
