/* io output: buffered, optionally zstd-compressed, atomic files. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zstd.h>

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* ---- output ---- */

#define OUTBUF (1u << 20)
#define MAXTMP 64

#define NIOV 512
#define REF_MIN 1024 /* smaller referenced blocks are copied */

struct cn_out {
    char *name, *tmp;
    int fd, slot;
    uint8_t *buf;        /* copied bytes, buf[0..len) */
    size_t cap, len;
    struct iovec iov[NIOV]; /* pending output in order: pieces of buf and caller's blocks */
    int niov;
    size_t refbytes;
    ZSTD_CCtx *cctx;
    uint64_t pos;
    int failed, finished;
};

static char *volatile tmps[MAXTMP];
static int level = 3;

void cn_out_set_level(int l) { level = l; }

static const char *volatile tmp_dir; /* a directory made for the outputs: removed with them when left empty */

static void remove_tmps(void) {
    for (int i = 0; i < MAXTMP; i++) {
        char *t = tmps[i];
        if (t) unlink(t);
    }
    const char *d = tmp_dir;
    if (d) rmdir(d);
}

static void on_signal(int sig) {
    remove_tmps();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_cleanup(void) {
    static int done;
    if (done) return;
    done = 1;
    atexit(remove_tmps);
    int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_signal;
            sigemptyset(&sa.sa_mask);
            sigaction(sigs[i], &sa, NULL);
        }
    }
}

void cn_out_own_dir(const char *dir) {
    install_cleanup();
    tmp_dir = dir;
}

static void release(cn_out *out) {
    if (out->slot >= 0) tmps[out->slot] = NULL;
    if (out->tmp) free(out->tmp);
    ZSTD_freeCCtx(out->cctx);
    free(out->buf);
    free(out->name);
    free(out);
}

cn_out *cn_out_open(const char *path, int flags) {
    cn_out *out = calloc(1, sizeof *out);
    if (!out) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    out->slot = -1;
    int is_stdout = !path || strcmp(path, "-") == 0;
    out->name = dupstr(is_stdout ? "<stdout>" : path);
    out->cap = OUTBUF;
    out->buf = malloc(out->cap);
    if (!out->name || !out->buf) goto oom;
    size_t pl = is_stdout ? 0 : strlen(path);
    int zst = (flags & CN_OUT_ZSTD) || (pl > 4 && strcmp(path + pl - 4, ".zst") == 0);
    if (zst) {
        out->cctx = ZSTD_createCCtx();
        if (!out->cctx) goto oom;
        ZSTD_CCtx_setParameter(out->cctx, ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(out->cctx, ZSTD_c_checksumFlag, 1);
    }
    if (is_stdout) {
        out->fd = 1;
        return out;
    }
    struct stat st;
    int in_place = (flags & CN_OUT_NO_ATOMIC) || (stat(path, &st) == 0 && !S_ISREG(st.st_mode));
    if (in_place) {
        out->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (out->fd < 0) {
            cn_fail_errno(CN_EIO, "%s: cannot open for writing", path);
            release(out);
            return NULL;
        }
        return out;
    }
    install_cleanup();
    for (int i = 0; i < MAXTMP; i++)
        if (!tmps[i]) { out->slot = i; break; }
    if (out->slot < 0) {
        cn_fail(CN_EINVAL, "%s: too many open outputs", path);
        release(out);
        return NULL;
    }
    out->tmp = malloc(pl + 32);
    if (!out->tmp) goto oom;
    snprintf(out->tmp, pl + 32, "%s.tmp.%ld", path, (long)getpid());
    out->fd = open(out->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (out->fd < 0) {
        cn_fail_errno(CN_EIO, "%s: cannot create", out->tmp);
        free(out->tmp);
        out->tmp = NULL;
        out->slot = -1;
        release(out);
        return NULL;
    }
    tmps[out->slot] = out->tmp;
    return out;
oom:
    cn_fail(CN_ENOMEM, "out of memory");
    release(out);
    return NULL;
}

cn_status cn_write_fd(int fd, const void *buf, size_t n, const char *name) {
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return cn_fail_errno(CN_EIO, "%s: write error", name);
        p += w;
        n -= (size_t)w;
    }
    return CN_OK;
}

static cn_status write_all(cn_out *out, const void *buf, size_t n) {
    cn_status st = cn_write_fd(out->fd, buf, n, out->name);
    if (st) out->failed = 1;
    return st;
}

/* compress `n` bytes of src (mode: continue/end) and write what comes out */
static cn_status zwrite(cn_out *out, const void *src, size_t n, ZSTD_EndDirective mode) {
    uint8_t zbuf[1 << 16];
    ZSTD_inBuffer zi = {src, n, 0};
    for (;;) {
        ZSTD_outBuffer zo = {zbuf, sizeof zbuf, 0};
        size_t r = ZSTD_compressStream2(out->cctx, &zo, &zi, mode);
        if (ZSTD_isError(r)) {
            out->failed = 1;
            return cn_fail(CN_EIO, "%s: zstd: %s", out->name, ZSTD_getErrorName(r));
        }
        if (zo.pos) {
            cn_status st = write_all(out, zbuf, zo.pos);
            if (st) return st;
        }
        if (mode == ZSTD_e_end ? r == 0 : zi.pos == zi.size) return CN_OK;
    }
}

/* writes the pending pieces with writev */
static cn_status flush_iov(cn_out *out) {
    struct iovec *v = out->iov;
    int n = out->niov;
    while (n > 0) {
        ssize_t w = writev(out->fd, v, n > IOV_MAX ? IOV_MAX : n);
        if (w < 0) {
            if (errno == EINTR) continue;
            out->failed = 1;
            return cn_fail_errno(CN_EIO, "%s: write error", out->name);
        }
        while (n > 0 && (size_t)w >= v->iov_len) {
            w -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (uint8_t *)v->iov_base + w;
            v->iov_len -= (size_t)w;
        }
    }
    out->niov = 0;
    out->len = 0;
    out->refbytes = 0;
    return CN_OK;
}

static cn_status flush(cn_out *out) {
    if (!out->cctx) return flush_iov(out);
    if (!out->len) return CN_OK;
    size_t n = out->len;
    out->len = 0;
    return zwrite(out, out->buf, n, ZSTD_e_continue);
}

cn_status cn_out_write(cn_out *out, const void *buf, size_t n) {
    if (out->failed) return CN_EIO;
    if (n == 0) return CN_OK;
    out->pos += n;
    if (out->len + n > out->cap || out->niov == NIOV) {
        cn_status st = flush(out);
        if (st) return st;
        if (n >= out->cap) return out->cctx ? zwrite(out, buf, n, ZSTD_e_continue) : write_all(out, buf, n);
    }
    memcpy(out->buf + out->len, buf, n);
    if (!out->cctx) {
        struct iovec *last = out->niov ? &out->iov[out->niov - 1] : NULL;
        if (last && (uint8_t *)last->iov_base + last->iov_len == out->buf + out->len) {
            last->iov_len += n;
        } else {
            out->iov[out->niov].iov_base = out->buf + out->len;
            out->iov[out->niov++].iov_len = n;
        }
    }
    out->len += n;
    return CN_OK;
}

cn_status cn_out_write_ref(cn_out *out, const void *buf, size_t n) {
    if (out->cctx || n < REF_MIN) return cn_out_write(out, buf, n);
    if (out->failed) return CN_EIO;
    if (out->niov == NIOV) {
        cn_status st = flush(out);
        if (st) return st;
    }
    out->pos += n;
    out->iov[out->niov].iov_base = (void *)buf;
    out->iov[out->niov++].iov_len = n;
    out->refbytes += n;
    return out->refbytes >= (8u << 20) ? flush(out) : CN_OK;
}

cn_status cn_out_flush(cn_out *out) { return out->failed ? CN_EIO : flush(out); }

/* everything but the rename: what can fail for want of space */
static cn_status finish(cn_out *out) {
    if (out->finished) return CN_OK;
    cn_status st = out->failed ? CN_EIO : flush(out);
    if (!st && out->cctx) st = zwrite(out, NULL, 0, ZSTD_e_end);
    if (!st && out->tmp && fsync(out->fd) != 0) st = cn_fail_errno(CN_EIO, "%s: fsync", out->tmp);
    if (st) out->failed = 1;
    else out->finished = 1;
    return st;
}

cn_status cn_out_commit_all(cn_out **outs, int n) {
    cn_status st = CN_OK;
    for (int i = 0; i < n && !st; i++)
        if (outs[i]) st = finish(outs[i]);
    for (int i = 0; i < n; i++) {
        if (!outs[i]) continue;
        if (st) cn_out_abort(outs[i]);
        else st = cn_out_commit(outs[i]);
        outs[i] = NULL;
    }
    return st;
}

cn_status cn_out_commit_set(cn_out **outs, int n) {
    cn_status st = CN_OK;
    for (int i = 0; i < n && !st; i++) st = finish(outs[i]);
    if (!st && unlink(outs[n - 1]->name) != 0 && errno != ENOENT) st = cn_fail_errno(CN_EIO, "%s: unlink", outs[n - 1]->name);
    for (int i = 0; i < n; i++) {
        if (st) cn_out_abort(outs[i]);
        else st = cn_out_commit(outs[i]);
        outs[i] = NULL;
    }
    return st;
}

cn_status cn_out_commit(cn_out *out) {
    cn_status st = finish(out);
    if (out->fd != 1 && close(out->fd) != 0 && !st) st = cn_fail_errno(CN_EIO, "%s: close", out->name);
    if (out->tmp) {
        if (!st && rename(out->tmp, out->name) != 0) st = cn_fail_errno(CN_EIO, "%s: rename", out->name);
        if (st) unlink(out->tmp);
        else {
            /* make the rename itself durable */
            char *dir = dupstr(out->name), *slash = dir ? strrchr(dir, '/') : NULL;
            if (dir) {
                if (slash) *(slash == dir ? slash + 1 : slash) = 0;
                int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0) { fsync(dfd); close(dfd); }
                free(dir);
            }
        }
    }
    release(out);
    return st;
}

void cn_out_abort(cn_out *out) {
    if (!out) return;
    if (out->fd != 1) close(out->fd);
    if (out->tmp) unlink(out->tmp);
    release(out);
}

const char *cn_out_name(const cn_out *out) { return out->name; }
uint64_t cn_out_pos(const cn_out *out) { return out->pos; }

char *cn_read_all(const char *path, size_t *n) {
    cn_in *in = cn_in_open_flags(path, CN_IN_MAP | CN_IN_SMALL); /* a regular file: mapped, no reader thread */
    if (!in) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        size_t avail;
        const uint8_t *p = cn_in_get(in, 1 << 20, &avail);
        if (!p) {
            if (cn_in_status(in) == CN_EOF) break;
            free(buf);
            cn_in_close(in);
            return NULL;
        }
        if (!avail) break;
        if (len + avail + 1 > cap) {
            cap = 2 * (len + avail + 1);
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                cn_in_close(in);
                return cn_fail(CN_ENOMEM, "out of memory"), NULL;
            }
            buf = b;
        }
        memcpy(buf + len, p, avail);
        len += avail;
        cn_in_skip(in, avail);
    }
    cn_in_close(in);
    if (!buf && !(buf = malloc(1))) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    buf[len] = 0;
    *n = len;
    return buf;
}

cn_status cn_write_text(const char *path, const char *text) {
    cn_out *out = cn_out_open(path, 0);
    if (!out) return cn_last_status();
    cn_status st = cn_out_write(out, text, strlen(text));
    if (!st) st = cn_out_write(out, "\n", 1);
    if (st) {
        cn_out_abort(out);
        return st;
    }
    return cn_out_commit(out);
}

cn_status cn_copy_file(const char *from, const char *to) {
    size_t n;
    char *data = cn_read_all(from, &n);
    if (!data) return cn_last_status();
    cn_out *out = cn_out_open(to, 0);
    cn_status st = out ? cn_out_write(out, data, n) : cn_last_status();
    if (out) st = st ? (cn_out_abort(out), st) : cn_out_commit(out);
    free(data);
    return st;
}
