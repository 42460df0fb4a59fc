/* io input: memory-mapped files, and streams read ahead by a thread.
 *
 * A stream (pipe, stdin, a file not mapped, anything zstd) is read or
 * decompressed by a producer thread into a ring of NCH chunks while the
 * consumer works on the previous ones, so that reading overlaps checking (the
 * way zstd's own CLI overlaps I/O). The consumer serves cn_in_get windows
 * straight from a chunk; a window that crosses chunks is assembled in the
 * stitch buffer, which only such windows are copied into. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define NCH 8             /* chunks in the ring */
#define CHUNK (1u << 18)  /* bytes per chunk */
#define ZMAGIC 0xFD2FB528u

typedef struct {
    uint8_t *p;
    size_t len;
    int last;       /* no chunk after this one */
    cn_status err;  /* the producer failed after len bytes */
} chunk;

struct cn_in {
    char *name;
    int fd;              /* -1 when none */
    int own_fd;          /* opened here (stdin is never closed) */
    uint64_t pos;
    /* mapped: the whole input in memory */
    const uint8_t *map;
    uint64_t map_size, mpos;
    int mapped, borrowed, small; /* small: CN_IN_SMALL */
    /* producer */
    int zstd;
    uint8_t *pre;        /* bytes read while looking for the magic */
    size_t npre;
    ZSTD_DCtx *dctx;
    ZSTD_inBuffer zi;
    uint8_t *zin;
    size_t zret;         /* 0 at a frame end */
    pthread_t th;
    int started, synced;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    chunk ch[NCH];
    unsigned head, tail; /* chunks filled / released, counted forever */
    int stop, prod_waiting, cons_waiting;
    int may_block;       /* a pipe or terminal: reads may wait forever */
    char errmsg[512];
    /* consumer */
    chunk *cur;          /* chunk held, or NULL */
    size_t co;           /* offset in cur */
    int eof;
    cn_status err;       /* why the last cn_in_get failed */
    uint8_t *st;         /* stitch buffer st[sstart..send) */
    size_t stcap, sstart, send;
    int stitching;
};

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* read() with EINTR retried. On a pipe or terminal the producer first waits
 * in poll() with a timeout, so that cn_in_close can stop it (stop != NULL):
 * then it returns -2. */
static ssize_t read_some(int fd, void *buf, size_t n, int may_block, const int *stop) {
    for (;;) {
        if (may_block && stop) {
            struct pollfd pf = {fd, POLLIN, 0};
            int k = poll(&pf, 1, 50);
            if (__atomic_load_n(stop, __ATOMIC_ACQUIRE)) return -2;
            if (k == 0 || (k < 0 && errno == EINTR)) continue;
        }
        ssize_t r = read(fd, buf, n);
        if (r >= 0 || errno != EINTR) return r;
    }
}

/* ---- producer ---- */

/* fills c with plain bytes: the magic-probe bytes first, then one read(), so
 * that what a pipe delivers is handed on at once */
static cn_status fill_plain(cn_in *in, chunk *c) {
    if (in->npre) {
        memcpy(c->p, in->pre, in->npre);
        c->len = in->npre;
        in->npre = 0;
    }
    ssize_t r = read_some(in->fd, c->p + c->len, CHUNK - c->len, in->may_block, &in->stop);
    if (r == -2) return CN_EOF;
    if (r < 0) return cn_fail_errno(CN_EIO, "%s: read error", in->name);
    if (r == 0) c->last = 1;
    c->len += (size_t)r;
    return CN_OK;
}

/* fills c with decompressed bytes, until it is full or (reading a stream) the
 * input of one read() is used up */
static cn_status fill_zstd(cn_in *in, chunk *c) {
    while (c->len < CHUNK) {
        if (in->zi.pos == in->zi.size && !in->map) {
            if (c->len) break; /* hand on what there is before blocking in read() */
            /* refill compressed input: the probe bytes, then read() */
            size_t n = in->npre;
            if (n) {
                memcpy(in->zin, in->pre, n);
                in->npre = 0;
            } else {
                ssize_t r = read_some(in->fd, in->zin, ZSTD_DStreamInSize(), in->may_block, &in->stop);
                if (r == -2) return CN_EOF;
                if (r < 0) return cn_fail_errno(CN_EIO, "%s: read error", in->name);
                n = (size_t)r;
            }
            in->zi.src = in->zin;
            in->zi.size = n;
            in->zi.pos = 0;
        }
        if (in->zi.pos == in->zi.size) {
            if (in->zret != 0) return cn_fail(CN_ETRUNC, "%s: truncated zstd frame", in->name);
            c->last = 1;
            break;
        }
        ZSTD_outBuffer zo = {c->p, CHUNK, c->len};
        size_t r = ZSTD_decompressStream(in->dctx, &zo, &in->zi);
        if (ZSTD_isError(r)) return cn_fail(CN_EFORMAT, "%s: zstd: %s", in->name, ZSTD_getErrorName(r));
        in->zret = r;
        c->len = zo.pos;
    }
    return CN_OK;
}

static void *producer(void *arg) {
    cn_in *in = arg;
    for (;;) {
        pthread_mutex_lock(&in->mu);
        if (in->head - in->tail == NCH) {
            /* full: sleep until half the ring is free, so that one wake-up is
             * worth NCH/2 chunks */
            in->prod_waiting = 1;
            while (!in->stop && in->head - in->tail > NCH / 2) pthread_cond_wait(&in->cv, &in->mu);
            in->prod_waiting = 0;
        }
        int stop = in->stop;
        chunk *c = &in->ch[in->head % NCH];
        pthread_mutex_unlock(&in->mu);
        if (stop) return NULL;
        c->len = 0;
        c->last = 0;
        c->err = in->zstd ? fill_zstd(in, c) : fill_plain(in, c);
        if (c->err == CN_EOF) return NULL; /* stopped by cn_in_close */
        if (c->err) {
            snprintf(in->errmsg, sizeof in->errmsg, "%s", cn_errmsg());
            c->last = 1;
        }
        pthread_mutex_lock(&in->mu);
        __atomic_store_n(&in->head, in->head + 1, __ATOMIC_RELEASE);
        if (in->cons_waiting) pthread_cond_broadcast(&in->cv);
        pthread_mutex_unlock(&in->mu);
        if (c->last) return NULL;
    }
}

/* ---- open and close ---- */

void cn_in_close(cn_in *in) {
    if (!in) return;
    if (in->started) {
        pthread_mutex_lock(&in->mu);
        __atomic_store_n(&in->stop, 1, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&in->cv);
        pthread_mutex_unlock(&in->mu);
        pthread_join(in->th, NULL); /* a producer waiting on a pipe sees stop within 50 ms */
    }
    if (in->synced) {
        pthread_mutex_destroy(&in->mu);
        pthread_cond_destroy(&in->cv);
    }
    for (int i = 0; i < NCH; i++) free(in->ch[i].p);
    if (in->map && in->map_size && !in->borrowed) munmap((void *)in->map, in->map_size);
    if (in->own_fd) close(in->fd);
    ZSTD_freeDCtx(in->dctx);
    free(in->zin);
    free(in->pre);
    free(in->st);
    free(in->name);
    free(in);
}

static cn_in *new_in(const char *name) {
    cn_in *in = calloc(1, sizeof *in);
    if (!in) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    in->fd = -1;
    if (!(in->name = dupstr(name))) {
        free(in);
        return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    }
    return in;
}

/* starts the producer thread (zstd set up when the input is compressed) */
/* sets up decompression and the chunks; threaded: a producer thread reads
 * ahead, else the consumer fills one chunk at a time itself (for data already
 * in memory) */
static cn_status start(cn_in *in, int threaded) {
    if (in->zstd) {
        in->dctx = ZSTD_createDCtx();
        if (!in->dctx) return cn_fail(CN_ENOMEM, "out of memory");
        /* streams: accept frames made with --long=31, as `zstd -d --long=31`
         * does; a small file keeps zstd's own limit, so that a few hostile
         * bytes cannot ask for a 2 GiB window */
        ZSTD_DCtx_setParameter(in->dctx, ZSTD_d_windowLogMax, in->small ? 27 : 31);
        if (!in->map && !(in->zin = malloc(ZSTD_DStreamInSize()))) return cn_fail(CN_ENOMEM, "out of memory");
    }
    for (int i = 0; i < (threaded ? NCH : 1); i++)
        if (!(in->ch[i].p = malloc(CHUNK))) return cn_fail(CN_ENOMEM, "out of memory");
    if (!threaded) return CN_OK;
    pthread_mutex_init(&in->mu, NULL);
    pthread_cond_init(&in->cv, NULL);
    in->synced = 1;
    if (pthread_create(&in->th, NULL, producer, in) != 0) return cn_fail(CN_ENOMEM, "%s: cannot start a thread", in->name);
    in->started = 1;
    return CN_OK;
}

/* a map is served directly when plain, decompressed by the producer when zstd */
static cn_in *from_map(cn_in *in) {
    uint32_t magic = 0;
    if (in->map_size >= 4) memcpy(&magic, in->map, 4);
    if (magic != ZMAGIC) {
        in->mapped = 1;
        return in;
    }
    in->zstd = 1;
    in->zi.src = in->map;
    in->zi.size = in->map_size;
    if (start(in, !in->borrowed && !in->small)) {
        cn_in_close(in);
        return NULL;
    }
    return in;
}

cn_in *cn_in_mem(const void *data, size_t n, const char *name) {
    cn_in *in = new_in(name);
    if (!in) return NULL;
    in->map = data;
    in->map_size = n;
    in->borrowed = 1;
    return from_map(in);
}

cn_in *cn_in_open(const char *path) { return cn_in_open_flags(path, 0); }

cn_in *cn_in_open_flags(const char *path, int flags) {
    int is_stdin = strcmp(path, "-") == 0;
    cn_in *in = new_in(is_stdin ? "<stdin>" : path);
    if (!in) return NULL;
    in->fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0) {
        cn_fail_errno(CN_EIO, "%s: cannot open", path);
        cn_in_close(in);
        return NULL;
    }
    in->own_fd = !is_stdin;
    struct stat st;
    if (fstat(in->fd, &st) != 0) {
        cn_fail_errno(CN_EIO, "%s: cannot stat", path);
        cn_in_close(in);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        cn_fail(CN_EIO, "%s: is a directory", path);
        cn_in_close(in);
        return NULL;
    }
    if ((flags & CN_IN_MAP) && S_ISREG(st.st_mode)) {
        if (st.st_size == 0) {
            in->mapped = 1;
            return in;
        }
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, in->fd, 0);
        in->small = (flags & CN_IN_SMALL) != 0;
        if (m != MAP_FAILED) {
            madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
            in->map = m;
            in->map_size = (uint64_t)st.st_size;
            return from_map(in);
        }
    }
    if (S_ISREG(st.st_mode)) posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    else in->may_block = 1;
    /* look at the first 4 bytes for the zstd magic; they are delivered first */
    in->pre = malloc(4);
    if (!in->pre) {
        cn_fail(CN_ENOMEM, "out of memory");
        cn_in_close(in);
        return NULL;
    }
    while (in->npre < 4) {
        ssize_t r = read_some(in->fd, in->pre + in->npre, 4 - in->npre, 0, NULL);
        if (r < 0) {
            cn_fail_errno(CN_EIO, "%s: read error", in->name);
            cn_in_close(in);
            return NULL;
        }
        if (r == 0) break;
        in->npre += (size_t)r;
    }
    uint32_t magic = 0;
    if (in->npre == 4) memcpy(&magic, in->pre, 4);
    in->zstd = magic == ZMAGIC;
    if (start(in, 1)) {
        cn_in_close(in);
        return NULL;
    }
    return in;
}

/* ---- consumer ---- */

/* waits for the next chunk; NULL (with the producer's message) when it failed
 * before giving any byte of it */
static chunk *acquire(cn_in *in) {
    if (!in->started) { /* no producer: decode the next chunk here */
        chunk *c = &in->ch[0];
        c->len = 0;
        c->last = 0;
        c->err = in->zstd ? fill_zstd(in, c) : fill_plain(in, c);
        if (c->err) {
            snprintf(in->errmsg, sizeof in->errmsg, "%s", cn_errmsg());
            c->last = 1;
        }
        in->co = 0;
        return in->cur = c;
    }
    /* the producer is usually a few microseconds from the next chunk: spin a
     * little before sleeping (a wake-up across CPUs costs more, in a VM much more) */
    for (int i = 0; i < 4096 && __atomic_load_n(&in->head, __ATOMIC_ACQUIRE) == in->tail; i++) __builtin_ia32_pause();
    pthread_mutex_lock(&in->mu);
    while (in->head == in->tail) {
        in->cons_waiting = 1;
        pthread_cond_wait(&in->cv, &in->mu);
        in->cons_waiting = 0;
    }
    pthread_mutex_unlock(&in->mu);
    in->co = 0;
    return in->cur = &in->ch[in->tail % NCH];
}

static void release(cn_in *in) {
    if (!in->started) {
        in->cur = NULL;
        return;
    }
    pthread_mutex_lock(&in->mu);
    in->tail++;
    if (in->prod_waiting && in->head - in->tail <= NCH / 2) pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&in->mu);
    in->cur = NULL;
}

/* The current chunk is used up: moves to the next. 0 ok, 1 at the end of the
 * input, -1 on the producer's error. */
static int advance(cn_in *in) {
    if (in->cur) {
        if (in->cur->last) {
            if (in->cur->err) {
                in->err = in->cur->err;
                return cn_fail(in->cur->err, "%s", in->errmsg), -1;
            }
            in->eof = 1;
            return 1;
        }
        release(in);
    }
    acquire(in);
    return 0;
}

/* appends up to `need` more bytes to the stitch buffer; it grows only as the
 * bytes arrive, so a hostile length cannot make it allocate */
static int pull(cn_in *in, size_t need) {
    size_t have = in->send - in->sstart;
    if (in->sstart) {
        memmove(in->st, in->st + in->sstart, have);
        in->sstart = 0;
        in->send = have;
    }
    while (need) {
        if (!in->cur || in->co == in->cur->len) {
            int a = advance(in);
            if (a < 0) return -1;
            if (a > 0) break;
            continue;
        }
        size_t take = in->cur->len - in->co < need ? in->cur->len - in->co : need;
        if (in->send + take > in->stcap) {
            size_t cap = in->stcap ? in->stcap : CHUNK;
            while (cap < in->send + take) cap *= 2;
            if (cap > in->send + need) cap = in->send + need; /* never beyond what was asked */
            uint8_t *s = realloc(in->st, cap);
            if (!s) return in->err = cn_fail(CN_ENOMEM, "out of memory (%zu byte record)", in->send + need), -1;
            in->st = s;
            in->stcap = cap;
        }
        memcpy(in->st + in->send, in->cur->p + in->co, take);
        in->send += take;
        in->co += take;
        need -= take;
    }
    return 0;
}

const uint8_t *cn_in_get(cn_in *in, size_t want, size_t *avail) {
    if (in->mapped) {
        uint64_t left = in->map_size - in->mpos;
        *avail = left > SIZE_MAX ? SIZE_MAX : (size_t)left;
        return in->map_size ? in->map + in->mpos : (const uint8_t *)"";
    }
    for (;;) {
        if (in->stitching) {
            size_t have = in->send - in->sstart;
            if (have < want && !in->eof) {
                if (pull(in, want - have) < 0) return NULL;
                have = in->send - in->sstart;
            }
            *avail = have;
            return in->st + in->sstart;
        }
        if (!in->cur || in->co == in->cur->len) {
            if (in->eof) {
                *avail = 0;
                return (const uint8_t *)"";
            }
            int a = advance(in);
            if (a < 0) return NULL;
            if (a > 0) continue;
            continue;
        }
        size_t rem = in->cur->len - in->co;
        if (rem >= want || (in->cur->last && !in->cur->err)) {
            *avail = rem;
            return in->cur->p + in->co;
        }
        /* the window crosses into the next chunk: assemble it */
        in->stitching = 1;
        in->sstart = in->send = 0;
    }
}

void cn_in_skip(cn_in *in, size_t n) {
    in->pos += n;
    if (in->mapped) {
        in->mpos += n;
    } else if (in->stitching) {
        in->sstart += n;
        if (in->sstart == in->send) in->stitching = 0;
    } else {
        in->co += n;
    }
}

cn_status cn_in_read(cn_in *in, void *dst, size_t n) {
    size_t avail;
    const uint8_t *p = cn_in_get(in, n, &avail);
    if (!p) return cn_in_status(in);
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
cn_status cn_in_status(const cn_in *in) { return in->err ? in->err : CN_EIO; }
const char *cn_in_name(const cn_in *in) { return in->name; }
int cn_in_zstd(const cn_in *in) { return in->zstd; }
int cn_in_mapped(const cn_in *in) { return in->mapped; }
const uint8_t *cn_in_map(const cn_in *in, uint64_t *size) {
    *size = in->mapped ? in->map_size : 0;
    return in->mapped ? in->map : NULL;
}
