/* ragctx: a question and its retrieved passages as one user message, under a
 * token budget (retrieval-augmented generation's prompt):
 *
 *   Answer from these passages, citing them as [1]:
 *
 *   [1] TEXT
 *
 *   [2] TEXT
 *
 *   Question: QUESTION
 *
 * (the question alone when no passage fits; the frame is short, for the
 * small contexts of models trained at a few hundred positions).
 * The passages come in rank order. One whose text repeats an earlier one's
 * is left out. They go in whole while the prompt fits; the first that does
 * not fit whole is cut after its last line that still fits (none: left out)
 * and the ones after it are left out, so a passage is dropped only when
 * every better one is in. The caller counts: count(arg, msg, len, &tokens)
 * gives the tokens of the whole prompt with msg as the user's message (the
 * template, earlier turns and BOS included), so the budget holds for what
 * the model gets, not an estimate. */
#ifndef CN_RAGCTX_H
#define CN_RAGCTX_H
#include <stddef.h>
#include "log.h"

typedef cn_status (*cn_ragctx_count_fn)(void *arg, const char *msg, size_t len, size_t *tokens);

typedef struct {
    char *msg;     /* the user's message, NUL-terminated (owned) */
    size_t len;
    size_t tokens; /* the prompt's, as count gave them */
    int n;         /* passages in it, numbered 1..n */
    int *from;     /* [n] each one's index among the passages given */
    size_t *bytes; /* [n] its bytes in the message: all of it, or a cut at a line */
} cn_ragctx;

/* Builds the message for question q (qlen bytes) with as many of the np
 * passages text[i] (len[i] bytes) as fit in budget tokens. CN_ERANGE when
 * even the question alone does not fit; CN_ENOMEM; count's failure. */
cn_status cn_ragctx_fit(const char *q, size_t qlen, const char *const *text, const size_t *len, int np, size_t budget,
                        cn_ragctx_count_fn count, void *arg, cn_ragctx *out);
void cn_ragctx_free(cn_ragctx *c);

/* The passage numbers an answer cites as [k] (1 <= k <= n), ascending and
 * each once, into cited (n entries at most); returns how many. "[1, 3]" and
 * "[1][3]" cite both. */
int cn_ragctx_cited(const char *answer, size_t len, int n, int *cited);
#endif
