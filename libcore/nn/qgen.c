/* qgen: queries written by a causal LM for passages (qgen.h). */
#include "qgen.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gen.h"
#include "mdir.h"
#include "model.h"
#include "par.h"

struct cn_qgen {
    cn_mdir md;
    cn_model *m;
    cn_gen **g; /* [nt] one decoder a thread, over m's weights */
    int nt;
};

cn_qgen *cn_qgen_open(const char *dir, const cn_ops *ops, int threads) {
    cn_qgen *q = calloc(1, sizeof *q);
    if (!q || threads < 1) {
        free(q);
        cn_fail(q ? CN_EINVAL : CN_ENOMEM, q ? "%d threads" : "out of memory", threads);
        return NULL;
    }
    if (cn_mdir_open(&q->md, dir, NULL, CN_MDIR_TOKENIZER)) {
        free(q);
        return NULL;
    }
    cn_status st = CN_OK;
    if (q->md.c.arch != CN_ARCH_LLAMA)
        st = cn_fail(CN_EFORMAT, "%s: writing queries needs a LLaMA-class model (%s given)", dir, q->md.c.architecture);
    else if (!(q->m = cn_model_new(&q->md.c, ops)) || cn_model_load(q->m, q->md.weights) ||
             !(q->g = calloc((size_t)threads, sizeof *q->g)))
        st = q->m && !q->g ? cn_fail(CN_ENOMEM, "out of memory") : cn_last_status();
    for (int i = 0; !st && i < threads; i++, q->nt++)
        if (!(q->g[i] = cn_gen_new(q->m, 0, CN_GEN_F32))) st = cn_last_status();
    if (st) {
        cn_qgen_close(q);
        return NULL;
    }
    return q;
}

void cn_qgen_close(cn_qgen *q) {
    if (!q) return;
    for (int i = 0; i < q->nt; i++) cn_gen_free(q->g[i]);
    free(q->g);
    cn_model_free(q->m);
    cn_mdir_close(&q->md);
    free(q);
}

typedef struct {
    char *s;
    size_t n, cap;
    int failed;
} buf;

static int on_text(void *arg, int32_t id, const char *text, size_t len) {
    (void)id;
    buf *b = arg;
    if (b->n + len + 1 > b->cap) {
        size_t cap = 2 * (b->n + len + 1);
        char *s = realloc(b->s, cap);
        if (!s) return b->failed = 1;
        b->s = s, b->cap = cap;
    }
    memcpy(b->s + b->n, text, len);
    b->n += len, b->s[b->n] = 0;
    /* the first line with text in it ends the query */
    size_t i = 0;
    while (i < b->n && isspace((unsigned char)b->s[i])) i++;
    char *nl = memchr(b->s + i, '\n', b->n - i);
    if (!nl) return 0;
    *nl = 0, b->n = (size_t)(nl - b->s);
    return 1;
}

/* the text trimmed of white space at both ends, in place */
static char *trimmed(char *s) {
    size_t n = strlen(s), a = 0;
    while (a < n && isspace((unsigned char)s[a])) a++;
    while (n > a && isspace((unsigned char)s[n - 1])) n--;
    memmove(s, s + a, n - a);
    s[n - a] = 0;
    return s;
}

/* the prompt of a passage: BOS, then the template with the passage in it,
 * tokenized whole as cn-rag tokenizes a prompt; when that is more than room
 * tokens, the template's head, the passage's own ids cut to fit, its tail;
 * *was_cut then */
static cn_status prompt_ids(cn_qgen *q, const char *tmpl, size_t at, const cn_ids *head, const cn_ids *tail, const char *text, size_t len,
                            int room, cn_ids *out, int *was_cut) {
    size_t tl = strlen(tmpl), bos = q->md.bos >= 0;
    char *whole = malloc(tl - 9 + len + 1);
    cn_status st = whole ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    *was_cut = 0, out->n = 0;
    if (!st) {
        memcpy(whole, tmpl, at), memcpy(whole + at, text, len), memcpy(whole + at + len, tmpl + at + 9, tl - at - 9);
        if (bos) st = cn_ids_push(out, (uint32_t)q->md.bos);
        if (!st) st = cn_tok_encode(q->md.tok, whole, tl - 9 + len, 0, out);
    }
    free(whole);
    if (st || out->n <= (size_t)room) return st;
    cn_ids body = {0};
    out->n = 0;
    st = cn_tok_encode(q->md.tok, text, len, 0, &body);
    size_t fixed = bos + head->n + tail->n;
    if (!st && fixed >= (size_t)room) st = cn_fail(CN_EINVAL, "the template is %zu tokens: no room for a passage", fixed);
    size_t keep = st ? 0 : body.n < (size_t)room - fixed ? body.n : (size_t)room - fixed;
    *was_cut = !st && keep < body.n;
    if (!st && bos) st = cn_ids_push(out, (uint32_t)q->md.bos);
    for (size_t i = 0; !st && i < head->n; i++) st = cn_ids_push(out, head->v[i]);
    for (size_t i = 0; !st && i < keep; i++) st = cn_ids_push(out, body.v[i]);
    for (size_t i = 0; !st && i < tail->n; i++) st = cn_ids_push(out, tail->v[i]);
    cn_ids_free(&body);
    return st;
}

/* the query for one prompt, on thread t's decoder, into *out (malloc'd) */
static cn_status write_one(cn_qgen *q, const cn_gen_opts *go, const cn_ids *prompt, int t, char **out) {
    buf b = {0};
    int32_t *ids = malloc((prompt->n ? prompt->n : 1) * sizeof *ids);
    cn_status st = ids ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    for (size_t k = 0; !st && k < prompt->n; k++) ids[k] = (int32_t)prompt->v[k];
    cn_gen_stats gs;
    if (!st) st = cn_gen_run(q->g[t], q->md.tok, ids, prompt->n, go, NULL, 0, on_text, &b, &gs);
    if (!st && b.failed) st = cn_fail(CN_ENOMEM, "out of memory");
    if (!st && !b.s && !(b.s = calloc(1, 1))) st = cn_fail(CN_ENOMEM, "out of memory");
    free(ids);
    if (st) free(b.s);
    else *out = trimmed(b.s);
    return st;
}

typedef struct {
    cn_qgen *q;
    const cn_gen_opts *go;
    const cn_ids *prompts;
    size_t n;
    char **out;
    size_t done;
    void (*progress)(void *arg, size_t done, size_t n);
    void *arg;
} qgen_job;

/* a thread's share of the prompts, handed out one at a time */
static cn_status qgen_part(void *arg, int t, volatile int *stop) {
    qgen_job *j = arg;
    cn_status st = CN_OK;
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < j->n; i++) {
        if (st || *stop) continue;
        if ((st = write_one(j->q, j->go, &j->prompts[i], t, &j->out[i])) != CN_OK) {
            st = cn_fail(st, "passage %zu: %s", i, cn_errmsg());
            continue;
        }
#pragma omp critical(cn_qgen_progress)
        {
            j->done++;
            if (j->progress) j->progress(j->arg, j->done, j->n);
        }
    }
    return st;
}

cn_status cn_qgen_run(cn_qgen *q, const char *tmpl, const char *const *texts, const size_t *lens, size_t n, int max_new, char **out,
                      size_t *cut, void (*progress)(void *arg, size_t done, size_t n), void *arg) {
    *cut = 0;
    const char *at = strstr(tmpl, "{passage}");
    int positions = q->md.c.max_pos;
    if (!at || strstr(at + 1, "{passage}")) return cn_fail(CN_EINVAL, "the prompt template holds \"{passage}\" %s", at ? "twice" : "nowhere");
    if (max_new < 1 || max_new > positions / 2)
        return cn_fail(CN_EINVAL, "%d new tokens: from 1 to half the model's %d positions", max_new, positions);
    cn_ids head = {0}, tail = {0};
    cn_ids *prompts = calloc(n ? n : 1, sizeof *prompts);
    cn_status st = prompts ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) out[i] = NULL;
    if (!st) st = cn_tok_encode(q->md.tok, tmpl, (size_t)(at - tmpl), 0, &head);
    if (!st) st = cn_tok_encode(q->md.tok, at + 9, strlen(at + 9), 0, &tail);
    for (size_t i = 0; !st && i < n; i++) {
        int c = 0;
        if ((st = prompt_ids(q, tmpl, (size_t)(at - tmpl), &head, &tail, texts[i], lens[i], positions - max_new, &prompts[i], &c)) != CN_OK)
            st = cn_fail(st, "passage %zu: %s", i, cn_errmsg());
        *cut += (size_t)c;
    }
    int32_t stop_ids[2] = {(int32_t)q->md.eos, (int32_t)q->md.c.eos};
    cn_gen_opts go = {0};
    go.max_new_tokens = max_new, go.stop_ids = stop_ids, go.nstop_ids = q->md.eos >= 0 ? 2 : 1;
    if (q->md.eos < 0) stop_ids[0] = stop_ids[1];
    qgen_job j = {q, &go, prompts, n, out, 0, progress, arg};
    if (!st) st = cn_par_run(q->nt, qgen_part, &j);
    for (size_t i = 0; i < n; i++) cn_ids_free(&prompts[i]);
    free(prompts);
    cn_ids_free(&head), cn_ids_free(&tail);
    if (st)
        for (size_t i = 0; i < n; i++) free(out[i]), out[i] = NULL;
    return st;
}
