/* report: score lines and training logs laid out by a spec (report.h) */
#include "report.h"
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io.h"
#include "jsonl.h"

typedef struct {
    cJSON *o;       /* the line, owned */
    char src[288];  /* FILE:LINE */
} score;

typedef struct {
    char *path;
    double *step, *tokens, *loss; /* [n] */
    uint64_t *line;               /* [n] each point's line */
    size_t n, cap;
} tlog;

struct cn_report {
    const cJSON *spec;
    const char *spec_path;
    score *s;
    size_t ns, scap;
    tlog *l;
    size_t nl, lcap;
};

/* ---- the spec ---- */

static cn_status bad_spec(const cn_report *r, const char *what) { return cn_fail(CN_EFORMAT, "%s: %s", r->spec_path, what); }

static const char *str_of(const cJSON *o, const char *key) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

static double num_of(const cJSON *o, const char *key, double dflt) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(x) ? x->valuedouble : dflt;
}

/* a list of objects each with a string "label" (and, when key, an object key) */
static int labelled_list(const cJSON *a, const char *key) {
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0) return 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, a) {
        if (!cJSON_IsObject(x) || !str_of(x, "label")) return 0;
        if (key && strcmp(key, "log") == 0 && !str_of(x, "log")) return 0;
        if (key && strcmp(key, "match") == 0 && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(x, "match"))) return 0;
    }
    return 1;
}

static cn_status check_spec(const cn_report *r) {
    const cJSON *s = r->spec, *x;
    if (!cJSON_IsObject(s) || !str_of(s, "title")) return bad_spec(r, "not an object with a \"title\" string");
    const cJSON *claims = cJSON_GetObjectItemCaseSensitive(s, "claims"), *plots = cJSON_GetObjectItemCaseSensitive(s, "plots");
    if (claims && !cJSON_IsArray(claims)) return bad_spec(r, "\"claims\" is not a list");
    if (plots && !cJSON_IsArray(plots)) return bad_spec(r, "\"plots\" is not a list");
    int i = 0;
    cJSON_ArrayForEach(x, claims) {
        char what[160];
        snprintf(what, sizeof what, "claim %d: needs \"claim\", \"paper\" and \"ours\" (labelled entries)", i++);
        const cJSON *ours = cJSON_GetObjectItemCaseSensitive(x, "ours"), *e;
        if (!str_of(x, "claim") || !str_of(x, "paper") || !labelled_list(ours, NULL)) return bad_spec(r, what);
        int k = 0;
        cJSON_ArrayForEach(e, ours) {
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "diff");
            if (!d) d = cJSON_GetObjectItemCaseSensitive(e, "spread");
            int ok = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(e, "match")) || str_of(e, "text");
            if (d) {
                const cJSON *a = cJSON_GetArrayItem(d, 0), *b = cJSON_GetArrayItem(d, 1);
                ok = cJSON_GetArraySize(d) == 2 && cJSON_IsNumber(a) && cJSON_IsNumber(b) && a->valueint >= 0 && a->valueint < k &&
                     b->valueint >= 0 && b->valueint < k && a->valueint != b->valueint;
            }
            if (!ok) {
                snprintf(what, sizeof what, "claim %d, entry %d: a \"match\", a \"text\", or a \"diff\" or \"spread\" of two earlier ones", i - 1, k);
                return bad_spec(r, what);
            }
            k++;
        }
    }
    i = 0;
    cJSON_ArrayForEach(x, plots) {
        char what[96];
        const char *kind = str_of(x, "kind");
        snprintf(what, sizeof what, "plot %d: needs a \"kind\" (loss or bars), a \"title\" and labelled \"series\"", i);
        if (!kind || !str_of(x, "title")) return bad_spec(r, what);
        if (strcmp(kind, "loss") == 0) {
            if (!labelled_list(cJSON_GetObjectItemCaseSensitive(x, "series"), "log")) return bad_spec(r, what);
        } else if (strcmp(kind, "bars") == 0) {
            snprintf(what, sizeof what, "plot %d: bars need \"groups\" and \"series\", each a label and a \"match\"", i);
            if (!labelled_list(cJSON_GetObjectItemCaseSensitive(x, "groups"), "match") ||
                !labelled_list(cJSON_GetObjectItemCaseSensitive(x, "series"), "match"))
                return bad_spec(r, what);
        } else {
            return bad_spec(r, what);
        }
        i++;
    }
    return CN_OK;
}

cn_report *cn_report_new(const cJSON *spec, const char *spec_path) {
    cn_report *r = calloc(1, sizeof *r);
    if (!r) {
        cn_fail(CN_ENOMEM, "out of memory");
        return NULL;
    }
    r->spec = spec, r->spec_path = spec_path;
    if (check_spec(r)) {
        free(r);
        return NULL;
    }
    return r;
}

void cn_report_free(cn_report *r) {
    if (!r) return;
    for (size_t i = 0; i < r->ns; i++) cJSON_Delete(r->s[i].o);
    for (size_t i = 0; i < r->nl; i++) {
        tlog *l = &r->l[i];
        free(l->path), free(l->step), free(l->tokens), free(l->loss), free(l->line);
    }
    free(r->s), free(r->l), free(r);
}

/* ---- inputs ---- */

static cn_status log_point(tlog *l, const cJSON *o, uint64_t line) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        double *a = realloc(l->step, cap * sizeof *a), *b = a ? realloc(l->tokens, cap * sizeof *b) : NULL,
               *c = b ? realloc(l->loss, cap * sizeof *c) : NULL;
        uint64_t *d = c ? realloc(l->line, cap * sizeof *d) : NULL;
        if (a) l->step = a;
        if (b) l->tokens = b;
        if (c) l->loss = c;
        if (!d) return cn_fail(CN_ENOMEM, "out of memory");
        l->line = d, l->cap = cap;
    }
    l->step[l->n] = num_of(o, "step", 0), l->tokens[l->n] = num_of(o, "tokens", 0), l->loss[l->n] = num_of(o, "loss", 0);
    l->line[l->n++] = line;
    return CN_OK;
}

typedef struct {
    cn_report *r;
    const char *path;
    tlog *l;   /* the file is a training log: this one */
    int first; /* no line read yet */
} adding;

/* a score line, or (the file's first line says so) a training log's line */
static cn_status add_line(cn_jsonl *j, cJSON *o, void *arg) {
    adding *a = arg;
    cn_report *r = a->r;
    uint64_t line = cn_jsonl_line(j);
    int is_log = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "step")) && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "loss"));
    if (a->first && is_log) {
        if (r->nl == r->lcap) {
            tlog *x = realloc(r->l, (r->lcap = r->lcap ? 2 * r->lcap : 16) * sizeof *x);
            if (!x) return cn_fail(CN_ENOMEM, "out of memory");
            r->l = x;
        }
        a->l = &r->l[r->nl++];
        *a->l = (tlog){.path = strdup(a->path)};
        if (!a->l->path) return cn_fail(CN_ENOMEM, "out of memory");
    }
    a->first = 0;
    if (a->l) return is_log ? log_point(a->l, o, line) : CN_OK; /* a log: its steps (other lines, such as a resume's note, are skipped) */
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "task")) || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "value")))
        return cn_fail(CN_EFORMAT, "%s:%llu: not a score line (a \"task\" string and a \"value\" number)", a->path, (unsigned long long)line);
    if (r->ns == r->scap) {
        score *x = realloc(r->s, (r->scap = r->scap ? 2 * r->scap : 256) * sizeof *x);
        if (!x) return cn_fail(CN_ENOMEM, "out of memory");
        r->s = x;
    }
    score *s = &r->s[r->ns];
    if (!(s->o = cJSON_Duplicate(o, 1))) return cn_fail(CN_ENOMEM, "out of memory");
    snprintf(s->src, sizeof s->src, "%s:%llu", a->path, (unsigned long long)line);
    r->ns++;
    return CN_OK;
}

cn_status cn_report_add(cn_report *r, const char *path) {
    adding a = {r, path, NULL, 1};
    cn_status st = cn_jsonl_each(path, 0, add_line, &a);
    if (!st && a.first) st = cn_fail(CN_EFORMAT, "%s: empty", path);
    return st;
}

/* ---- selection ---- */

static int fits(const cJSON *line, const cJSON *m) {
    const cJSON *k;
    cJSON_ArrayForEach(k, m) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(line, k->string);
        if (cJSON_IsNull(k)) {
            if (v) return 0;
            continue;
        }
        if (!v) return 0;
        if (cJSON_IsString(k)) {
            if (!cJSON_IsString(v) || fnmatch(k->valuestring, v->valuestring, 0) != 0) return 0;
        } else if (cJSON_IsNumber(k)) {
            if (!cJSON_IsNumber(v) || v->valuedouble != k->valuedouble) return 0;
        } else if (cJSON_IsBool(k)) {
            if (!cJSON_IsBool(v) || cJSON_IsTrue(v) != cJSON_IsTrue(k)) return 0;
        } else {
            return 0;
        }
    }
    return 1;
}

/* the one line that fits every match in m[0..n) (NULL entries ignored):
 * *out NULL when none; an error when several that differ (the first of
 * identical ones is taken) */
static cn_status find(const cn_report *r, const cJSON *const *m, int n, const char *what, const score **out) {
    *out = NULL;
    for (size_t i = 0; i < r->ns; i++) {
        int ok = 1;
        for (int k = 0; k < n && ok; k++) ok = !m[k] || fits(r->s[i].o, m[k]);
        if (!ok) continue;
        if (*out && cJSON_Compare((*out)->o, r->s[i].o, 1)) continue; /* the same measurement again (a comparison's A) */
        if (*out) return cn_fail(CN_EINVAL, "%s: %s: both %s and %s match", r->spec_path, what, (*out)->src, r->s[i].src);
        *out = &r->s[i];
    }
    return CN_OK;
}

/* a value as drawn: the line's value times the scale, its interval */
static void bar_of(const score *s, double scale, cn_bar *b) {
    memset(b, 0, sizeof *b);
    if (!s) return;
    b->has = 1;
    b->raw = cJSON_GetObjectItemCaseSensitive(s->o, "value")->valuedouble;
    b->v = b->raw * scale;
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(s->o, "ci95");
    if (cJSON_GetArraySize(ci) == 2 && cJSON_IsNumber(cJSON_GetArrayItem(ci, 0)) && cJSON_IsNumber(cJSON_GetArrayItem(ci, 1))) {
        double a = cJSON_GetArrayItem(ci, 0)->valuedouble * scale, z = cJSON_GetArrayItem(ci, 1)->valuedouble * scale;
        b->has_ci = 1, b->lo = fmin(a, z), b->hi = fmax(a, z);
    }
    snprintf(b->src, sizeof b->src, "%s", s->src);
}

/* ---- the documents ---- */

/* a number in the page: its value as shown, traceable (data-*) */
static void num_html(cn_sb *h, const cn_bar *b, double scale, int digits) {
    if (!b->has) {
        cn_sb_printf(h, "<span class=\"missing\">n/a</span>");
        return;
    }
    cn_sb_printf(h, "<span class=\"num\" data-src=\"");
    cn_sb_esc(h, b->src);
    cn_sb_printf(h, "\" data-value=\"%.17g\" data-scale=\"%.17g\" data-digits=\"%d\">%.*f</span>", b->raw, scale, digits, digits, b->v);
    if (b->has_ci) cn_sb_printf(h, " <span class=\"ci\">[%.*f, %.*f]</span>", digits, b->lo, digits, b->hi);
}

static void num_md(cn_sb *m, const cn_bar *b, int digits) {
    if (!b->has) {
        cn_sb_printf(m, "n/a");
        return;
    }
    cn_sb_printf(m, "%.*f", digits, b->v);
    if (b->has_ci) cn_sb_printf(m, " [%.*f, %.*f]", digits, b->lo, digits, b->hi);
}

/* the sources of a table, by file: "FILE lines a, b, c; ..." */
static void sources_md(cn_sb *m, const cn_bar *v, int n) {
    cn_sb_printf(m, "\nSources:");
    for (int i = 0; i < n; i++) {
        if (!v[i].has) continue;
        const char *colon = strrchr(v[i].src, ':');
        size_t fl = (size_t)(colon - v[i].src);
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = v[k].has && strncmp(v[k].src, v[i].src, fl) == 0 && v[k].src[fl] == ':';
        if (seen) continue;
        cn_sb_printf(m, "%s `%.*s` lines ", i ? ";" : "", (int)fl, v[i].src);
        int c = 0;
        for (int k = i; k < n; k++)
            if (v[k].has && strncmp(v[k].src, v[i].src, fl) == 0 && v[k].src[fl] == ':') cn_sb_printf(m, "%s%s", c++ ? ", " : "", v[k].src + fl + 1);
    }
    cn_sb_printf(m, ".\n");
}

static cn_status render_claims(const cn_report *r, cn_sb *h, cn_sb *md, cn_sb *hl) {
    const cJSON *claims = cJSON_GetObjectItemCaseSensitive(r->spec, "claims"), *c;
    if (!cJSON_GetArraySize(claims)) return CN_OK;
    cn_sb_printf(h, "<h2>ChipNeMo's claims and this run</h2>\n<table class=\"claims\"><tr><th>claim</th><th>ChipNeMo (paper)</th><th>this run</th></tr>\n");
    cn_sb_printf(md, "## ChipNeMo's claims and this run\n\n| claim | ChipNeMo (paper) | this run |\n|---|---|---|\n");
    cn_sb_printf(hl, "%-34s  %-40s  %s\n", "claim", "ChipNeMo (paper)", "this run");
    int ci = 0;
    cJSON_ArrayForEach(c, claims) {
        const cJSON *ours = cJSON_GetObjectItemCaseSensitive(c, "ours"), *e;
        int n = cJSON_GetArraySize(ours), k = 0;
        cn_bar *v = calloc((size_t)n, sizeof *v);
        double *scale = calloc((size_t)n, sizeof *scale);
        if (!v || !scale) {
            free(v), free(scale);
            return cn_fail(CN_ENOMEM, "out of memory");
        }
        cn_sb_printf(h, "<tr><td>");
        cn_sb_esc(h, str_of(c, "claim"));
        cn_sb_printf(h, "</td><td>");
        cn_sb_esc(h, str_of(c, "paper"));
        cn_sb_printf(h, "</td><td>");
        cn_sb_printf(md, "| %s | %s | ", str_of(c, "claim"), str_of(c, "paper"));
        cn_sb text = {0};
        cJSON_ArrayForEach(e, ours) {
            const char *label = str_of(e, "label"), *unit = str_of(e, "unit");
            int digits = (int)num_of(e, "digits", 3);
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(e, "diff"), *sp = cJSON_GetObjectItemCaseSensitive(e, "spread");
            cn_sb_printf(h, "%s<span class=\"entry\">", k ? "; " : "");
            cn_sb_esc(h, label);
            cn_sb_printf(h, " ");
            cn_sb_printf(md, "%s%s ", k ? "; " : "", label);
            cn_sb_printf(&text, "%s%s ", k ? "; " : "", label);
            if (str_of(e, "text")) { /* no measurement: what stands instead */
                cn_sb_esc(h, str_of(e, "text"));
                cn_sb_printf(md, "%s", str_of(e, "text"));
                cn_sb_printf(&text, "%s", str_of(e, "text"));
            } else if (d || sp) { /* of two earlier entries, in their scaled units */
                const cJSON *p = d ? d : sp;
                int a = cJSON_GetArrayItem(p, 0)->valueint, b = cJSON_GetArrayItem(p, 1)->valueint;
                scale[k] = scale[b];
                if (v[a].has && v[b].has) {
                    double x = v[b].v - v[a].v;
                    if (sp) x = fabs(x);
                    v[k].has = 1, v[k].v = x;
                    cn_sb_printf(h, "<span class=\"num\" data-%s=\"", d ? "diff" : "spread");
                    cn_sb_esc(h, v[a].src);
                    cn_sb_printf(h, "|");
                    cn_sb_esc(h, v[b].src);
                    cn_sb_printf(h, "\" data-scale=\"%.17g\" data-digits=\"%d\">%s%.*f</span>", scale[b], digits, d && x >= 0 ? "+" : "", digits, x);
                    cn_sb_printf(md, "%s%.*f", d && x >= 0 ? "+" : "", digits, x);
                    cn_sb_printf(&text, "%s%.*f", d && x >= 0 ? "+" : "", digits, x);
                } else {
                    cn_sb_printf(h, "<span class=\"missing\">n/a</span>");
                    cn_sb_printf(md, "n/a");
                    cn_sb_printf(&text, "n/a");
                }
            } else {
                const cJSON *m[1] = {cJSON_GetObjectItemCaseSensitive(e, "match")};
                const score *s;
                char what[96];
                snprintf(what, sizeof what, "claim %d, entry %d", ci, k);
                cn_status st = find(r, m, 1, what, &s);
                if (st) {
                    free(v), free(scale), cn_sb_free(&text);
                    return st;
                }
                scale[k] = num_of(e, "scale", 1);
                bar_of(s, scale[k], &v[k]);
                num_html(h, &v[k], scale[k], digits);
                num_md(md, &v[k], digits);
                if (v[k].has) cn_sb_printf(&text, "%.*f", digits, v[k].v);
                else cn_sb_printf(&text, "n/a");
            }
            if (unit) {
                cn_sb_printf(h, " ");
                cn_sb_esc(h, unit);
                cn_sb_printf(md, " %s", unit);
                cn_sb_printf(&text, " %s", unit);
            }
            if (v[k].has && v[k].src[0]) cn_sb_printf(md, " (`%s`)", v[k].src);
            cn_sb_printf(h, "</span>");
            k++;
        }
        cn_sb_printf(h, "</td></tr>\n");
        cn_sb_printf(md, " |\n");
        cn_sb_printf(hl, "%-34.34s  %-40.40s  %s\n", str_of(c, "claim"), str_of(c, "headline") ? str_of(c, "headline") : str_of(c, "paper"),
                     text.s ? text.s : "");
        cn_sb_free(&text);
        free(v), free(scale);
        ci++;
    }
    cn_sb_printf(h, "</table>\n");
    cn_sb_printf(md, "\n");
    return CN_OK;
}

/* a log's points, at most 400 (bucket means, so that the curve is also smoothed) */
static size_t thin(const tlog *l, int by_tokens, double *x, double *y) {
    size_t per = (l->n + 399) / 400, m = 0;
    if (!per) per = 1;
    for (size_t i = 0; i < l->n; i += per, m++) {
        size_t e = i + per < l->n ? i + per : l->n;
        double sx = 0, sy = 0;
        for (size_t k = i; k < e; k++) sx += by_tokens ? l->tokens[k] : l->step[k], sy += l->loss[k];
        x[m] = sx / (double)(e - i), y[m] = sy / (double)(e - i);
    }
    return m;
}

static cn_status render_loss(const cn_report *r, const cJSON *p, cn_sb *h, cn_sb *md) {
    const cJSON *series = cJSON_GetObjectItemCaseSensitive(p, "series"), *x;
    const char *xs = str_of(p, "x");
    int by_tokens = xs && strcmp(xs, "tokens") == 0;
    cn_sb_printf(h, "<div class=\"panels\">\n");
    cn_sb_printf(md, "| run | log | steps | first loss | last loss | lowest |\n|---|---|---|---|---|---|\n");
    cJSON_ArrayForEach(x, series) {
        const char *glob = str_of(x, "log"), *label = str_of(x, "label");
        const tlog *l = NULL;
        for (size_t i = 0; i < r->nl; i++) {
            if (fnmatch(glob, r->l[i].path, 0) != 0) continue;
            if (l) return cn_fail(CN_EINVAL, "%s: loss series \"%s\": both %s and %s match", r->spec_path, label, l->path, r->l[i].path);
            l = &r->l[i];
        }
        if (!l || !l->n) return cn_fail(CN_EINVAL, "%s: loss series \"%s\": no training log matches %s", r->spec_path, label, glob);
        double *xx = malloc(400 * sizeof *xx), *yy = malloc(400 * sizeof *yy), lo;
        if (!xx || !yy) {
            free(xx), free(yy);
            return cn_fail(CN_ENOMEM, "out of memory");
        }
        cn_line ln = {.label = label, .src = l->path, .x = xx, .y = yy, .n = thin(l, by_tokens, xx, yy)};
        cn_sb_printf(h, "<figure>");
        cn_plot_lines(h, label, by_tokens ? "tokens" : "step", "loss", &ln, 1);
        cn_sb_printf(h, "<figcaption>");
        cn_sb_esc(h, label);
        cn_sb_printf(h, ": %zu steps; first loss <span class=\"num\" data-src=\"", l->n);
        cn_sb_esc(h, l->path);
        cn_sb_printf(h, ":%llu\" data-key=\"loss\" data-value=\"%.17g\" data-scale=\"1\" data-digits=\"3\">%.3f</span>, last <span class=\"num\" data-src=\"",
                     (unsigned long long)l->line[0], l->loss[0], l->loss[0]);
        cn_sb_esc(h, l->path);
        size_t at = 0; /* the lowest loss */
        for (size_t i = 0; i < l->n; i++)
            if (l->loss[i] < l->loss[at]) at = i;
        lo = l->loss[at];
        cn_sb_printf(h, ":%llu\" data-key=\"loss\" data-value=\"%.17g\" data-scale=\"1\" data-digits=\"3\">%.3f</span>, lowest <span class=\"num\" data-src=\"",
                     (unsigned long long)l->line[l->n - 1], l->loss[l->n - 1], l->loss[l->n - 1]);
        cn_sb_esc(h, l->path);
        cn_sb_printf(h, ":%llu\" data-key=\"loss\" data-value=\"%.17g\" data-scale=\"1\" data-digits=\"3\">%.3f</span></figcaption></figure>\n",
                     (unsigned long long)l->line[at], lo, lo);
        cn_sb_printf(md, "| %s | `%s` | %zu | %.3f | %.3f | %.3f |\n", label, l->path, l->n, l->loss[0], l->loss[l->n - 1], lo);
        free(xx), free(yy);
    }
    cn_sb_printf(h, "</div>\n");
    return CN_OK;
}

/* whether a series is measured in group g: its "in" list names the groups
 * (all when it has none) */
static int in_groups(const cJSON *series, const char *g) {
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(series, "in"), *x;
    if (!in) return 1;
    cJSON_ArrayForEach(x, in)
        if (cJSON_IsString(x) && strcmp(x->valuestring, g) == 0) return 1;
    return 0;
}

static cn_status render_bars(const cn_report *r, const cJSON *p, int pi, cn_sb *h, cn_sb *md, cn_sb *warn) {
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(p, "groups"), *series = cJSON_GetObjectItemCaseSensitive(p, "series");
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(p, "ref"), *pm = cJSON_GetObjectItemCaseSensitive(p, "match");
    int ng = cJSON_GetArraySize(groups), ns = cJSON_GetArraySize(series), digits = (int)num_of(p, "digits", 3);
    double scale = num_of(p, "scale", 1);
    const char **gl = calloc((size_t)ng, sizeof *gl), **sl = calloc((size_t)ns, sizeof *sl);
    cn_bar *v = calloc((size_t)(ng * ns), sizeof *v);
    cn_status st = gl && sl && v ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    for (int g = 0; !st && g < ng; g++) gl[g] = str_of(cJSON_GetArrayItem(groups, g), "label");
    for (int s = 0; !st && s < ns; s++) sl[s] = str_of(cJSON_GetArrayItem(series, s), "label");
    for (int g = 0; !st && g < ng; g++)
        for (int s = 0; !st && s < ns; s++) {
            const cJSON *m[3] = {pm, cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(groups, g), "match"),
                                 cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(series, s), "match")};
            char what[512];
            snprintf(what, sizeof what, "plot %d (%s), %s / %s", pi, str_of(p, "title"), gl[g], sl[s]);
            if (!in_groups(cJSON_GetArrayItem(series, s), gl[g])) continue; /* not measured there, by design */
            const score *sc;
            if ((st = find(r, m, 3, what, &sc))) break;
            if (!sc && warn) cn_sb_printf(warn, "%s: %s: no line matches (a gap)\n", r->spec_path, what);
            bar_of(sc, scale, &v[g * ns + s]);
        }
    cn_bars bars = {.title = str_of(p, "title"), .ylabel = str_of(p, "y"), .groups = gl, .ng = ng, .series = sl, .ns = ns, .v = v, .digits = digits};
    if (!st && ref) {
        bars.ref_label = str_of(ref, "label");
        const cJSON *rm = cJSON_GetObjectItemCaseSensitive(ref, "match");
        if (rm) { /* the first line that fits (the same for every group, such as chance) */
            for (size_t i = 0; i < r->ns && !bars.has_ref; i++)
                if (fits(r->s[i].o, rm)) bars.has_ref = 1, bars.ref = cJSON_GetObjectItemCaseSensitive(r->s[i].o, "value")->valuedouble * scale;
        } else if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ref, "value"))) {
            bars.has_ref = 1, bars.ref = num_of(ref, "value", 0);
        }
    }
    if (!st) {
        cn_sb_printf(h, "<figure>");
        cn_plot_bars(h, &bars);
        cn_sb_printf(h, "</figure>\n<table class=\"numbers\"><tr><th></th>");
        cn_sb_printf(md, "| |");
        for (int s = 0; s < ns; s++) {
            cn_sb_printf(h, "<th>");
            cn_sb_esc(h, sl[s]);
            cn_sb_printf(h, "</th>");
            cn_sb_printf(md, " %s |", sl[s]);
        }
        cn_sb_printf(h, "</tr>\n");
        cn_sb_printf(md, "\n|---|");
        for (int s = 0; s < ns; s++) cn_sb_printf(md, "---|");
        cn_sb_printf(md, "\n");
        for (int g = 0; g < ng; g++) {
            cn_sb_printf(h, "<tr><th>");
            cn_sb_esc(h, gl[g]);
            cn_sb_printf(h, "</th>");
            cn_sb_printf(md, "| %s |", gl[g]);
            for (int s = 0; s < ns; s++) {
                if (!in_groups(cJSON_GetArrayItem(series, s), gl[g])) { /* not measured there: an empty cell */
                    cn_sb_printf(h, "<td></td>");
                    cn_sb_printf(md, " |");
                    continue;
                }
                cn_sb_printf(h, "<td>");
                num_html(h, &v[g * ns + s], scale, digits);
                cn_sb_printf(h, "</td>");
                cn_sb_printf(md, " ");
                num_md(md, &v[g * ns + s], digits);
                cn_sb_printf(md, " |");
            }
            cn_sb_printf(h, "</tr>\n");
            cn_sb_printf(md, "\n");
        }
        cn_sb_printf(h, "</table>\n");
        if (bars.has_ref) cn_sb_printf(md, "\nThe dashed line: %s, %.*f.\n", bars.ref_label ? bars.ref_label : "", digits, bars.ref);
        sources_md(md, v, ng * ns);
    }
    free(gl), free(sl), free(v);
    return st;
}

static const char *STYLE =
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#f4f4f4}.ci{color:#666;font-size:90%}.missing{color:#a00}figure{margin:0.5em 0}"
    ".panels{display:flex;flex-wrap:wrap;gap:8px}.panels figure{width:430px}figcaption{font-size:90%;color:#444}";

cn_status cn_report_render(cn_report *r, cn_sb *h, cn_sb *md, cn_sb *hl, cn_sb *warn) {
    const char *title = str_of(r->spec, "title"), *intro = str_of(r->spec, "intro");
    cn_sb_printf(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    cn_sb_esc(h, title);
    cn_sb_printf(h, "</title><style>%s</style></head><body>\n<h1>", STYLE);
    cn_sb_esc(h, title);
    cn_sb_printf(h, "</h1>\n");
    cn_sb_printf(md, "# %s\n\n", title);
    if (intro) {
        cn_sb_printf(h, "<p>");
        cn_sb_esc(h, intro);
        cn_sb_printf(h, "</p>\n");
        cn_sb_printf(md, "%s\n\n", intro);
    }
    cn_status st = render_claims(r, h, md, hl);
    const cJSON *plots = cJSON_GetObjectItemCaseSensitive(r->spec, "plots"), *p;
    int pi = 0;
    cJSON_ArrayForEach(p, plots) {
        if (st) break;
        const char *cap = str_of(p, "caption");
        cn_sb_printf(h, "<h2>");
        cn_sb_esc(h, str_of(p, "title"));
        cn_sb_printf(h, "</h2>\n");
        cn_sb_printf(md, "## %s\n\n", str_of(p, "title"));
        if (cap) {
            cn_sb_printf(h, "<p>");
            cn_sb_esc(h, cap);
            cn_sb_printf(h, "</p>\n");
            cn_sb_printf(md, "%s\n\n", cap);
        }
        st = strcmp(str_of(p, "kind"), "loss") == 0 ? render_loss(r, p, h, md) : render_bars(r, p, pi, h, md, warn);
        cn_sb_printf(md, "\n");
        pi++;
    }
    cn_sb_printf(h, "</body></html>\n");
    if (!st && (h->nomem || md->nomem || hl->nomem || (warn && warn->nomem))) st = cn_fail(CN_ENOMEM, "out of memory");
    return st;
}
