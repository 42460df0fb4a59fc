/* log: status codes, per-thread error messages, the progress line. */
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Thread_local char errbuf[1024];
static _Thread_local int errset;
static _Thread_local cn_status errst = CN_EIO;

cn_status cn_last_status(void) { return errst; }

const char *cn_strerror(cn_status st) {
    switch (st) {
    case CN_OK: return "success";
    case CN_EOF: return "end of input";
    case CN_EIO: return "input/output error";
    case CN_ENOMEM: return "out of memory";
    case CN_EINVAL: return "invalid argument";
    case CN_EFORMAT: return "malformed input";
    case CN_EUTF8: return "invalid UTF-8";
    case CN_ECRC: return "checksum mismatch";
    case CN_ETRUNC: return "truncated input";
    case CN_ERANGE: return "value out of range";
    case CN_EMISMATCH: return "incompatible inputs";
    }
    return "unknown error";
}

const char *cn_errmsg(void) { return errset ? errbuf : "unknown error"; }

static void vset(const char *fmt, va_list ap) {
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    errset = 1;
}

cn_status cn_fail(cn_status st, const char *fmt, ...) {
    errst = st;
    va_list ap;
    va_start(ap, fmt);
    vset(fmt, ap);
    va_end(ap);
    return st;
}

cn_status cn_fail_errno(cn_status st, const char *fmt, ...) {
    int e = errno;
    errst = st;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(errbuf, sizeof errbuf, "%s: %s", msg, strerror(e));
    errset = 1;
    return st;
}

void cn_assert_fail(const char *expr, const char *file, int line) {
    fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
    abort();
}

double cn_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static cn_progress *active;

void cn_progress_interrupt(void) {
    if (active && active->enabled && active->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        active->drawn = 0;
    }
}

void cn_progress_begin(cn_progress *p, int quiet) {
    const char *force = getenv("CN_PROGRESS");
    memset(p, 0, sizeof *p);
    p->enabled = !quiet && ((force && strcmp(force, "1") == 0) || isatty(STDERR_FILENO));
    p->t0 = p->last = cn_now();
    active = p;
}

void cn_progress_update(cn_progress *p, int force, const char *fmt, ...) {
    if (!p->enabled) return;
    double t = cn_now();
    if (!force && p->drawn && t - p->last < 0.25) return; /* the first update draws at once */
    p->last = t;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = 1;
}

void cn_progress_end(cn_progress *p) {
    if (p->enabled && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = 0;
    if (active == p) active = NULL;
}
