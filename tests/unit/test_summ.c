/* summ: the levels and chunks of hierarchical summaries are those the
 * lengths imply (a word-count budget and a summary of S words a chunk, so
 * the recurrence is known); every prompt is within the budget, with word
 * counts and with a real tokenizer; too few levels is an error; aliases
 * round-trip and leave no long identifier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rng.h"
#include "summ.h"
#include "tok.h"

typedef struct {
    cn_tok *tok;   /* NULL: tokens are words */
    size_t budget, over, prompts;
    int words;     /* a summary's words */
    int max_level;
} run;

static size_t count_words(const char *s, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\n' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\n')) k++;
    return k;
}

static cn_status count(void *arg, const char *p, size_t n, size_t *tokens) {
    run *r = arg;
    if (!r->tok) return *tokens = count_words(p, n), CN_OK;
    cn_ids ids = {0};
    cn_status st = cn_tok_encode(r->tok, p, n, 0, &ids);
    *tokens = ids.n;
    cn_ids_free(&ids);
    return st;
}

/* the summary: the chunk's first `words` words (12 bytes of each at most), a line each */
static cn_status gen(void *arg, const char *p, size_t n, char **out) {
    run *r = arg;
    const char *c = strstr(p, "\n\n") + 2;
    char *o = malloc(n + 1);
    size_t k = 0;
    int w = 0;
    for (const char *s = c; *s && w < r->words;) {
        while (*s == ' ' || *s == '\n') s++;
        if (!*s) break;
        if (w++) o[k++] = '\n';
        for (int b = 0; *s && *s != ' ' && *s != '\n'; s++) /* at most 12 bytes of it, as a generator stops at its new tokens */
            if (b++ < 12) o[k++] = *s;
    }
    o[k] = 0;
    *out = o;
    return CN_OK;
}

static void seen(void *arg, int level, const char *p, size_t n, size_t tokens) {
    run *r = arg;
    size_t again;
    count(r, p, n, &again);
    r->prompts++;
    if (again != tokens || tokens > r->budget) r->over++;
    if (level > r->max_level) r->max_level = level;
}

static void check_levels(void) {
    const char *ins = cn_summ_instruction(CN_SUMM_TECHNICAL);
    size_t iw = count_words(ins, strlen(ins));
    int cases[][3] = {{10, 30, 3}, {500, 40, 4}, {2000, 25, 2}, {37, 12, 5}, {1, 10, 3}};
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        int nw = cases[t][0], cap = cases[t][1], S = cases[t][2];
        /* nw words, one a line */
        char *text = malloc((size_t)nw * 8 + 1);
        size_t k = 0;
        for (int i = 0; i < nw; i++) k += (size_t)sprintf(text + k, "%sw%d", i ? "\n" : "", i % 997);
        run r = {NULL, iw + (size_t)cap, 0, 0, S, 0};
        cn_summ_opts o = {CN_SUMM_TECHNICAL, 20, r.budget, count, gen, &r, seen};
        char *out;
        int levels, chunks[20];
        CHECK(cn_summ_run(&o, text, k, &out, &levels, chunks) == CN_OK);
        /* the recurrence: n words make ceil(n / cap) chunks of S words each */
        int want = 0, n = nw, wchunks[20];
        for (;;) {
            int c = (n + cap - 1) / cap;
            wchunks[want++] = c;
            if (c <= 1) break;
            n = c * S;
        }
        CHECK_MSG(levels == want, "case %zu: %d levels, %d implied", t, levels, want);
        for (int l = 0; l < levels && l < want; l++) CHECK_MSG(chunks[l] == wchunks[l], "case %zu level %d: %d chunks, %d implied", t, l + 1, chunks[l], wchunks[l]);
        CHECK(r.over == 0 && r.max_level == levels);
        free(out);
        /* one level fewer than needed: an error */
        if (want > 1) {
            o.max_depth = want - 1;
            CHECK(cn_summ_run(&o, text, k, &out, &levels, chunks) == CN_ERANGE);
        }
        free(text);
    }
}

static void check_budget(cn_tok *tok) {
    cn_rng rg;
    uint64_t seed = 9;
    cn_rng_seed(&rg, &seed, 1);
    static const char *w[] = {"clock", "domain", "the", "synchronizer", "é", "metastability,", "x", "opt_clean", "--flag", "42"};
    size_t prompts = 0, over = 0;
    for (int t = 0; t < 40; t++) {
        size_t n = 50 + cn_rng_below(&rg, 3000), k = 0;
        char *text = malloc(n * 16 + 2400);
        for (size_t i = 0; i < n; i++) {
            uint64_t sep = cn_rng_below(&rg, 12);
            k += (size_t)sprintf(text + k, "%s%s", i ? (sep == 0 ? "\n" : sep == 1 ? "\n\n" : " ") : "", w[cn_rng_below(&rg, 10)]);
        }
        if (t % 5 == 0) { /* a line of 400 words, a word of 300 letters */
            for (int i = 0; i < 400; i++) k += (size_t)sprintf(text + k, " long");
            text = realloc(text, k + 320), k += 0;
            text[k++] = '\n';
            for (int i = 0; i < 300; i++) text[k++] = 'z';
            text[k] = 0;
        }
        const char *ins = cn_summ_instruction(t % 2 ? CN_SUMM_MANAGERIAL : CN_SUMM_TECHNICAL);
        size_t it;
        run r0 = {tok, 0, 0, 0, 0, 0};
        count(&r0, ins, strlen(ins), &it);
        run r = {tok, it + 40 + cn_rng_below(&rg, 200), 0, 0, 4, 0}; /* room for a few summaries a chunk */
        cn_summ_opts o = {t % 2 ? CN_SUMM_MANAGERIAL : CN_SUMM_TECHNICAL, 30, r.budget, count, gen, &r, seen};
        char *out;
        int levels, chunks[30];
        cn_status st = cn_summ_run(&o, text, k, &out, &levels, chunks);
        CHECK_MSG(st == CN_OK, "trial %d: %s", t, cn_errmsg());
        if (!st) free(out);
        prompts += r.prompts, over += r.over;
        free(text);
    }
    CHECK_MSG(over == 0 && prompts > 100, "%zu of %zu prompts over the budget", over, prompts);
}

static void check_aliases(void) {
    const char *t = "see /home/user/projects/chip/rtl/fifo_async_gray.v:120 and /home/user/projects/chip/rtl/fifo_async_gray.v:120, "
                    "not tb_top.u_dut.u_fifo.wr_ptr_gray_sync (short: clk). ID1 is taken; VALID too";
    char *al, *back;
    cn_summ_aliases a;
    CHECK(cn_summ_alias(t, strlen(t), 16, &al, &a) == CN_OK);
    CHECK(a.n == 2 && strcmp(a.prefix, "ID_") == 0);
    CHECK(strstr(al, "ID_1 and ID_1,") && strstr(al, "not ID_2 (short: clk)"));
    CHECK((back = cn_summ_restore(&a, al)) && strcmp(back, t) == 0);
    free(back);
    /* a summary that moves them about, with a full stop after one */
    CHECK((back = cn_summ_restore(&a, "ID_2 reads ID_1. ID_3 and xID_1 stay")) &&
          strcmp(back, "tb_top.u_dut.u_fifo.wr_ptr_gray_sync reads /home/user/projects/chip/rtl/fifo_async_gray.v:120. ID_3 and xID_1 stay") == 0);
    free(back), free(al);
    cn_summ_aliases_free(&a);
    /* short runs: longer tags than the runs, still round-trips */
    const char *u = "abcd efgh abcd";
    CHECK(cn_summ_alias(u, strlen(u), 3, &al, &a) == CN_OK && a.n == 2 && strcmp(al, "ID1 ID2 ID1") == 0);
    CHECK((back = cn_summ_restore(&a, al)) && strcmp(back, u) == 0);
    free(back), free(al);
    cn_summ_aliases_free(&a);
}

int main(void) {
    check_levels();
    check_aliases();
    cn_tok *tok = cn_tok_load(check_data("tok", "tiny-spm.json"));
    CHECK(tok != NULL);
    if (tok) check_budget(tok), cn_tok_free(tok);
    return check_done();
}
