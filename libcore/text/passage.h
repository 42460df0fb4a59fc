/* passage: a document cut into passages for retrieval, as ChipNeMo's
 * retriever indexes them (at most 512 characters each).
 *
 * A passage holds at most max_chars characters (Unicode code points) and
 * ends, by preference, at a line's end, else at a sentence's end (. ! or ?
 * then a space), else at a space, each looked for in the passage's second
 * half; only a text with none of them there is cut in the middle of a
 * word (at a character's boundary). The next passage starts `overlap`
 * characters before the end, moved forward to the start of a word, so that
 * a sentence cut at the end is whole in one of the two. Passages are trimmed
 * of white space at both ends; one that is all white space is left out. */
#ifndef CN_PASSAGE_H
#define CN_PASSAGE_H
#include <stddef.h>
#include "log.h"

typedef struct {
    size_t start, end; /* bytes [start, end) of the text */
} cn_span;

/* The passages of text (n bytes of UTF-8) into *spans (malloc'd, *count of
 * them; NULL and 0 for a text of white space only). overlap < max_chars.
 * CN_EINVAL for bad sizes, CN_ENOMEM. */
cn_status cn_passage_cut(const char *text, size_t n, int max_chars, int overlap, cn_span **spans, size_t *count);

typedef struct {
    size_t text;       /* which of the texts */
    size_t start, end; /* its bytes [start, end) */
} cn_text_span;

/* The passages of n texts (texts[i], lens[i] bytes), text after text, into
 * *spans (malloc'd, *count of them), each cut as cn_passage_cut cuts it.
 * Its errors, naming the text's index; *spans is then NULL. */
cn_status cn_passage_cut_all(const char *const *texts, const size_t *lens, size_t n, int max_chars, int overlap, cn_text_span **spans,
                             size_t *count);
#endif
