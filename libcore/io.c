/* io: input streams (mmap, read, zstd) and atomic output files. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define INBUF (1u << 18)
#define ZMAGIC 0xFD2FB528u

struct cn_in {
    char *name;
    int fd;              /* -1 once closed or when not needed */
    const uint8_t *map;  /* mapped file (uncompressed data or zstd input) */
    uint64_t map_size;
    int mapped;          /* data served straight from map */
    uint64_t mpos;       /* position in map */
    uint8_t *buf;        /* decoded bytes buf[start..end) */
    size_t cap, start, end;
    int eof;             /* source exhausted */
    /* zstd */
    ZSTD_DCtx *dctx;
    uint8_t *zin;        /* compressed input buffer when not mapped */
    size_t zcap;
    ZSTD_inBuffer zi;
    size_t zret;         /* last ZSTD_decompressStream result: 0 at a frame end */
    int zstd;
    int borrowed;        /* map belongs to the caller (cn_in_mem) */
    uint64_t pos;
};

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static ssize_t read_some(int fd, void *buf, size_t n) {
    for (;;) {
        ssize_t r = read(fd, buf, n);
        if (r >= 0 || errno != EINTR) return r;
    }
}

/* raw (undecoded) bytes for the non-mapped paths; returns bytes read, 0 at EOF, -1 on error */
static ssize_t raw_fill(cn_in *in, uint8_t *dst, size_t n) {
    ssize_t r = read_some(in->fd, dst, n);
    if (r < 0) cn_fail_errno(CN_EIO, "%s: read error", in->name);
    return r;
}

void cn_in_close(cn_in *in) {
    if (!in) return;
    if (in->map && in->map_size && !in->borrowed) munmap((void *)in->map, in->map_size);
    if (in->fd > 0) close(in->fd);
    ZSTD_freeDCtx(in->dctx);
    free(in->zin);
    free(in->buf);
    free(in->name);
    free(in);
}

cn_in *cn_in_open(const char *path) { return cn_in_open_flags(path, 0); }

cn_in *cn_in_open_flags(const char *path, int flags) {
    cn_in *in = calloc(1, sizeof *in);
    if (!in) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    int is_stdin = strcmp(path, "-") == 0;
    in->name = dupstr(is_stdin ? "<stdin>" : path);
    in->fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (!in->name || in->fd < 0) {
        if (in->name) cn_fail_errno(CN_EIO, "%s: cannot open", path);
        else cn_fail(CN_ENOMEM, "out of memory");
        in->fd = -1;
        cn_in_close(in);
        return NULL;
    }
    struct stat st;
    if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        cn_fail(CN_EIO, "%s: is a directory", path);
        cn_in_close(in);
        return NULL;
    }
    if ((flags & CN_IN_MAP) && fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, in->fd, 0);
        if (m != MAP_FAILED) {
            madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
            in->map = m;
            in->map_size = (uint64_t)st.st_size;
        }
    }
    uint32_t magic = 0;
    if (in->map) {
        if (in->map_size >= 4) memcpy(&magic, in->map, 4);
        if (magic == ZMAGIC) {
            in->zi.src = in->map;
            in->zi.size = in->map_size;
        } else {
            in->mapped = 1;
        }
    } else if ((flags & CN_IN_MAP) && S_ISREG(st.st_mode) && st.st_size == 0 && !is_stdin) {
        in->mapped = 1; /* empty file */
    } else {
        /* read up to 4 bytes to see the magic */
        if (S_ISREG(st.st_mode)) posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        in->zcap = 1u << 17;
        in->zin = malloc(in->zcap);
        if (!in->zin) goto oom;
        size_t got = 0;
        while (got < 4) {
            ssize_t r = raw_fill(in, in->zin + got, in->zcap - got);
            if (r < 0) { cn_in_close(in); return NULL; }
            if (r == 0) break;
            got += (size_t)r;
        }
        if (got >= 4) memcpy(&magic, in->zin, 4);
        in->zi.src = in->zin;
        in->zi.size = got;
        if (magic != ZMAGIC) {
            /* plain stream: the bytes read become the start of the buffer */
            in->cap = INBUF;
            in->buf = malloc(in->cap);
            if (!in->buf) goto oom;
            memcpy(in->buf, in->zin, got);
            in->end = got;
            free(in->zin);
            in->zin = NULL;
            in->zi.src = NULL;
            in->zi.size = 0;
        }
    }
    if (magic == ZMAGIC) {
        in->zstd = 1;
        in->dctx = ZSTD_createDCtx();
        in->cap = ZSTD_DStreamOutSize() > INBUF ? ZSTD_DStreamOutSize() : INBUF;
        in->buf = malloc(in->cap);
        if (!in->dctx || !in->buf) goto oom;
    }
    return in;
oom:
    cn_fail(CN_ENOMEM, "out of memory");
    cn_in_close(in);
    return NULL;
}

cn_in *cn_in_mem(const void *data, size_t n, const char *name) {
    cn_in *in = calloc(1, sizeof *in);
    if (!in || !(in->name = dupstr(name))) {
        free(in);
        return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    }
    in->fd = -1;
    in->map = data;
    in->map_size = n;
    in->borrowed = 1;
    uint32_t magic = 0;
    if (n >= 4) memcpy(&magic, data, 4);
    if (magic != ZMAGIC) {
        in->mapped = 1;
        return in;
    }
    in->zi.src = data;
    in->zi.size = n;
    in->zstd = 1;
    in->dctx = ZSTD_createDCtx();
    in->cap = INBUF;
    in->buf = malloc(in->cap);
    if (!in->dctx || !in->buf) {
        cn_in_close(in);
        return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    }
    return in;
}

/* Makes room for `want` bytes in buf: compacts, and grows when want > cap. */
static int make_room(cn_in *in, size_t want) {
    if (in->start) {
        memmove(in->buf, in->buf + in->start, in->end - in->start);
        in->end -= in->start;
        in->start = 0;
    }
    if (want > in->cap) {
        size_t cap = in->cap ? in->cap : INBUF;
        while (cap < want) cap *= 2;
        uint8_t *b = realloc(in->buf, cap);
        if (!b) return cn_fail(CN_ENOMEM, "out of memory (%zu byte record)", want), -1;
        in->buf = b;
        in->cap = cap;
    }
    return 0;
}

static int zstd_fill(cn_in *in) {
    /* refill compressed input if needed */
    if (in->zi.pos == in->zi.size && !in->map) {
        ssize_t r = raw_fill(in, in->zin, in->zcap);
        if (r < 0) return -1;
        in->zi.src = in->zin;
        in->zi.size = (size_t)r;
        in->zi.pos = 0;
    }
    if (in->zi.pos == in->zi.size) {
        in->eof = 1;
        if (in->zret != 0) return cn_fail(CN_ETRUNC, "%s: truncated zstd frame", in->name), -1;
        return 0;
    }
    ZSTD_outBuffer zo = {in->buf, in->cap, in->end};
    size_t r = ZSTD_decompressStream(in->dctx, &zo, &in->zi);
    if (ZSTD_isError(r)) return cn_fail(CN_EFORMAT, "%s: zstd: %s", in->name, ZSTD_getErrorName(r)), -1;
    in->zret = r;
    in->end = zo.pos;
    return 0;
}

const uint8_t *cn_in_get(cn_in *in, size_t want, size_t *avail) {
    if (in->mapped) {
        uint64_t left = in->map_size - in->mpos;
        *avail = left > SIZE_MAX ? SIZE_MAX : (size_t)left;
        return in->map_size ? in->map + in->mpos : (const uint8_t *)"";
    }
    if (in->end - in->start < want && !in->eof) {
        if (make_room(in, want) < 0) return NULL;
        while (in->end - in->start < want && !in->eof) {
            if (in->zstd) {
                if (zstd_fill(in) < 0) return NULL;
            } else {
                ssize_t r = raw_fill(in, in->buf + in->end, in->cap - in->end);
                if (r < 0) return NULL;
                if (r == 0) in->eof = 1;
                in->end += (size_t)r;
            }
        }
    }
    *avail = in->end - in->start;
    return in->buf ? in->buf + in->start : (const uint8_t *)"";
}

void cn_in_skip(cn_in *in, size_t n) {
    if (in->mapped) in->mpos += n;
    else in->start += n;
    in->pos += n;
}

cn_status cn_in_read(cn_in *in, void *dst, size_t n) {
    size_t avail;
    const uint8_t *p = cn_in_get(in, n, &avail);
    if (!p) return CN_EIO;
    if (avail < n) {
        if (avail == 0) return CN_EOF;
        cn_in_skip(in, avail);
        return cn_fail(CN_ETRUNC, "%s: unexpected end of input", in->name);
    }
    memcpy(dst, p, n);
    cn_in_skip(in, n);
    return CN_OK;
}

uint64_t cn_in_pos(const cn_in *in) { return in->pos; }
const char *cn_in_name(const cn_in *in) { return in->name; }
int cn_in_zstd(const cn_in *in) { return in->zstd; }
int cn_in_mapped(const cn_in *in) { return in->mapped; }
const uint8_t *cn_in_map(const cn_in *in, uint64_t *size) {
    *size = in->mapped ? in->map_size : 0;
    return in->mapped ? in->map : NULL;
}

/* ---- output ---- */

#define OUTBUF (1u << 20)
#define MAXTMP 64

struct cn_out {
    char *name, *tmp;
    int fd, slot;
    uint8_t *buf;
    size_t cap, len;
    ZSTD_CCtx *cctx;
    uint64_t pos;
    int failed;
};

static char *volatile tmps[MAXTMP];
static int level = 3;

void cn_out_set_level(int l) { level = l; }

static void remove_tmps(void) {
    for (int i = 0; i < MAXTMP; i++) {
        char *t = tmps[i];
        if (t) unlink(t);
    }
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

static cn_status write_all(cn_out *out, const void *buf, size_t n) {
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = write(out->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            out->failed = 1;
            return cn_fail_errno(CN_EIO, "%s: write error", out->name);
        }
        p += w;
        n -= (size_t)w;
    }
    return CN_OK;
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

static cn_status flush(cn_out *out) {
    if (!out->len) return CN_OK;
    size_t n = out->len;
    out->len = 0;
    return out->cctx ? zwrite(out, out->buf, n, ZSTD_e_continue) : write_all(out, out->buf, n);
}

cn_status cn_out_write(cn_out *out, const void *buf, size_t n) {
    if (out->failed) return CN_EIO;
    out->pos += n;
    if (out->len + n <= out->cap) {
        memcpy(out->buf + out->len, buf, n);
        out->len += n;
        return CN_OK;
    }
    cn_status st = flush(out);
    if (st) return st;
    if (n >= out->cap) return out->cctx ? zwrite(out, buf, n, ZSTD_e_continue) : write_all(out, buf, n);
    memcpy(out->buf, buf, n);
    out->len = n;
    return CN_OK;
}

cn_status cn_out_commit(cn_out *out) {
    cn_status st = out->failed ? CN_EIO : flush(out);
    if (!st && out->cctx) st = zwrite(out, NULL, 0, ZSTD_e_end);
    if (!st && out->tmp && fsync(out->fd) != 0) st = cn_fail_errno(CN_EIO, "%s: fsync", out->tmp);
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
