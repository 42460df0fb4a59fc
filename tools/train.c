/* train: the training loop and options cn-pretrain and cn-sft share. */
#include "train.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ckpt.h"
#include "dist.h"
#include "io.h"
#include "mdir.h"
#include "optim.h"
#include "shard.h"
#include "tok.h"
#include "tool.h"
#include "trainer.h"

enum { T_STEPS = 1000, T_TOKENS, T_SEQ, T_MICRO, T_BATCH, T_LR, T_MINLR, T_WARMUP, T_SCHED, T_WD, T_B1, T_B2, T_EPS, T_CLIP, T_SEED,
       T_LOG, T_DRY, T_THREADS, T_SAVE, T_KEEP, T_RESUME, T_VALEVERY, T_VALBATCHES, T_DEVICE, T_PREC, T_ZERO1, T_OVERWRITE,
       T_LOGEVERY, T_RANKS };

static const struct option shared[] = {
    {"steps", required_argument, 0, T_STEPS},       {"tokens", required_argument, 0, T_TOKENS},
    {"seq-len", required_argument, 0, T_SEQ},       {"micro-batch", required_argument, 0, T_MICRO},
    {"batch-tokens", required_argument, 0, T_BATCH}, {"lr", required_argument, 0, T_LR},
    {"min-lr", required_argument, 0, T_MINLR},      {"warmup", required_argument, 0, T_WARMUP},
    {"schedule", required_argument, 0, T_SCHED},    {"weight-decay", required_argument, 0, T_WD},
    {"beta1", required_argument, 0, T_B1},          {"beta2", required_argument, 0, T_B2},
    {"eps", required_argument, 0, T_EPS},           {"clip", required_argument, 0, T_CLIP},
    {"seed", required_argument, 0, T_SEED},         {"log", required_argument, 0, T_LOG},
    {"dry-run", no_argument, 0, T_DRY},             {"threads", required_argument, 0, T_THREADS},
    {"save-every", required_argument, 0, T_SAVE},   {"keep", required_argument, 0, T_KEEP},
    {"resume", required_argument, 0, T_RESUME},     {"val-every", required_argument, 0, T_VALEVERY},
    {"val-batches", required_argument, 0, T_VALBATCHES}, {"device", required_argument, 0, T_DEVICE},
    {"precision", required_argument, 0, T_PREC},    {"zero1", no_argument, 0, T_ZERO1},
    {"overwrite", no_argument, 0, T_OVERWRITE},     {"log-every", required_argument, 0, T_LOGEVERY},
    {"ranks", required_argument, 0, T_RANKS},
};

const char cn_train_help[] =
    "      --steps N          optimizer steps\n"
    "      --tokens N         or: steps enough for N training tokens (e.g. 20M)\n"
    "      --seq-len T        tokens per sequence (default 256)\n"
    "      --micro-batch B    sequences per forward (default 4)\n"
    "      --batch-tokens N   tokens per optimizer step, a multiple of B x T (default B x T)\n"
    "      --lr F             peak learning rate\n"
    "      --min-lr F         the floor the decay ends at (default lr / 10)\n"
    "      --warmup N         warm-up steps (default 0)\n"
    "      --schedule S       constant, cosine or linear (default cosine)\n"
    "      --weight-decay F   AdamW, not on norms and biases (default 0.1)\n"
    "      --beta1 F --beta2 F --eps F   AdamW (0.9, 0.95, 1e-8)\n"
    "      --clip F           gradient norm clipping (default 1.0; 0: none)\n"
    "      --seed N           for random weights and draws (default 1)\n"
    "      --save-every K     a checkpoint OUT/step-N every K steps (and at the end)\n"
    "      --keep N           keep the newest N checkpoints (default all)\n"
    "      --resume OUT       continue from OUT/latest: the same data position, state and\n"
    "                         settings; bit-identical to an uninterrupted run on as many\n"
    "                         threads. SIGTERM or SIGUSR1 checkpoints and exits 0\n"
    "      --val-every K      the held-out loss every K steps (default: at each checkpoint\n"
    "                         and the end), over up to --val-batches micro-batches (16)\n"
    "      --log FILE         metrics JSONL per step: step, tokens, loss, lr, grad_norm,\n"
    "                         tokens_per_s (that step's own: its forward, backward and\n"
    "                         update) and val_loss, written as the run goes;\n"
    "                         --resume continues the run's log after the checkpoint's step\n"
    "      --log-every K      when stderr is not a terminal (nohup, CI, Slurm): a line every\n"
    "                         K steps (default: about every 30 s); a terminal shows the\n"
    "                         progress line instead. The run ends with a summary line\n"
    "      --overwrite        replace the model or run that --out holds (refused otherwise)\n"
    "      --dry-run          print the plan and the memory a step needs, then exit\n"
    "      --ranks N          --dry-run: plan for N ranks (default: the ranks running): each\n"
    "                         rank's micro-batches, and its memory with --zero1\n"
    "      --threads N        threads (default: all cores)\n"
    CN_DEVICE_HELP
    "      --precision P      fp32 (default) or bf16: mixed precision, every matrix product\n"
    "                         in bf16 with fp32 sums, fp32 master weights and optimizer\n"
    "                         state (checkpoints are the same fp32 files either way)\n"
    "      --zero1            with several ranks: each holds and updates AdamW's moments\n"
    "                         of 1/ranks of the parameters (ZeRO stage 1), then gathers\n"
    "                         the others' new weights; the same results, less memory\n"
    "  -q, --quiet            no progress line\n"
    "  -h, --help             this help\n"
    "      --version          print the version\n";

void cn_train_opts_init(cn_train_opts *o, double lr) {
    memset(o, 0, sizeof *o);
    o->seq = 256, o->micro = 4, o->lr = lr, o->min_lr = -1, o->wd = 0.1, o->beta1 = 0.9, o->beta2 = 0.95, o->eps = 1e-8;
    o->clip = 1.0, o->seed = 1, o->schedule = "cosine", o->val_batches = 16;
    o->threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
}

struct option *cn_train_longopts(const struct option *tool) {
    size_t n = 0, k = sizeof shared / sizeof *shared;
    while (tool[n].name) n++;
    struct option *all = malloc((n + k + 1) * sizeof *all);
    if (!all) cn_die("out of memory");
    memcpy(all, tool, n * sizeof *all);
    memcpy(all + n, shared, k * sizeof *all);
    memset(all + n + k, 0, sizeof *all);
    return all;
}

static double opt_pos(const char *name, const char *v, int zero_ok) {
    double d = cn_opt_double(name, v);
    if (!(d > 0 || (zero_ok && d == 0))) cn_usage_error("option %s: must be %s", name, zero_ok ? "at least 0" : "above 0");
    return d;
}

void cn_train_check_init(const cn_train_opts *o, const char *init, const char *what) {
    if (o->resume && init) cn_usage_error("--resume continues a run: no --init with it");
    if (!o->resume && !init) cn_usage_error("give --init %s", what);
    if (!o->out && !o->dry && !o->resume) cn_usage_error("no output: give --out DIR");
    if (o->steps && o->tokens) cn_usage_error("give --steps or --tokens, not both");
}

int cn_train_given(const cn_train_opts *o, const char *name) {
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++)
        if (!strcmp(shared[i].name, name)) return (o->given >> (shared[i].val - T_STEPS)) & 1;
    return 0;
}

int cn_train_option(cn_train_opts *o, int ch, const char *arg) {
    if (ch >= T_STEPS && ch < T_STEPS + 64) o->given |= 1ull << (ch - T_STEPS);
    switch (ch) {
    case T_STEPS: o->steps = cn_opt_u64("--steps", arg); break;
    case T_TOKENS: o->tokens = cn_opt_u64("--tokens", arg); break;
    case T_SEQ:
        o->seq = cn_opt_u64("--seq-len", arg);
        if (o->seq < 1 || o->seq > (1u << 20)) cn_usage_error("option --seq-len: between 1 and 1M");
        break;
    case T_MICRO:
        o->micro = cn_opt_u64("--micro-batch", arg);
        if (o->micro < 1 || o->micro > 65536) cn_usage_error("option --micro-batch: between 1 and 65536");
        break;
    case T_BATCH: o->batch_tokens = cn_opt_u64("--batch-tokens", arg); break;
    case T_LR: o->lr = opt_pos("--lr", arg, 0); break;
    case T_MINLR: o->min_lr = opt_pos("--min-lr", arg, 1); break;
    case T_WARMUP: o->warmup = cn_opt_u64("--warmup", arg); break;
    case T_SCHED:
        if (cn_lr_parse(arg) < 0) cn_usage_error("option --schedule: constant, cosine or linear");
        o->schedule = arg;
        break;
    case T_WD: o->wd = opt_pos("--weight-decay", arg, 1); break;
    case T_B1: o->beta1 = opt_pos("--beta1", arg, 1); break;
    case T_B2: o->beta2 = opt_pos("--beta2", arg, 1); break;
    case T_EPS: o->eps = opt_pos("--eps", arg, 0); break;
    case T_CLIP: o->clip = opt_pos("--clip", arg, 1); break;
    case T_SEED: /* trainer.json keeps it as a JSON number, exact to 2^53 */
        if ((o->seed = cn_opt_u64("--seed", arg)) > (uint64_t)CN_JSON_INT_MAX) cn_usage_error("option --seed: at most 2^53 (9007199254740992)");
        break;
    case T_LOG: o->log = arg; break;
    case T_DRY: o->dry = 1; break;
    case T_THREADS: {
        uint64_t v = cn_opt_u64("--threads", arg);
        if (v < 1 || v > 1024) cn_usage_error("option --threads: between 1 and 1024");
        o->threads = (int)v;
        break;
    }
    case T_SAVE: o->save_every = cn_opt_u64("--save-every", arg); break;
    case T_KEEP: o->keep = cn_opt_u64("--keep", arg); break;
    case T_RESUME: o->resume = arg; break;
    case T_VALEVERY: o->val_every = cn_opt_u64("--val-every", arg); break;
    case T_DEVICE: o->device = cn_opt_device("--device", arg); break;
    case T_ZERO1: o->zero1 = 1; break;
    case T_OVERWRITE: o->overwrite = 1; break;
    case T_RANKS: {
        uint64_t v = cn_opt_u64("--ranks", arg);
        if (v < 1 || v > 1 << 20) cn_usage_error("option --ranks: between 1 and 2^20");
        o->ranks = (int)v;
        break;
    }
    case T_PREC: o->precision = cn_opt_precision("--precision", arg); break;
    case T_VALBATCHES:
        o->val_batches = cn_opt_u64("--val-batches", arg);
        if (!o->val_batches) cn_usage_error("option --val-batches: at least 1");
        break;
    case T_LOGEVERY:
        o->log_every = cn_opt_u64("--log-every", arg);
        if (!o->log_every) cn_usage_error("option --log-every: at least 1");
        break;
    default: return 0;
    }
    return 1;
}

uint64_t cn_train_steps(const cn_train_opts *o, int *accum) {
    uint64_t per_micro = o->micro * o->seq, batch = o->batch_tokens ? o->batch_tokens : per_micro;
    if (batch % per_micro)
        cn_usage_error("--batch-tokens %llu is not a multiple of micro-batch x seq-len (%llu)", (unsigned long long)batch,
                       (unsigned long long)per_micro);
    *accum = (int)(batch / per_micro);
    uint64_t steps = o->steps ? o->steps : (o->tokens + batch - 1) / batch;
    if (!steps) cn_usage_error("give --steps N or --tokens N");
    return steps;
}

void cn_train_print_plan(const cn_train_opts *o, const cn_config *c, int train_all, const char *note) {
    int T = (int)o->seq, B = (int)o->micro, accum;
    uint64_t steps = cn_train_steps(o, &accum);
    cn_model_mem mm;
    cn_model_memory(c, B, T, train_all, &mm);
    printf("model: %s, %llu parameters%s; %llu steps of %llu tokens (%d micro-batches of %d x %d)%s\n", c->architecture,
           (unsigned long long)cn_config_params(c), train_all ? "" : " (frozen)", (unsigned long long)steps,
           (unsigned long long)accum * B * T, accum, B, T, note ? note : "");
    /* bf16: copies of the matrices (at most half the fp32 parameters' bytes) */
    double copies = o->precision == CN_PREC_BF16 ? mm.params / 2.0 : 0;
    /* ranks: each takes every N-th micro-batch; with --zero1 it holds about
     * 1/N of the moments (whole parameters: cn_model_shard_optimizer) */
    int n = o->ranks ? o->ranks : cn_dist_size();
    double moments = o->zero1 && n > 1 ? mm.moments / (double)n : (double)mm.moments;
    printf("memory: parameters %.1f MB, gradients %.1f MB, AdamW moments %.1f MB%s, activations %.1f MB, total %.1f MB%s\n",
           mm.params / 1048576.0, mm.grads / 1048576.0, moments / 1048576.0, moments != mm.moments ? " (--zero1: about 1/ranks)" : "",
           mm.acts / 1048576.0, (mm.params + mm.grads + moments + mm.acts + copies) / 1048576.0,
           copies ? " (with up to half the parameters' again for their bf16 copies: --precision bf16)" : "");
    if (n > 1) printf("ranks: %d, each %d of the %d micro-batches a step; the memory above is each rank's\n", n, (accum + n - 1) / n, accum);
}

/* the trainer.json being resumed, for messages */
static const char *trainer_path = "trainer.json";

/* the trainer's state and settings, for trainer.json */
static char *trainer_json(const cn_train_opts *o, const cn_train_hooks *h, uint64_t step, uint64_t steps, uint64_t tokens) {
    cn_trainer t = {.step = (int64_t)step, .steps = (int64_t)steps, .tokens = (int64_t)tokens, .seed = (int64_t)o->seed,
                    .threads = o->threads};
    if (!cn_trainer_data(&t)) cn_die("out of memory");
    snprintf(t.tool, sizeof t.tool, "%s", cn_prog);
    if (h->save_position) h->save_position(h->ctx, cn_trainer_data(&t));
    t.o = (cn_trainer_opts){.seq_len = (int64_t)o->seq, .micro_batch = (int64_t)o->micro, .batch_tokens = (int64_t)o->batch_tokens,
                            .warmup = (int64_t)o->warmup, .save_every = (int64_t)o->save_every, .keep = (int64_t)o->keep,
                            .val_every = (int64_t)o->val_every, .val_batches = (int64_t)o->val_batches, .lr = o->lr,
                            .min_lr = o->min_lr, .weight_decay = o->wd, .beta1 = o->beta1, .beta2 = o->beta2, .eps = o->eps,
                            .clip = o->clip, .has_precision = 1, .precision = o->precision, .log = (char *)o->log};
    snprintf(t.o.schedule, sizeof t.o.schedule, "%s", o->schedule);
    if (h->save_options) h->save_options(h->ctx, &t);
    char *s = cn_trainer_to_json(&t);
    t.o.log = NULL, t.sft = (cn_trainer_sft){0}, t.retrain = (cn_trainer_retrain){0}; /* the options' and the tool's: not t's to free */
    cn_trainer_free(&t);
    if (!s) cn_die("out of memory");
    return s;
}

/* the same directory (both there) */
static int same_dir(const char *a, const char *b) {
    struct stat x, y;
    return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

void cn_train_check_out(const cn_train_opts *o, const char *init) {
    if (o->ranks && !o->dry) cn_usage_error("--ranks plans a run (--dry-run); a run's ranks are its launcher's");
    if (o->dry) return;
    int resuming_here = o->resume && (!o->out || same_dir(o->out, o->resume) || strcmp(o->out, o->resume) == 0);
    if (o->overwrite && resuming_here) cn_usage_error("--overwrite replaces a run: not with --resume, which continues it");
    if (resuming_here) return;
    const char *out = o->out;
    if (init && same_dir(out, init))
        cn_usage_error("--out %s is the --init model: a run never writes into the model it starts from; give another --out", out);
    if (!cn_ckpt_in_use(out)) return;
    if (!o->overwrite)
        cn_die("%s: holds a model or a run already: --resume %s continues it, --overwrite replaces it, or give another --out", out, out);
    if (cn_dist_rank() == 0) cn_ckpt_clear(out);
    double done = 0; /* the other ranks wait for it */
    if (cn_dist_sum_f64(&done, 1)) cn_die_status();
}

void cn_train_differs(const char *opt, const char *mine, const char *run) {
    cn_usage_error("%s %s, but the run being resumed has %s (%s): a resumed run keeps its settings; leave %s out, or start a new "
                   "run from the checkpoint with --init", opt, mine, run, trainer_path, opt);
}

char *cn_train_resume_tokenizer(const cn_train_opts *o, const char *ckdir, const char *given) {
    char *from = cn_path_join(ckdir, "tokenizer.json");
    if (!from) cn_die_status();
    if (access(from, R_OK) != 0) {
        if (given) cn_train_differs("-t", given, "no tokenizer");
        free(from);
        return NULL;
    }
    uint8_t a[32], b[32];
    if (given && (cn_shard_tokenizer_hash(given, a) || cn_shard_tokenizer_hash(from, b))) cn_die_status();
    if (given && memcmp(a, b, 32)) cn_train_differs("-t", given, "another tokenizer");
    char *to = cn_path_join(o->out, "tokenizer.json");
    if (!to || cn_mdir_write_tokenizer(o->out, from)) cn_die_status();
    free(from);
    return to;
}

/* the command line's value of each shared option given again, against the run's */
static void resume_check(const cn_train_opts *cl, const cn_train_opts *run) {
    char a[64], b[64];
#define GIVEN(opt) (cl->given & (1ull << ((opt) - T_STEPS)))
#define CHECK_U(opt, name, x, y) \
    if (GIVEN(opt) && (x) != (y)) \
        snprintf(a, sizeof a, "%llu", (unsigned long long)(x)), snprintf(b, sizeof b, "%llu", (unsigned long long)(y)), cn_train_differs(name, a, b)
#define CHECK_D(opt, name, x, y) \
    if (GIVEN(opt) && (x) != (y)) snprintf(a, sizeof a, "%g", (x)), snprintf(b, sizeof b, "%g", (y)), cn_train_differs(name, a, b)
    CHECK_U(T_STEPS, "--steps", cl->steps, run->steps);
    if (GIVEN(T_TOKENS)) { /* the steps those tokens make with the run's batch */
        uint64_t batch = run->batch_tokens ? run->batch_tokens : run->micro * run->seq;
        if ((cl->tokens + batch - 1) / batch != run->steps) {
            snprintf(a, sizeof a, "%llu (%llu steps)", (unsigned long long)cl->tokens, (unsigned long long)((cl->tokens + batch - 1) / batch));
            snprintf(b, sizeof b, "%llu steps of %llu tokens", (unsigned long long)run->steps, (unsigned long long)batch);
            cn_train_differs("--tokens", a, b);
        }
    }
    CHECK_U(T_SEQ, "--seq-len", cl->seq, run->seq);
    CHECK_U(T_MICRO, "--micro-batch", cl->micro, run->micro);
    CHECK_U(T_BATCH, "--batch-tokens", cl->batch_tokens, run->batch_tokens ? run->batch_tokens : run->micro * run->seq);
    CHECK_D(T_LR, "--lr", cl->lr, run->lr);
    CHECK_D(T_MINLR, "--min-lr", cl->min_lr, run->min_lr);
    CHECK_U(T_WARMUP, "--warmup", cl->warmup, run->warmup);
    if (GIVEN(T_SCHED) && strcmp(cl->schedule, run->schedule)) cn_train_differs("--schedule", cl->schedule, run->schedule);
    CHECK_D(T_WD, "--weight-decay", cl->wd, run->wd);
    CHECK_D(T_B1, "--beta1", cl->beta1, run->beta1);
    CHECK_D(T_B2, "--beta2", cl->beta2, run->beta2);
    CHECK_D(T_EPS, "--eps", cl->eps, run->eps);
    CHECK_D(T_CLIP, "--clip", cl->clip, run->clip);
    CHECK_U(T_SEED, "--seed", cl->seed, run->seed);
    CHECK_U(T_SAVE, "--save-every", cl->save_every, run->save_every);
    CHECK_U(T_KEEP, "--keep", cl->keep, run->keep);
    CHECK_U(T_VALEVERY, "--val-every", cl->val_every, run->val_every);
    CHECK_U(T_VALBATCHES, "--val-batches", cl->val_batches, run->val_batches);
    if (GIVEN(T_PREC) && cl->precision != run->precision)
        cn_train_differs("--precision", cn_precision_name(cl->precision), cn_precision_name(run->precision));
    if (GIVEN(T_DRY)) cn_usage_error("--dry-run plans a new run: not with --resume");
#undef GIVEN
#undef CHECK_U
#undef CHECK_D
}

void cn_train_resume(cn_train_opts *o, char **ckdir, cn_trainer *t) {
    const cn_train_opts cl = *o; /* the command line's */
    if (!(*ckdir = cn_ckpt_latest(o->resume))) cn_die("%s: no checkpoint to resume (no %s/latest)", o->resume, o->resume);
    char *tp = cn_path_join(*ckdir, "trainer.json"); /* kept while the tool runs */
    if (!(trainer_path = tp)) cn_die_status();
    size_t n;
    char *text = cn_read_all(trainer_path, &n);
    if (!text) cn_die_status();
    cn_status st = cn_trainer_parse(text, n, trainer_path, t);
    free(text);
    if (st) cn_die_status();
    if (*t->tool && strcmp(t->tool, cn_prog)) cn_die("%s: a run of %s: continue it with %s --resume %s", trainer_path, t->tool, t->tool, o->resume);
    const cn_trainer_opts *h = &t->o;
    o->seq = (uint64_t)h->seq_len, o->micro = (uint64_t)h->micro_batch, o->batch_tokens = (uint64_t)h->batch_tokens;
    o->lr = h->lr, o->min_lr = h->min_lr, o->warmup = (uint64_t)h->warmup, o->schedule = h->schedule;
    o->wd = h->weight_decay, o->beta1 = h->beta1, o->beta2 = h->beta2, o->eps = h->eps, o->clip = h->clip;
    o->save_every = (uint64_t)h->save_every, o->keep = (uint64_t)h->keep;
    if (h->val_every >= 0) o->val_every = (uint64_t)h->val_every;
    if (h->val_batches >= 0) o->val_batches = (uint64_t)h->val_batches;
    if (h->has_precision) o->precision = h->precision;
    o->steps = (uint64_t)t->steps, o->tokens = 0, o->seed = (uint64_t)t->seed;
    if (t->threads != o->threads)
        fprintf(stderr, "%s: warning: the run had %d threads, this one %d: it will not be bit-identical to an uninterrupted run\n", cn_prog,
                (int)t->threads, o->threads);
    if (!o->out) o->out = o->resume;
    resume_check(&cl, o);
    if (!o->log && h->log) o->log = h->log; /* the run's log goes on unless --log names another */
}

/* SIGTERM, SIGUSR1: a checkpoint at the end of the step, exit 0. SIGINT
 * (Ctrl-C): the end of the step, no new checkpoint, exit 130, so that no
 * checkpoint is ever cut short; a second one stops at once. */
static volatile sig_atomic_t stop_signal;
static struct sigaction int_before;
static void on_stop(int sig) { stop_signal = sig; }
static void on_interrupt(int sig) {
    static const char msg[] = ": interrupted: stopping at the end of this step (again to stop at once)\n";
    stop_signal = sig;
    sigaction(SIGINT, &int_before, NULL);
    if (write(2, cn_prog, strlen(cn_prog)) > 0 && write(2, msg, sizeof msg - 1) > 0) return;
}

/* the command that continues the run: [mpirun -np N | srun -n N] TOOL
 * --resume OUT DATA..., quoted for the shell (malloc'd): srun where the
 * ranks are a Slurm step's tasks */
static char *resume_command(const cn_train_opts *o) {
    const char **w = malloc((size_t)(o->ndata + 6) * sizeof *w);
    if (!w) cn_die("out of memory");
    int n = 0;
    char np[16];
    int slurm = getenv("SLURM_STEP_NUM_TASKS") != NULL;
    if (cn_dist_size() > 1)
        snprintf(np, sizeof np, "%d", cn_dist_size()), w[n++] = slurm ? "srun" : "mpirun", w[n++] = slurm ? "-n" : "-np", w[n++] = np;
    w[n++] = cn_prog, w[n++] = "--resume", w[n++] = o->out;
    for (int i = 0; i < o->ndata; i++) w[n++] = o->data[i];
    char *s = cn_shell_command(n, w);
    free(w);
    return s;
}

/* The data ended (a stream: stdin) during step: the steps trained since the
 * last checkpoint are kept as a checkpoint of step - 1 (before: its
 * trainer.json), then the run exits 1 saying how to continue. */
static void data_ended(const cn_train_opts *o, cn_model *m, const cn_train_hooks *h, cn_metrics *log, cn_progress *prog,
                       uint64_t step, uint64_t steps, uint64_t step0, const char *before, int zero) {
    int rank = cn_dist_rank();
    cn_progress_end(prog);
    if (step - 1 > step0) {
        if (zero && cn_model_unshard(m, cn_dist_allgather_f32)) cn_die_status();
        if (rank == 0 && cn_ckpt_save(o->out, (int64_t)(step - 1), m, before, &h->side, (int)o->keep)) cn_die_status();
    }
    if (log && cn_metrics_close(log)) cn_die_status();
    char *last = cn_ckpt_latest(o->out), *cmd = resume_command(o);
    if (rank == 0)
        fprintf(stderr, "%s: the data ended during step %llu of %llu (a stream: it cannot be read again); %s%s%s%s\n", cn_prog,
                (unsigned long long)step, (unsigned long long)steps, last ? "the last checkpoint is " : "no checkpoint was written",
                last ? last : "", last ? "; continue with more data (the same stream, longer) and: " : "", last ? cmd : "");
    free(last), free(cmd);
    exit(1);
}

int cn_train_run(const cn_train_opts *o, cn_model *m, const cn_train_hooks *h, uint64_t step0) {
    int T = (int)o->seq, B = (int)o->micro, accum;
    uint64_t steps = cn_train_steps(o, &accum), batch = (uint64_t)accum * B * T;
    if (cn_model_batch(m, B, T) || cn_model_set_precision(m, o->precision)) cn_die_status();
    cn_metrics *log = NULL; /* written as the run goes; a resumed run continues it after step0 */
    if (o->log && cn_dist_rank() == 0 && !(log = cn_metrics_open(o->log, o->resume ? (int64_t)step0 : -1))) cn_die_status();
    size_t n = (size_t)B * T;
    int32_t *ids = malloc(n * 4), *tg = malloc(n * 4), *seg = malloc(n * 4), *pos = malloc(n * 4);
    if (!ids || !tg || !seg || !pos) cn_die("out of memory");
    double t0 = cn_now(), min_lr = o->min_lr >= 0 ? o->min_lr : o->lr / 10;
    int sched = cn_lr_parse(o->schedule);
    cn_progress prog;
    cn_progress_begin(&prog, o->quiet || cn_dist_rank() != 0);
    /* off a terminal, plain lines as the run goes (HF Trainer's logging_steps) */
    int plain = !o->quiet && cn_dist_rank() == 0 && !isatty(STDERR_FILENO);
    double last_plain = t0, last_loss = NAN, last_val = NAN;
    signal(SIGTERM, on_stop);
    signal(SIGUSR1, on_stop);
    struct sigaction sa = {.sa_handler = on_interrupt};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &int_before);
    /* every rank packs the whole global stream and takes every R-th
     * micro-batch; each micro-batch's gradients are summed alone, so that R
     * ranks of A micro-batches equal one rank of R x A (for R = 2, A = 1: bit
     * for bit) */
    int rank = cn_dist_rank(), nrank = cn_dist_size(), mine = 0, zero = o->zero1 && nrank > 1, stopped = 0, interrupted = 0;
    if (nrank > 1 && rank == 0 && !o->quiet)
        fprintf(stderr, "%s: %d ranks, %d micro-batches of %d x %d a step%s\n", cn_prog, nrank, accum, B, T,
                zero ? "; AdamW's moments sharded (ZeRO-1)" : "");
    if (zero && cn_model_shard_optimizer(m, rank, nrank)) cn_die_status();
    char *before = NULL; /* trainer.json as the step before leaves it: where the data stood */
    for (uint64_t step = step0 + 1; step <= steps; step++) {
        double t_step = cn_now(); /* this step's own speed goes to the log */
        double loss = 0;
        if (rank == 0) free(before), before = trainer_json(o, h, step - 1, steps, (step - 1) * batch);
        for (int a = 0; a < accum; a++) {
            double l;
            if (h->micro) { /* the tool's own micro-batch and loss: every rank reads it, the rank whose turn it is runs it */
                cn_model_set_training(m, 1, o->seed * 1000003u + step * 4099u + (uint64_t)a);
                if (a % nrank == rank) cn_model_zero_grad(m);
                cn_status st = h->micro(h->ctx, a % nrank == rank ? m : NULL, a, &l);
                if (st == CN_EOF) data_ended(o, m, h, log, &prog, step, steps, step0, before, zero);
                if (st) cn_die_status();
                if (a % nrank != rank) continue;
            } else {
                for (int s = 0; s < B; s++) {
                    cn_status st = h->next(h->ctx, ids + (size_t)s * T, tg + (size_t)s * T, seg + (size_t)s * T, pos + (size_t)s * T);
                    if (st == CN_EOF) data_ended(o, m, h, log, &prog, step, steps, step0, before, zero);
                    if (st) cn_die_status();
                }
                if (a % nrank != rank) continue;
                cn_batch bt = {ids, pos, h->use_segments ? seg : NULL, NULL, NULL, tg};
                cn_model_zero_grad(m);
                cn_model_set_training(m, 1, o->seed * 1000003u + step * 4099u + (uint64_t)a); /* LoRA dropout's masks */
                if (cn_model_forward(m, &bt, &l) || cn_model_backward(m, NULL)) cn_die_status();
            }
            if (accum > nrank && cn_model_accumulate(m, a < nrank)) cn_die_status();
            loss += l;
            mine = 1;
        }
        cn_model_set_training(m, 0, 0);
        if (!mine) cn_model_zero_grad(m); /* more ranks than micro-batches */
        if (accum > nrank) cn_model_accumulated(m);
        size_t ng;
        float *gd = cn_model_grad_data(m, &ng);
        /* the stop flags ride with the loss: every rank decides on the same sums */
        double red[3] = {loss, stop_signal != 0, stop_signal == SIGINT};
        if (cn_dist_sum_f32(gd, ng) || cn_dist_sum_f64(red, 3)) cn_die_status();
        loss = red[0] / accum;
        stopped = red[1] > 0, interrupted = red[2] > 0;
        cn_model_scale_grad(m, 1.0f / (float)accum);
        double gn = cn_model_grad_norm(m);
        if (!isfinite(loss) || !isfinite(gn)) {
            if (log) cn_metrics_close(log); /* the log up to the step before stays */
            cn_die("step %llu: the loss (%g) or the gradient norm (%g) is not finite; stopping (the output is left as it was)",
                   (unsigned long long)step, loss, gn);
        }
        if (o->clip > 0 && gn > o->clip) cn_model_scale_grad(m, (float)(o->clip / gn));
        double lr = cn_lr((cn_lr_schedule)sched, (int64_t)step, (int64_t)steps, (int64_t)o->warmup, o->lr, min_lr);
        if (cn_model_adamw(m, (float)lr, (float)o->beta1, (float)o->beta2, (float)o->eps, (float)o->wd, (int64_t)step) ||
            (zero && cn_model_shard_sync(m, cn_dist_allgather_f32)))
            cn_die_status();
        double now = cn_now(), dt = now - t0, tps = (double)(step - step0) * batch / (dt > 0 ? dt : 1e-9);
        double step_tps = (double)batch / (now - t_step > 0 ? now - t_step : 1e-9);
        if (rank == 0)
            cn_progress_update(&prog, step == steps, "%s: step %llu/%llu loss %.4f lr %.3g %.0f tokens/s ETA %.0f s", cn_prog,
                               (unsigned long long)step, (unsigned long long)steps, loss, lr, tps, (double)(steps - step) * batch / tps);
        if (plain && (o->log_every ? step % o->log_every == 0 : cn_now() - last_plain >= 30)) {
            fprintf(stderr, "%s: step %llu/%llu loss %.4f lr %.3g %.0f tokens/s ETA %.0f s\n", cn_prog, (unsigned long long)step,
                    (unsigned long long)steps, loss, lr, tps, (double)(steps - step) * batch / tps);
            last_plain = cn_now();
        }
        last_loss = loss;
        int checkpoint = (o->save_every && step % o->save_every == 0) || step == steps || (stopped && !interrupted);
        double val = NAN;
        if (rank == 0 && h->validate && ((o->val_every && step % o->val_every == 0) || (!o->val_every && checkpoint))) {
            last_val = val = h->validate(h->ctx, m, &(cn_train_batch){ids, tg, seg, pos});
            if (!o->quiet && !isatty(2)) fprintf(stderr, "%s: step %llu val_loss %.4f\n", cn_prog, (unsigned long long)step, val);
        }
        if (log) {
            char line[512], vl[64] = "";
            if (!isnan(val)) snprintf(vl, sizeof vl, ", \"val_loss\": %.6f", val);
            int k = snprintf(line, sizeof line,
                             "{\"step\": %llu, \"tokens\": %llu, \"loss\": %.6f, \"lr\": %.6g, \"grad_norm\": %.6g, \"tokens_per_s\": %.1f%s}\n",
                             (unsigned long long)step, (unsigned long long)(step * batch), loss, lr, gn, step_tps, vl);
            if (cn_metrics_write(log, line, (size_t)k)) cn_die_status();
        }
        /* a checkpoint holds the whole optimizer: sharded moments are gathered for it */
        if (checkpoint && zero && cn_model_unshard(m, cn_dist_allgather_f32)) cn_die_status();
        if (checkpoint && rank == 0) {
            char *js = trainer_json(o, h, step, steps, step * batch);
            if (cn_ckpt_save(o->out, (int64_t)step, m, js, &h->side, (int)o->keep)) cn_die_status();
            free(js);
        }
        if (checkpoint && zero && cn_model_shard_optimizer(m, rank, nrank)) cn_die_status();
        if (interrupted) {
            cn_progress_end(&prog);
            if (log && cn_metrics_close(log)) cn_die_status();
            char *last = cn_ckpt_latest(o->out), *cmd = resume_command(o);
            if (rank == 0)
                fprintf(stderr, "%s: interrupted after step %llu; %s%s%s%s\n", cn_prog, (unsigned long long)step,
                        last ? "the last checkpoint is " : "no checkpoint was written", last ? last : "",
                        last ? "; continue with: " : "", last ? cmd : "");
            free(last), free(cmd);
            free(ids), free(tg), free(seg), free(pos), free(before);
            exit(130);
        }
        if (stopped) {
            cn_progress_end(&prog);
            if (log && cn_metrics_close(log)) cn_die_status();
            log = NULL;
            char *cmd = resume_command(o);
            if (rank == 0)
                fprintf(stderr, "%s: signal %d: checkpoint of step %llu in %s; continue with: %s\n", cn_prog,
                        stop_signal ? (int)stop_signal : SIGTERM, (unsigned long long)step, o->out, cmd);
            free(cmd);
            break;
        }
    }
    cn_progress_end(&prog);
    if (rank == 0 && !stopped) { /* rank 0 writes the model */
        if (h->save_final(h->ctx, m, o->out) || cn_mdir_carry(o->out, h->side.carry_from, h->side.carry)) {
            /* no half-written model: its checkpoints stay */
            char *why = strdup(cn_errmsg());
            cn_ckpt_remove_model(o->out);
            cn_die("%s", why ? why : "out of memory");
        }
        if (log && cn_metrics_close(log)) cn_die_status();
        if (!o->quiet) { /* the summary: loss, val_loss, tokens, passes over the data, time */
            char ls[48] = "", vl[48] = "", from[48] = "";
            if (!isnan(last_loss)) snprintf(ls, sizeof ls, "; final loss %.4f", last_loss);
            if (!isnan(last_val)) snprintf(vl, sizeof vl, ", val_loss %.4f", last_val);
            if (step0) snprintf(from, sizeof from, " (resumed at step %llu)", (unsigned long long)step0);
            char *data = h->describe_data ? h->describe_data(h->ctx) : NULL;
            fprintf(stderr, "%s: %llu steps, %llu tokens, %.1f s%s%s%s%s%s; model in %s\n", cn_prog, (unsigned long long)steps,
                    (unsigned long long)(steps * batch), cn_now() - t0, from, ls, vl, data ? "; " : "", data ? data : "", o->out);
            free(data);
        }
    }
    free(ids), free(tg), free(seg), free(pos), free(before);
    return stopped;
}
