/* log: status codes, error messages, progress line, metrics JSONL.
 *
 * libcore never prints an error and never exits: a failing function returns a
 * cn_status (or NULL) and leaves one line describing the failure, usually
 * "FILE:LINE: what went wrong", in a per-thread buffer read by cn_errmsg().
 * The tool decides what to tell the user. */
#ifndef CN_LOG_H
#define CN_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    CN_OK = 0,
    CN_EOF,       /* clean end of input (not an error for streaming readers) */
    CN_EIO,       /* read/write/open failure from the OS */
    CN_ENOMEM,    /* allocation failed */
    CN_EINVAL,    /* bad argument from the caller */
    CN_EFORMAT,   /* malformed input: bad JSON, bad magic, bad header */
    CN_EUTF8,     /* invalid UTF-8 */
    CN_ECRC,      /* checksum mismatch */
    CN_ETRUNC,    /* input ended in the middle of a structure */
    CN_ERANGE,    /* a value outside its allowed range (token id >= vocab) */
    CN_EMISMATCH, /* inputs that cannot be combined (tokenizer hash, width) */
} cn_status;

/* Short generic text for a status ("checksum mismatch"); never NULL. */
const char *cn_strerror(cn_status st);

/* The detailed message of the last failure in this thread, or the generic text
 * when none was set. The string is owned by libcore, valid until the next call
 * that fails. */
const char *cn_errmsg(void);

/* The status given with the last failure message in this thread, for
 * functions that return NULL on error. */
cn_status cn_last_status(void);

/* Record a failure message (printf format) and return st, so that callers can
 * write `return cn_fail(CN_EFORMAT, "%s:%llu: bad magic", name, line);`. */
cn_status cn_fail(cn_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like cn_fail, with ": strerror(errno)" appended. */
cn_status cn_fail_errno(cn_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Programmer errors only (a broken invariant, never bad input). */
#define CN_ASSERT(c) \
    do { if (!(c)) cn_assert_fail(#c, __FILE__, __LINE__); } while (0)
void cn_assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));

/* Progress line on stderr: shown only when stderr is a terminal (or the
 * environment variable CN_PROGRESS=1 forces it, for tests), redrawn at most a
 * few times a second, cleared by cn_progress_end. */
typedef struct {
    int enabled;
    double t0, last;  /* seconds, monotonic */
    int drawn;
} cn_progress;

void cn_progress_begin(cn_progress *p, int quiet);
/* Redraws if enough time has passed since the last draw (or force != 0). */
void cn_progress_update(cn_progress *p, int force, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cn_progress_end(cn_progress *p);
/* Clears the line of the progress display in use, if drawn, so that a message
 * can be printed on a clean line (the next update draws it again). */
void cn_progress_interrupt(void);
/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double cn_now(void);

#endif
