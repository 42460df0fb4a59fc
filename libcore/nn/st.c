/* st: safetensors read (mapped, every field checked) and write. */
#include "st.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "half.h"
#include "io.h"
#include "jsonl.h"
#include "utf8.h"

#define MAX_HEADER (100u << 20) /* the reference implementation's limit */

static const struct {
    const char *name;
    size_t size;
} dtypes[CN_ST_NDTYPES] = {
    [CN_ST_F32] = {"F32", 4},  [CN_ST_F16] = {"F16", 2},         [CN_ST_BF16] = {"BF16", 2},
    [CN_ST_F64] = {"F64", 8},  [CN_ST_I64] = {"I64", 8},         [CN_ST_I32] = {"I32", 4},
    [CN_ST_I16] = {"I16", 2},  [CN_ST_I8] = {"I8", 1},           [CN_ST_U8] = {"U8", 1},
    [CN_ST_U16] = {"U16", 2},  [CN_ST_U32] = {"U32", 4},         [CN_ST_U64] = {"U64", 8},
    [CN_ST_BOOL] = {"BOOL", 1}, [CN_ST_F8_E4M3] = {"F8_E4M3", 1}, [CN_ST_F8_E5M2] = {"F8_E5M2", 1},
};

const char *cn_st_dtype_name(cn_st_dtype d) { return d < CN_ST_NDTYPES ? dtypes[d].name : "?"; }
size_t cn_st_dtype_size(cn_st_dtype d) { return d < CN_ST_NDTYPES ? dtypes[d].size : 0; }

/* ---- reading ---- */

typedef struct {
    char *path;
    void *map;
    size_t size;
} stfile;

struct cn_st {
    stfile *files;
    size_t nfiles;
    cn_st_tensor *t;
    size_t n, cap;
    char **meta; /* key, value, key, value ... of the first file */
    size_t nmeta;
};

static int by_name(const void *a, const void *b) {
    return strcmp(((const cn_st_tensor *)a)->name, ((const cn_st_tensor *)b)->name);
}

typedef struct {
    uint64_t b, e;
    const char *name;
} span;

static int by_span(const void *x, const void *y) {
    const span *a = x, *b = y;
    if (a->b != b->b) return a->b < b->b ? -1 : 1;
    return a->e < b->e ? -1 : a->e > b->e;
}

/* a JSON number that is an exact integer in [0, max] */
static int json_u64(const cJSON *v, uint64_t max, uint64_t *out) {
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) || v->valuedouble > 9007199254740992.0 || v->valuedouble != floor(v->valuedouble))
        return 0;
    *out = (uint64_t)v->valuedouble;
    return *out <= max;
}

static cn_status push(cn_st *s, const cn_st_tensor *t) {
    if (s->n == s->cap) {
        size_t c = s->cap ? s->cap * 2 : 64;
        cn_st_tensor *x = realloc(s->t, c * sizeof *x);
        if (!x) return cn_fail(CN_ENOMEM, "out of memory");
        s->t = x;
        s->cap = c;
    }
    s->t[s->n++] = *t;
    return CN_OK;
}

/* maps one file and appends its tensors (all, or the names keep says) */
static cn_status load_file(cn_st *s, const char *path, int first) {
    stfile *f = &s->files[s->nfiles];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cn_fail(CN_EIO, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return cn_fail(CN_EIO, "%s: not a regular file", path);
    }
    size_t size = (size_t)sb.st_size;
    if (size < 8) {
        close(fd);
        return cn_fail(CN_EFORMAT, "%s: %zu bytes: too short for a safetensors header", path, size);
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return cn_fail(CN_EIO, "%s: mmap: %s", path, strerror(errno));
    f->map = map;
    f->size = size;
    f->path = strdup(path);
    s->nfiles++;
    if (!f->path) return cn_fail(CN_ENOMEM, "out of memory");
    const uint8_t *u = map;
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | u[i];
    if (hl > size - 8) return cn_fail(CN_EFORMAT, "%s: header length %llu runs beyond the file (%zu bytes)", path, (unsigned long long)hl, size);
    if (hl > MAX_HEADER) return cn_fail(CN_EFORMAT, "%s: header length %llu above the 100 MB limit", path, (unsigned long long)hl);
    const char *h = (const char *)u + 8;
    if (hl < 2 || h[0] != '{') return cn_fail(CN_EFORMAT, "%s: the header is not a JSON object", path);
    size_t bad = cn_utf8_check(h, hl);
    if (bad != hl) return cn_fail(CN_EFORMAT, "%s: header: invalid UTF-8 at byte %zu", path, bad + 8);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(h, hl, &end, 0);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cn_fail(CN_EFORMAT, "%s: header: malformed JSON near byte %zu", path, end ? (size_t)(end - h) + 8 : 8);
    }
    for (const char *p = end; p < h + hl; p++) /* padding: spaces only */
        if (*p != ' ') {
            cJSON_Delete(root);
            return cn_fail(CN_EFORMAT, "%s: header: trailing bytes after the JSON", path);
        }
    const uint8_t *data = u + 8 + hl;
    uint64_t dlen = size - 8 - hl;
    cn_status st = CN_OK;
    size_t start = s->n, nspan = 0;
    span *spans = calloc((size_t)cJSON_GetArraySize(root) + 1, sizeof *spans);
    if (!spans) st = cn_fail(CN_ENOMEM, "out of memory");
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        if (st) break;
        if (strcmp(e->string, "__metadata__") == 0) {
            if (!cJSON_IsObject(e)) {
                st = cn_fail(CN_EFORMAT, "%s: __metadata__ is not an object", path);
                break;
            }
            const cJSON *m;
            cJSON_ArrayForEach(m, e) {
                if (!cJSON_IsString(m)) {
                    st = cn_fail(CN_EFORMAT, "%s: __metadata__ '%s' is not a string", path, m->string);
                    break;
                }
                if (!first) continue;
                char **x = realloc(s->meta, (s->nmeta + 2) * sizeof *x);
                if (!x) {
                    st = cn_fail(CN_ENOMEM, "out of memory");
                    break;
                }
                s->meta = x;
                s->meta[s->nmeta] = strdup(m->string);
                s->meta[s->nmeta + 1] = strdup(m->valuestring);
                s->nmeta += 2;
                if (!s->meta[s->nmeta - 2] || !s->meta[s->nmeta - 1]) st = cn_fail(CN_ENOMEM, "out of memory");
            }
            continue;
        }
        const char *name = e->string;
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
        const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
        const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
        cn_st_tensor t = {0};
        t.dtype = CN_ST_NDTYPES;
        for (int d = 0; cJSON_IsString(dt) && d < CN_ST_NDTYPES; d++)
            if (strcmp(dt->valuestring, dtypes[d].name) == 0) t.dtype = (cn_st_dtype)d;
        if (!cJSON_IsObject(e) || t.dtype == CN_ST_NDTYPES) {
            st = cn_fail(CN_EFORMAT, "%s: tensor '%s': %s", path, name,
                         cJSON_IsString(dt) ? "unknown dtype" : "no dtype");
            break;
        }
        if (!cJSON_IsArray(sh) || cJSON_GetArraySize(sh) > CN_ST_MAXDIM) {
            st = cn_fail(CN_EFORMAT, "%s: tensor '%s': shape missing or of more than %d dimensions", path, name, CN_ST_MAXDIM);
            break;
        }
        uint64_t numel = 1, b, en;
        const cJSON *d;
        cJSON_ArrayForEach(d, sh) {
            uint64_t v;
            if (!json_u64(d, 1ull << 50, &v) || (v && numel > (1ull << 60) / v)) {
                st = cn_fail(CN_EFORMAT, "%s: tensor '%s': bad shape", path, name);
                break;
            }
            t.shape[t.ndim++] = (int64_t)v;
            numel *= v;
        }
        if (st) break;
        if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 || !json_u64(cJSON_GetArrayItem(off, 0), dlen, &b) ||
            !json_u64(cJSON_GetArrayItem(off, 1), dlen, &en) || b > en) {
            st = cn_fail(CN_EFORMAT, "%s: tensor '%s': data_offsets missing or outside the %llu data bytes", path, name,
                         (unsigned long long)dlen);
            break;
        }
        if (numel * dtypes[t.dtype].size != en - b) {
            st = cn_fail(CN_EFORMAT, "%s: tensor '%s': %llu bytes for %llu elements of %s", path, name,
                         (unsigned long long)(en - b), (unsigned long long)numel, dtypes[t.dtype].name);
            break;
        }
        t.numel = numel;
        t.nbytes = en - b;
        t.data = data + b;
        if (!(t.name = strdup(name))) {
            st = cn_fail(CN_ENOMEM, "out of memory");
            break;
        }
        spans[nspan++] = (span){b, en, t.name};
        if ((st = push(s, &t))) free((char *)t.name);
    }
    /* the data is covered exactly: no overlap, no hole */
    if (!st) {
        qsort(spans, nspan, sizeof *spans, by_span);
        uint64_t at = 0;
        for (size_t i = 0; i < nspan && !st; i++) {
            if (spans[i].b < at)
                st = cn_fail(CN_EFORMAT, "%s: tensor '%s': data_offsets [%llu, %llu] overlap '%s'", path, spans[i].name,
                             (unsigned long long)spans[i].b, (unsigned long long)spans[i].e, spans[i - 1].name);
            else if (spans[i].b > at)
                st = cn_fail(CN_EFORMAT, "%s: bytes %llu..%llu of the data belong to no tensor", path, (unsigned long long)at,
                             (unsigned long long)spans[i].b);
            at = spans[i].e > at ? spans[i].e : at;
        }
        if (!st && at != dlen)
            st = cn_fail(CN_EFORMAT, "%s: bytes %llu..%llu of the data belong to no tensor", path, (unsigned long long)at,
                         (unsigned long long)dlen);
    }
    free(spans);
    cJSON_Delete(root);
    (void)start;
    return st;
}

static int is_dir(const char *p) {
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int exists(const char *p) { return access(p, F_OK) == 0; }

char *cn_st_dir_weights(const char *dir) {
    char *one = cn_path_join(dir, "model.safetensors");
    if (!one || exists(one)) return one;
    char *index = cn_path_join(dir, "model.safetensors.index.json");
    if (index && exists(index)) return free(one), index;
    free(index);
    return one;
}

static cn_status load_index(cn_st *s, const char *path) {
    size_t len;
    char *text = cn_read_all(path, &len);
    if (!text) return cn_last_status();
    cn_status st = CN_OK;
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *wm = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
    if (!cJSON_IsObject(wm)) {
        cJSON_Delete(root);
        return cn_fail(CN_EFORMAT, "%s: not a safetensors index (no weight_map)", path);
    }
    /* the shards, each once, in order of first mention */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) slash[1] = 0;
    else dir[0] = 0;
    size_t nf = (size_t)cJSON_GetArraySize(wm);
    char **shard = calloc(nf + 1, sizeof *shard);
    size_t ns = 0;
    s->files = calloc(nf + 1, sizeof *s->files);
    if (!shard || !s->files) st = cn_fail(CN_ENOMEM, "out of memory");
    const cJSON *e;
    cJSON_ArrayForEach(e, wm) {
        if (st) break;
        if (!cJSON_IsString(e) || strchr(e->valuestring, '/')) {
            st = cn_fail(CN_EFORMAT, "%s: weight_map '%s': not a file name", path, e->string);
            break;
        }
        size_t k = 0;
        while (k < ns && strcmp(shard[k], e->valuestring) != 0) k++;
        if (k < ns) continue;
        shard[ns++] = e->valuestring;
        char full[8192];
        snprintf(full, sizeof full, "%s%s", dir, e->valuestring);
        st = load_file(s, full, ns == 1);
    }
    if (!st && ns == 0) st = cn_fail(CN_EFORMAT, "%s: weight_map names no tensors", path);
    /* keep just what the map names, and check each is where it says */
    if (!st) {
        if (s->n) qsort(s->t, s->n, sizeof *s->t, by_name);
        cJSON_ArrayForEach(e, wm) {
            cn_st_tensor key = {.name = e->string};
            cn_st_tensor *t = s->n ? bsearch(&key, s->t, s->n, sizeof *s->t, by_name) : NULL;
            if (!t) {
                st = cn_fail(CN_EFORMAT, "%s: weight_map names '%s' in %s, which does not hold it", path, e->string, e->valuestring);
                break;
            }
        }
    }
    free(shard);
    cJSON_Delete(root);
    return st;
}

cn_st *cn_st_open(const char *path) {
    cn_st *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    char *buf = NULL;
    const char *p = path;
    if (is_dir(path)) {
        if (!(buf = cn_st_dir_weights(path))) return free(s), NULL;
        p = buf;
    }
    size_t pl = strlen(p);
    cn_status st;
    if (pl >= 5 && strcmp(p + pl - 5, ".json") == 0) {
        st = load_index(s, p);
    } else {
        s->files = calloc(1, sizeof *s->files);
        st = s->files ? load_file(s, p, 1) : cn_fail(CN_ENOMEM, "out of memory");
    }
    if (!st && s->n) {
        qsort(s->t, s->n, sizeof *s->t, by_name);
        for (size_t i = 1; i < s->n && !st; i++)
            if (strcmp(s->t[i - 1].name, s->t[i].name) == 0) st = cn_fail(CN_EFORMAT, "%s: tensor '%s' twice", p, s->t[i].name);
    }
    if (st) {
        free(buf);
        cn_st_close(s);
        return NULL;
    }
    free(buf);
    return s;
}

void cn_st_close(cn_st *s) {
    if (!s) return;
    for (size_t i = 0; i < s->nfiles; i++) {
        if (s->files[i].map) munmap(s->files[i].map, s->files[i].size);
        free(s->files[i].path);
    }
    for (size_t i = 0; i < s->n; i++) free((char *)s->t[i].name);
    for (size_t i = 0; i < s->nmeta; i++) free(s->meta[i]);
    free(s->meta);
    free(s->files);
    free(s->t);
    free(s);
}

size_t cn_st_count(const cn_st *s) { return s->n; }
const cn_st_tensor *cn_st_at(const cn_st *s, size_t i) { return i < s->n ? &s->t[i] : NULL; }

const cn_st_tensor *cn_st_find(const cn_st *s, const char *name) {
    cn_st_tensor key = {.name = name};
    return s->n ? bsearch(&key, s->t, s->n, sizeof *s->t, by_name) : NULL;
}

const char *cn_st_metadata(const cn_st *s, const char *key) {
    for (size_t i = 0; i + 1 < s->nmeta; i += 2)
        if (strcmp(s->meta[i], key) == 0) return s->meta[i + 1];
    return NULL;
}

cn_status cn_st_to_f32(const cn_st_tensor *t, float *dst, size_t n) {
    if (t->numel != n)
        return cn_fail(CN_EFORMAT, "tensor '%s': %llu elements, expected %zu", t->name, (unsigned long long)t->numel, n);
    const uint8_t *p = t->data;
    switch (t->dtype) {
    case CN_ST_F32: memcpy(dst, p, n * 4); break;
    case CN_ST_F64:
        for (size_t i = 0; i < n; i++) {
            double d;
            memcpy(&d, p + 8 * i, 8);
            dst[i] = (float)d;
        }
        break;
    case CN_ST_F16:
    case CN_ST_BF16:
        for (size_t i = 0; i < n; i++) {
            uint16_t h = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
            dst[i] = t->dtype == CN_ST_F16 ? cn_f16_to_f32(h) : cn_bf16_to_f32(h);
        }
        break;
    default: return cn_fail(CN_EFORMAT, "tensor '%s': dtype %s is not a floating-point type", t->name, dtypes[t->dtype].name);
    }
    return CN_OK;
}

/* ---- writing ---- */

typedef struct {
    char *name;
    cn_st_dtype dtype;
    int ndim;
    int64_t shape[CN_ST_MAXDIM];
    uint64_t nbytes;
    const void *data;
} wtensor;

struct cn_st_writer {
    wtensor *t;
    size_t n, cap;
    char **meta;
    size_t nmeta;
};

cn_st_writer *cn_st_writer_new(void) {
    cn_st_writer *w = calloc(1, sizeof *w);
    if (!w) cn_fail(CN_ENOMEM, "out of memory");
    return w;
}

void cn_st_writer_free(cn_st_writer *w) {
    if (!w) return;
    for (size_t i = 0; i < w->n; i++) free(w->t[i].name);
    for (size_t i = 0; i < w->nmeta; i++) free(w->meta[i]);
    free(w->t);
    free(w->meta);
    free(w);
}

cn_status cn_st_add(cn_st_writer *w, const char *name, cn_st_dtype dtype, const int64_t *shape, int ndim, const void *data) {
    if (dtype >= CN_ST_NDTYPES || ndim < 0 || ndim > CN_ST_MAXDIM) return cn_fail(CN_EINVAL, "tensor '%s': bad dtype or rank", name);
    if (strcmp(name, "__metadata__") == 0) return cn_fail(CN_EINVAL, "'__metadata__' is not a tensor name");
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->t[i].name, name) == 0) return cn_fail(CN_EINVAL, "tensor '%s' added twice", name);
    if (w->n == w->cap) {
        size_t c = w->cap ? w->cap * 2 : 64;
        wtensor *x = realloc(w->t, c * sizeof *x);
        if (!x) return cn_fail(CN_ENOMEM, "out of memory");
        w->t = x;
        w->cap = c;
    }
    wtensor *t = &w->t[w->n];
    memset(t, 0, sizeof *t);
    uint64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return cn_fail(CN_EINVAL, "tensor '%s': negative dimension", name);
        t->shape[i] = shape[i];
        numel *= (uint64_t)shape[i];
    }
    if (!(t->name = strdup(name))) return cn_fail(CN_ENOMEM, "out of memory");
    t->dtype = dtype;
    t->ndim = ndim;
    t->nbytes = numel * dtypes[dtype].size;
    t->data = data;
    w->n++;
    return CN_OK;
}

cn_status cn_st_set_metadata(cn_st_writer *w, const char *key, const char *value) {
    for (size_t i = 0; i < w->nmeta; i += 2)
        if (strcmp(w->meta[i], key) == 0) {
            char *v = strdup(value);
            if (!v) return cn_fail(CN_ENOMEM, "out of memory");
            free(w->meta[i + 1]);
            w->meta[i + 1] = v;
            return CN_OK;
        }
    char **x = realloc(w->meta, (w->nmeta + 2) * sizeof *x);
    if (!x) return cn_fail(CN_ENOMEM, "out of memory");
    w->meta = x;
    if (!(w->meta[w->nmeta] = strdup(key)) || !(w->meta[w->nmeta + 1] = strdup(value))) return cn_fail(CN_ENOMEM, "out of memory");
    w->nmeta += 2;
    return CN_OK;
}

/* appends s, as a JSON string literal when quote */
static int jput(char **buf, size_t *len, size_t *cap, const char *s, int quote) {
    size_t n = strlen(s), need = quote ? CN_JSON_QUOTED_MAX(n) : n;
    if (*len + need > *cap) {
        size_t c = (*cap + need) * 2;
        char *b = realloc(*buf, c);
        if (!b) return -1;
        *buf = b;
        *cap = c;
    }
    if (quote) *len += cn_json_quote(*buf + *len, s, n);
    else memcpy(*buf + *len, s, n), *len += n;
    return 0;
}

static int by_wname(const void *a, const void *b) { return strcmp(((const wtensor *)a)->name, ((const wtensor *)b)->name); }

cn_status cn_st_write(cn_st_writer *w, const char *path) {
    qsort(w->t, w->n, sizeof *w->t, by_wname);
    size_t len = 0, cap = 4096;
    char *h = malloc(cap), num[128];
    int bad = !h || jput(&h, &len, &cap, "{", 0);
    if (w->nmeta) {
        bad |= jput(&h, &len, &cap, "\"__metadata__\":{", 0);
        for (size_t i = 0; i < w->nmeta; i += 2) {
            bad |= jput(&h, &len, &cap, i ? "," : "", 0) | jput(&h, &len, &cap, w->meta[i], 1) | jput(&h, &len, &cap, ":", 0);
            bad |= jput(&h, &len, &cap, w->meta[i + 1], 1);
        }
        bad |= jput(&h, &len, &cap, w->n ? "}," : "}", 0);
    }
    uint64_t off = 0;
    for (size_t i = 0; i < w->n && !bad; i++) {
        const wtensor *t = &w->t[i];
        bad |= jput(&h, &len, &cap, i ? "," : "", 0) | jput(&h, &len, &cap, t->name, 1);
        snprintf(num, sizeof num, ":{\"dtype\":\"%s\",\"shape\":[", dtypes[t->dtype].name);
        bad |= jput(&h, &len, &cap, num, 0);
        for (int d = 0; d < t->ndim; d++) {
            snprintf(num, sizeof num, d ? ",%lld" : "%lld", (long long)t->shape[d]);
            bad |= jput(&h, &len, &cap, num, 0);
        }
        snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off, (unsigned long long)(off + t->nbytes));
        bad |= jput(&h, &len, &cap, num, 0);
        off += t->nbytes;
    }
    bad |= jput(&h, &len, &cap, "}", 0);
    while (!bad && len % 8) bad |= jput(&h, &len, &cap, " ", 0); /* the data starts 8-byte aligned */
    if (bad) {
        free(h);
        return cn_fail(CN_ENOMEM, "out of memory");
    }
    cn_out *out = cn_out_open(path, 0);
    if (!out) {
        free(h);
        return cn_last_status();
    }
    uint8_t le[8];
    for (int i = 0; i < 8; i++) le[i] = (uint8_t)((uint64_t)len >> (8 * i));
    cn_status st = cn_out_write(out, le, 8);
    if (!st) st = cn_out_write(out, h, len);
    for (size_t i = 0; i < w->n && !st; i++) st = cn_out_write(out, w->t[i].data, w->t[i].nbytes);
    free(h);
    if (st) {
        cn_out_abort(out);
        return st;
    }
    return cn_out_commit(out);
}
