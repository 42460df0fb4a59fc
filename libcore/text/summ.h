/* summ: hierarchical (map-reduce) summaries of texts longer than a model's
 * prompt, as ChipNeMo summarised bug reports:
 *
 *   1. the text is cut into chunks whose prompts fit the budget: at line
 *      ends, a line too long at spaces, a word too long at a character;
 *   2. each chunk is summarised (a level);
 *   3. the summaries, joined by blank lines, are the next level's text;
 *   4. until the text is one chunk: its summary is the result.
 *
 * The prompt of a chunk is the style's instruction, a blank line, then the
 * chunk. Long paths and identifiers can be put aside first (cn_summ_alias):
 * each run of [A-Za-z0-9_./:-] longer than a length becomes a short alias,
 * put back into the summary (cn_summ_restore). The caller counts a prompt's
 * tokens (count: the whole prompt as the model gets it) and writes a
 * summary (gen). */
#ifndef CN_SUMM_H
#define CN_SUMM_H
#include <stddef.h>
#include "log.h"

typedef enum { CN_SUMM_TECHNICAL, CN_SUMM_MANAGERIAL } cn_summ_style;
cn_status cn_summ_style_parse(const char *name, cn_summ_style *s);
/* the style's instruction, put before each chunk */
const char *cn_summ_instruction(cn_summ_style s);

typedef cn_status (*cn_summ_count_fn)(void *arg, const char *prompt, size_t len, size_t *tokens);
/* the summary of prompt (malloc'd, NUL-terminated, into *out) */
typedef cn_status (*cn_summ_gen_fn)(void *arg, const char *prompt, size_t len, char **out);

typedef struct {
    cn_summ_style style;
    int max_depth;          /* levels at most; more needed: CN_ERANGE */
    size_t budget;          /* tokens a prompt may take */
    cn_summ_count_fn count;
    cn_summ_gen_fn gen;
    void *arg;
    /* called with each prompt before gen (NULL: none): a tool's log, a test */
    void (*seen)(void *arg, int level, const char *prompt, size_t len, size_t tokens);
} cn_summ_opts;

/* The summary of text (len bytes) into *out (malloc'd); the levels it took
 * in *levels and the chunks of each in chunks[0..levels) (max_depth
 * entries). CN_ERANGE when the instruction alone does not fit the budget,
 * when a level's summaries are no shorter than its text, or when max_depth
 * levels do not reduce the text to one chunk. */
cn_status cn_summ_run(const cn_summ_opts *o, const char *text, size_t len, char **out, int *levels, int *chunks);

/* Aliases: each run of [A-Za-z0-9_./:-] in text longer than min_len bytes
 * becomes "<prefix><k>" (k from 1, the same run the same alias; prefix
 * "ID", or "ID_", "ID__", ... as long as the text holds it); the aliased
 * text into *out, the table into *a. */
typedef struct {
    char **name; /* [n] the originals */
    size_t n;
    char prefix[16];
} cn_summ_aliases;
cn_status cn_summ_alias(const char *text, size_t len, size_t min_len, char **out, cn_summ_aliases *a);
/* text with each alias put back (malloc'd) */
char *cn_summ_restore(const cn_summ_aliases *a, const char *text);
void cn_summ_aliases_free(cn_summ_aliases *a);
#endif
