/* summ: hierarchical summaries and aliases (summ.h) */
#include "summ.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const instruction[] = {
    "Summarize the following text for an engineer. Keep the technical facts: names, commands, signals, numbers and errors.",
    "Summarize the following text for a manager in a few sentences: what the problem is, its impact, and what is needed next.",
};
static const char *const style_name[] = {"technical", "managerial"};

cn_status cn_summ_style_parse(const char *name, cn_summ_style *s) {
    for (int i = 0; i < 2; i++)
        if (strcmp(name, style_name[i]) == 0) return *s = (cn_summ_style)i, CN_OK;
    return cn_fail(CN_EINVAL, "unknown style '%s': technical or managerial", name);
}

const char *cn_summ_instruction(cn_summ_style s) { return instruction[s == CN_SUMM_MANAGERIAL]; }

typedef struct {
    const cn_summ_opts *o;
    char *p; /* the prompt being built */
    size_t cap;
} ctx;

/* the prompt of s[0..n) into c->p; its length */
static cn_status prompt(ctx *c, const char *s, size_t n, size_t *len) {
    const char *ins = cn_summ_instruction(c->o->style);
    size_t k = strlen(ins);
    if (k + n + 3 > c->cap) {
        char *x = realloc(c->p, c->cap = 2 * (k + n + 3));
        if (!x) return cn_fail(CN_ENOMEM, "out of memory");
        c->p = x;
    }
    memcpy(c->p, ins, k), memcpy(c->p + k, "\n\n", 2), memcpy(c->p + k + 2, s, n);
    c->p[*len = k + 2 + n] = 0;
    return CN_OK;
}

static cn_status fits(ctx *c, const char *s, size_t n, int *ok, size_t *tokens) {
    size_t len;
    cn_status st = prompt(c, s, n, &len);
    if (!st) st = c->o->count(c->o->arg, c->p, len, tokens);
    *ok = !st && *tokens <= c->o->budget;
    return st;
}

/* the longest of the candidate ends e[0..ne) (ascending) whose prefix
 * s[0..e) fits: its index, or -1 (prompts grow with the prefix); its
 * prompt's tokens in *best_tok */
static cn_status longest(ctx *c, const char *s, const size_t *e, size_t ne, long *best, size_t *best_tok) {
    size_t lo = 0, hi = ne, tok;
    int ok;
    *best = -1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        cn_status st = fits(c, s, e[mid], &ok, &tok);
        if (st) return st;
        if (ok) *best = (long)mid, *best_tok = tok, lo = mid + 1;
        else hi = mid;
    }
    return CN_OK;
}

/* the end of the next chunk of s[0..n): after its last line that fits,
 * else its last word, else its last character; its prompt's tokens */
static cn_status next_chunk(ctx *c, const char *s, size_t n, size_t *end, size_t *tokens) {
    size_t *e = malloc((n + 1) * sizeof *e), ne = 0;
    if (!e) return cn_fail(CN_ENOMEM, "out of memory");
    long b;
    for (size_t i = 1; i < n; i++)
        if (s[i] == '\n' && s[i - 1] != '\n') e[ne++] = i;
    e[ne++] = n;
    cn_status st = longest(c, s, e, ne, &b, tokens);
    size_t line = e[0]; /* the first line: cut at a space, else a character */
    for (int pass = 0; !st && b < 0 && pass < 2; pass++) {
        ne = 0;
        for (size_t i = 1; i < line; i++)
            if (pass ? ((unsigned char)s[i] & 0xC0) != 0x80 : s[i] == ' ' && s[i - 1] != ' ') e[ne++] = i;
        if (ne) st = longest(c, s, e, ne, &b, tokens);
    }
    if (!st && b < 0) st = cn_fail(CN_ERANGE, "not even a character of the text fits the prompt's budget of %zu tokens", c->o->budget);
    if (!st) *end = e[b];
    free(e);
    return st;
}

cn_status cn_summ_run(const cn_summ_opts *o, const char *text, size_t len, char **out, int *levels, int *chunks) {
    ctx c = {o, NULL, 0};
    char *cur = malloc(len + 1), *next = NULL;
    size_t n = len;
    cn_status st = cur ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    if (!st) memcpy(cur, text, len), cur[len] = 0;
    *out = NULL, *levels = 0;
    for (int level = 1; !st && level <= o->max_depth && !*out; level++) {
        size_t at = 0, nn = 0, cap = 0;
        int k = 0;
        free(next), next = NULL;
        while (!st && at < n) {
            while (at < n && (cur[at] == '\n' || cur[at] == ' ')) at++;
            if (at == n) break;
            size_t end = 0, plen, tok = 0;
            if ((st = next_chunk(&c, cur + at, n - at, &end, &tok)) || (st = prompt(&c, cur + at, end, &plen))) break;
            if (o->seen) o->seen(o->arg, level, c.p, plen, tok);
            char *s = NULL;
            if ((st = o->gen(o->arg, c.p, plen, &s))) break;
            k++;
            size_t sl = strlen(s);
            if (nn + sl + 3 > cap) {
                char *x = realloc(next, cap = 2 * (nn + sl + 3));
                if (!x) {
                    free(s);
                    st = cn_fail(CN_ENOMEM, "out of memory");
                    break;
                }
                next = x;
            }
            if (nn) memcpy(next + nn, "\n\n", 2), nn += 2;
            memcpy(next + nn, s, sl), nn += sl, next[nn] = 0;
            free(s);
            at += end;
        }
        if (st) break;
        chunks[level - 1] = k, *levels = level;
        if (!next) { /* nothing but white space: an empty summary */
            if (!(next = calloc(1, 1))) st = cn_fail(CN_ENOMEM, "out of memory");
            k = 1;
        }
        if (k <= 1) *out = next, next = NULL;
        else if (nn >= n) /* no shorter: more levels would not end */
            st = cn_fail(CN_ERANGE, "level %d's %d summaries (%zu bytes) are no shorter than their text (%zu bytes): give the chunks more "
                                    "room (a larger context, fewer new tokens)", level, k, nn, n);
        else free(cur), cur = next, n = nn, next = NULL;
    }
    if (!st && !*out)
        st = cn_fail(CN_ERANGE, "%d levels of summaries still leave %d chunks: a larger --max-depth, or a larger context", o->max_depth,
                     chunks[o->max_depth - 1]);
    free(cur), free(next), free(c.p);
    return st;
}

/* ---- aliases ---- */

static int id_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '/' ||
           ch == ':' || ch == '-';
}

static int word_byte(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_'; }

void cn_summ_aliases_free(cn_summ_aliases *a) {
    for (size_t i = 0; i < a->n; i++) free(a->name[i]);
    free(a->name);
    memset(a, 0, sizeof *a);
}

cn_status cn_summ_alias(const char *text, size_t len, size_t min_len, char **out, cn_summ_aliases *a) {
    memset(a, 0, sizeof *a);
    strcpy(a->prefix, "ID");
    while (strstr(text, a->prefix) && strlen(a->prefix) < sizeof a->prefix - 1) strcat(a->prefix, "_");
    if (strstr(text, a->prefix)) return cn_fail(CN_EINVAL, "the text holds every alias prefix tried");
    size_t cap = len + 1, k = 0;
    char *o = malloc(cap);
    if (!o) return cn_fail(CN_ENOMEM, "out of memory");
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && id_char(text[j])) j++;
        if (j == i) { /* not an identifier byte */
            o[k++] = text[i++];
            continue;
        }
        if (j - i > min_len) {
            size_t x = 0;
            while (x < a->n && !(strlen(a->name[x]) == j - i && memcmp(a->name[x], text + i, j - i) == 0)) x++;
            if (x == a->n) {
                char **nm = realloc(a->name, (a->n + 1) * sizeof *nm);
                if (!nm || !(nm[a->n] = strndup(text + i, j - i))) {
                    if (nm) a->name = nm;
                    free(o), cn_summ_aliases_free(a);
                    return cn_fail(CN_ENOMEM, "out of memory");
                }
                a->name = nm, a->n++;
            }
            char tag[48];
            int m = snprintf(tag, sizeof tag, "%s%zu", a->prefix, x + 1);
            if (k + (size_t)m + (len - j) + 1 > cap) { /* a tag may be longer than a short run */
                char *y = realloc(o, cap = 2 * (k + (size_t)m + (len - j) + 1));
                if (!y) {
                    free(o), cn_summ_aliases_free(a);
                    return cn_fail(CN_ENOMEM, "out of memory");
                }
                o = y;
            }
            memcpy(o + k, tag, (size_t)m), k += (size_t)m;
        } else {
            memcpy(o + k, text + i, j - i), k += j - i;
        }
        i = j;
    }
    o[k] = 0;
    *out = o;
    return CN_OK;
}

char *cn_summ_restore(const cn_summ_aliases *a, const char *text) {
    size_t pl = strlen(a->prefix), cap = strlen(text) + 1;
    for (size_t i = 0; i < a->n; i++) cap += strlen(a->name[i]) * 4;
    /* each alias in the text may repeat: grow as needed */
    char *o = malloc(cap);
    size_t k = 0;
    if (!o) return NULL;
    for (const char *s = text; *s;) {
        size_t x = 0, d = 0;
        /* an alias: the prefix and a number, no letter, digit or '_' on either
         * side (a sentence's full stop after it is fine) */
        if (a->n && strncmp(s, a->prefix, pl) == 0 && s[pl] >= '1' && s[pl] <= '9' && (s == text || !word_byte(s[-1]))) {
            while (s[pl + d] >= '0' && s[pl + d] <= '9' && d < 12) x = x * 10 + (size_t)(s[pl + d] - '0'), d++;
            if (x > a->n || word_byte(s[pl + d])) x = 0;
        }
        const char *put = x ? a->name[x - 1] : s;
        size_t n = x ? strlen(a->name[x - 1]) : 1;
        if (k + n + 1 > cap) {
            char *y = realloc(o, cap = 2 * (k + n + 1));
            if (!y) return free(o), NULL;
            o = y;
        }
        memcpy(o + k, put, n), k += n;
        s += x ? pl + d : 1;
    }
    o[k] = 0;
    return o;
}
