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

/* Reads every record of the file at path (cn_in_open: plain or zstd, - for
 * stdin) in order, each to fn with the reader (cn_jsonl_line, the field
 * readers) and the record, owned by the reader (cJSON_Duplicate what is
 * kept). fn's CN_EOF ends the reading there, as the file's end does; its
 * other errors end it and are returned, as are the file's. */
typedef cn_status (*cn_jsonl_fn)(cn_jsonl *j, cJSON *obj, void *arg);
cn_status cn_jsonl_each(const char *path, int flags, cn_jsonl_fn fn, void *arg);

/* The text of string field `field` of the current record: CN_OK with *s and *n,
 * or CN_EFORMAT naming the line when the field is missing or not a string. */
cn_status cn_jsonl_text(cn_jsonl *j, const char *field, const char **s, size_t *n);

/* The text of item i of array field `field`: CN_OK with *s and *n, or with
 * *s NULL when the field, the item or its string is missing. */
cn_status cn_jsonl_item(cn_jsonl *j, const char *field, int i, const char **s, size_t *n);

/* The same text as a copy of its *n bytes plus a NUL (malloc'd; the caller
 * frees it): a \u0000 in it stays a byte inside the copy, which only length-
 * aware code may read. */
cn_status cn_jsonl_text_dup(cn_jsonl *j, const char *field, char **out, size_t *n);

/* The text of string field `field` of the current record, or NULL when it is
 * missing or not a string (an optional label). */
const char *cn_jsonl_label(cn_jsonl *j, const char *field);

/* The current record's {"ids": [...], "text_bytes": N} (a document's token
 * ids, as cn-shard pack reads them): the ids into *ids (grown as needed,
 * *cap its room; the caller frees it), *n of them, each below vocab, and the
 * text bytes (0 when the field is missing). Errors name the file and line. */
cn_status cn_jsonl_ids(cn_jsonl *j, uint64_t vocab, uint32_t **ids, size_t *cap, uint32_t *n, uint32_t *text_bytes);

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

/* A flat JSON object built key by key, printed on one line: a run's
 * settings (a results file's header). Each add is a no-op once one failed
 * for memory; cn_json_settings_print then returns NULL. */
typedef struct cn_json_settings cn_json_settings;
cn_json_settings *cn_json_settings_new(void);
void cn_json_settings_str(cn_json_settings *s, const char *key, const char *v);
void cn_json_settings_num(cn_json_settings *s, const char *key, double v);
void cn_json_settings_bool(cn_json_settings *s, const char *key, int v);
void cn_json_settings_strs(cn_json_settings *s, const char *key, const char *const *v, int n);
/* The one line (malloc'd, no newline) and s freed. */
char *cn_json_settings_print(cn_json_settings *s);
/* Compares two such lines: CN_OK with *which = -1 when every one of keys has
 * the same value in both (a key missing from was differs), else *which the
 * first key that differs and *was_v, *now_v their values as JSON text
 * (malloc'd; *was_v NULL when missing). CN_EFORMAT when was is not a JSON
 * object (now must be one). */
cn_status cn_json_settings_diff(const char *was, const char *now, const char *const *keys, int nkeys, int *which, char **was_v,
                                char **now_v);

/* Writes j, indented, to DIR/NAME atomically (cn_write_text) and frees it:
 * the config files of a model directory. */
cn_status cn_json_write_file(const char *dir, const char *name, cJSON *j);

#endif
