/* report: measurements (score lines, {"task", "metric", "value", ...}, as
 * cn-score prints them) and training logs ({"step", "loss", ...} lines, as
 * the trainers write them) into one document, as a self-contained HTML page
 * with inline SVG plots (plot.h) and as Markdown, laid out by a spec:
 *
 *   {"title": T, "intro": TEXT,
 *    "claims": [{"claim": C, "paper": P, "headline": SHORT_P (optional),
 *                "ours": [{"label": L, "match": M, "scale": S, "digits": D, "unit": U}
 *                         | {"label": L, "diff": [i, j]} | {"label": L, "spread": [i, j]}
 *                         | {"label": L, "text": WHAT_STANDS_INSTEAD}, ...]}],
 *    "plots": [{"kind": "loss", "title": T, "x": "step" | "tokens",
 *               "series": [{"label": L, "log": GLOB}, ...]}
 *              | {"kind": "bars", "title": T, "y": YLABEL, "match": M, "scale": S, "digits": D,
 *                 "groups": [{"label": L, "match": M}...],
 *                 "series": [{"label": L, "match": M, "in": [GROUP_LABEL...] (optional)}...],
 *                 "ref": {"label": L, "value": V} | {"label": L, "match": M}}]}
 *
 * A match M is an object whose keys a score line must have: a string is a
 * shell pattern (fnmatch) the line's string must fit, a number or boolean
 * must equal the line's, null means the key must be absent. A bar's line
 * fits the plot's match, its group's and its series'; exactly one line must
 * (none: a gap, with a warning, unless the series' "in" leaves the group
 * out; several that differ: an error naming two;
 * identical ones are one measurement). Its value is
 * the line's "value" times the scale (default 1), its interval "ci95" so
 * scaled. A claim's "ours" shows values so found, and differences of two of
 * them by index: diff j - i, spread |j - i| (the seed noise).
 *
 * Every number in the page names its source line (data-src="FILE:LINE",
 * data-value the line's value) or, for a loss curve, its file
 * (data-src, data-points); the Markdown gives each table's sources. */
#ifndef CN_REPORT_H
#define CN_REPORT_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include "log.h"
#include "plot.h"

typedef struct cn_report cn_report;

/* An empty report for the spec (owned by the caller, kept until
 * cn_report_free). NULL with the reason when the spec is malformed
 * (naming the spec's path and the element). */
cn_report *cn_report_new(const cJSON *spec, const char *spec_path);
void cn_report_free(cn_report *r);

/* Reads one input file: score lines, or a training log (a file whose
 * first line has "step" and "loss"). Errors name the file and line. */
cn_status cn_report_add(cn_report *r, const char *path);

/* The page, the Markdown and the headline table (plain text: a line a
 * claim, the paper's figure and ours), each appended to its buffer.
 * Warnings (a gap) go to warn (may be NULL) as lines. Errors: an ambiguous
 * match, a log a series names missing. */
cn_status cn_report_render(cn_report *r, cn_sb *html, cn_sb *md, cn_sb *headline, cn_sb *warn);
#endif
