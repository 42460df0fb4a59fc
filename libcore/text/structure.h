/* structure: (query, positive) pairs that a document's own layout states,
 * for training a retriever without labels (cn-retrain pairs). Lines are
 * read with their indentation (a tab to the next multiple of 8), and five
 * shapes are taken:
 *
 *   heading  a heading and the text of its section: a line underlined by
 *            a run of = - ~ ^ * + # at least as long (reST, setext), a
 *            "#" to "######" line (Markdown), a numbered line "2.3 Title"
 *            before a blank line (manuals as text), a reference entry's
 *            "name – what it does" at the margin (an en or em dash: a PDF
 *            manual's command reference as pdftotext gives it)
 *   option   an option and its description: an indented line that starts
 *            with -X, --name or +name, the description after two spaces on
 *            that line or in the lines indented deeper below it; within a
 *            reference entry also a line at the margin "-name ..." or
 *            "- name ..." (PDF text's space after the dash, dropped from
 *            the query) and the lines below it to a blank line, option or
 *            entry; the query is the nearest command, entry or title
 *            above, then the option
 *   command  a usage line and its help text: an indented line "name ARGS"
 *            whose arguments hold [...] or <...>, the paragraph after it
 *   comment  a comment and the code below it: a block of //, #, --, ;
 *            or % lines of at least three words (none about copyright or
 *            licences), then at least two lines of code
 *   title    a document's first line (3 to 80 characters, not a man page's
 *            "NAME(1)" header) and the paragraph after it
 *
 * A positive is at most max_chars characters, cut at a line, sentence or word
 * boundary (passage.h), and at least 24 bytes of three words; a query 2 to
 * 200 bytes. Pairs come in the order of their positives in the text. */
#ifndef CN_STRUCTURE_H
#define CN_STRUCTURE_H
#include <stddef.h>
#include "log.h"

typedef enum { CN_SP_HEADING, CN_SP_OPTION, CN_SP_COMMAND, CN_SP_COMMENT, CN_SP_TITLE, CN_SP_KINDS } cn_sp_kind;
extern const char *const cn_sp_kind_name[CN_SP_KINDS];

typedef struct {
    cn_sp_kind kind;
    char *query;       /* malloc'd, white space runs made one space */
    size_t start, end; /* the positive: bytes [start, end) of the text */
    size_t line;       /* the positive's first line (1-based) */
} cn_sp;

/* The pairs of text (n bytes of UTF-8) into *out (malloc'd, *count; free
 * with cn_sp_free). CN_EINVAL for max_chars < 64, CN_ENOMEM. */
cn_status cn_struct_pairs(const char *text, size_t n, int max_chars, cn_sp **out, size_t *count);
void cn_sp_free(cn_sp *v, size_t count);

/* n bytes of s with each run of white space one space, trimmed (malloc'd;
 * NULL when out of memory): how queries are written. */
char *cn_squeeze(const char *s, size_t n);
/* n bytes of s without white space, ASCII letters lowercased (malloc'd;
 * NULL when out of memory): how cn-retrain pairs --exclude compares texts,
 * whatever their line wrapping or the spaces that PDF text extraction puts
 * inside words. */
char *cn_fold(const char *s, size_t n);
#endif
