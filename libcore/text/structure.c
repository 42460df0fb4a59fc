/* structure: pairs from a document's layout (structure.h).
 *   L lines */
#include "structure.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "passage.h"

const char *const cn_sp_kind_name[CN_SP_KINDS] = {"heading", "option", "command", "comment", "title"};

typedef struct {
    size_t start, end; /* the line's bytes, without its newline */
    size_t at;         /* its first byte that is not white space */
    int indent;        /* columns before it (a tab to the next multiple of 8) */
} line;

typedef struct {
    const char *t;
    size_t n;
    line *l;
    size_t nl;
    int max;
    cn_sp *v;
    size_t nv, cap;
    cn_status st;
} doc;

static int blank(const doc *d, size_t i) { return i >= d->nl || d->l[i].at == d->l[i].end; }
static size_t len(const doc *d, size_t i) { return d->l[i].end - d->l[i].at; }
static const char *at(const doc *d, size_t i) { return d->t + d->l[i].at; }
/* where line i starts; the text's end past the last line */
static size_t begin(const doc *d, size_t i) { return i < d->nl ? d->l[i].start : d->n; }

static int has_alpha(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (isalpha((unsigned char)s[i])) return 1;
    return 0;
}

static int words(const char *s, size_t n) {
    int w = 0;
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]) && (i == 0 || isspace((unsigned char)s[i - 1]))) w++;
    return w;
}

char *cn_fold(const char *s, size_t n) {
    char *o = malloc(n + 1);
    if (!o) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i])) o[k++] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
    o[k] = 0;
    return o;
}

char *cn_squeeze(const char *s, size_t n) {
    char *o = malloc(n + 1);
    if (!o) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i])) {
            if (k && o[k - 1] != ' ') o[k++] = ' ';
        } else {
            o[k++] = s[i];
        }
    }
    while (k && o[k - 1] == ' ') k--;
    o[k] = 0;
    return o;
}

/* a pair: query (the bytes q of qn, or two parts joined by a space), its positive the text [from, to) cut to max */
static void add(doc *d, cn_sp_kind kind, const char *ctx, size_t cn, const char *q, size_t qn, size_t from, size_t to) {
    if (d->st || to <= from) return;
    while (from < to && isspace((unsigned char)d->t[from])) from++;
    cn_span *sp = NULL;
    size_t ns = 0;
    if (from >= to || (d->st = cn_passage_cut(d->t + from, to - from, d->max, 0, &sp, &ns)) || !ns) {
        free(sp);
        return;
    }
    size_t s = from + sp[0].start, e = from + sp[0].end;
    free(sp);
    if (e - s < 24 || words(d->t + s, e - s) < 3) return;
    char *joined = malloc(cn + qn + 2);
    if (!joined) {
        d->st = cn_fail(CN_ENOMEM, "out of memory");
        return;
    }
    size_t k = 0;
    if (cn) memcpy(joined, ctx, cn), k = cn, joined[k++] = ' ';
    memcpy(joined + k, q, qn), k += qn;
    char *query = cn_squeeze(joined, k);
    free(joined);
    if (!query) {
        d->st = cn_fail(CN_ENOMEM, "out of memory");
        return;
    }
    size_t ql = strlen(query);
    if (ql < 2 || ql > 200 || !has_alpha(query, ql)) {
        free(query);
        return;
    }
    if (d->nv == d->cap) {
        cn_sp *x = realloc(d->v, (d->cap = d->cap ? 2 * d->cap : 64) * sizeof *x);
        if (!x) {
            free(query);
            d->st = cn_fail(CN_ENOMEM, "out of memory");
            return;
        }
        d->v = x;
    }
    size_t ln = 1;
    for (size_t i = 0; i < s; i++) ln += d->t[i] == '\n';
    d->v[d->nv++] = (cn_sp){kind, query, s, e, ln};
}

/* where a section that starts at line i ends: 4 x max bytes on, or the next heading */
static int is_heading(const doc *d, size_t i);
static size_t comment_mark(const char *s, size_t n);
static size_t section_end(const doc *d, size_t i) {
    size_t lim = begin(d, i) + 4 * (size_t)d->max;
    for (size_t j = i; j < d->nl; j++) {
        if (d->l[j].start >= lim) return d->l[j].start;
        if (j > i && is_heading(d, j)) return d->l[j].start;
    }
    return d->n;
}

/* the paragraph from line i: to the first blank line */
static size_t para_end(const doc *d, size_t i) {
    while (i < d->nl && !blank(d, i)) i++;
    return i < d->nl ? d->l[i].start : d->n;
}

static size_t next_text(const doc *d, size_t i, int most) {
    for (int k = 0; k <= most && i < d->nl; k++, i++)
        if (!blank(d, i)) return i;
    return d->nl;
}

/* a line underlined by a run of one of = - ~ ^ * + # at least as long */
static int underlined(const doc *d, size_t i) {
    if (blank(d, i) || blank(d, i + 1) || len(d, i) > 100 || !has_alpha(at(d, i), len(d, i))) return 0;
    const char *u = at(d, i + 1);
    size_t un = len(d, i + 1);
    if (un < 3 || un < len(d, i) || !u[0] || !strchr("=-~^*+#", u[0])) return 0;
    for (size_t k = 1; k < un; k++)
        if (u[k] != u[0]) return 0;
    return 1;
}

/* "#" to "######", a space, text; a blank line (or none) on either side */
static int atx(const doc *d, size_t i) {
    if (blank(d, i) || d->l[i].indent || (i && !blank(d, i - 1)) || !blank(d, i + 1)) return 0;
    const char *s = at(d, i);
    size_t k = 0, n = len(d, i);
    while (k < n && s[k] == '#') k++;
    return k >= 1 && k <= 6 && k < n && s[k] == ' ' && has_alpha(s + k, n - k);
}

/* "2.3 Title" or "2.3. Title" alone before a blank line (not a table of contents' "... 15") */
static int numbered(const doc *d, size_t i) {
    if (blank(d, i) || d->l[i].indent > 2 || !blank(d, i + 1) || len(d, i) > 80) return 0;
    const char *s = at(d, i);
    size_t k = 0, n = len(d, i);
    if (!isdigit((unsigned char)s[0])) return 0;
    while (k < n && (isdigit((unsigned char)s[k]) || s[k] == '.')) k++;
    if (k >= n || s[k] != ' ' || memchr(s, '\t', n) || memmem(s, n, ". .", 3) || memmem(s, n, "...", 3)) return 0;
    while (k < n && s[k] == ' ') k++;
    return k < n && isupper((unsigned char)s[k]) && s[n - 1] != '.' && !isdigit((unsigned char)s[n - 1]);
}

/* a reference entry's title at the margin, "name – what it does" (an en or em
 * dash, as PDF manuals set a command reference): the name's length, or 0 */
static size_t dash_title(const doc *d, size_t i) {
    if (blank(d, i) || d->l[i].indent || len(d, i) > 120) return 0;
    const char *s = at(d, i);
    size_t n = len(d, i), k = 0;
    while (k < n && (isalnum((unsigned char)s[k]) || strchr("_.+-", s[k]))) k++;
    if (k == 0 || k > 40 || k + 5 >= n || s[k] != ' ') return 0;
    const unsigned char *u = (const unsigned char *)s + k + 1;
    if (u[0] != 0xe2 || u[1] != 0x80 || (u[2] != 0x93 && u[2] != 0x94) || u[3] != ' ') return 0;
    return has_alpha(s + k + 5, n - k - 5) ? k : 0;
}

static int is_heading(const doc *d, size_t i) { return underlined(d, i) || atx(d, i) || numbered(d, i) || dash_title(d, i); }

/* an option at the margin as PDF text sets one: "-name ..." or "- name ..."
 * (a space after the dash), at most 40 bytes; the length of "-name" written
 * without that space into o (of 41 bytes), or 0 */
static size_t margin_option(const doc *d, size_t i, char *o) {
    if (blank(d, i) || d->l[i].indent || len(d, i) > 40) return 0;
    const char *s = at(d, i);
    size_t n = len(d, i), k = 1;
    if (s[0] != '-') return 0;
    if (k < n && s[k] == ' ') k++;
    if (k >= n || !isalpha((unsigned char)s[k])) return 0;
    o[0] = '-';
    memcpy(o + 1, s + k, n - k);
    return 1 + n - k;
}

/* mostly words: no code's punctuation, two words of letters */
static int prose(const char *s, size_t n) {
    int alpha_words = 0;
    for (size_t i = 0; i < n; i++) {
        if (strchr(";{}=$`\\|", s[i])) return 0;
        if (isalpha((unsigned char)s[i]) && (i == 0 || s[i - 1] == ' ')) {
            size_t j = i;
            while (j < n && isalpha((unsigned char)s[j])) j++;
            alpha_words += j == n || s[j] == ' ' || s[j] == ',' || s[j] == '.' || s[j] == ':';
        }
    }
    return alpha_words >= 2;
}

/* -X, --name, +name */
static int option_start(const char *s, size_t n) {
    if (n >= 2 && s[0] == '-' && isalnum((unsigned char)s[1])) return 1;
    if (n >= 3 && s[0] == '-' && s[1] == '-' && isalpha((unsigned char)s[2])) return 1;
    return n >= 2 && s[0] == '+' && isalpha((unsigned char)s[1]);
}

/* an indented "name ARGS" whose ARGS hold [...] or <...> */
static int usage_line(const doc *d, size_t i) {
    if (blank(d, i) || d->l[i].indent < 2 || len(d, i) > 100) return 0;
    const char *s = at(d, i);
    size_t n = len(d, i), k = 0;
    if (!islower((unsigned char)s[0])) return 0;
    while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '_')) k++;
    while (k < n && s[k] == ' ') k++;
    if (k == n || !s[k] || !strchr("[<-", s[k]) || memchr(s, '$', n) || memchr(s, '=', n) || memchr(s, '(', n) || memchr(s, ';', n))
        return 0;
    if (s[k] == '[' && k + 1 < n && !isalpha((unsigned char)s[k + 1]) && s[k + 1] != '-') return 0; /* "[71:0]": code */
    return memchr(s + k, '[', n - k) || memchr(s + k, '<', n - k);
}

/* a comment line's marker length, or 0 */
static size_t comment_mark(const char *s, size_t n) {
    if (n >= 2 && s[0] == '/' && s[1] == '/') return 2;
    if (n >= 2 && s[0] == '-' && s[1] == '-' && (n == 2 || s[2] == ' ')) return 2;
    if (n >= 1 && (s[0] == '#' || s[0] == ';' || s[0] == '%')) {
        if (s[0] == '#' && n >= 2 && (s[1] == '!' || isalpha((unsigned char)s[1]))) return 0; /* #!, #include, #define */
        return 1;
    }
    return 0;
}

static int about_licence(const char *s, size_t n) {
    static const char *const w[] = {"opyright", "icense", "ICENSE", "ARRANT", "arrant", "ermission"};
    for (int k = 0; k < 6; k++)
        if (memmem(s, n, w[k], strlen(w[k]))) return 1;
    return 0;
}

static void scan(doc *d) {
    const char *ctx = NULL; /* the command or title options belong to */
    size_t cn = 0;
    int in_entry = 0; /* within a reference entry (dash_title): options at the margin count */
    size_t first = next_text(d, 0, (int)d->nl);
    for (size_t i = 0; i < d->nl && !d->st; i++) {
        if (blank(d, i)) continue;
        const char *s = at(d, i);
        size_t n = len(d, i);
        if (is_heading(d, i) && !dash_title(d, i)) in_entry = 0; /* another section: its margin lines are prose */
        if (i == first) { /* title: not a man page's "NAME(1) ..." header */
            const char *p = memchr(s, '(', n);
            int man = p && p > s && p + 1 < s + n && isdigit((unsigned char)p[1]);
            if (!man && n >= 3 && n <= 80 && !comment_mark(s, n) && prose(s, n)) {
                size_t j = next_text(d, i + 1, 2);
                if (j < d->nl) add(d, CN_SP_TITLE, NULL, 0, s, n, d->l[j].start, para_end(d, j));
                ctx = s, cn = n;
                for (size_t k = 0; k < n; k++)
                    if (s[k] == ' ') { cn = k; break; }
            }
        }
        if (d->l[i].indent == 0 && n == 4 && !memcmp(s, "NAME", 4)) { /* a man page's name: the options' context */
            size_t j = next_text(d, i + 1, 2);
            if (j < d->nl) {
                ctx = at(d, j), cn = 0;
                while (cn < len(d, j) && !isspace((unsigned char)ctx[cn]) && ctx[cn] != ',') cn++;
            }
            continue;
        }
        if (underlined(d, i)) {
            add(d, CN_SP_HEADING, NULL, 0, s, n, begin(d, i + 2), section_end(d, i + 2));
            i++;
            continue;
        }
        size_t tn = dash_title(d, i);
        if (tn) { /* the entry's title and its text; the name the context of its options */
            add(d, CN_SP_HEADING, NULL, 0, s, n, begin(d, i + 1), section_end(d, i + 1));
            ctx = s, cn = tn, in_entry = 1;
            continue;
        }
        char mo[41];
        size_t mn = in_entry ? margin_option(d, i, mo) : 0;
        if (mn) { /* the description: the lines below, to a blank line, an option or a title */
            char other[41];
            size_t j = i + 1;
            while (j < d->nl && !blank(d, j) && !margin_option(d, j, other) && !dash_title(d, j)) j++;
            if (j > i + 1) add(d, CN_SP_OPTION, ctx, cn, mo, mn, d->l[i].at, d->l[j - 1].end);
            continue;
        }
        if (atx(d, i) || numbered(d, i)) {
            size_t k = 0;
            while (k < n && (s[k] == '#' || isdigit((unsigned char)s[k]) || s[k] == '.' || s[k] == ' ')) k++;
            add(d, CN_SP_HEADING, NULL, 0, s + k, n - k, begin(d, i + 1), section_end(d, i + 1));
            continue;
        }
        if (usage_line(d, i) && blank(d, i + 1)) {
            size_t j = next_text(d, i + 1, 2);
            if (j < d->nl && d->l[j].indent >= d->l[i].indent && !usage_line(d, j)) {
                add(d, CN_SP_COMMAND, NULL, 0, s, n, d->l[j].start, para_end(d, j));
                ctx = s, cn = 0;
                while (cn < n && s[cn] != ' ') cn++;
            }
            continue;
        }
        if (d->l[i].indent >= 1 && option_start(s, n)) {
            /* the option's own text: to two spaces, or the whole line */
            size_t on = n, k;
            for (k = 0; k + 1 < n; k++)
                if (s[k] == ' ' && s[k + 1] == ' ') { on = k; break; }
            if (on > 60) continue;
            size_t j = i + 1; /* the description: deeper lines below (blank lines within) */
            for (size_t m = i + 1; m < d->nl; m++) {
                if (blank(d, m)) continue;
                if (d->l[m].indent <= d->l[i].indent) break;
                j = m + 1;
            }
            int same_line = on < n;
            if (!same_line && j == i + 1) continue;
            size_t end = j < d->nl ? d->l[j - 1].end : d->n;
            add(d, CN_SP_OPTION, ctx, cn, s, on, d->l[i].at, end);
            continue;
        }
        size_t mk = comment_mark(s, n);
        if (mk) { /* a comment block, then code */
            size_t j = i;
            while (j < d->nl && !blank(d, j) && comment_mark(at(d, j), len(d, j))) j++;
            size_t code = j, e = j;
            while (e < d->nl && !blank(d, e) && !comment_mark(at(d, e), len(d, e))) e++;
            size_t from = d->l[i].start, to = d->l[j - 1].end;
            if (e - code >= 2 && !about_licence(d->t + from, to - from)) {
                char *q = malloc(to - from + 1); /* the markers dropped */
                size_t qn = 0;
                if (!q) {
                    d->st = cn_fail(CN_ENOMEM, "out of memory");
                    return;
                }
                for (size_t m = i; m < j; m++) {
                    const char *c = at(d, m);
                    size_t k = comment_mark(c, len(d, m));
                    while (k < len(d, m) && (c[k] == c[0] || c[k] == '*' || c[k] == '!')) k++;
                    memcpy(q + qn, c + k, len(d, m) - k), qn += len(d, m) - k, q[qn++] = ' ';
                }
                if (words(q, qn) >= 3 && prose(q, qn)) add(d, CN_SP_COMMENT, NULL, 0, q, qn, begin(d, code), begin(d, e));
                free(q);
            }
            i = j - 1;
        }
    }
}

cn_status cn_struct_pairs(const char *text, size_t n, int max_chars, cn_sp **out, size_t *count) {
    *out = NULL, *count = 0;
    if (max_chars < 64) return cn_fail(CN_EINVAL, "positives of at most %d bytes", max_chars);
    doc d = {text, n, NULL, 0, max_chars, NULL, 0, 0, CN_OK};
    size_t cap = 0;
    for (size_t p = 0; p < n;) {
        const char *nl = memchr(text + p, '\n', n - p);
        size_t e = nl ? (size_t)(nl - text) : n;
        if (d.nl == cap) {
            line *x = realloc(d.l, (cap = cap ? 2 * cap : 256) * sizeof *x);
            if (!x) {
                free(d.l);
                return cn_fail(CN_ENOMEM, "out of memory");
            }
            d.l = x;
        }
        line *l = &d.l[d.nl++];
        size_t next = nl ? e + 1 : n;
        l->start = p, l->end = e, l->indent = 0;
        size_t k = p;
        for (; k < e && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'); k++) l->indent = text[k] == '\t' ? (l->indent / 8 + 1) * 8 : l->indent + 1;
        while (e > k && isspace((unsigned char)text[e - 1])) e--;
        l->at = k, l->end = e;
        p = next;
    }
    if (d.nl) scan(&d);
    free(d.l);
    if (d.st) {
        cn_sp_free(d.v, d.nv);
        return d.st;
    }
    *out = d.v, *count = d.nv;
    return CN_OK;
}

void cn_sp_free(cn_sp *v, size_t count) {
    for (size_t i = 0; v && i < count; i++) free(v[i].query);
    free(v);
}
