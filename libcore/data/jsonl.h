/* jsonl: JSON Lines records, one at a time, in memory bounded by the longest
 * line whatever the file size. Parsing is cJSON's. */
#ifndef CN_JSONL_H
#define CN_JSONL_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include "io.h"

typedef struct cn_jsonl cn_jsonl;

enum {
    CN_JSONL_REPLACE_UTF8 = 1, /* replace invalid UTF-8 in text with U+FFFD instead of failing */
};

/* Reads records from in (not owned: close it after cn_jsonl_free). */
cn_jsonl *cn_jsonl_new(cn_in *in, int flags);
void cn_jsonl_free(cn_jsonl *j);

/* Parses the next non-blank line into an object. Returns CN_OK and sets *obj
 * (owned by the reader, valid until the next call), CN_EOF at the end, or an
 * error "FILE:LINE: message" (a line that is not a JSON object, invalid UTF-8
 * anywhere in the line unless CN_JSONL_REPLACE_UTF8). */
cn_status cn_jsonl_next(cn_jsonl *j, cJSON **obj);

/* The text of string field `field` of the current record: CN_OK with *s and *n,
 * or CN_EFORMAT naming the line when the field is missing or not a string. */
cn_status cn_jsonl_text(cn_jsonl *j, const char *field, const char **s, size_t *n);

/* The current line number (1-based). */
uint64_t cn_jsonl_line(const cn_jsonl *j);

/* The one JSON string writer: s (n bytes) as a JSON string literal, quotes
 * included, into dst, which has room for CN_JSON_QUOTED_MAX(n) bytes; returns
 * the length written (no NUL). '"' and '\\' are escaped, control characters
 * as \n \t \r \b \f or \u00XX (as serde_json and cJSON write them), every
 * other byte (UTF-8 included) is copied. */
#define CN_JSON_QUOTED_MAX(n) (6 * (size_t)(n) + 2)
size_t cn_json_quote(char *dst, const char *s, size_t n);
/* The literal of the NUL-terminated s, malloc'd and NUL-terminated; NULL when
 * out of memory. */
char *cn_json_quote_dup(const char *s);
/* Writes s (n bytes, valid UTF-8) as a JSON string literal with quotes. */
cn_status cn_json_write_string(cn_out *out, const char *s, size_t n);

/* The largest integer a JSON number holds exactly (2^53): counts and seeds
 * written to JSON files stay within it. */
#define CN_JSON_INT_MAX 9007199254740992LL

/* The number at key of object o, as files written here are read back
 * (trainer.json, a packer's position): CN_OK with *out, or CN_EFORMAT
 * "WHERE: 'KEY' ..." when o is no object, the key is missing or not a finite
 * number, or (cn_json_int) not an integer from lo to hi. A boolean reads as
 * 0 or 1. */
cn_status cn_json_num(const cJSON *o, const char *key, const char *where, double *out);
cn_status cn_json_int(const cJSON *o, const char *key, const char *where, int64_t lo, int64_t hi, int64_t *out);

/* Writes j, indented, to DIR/NAME atomically (cn_write_text) and frees it:
 * the config files of a model directory. */
cn_status cn_json_write_file(const char *dir, const char *name, cJSON *j);

#endif
