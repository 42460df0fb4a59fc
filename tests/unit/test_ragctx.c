/* ragctx: over many random questions, passages and budgets, the prompt (a
 * real tokenizer, the chat template, BOS) never exceeds the budget; passages
 * keep their rank order, repeats are left out, only the last is cut and at a
 * line end, and a passage is left out only when it does not fit whole; the
 * citations an answer makes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "chat.h"
#include "check.h"
#include "ragctx.h"
#include "rng.h"
#include "sft.h"
#include "tok.h"

typedef struct {
    cn_tok *tok;
    const char *system;
} counter;

/* the tokens of [system,] user msg, rendered in the chipnemo template with
 * the generation prompt, as cn-rag prompts the model */
static cn_status count(void *arg, const char *msg, size_t len, size_t *tokens) {
    counter *k = arg;
    cn_chat *c = cn_chat_new();
    cn_status st = c ? CN_OK : CN_ENOMEM;
    if (!st && k->system) st = cn_chat_add(c, CN_CHAT_SYSTEM, k->system, strlen(k->system));
    if (!st) st = cn_chat_add(c, CN_CHAT_USER, msg, len);
    cn_chat_pieces p;
    if (!st) st = cn_chat_render(c, CN_CHAT_CHIPNEMO, "<s>", "</s>", CN_CHAT_GEN_PROMPT, &p);
    cn_ids ids = {0};
    if (!st) st = cn_sft_encode(k->tok, &p, &ids, NULL), cn_chat_pieces_free(&p);
    *tokens = ids.n;
    cn_ids_free(&ids);
    cn_chat_free(c);
    return st;
}

static const char *words[] = {"clock", "domain", "crossing", "yosys", "opt_clean", "removes", "unused", "cells", "setup", "hold",
                              "the", "flop", "metastability", "synchronizer", "-o", "filename", "timing", "path", "netlist", "é"};

/* n random words, a newline now and then */
static char *text(cn_rng *r, int n, size_t *len) {
    char *s = malloc((size_t)n * 16 + 1);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        const char *w = words[cn_rng_below(r, sizeof words / sizeof *words)];
        k += (size_t)sprintf(s + k, "%s%s", i ? (cn_rng_below(r, 6) == 0 ? "\n" : " ") : "", w);
    }
    s[k] = 0;
    *len = k;
    return s;
}

static void check_random(cn_tok *tok) {
    cn_rng r;
    uint64_t seed = 3;
    cn_rng_seed(&r, &seed, 1);
    int bad = 0, cuts = 0, dropped = 0, repeats = 0, trials = 400;
    for (int t = 0; t < trials; t++) {
        counter k = {tok, cn_rng_below(&r, 2) ? "You answer questions about chip design." : NULL};
        size_t qlen;
        char *q = text(&r, 1 + (int)cn_rng_below(&r, 20), &qlen);
        int np = (int)cn_rng_below(&r, 9);
        char *p[9];
        size_t len[9];
        for (int i = 0; i < np; i++) {
            if (i && cn_rng_below(&r, 5) == 0) { /* a repeat of an earlier passage */
                int j = (int)cn_rng_below(&r, (uint64_t)i);
                p[i] = strdup(p[j]), len[i] = len[j];
            } else p[i] = text(&r, (int)cn_rng_below(&r, 120), &len[i]);
        }
        size_t alone;
        count(&k, q, qlen, &alone);
        size_t budget = alone + cn_rng_below(&r, 600);
        cn_ragctx c;
        cn_status st = cn_ragctx_fit(q, qlen, (const char *const *)p, len, np, budget, count, &k, &c);
        if (st) {
            bad++;
            fprintf(stderr, "trial %d: %s\n", t, cn_errmsg());
            goto next;
        }
        size_t again;
        count(&k, c.msg, c.len, &again);
        if (again > budget || again != c.tokens) bad++, fprintf(stderr, "trial %d: %zu tokens, budget %zu\n", t, again, budget);
        for (int i = 0; i < c.n; i++) {
            if (i && c.from[i] <= c.from[i - 1]) bad++; /* rank order */
            for (int j = 0; j < i; j++)
                if (len[c.from[j]] == len[c.from[i]] && !memcmp(p[c.from[j]], p[c.from[i]], len[c.from[i]])) bad++;
            if (c.bytes[i] < len[c.from[i]]) { /* cut: the last only, at a line end */
                cuts++;
                if (i != c.n - 1 || p[c.from[i]][c.bytes[i]] != '\n') bad++;
            }
            char num[16];
            sprintf(num, "[%d] ", i + 1);
            if (!strstr(c.msg, num)) bad++;
        }
        /* the first passage left out (not empty, not a repeat) did not fit whole */
        int last = c.n ? c.from[c.n - 1] : -1;
        if (c.n == 0 || c.bytes[c.n - 1] == len[last]) {
            for (int i = last + 1; i < np; i++) {
                int rep = len[i] == 0;
                for (int j = 0; j < i && !rep; j++) rep = len[j] == len[i] && !memcmp(p[j], p[i], len[i]);
                if (rep) {
                    repeats++;
                    continue;
                }
                dropped++;
                /* with it whole the prompt is over the budget */
                cn_ragctx more;
                int *from = malloc(((size_t)c.n + 1) * sizeof *from);
                memcpy(from, c.from, (size_t)c.n * sizeof *from), from[c.n] = i;
                const char *pp[10];
                size_t ll[10];
                for (int j = 0; j <= c.n; j++) pp[j] = p[from[j]], ll[j] = len[from[j]];
                if (cn_ragctx_fit(q, qlen, pp, ll, c.n + 1, (size_t)-1 / 2, count, &k, &more) == CN_OK) {
                    if (more.n == c.n + 1 && more.tokens <= budget) bad++, fprintf(stderr, "trial %d: passage %d fits but was left out\n", t, i);
                    cn_ragctx_free(&more);
                }
                free(from);
                break;
            }
        }
        cn_ragctx_free(&c);
    next:
        for (int i = 0; i < np; i++) free(p[i]);
        free(q);
    }
    CHECK_MSG(bad == 0, "%d bad of %d trials", bad, trials);
    CHECK_MSG(cuts > 10 && dropped > 10 && repeats > 10, "the trials cut %d, dropped %d, left out %d repeats", cuts, dropped, repeats);
    /* the question alone over the budget */
    counter k = {tok, NULL};
    cn_ragctx c;
    CHECK(cn_ragctx_fit("what is a flop", 14, NULL, NULL, 0, 3, count, &k, &c) == CN_ERANGE);
}

static void check_cited(void) {
    int c[8];
    CHECK(cn_ragctx_cited("as [2] says, and [1, 3]", 23, 3, c) == 3 && c[0] == 1 && c[1] == 2 && c[2] == 3);
    CHECK(cn_ragctx_cited("[1][3] [3] [9] [0] [x] [", 24, 4, c) == 2 && c[0] == 1 && c[1] == 3);
    CHECK(cn_ragctx_cited("none", 4, 4, c) == 0);
}

int main(void) {
    check_cited();
    cn_tok *tok = cn_tok_load(check_data("tok", "tiny-spm.json"));
    CHECK(tok != NULL);
    if (tok) check_random(tok), cn_tok_free(tok);
    return check_done();
}
