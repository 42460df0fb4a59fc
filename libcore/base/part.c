/* part: files written as the run goes, a whole line at a time, and
 * continued by a resumed run: a trainer's metrics log (cn_metrics), and a
 * results file (FILE.part) moved onto FILE when done (cn_part). */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct cn_part {
    char *path, *part;  /* FILE, FILE.part */
    int fd;
    char *header;       /* the header found by a resume (NULL: begun here) */
    char *kept;         /* the kept lines, each ending in '\n' */
    size_t *line;       /* (nkept + 1) offsets into kept */
    size_t nkept;
    size_t hlen;        /* the header's length with its newline */
    volatile off_t whole;         /* the file's length up to its last whole line */
    volatile sig_atomic_t count;  /* lines after the header */
};

static cn_part *part_new(const char *path) {
    cn_part *p = calloc(1, sizeof *p);
    size_t n = strlen(path);
    if (!p || !(p->path = strdup(path)) || !(p->part = malloc(n + 6))) {
        if (p) free(p->path);
        free(p);
        cn_fail(CN_ENOMEM, "out of memory");
        return NULL;
    }
    memcpy(p->part, path, n), memcpy(p->part + n, ".part", 6);
    p->fd = -1;
    return p;
}

void cn_part_free(cn_part *p) {
    if (!p) return;
    if (p->fd >= 0) close(p->fd);
    free(p->path), free(p->part), free(p->header), free(p->kept), free(p->line), free(p);
}

/* reads the whole file at fd (n bytes) into a malloc'd buffer */
static char *read_fd(int fd, size_t n, const char *name) {
    char *t = malloc(n + 1);
    if (!t) return cn_fail(CN_ENOMEM, "%s: out of memory", name), NULL;
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, t + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            free(t);
            return cn_fail_errno(CN_EIO, "%s: read error", name), NULL;
        }
        got += (size_t)r;
    }
    t[n] = 0;
    return t;
}

/* reads what fd holds (n bytes): the header and the whole lines after it
 * (p->whole: where they end); none when it has no whole header */
static cn_status take_over(cn_part *p, size_t n) {
    char *t = read_fd(p->fd, n, p->part);
    if (!t) return cn_last_status();
    char *nl = memchr(t, '\n', n);
    if (!nl) {
        free(t);
        return CN_OK;
    }
    size_t h = (size_t)(nl - t) + 1, end = h, lines = 0;
    for (char *q; end < n && (q = memchr(t + end, '\n', n - end)); end = (size_t)(q - t) + 1) lines++;
    p->hlen = h;
    p->kept = malloc(end - h + 1);
    p->line = malloc((lines + 1) * sizeof *p->line);
    p->header = malloc(h);
    if (!p->kept || !p->line || !p->header) {
        free(t);
        return cn_fail(CN_ENOMEM, "%s: out of memory", p->part);
    }
    memcpy(p->header, t, h - 1), p->header[h - 1] = 0;
    memcpy(p->kept, t + h, end - h), p->kept[end - h] = 0;
    size_t off = 0;
    for (size_t i = 0; i <= lines; i++) {
        p->line[i] = off;
        if (i < lines) off = (size_t)((char *)memchr(p->kept + off, '\n', end - h - off) - p->kept) + 1;
    }
    free(t);
    p->nkept = lines;
    p->count = (sig_atomic_t)lines;
    p->whole = (off_t)end;
    return CN_OK;
}

cn_part *cn_part_open(const char *path, const char *header, int resume) {
    cn_part *p = part_new(path);
    if (!p) return NULL;
    int begun = 0;
    p->fd = open(p->part, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (p->fd < 0) {
        cn_fail_errno(CN_EIO, "%s: cannot open for writing", p->part);
        goto fail;
    }
    if (flock(p->fd, LOCK_EX | LOCK_NB)) {
        cn_fail(CN_EINVAL, "%s: in use by another run", p->part);
        goto fail;
    }
    struct stat st;
    if (fstat(p->fd, &st)) {
        cn_fail_errno(CN_EIO, "%s", p->part);
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        cn_fail(CN_EINVAL, "%s: not a regular file", p->part);
        goto fail;
    }
    begun = st.st_size == 0;
    if (st.st_size && take_over(p, (size_t)st.st_size)) goto fail;
    if (p->nkept && !resume) {
        cn_fail(CN_EINVAL, "%s: the answers of an earlier run are kept there: --resume continues them; remove it to start again",
                p->part);
        goto fail;
    }
    if (p->nkept && (ftruncate(p->fd, p->whole) || lseek(p->fd, p->whole, SEEK_SET) < 0)) { /* a line cut short goes */
        cn_fail_errno(CN_EIO, "%s", p->part);
        goto fail;
    }
    if (!p->nkept) { /* begun here (a header alone is begun again) */
        size_t h = strlen(header);
        free(p->header), p->header = NULL;
        begun = 1;
        if (ftruncate(p->fd, 0) || lseek(p->fd, 0, SEEK_SET) < 0) {
            cn_fail_errno(CN_EIO, "%s", p->part);
            goto fail;
        }
        if (cn_write_fd(p->fd, header, h, p->part) || cn_write_fd(p->fd, "\n", 1, p->part)) goto fail;
        p->hlen = h + 1;
        p->whole = (off_t)p->hlen;
    }
    return p;
fail:
    if (begun) unlink(p->part); /* nothing of an earlier run there */
    cn_part_free(p);
    return NULL;
}

const char *cn_part_header(const cn_part *p) { return p->header; }
size_t cn_part_kept(const cn_part *p) { return p->nkept; }
size_t cn_part_count(const cn_part *p) { return (size_t)p->count; }
const char *cn_part_name(const cn_part *p) { return p->part; }

const char *cn_part_line(const cn_part *p, size_t i, size_t *n) {
    CN_ASSERT(i < p->nkept);
    *n = p->line[i + 1] - p->line[i] - 1;
    return p->kept + p->line[i];
}

cn_status cn_part_write(cn_part *p, const char *line, size_t n) {
    CN_ASSERT(n && line[n - 1] == '\n' && !memchr(line, '\n', n - 1));
    if (cn_write_fd(p->fd, line, n, p->part)) {
        if (ftruncate(p->fd, p->whole) == 0) lseek(p->fd, p->whole, SEEK_SET);
        return CN_EIO;
    }
    p->whole += (off_t)n;
    p->count++;
    return CN_OK;
}

size_t cn_part_cut(cn_part *p) {
    if (p->fd < 0) return 0;
    if (ftruncate(p->fd, p->whole)) { /* nothing more can be done here */ }
    if (!p->count) unlink(p->part);
    return (size_t)p->count;
}

cn_status cn_part_commit(cn_part *p) {
    cn_status st = CN_OK;
    size_t n = (size_t)p->whole - p->hlen;
    char *t = read_fd(p->fd, (size_t)p->whole, p->part);
    cn_out *out = t ? cn_out_open(p->path, 0) : NULL;
    if (!out || cn_out_write(out, t + p->hlen, n)) {
        st = cn_last_status();
        if (out) cn_out_abort(out);
    } else st = cn_out_commit(out);
    free(t);
    if (!st && unlink(p->part)) st = cn_fail_errno(CN_EIO, "%s: cannot remove", p->part);
    if (!st) close(p->fd), p->fd = -1;
    return st;
}

/* ---- metrics JSONL ---- */

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

cn_status cn_metrics_write(cn_metrics *m, const char *line, size_t n) { return cn_write_fd(m->fd, line, n, m->path); }

cn_status cn_metrics_close(cn_metrics *m) {
    cn_status st = CN_OK;
    if (fsync(m->fd) && errno != EINVAL && errno != EROFS) st = cn_fail_errno(CN_EIO, "%s", m->path);
    if (close(m->fd) && !st) st = cn_fail_errno(CN_EIO, "%s", m->path);
    free(m->path), free(m);
    return st;
}
