/* log: status codes, per-thread error messages, the progress line. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
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

struct cn_metrics {
    int fd;
    char *path;
};

/* the length of the head of text (n bytes) made of whole lines whose "step"
 * is at most last */
static size_t metrics_keep(const char *text, size_t n, int64_t last) {
    size_t keep = 0;
    while (keep < n) {
        const char *nl = memchr(text + keep, '\n', n - keep);
        if (!nl) break;
        const char *k = memmem(text + keep, (size_t)(nl - text - keep), "\"step\":", 7);
        if (!k) break;
        char *end;
        errno = 0;
        long long step = strtoll(k + 7, &end, 10);
        if (errno || end == k + 7 || step < 0 || step > last) break;
        keep = (size_t)(nl - text) + 1;
    }
    return keep;
}

cn_metrics *cn_metrics_open(const char *path, int64_t resume_step) {
    cn_metrics *m = calloc(1, sizeof *m);
    if (!m || !(m->path = strdup(path))) {
        free(m);
        cn_fail(CN_ENOMEM, "out of memory");
        return NULL;
    }
    struct stat st;
    int regular = stat(path, &st) == 0 ? S_ISREG(st.st_mode) : 1;
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
    if (resume_step < 0) flags |= regular ? O_TRUNC : 0;
    else flags = regular ? O_RDWR | O_CREAT | O_CLOEXEC : flags | O_APPEND;
    m->fd = open(path, flags, 0666);
    if (m->fd < 0) goto fail;
    if (resume_step >= 0 && regular) {
        if (fstat(m->fd, &st)) goto fail;
        size_t n = (size_t)st.st_size, got = 0;
        char *text = malloc(n + 1);
        if (!text) {
            close(m->fd), free(m->path), free(m);
            cn_fail(CN_ENOMEM, "%s: out of memory", path);
            return NULL;
        }
        while (got < n) {
            ssize_t r = read(m->fd, text + got, n - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            got += (size_t)r;
        }
        size_t keep = metrics_keep(text, got, resume_step);
        free(text);
        if (ftruncate(m->fd, (off_t)keep) || lseek(m->fd, (off_t)keep, SEEK_SET) < 0) goto fail;
    }
    return m;
fail:
    cn_fail_errno(CN_EIO, "%s", path);
    if (m->fd >= 0) close(m->fd);
    free(m->path), free(m);
    return NULL;
}

cn_status cn_metrics_write(cn_metrics *m, const char *line, size_t n) {
    while (n) {
        ssize_t w = write(m->fd, line, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return cn_fail_errno(CN_EIO, "%s: write error", m->path);
        line += w, n -= (size_t)w;
    }
    return CN_OK;
}

cn_status cn_metrics_close(cn_metrics *m) {
    cn_status st = CN_OK;
    if (fsync(m->fd) && errno != EINVAL && errno != EROFS) st = cn_fail_errno(CN_EIO, "%s", m->path);
    if (close(m->fd) && !st) st = cn_fail_errno(CN_EIO, "%s", m->path);
    free(m->path), free(m);
    return st;
}
