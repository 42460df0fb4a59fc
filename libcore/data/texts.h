/* texts: the records of JSONL files (plain or zstd) as texts with ids, as
 * the retriever's tools read documents and queries (BEIR's corpus and
 * queries: "_id", "text").
 *   N texts */
#ifndef CN_TEXTS_H
#define CN_TEXTS_H
#include <stddef.h>
#include "log.h"

typedef struct {
    char **s;      /* [N] each text, its bytes (a \u0000 a NUL byte inside) and a NUL after */
    size_t *len;   /* [N] */
    char **id;     /* [N] "_id", else "id", else its FILE:LINE */
    char **where;  /* [N] FILE:LINE */
    size_t n, cap;
} cn_texts;

/* Appends every record of path ("-": stdin): its field's text. "FILE:LINE:
 * ..." for a record without that string field, a text of white space only
 * ("an empty WHAT"), an id that is not a string; CN_ENOMEM. */
cn_status cn_texts_read(cn_texts *t, const char *path, const char *field, const char *what);
/* Appends one text given directly (id and where as given). */
cn_status cn_texts_add(cn_texts *t, const char *s, size_t n, const char *id, const char *where);
void cn_texts_free(cn_texts *t);
#endif
