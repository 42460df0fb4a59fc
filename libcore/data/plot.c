/* plot: SVG charts (plot.h). Coordinates: W x H pixels, the plot area inset
 * by the margins; y ticks at 1, 2 or 5 times a power of ten. */
#include "plot.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cn_sb_esc(cn_sb *b, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': cn_sb_printf(b, "&amp;"); break;
        case '<': cn_sb_printf(b, "&lt;"); break;
        case '>': cn_sb_printf(b, "&gt;"); break;
        case '"': cn_sb_printf(b, "&quot;"); break;
        case '\'': cn_sb_printf(b, "&#39;"); break;
        default: cn_sb_put(b, s, 1);
        }
    }
}

const char *cn_plot_colour(int i) {
    static const char *const c[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948", "#9c755f"};
    return c[i % 8];
}

/* a tick step of 1, 2 or 5 x 10^k giving about n ticks over span */
static double tick_step(double span, int n) {
    if (!(span > 0)) return 1;
    double raw = span / n, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* a tick's label: as many decimals as the step needs */
static void tick_label(char *buf, size_t cap, double v, double step) {
    int d = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (d > 6) d = 6;
    snprintf(buf, cap, "%.*f", d, fabs(v) < step * 1e-6 ? 0.0 : v);
}

typedef struct {
    double w, h, l, r, t, bm; /* size and margins */
    double y0, y1;            /* the y range */
} frame;

static double fy(const frame *f, double v) { return f->t + (f->h - f->t - f->bm) * (1 - (v - f->y0) / (f->y1 - f->y0)); }

/* the y axis: grid lines and labelled ticks, and its title */
static void y_axis(cn_sb *b, const frame *f, const char *ylabel) {
    double step = tick_step(f->y1 - f->y0, 5);
    for (double v = ceil(f->y0 / step - 1e-9) * step; v <= f->y1 + step * 1e-9; v += step) {
        char lab[32];
        tick_label(lab, sizeof lab, v, step);
        double y = fy(f, v);
        cn_sb_printf(b, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", f->l, f->w - f->r, y, y);
        cn_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s</text>", f->l - 4, y + 4, lab);
    }
    cn_sb_printf(b, "<text x=\"12\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 %.1f)\">",
                 (f->t + f->h - f->bm) / 2, (f->t + f->h - f->bm) / 2);
    cn_sb_esc(b, ylabel ? ylabel : "");
    cn_sb_printf(b, "</text>");
}

static void head(cn_sb *b, const frame *f, const char *cls, const char *title) {
    cn_sb_printf(b, "<svg class=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">",
                 cls, f->w, f->h, f->w, f->h);
    cn_sb_printf(b, "<title>");
    cn_sb_esc(b, title ? title : "");
    cn_sb_printf(b, "</title><rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>");
}

/* the legend: a swatch and a label a series, in a row at the top */
static void legend(cn_sb *b, const char *const *label, int n, double x) {
    for (int i = 0; i < n; i++) {
        cn_sb_printf(b, "<rect x=\"%.1f\" y=\"6\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.1f\" y=\"15\" font-size=\"11\">", x,
                     cn_plot_colour(i), x + 14);
        cn_sb_esc(b, label[i]);
        cn_sb_printf(b, "</text>");
        x += 24 + 6.5 * (double)strlen(label[i]);
    }
}

void cn_plot_bars(cn_sb *b, const cn_bars *p) {
    double lo = 0, hi = 0;
    for (int i = 0; i < p->ng * p->ns; i++) {
        const cn_bar *v = &p->v[i];
        if (!v->has) continue;
        double a = v->has_ci ? fmin(v->v, v->lo) : v->v, z = v->has_ci ? fmax(v->v, v->hi) : v->v;
        lo = fmin(lo, a), hi = fmax(hi, z);
    }
    if (p->has_ref) lo = fmin(lo, p->ref), hi = fmax(hi, p->ref);
    if (hi <= lo) hi = lo + 1;
    double pad = (hi - lo) * 0.08;
    frame f = {.w = fmax(420, 90 + p->ng * (p->ns * 26 + 30)), .h = 300, .l = 58, .r = 12, .t = 28, .bm = 44};
    f.y0 = lo < 0 ? lo - pad : 0, f.y1 = hi + pad;
    head(b, &f, "bars", p->title);
    y_axis(b, &f, p->ylabel);
    legend(b, p->series, p->ns, f.l);
    double gw = (f.w - f.l - f.r) / p->ng, bw = fmin(26, (gw - 16) / p->ns), zero = fy(&f, 0);
    cn_sb_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>", f.l, f.w - f.r, zero, zero);
    for (int g = 0; g < p->ng; g++) {
        double x0 = f.l + g * gw + (gw - bw * p->ns) / 2;
        for (int s = 0; s < p->ns; s++) {
            const cn_bar *v = &p->v[g * p->ns + s];
            if (!v->has) continue;
            double x = x0 + s * bw, y = fy(&f, v->v), top = fmin(y, zero), h = fabs(zero - y);
            cn_sb_printf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" data-src=\"", x + 1, top,
                         bw - 2, h, cn_plot_colour(s));
            cn_sb_esc(b, v->src);
            cn_sb_printf(b, "\" data-value=\"%.17g\"><title>", v->raw);
            cn_sb_esc(b, p->series[s]);
            cn_sb_printf(b, ", ");
            cn_sb_esc(b, p->groups[g]);
            cn_sb_printf(b, ": %.*f</title></rect>", p->digits, v->v);
            if (v->has_ci)
                cn_sb_printf(b, "<line class=\"ci\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>", x + bw / 2, x + bw / 2,
                             fy(&f, v->lo), fy(&f, v->hi));
            cn_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">%.*f</text>", x + bw / 2,
                         (v->v >= 0 ? fmin(top, v->has_ci ? fy(&f, v->hi) : top) - 3 : top + h + 10), p->digits, v->v);
        }
        cn_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">", f.l + g * gw + gw / 2, f.h - f.bm + 16);
        cn_sb_esc(b, p->groups[g]);
        cn_sb_printf(b, "</text>");
    }
    if (p->has_ref) {
        double y = fy(&f, p->ref);
        cn_sb_printf(b, "<line class=\"ref\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#c00\" stroke-dasharray=\"5 4\"/>", f.l,
                     f.w - f.r, y, y);
        cn_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#c00\" text-anchor=\"end\">", f.w - f.r, y - 3);
        cn_sb_esc(b, p->ref_label ? p->ref_label : "");
        cn_sb_printf(b, "</text>");
    }
    cn_sb_printf(b, "</svg>\n");
}

void cn_plot_lines(cn_sb *b, const char *title, const char *xlabel, const char *ylabel, const cn_line *l, int nl) {
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int i = 0; i < nl; i++)
        for (size_t k = 0; k < l[i].n; k++) {
            x0 = fmin(x0, l[i].x[k]), x1 = fmax(x1, l[i].x[k]);
            y0 = fmin(y0, l[i].y[k]), y1 = fmax(y1, l[i].y[k]);
        }
    if (!(x1 > x0)) x0 = 0, x1 = x1 > 0 ? x1 : 1;
    if (!(y1 > y0)) y0 = isfinite(y0) ? y0 - 1 : 0, y1 = y0 + 2;
    double pad = (y1 - y0) * 0.05;
    frame f = {.w = 420, .h = 260, .l = 58, .r = 12, .t = 28, .bm = 40, .y0 = y0 - pad, .y1 = y1 + pad};
    head(b, &f, "lines", title);
    y_axis(b, &f, ylabel);
    const char *names[16];
    int nn = nl < 16 ? nl : 16;
    for (int i = 0; i < nn; i++) names[i] = l[i].label;
    legend(b, names, nn, f.l);
    double step = tick_step(x1 - x0, 4), pw = f.w - f.l - f.r;
    for (double v = ceil(x0 / step - 1e-9) * step; v <= x1 + step * 1e-9; v += step) {
        char lab[32];
        tick_label(lab, sizeof lab, v, step);
        cn_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%s</text>", f.l + pw * (v - x0) / (x1 - x0),
                     f.h - f.bm + 15, lab);
    }
    cn_sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">", f.l + pw / 2, f.h - 6);
    cn_sb_esc(b, xlabel ? xlabel : "");
    cn_sb_printf(b, "</text>");
    for (int i = 0; i < nl; i++) {
        cn_sb_printf(b, "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" data-src=\"", cn_plot_colour(i));
        cn_sb_esc(b, l[i].src ? l[i].src : "");
        cn_sb_printf(b, "\" data-points=\"%zu\" points=\"", l[i].n);
        for (size_t k = 0; k < l[i].n; k++)
            cn_sb_printf(b, "%s%.1f,%.1f", k ? " " : "", f.l + pw * (l[i].x[k] - x0) / (x1 - x0), fy(&f, l[i].y[k]));
        cn_sb_printf(b, "\"/>");
    }
    cn_sb_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/></svg>\n", f.l, f.w - f.r, f.h - f.bm,
                 f.h - f.bm);
}
