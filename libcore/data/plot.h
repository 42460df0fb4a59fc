/* plot: charts as inline SVG, for the report (report.h): grouped bars with
 * intervals and a reference line, and line charts. Every drawn number
 * carries where it came from (data-src, data-value), so that a reader or a
 * test can trace it back; text is XML-escaped. */
#ifndef CN_PLOT_H
#define CN_PLOT_H
#include <stddef.h>
#include "log.h"
#include "sb.h"

/* s with & < > " ' escaped, for XML and HTML text and attributes */
void cn_sb_esc(cn_sb *b, const char *s);

/* one bar: the value drawn (already scaled), its interval, and its source */
typedef struct {
    int has;          /* 0: no such measurement (drawn as a gap) */
    double v;         /* the value shown */
    int has_ci;
    double lo, hi;    /* its 95% interval, shown as a whisker */
    double raw;       /* the value in its source line, before the scale */
    char src[288];    /* "FILE:LINE" */
} cn_bar;

typedef struct {
    const char *title, *ylabel;
    const char *const *groups; /* [ng] the x axis' groups */
    int ng;
    const char *const *series; /* [ns] the bars in each group (the legend) */
    int ns;
    const cn_bar *v;           /* [ng * ns], group-major */
    int digits;                /* decimals of the labels */
    int has_ref;               /* a dashed horizontal line at ref */
    double ref;
    const char *ref_label;
} cn_bars;
void cn_plot_bars(cn_sb *b, const cn_bars *p);

/* one line: n points */
typedef struct {
    const char *label, *src;   /* src: the file the points come from */
    const double *x, *y;
    size_t n;
} cn_line;
void cn_plot_lines(cn_sb *b, const char *title, const char *xlabel, const char *ylabel, const cn_line *l, int nl);

/* the series' colours, in order (cycling) */
const char *cn_plot_colour(int i);
#endif
