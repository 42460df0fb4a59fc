/* ragctx: the question and its passages under a token budget (ragctx.h) */
#include "ragctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char head[] = "Answer from these passages, citing them as [1]:\n\n";

/* the message of the first n passages (from[i], bytes[i] of each) into *m:
 * the question alone when n is 0 */
static cn_status render(const char *q, size_t qlen, const char *const *text, const int *from, const size_t *bytes, int n, char **m,
                        size_t *len) {
    size_t need = qlen + 16 + (n ? sizeof head : 0);
    for (int i = 0; i < n; i++) need += bytes[i] + 24;
    char *s = realloc(*m, need);
    if (!s) return cn_fail(CN_ENOMEM, "out of memory");
    *m = s;
    size_t k = 0;
    if (n) {
        memcpy(s, head, sizeof head - 1), k = sizeof head - 1;
        for (int i = 0; i < n; i++) {
            k += (size_t)sprintf(s + k, "[%d] ", i + 1);
            memcpy(s + k, text[from[i]], bytes[i]), k += bytes[i];
            memcpy(s + k, "\n\n", 2), k += 2;
        }
        memcpy(s + k, "Question: ", 10), k += 10;
    }
    memcpy(s + k, q, qlen), k += qlen;
    s[k] = 0;
    *len = k;
    return CN_OK;
}

/* whether the message with these passages fits; its tokens in *tok */
static cn_status try_fit(const char *q, size_t qlen, const char *const *text, cn_ragctx *c, int n, size_t budget, cn_ragctx_count_fn count,
                         void *arg, int *fits) {
    cn_status st = render(q, qlen, text, c->from, c->bytes, n, &c->msg, &c->len);
    if (!st) st = count(arg, c->msg, c->len, &c->tokens);
    *fits = !st && c->tokens <= budget;
    return st;
}

static int repeats(const char *const *text, const size_t *len, const cn_ragctx *c, int n, int i) {
    for (int j = 0; j < n; j++)
        if (len[c->from[j]] == len[i] && memcmp(text[c->from[j]], text[i], len[i]) == 0) return 1;
    return 0;
}

cn_status cn_ragctx_fit(const char *q, size_t qlen, const char *const *text, const size_t *len, int np, size_t budget,
                        cn_ragctx_count_fn count, void *arg, cn_ragctx *out) {
    memset(out, 0, sizeof *out);
    cn_ragctx *c = out;
    c->from = malloc(((size_t)np + 1) * sizeof *c->from);
    c->bytes = malloc(((size_t)np + 1) * sizeof *c->bytes);
    size_t *ends = NULL;
    cn_status st = c->from && c->bytes ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    int fits = 0, n = 0;
    size_t kept = 0; /* the tokens of the prompt with what is kept so far */
    if (!st) st = try_fit(q, qlen, text, c, 0, budget, count, arg, &fits);
    if (!st && !fits) st = cn_fail(CN_ERANGE, "the question alone is %zu tokens of prompt, over the budget of %zu", c->tokens, budget);
    kept = c->tokens;
    for (int i = 0; i < np && !st; i++) {
        if (!len[i] || repeats(text, len, c, n, i)) continue;
        c->from[n] = i, c->bytes[n] = len[i];
        if ((st = try_fit(q, qlen, text, c, n + 1, budget, count, arg, &fits))) break;
        if (fits) {
            n++, kept = c->tokens;
            continue;
        }
        /* cut after a line: the longest prefix ending before a newline that fits */
        size_t ne = 0;
        free(ends);
        if (!(ends = malloc((len[i] + 1) * sizeof *ends))) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        for (size_t k = 1; k < len[i]; k++)
            if (text[i][k] == '\n' && text[i][k - 1] != '\n') ends[ne++] = k;
        size_t lo = 0, hi = ne, best = 0, best_tok = 0; /* ends[0..lo) fit, ends[hi..) do not (prompts grow with the cut) */
        while (lo < hi && !st) {
            size_t mid = lo + (hi - lo) / 2;
            c->bytes[n] = ends[mid];
            if ((st = try_fit(q, qlen, text, c, n + 1, budget, count, arg, &fits))) break;
            if (fits) lo = mid + 1, best = ends[mid], best_tok = c->tokens;
            else hi = mid;
        }
        if (!st && best) c->bytes[n++] = best, kept = best_tok;
        break;
    }
    /* the message of what was kept (the last try may have been one that did not fit) */
    if (!st) st = render(q, qlen, text, c->from, c->bytes, n, &c->msg, &c->len);
    c->tokens = kept;
    free(ends);
    c->n = n;
    if (st) cn_ragctx_free(c);
    return st;
}

void cn_ragctx_free(cn_ragctx *c) {
    free(c->msg), free(c->from), free(c->bytes);
    memset(c, 0, sizeof *c);
}

int cn_ragctx_cited(const char *a, size_t len, int n, int *cited) {
    char *seen = calloc((size_t)n + 1, 1);
    if (!seen) return 0;
    for (size_t i = 0; i < len; i++) {
        if (a[i] != '[') continue;
        /* [k] or [k, l, ...] */
        size_t j = i + 1;
        int ks[64], nk = 0, ok = 1;
        for (;;) {
            long v = 0;
            size_t d = j;
            while (j < len && a[j] >= '0' && a[j] <= '9' && j - d < 6) v = v * 10 + (a[j++] - '0');
            if (j == d) { ok = 0; break; }
            if (nk < 64) ks[nk++] = (int)v;
            while (j < len && a[j] == ' ') j++;
            if (j < len && a[j] == ']') break;
            if (j < len && a[j] == ',') {
                j++;
                while (j < len && a[j] == ' ') j++;
                continue;
            }
            ok = 0;
            break;
        }
        if (!ok) continue;
        for (int k = 0; k < nk; k++)
            if (ks[k] >= 1 && ks[k] <= n) seen[ks[k]] = 1;
        i = j;
    }
    int m = 0;
    for (int k = 1; k <= n; k++)
        if (seen[k]) cited[m++] = k;
    free(seen);
    return m;
}
