/* vindex: a retrieval index directory, written whole and opened (vindex.h). */
#include "vindex.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "crc.h"
#include "encoder.h"
#include "io.h"
#include "jsonl.h"

#define FORMAT "cn-embed index 1"

/* ---- writing ---- */

struct cn_vindex_writer {
    char *dir;
    int made; /* the directory is this writer's: removed on abort */
    cn_out *out[3]; /* index.faiss, passages.jsonl, meta.json */
    int64_t count, rows;
    int dim;
    char *line;
    size_t cap;
};

static char *meta_text(const cn_vindex_meta *m) {
    cJSON *j = cJSON_CreateObject();
    if (!j) return NULL;
    cJSON_AddStringToObject(j, "format", FORMAT);
    cJSON_AddStringToObject(j, "encoder", m->encoder);
    cJSON_AddStringToObject(j, "encoder_sha256", m->encoder_sha256);
    cJSON_AddStringToObject(j, "tokenizer_sha256", m->tokenizer_sha256);
    cJSON_AddStringToObject(j, "pooling", "mean");
    cJSON_AddBoolToObject(j, "normalize", 1);
    cJSON_AddStringToObject(j, "metric", "inner_product");
    cJSON_AddStringToObject(j, "query_prompt", m->query_prompt);
    cJSON_AddStringToObject(j, "passage_prompt", m->passage_prompt);
    cJSON_AddNumberToObject(j, "dim", m->dim);
    cJSON_AddNumberToObject(j, "count", (double)m->count);
    cJSON_AddNumberToObject(j, "chunk_chars", m->chunk_chars);
    cJSON_AddNumberToObject(j, "overlap", m->overlap);
    cJSON_AddNumberToObject(j, "truncated", (double)m->truncated);
    char *s = cJSON_Print(j);
    cJSON_Delete(j);
    return s;
}

cn_vindex_writer *cn_vindex_create(const char *dir, const cn_vindex_meta *meta) {
    cn_vindex_writer *w = calloc(1, sizeof *w);
    char *text = meta_text(meta);
    if (!w || !text || !(w->dir = strdup(dir))) {
        free(w ? w->dir : NULL), free(w), free(text);
        cn_fail(CN_ENOMEM, "out of memory");
        return NULL;
    }
    w->count = meta->count, w->dim = meta->dim;
    if (mkdir(dir, 0755) == 0) w->made = 1, cn_out_own_dir(w->dir);
    else if (errno != EEXIST) {
        cn_fail(CN_EIO, "%s: %s", dir, strerror(errno));
        free(text);
        cn_vindex_abort(w);
        return NULL;
    }
    static const char *const names[3] = {"index.faiss", "passages.jsonl", "meta.json"};
    cn_status st = CN_OK;
    for (int i = 0; i < 3 && !st; i++) {
        char *p = cn_path_join(dir, names[i]);
        if (!p || !(w->out[i] = cn_out_open(p, 0))) st = p ? cn_last_status() : cn_fail(CN_ENOMEM, "out of memory");
        free(p);
    }
    if (!st) st = cn_vec_write_header(w->out[0], meta->count, meta->dim);
    if (!st && (st = cn_out_write(w->out[2], text, strlen(text))) == CN_OK) st = cn_out_write(w->out[2], "\n", 1);
    free(text);
    if (st) {
        cn_vindex_abort(w);
        return NULL;
    }
    return w;
}

/* appends s (n bytes) to the line being built */
static int grow(cn_vindex_writer *w, size_t at, size_t n) {
    if (at + n + 1 <= w->cap) return 1;
    size_t cap = 2 * (at + n + 1);
    char *x = realloc(w->line, cap);
    if (!x) return 0;
    w->line = x, w->cap = cap;
    return 1;
}

static size_t put_str(cn_vindex_writer *w, size_t at, const char *key, const char *s, size_t n) {
    size_t k = strlen(key);
    if (!at || !grow(w, at, k + CN_JSON_QUOTED_MAX(n) + 8)) return 0;
    at += (size_t)sprintf(w->line + at, "\"%s\": ", key);
    at += cn_json_quote(w->line + at, s, n);
    return at;
}

cn_status cn_vindex_add(cn_vindex_writer *w, const cn_passage *p, const float *vec) {
    if (w->rows >= w->count) return cn_fail(CN_EINVAL, "%s: more than the %lld passages announced", w->dir, (long long)w->count);
    size_t at = grow(w, 0, 2) ? (size_t)sprintf(w->line, "{") : 0;
    at = put_str(w, at, "id", p->id, strlen(p->id));
    if (at) w->line[at++] = ',', w->line[at++] = ' ';
    at = put_str(w, at, "doc", p->doc, strlen(p->doc));
    if (at) w->line[at++] = ',', w->line[at++] = ' ';
    at = put_str(w, at, "source", p->source, strlen(p->source));
    if (at && grow(w, at, 64)) at += (size_t)sprintf(w->line + at, ", \"start\": %zu, \"end\": %zu, ", p->start, p->end);
    else at = 0;
    at = put_str(w, at, "text", p->text, p->len);
    if (!at || !grow(w, at, 2)) return cn_fail(CN_ENOMEM, "out of memory");
    w->line[at++] = '}', w->line[at++] = '\n';
    cn_status st = cn_out_write(w->out[1], w->line, at);
    if (!st) st = cn_out_write(w->out[0], vec, (size_t)w->dim * sizeof *vec);
    if (!st) w->rows++;
    return st;
}

cn_status cn_vindex_commit(cn_vindex_writer *w) {
    if (w->rows != w->count) {
        cn_status st = cn_fail(CN_EINVAL, "%s: %lld passages of the %lld announced", w->dir, (long long)w->rows, (long long)w->count);
        cn_vindex_abort(w);
        return st;
    }
    cn_status st = cn_out_commit_set(w->out, 3); /* meta.json last: the index is whole when it is there */
    for (int i = 0; i < 3; i++) w->out[i] = NULL;
    if (st) {
        cn_vindex_abort(w);
        return st;
    }
    if (w->made) cn_out_own_dir(NULL);
    free(w->dir), free(w->line), free(w);
    return CN_OK;
}

void cn_vindex_abort(cn_vindex_writer *w) {
    if (!w) return;
    for (int i = 0; i < 3; i++)
        if (w->out[i]) cn_out_abort(w->out[i]);
    if (w->made) rmdir(w->dir), cn_out_own_dir(NULL);
    free(w->dir), free(w->line), free(w);
}

/* ---- reading ---- */

struct cn_vindex {
    cn_vindex_meta meta;
    char *encoder, *qp, *pp; /* meta's strings */
    cn_vec_index *vec;
    cn_passage *p;
    int64_t n;
};

static cn_status meta_str(const cJSON *j, const char *key, const char *where, char **out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!cJSON_IsString(v)) return cn_fail(CN_EFORMAT, "%s: '%s' %s", where, key, v ? "is not a string" : "missing");
    return (*out = strdup(v->valuestring)) ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
}

static cn_status read_meta(cn_vindex *ix, const char *path) {
    size_t n;
    char *text = cn_read_all(path, &n);
    if (!text) return cn_last_status();
    cJSON *j = cJSON_ParseWithLength(text, n);
    free(text);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return cn_fail(CN_EFORMAT, "%s: not a JSON object", path);
    }
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "format");
    cn_status st = cJSON_IsString(f) && !strcmp(f->valuestring, FORMAT) ? CN_OK
                                                                          : cn_fail(CN_EFORMAT, "%s: not an index of cn-embed (format '%s')", path,
                                                                                    cJSON_IsString(f) ? f->valuestring : "?");
    char *es = NULL, *ts = NULL;
    int64_t v;
    cn_vindex_meta *m = &ix->meta;
    if (!st) st = meta_str(j, "encoder", path, &ix->encoder);
    if (!st) st = meta_str(j, "encoder_sha256", path, &es);
    if (!st) st = meta_str(j, "tokenizer_sha256", path, &ts);
    if (!st && (strlen(es) != 64 || strlen(ts) != 64)) st = cn_fail(CN_EFORMAT, "%s: a SHA-256 that is not 64 hex digits", path);
    if (!st) memcpy(m->encoder_sha256, es, 65), memcpy(m->tokenizer_sha256, ts, 65);
    if (!st) st = meta_str(j, "query_prompt", path, &ix->qp);
    if (!st) st = meta_str(j, "passage_prompt", path, &ix->pp);
    if (!st && !(st = cn_json_int(j, "dim", path, 1, 1 << 20, &v))) m->dim = (int)v;
    if (!st && !(st = cn_json_int(j, "count", path, 0, CN_JSON_INT_MAX, &v))) m->count = v;
    if (!st && !(st = cn_json_int(j, "chunk_chars", path, 0, 1 << 30, &v))) m->chunk_chars = (int)v;
    if (!st && !(st = cn_json_int(j, "overlap", path, 0, 1 << 30, &v))) m->overlap = (int)v;
    if (!st && !(st = cn_json_int(j, "truncated", path, 0, CN_JSON_INT_MAX, &v))) m->truncated = v;
    m->encoder = ix->encoder, m->query_prompt = ix->qp, m->passage_prompt = ix->pp;
    free(es), free(ts);
    cJSON_Delete(j);
    return st;
}

static cn_status read_passages(cn_vindex *ix, const char *path) {
    cn_in *in = cn_in_open(path);
    if (!in) return cn_last_status();
    cn_jsonl *j = cn_jsonl_new(in, 0);
    cn_status st = j ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    int64_t want = ix->meta.count;
    ix->p = calloc((size_t)want + 1, sizeof *ix->p);
    if (!ix->p) st = cn_fail(CN_ENOMEM, "out of memory");
    cJSON *o;
    while (!st && (st = cn_jsonl_next(j, &o)) == CN_OK) {
        unsigned long long line = (unsigned long long)cn_jsonl_line(j);
        if (ix->n == want) {
            st = cn_fail(CN_EFORMAT, "%s:%llu: more passages than the %lld vectors", path, line, (long long)want);
            break;
        }
        cn_passage *p = &ix->p[ix->n];
        size_t n;
        double a, b;
        const char *keys[3] = {"id", "doc", "source"};
        char **dst[3] = {&p->id, &p->doc, &p->source};
        for (int k = 0; k < 3 && !st; k++) st = cn_jsonl_text_dup(j, keys[k], dst[k], &n);
        if (!st && !(st = cn_jsonl_text_dup(j, "text", &p->text, &n))) p->len = n;
        char *where = st ? NULL : malloc(strlen(path) + 24);
        if (where) sprintf(where, "%s:%llu", path, line);
        else if (!st) st = cn_fail(CN_ENOMEM, "out of memory");
        if (!st && !(st = cn_json_num(o, "start", where, &a)) && !(st = cn_json_num(o, "end", where, &b))) {
            if (a < 0 || b < a || b > (double)CN_JSON_INT_MAX || a != floor(a) || b != floor(b)) st = cn_fail(CN_EFORMAT, "%s: bytes %g to %g", where, a, b);
            else p->start = (size_t)a, p->end = (size_t)b;
        }
        free(where);
        ix->n++;
    }
    if (st == CN_EOF) st = ix->n == want ? CN_OK : cn_fail(CN_EFORMAT, "%s: %lld passages, the vectors %lld", path, (long long)ix->n, (long long)want);
    cn_jsonl_free(j);
    cn_in_close(in);
    return st;
}

cn_vindex *cn_vindex_open(const char *dir) {
    cn_vindex *ix = calloc(1, sizeof *ix);
    if (!ix) {
        cn_fail(CN_ENOMEM, "out of memory");
        return NULL;
    }
    char *mp = cn_path_join(dir, "meta.json"), *vp = cn_path_join(dir, "index.faiss"), *pp = cn_path_join(dir, "passages.jsonl");
    cn_status st = mp && vp && pp ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    if (!st && access(mp, F_OK) != 0 && access(vp, F_OK) == 0) /* the marker goes last (cn_out_commit_set) */
        st = cn_fail(CN_EFORMAT, "%s: no meta.json beside index.faiss: an index cut short while written (build it again)", dir);
    if (!st) st = read_meta(ix, mp);
    if (!st && !(ix->vec = cn_vec_index_open(vp))) st = cn_last_status();
    if (!st && (cn_vec_index_count(ix->vec) != ix->meta.count || cn_vec_index_dim(ix->vec) != ix->meta.dim))
        st = cn_fail(CN_EFORMAT, "%s: %lld vectors of %d dims, meta.json says %lld of %d", vp, (long long)cn_vec_index_count(ix->vec),
                     cn_vec_index_dim(ix->vec), (long long)ix->meta.count, ix->meta.dim);
    if (!st) st = read_passages(ix, pp);
    free(mp), free(vp), free(pp);
    if (st) {
        cn_vindex_close(ix);
        return NULL;
    }
    return ix;
}

void cn_vindex_close(cn_vindex *ix) {
    if (!ix) return;
    for (int64_t i = 0; i < ix->n; i++) free(ix->p[i].id), free(ix->p[i].doc), free(ix->p[i].source), free(ix->p[i].text);
    free(ix->p);
    cn_vec_index_close(ix->vec);
    free(ix->encoder), free(ix->qp), free(ix->pp);
    free(ix);
}

const cn_vindex_meta *cn_vindex_meta_of(const cn_vindex *ix) { return &ix->meta; }
const cn_vec_index *cn_vindex_vectors(const cn_vindex *ix) { return ix->vec; }
int64_t cn_vindex_count(const cn_vindex *ix) { return ix->n; }
const cn_passage *cn_vindex_passage(const cn_vindex *ix, int64_t row) { return &ix->p[row]; }

cn_status cn_vindex_check_encoder(const cn_vindex *ix, const char *ix_dir, const cn_encoder *e, const char *dir) {
    const cn_vindex_meta *meta = cn_vindex_meta_of(ix);
    uint8_t sha[32];
    char hex[65];
    cn_status st = cn_encoder_sha256(e, sha);
    if (st) return st;
    cn_hex32(sha, hex);
    if (strcmp(hex, meta->encoder_sha256))
        return cn_fail(CN_EINVAL, "%s: another encoder than the index's (%s/meta.json: weights SHA-256 %.12s..., this one's %.12s...): "
                                  "search with the encoder that made it", dir, ix_dir, meta->encoder_sha256, hex);
    cn_hex32(cn_tok_sha256(cn_encoder_dir(e)->tok), hex);
    if (strcmp(hex, meta->tokenizer_sha256))
        return cn_fail(CN_EINVAL, "%s: another tokenizer than the index's (%s/meta.json: SHA-256 %.12s..., this one's %.12s...)", dir,
                       ix_dir, meta->tokenizer_sha256, hex);
    if (cn_encoder_dim(e) != meta->dim) return cn_fail(CN_EINVAL, "%s: %d dims, the index %d", dir, cn_encoder_dim(e), meta->dim);
    return CN_OK;
}
